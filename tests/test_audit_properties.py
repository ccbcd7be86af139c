"""Properties of the metric arithmetic over arbitrary populations (no git needed)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from signoff.audit.metrics import (
    attribution_clarity,
    review_bar_met,
    traceability_coverage,
)
from signoff.audit.population import Change, _aggregate_status
from signoff.audit.sample import draw_sample
from signoff.git.log import Person

STATUSES = ("ai", "mixed", "human", "unknown", "automation")


@st.composite
def changes(draw: st.DrawFn) -> Change:
    n = draw(st.integers(min_value=0, max_value=10**6))
    status = draw(st.sampled_from(STATUSES))
    c = Change(
        id=f"{n:040x}",
        kind="commit",
        committed_at="2026-01-01T00:00:00+00:00",
        author=Person("A", "a@example.com"),
        subject="s",
        members=[f"{n:040x}"],
        status=status,
        determined=status != "unknown" and draw(st.booleans()),
    )
    c.accepted_complete = draw(st.booleans())
    c.accountable_valid = draw(st.booleans())
    c.required_approvals = draw(st.integers(min_value=0, max_value=3))
    c.approvers = [Person(f"R{i}", f"r{i}@example.com") for i in range(draw(st.integers(0, 4)))]
    return c


@given(st.lists(changes(), max_size=40))
@settings(max_examples=200, deadline=None)
def test_ratios_are_counts_of_a_subset(population: list[Change]) -> None:
    for ratio in (
        traceability_coverage(population),
        attribution_clarity(population),
        review_bar_met(population),
    ):
        assert 0 <= ratio.numerator <= ratio.denominator <= len(population)
        if ratio.denominator == 0:
            assert ratio.value is None  # no such changes: never 0% or 100%
        else:
            assert ratio.value is not None and 0.0 <= ratio.value <= 1.0
    assert traceability_coverage(population).numerator == sum(c.determined for c in population)
    assert attribution_clarity(population).denominator == sum(c.ai_assisted for c in population)


@given(st.lists(st.sampled_from(STATUSES), min_size=1, max_size=8))
def test_a_change_is_ai_assisted_iff_one_of_its_commits_is(statuses: list[str]) -> None:
    status, determined = _aggregate_status(statuses)
    assert (status in ("ai", "mixed")) == any(s in ("ai", "mixed") for s in statuses)
    assert determined == ("unknown" not in statuses)
    if status == "human":
        assert "unknown" not in statuses  # unknown is never read as human


@given(
    st.lists(changes(), max_size=30, unique_by=lambda c: c.id), st.integers(0, 40), st.integers()
)
@settings(max_examples=100, deadline=None)
def test_samples_are_reproducible_and_order_free(
    population: list[Change], size: int, seed: int
) -> None:
    first = draw_sample(population, size, seed)
    again = draw_sample(list(reversed(population)), size, seed)
    assert [c.id for c in first] == [c.id for c in again]
    assert len(first) == min(size, len(population))
    assert len({c.id for c in first}) == len(first)
