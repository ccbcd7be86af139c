"""Which pushed commits are merges, on both engines: stored at push from the record's parents,
filled in by the migration for rows stored before, and not known for a record without them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from signoff.server.app import stored_stats
from signoff.store.db import Store, make_engine, upgrade
from signoff.store.ingest import apply_push
from signoff.store.models import CommitRecord, Document
from signoff.store.wire import PUSH_SCHEMA
from tests.serverdb import ENGINES, Cluster, _unavailable

A, B, C, D = ("a" * 40, "b" * 40, "c" * 40, "d" * 40)


def _record(sha: str, parents: list[str] | None, status: str = "human") -> dict[str, Any]:
    doc: dict[str, Any] = {
        "commit": sha,
        "commit_date": "2026-01-02T10:00:00+00:00",
        "provenance": {"status": status, "tools": []},
        "lines": {"added": 1, "ai_attributed_lines": None, "ai_assisted_unrecorded_lines": None},
    }
    if parents is not None:
        doc["parents"] = parents
    return doc


@pytest.fixture(params=ENGINES)
def empty_url(
    request: pytest.FixtureRequest, tmp_path: Path, pg_cluster: Cluster | str
) -> Iterator[str]:
    """A database with no schema yet, on each engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    if isinstance(pg_cluster, str):
        _unavailable(pg_cluster)
    assert isinstance(pg_cluster, Cluster)
    name = "m_" + tmp_path.name.replace("-", "_").lower()[-40:]
    pg_cluster.execute(f"CREATE DATABASE {name}")
    yield pg_cluster.url(name)


def test_the_migration_fills_in_merges_from_the_stored_parents(empty_url: str) -> None:
    engine = make_engine(empty_url)
    upgrade(engine, "0003")
    commits = sa.table(
        "commits",
        sa.column("repo_id"),
        sa.column("sha"),
        sa.column("committed_at"),
        sa.column("ai_status"),
        sa.column("tools", Document),
        sa.column("record", Document),
    )
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO repositories (name, created_at) VALUES ('org/a', 'now')"))
        rid = conn.execute(sa.text("SELECT id FROM repositories")).scalar_one()
        conn.execute(
            commits.insert(),
            [
                {
                    "repo_id": rid,
                    "sha": sha,
                    "committed_at": "2026-01-02T10:00:00+00:00",
                    "ai_status": "human",
                    "tools": [],
                    "record": _record(sha, parents),
                }
                for sha, parents in ((A, []), (B, [A]), (C, [B, A]), (D, None))
            ],
        )
    upgrade(engine)
    store = Store(engine)
    with store.read() as s:
        merge = dict(s.execute(select(CommitRecord.sha, CommitRecord.is_merge)).all())
        assert merge == {A: False, B: False, C: True, D: None}
        stats = stored_stats(s, rid)
    # the record without parents is not known to be a merge: counted, and said
    assert (stats["commits"], stats["merges_excluded"], stats["merge_unknown"]) == (3, 1, 1)
    store.close()


def test_a_record_without_parents_is_counted_and_named_not_known(store: Store) -> None:
    """A push whose records do not list parents (not what `signoff push` sends, but the wire
    allows it) still stores; its commits count as commits, and stats say how many."""
    batch = {
        "schema": PUSH_SCHEMA,
        "commits": [_record(A, []), _record(B, [A], "ai"), _record(C, [B, A]), _record(D, None)],
    }
    with store.transaction() as s:
        assert apply_push(s, "t", "org/a", json.loads(json.dumps(batch))).commits == 4
    with store.read() as s:
        rid = s.execute(select(CommitRecord.repo_id)).scalars().first()
        assert rid is not None
        stats = stored_stats(s, rid)
    assert stats["by_status"] == {"human": 2, "ai": 1}
    assert (stats["commits"], stats["merges_excluded"], stats["merge_unknown"]) == (3, 1, 1)
    assert stats["ai_commits"] == 1 and stats["ai_commit_share"] == round(1 / 3, 4)


def test_the_migration_passes_over_a_stored_record_sqlite_cannot_read(tmp_path: Path) -> None:
    """Before pushes refused them, a record holding `NaN` was stored as SQLite's JSON text,
    which its JSON functions call malformed: the fill leaves that row not known instead of
    failing the whole upgrade (and the server's start)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO repositories (name, created_at) VALUES ('org/a', 'now')"))
        rid = conn.execute(sa.text("SELECT id FROM repositories")).scalar_one()
        for sha, parents in ((A, [B, C]), (B, [C])):
            record = json.dumps({**_record(sha, parents), "x": float("nan") if sha == A else 1})
            conn.execute(
                sa.text(
                    "INSERT INTO commits (repo_id, sha, committed_at, ai_status, tools, record) "
                    "VALUES (:rid, :sha, '2026-01-02', 'human', '[]', :record)"
                ),
                {"rid": rid, "sha": sha, "record": record},
            )
    upgrade(engine)
    store = Store(engine)
    with store.read() as s:
        merge = dict(s.execute(select(CommitRecord.sha, CommitRecord.is_merge)).all())
        stats = stored_stats(s, rid)
    assert merge == {A: None, B: False}
    assert (stats["commits"], stats["merges_excluded"], stats["merge_unknown"]) == (2, 0, 1)
    store.close()


def test_the_migration_goes_back_down_with_data_in_place(empty_url: str) -> None:
    """`alembic downgrade 0003` after pushes: the column, the index and the stored months go,
    the rows stay, and going up again fills the column again."""
    from alembic import command

    from signoff.store.db import _alembic_config, current_revision

    engine = make_engine(empty_url)
    upgrade(engine)
    store = Store(engine)
    batch = {"schema": PUSH_SCHEMA, "commits": [_record(A, []), _record(B, [A, C])]}
    with store.transaction() as s:
        apply_push(s, "t", "org/a", batch)
    with engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0003")
    assert current_revision(engine) == "0003"
    columns = {c["name"] for c in sa.inspect(engine).get_columns("commits")}
    assert "is_merge" not in columns and "sha" in columns
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM commits")).scalar_one() == 2
    upgrade(engine)
    with store.read() as s:
        merge = dict(s.execute(select(CommitRecord.sha, CommitRecord.is_merge)).all())
    assert merge == {A: False, B: True}
    store.close()
