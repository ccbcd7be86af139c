"""Which workflows and AI boundaries apply to a path.

Two rules, on purpose different:
- ownership: the LAST workflow whose paths match owns the path (as in CODEOWNERS), so a specific
  workflow listed after a broad one takes over its sub-paths;
- restrictions: every matching workflow's tier and bar, and every matching AI boundary, apply;
  the strictest wins, so listing order can never loosen a restriction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from signoff.policy.model import TIER_RANK, BoundaryRule, Workflow
from signoff.policy.patterns import PatternSet
from signoff.policy.registry import LoadedException, Policy


@dataclass(frozen=True, slots=True)
class WorkflowMatch:
    index: int
    workflow: Workflow
    pattern: str


def matching_workflows(policy: Policy, path: str) -> list[WorkflowMatch]:
    """Every workflow covering `path`, in file order; the last one owns it."""
    out: list[WorkflowMatch] = []
    for index, workflow, patterns in policy.workflow_candidates(path):
        hit = patterns.first_match(path)
        if hit is not None:
            out.append(WorkflowMatch(index, workflow, hit))
    return out


def owner_of(policy: Policy, path: str) -> WorkflowMatch | None:
    """The workflow that owns `path` (the last match), or None when none covers it."""
    for index, workflow, patterns in reversed(policy.workflow_candidates(path)):
        hit = patterns.first_match(path)
        if hit is not None:
            return WorkflowMatch(index, workflow, hit)
    return None


def covered(policy: Policy, path: str) -> bool:
    """Whether any workflow covers `path`."""
    return policy.all_workflow_patterns.covers(path)


def strictest_tier(matches: list[WorkflowMatch]) -> str | None:
    if not matches:
        return None
    return max((m.workflow.tier for m in matches), key=TIER_RANK.__getitem__)


def exception_permits(
    policy: Policy, exc: LoadedException, today: date, *, path: str | None = None
) -> bool:
    """An exception counts while unexpired and granted by a current person allowed to grant it.

    A boundary exception's approver must be one of the boundary's `exception_approvers`; a
    suppression exception's, the accountable of the workflow owning `path` or the policy owner.
    """
    rec = exc.record
    approver = policy.people.get(rec.approver)
    if rec.expires < today or approver is None:
        return False
    if approver.left is not None and approver.left <= today:
        return False
    if rec.kind == "suppression":
        owner = owner_of(policy, path) if path is not None else None
        governance = policy.document.governance
        allowed = {governance.policy_owner} if governance and governance.policy_owner else set()
        if owner is not None and isinstance(owner.workflow.accountable, str):
            allowed.add(owner.workflow.accountable)
        return rec.approver in allowed
    boundary = policy.boundaries.get(rec.boundary) if rec.boundary else None
    return boundary is not None and rec.approver in boundary.exception_approvers


def suppression_exception(policy: Policy, path: str, today: date) -> str | None:
    """The live suppression exception covering `path`, if any (scanner comments in AI hunks)."""
    for exc in policy.exceptions:
        if (
            exc.record.kind == "suppression"
            and PatternSet(exc.record.paths).first_match(path) is not None
            and exception_permits(policy, exc, today, path=path)
        ):
            return exc.id
    return None


@dataclass(frozen=True, slots=True)
class BoundaryHit:
    boundary: BoundaryRule
    pattern: str
    exception: str | None  # the exception that lifts it for this path, if any


@dataclass(frozen=True, slots=True)
class AiVerdict:
    """Whether AI assistance is allowed on a path, and which boundary says no."""

    allowed: bool
    hits: list[BoundaryHit] = field(default_factory=list)

    @property
    def blocking(self) -> BoundaryHit | None:
        return next((h for h in self.hits if h.exception is None), None)

    def to_json(self) -> dict[str, Any]:
        block = self.blocking
        return {
            "allowed": self.allowed,
            "boundary": block.boundary.id if block else None,
            "pattern": block.pattern if block else None,
            "reason": block.boundary.reason if block else None,
            "exception_approvers": list(block.boundary.exception_approvers) if block else [],
            "boundaries": [
                {"boundary": h.boundary.id, "pattern": h.pattern, "exception": h.exception}
                for h in self.hits
            ],
        }


def ai_verdict(policy: Policy, path: str, today: date) -> AiVerdict:
    """All matching boundaries apply; AI is allowed only if each is lifted by a live exception."""
    hits: list[BoundaryHit] = []
    for boundary, patterns in policy.boundary_patterns:
        hit = patterns.first_match(path)
        if hit is None:
            continue
        lifted = None
        for exc in policy.exceptions:
            if (
                exc.record.boundary == boundary.id
                and exception_permits(policy, exc, today)
                and PatternSet(exc.record.paths).first_match(path) is not None
            ):
                lifted = exc.id
                break
        hits.append(BoundaryHit(boundary, hit, lifted))
    return AiVerdict(all(h.exception is not None for h in hits), hits)
