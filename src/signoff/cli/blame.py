"""`signoff blame FILE`."""

from __future__ import annotations

import sys

import typer

from signoff.cli.output import console, emit_json, escape, open_repo, short, status_text
from signoff.query.blame import LineAnswer, blame_file


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
    rows = []
    for line in lines:
        tool = ""
        if line.tool:
            tool = line.tool.tool + (f"/{line.tool.model}" if line.tool.model else "")
        rows.append((short(line.commit), line.author, tool, line.line_source or "commit", line))
    if not console.is_terminal:
        _plain(rows)
        return
    from rich.table import Table

    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
    for col in ("commit", "author", "tool", "source", "line", ""):
        table.add_column(col, no_wrap=col != "")
    for commit, author, tool, source, line in rows:
        table.add_row(
            commit, status_text(author), escape(tool), source, str(line.line), escape(line.content)
        )
    console.print(table)


def _plain(rows: list[tuple[str, str, str, str, LineAnswer]]) -> None:
    """Piped output: plain columns padded to their widest value, the line's text last and
    never wrapped or cut, like `git blame`."""
    head = ("commit", "author", "tool", "source")
    cells = [(commit, author, tool or "-", source) for commit, author, tool, source, _ in rows]
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(head)]
    digits = max([4] + [len(str(r[4].line)) for r in rows])
    out = [
        "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))
        + "  line".rjust(digits + 2)
    ]
    for row, line in zip(cells, (r[4] for r in rows), strict=True):
        out.append(
            "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True))
            + f"  {line.line:>{digits}}  {line.content}"
        )
    sys.stdout.write("\n".join(out) + "\n")
