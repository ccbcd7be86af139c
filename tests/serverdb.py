"""Databases for the server tests: a SQLite file, and a throwaway PostgreSQL cluster.

The cluster is started once per test session (per xdist worker) in a temporary folder on a free
port, as the `postgres` user when the tests run as root (`initdb` refuses root; CI runs as root).
Each test gets its own database, copied from a template that was migrated once, so a test costs a
`CREATE DATABASE`, not a migration. Without PostgreSQL the tests say why they skip; under CI
(`CI=true`) they fail instead, so a green CI run always covered both engines.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from signoff.store.db import Store, make_engine, upgrade

ENGINES = ["sqlite", "postgresql"]


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(f"PostgreSQL not available: {reason} (`make test` installs Debian's postgresql)")


class Cluster:
    """A running PostgreSQL cluster with a migrated template database."""

    def __init__(self, bindir: Path, folder: Path, as_postgres: bool) -> None:
        self.bindir = bindir
        self.folder = folder
        self.data = folder / "data"
        self.port = _free_port()
        self.as_postgres = as_postgres
        self.template = "signoff_template"

    def _run(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, timeout=120)

    def start(self) -> None:
        proc = self._run("initdb", "-A", "trust", "-U", "postgres", "-E", "UTF8", str(self.data))
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr.decode(errors="replace")[-500:])
        opts = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        opts += " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        proc = self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            opts,
            "-l",
            str(self.folder / "log"),
            "-w",
            "start",
        )
        if proc.returncode != 0:
            log = (self.folder / "log").read_text(errors="replace")[-500:]
            raise RuntimeError(proc.stderr.decode(errors="replace")[-300:] + log)
        self.execute(f"CREATE DATABASE {self.template}")
        engine = make_engine(self.url(self.template))
        upgrade(engine)
        engine.dispose()

    def url(self, name: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def new_database(self) -> str:
        name = "t_" + uuid.uuid4().hex[:16]
        self.execute(f"CREATE DATABASE {name} TEMPLATE {self.template}")
        return self.url(name)

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster | str]:
    """The session's cluster, or the reason there is none (reported by each test that needs it)."""
    bindir = _pg_bin()
    if bindir is None:
        yield "initdb not found"
        return
    as_postgres = os.geteuid() == 0
    if as_postgres and shutil.which("runuser") is None:
        yield "running as root without runuser to start PostgreSQL as `postgres`"
        return
    folder = Path(tempfile.mkdtemp(prefix="signoff-pg-"))
    if as_postgres:
        try:
            shutil.chown(folder, "postgres", "postgres")
        except (LookupError, PermissionError) as exc:
            yield f"cannot hand a folder to the postgres user: {exc}"
            return
    cluster = Cluster(bindir, folder, as_postgres)
    started = time.monotonic()
    try:
        cluster.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        cluster.stop()
        yield f"could not start a cluster: {exc}"
        return
    os.environ["SIGNOFF_TEST_PG_START_SECONDS"] = f"{time.monotonic() - started:.1f}"
    yield cluster
    cluster.stop()


@pytest.fixture(params=ENGINES)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, pg_cluster: Cluster | str
) -> Iterator[str]:
    """An empty, migrated database on each engine."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'server.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    if isinstance(pg_cluster, str):
        _unavailable(pg_cluster)
    assert isinstance(pg_cluster, Cluster)
    yield pg_cluster.new_database()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    s = Store(make_engine(database_url))
    yield s
    s.close()
