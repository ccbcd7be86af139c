"""`signoff blame FILE`."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from signoff.cli.output import console, emit_json, open_repo, short, status_text
from signoff.query.blame import blame_file


def register(app: typer.Typer) -> None:
    app.command("blame")(blame_command)


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
        emit_json("blame", {"path": path, "rev": rev, "lines": [line.to_json() for line in lines]})
        return
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
    for col in ("commit", "author", "tool", "source", "line", ""):
        table.add_column(col, no_wrap=col != "")
    for line in lines:
        tool = ""
        if line.tool:
            tool = line.tool.tool + (f"/{line.tool.model}" if line.tool.model else "")
        table.add_row(
            short(line.commit),
            status_text(line.author),
            escape(tool),
            line.line_source or "commit",
            str(line.line),
            escape(line.content),
        )
    console.print(table)
