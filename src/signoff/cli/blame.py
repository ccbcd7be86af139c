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
    """A rich table on a terminal; plain columns when piped."""
    rows = []
    for line in lines:
        tool = ""
        if line.tool:
            tool = line.tool.tool + (f"/{line.tool.model}" if line.tool.model else "")
        rows.append((short(line.commit), line.author, tool, line.line_source or "commit", line))
    if not console.is_terminal or len(rows) > TABLE_MAX:
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
        if len(out) >= 4096:  # streamed: a 100,000-line file is never one string
            sys.stdout.write(terminal_safe("\n".join(out)) + "\n")
            out.clear()
    if out:
        sys.stdout.write(terminal_safe("\n".join(out)) + "\n")
