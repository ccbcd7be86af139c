"""Properties of the metric arithmetic over arbitrary populations (no git needed)."""

from __future__ import annotations

import statistics
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from signoff.audit.metrics import (
    attribution_clarity,
    median_of,
    review_bar_met,
    traceability_coverage,
)
from signoff.audit.population import Change, Changes, _aggregate_status, sorted_changes
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


@given(
    st.one_of(
        st.lists(st.integers(0, 50), max_size=60),  # approvals
        st.lists(st.floats(0, 1e6, allow_nan=False), max_size=60),  # lines per reviewer, hours
    )
)
@settings(max_examples=200, deadline=None)
def test_the_median_of_a_histogram_is_the_median_of_the_values(values: list[float]) -> None:
    """The accumulators keep value -> count for medians; the answer (and its type: an int
    stays an int) is statistics.median's, rounded as the report rounds it."""
    expected = round(statistics.median(values), 2) if values else None
    got = median_of(Counter(values))
    assert got == expected and type(got) is type(expected)


@given(
    st.lists(changes(), max_size=40, unique_by=lambda c: c.id),
    st.integers(1, 5),
    st.integers(1, 7),
    st.booleans(),
)
@settings(max_examples=100, deadline=None)
def test_changes_on_disk_read_back_and_sort_as_a_list_does(
    population: list[Change], batch: int, run: int, reverse: bool
) -> None:
    """Kept in batches on disk: read forwards, backwards, by index and by slice as the list;
    sorted on disk in runs: stable, the same order as sorted()."""
    import signoff.audit.population as module

    kept = Changes(population, batch=batch)
    assert len(kept) == len(population)
    assert list(kept) == population and list(reversed(kept)) == population[::-1]
    assert kept[:3] == population[:3] and kept[1::2] == population[1::2]
    if population:
        assert (
            kept[-1] == population[-1]
            and kept[len(population) // 2] == population[len(population) // 2]
        )
    kept.rewrite(lambda c: setattr(c, "tier", "high"))
    assert [c.tier for c in kept] == ["high"] * len(population)

    def key(c: Change) -> int:
        return c.required_approvals  # few values: many ties, so stability shows

    saved = module.SORT_RUN
    module.SORT_RUN = run
    try:
        on_disk = sorted_changes(population, key, reverse=reverse)
    finally:
        module.SORT_RUN = saved
    assert [c.id for c in on_disk] == [c.id for c in sorted(population, key=key, reverse=reverse)]
