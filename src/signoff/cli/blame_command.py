"""The typer command `signoff blame`; `signoff.cli.entry` answers the common forms without it."""

from __future__ import annotations

import typer

from signoff.cli.blame import document, render
from signoff.cli.output import emit_json, open_repo
from signoff.query.blame import blame_file


def blame_command(
    path: str = typer.Argument(..., help="A file in the repository."),
    rev: str | None = typer.Option(None, "--rev", help="Blame the file as of this revision."),
    repo: str = typer.Option(".", "--repo", "-C", help="Repository to read."),
    as_json: bool = typer.Option(False, "--json", help="Print the versioned JSON document."),
    no_index: bool = typer.Option(False, "--no-index", help="Detect live; do not use the index."),
) -> None:
    """Like git blame, with provenance columns: who wrote each line, AI or human, which tool."""
    lines = blame_file(open_repo(repo), path, rev=rev, use_index=not no_index)
    if as_json:
        emit_json("blame", document(path, rev, lines))
        return
    render(lines)
