"""The figures job against the database, on both engines: it computes in a read, so a push
landing meanwhile neither waits nor is lost, and the organisation's months summed from the
stored figures are the months a scan of every commit gives."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from signoff.git.repo import Repo
from signoff.query.export import export_rows
from signoff.server import figures
from signoff.store.db import Store
from signoff.store.ingest import apply_push
from signoff.store.models import Job, Repository
from signoff.store.organisation import METRICS_JOB, commit_months, organisation_metrics
from signoff.store.wire import PUSH_SCHEMA
from tests.gitrepo import GitRepo
from tests.test_server import AI


def _push(store: Store, name: str, repo: GitRepo, revs: list[str], old: str | None) -> str:
    """What `signoff push` stores for `revs` (their records, then the ref move), in one write."""
    tip = repo.git("rev-parse", revs[0].split("..")[-1]).strip()
    batch = {
        "schema": PUSH_SCHEMA,
        "commits": list(export_rows(Repo.discover(repo.path), revs)),
        "final": True,
        "ref": "refs/heads/main",
        "old_tip": old,
        "new_tip": tip,
    }
    with store.transaction() as s:
        apply_push(s, "tester", name, batch)
    return tip


def _history(repo: GitRepo, months: list[str]) -> None:
    """Commits in each month given, AI-assisted every other, and a merged branch."""
    for i, month in enumerate(months):
        msg = AI if i % 2 else f"Human change {i}\n"
        repo.commit(
            msg, {f"src/f{i}.py": f"x = {i}\n"}, date=f"{month}-0{1 + i % 9}T10:00:00+00:00"
        )
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit(AI, {"src/topic.py": "t = 1\n"}, date=f"{months[-1]}-12T10:00:00+00:00")
    repo.git("checkout", "-q", "main")
    when = f"{months[-1]}-13T10:00:00+00:00"
    repo.git(
        "merge", "-q", "--no-ff", "topic", "-m", "Merge pull request #3 from topic",
        env={"GIT_COMMITTER_DATE": when, "GIT_AUTHOR_DATE": when},
    )  # fmt: skip


def _repo(tmp_path: Path, name: str) -> GitRepo:
    path = tmp_path / name
    path.mkdir()
    r = GitRepo(path, dict(os.environ))
    r.git("init", "-q", "-b", "main")
    return r


def test_a_push_during_the_computation_neither_waits_nor_is_lost(
    store: Store, repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    _history(repo, ["2026-01", "2026-02", "2026-02"])
    first = _push(store, "org/a", repo, ["HEAD"], None)
    newer = repo.commit(AI, {"src/late.py": "late = 1\n"}, date="2026-03-01T10:00:00+00:00")
    computing = figures.compute
    landed: list[str] = []

    def compute_then_a_push_lands(s: Any, r: Repository) -> Any:
        out = computing(s, r)
        # a push while the job holds its read: on SQLite it would wait out the busy timeout
        # and fail if the computation held the write lock
        landed.append(_push(store, "org/a", repo, [f"{first}..{newer}"], first))
        return out

    monkeypatch.setattr(figures, "compute", compute_then_a_push_lands)
    result = figures.recompute(store)
    assert landed == [newer]
    assert result["recomputed"] == 1 and result["behind"] == ["org/a"]
    with store.read() as s:
        repos = list(s.execute(select(Repository)).scalars())
        stored = figures.read(s, repos)
        fresh = figures.freshness(s, repos, stored, queue=False)
        queued = s.execute(
            select(Job.id).where(Job.kind == METRICS_JOB, Job.status == "queued")
        ).all()
    # the figures are stored as computed, but said to be behind the push, which a queued
    # job will take in
    (fig,) = stored
    assert fig.meta["commits"] == 4 and fig.meta["merges_excluded"] == 1
    assert fresh.stale == ["org/a"] and fresh.pending and len(queued) == 1
    monkeypatch.setattr(figures, "compute", computing)
    again = figures.recompute(store)
    assert again["recomputed"] == 1 and again["behind"] == []
    with store.read() as s:
        stored = figures.read(s, repos)
        fresh = figures.freshness(s, repos, stored, queue=False)
    assert stored[0].meta["commits"] == 5 and fresh.stale == [] and not fresh.missing


def test_the_organisations_months_from_stored_figures_are_a_scans(
    store: Store, tmp_path: Path
) -> None:
    a, b, c = (_repo(tmp_path, n) for n in ("a", "b", "c"))
    _history(a, ["2025-12", "2026-01", "2026-01", "2026-03"])
    _history(b, ["2026-01", "2026-02", "2026-03", "2026-03", "2026-04"])
    _history(c, ["2026-03", "2026-05"])
    for name, r in (("org/a", a), ("org/b", b)):
        _push(store, name, r, ["HEAD"], None)
    figures.recompute(store)
    # org/c pushed after the figures were computed: its months come from its rows
    _push(store, "org/c", c, ["HEAD"], None)
    with store.read() as s:
        doc = organisation_metrics(s)
        scanned: dict[str, list[int]] = {}
        for months in commit_months(s).values():  # the full scan the snapshot used to run
            for month, (n, ai) in months.items():
                row = scanned.setdefault(month, [0, 0])
                row[0], row[1] = row[0] + n, row[1] + ai
    assert [(m["month"], m["commits"], m["ai_assisted_commits"]) for m in doc["by_month"]] == [
        (month, n, ai) for month, (n, ai) in sorted(scanned.items())
    ]
    # merges are left out, as `signoff stats` leaves them out: 11 dated commits and 3 on
    # the merged branches; the 3 merges apart
    assert sum(n for n, _ in scanned.values()) == doc["totals"]["commits"] == 11 + 3
    assert doc["totals"]["merges_excluded"] == 3
