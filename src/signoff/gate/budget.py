"""The error-budget rule: a workflow whose budget is spent blocks further AI-assisted changes.

Incidents and overrides are read as committed at the policy's revision (the target branch), so
a change cannot delete the incident that blocks it. Two things let a change through a spent
budget: every AI-assisted commit touching the workflow declares the fix it is
(`Fixes-Incident: INC-...`, naming a recorded incident), or the workflow's accountable (or
someone on its escalation chain) has recorded an override in `.signoff/budget-overrides/`.
A staged change has no message yet, so it cannot declare a fix; the pull request check can.
A malformed record on the target branch makes the rule warn that it is not enforced, rather
than wedge every pull request (including the one that fixes the record).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta, timezone

from signoff.gate.findings import GATE_RULES, GateFinding
from signoff.git.log import Commit
from signoff.git.repo import Repo
from signoff.incidents.budget import BudgetStatus, active_override, budgets
from signoff.incidents.classify import connect_all
from signoff.incidents.store import RecordError, load_incidents, load_overrides
from signoff.policy import PathOwner, Policy
from signoff.query.blame import AI_LINE_KINDS
from signoff.query.changeset import ChangeSet

FIX_TRAILERS = ("fixes-incident", "fixes")
DECLARE = (
    "Only declared fixes ship until the budget recovers: add a `Fixes-Incident: <id>` trailer "
    "naming the recorded incident each AI-assisted commit fixes, or ask the workflow's "
    "accountable to record an override in .signoff/budget-overrides/ (see docs/incidents.md)."
)


def budget_findings(
    repo: Repo,
    policy: Policy | None,
    cs: ChangeSet,
    owners: Mapping[str, PathOwner],
    ai_paths: Sequence[str],
    today: date,
) -> list[GateFinding]:
    """Block AI-assisted changes to workflows whose error budget is spent, unless excused."""
    if policy is None or not ai_paths:
        return []
    paths_of: dict[str, list[str]] = {}
    for p in ai_paths:
        o = owners.get(p)
        if o and o.ownership and o.ownership.workflow.error_budget:
            paths_of.setdefault(o.ownership.workflow.id, []).append(p)
    if not paths_of:
        return []
    now = _moment(today)
    try:
        incidents = load_incidents(repo, policy.rev)
    except RecordError as exc:
        return [_unreadable(sorted(paths_of), exc)]
    horizon = max(
        wf.error_budget.window_days
        for wf in policy.document.workflows
        if wf.error_budget and wf.id in paths_of
    )
    recent = [i for i in incidents if i.started > now - timedelta(days=horizon)]
    statuses = budgets(policy, connect_all(repo, recent), now, workflows=list(paths_of))
    known = {i.id for i in incidents}
    overrides = None
    out: list[GateFinding] = []
    for status in statuses:
        if status.state != "exhausted":
            continue
        wf = status.workflow
        paths = paths_of[wf]
        commits = _ai_commits(cs, paths)
        undeclared = [c for c in commits if not _declared(c, known)]
        spent = _spent(status)
        if commits and not undeclared:
            fixes = sorted({v for c in commits if c for v in _fix_ids(c) if v in known})
            out.append(
                GateFinding(
                    "budget.exhausted",
                    "note",
                    f"{spent}; let through as a declared fix of {', '.join(fixes)}",
                    path=paths[0],
                    workflow=wf,
                    fix="Nothing to do: declared fixes may ship while the budget is spent.",
                )
            )
            continue
        if overrides is None:
            try:
                overrides = load_overrides(repo, policy.rev)
            except RecordError as exc:
                out.append(_unreadable([wf], exc))
                overrides = []
        override, problems = active_override(policy, overrides, wf, today)
        if override is not None:
            out.append(
                GateFinding(
                    "budget.override-used",
                    "note",
                    f"{spent}; let through by override {override.id} from {override.approver} "
                    f"until {override.expires}: {override.reason}",
                    path=paths[0],
                    workflow=wf,
                    fix=GATE_RULES["budget.override-used"][2],
                    exception=override.id,
                )
            )
            continue
        why = _undeclared_text(cs, undeclared, known)
        extra = ("; " + "; ".join(problems)) if problems else ""
        out.append(
            GateFinding(
                "budget.exhausted",
                "block",
                f"{spent}; {why}{extra}",
                path=paths[0],
                workflow=wf,
                fix=DECLARE,
            )
        )
    return out


def _unreadable(workflows: Sequence[str], exc: RecordError) -> GateFinding:
    """A broken record on the base branch must not wedge every pull request: warn, plainly."""
    first = exc.findings[0]
    return GateFinding(
        "budget.inactive",
        "warn",
        f"error budgets of {', '.join(workflows)} could not be judged: {first.where()}: "
        f"{first.message} ({len(exc.findings)} problem(s) in incident records)",
        path=first.file,
        fix=f"fix the record ({first.fix}); until then the budget rule is not enforced",
    )


def _moment(today: date) -> datetime:
    """The gate's clock: now when judging today, else the end of the given day."""
    now = datetime.now(timezone.utc)
    if today == now.date():
        return now
    return datetime.combine(today, time(23, 59, 59), tzinfo=timezone.utc)


def _spent(status: BudgetStatus) -> str:
    b = status.budget
    limits = []
    if b.max_ai_incidents is not None:
        limits.append(f"{status.incidents} of {b.max_ai_incidents} AI-connected incidents")
    if b.max_impact_minutes is not None:
        limits.append(f"{status.minutes} of {b.max_impact_minutes} impact minutes")
    recovery = (
        f", recovers {status.recovers_at:%Y-%m-%d %H:%M} UTC if nothing else breaks"
        if status.recovers_at
        else ""
    )
    return (
        f"error budget of workflow {status.workflow!r} is exhausted ({', '.join(limits)} in "
        f"{b.window_days} days: {', '.join(s.incident for s in status.consumed)}{recovery})"
    )


def _ai_commits(cs: ChangeSet, paths: Sequence[str]) -> list[Commit | None]:
    """The AI-assisted commits adding lines to `paths`; None stands for the staged change."""
    shas = {a.commit for p in paths for a in cs.lines.get(p, ()) if a.author in AI_LINE_KINDS}
    for p in paths:  # a file judged as a whole: the AI-assisted commits among those changing it
        big = cs.large.get(p)
        if big is not None and big.ai_assisted:
            shas.update(c for c in big.commits if c is None or cs.provenance[c].ai_assisted)
    by_sha = {c.sha: c for c in cs.commits}
    out: list[Commit | None] = [by_sha[s] for s in sorted(s for s in shas if s and s in by_sha)]
    if None in shas:
        out.append(None)
    return out


def _fix_ids(commit: Commit) -> list[str]:
    return [
        v.strip().split()[0]
        for k, v in commit.trailers
        if k.lower() in FIX_TRAILERS and v.strip().upper().startswith("INC-")
    ]


def _declared(commit: Commit | None, known: set[str]) -> bool:
    return commit is not None and any(v in known for v in _fix_ids(commit))


def _undeclared_text(cs: ChangeSet, undeclared: Sequence[Commit | None], known: set[str]) -> str:
    if any(c is None for c in undeclared):
        return "a staged change cannot declare a fix (it has no message yet)"
    parts = []
    for c in undeclared:
        assert c is not None
        named = [v for v in _fix_ids(c) if v not in known]
        tail = f" names {', '.join(named)}, which is not a recorded incident" if named else ""
        parts.append(f"{c.sha[:10]}{tail}")
    return "AI-assisted commit(s) not declared as fixes: " + ", ".join(parts)
