"""The same repository audited in its clone and through a server gives the same population
rows and the same metrics: an auditor gets one answer for one commit from `signoff audit` and
`signoff audit --server`. Pushed records carry no deleted-line counts and no capture-gap
reasons; those are the differences, and only the figures made from them differ."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from signoff.audit.metrics import compute_metrics
from signoff.audit.period import parse_period
from signoff.audit.population import Changes, build_population
from signoff.git import Repo
from signoff.server.app import Settings
from signoff.server.orgaudit import audit_organisation, repository_population
from signoff.store.db import Store
from signoff.store.models import Repository
from tests.gitrepo import GitRepo, run_signoff
from tests.test_server import Running, serving

CLAUDE = "\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n"
ACCEPTED = "\n\nAI-Assisted: claude-code/claude-sonnet-4\nAccepted-by: Ada <ada@example.com>\n"
REVIEWED = "\n\nReviewed-by: Grace <grace@example.com>\nApproved-by: Ada <ada@example.com>\n"
BOB = ("Bob", "bob@example.com")
COPILOT = ("copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com")


def _history(repo: GitRepo) -> None:
    """Every kind of change: AI by trailer (with and without an accepter), an agent author, a
    bot, humans with and without evidence, reviews, and merged branches whose members are AI,
    human or mixed; some before the period."""
    c = repo.commit
    c("init" + REVIEWED, {"README.md": "x\n"}, date="2025-12-20T10:00:00+00:00")
    for n in range(12):
        when = f"2026-01-{2 + n:02d}T10:00:00+00:00"
        kind = n % 6
        if kind == 0:
            c(f"ai {n}" + CLAUDE, {f"src/a{n}.py": "a\nb\n"}, author=BOB, date=when)
        elif kind == 1:
            c(f"accepted {n}" + ACCEPTED, {f"src/b{n}.py": "a\n"}, date=when)
        elif kind == 2:
            c(f"agent {n}", {f"src/c{n}.py": "a\nb\nc\n"}, author=COPILOT, date=when)
        elif kind == 3:
            c(f"human {n}\n\nAI-Assisted: none\n" + REVIEWED, {"docs/d.md": f"{n}\n"}, date=when)
        elif kind == 4:
            c(f"plain {n}", {"docs/e.md": f"{n}\n"}, author=BOB, date=when)
        else:
            repo.git("checkout", "-q", "-b", f"topic{n}")
            c(f"side ai {n}" + CLAUDE, {f"src/s{n}.py": "s\n"}, date=when)
            c(f"side human {n}", {f"docs/s{n}.md": "s\n"}, author=BOB, date=when)
            repo.git("checkout", "-q", "main")
            merged = f"2026-01-{2 + n:02d}T12:00:00+00:00"
            repo.git(
                "merge", "-q", "--no-ff", f"topic{n}", "-m",
                f"Merge pull request #{n} from org/topic{n}" + REVIEWED,
                env={"GIT_AUTHOR_DATE": merged, "GIT_COMMITTER_DATE": merged},
            )  # fmt: skip


# pushed records carry no deleted-line counts and no capture-gap reasons (the clone's index
# reads them from the notes): these fields, and only these, differ
NOT_PUSHED = {"lines_deleted", "capture_gaps"}


def _rows(changes: Any) -> list[dict[str, Any]]:
    return [{k: v for k, v in c.to_json().items() if k not in NOT_PUSHED} for c in changes]


def _pushed_only(metrics: dict[str, Any]) -> dict[str, Any]:
    for tier in metrics["review_depth_by_tier"].values():
        tier.pop("median_changed_lines_per_reviewer")
    metrics["lines"].pop("capture_gaps")
    return metrics


@pytest.mark.parametrize("batch", [None, 3])
def test_clone_and_server_give_the_same_rows_and_metrics(
    store: Store,
    database_url: str,
    repo: GitRepo,
    tmp_path: Path,
    batch: int | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Also with batches of 3 changes, so the server's builder reads its records in many
    batches and keeps its changes on disk."""
    _history(repo)
    if batch is not None:
        import signoff.audit.population as population_module
        import signoff.server.orgaudit as orgaudit

        monkeypatch.setattr(population_module, "SPILL_BATCH", batch)
        monkeypatch.setattr(population_module, "SORT_RUN", batch * 2)
        monkeypatch.setattr(orgaudit, "STREAM_ROWS", batch)
    with serving(Settings(store, "s")) as url:
        server = Running(url, store, database_url)
        env = {"SIGNOFF_TOKEN": server.token(["admin"])}
        pushed = run_signoff(repo, "push", "--server", url, "--repository", "org/a", env=env)
        assert pushed.returncode == 0, pushed.stderr
    period = parse_period("2026-01-01", "2026-01-31")
    local = build_population(Repo.discover(repo.path), period)
    with store.transaction() as s:
        stored = s.execute(select(Repository).where(Repository.name == "org/a")).scalar_one()
        remote = repository_population(s, stored, period)
        assert not isinstance(remote, str), remote
        if batch is not None:
            assert isinstance(remote.changes, Changes)
        assert len(local.changes) == len(remote.changes) == 12
        assert _rows(remote.changes) == _rows(local.changes)
        kinds = {c.status for c in local.changes}
        assert {"ai", "mixed", "human", "unknown"} <= kinds  # the history covers each case
        assert any(c.added and c.kind == "merge" for c in remote.changes)
        assert _pushed_only(compute_metrics(remote)) == _pushed_only(compute_metrics(local))
        _audits, union = audit_organisation(s, period)
    # one repository: the organisation's population is its own, in the same order
    assert _rows(union.population.changes) == _rows(local.changes)
