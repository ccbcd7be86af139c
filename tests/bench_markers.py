"""Micro-benchmark for `find_markers` (not collected by pytest; no assertions).

    .venv/bin/python -m tests.bench_markers

Prints the cost per commit for commits without markers (the common case while indexing),
with a warm identity cache (people repeat across a history) and a cold one (every identity
new), and for commits that carry markers. docs/markers.md records the numbers measured.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence

from signoff.git.log import Commit, Person
from signoff.provenance.markers import _classify, find_markers

BODY = "Explain why the change was needed and what it affects.\n" * 4


def _commit(i: int, author: Person, trailers: tuple[tuple[str, str], ...], subject: str) -> Commit:
    lines = "\n".join(f"{k}: {v}" for k, v in trailers)
    return Commit(
        sha=f"{i:040x}",
        parents=(),
        author=author,
        author_date="2026-01-01T00:00:00+00:00",
        committer=author,
        commit_date="2026-01-01T00:00:00+00:00",
        message=f"{subject}\n\n{BODY}\n{lines}\n",
        trailers=trailers,
    )


def human_commits(n: int, people: int) -> list[Commit]:
    rng = random.Random(7)
    crowd = [Person(f"Dev {k}", f"{k}+dev{k}@users.noreply.github.com") for k in range(people)]
    out = []
    for i in range(n):
        who = crowd[rng.randrange(people)]
        trailers: tuple[tuple[str, str], ...] = ()
        if i % 3 == 0:
            trailers = (("Signed-off-by", f"{who.name} <{who.email}>"),)
        if i % 20 == 0:
            pair = crowd[rng.randrange(people)]
            trailers += (("Co-authored-by", f"{pair.name} <{pair.email}>"),)
        out.append(_commit(i, who, trailers, f"Fix parser edge case {i}"))
    return out


def marked_commits(n: int) -> list[Commit]:
    ada = Person("Ada Lovelace", "ada@example.com")
    trailers = (
        ("Co-Authored-By", "Claude Opus 4.5 <noreply@anthropic.com>"),
        ("Claude-Session", "https://claude.ai/code/session_01ABC"),
    )
    return [_commit(i, ada, trailers, f"Add feature {i}") for i in range(n)]


def per_commit(commits: Sequence[Commit]) -> float:
    start = time.perf_counter()
    for c in commits:
        find_markers(c)
    return (time.perf_counter() - start) / len(commits)


def main() -> None:
    n = 100_000
    warm = human_commits(n, people=300)
    per_commit(warm[:1000])  # warm the caches
    print(f"no markers, 300 people (warm):  {per_commit(warm) * 1e6:6.2f} us/commit")
    cold = human_commits(n, people=n)
    _classify.cache_clear()
    print(f"no markers, every person new:   {per_commit(cold) * 1e6:6.2f} us/commit")
    print(
        f"Claude co-author + session:     {per_commit(marked_commits(20_000)) * 1e6:6.2f} us/commit"
    )


if __name__ == "__main__":
    main()
