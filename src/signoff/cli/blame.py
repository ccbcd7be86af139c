"""`signoff blame FILE`: the text answer (the typer command is in `blame_command`).

Neither typer nor rich is imported to answer into a pipe (`signoff.cli.entry`).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from signoff.cli.output import console, escape, short, status_text, terminal_safe

# A rich table measures every cell before it prints one: minutes and gigabytes for a
# 100,000-line file. Past this many lines a terminal gets the plain columns too.
TABLE_MAX = 5000

if TYPE_CHECKING:
    from typer import Typer

    from signoff.query.blame import LineAnswer


def register(app: Typer) -> None:
    from signoff.cli.blame_command import blame_command

    app.command("blame")(blame_command)


def document(path: str, rev: str | None, lines: list[LineAnswer]) -> dict[str, object]:
    """The `blame` JSON document's data (the typer command and the fast path print the same)."""
    return {"path": path, "rev": rev, "lines": [line.to_json() for line in lines]}


def render(lines: list[LineAnswer]) -> None:
    """A rich table on a terminal; plain columns when piped.

    The author column is the line record's kind when one names the line (`ai`, `ai-modified`,
    `human`, `unknown`), else the commit-level answer (`ai-assisted-commit`, ...); the session
    column appears when any line has one.
    """
    rows = []
    for line in lines:
        tool = session = ""
        if line.tool:
            tool = line.tool.tool + (f"/{line.tool.model}" if line.tool.model else "")
            session = line.tool.session or ""
        rows.append(
            (
                short(line.commit),
                line.kind or line.author,
                tool,
                session,
                line.line_source or "commit",
                line,
            )
        )
    sessions = any(r[3] for r in rows)
    if not console.is_terminal or len(rows) > TABLE_MAX:
        _plain(rows, sessions)
        return
    from rich.table import Table

    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
    head = ("commit", "author", "tool", "session", "source", "line", "")
    for col in head:
        if col != "session" or sessions:
            table.add_column(col, no_wrap=col != "")
    for commit, author, tool, session, source, line in rows:
        cells = [commit, status_text(author), escape(tool)]
        if sessions:
            cells.append(escape(session))
        cells += [source, str(line.line), escape(line.content)]
        table.add_row(*cells)
    console.print(table)


def _plain(rows: list[tuple[str, str, str, str, str, LineAnswer]], sessions: bool) -> None:
    """Piped output: plain columns padded to their widest value, the line's text last and
    never wrapped or cut, like `git blame`."""
    head: tuple[str, ...] = ("commit", "author", "tool", "session", "source")
    cells: list[tuple[str, ...]] = [
        (commit, author, tool or "-", session or "-", source)
        for commit, author, tool, session, source, _ in rows
    ]
    if not sessions:
        head = head[:3] + head[4:]
        cells = [c[:3] + c[4:] for c in cells]
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(head)]
    digits = max([4] + [len(str(r[5].line)) for r in rows])
    out = [
        "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))
        + "  line".rjust(digits + 2)
    ]
    for row, line in zip(cells, (r[5] for r in rows), strict=True):
        out.append(
            "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True))
            + f"  {line.line:>{digits}}  {line.content}"
        )
        if len(out) >= 4096:  # streamed: a 100,000-line file is never one string
            sys.stdout.write(terminal_safe("\n".join(out)) + "\n")
            out.clear()
    if out:
        sys.stdout.write(terminal_safe("\n".join(out)) + "\n")
