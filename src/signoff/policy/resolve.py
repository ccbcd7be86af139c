"""Answering "who owns this path?": the workflow, its accountable, the chain, the rules that apply.

`owners_for` answers per path (`signoff owners`); `accountable_for` groups a change's paths by
the workflow that owns them (what `signoff explain` shows for a change). Both carry the verdict:
an owner whose registry entry blocks is shown with the reasons, never silently as fine.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from signoff.policy.accountable import Accountable, classify
from signoff.policy.bars import EffectiveBar, strictest, workflow_bar
from signoff.policy.escalation import Link, resolve_chain
from signoff.policy.findings import Finding
from signoff.policy.match import AiVerdict, ai_verdict, matching_workflows, strictest_tier
from signoff.policy.model import Person, Workflow
from signoff.policy.patterns import normalize_path
from signoff.policy.registry import Policy
from signoff.policy.rules import registry_findings, today_utc


def person_json(person: Person | None, ident: str | None = None) -> dict[str, Any] | None:
    if person is None:
        return None if ident is None else {"id": ident, "name": None, "email": None}
    return {
        "id": person.id,
        "name": person.name,
        "email": person.emails[0] if person.emails else None,
    }


def _party_json(policy: Policy, ident: str) -> dict[str, Any]:
    """A person or a team named in an incident path."""
    if ident in policy.people:
        return {"kind": "person", **(person_json(policy.people[ident]) or {})}
    team = policy.teams.get(ident)
    if team is not None:
        return {"kind": "team", "id": team.id, "name": team.name or team.id, "email": None}
    return {"kind": "undefined", "id": ident, "name": None, "email": None}


@dataclass(frozen=True, slots=True)
class WorkflowOwnership:
    """What the policy says about one workflow: accountable, chain, incident path, verdict."""

    workflow: Workflow
    accountable: Accountable
    chain: list[Link]
    blocking: list[Finding]

    @property
    def ships(self) -> bool:
        return not self.blocking

    def escalation_json(self) -> list[dict[str, Any]]:
        return [
            {
                "level": n,
                "person": person_json(link.person),
                "respond_within": link.respond_within,
                "via_workflow": link.via_workflow,
            }
            for n, link in enumerate(self.chain, start=1)
        ]


@dataclass(frozen=True, slots=True)
class PathOwner:
    """The answer for one path."""

    path: str
    ownership: WorkflowOwnership | None  # None: no workflow covers the path
    matched: list[str]  # every matching workflow id, in file order
    tier: str | None  # the strictest tier among the matches
    bar: EffectiveBar  # the strictest combination of the matches' bars
    ai: AiVerdict
    policy: Policy = field(repr=False)

    @property
    def verdict(self) -> str:
        if self.ownership is None:
            return "uncovered"
        return "ship" if self.ownership.ships else "do-not-ship"

    def to_json(self) -> dict[str, Any]:
        own = self.ownership
        incident = own.workflow.incident_path if own else None
        return {
            "path": self.path,
            "workflow": own.workflow.id if own else None,
            "description": own.workflow.description if own else None,
            "matched_workflows": self.matched,
            "tier": self.tier,
            "accountable": person_json(own.accountable.person) if own else None,
            "accountable_status": own.accountable.status if own else None,
            "escalation": own.escalation_json() if own else [],
            "incident_path": {
                "paged": [_party_json(self.policy, p) for p in incident.paged],
                "authority": incident.authority,
                "customer_comms": _party_json(self.policy, incident.customer_comms)
                if incident.customer_comms
                else None,
            }
            if incident
            else None,
            "ai": self.ai.to_json(),
            "acceptance_bar": self.bar.to_json(),
            "verdict": self.verdict,
            "blocking": [
                {"rule": f.rule, "message": f.message, "fix": f.fix, "where": f.where()}
                for f in (own.blocking if own else [])
            ],
        }


class _Resolver:
    """Per-policy caches so that many paths cost one registry check and one chain per workflow."""

    def __init__(self, policy: Policy, today: date) -> None:
        self.policy = policy
        self.today = today
        self.findings: dict[str, list[Finding]] = {}
        for f in registry_findings(policy, today):
            if f.blocks and f.subject:
                self.findings.setdefault(f.subject, []).append(f)
        self.cache: dict[int, WorkflowOwnership] = {}

    def ownership(self, workflow: Workflow) -> WorkflowOwnership:
        key = id(workflow)
        if key not in self.cache:
            self.cache[key] = WorkflowOwnership(
                workflow,
                classify(self.policy, workflow, self.today),
                resolve_chain(self.policy, workflow, self.today).links,
                self.findings.get(f"workflow {workflow.id}", []),
            )
        return self.cache[key]

    def path(self, raw: str) -> PathOwner:
        path = normalize_path(raw)
        matches = matching_workflows(self.policy, path)
        bars = [workflow_bar(self.policy.document, m.workflow) for m in matches]
        return PathOwner(
            path=path,
            ownership=self.ownership(matches[-1].workflow) if matches else None,
            matched=[m.workflow.id for m in matches],
            tier=strictest_tier(matches),
            bar=strictest(bars),
            ai=ai_verdict(self.policy, path, self.today),
            policy=self.policy,
        )


def owners_for(
    policy: Policy, paths: Iterable[str], *, today: date | None = None
) -> list[PathOwner]:
    """For each path: owning workflow (last match), strictest tier and bar, AI verdict."""
    resolver = _Resolver(policy, today or today_utc())
    return [resolver.path(p) for p in paths]


@dataclass(frozen=True, slots=True)
class Accountability:
    """The paths of a change one workflow owns, and who answers for them."""

    ownership: WorkflowOwnership | None  # None: the paths no workflow covers
    paths: list[str]
    ai_forbidden: list[str]  # paths where AI assistance is forbidden

    def to_json(self) -> dict[str, Any]:
        own = self.ownership
        return {
            "workflow": own.workflow.id if own else None,
            "tier": own.workflow.tier if own else None,
            "accountable": person_json(own.accountable.person) if own else None,
            "accountable_status": own.accountable.status if own else None,
            "escalation": own.escalation_json() if own else [],
            "verdict": ("ship" if own.ships else "do-not-ship") if own else "uncovered",
            "blocking": [f.message for f in own.blocking] if own else [],
            "paths": self.paths,
            "ai_forbidden": self.ai_forbidden,
        }


def accountable_for(
    policy: Policy, paths: Iterable[str], *, today: date | None = None
) -> list[Accountability]:
    """A change's paths grouped by owning workflow (file order), uncovered paths last."""
    groups: dict[str | None, tuple[WorkflowOwnership | None, list[str], list[str]]] = {}
    order: dict[str | None, int] = {}
    for owner in owners_for(policy, paths, today=today):
        own = owner.ownership
        key = own.workflow.id if own else None
        if key not in groups:
            groups[key] = (own, [], [])
            order[key] = int(policy.workflow_loc(own.workflow)[-1]) if own else 1 << 30
        groups[key][1].append(owner.path)
        if not owner.ai.allowed:
            groups[key][2].append(owner.path)
    return [
        Accountability(own, paths_, forbidden)
        for key, (own, paths_, forbidden) in sorted(groups.items(), key=lambda kv: order[kv[0]])
    ]
