"""`signoff db upgrade`: bring the server's database to this version's schema (alembic)."""

from __future__ import annotations

import typer

from signoff.cli.output import console

db_app = typer.Typer(
    help="The server's database: create or migrate its schema.", no_args_is_help=True
)

DATABASE_URL = typer.Option(
    None,
    "--database-url",
    envvar="SIGNOFF_DATABASE_URL",
    help="sqlite:///PATH or postgresql://USER@HOST:PORT/NAME (default: a SQLite file in the "
    "user's data folder).",
    show_envvar=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade_command(database_url: str | None = DATABASE_URL) -> None:
    """Apply the migrations this version needs (creates the schema in an empty database)."""
    from signoff.store.db import make_engine, shown, upgrade

    engine = make_engine(database_url)
    try:
        before, after = upgrade(engine)
    finally:
        engine.dispose()
    where = shown(str(engine.url))
    if before == after:
        console.print(f"{where}: already at schema {after}")
    else:
        console.print(f"{where}: schema {before or 'none'} -> {after}")


@db_app.command("current")
def current_command(database_url: str | None = DATABASE_URL) -> None:
    """Print the schema revision the database is at, and the one this version needs."""
    from signoff.store.db import current_revision, head_revision, make_engine, shown

    engine = make_engine(database_url)
    try:
        now = current_revision(engine)
    finally:
        engine.dispose()
    console.print(f"{shown(str(engine.url))}: at {now or 'none'}, needs {head_revision()}")
    if now != head_revision():
        raise typer.Exit(1)
