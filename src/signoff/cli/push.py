"""`signoff push --server URL`: upload this repository's new records (a CI step)."""

from __future__ import annotations

import sys

import typer

from signoff.cli.output import emit_json, open_repo


def register(app: typer.Typer) -> None:
    app.command("push")(push_command)


def push_command(
    server: str = typer.Option(
        ..., "--server", envvar="SIGNOFF_SERVER", show_envvar=True, help="The server's address."
    ),
    repository: str | None = typer.Option(
        None,
        "--repository",
        help="ORG/NAME on the server (default: the CI job's, GITHUB_REPOSITORY or CI_PROJECT_PATH).",
    ),
    ref: str | None = typer.Option(None, "--ref", help="Branch to record (default: current)."),
    batch_size: int = typer.Option(
        1000, "--batch-size", min=1, max=5000, help="Commits per request."
    ),
    repo: str = typer.Option(".", "--repo", "-C", help="Repository to push."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Send new provenance records, gate results, incidents, policy and budget (token from
    SIGNOFF_TOKEN). Pushing twice stores once."""
    from signoff.server.client import Client
    from signoff.server.push import push, repository_name

    r = open_repo(repo)
    result = push(r, Client(server), repository_name(repository), ref=ref, batch_size=batch_size)
    if as_json:
        emit_json("push", result.to_json())
        return
    stored = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in result.stored.items() if v)
    sys.stdout.write(
        f"{result.repository} {result.ref} at {result.tip[:10]}: {result.sent} commit records "
        f"sent in {result.batches} batches; new on the server: {stored or 'nothing'}"
        + (" (the branch was rewritten; recorded as such)" if result.rewritten else "")
        + "\n"
    )
