"""The server store on both engines: migrations, the schema check, the hash-chained audit log."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text

from signoff.errors import SignoffError
from signoff.store import auditlog
from signoff.store.db import Store, current_revision, head_revision, make_engine, open_store
from signoff.store.tokens import authenticate, create_token, revoke_token


def test_fresh_database_names_the_upgrade_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    with pytest.raises(SignoffError) as err:
        open_store(url)
    assert "no Signoff schema" in err.value.message
    assert err.value.hint is not None and "signoff db upgrade" in err.value.hint


def test_old_schema_names_the_upgrade_command(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    with pytest.raises(SignoffError) as err:
        open_store(str(store.engine.url.render_as_string(hide_password=False)))
    assert "is at schema 0000" in err.value.message
    assert head_revision() in err.value.message
    assert err.value.hint is not None and "signoff db upgrade" in err.value.hint


def test_migrated_database_opens(store: Store) -> None:
    assert current_revision(store.engine) == head_revision()


def test_not_a_database_url() -> None:
    with pytest.raises(SignoffError) as err:
        make_engine("mysql://x@y/z")
    assert "SQLite or PostgreSQL" in err.value.message


def _chain(store: Store, n: int) -> None:
    for i in range(n):
        with store.transaction() as s:
            auditlog.append(s, "tester", "thing.write", f"thing:{i}", {"i": i, "note": "é"})


def test_audit_chain_verifies(store: Store) -> None:
    _chain(store, 5)
    with store.transaction() as s:
        report = auditlog.verify_chain(s, batch=2)
    assert report.ok, report.problems
    assert report.checked == 5


@pytest.mark.parametrize(
    "tamper, expected",
    [
        (
            "UPDATE audit_log SET subject = 'thing:x' WHERE id = 3",
            "entry 3: its fields were changed",
        ),
        ("DELETE FROM audit_log WHERE id = 2", "entry 3: does not follow entry 1"),
        ("DELETE FROM audit_log WHERE id = 5", "were deleted"),
    ],
)
def test_audit_chain_detects_edits_and_deletions(store: Store, tamper: str, expected: str) -> None:
    _chain(store, 5)
    with store.engine.begin() as conn:
        conn.execute(text(tamper))
    with store.transaction() as s:
        report = auditlog.verify_chain(s)
    assert not report.ok
    assert any(expected in p for p in report.problems), report.problems


def test_audit_entry_lands_only_with_its_write(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as s:
        auditlog.append(s, "tester", "thing.write", "thing:1")
        raise RuntimeError("the write failed")
    with store.transaction() as s:
        report = auditlog.verify_chain(s)
    assert report.ok and report.checked == 0


def test_tokens_scopes_and_grants(store: Store) -> None:
    with store.transaction() as s:
        secret, grant = create_token(s, "ci", ["ingest"], ["org/a"])
        org_secret, _ = create_token(s, "reader", ["read"], None)
    with store.transaction() as s:
        found = authenticate(s, secret)
        assert found is not None and found == grant
        assert found.allows("ingest", "org/a")
        assert not found.allows("ingest", "org/b")
        assert not found.allows("read", "org/a")
        assert not found.allows("ingest", None)
        reader = authenticate(s, org_secret)
        assert reader is not None and reader.allows("read", "org/b")
        assert reader.allows("read", None) and not reader.allows("ingest", "org/b")
        assert authenticate(s, secret + "x") is None
        revoke_token(s, grant.token_id)
    with store.transaction() as s:
        assert authenticate(s, secret) is None
        report = auditlog.verify_chain(s)
    assert report.ok and report.checked == 3


def test_bad_scope_is_refused(store: Store) -> None:
    with pytest.raises(SignoffError) as err, store.transaction() as s:
        create_token(s, "x", ["write"], None)
    assert "unknown scope 'write'" in err.value.message


def test_jobs_are_claimed_once_each(store: Store) -> None:
    from signoff.store import jobs

    with store.transaction() as s:
        ids = [jobs.enqueue(s, "metrics", {"n": i}) for i in range(3)]
    claimed: list[int] = []
    # two claimers, each in an open transaction at the same time: neither gets the other's job
    with store.transaction() as a:
        first = jobs.claim(a, "worker-a")
        assert first is not None
        claimed.append(first.id)
        if store.dialect == "postgresql":
            with store.transaction() as b:
                second = jobs.claim(b, "worker-b")
                assert second is not None and second.id != first.id
                claimed.append(second.id)
    with store.transaction() as s:
        while (job := jobs.claim(s, "worker-c")) is not None:
            claimed.append(job.id)
            jobs.finish(s, job.id, "worker-c", jobs.Outcome({"ok": True}))
    assert sorted(claimed) == ids


def test_the_same_final_push_twice_at_once_moves_the_ref_once(store: Store) -> None:
    """A holds its transaction open while B arrives with the same push; B must wait, then see
    A's ref and record nothing (on PostgreSQL B's insert waits on A's uncommitted row)."""
    import threading

    from signoff.store.ingest import PUSH_SCHEMA, apply_push
    from signoff.store.models import RefUpdate

    final = {
        "schema": PUSH_SCHEMA,
        "commits": [],
        "final": True,
        "ref": "refs/heads/main",
        "old_tip": None,
        "new_tip": "a" * 40,
    }
    results: list[object] = []
    with store.transaction() as a:
        apply_push(a, "a", "org/a", final)

        def second() -> None:
            with store.transaction() as b:
                results.append(apply_push(b, "b", "org/a", final).ref_moved)

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive()  # B waits for A
    thread.join(30)
    assert results == [False]
    with store.transaction() as s:
        assert len(s.execute(select(RefUpdate)).scalars().all()) == 1


def test_a_read_neither_waits_for_a_push_nor_holds_one_up(store: Store) -> None:
    """While a push's transaction is open, a read answers at once from what was committed, and a
    push that starts while a read is open goes through; a write in a read fails on both engines."""
    import threading

    from sqlalchemy.exc import DBAPIError

    from signoff.store.ingest import PUSH_SCHEMA, apply_push
    from signoff.store.models import Repository

    def batch(sha: str) -> dict[str, object]:
        return {"schema": PUSH_SCHEMA, "commits": [{"commit": sha}], "final": False}

    def names() -> list[str]:
        with store.read() as r:
            return sorted(r.execute(select(Repository.name)).scalars())

    with store.transaction() as s:
        apply_push(s, "a", "org/a", batch("a" * 40))
    with store.transaction() as w:
        apply_push(w, "b", "org/b", batch("b" * 40))
        seen: list[list[str]] = []
        reader = threading.Thread(target=lambda: seen.append(names()))
        reader.start()
        reader.join(5)
        assert not reader.is_alive()  # it did not wait for the open push
        assert seen == [["org/a"]]  # and saw only what was committed
    with store.read() as r:
        assert r.execute(select(Repository.name)).scalars().all()
        pushed: list[int] = []

        def push() -> None:
            with store.transaction() as w:
                pushed.append(apply_push(w, "c", "org/c", batch("c" * 40)).commits)

        writer = threading.Thread(target=push)
        writer.start()
        writer.join(5)
        assert not writer.is_alive() and pushed == [1]  # the open read held nothing up
    assert names() == ["org/a", "org/b", "org/c"]
    with pytest.raises(DBAPIError, match=r"read-only|readonly"), store.read() as r:
        r.execute(text("DELETE FROM repositories"))
    assert names() == ["org/a", "org/b", "org/c"]
