"""`signoff serve` and `signoff server ...`: the organisation's server and its administration."""

from __future__ import annotations

import sys

import typer

from signoff.cli.db import DATABASE_URL
from signoff.cli.output import console, emit_json, escape

server_app = typer.Typer(
    help="Administer the server's database: tokens, repositories, the audit log.",
    no_args_is_help=True,
)
token_app = typer.Typer(help="API tokens with scopes and repository grants.", no_args_is_help=True)
repo_app = typer.Typer(help="Repositories known to the server.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
    app.command("worker")(worker_command)
    server_app.add_typer(token_app, name="token")
    server_app.add_typer(repo_app, name="repo")
    app.add_typer(server_app, name="server")


def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    database_url: str | None = DATABASE_URL,
    webhook_secret: str | None = typer.Option(
        None,
        "--webhook-secret",
        envvar="SIGNOFF_WEBHOOK_SECRET",
        show_envvar=True,
        help="Secret the forge signs webhooks with (GitHub) or sends (GitLab).",
    ),
    workers: int = typer.Option(1, "--workers", help="Server processes (PostgreSQL for > 1)."),
    jobs: bool = typer.Option(
        True,
        "--jobs/--no-jobs",
        help="Run queued jobs (metrics, audit packs) in each server process; --no-jobs when "
        "`signoff worker` processes run them.",
    ),
) -> None:
    """Run the web server: JSON API (/docs), forge webhooks and pages."""
    import os

    import uvicorn

    from signoff.store.db import open_store

    store = open_store(database_url)  # stops here, naming `signoff db upgrade`, when not current
    if workers > 1 and store.dialect == "sqlite":
        store.close()
        from signoff.errors import SignoffError

        raise SignoffError(
            "several worker processes need PostgreSQL", "give --database-url postgresql://..."
        )
    store.close()
    if database_url:
        os.environ["SIGNOFF_DATABASE_URL"] = database_url
    if webhook_secret:
        os.environ["SIGNOFF_WEBHOOK_SECRET"] = webhook_secret
    os.environ["SIGNOFF_SERVE_JOBS"] = "1" if jobs else "0"
    sys.stderr.write(f"signoff serve: http://{host}:{port}/ (API description at /docs)\n")
    uvicorn.run(
        "signoff.server.main:app",
        host=host,
        port=port,
        workers=workers,
        factory=True,
        log_level="warning",
    )


def worker_command(
    database_url: str | None = DATABASE_URL,
    once: bool = typer.Option(False, "--once", help="Run the jobs queued now, then exit."),
    poll: float = typer.Option(1.0, "--poll", min=0.05, help="Seconds between looks at the queue."),
) -> None:
    """Run queued jobs (organisation metrics, audit packs) until stopped; any number of workers
    share one PostgreSQL queue."""
    import signal
    import threading

    from signoff.server.work import HANDLERS
    from signoff.store.db import open_store
    from signoff.store.jobs import run_worker

    store = open_store(database_url)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        ran = run_worker(store, HANDLERS, stop, poll=poll, once=once)
    except KeyboardInterrupt:
        ran = -1
    finally:
        store.close()
    if ran >= 0:
        sys.stderr.write(f"signoff worker: {ran} jobs run\n")


@token_app.command("create")
def token_create(
    name: str = typer.Option(..., "--name", help="What the token is for, e.g. ci-payments."),
    scope: list[str] = typer.Option(
        ..., "--scope", help="read, ingest or admin (repeatable; admin implies the others)."
    ),
    repository: list[str] = typer.Option(
        [], "--repository", help="Only this repository, ORG/NAME (repeatable; default: all)."
    ),
    database_url: str | None = DATABASE_URL,
) -> None:
    """Create a token; its secret is printed once (only a hash of it is stored)."""
    from signoff.store.db import open_store
    from signoff.store.tokens import create_token

    store = open_store(database_url)
    try:
        with store.transaction() as s:
            secret, grant = create_token(s, name, scope, repository or None)
    finally:
        store.close()
    sys.stderr.write(
        f"token {grant.token_id} ({name}): {', '.join(sorted(grant.scopes))} on "
        f"{', '.join(sorted(grant.repositories)) if grant.repositories else 'every repository'}"
        "\nshown once: keep it in your CI's secrets as SIGNOFF_TOKEN\n"
    )
    sys.stdout.write(secret + "\n")


@token_app.command("list")
def token_list(
    database_url: str | None = DATABASE_URL,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Tokens with their scopes and grants (never their secrets)."""
    from signoff.store.db import open_store
    from signoff.store.tokens import list_tokens

    store = open_store(database_url)
    try:
        with store.transaction() as s:
            tokens = list_tokens(s)
    finally:
        store.close()
    if as_json:
        emit_json("server-tokens", {"tokens": tokens})
        return
    for t in tokens:
        state = f"revoked {t['revoked_at']}" if t["revoked_at"] else "live"
        repos = ", ".join(t["repositories"]) if t["repositories"] else "every repository"
        console.print(
            f"{t['id']}  {escape(t['name'])}  {', '.join(t['scopes'])}  {escape(repos)}  {state}"
        )


@token_app.command("revoke")
def token_revoke(
    token_id: int = typer.Argument(..., help="The token's number (`signoff server token list`)."),
    database_url: str | None = DATABASE_URL,
) -> None:
    """Revoke a token: requests carrying it are refused from now on."""
    from signoff.store.db import open_store
    from signoff.store.tokens import revoke_token

    store = open_store(database_url)
    try:
        with store.transaction() as s:
            revoke_token(s, token_id)
    finally:
        store.close()
    console.print(f"token {token_id} revoked")


@repo_app.command("add")
def repo_add(
    name: str = typer.Argument(..., help="ORG/NAME, as the forge names it."),
    path: str | None = typer.Option(
        None, "--path", help="A clone on this machine: file:line, owners and stats read it."
    ),
    database_url: str | None = DATABASE_URL,
) -> None:
    """Register a repository (pushes register it too), optionally with a clone on disk."""
    from signoff.git.repo import Repo
    from signoff.store import auditlog
    from signoff.store.db import open_store
    from signoff.store.ingest import repository

    root = str(Repo.discover(path).root) if path else None
    store = open_store(database_url)
    try:
        with store.transaction() as s:
            row = repository(s, name, create=True)
            assert row is not None
            row.path = root
            auditlog.append(s, "cli", "repository.add", f"repository:{name}", {"path": root})
            if root:  # the decay page reads what the decay job stored for the clone
                from signoff.store.organisation import queue_decay

                queue_decay(s, "cli")
    finally:
        store.close()
    console.print(f"{escape(name)}" + (f": clone at {escape(root)}" if root else ""))
