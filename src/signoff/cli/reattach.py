"""`signoff reattach --base REF --head REF`: a merged pull request's line records, carried onto
the commit(s) the forge made of it (squash or rebase merge), by content. Run it in CI."""

from __future__ import annotations

import typer

from signoff.cli.output import console, emit_json, escape, open_repo, short


def register(app: typer.Typer) -> None:
    app.command("reattach")(reattach_command)


def reattach_command(
    base: str = typer.Option(
        ..., "--base", help="The merged commit on the base branch (a branch name works too)."
    ),
    head: str = typer.Option(..., "--head", help="The pull request's head commit."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Say what would be written; write nothing."
    ),
    repo: str = typer.Option(".", "--repo", "-C", help="Repository to work in."),
    as_json: bool = typer.Option(False, "--json", help="Print the versioned JSON document."),
) -> None:
    """Map a pull request's line records onto its squash or rebase merge (by content hash).

    Writes to refs/notes/signoff locally; share them with `signoff notes sync`.
    """
    from signoff.recording.reattach import reattach

    r = open_repo(repo)
    result = reattach(r, base, head, write=not dry_run)
    if as_json:
        emit_json("reattach", result.to_json())
        return
    if result.reason:
        console.print(escape(result.reason))
    for entry in result.results:
        sources = ", ".join(short(s) for s in entry["from"])
        console.print(
            f"{short(entry['target'])}: {entry['status']}: {entry['carried_lines']} lines carried, "
            f"{entry['dropped_lines']} dropped (from {escape(sources)})"
        )
