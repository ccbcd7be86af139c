"""The typer command `signoff explain`; `signoff.cli.entry` answers the common forms without it."""

from __future__ import annotations

import typer

from signoff.cli.explain import render
from signoff.cli.output import emit_json, open_repo
from signoff.query.explain import explain


def explain_command(
    target: str = typer.Argument(..., help="A commit, a range A..B, a file, or file:line[-line]."),
    repo: str = typer.Option(".", "--repo", "-C", help="Repository to read."),
    as_json: bool = typer.Option(False, "--json", help="Print the versioned JSON document."),
    no_index: bool = typer.Option(
        False, "--no-index", help="Detect live; do not use or update the index."
    ),
    limit: int = typer.Option(
        200, "--limit", "-n", help="At most this many commits for a range or file."
    ),
) -> None:
    """Was TARGET AI-generated, by which tool, who accepted it, how was it reviewed, who owns it."""
    result = explain(open_repo(repo), target, use_index=not no_index, limit=limit)
    if as_json:
        emit_json("explain", result.to_json(), long_list="commits")
        return
    render(result)
