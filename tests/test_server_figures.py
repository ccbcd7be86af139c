"""The stored figures' arithmetic: merged parts give what the audit gives over the whole."""

from __future__ import annotations

import random
import statistics
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest

from signoff.audit.period import parse_period
from signoff.server import figures


def test_a_median_from_merged_histograms_is_the_audits_median() -> None:
    rng = random.Random(3)
    for n in range(1, 60):
        values = [rng.randrange(0, 5) for _ in range(n)]
        cut = rng.randrange(0, n)
        parts = [
            {"h": {str(k): v for k, v in Counter(values[:cut]).items()}},
            {"h": {str(k): v for k, v in Counter(values[cut:]).items()}},
        ]
        merged = figures.merge(parts)["h"]
        assert figures.median(merged) == round(statistics.median(values), 2), values
    assert figures.median({}) is None


@pytest.mark.parametrize(
    ("since", "until"),
    [
        ("2026-01-01", "2026-12-31"),
        ("2026-01-15", "2026-03-02"),
        ("2026-02-03", "2026-02-20"),
        ("2025-12-31", "2026-02-01"),
        ("2026-02-01", "2026-02-28"),
    ],
)
def test_a_period_is_whole_months_and_the_days_at_its_edges(since: str, until: str) -> None:
    """Every day of the period is counted once: in a whole month's row or a day's row."""
    months, days = figures._buckets(parse_period(since, until))
    covered: list[str] = []
    if months is not None:
        m = date.fromisoformat(months[0] + "-01")
        while m.isoformat()[:7] <= months[1]:
            covered.append(m.isoformat()[:7])
            m = figures._next_month(m)
    counted = []
    for a, b in days:
        d = date.fromisoformat(a)
        while d <= date.fromisoformat(b):
            assert d.isoformat()[:7] not in covered
            counted.append(d)
            d += timedelta(days=1)
    first, last = date.fromisoformat(since), date.fromisoformat(until)
    every = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    assert sorted(counted + [d for d in every if d.isoformat()[:7] in covered]) == every


def test_unowned_paths_keep_the_newest_reason_and_add_their_counts() -> None:
    a = {"unowned": {"x.py": [2, "2026-01-02", "no policy pushed"], "y.py": [1, "2026-01-01", "r"]}}
    b = {"unowned": {"x.py": [1, "2026-02-01", "no workflow owns it"]}}
    merged = figures.merge([a, b])["unowned"]
    assert merged == {
        "x.py": [3, "2026-02-01", "no workflow owns it"],
        "y.py": [1, "2026-01-01", "r"],
    }
    assert a["unowned"]["x.py"] == [2, "2026-01-02", "no policy pushed"]  # inputs untouched


def test_the_first_unowned_paths_are_the_first_of_them_all() -> None:
    """All-history rows (sorted lists) and a period's merged rows (dicts) list alike: the
    first N of the merge are the first N of the full, sorted list."""
    from signoff.server import dashboard

    rng = random.Random(5)

    def rows(n: int) -> dict[str, list[Any]]:
        return {f"p{i}.py": [rng.randrange(1, 4), f"2026-01-{1 + i:02d}", "r"] for i in range(n)}

    kept = [rows(7), rows(5), rows(9)]
    stored = [
        [[p, *r] for p, r in sorted(d.items(), key=lambda i: (-i[1][0], i[0]))] for d in kept[:2]
    ]
    figs = [
        figures.Figures(i, f"org/r{i}", None, "", {"unowned": u}, {})
        for i, u in enumerate([*stored, kept[2]])
    ]
    everything, total = dashboard.unowned_paths(figs)
    assert total == len(everything) == 21
    keys = [(-r["ai_changes"], r["repo"], r["path"]) for r in everything]
    assert keys == sorted(keys)
    assert sorted(keys) == sorted(
        (-r[0], f"org/r{i}", p) for i, d in enumerate(kept) for p, r in d.items()
    )
    first, same = dashboard.unowned_paths(figs, 4)
    assert first == everything[:4] and same == 21
    assert figures.merge([{"unowned": stored[0]}, {"unowned": kept[0]}])["unowned"] == {
        p: [2 * r[0], r[1], r[2]] for p, r in kept[0].items()
    }
