"""Opening the server's database: where it is, its engine, and whether its schema is current.

SQLite (a file in the user's data folder) unless a URL is given (`--database-url` or
`SIGNOFF_DATABASE_URL`); `postgresql://` URLs use psycopg 3. The schema is alembic's: `signoff db
upgrade` applies the migrations, and opening a database whose schema is older (or empty) stops
with the command to run, never a half-working server.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from signoff.errors import SignoffError

ENV_URL = "SIGNOFF_DATABASE_URL"
READ_ONLY = "signoff_read_only"  # execution option of the engine behind `Store.read()`
MIGRATIONS = Path(__file__).with_name("migrations")


def default_url() -> str:
    """The URL from the environment, else a SQLite file in the user's data folder."""
    env = os.environ.get(ENV_URL)
    if env:
        return env
    from platformdirs import user_data_path

    return f"sqlite:///{user_data_path('signoff') / 'server.db'}"


def normalise_url(url: str) -> str:
    """`postgresql://` means psycopg 3 (SQLAlchemy's default driver would be psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def shown(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unreadable URL>"


def make_engine(url: str | None = None) -> Engine:
    """An engine for `url` (default: `default_url()`), SQLite set up for several processes."""
    raw = normalise_url(url or default_url())
    try:
        parsed = make_url(raw)
    except ArgumentError:
        raise SignoffError(
            f"{raw!r} is not a database URL",
            "give sqlite:///PATH or postgresql://USER@HOST:PORT/NAME",
        ) from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(raw, connect_args={"timeout": 30})
        _sqlite_begin(engine)
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise SignoffError(
            f"{shown(raw)}: Signoff stores in SQLite or PostgreSQL only",
            "give sqlite:///PATH or postgresql://USER@HOST:PORT/NAME",
        )
    engine = create_engine(raw, pool_pre_ping=True)
    _postgresql_read_only(engine)
    return engine


def _sqlite_begin(engine: Engine) -> None:
    """A SQLite transaction that may write takes the write lock when it begins (BEGIN
    IMMEDIATE), so two processes never both read then fail to write. A read-only one
    (`Store.read()`) begins deferred: in WAL mode it reads a snapshot, never waits for a
    writer and never holds one up; `query_only` makes a write in it fail at once instead of
    upgrading the lock half-way."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("PRAGMA query_only=ON")
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("PRAGMA query_only=OFF")
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def _postgresql_read_only(engine: Engine) -> None:
    """A `Store.read()` transaction is READ ONLY on PostgreSQL too: a write in it fails on both
    engines alike (reads never wait on writers there anyway). It is REPEATABLE READ, so all its
    statements see one snapshot, as SQLite's WAL reader does: figures computed in one agree
    with the source they are stored under."""

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None: no Signoff schema yet)."""
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except OperationalError as exc:
        raise SignoffError(
            f"cannot open the database {shown(str(engine.url))}: {exc.orig}",
            "check the URL, that the server is running and the user may connect",
        ) from None


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Apply the migrations up to `revision`; returns (before, after)."""
    from alembic import command

    before = current_revision(engine)
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), revision)
    return before, current_revision(engine) or ""


def require_current(engine: Engine, url_flag: str = "") -> None:
    """Refuse a database whose schema is not this version's, naming the command to run."""
    now, head = current_revision(engine), head_revision()
    if now == head:
        return
    fix = f"run `signoff db upgrade{url_flag}`"
    if now is None:
        raise SignoffError(
            f"the database {shown(str(engine.url))} has no Signoff schema yet", fix + " first"
        )
    raise SignoffError(
        f"the database {shown(str(engine.url))} is at schema {now}; this Signoff needs {head}",
        fix + " (back up the database first)",
    )


class Store:
    """An engine plus its session factory: the one handle the server and the CLI pass around."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.readers = sessionmaker(
            engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back entirely on any error."""
        with self.sessions.begin() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """One read-only transaction, for pages and API reads: on SQLite it neither waits for
        a push's write lock nor takes it (see `_sqlite_begin`); a write in it fails."""
        with self.readers.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str | None = None, *, check: bool = True) -> Store:
    """The store at `url` (default: environment, then the data folder), schema checked."""
    engine = make_engine(url)
    if check:
        require_current(engine, f" --database-url {shown(url)}" if url else "")
    return Store(engine)


def now_iso() -> str:
    """UTC now as ISO 8601 text (stored as text: identical on both engines, and hashable)."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")
