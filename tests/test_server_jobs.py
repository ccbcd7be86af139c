"""Jobs that run (leases, retries, two workers) and the organisation's audit pack, on both
engines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sqlalchemy import select

from signoff.audit.pack import verify_manifest
from signoff.server.app import Settings
from signoff.server.client import Client
from signoff.server.work import AUDIT, HANDLERS, METRICS
from signoff.store import auditlog, jobs
from signoff.store.db import Store
from signoff.store.models import AuditEntry, Job
from tests.gitrepo import GitRepo, run_signoff
from tests.test_server import AI, Running, _cli_json, serving


def _wait_done(client: Client, job: int, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state: dict[str, Any] = client.get(f"/api/v1/jobs/{job}")
        if state["status"] in ("done", "failed"):
            return state
        time.sleep(0.1)
    raise AssertionError(f"job {job} did not finish")


def test_a_failing_job_is_retried_later_then_marked_failed(store: Store) -> None:
    with store.transaction() as s:
        job_id = jobs.enqueue(s, AUDIT, {"since": 1}, max_attempts=2)  # not dates: fails
    assert jobs.run_one(store, HANDLERS, "w1") == job_id
    with store.transaction() as s:
        job = s.get(Job, job_id)
        assert job is not None
        assert (job.status, job.attempts) == ("queued", 1)
        assert "since and until" in (job.error or "")
        assert job.run_after > jobs.now_iso()  # backed off: not claimable yet
    assert jobs.run_one(store, HANDLERS, "w1") is None
    with store.transaction() as s:
        s.get(Job, job_id).run_after = jobs.now_iso()  # type: ignore[union-attr]
    assert jobs.run_one(store, HANDLERS, "w2") == job_id
    with store.transaction() as s:
        job = s.get(Job, job_id)
        assert job is not None and (job.status, job.attempts) == ("failed", 2)


def test_a_dead_workers_job_is_claimed_again_after_its_lease(store: Store) -> None:
    with store.transaction() as s:
        job_id = jobs.enqueue(s, METRICS, {})
    with store.transaction() as s:
        held = jobs.claim(s, "dies", lease=60)
        assert held is not None and held.id == job_id
    with store.transaction() as s:
        assert jobs.claim(s, "other") is None  # leased: nobody else takes it
        s.get(Job, job_id).lease_until = jobs.now_iso()  # type: ignore[union-attr]
    assert jobs.run_one(store, HANDLERS, "other") == job_id  # the lease passed: reclaimed
    with store.transaction() as s:
        # the first worker comes back late: its outcome is refused, nothing written twice
        assert not jobs.finish(s, job_id, "dies", jobs.Outcome({"late": True}))
        job = s.get(Job, job_id)
        assert job is not None and job.status == "done" and job.locked_by == "other"
        assert job.result["commits"] == 0
        done = s.execute(select(AuditEntry).where(AuditEntry.action == "job.done")).all()
        assert len(done) == 1


def test_two_workers_run_each_job_exactly_once(store: Store, database_url: str) -> None:
    with store.transaction() as s:
        ids = [jobs.enqueue(s, METRICS, {}) for _ in range(24)]
    env = {**os.environ, "SIGNOFF_DATABASE_URL": database_url}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "signoff", "worker", "--once"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    ran = []
    for p in procs:
        _out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        ran.append(int(err.split("signoff worker: ")[1].split()[0]))
    assert sum(ran) == len(ids)
    with store.transaction() as s:
        rows = s.execute(select(Job.status, Job.attempts).where(Job.id.in_(ids))).all()
        assert set(rows) == {("done", 1)}
        done = s.execute(
            select(AuditEntry.subject).where(AuditEntry.action == "job.done")
        ).scalars()
        assert sorted(done) == sorted(f"job:{i}" for i in ids)  # each once, none twice
        assert auditlog.verify_chain(s).ok


def _history(repo: GitRepo) -> None:
    """A main line with an AI-assisted commit, a human one and a merged AI-assisted branch."""
    repo.commit("init", {"README.md": "hello\n"}, date="2026-01-02T10:00:00+00:00")
    repo.commit(AI, {"src/a.py": "a = 1\nb = 2\n"}, date="2026-01-03T10:00:00+00:00")
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit(AI, {"src/b.py": "c = 3\n"}, date="2026-01-04T10:00:00+00:00")
    repo.git("checkout", "-q", "main")
    repo.commit("Human fix\n\nReviewed-by: Bo <bo@example.com>\n", {"src/c.py": "d\n"},
                date="2026-01-05T10:00:00+00:00")  # fmt: skip
    repo.git(
        "merge", "-q", "--no-ff", "topic", "-m", "Merge pull request #7 from topic",
        env={"GIT_COMMITTER_DATE": "2026-01-06T10:00:00+00:00",
             "GIT_AUTHOR_DATE": "2026-01-06T10:00:00+00:00"},
    )  # fmt: skip


def test_organisation_audit_pack_from_pushed_records(
    store: Store, database_url: str, repo: GitRepo, tmp_path: Path
) -> None:
    _history(repo)
    with serving(Settings(store, "s", run_jobs=True)) as url:
        server = Running(url, store, database_url)
        env = {"SIGNOFF_TOKEN": server.token(["admin"])}
        pushed = run_signoff(repo, "push", "--server", url, "--repository", "org/a", env=env)
        assert pushed.returncode == 0, pushed.stderr
        added = run_signoff(
            repo, "server", "repo", "add", "org/never", "--database-url", database_url
        )
        assert added.returncode == 0, added.stderr
        out = tmp_path / "pack"
        ran = run_signoff(
            repo, "audit", "--server", url, "--since", "2026-01-01", "--until", "2026-01-31",
            "--out", str(out), "--json", env=env,
        )  # fmt: skip
        assert ran.returncode == 0, ran.stderr
        # a repository-scoped token cannot ask for the whole organisation
        scoped = {"SIGNOFF_TOKEN": server.token(["read"], ["org/a"])}
        refused = run_signoff(
            repo, "audit", "--server", url, "--since", "2026-01-01", "--until", "2026-01-31",
            "--out", str(tmp_path / "no"), env=scoped,
        )  # fmt: skip
        assert refused.returncode == 2 and "403" in refused.stderr
    summary = json.loads(ran.stdout)
    schemas = Path(__file__).resolve().parent.parent / "docs" / "schemas"
    jsonschema.validate(summary, json.loads((schemas / "audit-organisation-v1.json").read_text()))
    assert (summary["repositories"], summary["included"]) == (2, 1)
    assert summary["not_included"] == [{"repository": "org/never", "reason": "never pushed"}]
    assert any("org/never (never pushed)" in line for line in summary["limitations"])
    assert verify_manifest(out) == []
    assert verify_manifest(out / "repositories" / "org" / "a") == []
    (out / "repositories" / "org" / "a" / "metrics.json").write_text("{}")
    assert verify_manifest(out) == [
        "repositories/org/a/metrics.json changed since the pack was written"
    ]
    # the same audit library over the clone: same changes, same headline figures
    local = run_signoff(
        repo, "audit", "--since", "2026-01-01", "--until", "2026-01-31",
        "--out", str(tmp_path / "local"), "--json",
    )  # fmt: skip
    assert local.returncode == 0, local.stderr
    mine = json.loads((out / "repositories" / "org" / "a" / "population.json").read_text())
    theirs = json.loads((tmp_path / "local" / "population.json").read_text())
    keys = ("id", "kind", "members", "ai_status", "tools", "approvals", "pull_request",
            "ai_attributed_lines", "ai_assisted_unrecorded_lines")  # fmt: skip
    assert [{k: c[k] for k in keys} for c in mine["changes"]] == [
        {k: c[k] for k in keys} for c in theirs["changes"]
    ]
    assert [c["kind"] for c in mine["changes"]] == ["merge", "commit", "commit", "commit"]
    headline = json.loads((out / "metrics.json").read_text())["headline"]
    expected = json.loads(local.stdout)["headline"]
    assert headline == expected  # one repository: the organisation's figures are its own
    org = json.loads((out / "repositories.json").read_text())
    assert org["schema"] == "signoff/audit-repositories/v1"
    assert [r["repository"] for r in org["repositories"]] == ["org/a", "org/never"]
    assert "deleted-line counts" in json.loads((out / "audit.json").read_text())["limitations"][0]


def test_organisation_metrics_job(store: Store, database_url: str, repo: GitRepo) -> None:
    with serving(Settings(store, "s")) as url:
        _metrics_job(Running(url, store, database_url), repo)


def _metrics_job(server: Running, repo: GitRepo) -> None:
    _history(repo)
    admin = Client(server.url, token=server.token(["admin"]))
    pushed = run_signoff(
        repo, "push", "--server", server.url, "--repository", "org/a",
        env={"SIGNOFF_TOKEN": admin.token or ""},
    )  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr
    # the push queued the recomputation; asking again names the same waiting job
    job = admin.post("/api/v1/org/metrics", {})["job"]
    assert admin.get(f"/api/v1/jobs/{job}")["status"] == "queued"
    assert admin.post("/api/v1/org/metrics", {})["job"] == job
    # this server runs no worker: the job waits until one claims it
    assert jobs.run_one(server.store, HANDLERS, "w") == job
    state = _wait_done(admin, job)
    local = _cli_json(repo, "stats")  # merges apart, as `signoff stats` counts them
    assert (local["commits"], local["merges_excluded"]) == (4, 1)
    assert state["status"] == "done" and state["result"]["commits"] == local["commits"]
    assert state["result"]["merges_excluded"] == local["merges_excluded"]
    assert state["result"]["figures"]["recomputed"] == 1  # the dashboard's stored figures
    # asked again with nothing new pushed, the figures are not computed twice
    again = admin.post("/api/v1/org/metrics", {})["job"]
    deadline = time.monotonic() + 20
    while (ran := jobs.run_one(server.store, HANDLERS, "w")) is None:
        assert time.monotonic() < deadline, admin.get(f"/api/v1/jobs/{again}")
        time.sleep(0.2)
    assert ran == again
    assert _wait_done(admin, again)["result"]["figures"]["recomputed"] == 0
    doc = admin.get("/api/v1/org/metrics")
    assert doc["totals"]["commits"] == 4 and doc["totals"]["ai_assisted_commits"] == 2
    (a,) = doc["repositories"]
    assert a["by_status"] == local["by_status"] and a["merges_excluded"] == 1
    assert a["ai_assisted_unrecorded_lines"] == local["ai_assisted_unrecorded_lines"] == 3
    # the months are summed from the stored figures; every commit here is dated in its month
    assert [(m["month"], m["commits"], m["ai_assisted_commits"]) for m in doc["by_month"]] == [
        (m["month"], m["commits"], m["ai_commits"]) for m in local["by_month"]
    ]
    reader = Client(server.url, token=server.token(["read"], ["org/a"]))
    with pytest.raises(Exception, match="403"):
        reader.get("/api/v1/org/metrics")


def test_a_running_job_keeps_its_lease(store: Store) -> None:
    """A job longer than its lease is not taken over while its worker lives (heartbeat)."""
    import threading

    seen: list[str | None] = []

    def slow(st: Store, _payload: dict[str, Any]) -> jobs.Outcome:
        time.sleep(6)  # two and a half lease lengths
        with st.transaction() as s:
            seen.append(jobs.claim(s, "thief") and "stolen")
        return jobs.Outcome({"ok": True})

    with store.transaction() as s:
        job_id = jobs.enqueue(s, "slow", {})
    ran = threading.Thread(target=jobs.run_one, args=(store, {"slow": slow}, "w", 2.4))
    ran.start()
    ran.join(60)
    assert seen == [None]
    with store.transaction() as s:
        job = s.get(Job, job_id)
        assert job is not None and (job.status, job.attempts) == ("done", 1)
