"""The provenance test: ask the four questions about N recent changes and time the answers.

Each answer goes through `explain`, the same path a person at a terminal uses, so the time
measured is the time a real question takes, not a figure read off the precomputed population.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from signoff.git.repo import Repo
from signoff.query.explain import explain


def recent_changes(repo: Repo, tip: str, count: int) -> list[str]:
    """The `count` newest changes on the branch, whatever the audit period."""
    out = repo.run("rev-list", "--first-parent", f"--max-count={count}", "--end-of-options", tip)
    return out.decode().split()


def provenance_test(repo: Repo, tip: str, count: int) -> dict[str, Any]:
    recent = recent_changes(repo, tip, count)
    answers = []
    timings = []
    started = time.perf_counter()
    for sha in recent:
        t0 = time.perf_counter()
        result = explain(repo, sha)
        elapsed = time.perf_counter() - t0
        timings.append(elapsed)
        answer = result.commits[0]
        prov = answer.provenance
        answers.append(
            {
                "change": sha,
                "q1_ai": prov.status,
                "q2_tools": [t.to_json() for t in prov.tools],
                "q3_accepted_by": prov.accepted_by.to_json() if prov.accepted_by else None,
                "q3_accepted_at": answer.commit.commit_date,
                "q4_reviews": [r.to_json() for r in answer.reviews],
                "q4_merge": answer.merge.to_json() if answer.merge else None,
                "accountable": answer.ownership.to_json(),
                "seconds": round(elapsed, 4),
            }
        )
    total = time.perf_counter() - started
    return {
        "requested": count,
        "answered": len(answers),
        "total_seconds": round(total, 3),
        "median_seconds": round(statistics.median(timings), 4) if timings else None,
        "max_seconds": round(max(timings), 4) if timings else None,
        "questions": [
            "q1: was it AI-generated (ai / mixed / human / automation / unknown)?",
            "q2: by which tool and model, in which session?",
            "q3: which human accepted it, and when?",
            "q4: what review did it get?",
        ],
        "answers": answers,
    }
