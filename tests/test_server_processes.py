"""Two `signoff serve` processes on one PostgreSQL: no state of their own, one store."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from signoff.git.repo import Repo
from signoff.server.client import Client
from signoff.server.push import push
from signoff.store import auditlog
from signoff.store.db import Store, make_engine
from signoff.store.models import CommitRecord
from signoff.store.tokens import create_token
from tests.gitrepo import GitRepo, run_signoff
from tests.serverdb import Cluster, _free_port, _unavailable


def _wait(url: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(
                f"signoff serve exited: {proc.stderr.read() if proc.stderr else ''}"
            )
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("signoff serve did not answer")


@pytest.fixture
def two_servers(pg_cluster: Cluster | str) -> Iterator[tuple[list[str], Store]]:
    if isinstance(pg_cluster, str):
        _unavailable(pg_cluster)
    assert isinstance(pg_cluster, Cluster)
    url = pg_cluster.new_database()
    procs, urls = [], []
    for _ in range(2):
        port = _free_port()
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "signoff", "serve", "--port", str(port)],
                env={**os.environ, "SIGNOFF_DATABASE_URL": url, "SIGNOFF_WEBHOOK_SECRET": "s"},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    store = Store(make_engine(url))
    try:
        for u, p in zip(urls, procs, strict=True):
            _wait(u, p)
        yield urls, store
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)
        store.close()


def test_two_server_processes_share_one_database(
    two_servers: tuple[list[str], Store], repo: GitRepo
) -> None:
    urls, store = two_servers
    for i in range(20):
        repo.commit(f"change {i}", {f"f{i}.txt": f"{i}\n"})
    with store.transaction() as s:
        token, _ = create_token(s, "ci", ["ingest", "read"], None)
    r = Repo.discover(repo.path)
    assert run_signoff(repo, "index").returncode == 0  # both pushes read one built index
    # the same push through both processes at once: each record stored once
    with ThreadPoolExecutor(2) as pool:
        results = list(
            pool.map(
                lambda u: _push_or_race(r, Client(u, token=token)),
                urls,
            )
        )
    assert any(results)
    with store.transaction() as s:
        assert s.execute(select(func.count()).select_from(CommitRecord)).scalar_one() == 20
        assert auditlog.verify_chain(s).ok
    # what one process stored, the other answers
    for u in urls:
        assert Client(u, token=token).get("/api/v1/repos/org/a/stats")["commits"] == 20


def _push_or_race(r: Repo, client: Client) -> bool:
    from signoff.errors import SignoffError

    try:
        push(r, client, "org/a", batch_size=3)
    except SignoffError as exc:
        assert "again" in (exc.hint or "")  # lost the race for the ref: told to push again
        return False
    return True
