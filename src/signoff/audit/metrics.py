"""The audit metrics, each a ratio with a stated numerator and denominator.

Definitions live next to the arithmetic (the `definition` strings are printed in the report
word for word), and tests pin each one on histories where the right answer is known. A ratio
with an empty denominator is None ("no such changes"), never 0% or 100%.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from signoff.audit.attestations import Understood
from signoff.audit.policies import PolicyVersion
from signoff.audit.population import Change, Population
from signoff.policy.model import TIERS

NO_TIER = "none"
FORGE_ONLY = (
    "not measurable from git history: needs the forge's review records (who approved, when, "
    "on which push); pass them with `signoff audit --reviews DIR`"
)


@dataclass(frozen=True, slots=True)
class Ratio:
    key: str
    title: str
    numerator_means: str
    denominator_means: str
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return round(self.numerator / self.denominator, 4) if self.denominator else None

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "value": self.value,
            "definition": {
                "numerator": self.numerator_means,
                "denominator": self.denominator_means,
            },
        }


def _ratio(
    key: str,
    title: str,
    num_means: str,
    den_means: str,
    population: Iterable[Change],
    in_denominator: Callable[[Change], bool],
    in_numerator: Callable[[Change], bool],
) -> Ratio:
    den = [c for c in population if in_denominator(c)]
    return Ratio(key, title, num_means, den_means, sum(1 for c in den if in_numerator(c)), len(den))


def traceability_coverage(changes: list[Change]) -> Ratio:
    return _ratio(
        "traceability_coverage",
        "Traceability coverage",
        "changes whose provenance is determined: every commit in the change is AI-assisted, "
        "human with positive evidence, or automation (none is unknown)",
        "all changes in the population",
        changes,
        lambda c: True,
        lambda c: c.determined,
    )


def attribution_clarity(changes: list[Change]) -> Ratio:
    return _ratio(
        "attribution_clarity",
        "Attribution clarity",
        "AI-assisted changes where every AI-assisted commit names a human who accepted it, and "
        "every path is owned by a workflow whose accountable is exactly one current person",
        "AI-assisted changes (status ai or mixed)",
        changes,
        lambda c: c.ai_assisted,
        lambda c: c.accepted_complete and c.accountable_valid,
    )


def review_bar_met(changes: list[Change], title_suffix: str = "") -> Ratio:
    return _ratio(
        "review_bar_met",
        "Review depth: required approvals met" + title_suffix,
        "changes with at least as many independent approvals (Reviewed-by, Approved-by or "
        "Acked-by trailers from someone other than the author) as their tier's bar requires",
        "changes whose acceptance bar requires at least one approval",
        changes,
        lambda c: c.required_approvals > 0,
        lambda c: c.approvals >= c.required_approvals,
    )


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def review_depth(changes: list[Change]) -> dict[str, Any]:
    """Review depth per tier; changes no workflow covers are listed under "none"."""
    out: dict[str, Any] = {}
    for tier in (*TIERS, NO_TIER):
        group = [c for c in changes if (c.tier or NO_TIER) == tier]
        per_reviewer = [
            c.changed_lines / c.approvals
            for c in group
            if c.approvals and c.changed_lines is not None
        ]
        roles = _ratio(
            "required_roles",
            "Share with the required reviewer roles",
            "changes approved by reviewers who, between them, hold every role the bar requires",
            "changes whose bar requires reviewer roles",
            group,
            lambda c: bool(c.required_roles),
            lambda c: bool(c.roles_met),
        )
        out[tier] = {
            "changes": len(group),
            "median_approvals": _median([c.approvals for c in group]),
            "required_approvals_met": review_bar_met(group).to_json(),
            "required_roles": roles.to_json(),
            **_forge_depth(group),
            "median_changed_lines_per_reviewer": _median(per_reviewer),
        }
    return out


def _forge_depth(group: list[Change]) -> dict[str, Any]:
    """The two figures only a forge can give, over the changes that have its record."""
    with_forge = [c for c in group if c.forge is not None]
    if not with_forge:
        unavailable = {"value": None, "unavailable": FORGE_ONLY}
        return {"approved_after_last_push": unavailable, "time_to_approval": dict(unavailable)}
    after = _ratio(
        "approved_after_last_push",
        "Approved after the last push",
        "changes with at least one standing approval given on the head that was merged",
        "changes whose pull request's forge review record was given (--reviews)",
        with_forge,
        lambda c: True,
        lambda c: bool(c.forge and c.forge["approved_after_last_push"]),
    )
    hours = [
        float(c.forge["hours_to_approval"])
        for c in with_forge
        if c.forge and c.forge["hours_to_approval"] is not None
    ]
    return {
        "approved_after_last_push": after.to_json(),
        "time_to_approval": {
            "value": _median(hours),
            "unit": "hours",
            "measured_changes": len(hours),
            "definition": "median hours from the last push of the merged head (its commit "
            "time when the push time is unknown) to the first approval given on it",
        },
    }


def gate_recorded(changes: list[Change]) -> Ratio:
    return _ratio(
        "gate_recorded",
        "Gate verdict on record",
        "changes with a `signoff check` verdict recorded by CI (--gate-evidence)",
        "all changes in the population",
        changes,
        lambda c: True,
        lambda c: c.gate is not None,
    )


def gate_passed(changes: list[Change]) -> Ratio:
    return _ratio(
        "gate_passed",
        "Gate passed",
        "changes whose recorded gate verdict was pass",
        "changes with a recorded gate verdict",
        changes,
        lambda c: c.gate is not None,
        lambda c: bool(c.gate and c.gate.get("result") == "pass"),
    )


def ownership_coverage(changes: list[Change]) -> Ratio:
    """Paths AI-assisted changes touched; a path counts as covered if every such change had it
    owned by a workflow of the policy in force."""
    touched: dict[str, bool] = {}
    for c in changes:
        if not c.ai_assisted:
            continue
        uncovered = set(c.uncovered_paths)
        for path in c.paths:
            touched[path] = touched.get(path, True) and path not in uncovered
    return Ratio(
        "ownership_coverage",
        "Ownership coverage",
        "paths touched by AI-assisted changes that a workflow owned each time",
        "distinct paths touched by AI-assisted changes in the period",
        sum(1 for covered in touched.values() if covered),
        len(touched),
    )


def ownership_decay(
    population: Population,
    final: PolicyVersion | None,
    until: date,
    understood: list[Understood] | None = None,
) -> Ratio | None:
    """AI-assisted changes no current human answers for (None without a policy)."""
    if final is None or final.policy is None:
        return None
    people = final.people_by_email
    current = {p.id for p in final.policy.document.people if p.left is None or p.left > until}
    position = population.position
    attested = [u for u in understood or () if u.person in current and u.commit in position]

    def owned(c: Change) -> bool:
        for p in c.accepted_by:
            person = people.get(p.email.lower())
            if person is not None and (person.left is None or person.left > until):
                return True
        here = position.get(c.id)
        if here is None or not c.paths or not attested:
            return False
        later = [u for u in attested if position[u.commit] >= here]
        return all(any(u.covers(path) for u in later) for path in c.paths)

    numerator = (
        "AI-assisted changes nobody current answers for: no accepter is a current person in "
        "the registry at the end of the period (or none was recorded), and no current person "
        "has attested (signoff attest) to understanding every path of the change at or after it"
    )
    if understood is None:
        numerator += "; understanding attestations could not be read, so only accepters counted"
    ratio = _ratio(
        "ownership_decay",
        "Ownership decay",
        numerator,
        "AI-assisted changes",
        population.changes,
        lambda c: c.ai_assisted,
        lambda c: not owned(c),
    )
    ai = [c for c in population.changes if c.ai_assisted]
    return DecayRatio(
        ratio.key,
        ratio.title,
        ratio.numerator_means,
        ratio.denominator_means,
        ratio.numerator,
        ratio.denominator,
        _by_measure(ai, owned),
    )


@dataclass(frozen=True, slots=True)
class DecayRatio(Ratio):
    """Ownership decay, with the lines behind it in the two measures, apart."""

    by_measure: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {**Ratio.to_json(self), "by_measure": self.by_measure}


def _attributed(c: Change) -> int | None:
    return c.ai_attributed_lines


def _unrecorded(c: Change) -> int | None:
    return c.unrecorded_ai_lines


def _by_measure(
    changes: list[Change], owned: Callable[[Change], bool]
) -> dict[str, dict[str, int]]:
    """Decay by line kind: a change counts under `ai_attributed` for the lines its line records
    attribute to AI (`ai`, `ai-modified`; never `human` or `unknown`), and under
    `ai_assisted_unrecorded` for the lines of its AI-assisted commits without a record. A change
    can be under both; a change whose record names no AI line is under neither. Changes whose
    line counts are missing (objects missing from the clone) are counted, not guessed."""
    out: dict[str, dict[str, int]] = {}
    for key, lines in (("ai_attributed", _attributed), ("ai_assisted_unrecorded", _unrecorded)):
        part = dict.fromkeys(
            ("changes", "decayed_changes", "lines", "decayed_lines", "changes_without_counts"), 0
        )
        for c in changes:
            n = lines(c)
            if n is None:
                part["changes_without_counts"] += 1
            elif n > 0:
                decayed = not owned(c)
                part["changes"] += 1
                part["lines"] += n
                part["decayed_changes"] += decayed
                part["decayed_lines"] += n if decayed else 0
        out[key] = part
    return out


def exceptions_summary(
    changes: list[Change], versions: list[PolicyVersion], until: date
) -> dict[str, Any]:
    """Exceptions AI-assisted changes used, exceptions that expired, and unlifted breaches."""
    used: dict[str, int] = {}
    for c in changes:
        for ident in c.exceptions_used:
            used[ident] = used.get(ident, 0) + 1
    records: dict[str, dict[str, Any]] = {}
    for version in versions:
        if version.policy is None:
            continue
        for exc in version.policy.exceptions:
            rec = exc.record
            records[exc.id] = {
                "id": exc.id,
                "boundary": rec.boundary,
                "approver": rec.approver,
                "expires": rec.expires.isoformat(),
                "expired": rec.expires < until,
                "used_by_changes": used.get(exc.id, 0),
            }
    breaches = [c.id for c in changes if c.boundary_breaches]
    return {
        "used": [{"id": k, "changes": v} for k, v in sorted(used.items())],
        "records": sorted(records.values(), key=lambda r: str(r["id"])),
        "expired": sorted(k for k, r in records.items() if r["expired"]),
        "ai_boundary_breaches": {"changes": len(breaches), "ids": breaches[:100]},
    }


def line_measures(changes: list[Change]) -> dict[str, Any]:
    """The two line measures over the period, never added together, and capture coverage.

    AI-attributed lines come from line records (Git AI, Agent Trace, Signoff, a squash commit's
    `pr-commits` mapping); a commit-level marker only says an AI helped, so the added lines of
    an AI-assisted commit without a record are counted apart. Changes whose counts are missing
    (objects absent from the clone) are left out of both and counted.
    """
    counted = [
        c
        for c in changes
        if c.ai_attributed_lines is not None and c.unrecorded_ai_lines is not None
    ]
    ai_members = sum(c.ai_members for c in changes)
    recorded = sum(c.ai_members_with_line_record for c in changes)
    lines = sum(c.ai_member_lines for c in changes)
    recorded_lines = sum(c.ai_member_lines_with_line_record for c in changes)
    gaps = [g for c in changes for g in c.capture_gaps]
    reasons: dict[str, int] = {}
    for g in gaps:
        reasons[g["reason"]] = reasons.get(g["reason"], 0) + 1
    return {
        "ai_attributed_lines": sum(c.ai_attributed_lines or 0 for c in counted),
        "ai_assisted_unrecorded_lines": sum(c.unrecorded_ai_lines or 0 for c in counted),
        "changes_without_line_counts": len(changes) - len(counted),
        "capture_coverage": {
            "ai_commits": ai_members,
            "ai_commits_with_line_record": recorded,
            "commit_share": round(recorded / ai_members, 4) if ai_members else None,
            "ai_commit_lines": lines,
            "ai_commit_lines_with_line_record": recorded_lines,
            "line_share": round(recorded_lines / lines, 4) if lines else None,
        },
        # AI-assisted commits whose line record was lost, and records a recorder left
        # incomplete, with why (each reason once; at most 100 commits listed)
        "capture_gaps": {
            "lost": sum(1 for g in gaps if g["state"] == "lost"),
            "incomplete": sum(1 for g in gaps if g["state"] == "incomplete"),
            "reasons": dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
            "commits": gaps[:100],
        },
    }


def ai_share_by_month(changes: list[Change]) -> list[dict[str, Any]]:
    months: dict[str, list[int]] = {}
    for c in changes:
        counts = months.setdefault(c.committed_at[:7], [0, 0])
        counts[0] += 1
        counts[1] += int(c.ai_assisted)
    return [
        {"month": m, "changes": n, "ai_changes": ai, "ai_share": round(ai / n, 4)}
        for m, (n, ai) in sorted(months.items())
    ]


def headline_by(changes: list[Change], key: Callable[[Change], list[str]]) -> dict[str, Any]:
    """The three headline metrics for each group a change belongs to (tier, workflow)."""
    groups: dict[str, list[Change]] = {}
    for c in changes:
        for name in key(c):
            groups.setdefault(name, []).append(c)
    return {
        name: {
            "changes": len(group),
            "ai_changes": sum(1 for c in group if c.ai_assisted),
            "traceability_coverage": traceability_coverage(group).value,
            "attribution_clarity": attribution_clarity(group).value,
            "review_bar_met": review_bar_met(group).value,
        }
        for name, group in sorted(groups.items())
    }


def compute_metrics(
    population: Population, understood: list[Understood] | None = None
) -> dict[str, Any]:
    changes = population.changes
    until = population.period.until.date()
    final = population.period_versions[-1] if population.period_versions else None
    by_status: dict[str, int] = {}
    for c in changes:
        by_status[c.status] = by_status.get(c.status, 0) + 1
    decay = ownership_decay(population, final, until, understood)
    return {
        "changes": len(changes),
        "ai_changes": sum(1 for c in changes if c.ai_assisted),
        "by_status": by_status,
        "headline": {
            "traceability_coverage": traceability_coverage(changes).to_json(),
            "attribution_clarity": attribution_clarity(changes).to_json(),
            "review_depth": review_bar_met(changes).to_json(),
        },
        "review_depth_by_tier": review_depth(changes),
        "ownership_coverage": ownership_coverage(changes).to_json(),
        "gate": {
            "recorded": gate_recorded(changes).to_json(),
            "passed": gate_passed(changes).to_json(),
        },
        "ownership_decay": decay.to_json()
        if decay
        else {
            "value": None,
            "unavailable": "no signoff.yaml was in force at the end of the period",
        },
        "exceptions": exceptions_summary(changes, population.period_versions, until),
        "ai_share_by_month": ai_share_by_month(changes),
        "lines": line_measures(changes),
        "by_tier": headline_by(changes, lambda c: [c.tier or NO_TIER]),
        "by_workflow": headline_by(changes, lambda c: c.workflows or ["(no workflow)"]),
    }
