"""Acceptance bars: a workflow's bar over its tier's default, and the strictest of several.

A workflow may tighten its tier's default, never loosen it: its lists (roles, checks, scanners)
add to the tier's, and where a number or flag is looser than the tier's, the tier's value stands
and `signoff policy check` reports the attempt. When several workflows match one path,
every one of their bars applies, so the effective bar is the strictest combination.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from signoff.policy.model import AcceptanceBar, PolicyDocument, Workflow


@dataclass(frozen=True, slots=True)
class EffectiveBar:
    """A fully specified bar: what a change must satisfy."""

    min_approvals: int = 0
    reviewer_roles: tuple[str, ...] = ()
    require_accountable_approval: bool = False
    checks: tuple[str, ...] = ()
    scanners: tuple[str, ...] = ()
    max_reviewable_lines: int | None = None
    # Approved-by trailers inside the judged change count only where every bar allows them.
    trailer_approvals: bool = False
    min_review_minutes_per_100_ai_lines: float | None = None
    shallow_review: str = "warn"
    weakened_checks: str = "warn"

    def to_json(self) -> dict[str, Any]:
        return {
            "min_approvals": self.min_approvals,
            "reviewer_roles": list(self.reviewer_roles),
            "require_accountable_approval": self.require_accountable_approval,
            "checks": list(self.checks),
            "scanners": list(self.scanners),
            "max_reviewable_lines": self.max_reviewable_lines,
            "trailer_approvals": self.trailer_approvals,
            "min_review_minutes_per_100_ai_lines": self.min_review_minutes_per_100_ai_lines,
            "shallow_review": self.shallow_review,
            "weakened_checks": self.weakened_checks,
        }


def _union(*groups: tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for group in groups:
        for item in group or ():
            if item not in out:
                out.append(item)
    return tuple(out)


def strictest(bars: list[EffectiveBar]) -> EffectiveBar:
    """Every bar applies: the most approvals, all roles, checks and scanners, the smallest size."""
    limits = [b.max_reviewable_lines for b in bars if b.max_reviewable_lines is not None]
    minutes = [
        b.min_review_minutes_per_100_ai_lines
        for b in bars
        if b.min_review_minutes_per_100_ai_lines is not None
    ]
    return EffectiveBar(
        min_approvals=max((b.min_approvals for b in bars), default=0),
        reviewer_roles=_union(*(b.reviewer_roles for b in bars)),
        require_accountable_approval=any(b.require_accountable_approval for b in bars),
        checks=_union(*(b.checks for b in bars)),
        scanners=_union(*(b.scanners for b in bars)),
        max_reviewable_lines=min(limits) if limits else None,
        trailer_approvals=bool(bars) and all(b.trailer_approvals for b in bars),
        min_review_minutes_per_100_ai_lines=max(minutes) if minutes else None,
        shallow_review=_harshest(b.shallow_review for b in bars),
        weakened_checks=_harshest(b.weakened_checks for b in bars),
    )


def _harshest(values: Iterable[str]) -> str:
    return "block" if "block" in set(values) else "warn"


def as_effective(bar: AcceptanceBar) -> EffectiveBar:
    """A stated bar with its unset fields at their loosest."""
    return EffectiveBar(
        min_approvals=bar.min_approvals or 0,
        reviewer_roles=tuple(bar.reviewer_roles or ()),
        require_accountable_approval=bool(bar.require_accountable_approval),
        checks=tuple(bar.checks or ()),
        scanners=tuple(bar.scanners or ()),
        max_reviewable_lines=bar.max_reviewable_lines,
        trailer_approvals=bool(bar.trailer_approvals),
        min_review_minutes_per_100_ai_lines=bar.min_review_minutes_per_100_ai_lines,
        shallow_review=bar.shallow_review or "warn",
        weakened_checks=bar.weakened_checks or "warn",
    )


def workflow_bar(document: PolicyDocument, workflow: Workflow) -> EffectiveBar:
    """The bar a workflow's changes must meet: its own fields over its tier's, strictest kept."""
    tier = document.tiers.get(workflow.tier)
    own = as_effective(workflow.acceptance_bar)
    if tier is None:
        return own
    # Unset inherits the tier's choice; a workflow may turn trailer approvals off, not on.
    allow = workflow.acceptance_bar.trailer_approvals
    tier_allows = bool(tier.trailer_approvals)
    return replace(
        strictest([as_effective(tier), own]),
        trailer_approvals=tier_allows if allow is None else (allow and tier_allows),
    )


@dataclass(frozen=True, slots=True)
class Loosening:
    """One field where a bar is looser than the bar it must not undercut."""

    field: str
    looser: object
    floor: object


def loosenings(bar: AcceptanceBar, floor: AcceptanceBar) -> list[Loosening]:
    """Fields that `bar` states and that are looser than `floor` states (unset fields inherit).

    Lists (reviewer roles, checks, scanners) add to the tier's, so they cannot loosen it.
    """
    out: list[Loosening] = []
    if (
        bar.min_approvals is not None
        and floor.min_approvals is not None
        and bar.min_approvals < floor.min_approvals
    ):
        out.append(Loosening("min_approvals", bar.min_approvals, floor.min_approvals))
    if bar.require_accountable_approval is False and floor.require_accountable_approval:
        out.append(Loosening("require_accountable_approval", False, True))
    if bar.trailer_approvals and floor.trailer_approvals is not True:
        out.append(Loosening("trailer_approvals", True, False))
    if (
        bar.max_reviewable_lines is not None
        and floor.max_reviewable_lines is not None
        and bar.max_reviewable_lines > floor.max_reviewable_lines
    ):
        out.append(
            Loosening("max_reviewable_lines", bar.max_reviewable_lines, floor.max_reviewable_lines)
        )
    mine, theirs = (
        bar.min_review_minutes_per_100_ai_lines,
        floor.min_review_minutes_per_100_ai_lines,
    )
    if mine is not None and theirs is not None and mine < theirs:
        out.append(Loosening("min_review_minutes_per_100_ai_lines", mine, theirs))
    for name in ("shallow_review", "weakened_checks"):
        if getattr(bar, name) == "warn" and getattr(floor, name) == "block":
            out.append(Loosening(name, "warn", "block"))
    return out


def looser_fields(bar: EffectiveBar, floor: EffectiveBar) -> list[str]:
    """Fields where a complete bar is looser than `floor` (no size limit is looser than any)."""
    out: list[str] = []
    if bar.min_approvals < floor.min_approvals:
        out.append("min_approvals")
    for name in ("reviewer_roles", "checks", "scanners"):
        if not set(getattr(floor, name)) <= set(getattr(bar, name)):
            out.append(name)
    if floor.require_accountable_approval and not bar.require_accountable_approval:
        out.append("require_accountable_approval")
    if bar.trailer_approvals and not floor.trailer_approvals:
        out.append("trailer_approvals")
    if floor.max_reviewable_lines is not None and (
        bar.max_reviewable_lines is None or bar.max_reviewable_lines > floor.max_reviewable_lines
    ):
        out.append("max_reviewable_lines")
    floor_minutes = floor.min_review_minutes_per_100_ai_lines
    if floor_minutes is not None and (
        bar.min_review_minutes_per_100_ai_lines is None
        or bar.min_review_minutes_per_100_ai_lines < floor_minutes
    ):
        out.append("min_review_minutes_per_100_ai_lines")
    for name in ("shallow_review", "weakened_checks"):
        if getattr(floor, name) == "block" and getattr(bar, name) != "block":
            out.append(name)
    return out
