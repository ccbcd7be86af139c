"""Error budgets: how much AI-linked failure a workflow has spent over its rolling window.

Only `ai-connected` incidents spend a budget; `unknown` ones are listed beside it (unknown is not
human, but it is not proof either). The clock is a parameter everywhere, so a budget can be
judged as of any moment: tests move it, the gate passes its own `today`, a postmortem asks what
the budget was when the change merged.

States, per workflow, as of `now`:
- `exhausted`: a limit is reached (incidents >= max_ai_incidents or minutes >= max_impact_minutes);
- `at-risk`: 75% of a limit is used, or the recent burn rate is 2x or more;
- `ok`: otherwise.
The burn rate is the spend of the last quarter of the window, scaled to the whole window, as a
multiple of the limit: 1.0 means "at this pace the window spends exactly its budget".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from signoff.git.repo import Repo
from signoff.incidents.classify import Connection, connect_all
from signoff.incidents.model import BudgetOverride, Incident
from signoff.incidents.store import load_incidents
from signoff.policy import Policy, load_policy, owners_for
from signoff.policy.accountable import single_accountable
from signoff.policy.escalation import resolve_chain
from signoff.policy.model import ErrorBudget, Workflow

State = Literal["ok", "at-risk", "exhausted"]
AT_RISK_SHARE = 0.75
AT_RISK_BURN = 2.0


@dataclass(frozen=True, slots=True)
class Spend:
    """One incident as a budget sees it."""

    incident: str
    started: datetime
    minutes: int
    label: str


@dataclass(slots=True)
class BudgetStatus:
    workflow: str
    tier: str
    budget: ErrorBudget
    now: datetime
    consumed: list[Spend] = field(default_factory=list)  # ai-connected, inside the window
    unknown: list[Spend] = field(default_factory=list)  # unknown label, inside the window
    state: State = "ok"
    used: float = 0.0  # the largest share of a limit used (1.0 = spent)
    burn_rate: float = 0.0
    recovers_at: datetime | None = None
    may_override: list[str] = field(default_factory=list)  # the named owners who can lift it

    @property
    def incidents(self) -> int:
        return len(self.consumed)

    @property
    def minutes(self) -> int:
        return sum(s.minutes for s in self.consumed)

    def to_json(self) -> dict[str, Any]:
        return {
            "workflow": self.workflow,
            "tier": self.tier,
            "as_of": self.now.isoformat(),
            "window_days": self.budget.window_days,
            "window_start": (self.now - timedelta(days=self.budget.window_days)).isoformat(),
            "limits": {
                "max_ai_incidents": self.budget.max_ai_incidents,
                "max_impact_minutes": self.budget.max_impact_minutes,
            },
            "consumed": {"incidents": self.incidents, "impact_minutes": self.minutes},
            "used": round(self.used, 3),
            "burn_rate": round(self.burn_rate, 3),
            "state": self.state,
            "recovers_at": self.recovers_at.isoformat() if self.recovers_at else None,
            "incidents": [s.incident for s in self.consumed],
            "unknown_incidents": [s.incident for s in self.unknown],
            "may_override": self.may_override,
        }


def incident_workflows(policy: Policy, incident: Incident, conn: Connection) -> list[str]:
    """The workflows an incident spends: owners of its AI-authored suspect paths.

    When the suspects name no AI-authored path, the incident's own affected paths are used.
    """
    paths = (
        conn.ai_paths
        if conn.label == "ai-connected"
        else [p for c in conn.changes for p in c.paths]
    )
    paths = paths or list(incident.paths)
    owners = owners_for(policy, paths)
    return list(dict.fromkeys(o.ownership.workflow.id for o in owners if o.ownership))


def _share(value: int, limit: int | None) -> float:
    if limit is None:
        return 0.0
    if limit == 0:
        return float("inf") if value else 0.0
    return value / limit


def _used(spends: Sequence[Spend], budget: ErrorBudget) -> float:
    return max(
        _share(len(spends), budget.max_ai_incidents),
        _share(sum(s.minutes for s in spends), budget.max_impact_minutes),
    )


def _inside(spends: Sequence[Spend], now: datetime, days: float) -> list[Spend]:
    start = now - timedelta(days=days)
    return [s for s in spends if start < s.started <= now]


def judge(
    workflow: Workflow, budget: ErrorBudget, spends: Sequence[Spend], now: datetime
) -> BudgetStatus:
    """The state of one workflow's budget at `now`, from every incident that could spend it."""
    status = BudgetStatus(workflow.id, workflow.tier, budget, now)
    window = budget.window_days
    status.consumed = _inside([s for s in spends if s.label == "ai-connected"], now, window)
    status.unknown = _inside([s for s in spends if s.label == "unknown"], now, window)
    status.used = _used(status.consumed, budget)
    recent_days = max(1.0, window / 4)
    recent = _inside(status.consumed, now, recent_days)
    status.burn_rate = _used(recent, budget) * (window / recent_days) if recent else 0.0
    if status.used >= 1.0:
        status.state = "exhausted"
        status.recovers_at = _recovery(status.consumed, budget)
    elif status.used >= AT_RISK_SHARE or status.burn_rate >= AT_RISK_BURN:
        status.state = "at-risk"
    return status


def _recovery(consumed: Sequence[Spend], budget: ErrorBudget) -> datetime | None:
    """The moment the budget is no longer spent, if no new incident arrives."""
    window = timedelta(days=budget.window_days)
    for s in sorted(consumed, key=lambda x: x.started):
        leaves = s.started + window  # from this moment it no longer counts
        left = [x for x in consumed if x.started + window > leaves]
        if _used(left, budget) < 1.0:
            return leaves
    return None


def budgets(
    policy: Policy,
    connected: Sequence[tuple[Incident, Connection]],
    now: datetime,
    workflows: Sequence[str] | None = None,
) -> list[BudgetStatus]:
    """Every workflow with an error budget (or those named), judged at `now`."""
    per_workflow: dict[str, list[Spend]] = {}
    for incident, conn in connected:
        if conn.label == "not-ai":
            continue
        spend = Spend(incident.id, incident.started, incident.minutes, conn.label)
        for wf in incident_workflows(policy, incident, conn):
            per_workflow.setdefault(wf, []).append(spend)
    out = []
    for flow in policy.document.workflows:
        if flow.error_budget is None or (workflows is not None and flow.id not in workflows):
            continue
        status = judge(flow, flow.error_budget, per_workflow.get(flow.id, []), now)
        status.may_override = _named_owners(policy, flow, now.date())
        out.append(status)
    return out


def _named_owners(policy: Policy, workflow: Workflow, today: date) -> list[str]:
    """Who may record an override: the accountable, then the escalation chain, by name."""
    ids = [single_accountable(workflow)]
    ids += [link.person_id for link in resolve_chain(policy, workflow, today).links]
    names = [policy.people[i].name for i in ids if i and i in policy.people]
    return list(dict.fromkeys(names))


def override_authorized(policy: Policy, workflow: Workflow, approver: str, today: date) -> bool:
    """A named owner: the workflow's accountable, or a person on its escalation chain."""
    if approver == single_accountable(workflow):
        return True
    return any(link.person_id == approver for link in resolve_chain(policy, workflow, today).links)


def active_override(
    policy: Policy, overrides: Sequence[BudgetOverride], workflow_id: str, today: date
) -> tuple[BudgetOverride | None, list[str]]:
    """The override that lifts `workflow_id`'s budget today, and why any others do not."""
    workflow = policy.workflows.get(workflow_id)
    problems: list[str] = []
    if workflow is None:
        return None, problems
    for o in overrides:
        if o.workflow != workflow_id:
            continue
        if o.expires < today or (o.granted and o.granted > today):
            problems.append(f"override {o.id} is not in force today (until {o.expires})")
            continue
        if not override_authorized(policy, workflow, o.approver, today):
            problems.append(
                f"override {o.id} is approved by {o.approver}, who is neither the accountable "
                "nor on the escalation chain of this workflow"
            )
            continue
        return o, problems
    return None, problems


def budget_report(
    repo: Repo,
    now: datetime,
    *,
    rev: str | None = None,
    workflows: Sequence[str] | None = None,
    use_index: bool = True,
) -> list[BudgetStatus]:
    """`signoff budget`: every budgeted workflow of the policy (work tree or `rev`) at `now`."""
    policy = load_policy(repo, rev)
    incidents = load_incidents(repo, rev)
    horizon = max(
        (w.error_budget.window_days for w in policy.workflows.values() if w.error_budget), default=0
    )
    recent = [i for i in incidents if i.started > now - timedelta(days=horizon)]
    return budgets(policy, connect_all(repo, recent, use_index=use_index), now, workflows)
