"""`signoff blame FILE`."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer

from signoff.cli.output import emit_json, open_repo, short, terminal_safe
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
    write_lines(lines)


def write_lines(lines: Sequence[LineAnswer]) -> None:
    """Aligned plain columns, written in chunks as they are formatted.

    A rich table measures every cell before it prints one (minutes and gigabytes for a
    100,000-line file); these columns are sized in one pass and streamed.
    """
    tools = [_tool(line) for line in lines]
    width_tool = max((len(t) for t in tools), default=0)
    width_author = max((len(line.author) for line in lines), default=0)
    width_source = max((len(line.line_source or "commit") for line in lines), default=6)
    width_line = len(str(lines[-1].line)) if lines else 4
    widths = (10, max(width_author, 6), max(width_tool, 4), max(width_source, 6), width_line)
    head = ("commit", "author", "tool", "source", "line")
    out = sys.stdout
    out.write("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip() + "\n")
    chunk: list[str] = []
    for line, tool in zip(lines, tools, strict=True):
        cells = (short(line.commit), line.author, tool, line.line_source or "commit")
        row = "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False))
        chunk.append(f"{row}  {str(line.line).rjust(widths[4])}  {line.content}\n")
        if len(chunk) >= 4096:
            out.write(terminal_safe("".join(chunk)))
            chunk.clear()
    out.write(terminal_safe("".join(chunk)))
    out.flush()


def _tool(line: LineAnswer) -> str:
    if not line.tool:
        return ""
    return line.tool.tool + (f"/{line.tool.model}" if line.tool.model else "")
