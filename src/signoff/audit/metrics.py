"""The audit metrics, each a ratio with a stated numerator and denominator.

Definitions live next to the arithmetic (the `definition` strings are printed in the report
word for word), and tests pin each one on histories where the right answer is known. A ratio
with an empty denominator is None ("no such changes"), never 0% or 100%.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
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


@dataclass(frozen=True, slots=True)
class Measure:
    """A ratio's definition: which changes count in its denominator and numerator."""

    key: str
    title: str
    numerator_means: str
    denominator_means: str
    in_denominator: Callable[[Change], bool]
    in_numerator: Callable[[Change], bool]

    def tally(self) -> Tally:
        return Tally(self)

    def over(self, changes: Iterable[Change]) -> Ratio:
        tally = self.tally()
        for c in changes:
            tally.add(c)
        return tally.ratio()


class Tally:
    """A measure counted a change at a time: one pass, whatever the period's size."""

    __slots__ = ("denominator", "measure", "numerator")

    def __init__(self, measure: Measure) -> None:
        self.measure = measure
        self.numerator = 0
        self.denominator = 0

    def add(self, c: Change) -> None:
        if self.measure.in_denominator(c):
            self.denominator += 1
            self.numerator += bool(self.measure.in_numerator(c))

    def ratio(self) -> Ratio:
        m = self.measure
        return Ratio(
            m.key, m.title, m.numerator_means, m.denominator_means, self.numerator, self.denominator
        )


TRACEABILITY = Measure(
    "traceability_coverage",
    "Traceability coverage",
    "changes whose provenance is determined: every commit in the change is AI-assisted, "
    "human with positive evidence, or automation (none is unknown)",
    "all changes in the population",
    lambda c: True,
    lambda c: c.determined,
)
CLARITY = Measure(
    "attribution_clarity",
    "Attribution clarity",
    "AI-assisted changes where every AI-assisted commit names a human who accepted it, and "
    "every path is owned by a workflow whose accountable is exactly one current person",
    "AI-assisted changes (status ai or mixed)",
    lambda c: c.ai_assisted,
    lambda c: c.accepted_complete and c.accountable_valid,
)
REVIEW_BAR = Measure(
    "review_bar_met",
    "Review depth: required approvals met",
    "changes with at least as many independent approvals (Reviewed-by, Approved-by or "
    "Acked-by trailers from someone other than the author) as their tier's bar requires",
    "changes whose acceptance bar requires at least one approval",
    lambda c: c.required_approvals > 0,
    lambda c: c.approvals >= c.required_approvals,
)
REQUIRED_ROLES = Measure(
    "required_roles",
    "Share with the required reviewer roles",
    "changes approved by reviewers who, between them, hold every role the bar requires",
    "changes whose bar requires reviewer roles",
    lambda c: bool(c.required_roles),
    lambda c: bool(c.roles_met),
)
APPROVED_AFTER_PUSH = Measure(
    "approved_after_last_push",
    "Approved after the last push",
    "changes with at least one standing approval given on the head that was merged",
    "changes whose pull request's forge review record was given (--reviews)",
    lambda c: True,
    lambda c: bool(c.forge and c.forge["approved_after_last_push"]),
)
GATE_RECORDED = Measure(
    "gate_recorded",
    "Gate verdict on record",
    "changes with a `signoff check` verdict recorded by CI (--gate-evidence)",
    "all changes in the population",
    lambda c: True,
    lambda c: c.gate is not None,
)
GATE_PASSED = Measure(
    "gate_passed",
    "Gate passed",
    "changes whose recorded gate verdict was pass",
    "changes with a recorded gate verdict",
    lambda c: c.gate is not None,
    lambda c: bool(c.gate and c.gate.get("result") == "pass"),
)


def traceability_coverage(changes: Iterable[Change]) -> Ratio:
    return TRACEABILITY.over(changes)


def attribution_clarity(changes: Iterable[Change]) -> Ratio:
    return CLARITY.over(changes)


def review_bar_met(changes: Iterable[Change], title_suffix: str = "") -> Ratio:
    measure = REVIEW_BAR
    if title_suffix:
        measure = replace(measure, title=measure.title + title_suffix)
    return measure.over(changes)


def gate_recorded(changes: Iterable[Change]) -> Ratio:
    return GATE_RECORDED.over(changes)


def gate_passed(changes: Iterable[Change]) -> Ratio:
    return GATE_PASSED.over(changes)


def median_of(counts: Counter[Any]) -> float | None:
    """`statistics.median` of the values `counts` holds (value -> how many), rounded to 2
    places: a histogram gives the same median as the list, in memory bounded by the number of
    distinct values."""
    n = sum(counts.values())
    if not n:
        return None
    wanted = (n // 2,) if n % 2 else (n // 2 - 1, n // 2)
    found: list[Any] = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        while len(found) < len(wanted) and wanted[len(found)] < seen:
            found.append(value)
        if len(found) == len(wanted):
            break
    middle = found[0] if len(found) == 1 else (found[0] + found[1]) / 2
    rounded: float = round(middle, 2)  # an int stays an int, as statistics.median gives it
    return rounded


class _TierDepth:
    """Review depth of one tier's changes."""

    __slots__ = ("after", "approvals", "bar", "changes", "forge", "hours", "per_reviewer", "roles")

    def __init__(self) -> None:
        self.changes = 0
        self.approvals: Counter[int] = Counter()
        self.bar = REVIEW_BAR.tally()
        self.roles = REQUIRED_ROLES.tally()
        self.forge = 0
        self.after = APPROVED_AFTER_PUSH.tally()
        self.hours: Counter[float] = Counter()
        self.per_reviewer: Counter[float] = Counter()

    def add(self, c: Change) -> None:
        self.changes += 1
        self.approvals[c.approvals] += 1
        self.bar.add(c)
        self.roles.add(c)
        if c.approvals and c.changed_lines is not None:
            self.per_reviewer[c.changed_lines / c.approvals] += 1
        if c.forge is not None:
            self.forge += 1
            self.after.add(c)
            if c.forge["hours_to_approval"] is not None:
                self.hours[float(c.forge["hours_to_approval"])] += 1

    def to_json(self) -> dict[str, Any]:
        return {
            "changes": self.changes,
            "median_approvals": median_of(self.approvals),
            "required_approvals_met": self.bar.ratio().to_json(),
            "required_roles": self.roles.ratio().to_json(),
            **self._forge_depth(),
            "median_changed_lines_per_reviewer": median_of(self.per_reviewer),
        }

    def _forge_depth(self) -> dict[str, Any]:
        """The two figures only a forge can give, over the changes that have its record."""
        if not self.forge:
            unavailable = {"value": None, "unavailable": FORGE_ONLY}
            return {"approved_after_last_push": unavailable, "time_to_approval": dict(unavailable)}
        return {
            "approved_after_last_push": self.after.ratio().to_json(),
            "time_to_approval": {
                "value": median_of(self.hours),
                "unit": "hours",
                "measured_changes": sum(self.hours.values()),
                "definition": "median hours from the last push of the merged head (its commit "
                "time when the push time is unknown) to the first approval given on it",
            },
        }


class _ReviewDepth:
    """Review depth per tier; changes no workflow covers are listed under "none"."""

    def __init__(self) -> None:
        self.tiers = {tier: _TierDepth() for tier in (*TIERS, NO_TIER)}

    def add(self, c: Change) -> None:
        group = self.tiers.get(c.tier or NO_TIER)
        if group is not None:
            group.add(c)

    def to_json(self) -> dict[str, Any]:
        return {tier: group.to_json() for tier, group in self.tiers.items()}


def review_depth(changes: Iterable[Change]) -> dict[str, Any]:
    """Review depth per tier; changes no workflow covers are listed under "none"."""
    depth = _ReviewDepth()
    for c in changes:
        depth.add(c)
    return depth.to_json()


class _Coverage:
    """Paths AI-assisted changes touched; a path counts as covered if every such change had it
    owned by a workflow of the policy in force (memory: the distinct paths, not the changes)."""

    def __init__(self) -> None:
        self.touched: dict[str, bool] = {}

    def add(self, c: Change) -> None:
        if not c.ai_assisted:
            return
        uncovered = set(c.uncovered_paths)
        touched = self.touched
        for path in c.paths:
            touched[path] = touched.get(path, True) and path not in uncovered

    def ratio(self) -> Ratio:
        return Ratio(
            "ownership_coverage",
            "Ownership coverage",
            "paths touched by AI-assisted changes that a workflow owned each time",
            "distinct paths touched by AI-assisted changes in the period",
            sum(1 for covered in self.touched.values() if covered),
            len(self.touched),
        )


def ownership_coverage(changes: Iterable[Change]) -> Ratio:
    coverage = _Coverage()
    for c in changes:
        coverage.add(c)
    return coverage.ratio()


_DECAY_NUMERATOR = (
    "AI-assisted changes nobody current answers for: no accepter is a current person in "
    "the registry at the end of the period (or none was recorded), and no current person "
    "has attested (signoff attest) to understanding every path of the change at or after it"
)


class _Decay:
    """Ownership decay, a change at a time (None without a policy at the end of the period)."""

    MEASURES = ("ai_attributed", "ai_assisted_unrecorded")

    def __init__(
        self,
        final: PolicyVersion,
        until: date,
        position: dict[str, int],
        understood: list[Understood] | None,
    ) -> None:
        assert final.policy is not None
        self.people = final.people_by_email
        self.until = until
        self.position = position
        current = {p.id for p in final.policy.document.people if p.left is None or p.left > until}
        self.attested = [
            u for u in understood or () if u.person in current and u.commit in position
        ]
        self.understood = understood
        self.numerator = self.denominator = 0
        self.parts = {
            key: dict.fromkeys(
                ("changes", "decayed_changes", "lines", "decayed_lines", "changes_without_counts"),
                0,
            )
            for key in self.MEASURES
        }

    def owned(self, c: Change) -> bool:
        for p in c.accepted_by:
            person = self.people.get(p.email.lower())
            if person is not None and (person.left is None or person.left > self.until):
                return True
        here = self.position.get(c.id)
        if here is None or not c.paths or not self.attested:
            return False
        position = self.position
        later = [u for u in self.attested if position[u.commit] >= here]
        return all(any(u.covers(path) for u in later) for path in c.paths)

    def add(self, c: Change) -> None:
        if not c.ai_assisted:
            return
        decayed = not self.owned(c)
        self.denominator += 1
        self.numerator += decayed
        # by line kind: a change counts under `ai_attributed` for the lines its line records
        # attribute to AI (`ai`, `ai-modified`; never `human` or `unknown`), and under
        # `ai_assisted_unrecorded` for the lines of its AI-assisted commits without a record.
        # A change can be under both; a change whose record names no AI line is under neither.
        # Changes whose line counts are missing (objects missing from the clone) are counted,
        # not guessed.
        for key, n in zip(
            self.MEASURES, (c.ai_attributed_lines, c.unrecorded_ai_lines), strict=True
        ):
            part = self.parts[key]
            if n is None:
                part["changes_without_counts"] += 1
            elif n > 0:
                part["changes"] += 1
                part["lines"] += n
                part["decayed_changes"] += decayed
                part["decayed_lines"] += n if decayed else 0

    def ratio(self) -> DecayRatio:
        numerator = _DECAY_NUMERATOR
        if self.understood is None:
            numerator += "; understanding attestations could not be read, so only accepters counted"
        return DecayRatio(
            "ownership_decay",
            "Ownership decay",
            numerator,
            "AI-assisted changes",
            self.numerator,
            self.denominator,
            self.parts,
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
    decay = _Decay(final, until, population.position, understood)
    for c in population.changes:
        decay.add(c)
    return decay.ratio()


@dataclass(frozen=True, slots=True)
class DecayRatio(Ratio):
    """Ownership decay, with the lines behind it in the two measures, apart."""

    by_measure: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {**Ratio.to_json(self), "by_measure": self.by_measure}


class _Exceptions:
    """Exceptions AI-assisted changes used, exceptions that expired, and unlifted breaches."""

    def __init__(self) -> None:
        self.used: dict[str, int] = {}
        self.breaches = 0
        self.breach_ids: list[str] = []  # the first 100

    def add(self, c: Change) -> None:
        for ident in c.exceptions_used:
            self.used[ident] = self.used.get(ident, 0) + 1
        if c.boundary_breaches:
            self.breaches += 1
            if len(self.breach_ids) < 100:
                self.breach_ids.append(c.id)

    def to_json(self, versions: list[PolicyVersion], until: date) -> dict[str, Any]:
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
                    "used_by_changes": self.used.get(exc.id, 0),
                }
        return {
            "used": [{"id": k, "changes": v} for k, v in sorted(self.used.items())],
            "records": sorted(records.values(), key=lambda r: str(r["id"])),
            "expired": sorted(k for k, r in records.items() if r["expired"]),
            "ai_boundary_breaches": {"changes": self.breaches, "ids": self.breach_ids},
        }


def exceptions_summary(
    changes: Iterable[Change], versions: list[PolicyVersion], until: date
) -> dict[str, Any]:
    """Exceptions AI-assisted changes used, exceptions that expired, and unlifted breaches."""
    summary = _Exceptions()
    for c in changes:
        summary.add(c)
    return summary.to_json(versions, until)


class _Lines:
    """The two line measures over the period, never added together, and capture coverage.

    AI-attributed lines come from line records (Git AI, Agent Trace, Signoff, a squash commit's
    `pr-commits` mapping); a commit-level marker only says an AI helped, so the added lines of
    an AI-assisted commit without a record are counted apart. Changes whose counts are missing
    (objects absent from the clone) are left out of both and counted.
    """

    def __init__(self) -> None:
        self.changes = self.counted = 0
        self.attributed = self.unrecorded = 0
        self.ai_members = self.recorded = self.lines = self.recorded_lines = 0
        self.lost = self.incomplete = 0
        self.reasons: dict[str, int] = {}
        self.gaps: list[dict[str, str]] = []  # the first 100

    def add(self, c: Change) -> None:
        self.changes += 1
        if c.ai_attributed_lines is not None and c.unrecorded_ai_lines is not None:
            self.counted += 1
            self.attributed += c.ai_attributed_lines
            self.unrecorded += c.unrecorded_ai_lines
        self.ai_members += c.ai_members
        self.recorded += c.ai_members_with_line_record
        self.lines += c.ai_member_lines
        self.recorded_lines += c.ai_member_lines_with_line_record
        for g in c.capture_gaps:
            self.reasons[g["reason"]] = self.reasons.get(g["reason"], 0) + 1
            self.lost += g["state"] == "lost"
            self.incomplete += g["state"] == "incomplete"
            if len(self.gaps) < 100:
                self.gaps.append(g)

    def to_json(self) -> dict[str, Any]:
        ai_members, lines = self.ai_members, self.lines
        return {
            "ai_attributed_lines": self.attributed,
            "ai_assisted_unrecorded_lines": self.unrecorded,
            "changes_without_line_counts": self.changes - self.counted,
            "capture_coverage": {
                "ai_commits": ai_members,
                "ai_commits_with_line_record": self.recorded,
                "commit_share": round(self.recorded / ai_members, 4) if ai_members else None,
                "ai_commit_lines": lines,
                "ai_commit_lines_with_line_record": self.recorded_lines,
                "line_share": round(self.recorded_lines / lines, 4) if lines else None,
            },
            # AI-assisted commits whose line record was lost, and records a recorder left
            # incomplete, with why (each reason once; at most 100 commits listed)
            "capture_gaps": {
                "lost": self.lost,
                "incomplete": self.incomplete,
                "reasons": dict(sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
                "commits": self.gaps,
            },
        }


def line_measures(changes: Iterable[Change]) -> dict[str, Any]:
    """The two line measures over the period, never added together, and capture coverage."""
    lines = _Lines()
    for c in changes:
        lines.add(c)
    return lines.to_json()


class _Months:
    def __init__(self) -> None:
        self.months: dict[str, list[int]] = {}

    def add(self, c: Change) -> None:
        counts = self.months.setdefault(c.committed_at[:7], [0, 0])
        counts[0] += 1
        counts[1] += int(c.ai_assisted)

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {"month": m, "changes": n, "ai_changes": ai, "ai_share": round(ai / n, 4)}
            for m, (n, ai) in sorted(self.months.items())
        ]


def ai_share_by_month(changes: Iterable[Change]) -> list[dict[str, Any]]:
    months = _Months()
    for c in changes:
        months.add(c)
    return months.to_json()


class _Headline:
    """The three headline metrics of one group (a tier, a workflow)."""

    __slots__ = ("ai", "bar", "changes", "clarity", "trace")

    def __init__(self) -> None:
        self.changes = self.ai = 0
        self.trace = TRACEABILITY.tally()
        self.clarity = CLARITY.tally()
        self.bar = REVIEW_BAR.tally()

    def add(self, c: Change) -> None:
        self.changes += 1
        self.ai += c.ai_assisted
        self.trace.add(c)
        self.clarity.add(c)
        self.bar.add(c)

    def to_json(self) -> dict[str, Any]:
        return {
            "changes": self.changes,
            "ai_changes": self.ai,
            "traceability_coverage": self.trace.ratio().value,
            "attribution_clarity": self.clarity.ratio().value,
            "review_bar_met": self.bar.ratio().value,
        }


class _Groups:
    """The three headline metrics for each group a change belongs to (tier, workflow)."""

    def __init__(self, key: Callable[[Change], list[str]]) -> None:
        self.key = key
        self.groups: dict[str, _Headline] = {}

    def add(self, c: Change) -> None:
        for name in self.key(c):
            group = self.groups.get(name)
            if group is None:
                group = self.groups[name] = _Headline()
            group.add(c)

    def to_json(self) -> dict[str, Any]:
        return {name: group.to_json() for name, group in sorted(self.groups.items())}


def headline_by(changes: Iterable[Change], key: Callable[[Change], list[str]]) -> dict[str, Any]:
    """The three headline metrics for each group a change belongs to (tier, workflow)."""
    groups = _Groups(key)
    for c in changes:
        groups.add(c)
    return groups.to_json()


class MetricsAccumulator:
    """Every metric of metrics.json, counted in one pass over the population: memory holds
    counters, histograms and the distinct paths, never the changes."""

    def __init__(self, population: Population, understood: list[Understood] | None = None):
        self.until = population.period.until.date()
        self.versions = population.period_versions
        final = self.versions[-1] if self.versions else None
        self.decay = (
            _Decay(final, self.until, population.position, understood)
            if final is not None and final.policy is not None
            else None
        )
        self.changes = self.ai = 0
        self.by_status: dict[str, int] = {}
        self.headline = _Headline()
        self.depth = _ReviewDepth()
        self.coverage = _Coverage()
        self.gate_recorded = GATE_RECORDED.tally()
        self.gate_passed = GATE_PASSED.tally()
        self.exceptions = _Exceptions()
        self.months = _Months()
        self.lines = _Lines()
        self.by_tier = _Groups(lambda c: [c.tier or NO_TIER])
        self.by_workflow = _Groups(lambda c: c.workflows or ["(no workflow)"])

    def add(self, c: Change) -> None:
        self.by_status[c.status] = self.by_status.get(c.status, 0) + 1
        self.headline.add(c)
        self.depth.add(c)
        self.coverage.add(c)
        self.gate_recorded.add(c)
        self.gate_passed.add(c)
        if self.decay is not None:
            self.decay.add(c)
        self.exceptions.add(c)
        self.months.add(c)
        self.lines.add(c)
        self.by_tier.add(c)
        self.by_workflow.add(c)

    def result(self) -> dict[str, Any]:
        head = self.headline
        return {
            "changes": head.changes,
            "ai_changes": head.ai,
            "by_status": self.by_status,
            "headline": {
                "traceability_coverage": head.trace.ratio().to_json(),
                "attribution_clarity": head.clarity.ratio().to_json(),
                "review_depth": head.bar.ratio().to_json(),
            },
            "review_depth_by_tier": self.depth.to_json(),
            "ownership_coverage": self.coverage.ratio().to_json(),
            "gate": {
                "recorded": self.gate_recorded.ratio().to_json(),
                "passed": self.gate_passed.ratio().to_json(),
            },
            "ownership_decay": self.decay.ratio().to_json()
            if self.decay
            else {
                "value": None,
                "unavailable": "no signoff.yaml was in force at the end of the period",
            },
            "exceptions": self.exceptions.to_json(self.versions, self.until),
            "ai_share_by_month": self.months.to_json(),
            "lines": self.lines.to_json(),
            "by_tier": self.by_tier.to_json(),
            "by_workflow": self.by_workflow.to_json(),
        }


def compute_metrics(
    population: Population, understood: list[Understood] | None = None
) -> dict[str, Any]:
    metrics = MetricsAccumulator(population, understood)
    for c in population.changes:
        metrics.add(c)
    return metrics.result()
