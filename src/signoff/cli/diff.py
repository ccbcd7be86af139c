"""`signoff diff REV|RANGE`: the diff with each added line's attribution in a gutter.

Plain text that a pager shows as is (`signoff diff HEAD | less`); colour only on a terminal.
"""

from __future__ import annotations

import os
import sys

import typer

from signoff.cli.output import emit_json, open_repo, short, terminal_safe
from signoff.query.diff import DiffLine, DiffView, attributed_diff

# ANSI styles for a terminal (never written into a pipe)
_STYLE = {
    "ai": "\x1b[1;35m",
    "ai-modified": "\x1b[35m",
    "ai-assisted-commit": "\x1b[35m",
    "human": "\x1b[32m",
    "unknown": "\x1b[33m",
    "+": "\x1b[32m",
    "-": "\x1b[31m",
    "@": "\x1b[36m",
    "file": "\x1b[1m",
}
_RESET = "\x1b[0m"
TOOL_WIDTH = 32


def register(app: typer.Typer) -> None:
    app.command("diff")(diff_command)


def diff_command(
    target: str = typer.Argument(
        ..., help="A commit (against its first parent) or a range A..B (B against the merge base)."
    ),
    repo: str = typer.Option(".", "--repo", "-C", help="Repository to read."),
    context: int = typer.Option(3, "--unified", "-U", min=0, help="Lines of context."),
    as_json: bool = typer.Option(False, "--json", help="Print the versioned JSON document."),
    no_index: bool = typer.Option(False, "--no-index", help="Detect live; do not use the index."),
) -> None:
    """A diff with each added line's attribution: ai, ai-modified, human, unknown (from a line
    record) or ai-assisted-commit (an AI helped with the commit, no line record), with tool."""
    view = attributed_diff(open_repo(repo), target, context=context, use_index=not no_index)
    if as_json:
        emit_json("diff", view.to_json())
        return
    render(view, colour=sys.stdout.isatty() and not os.environ.get("NO_COLOR"))


def _tool(view_line: DiffLine) -> str:
    t = view_line.tool
    if t is None:
        return ""
    text = t.tool + (f"/{t.model}" if t.model else "")
    text = terminal_safe(text)
    return text if len(text) <= TOOL_WIDTH else text[: TOOL_WIDTH - 1] + "~"


def render(view: DiffView, *, colour: bool) -> None:
    """Write the view: a summary, then per file its hunks with a gutter before each line.

    Text from the repository is made terminal-safe piece by piece; only our own styles are
    control sequences.
    """
    safe = terminal_safe

    def paint(style: str, text: str) -> str:
        return f"{_STYLE[style]}{text}{_RESET}" if colour and style in _STYLE else text

    s = view.summary()
    out = [
        f"{safe(view.target)}: {s['added']} added lines; "
        + ", ".join(f"{k} {v}" for k, v in sorted(s["by_label"].items())),
        f"  AI-attributed lines (line record): {s['ai_attributed_lines']}; lines in AI-assisted "
        f"commits without a line record: {s['ai_assisted_unrecorded_lines']}",
    ]
    labels = [x.label for f in view.files for x in f.lines if x.added is not None]
    label_w = max([len(x) for x in labels] + [7])
    tool_w = max([len(_tool(x)) for f in view.files for x in f.lines] + [1])
    blank = " " * (10 + 1 + label_w + 1 + tool_w)
    for f in view.files:
        name = f.path if not f.old_path else f"{f.old_path} -> {f.path}"
        state = " (deleted)" if f.deleted else " (binary)" if f.binary else ""
        out += ["", paint("file", f"diff {safe(name)}{state}")]
        for x in f.lines:
            p = x.line
            if p.op == "@":
                out.append(paint("@", f"{blank} {safe(p.text)}"))
                continue
            if x.added is None:
                text = f"{blank} |{p.op}{safe(p.text)}"
                out.append(paint("-", text) if p.op == "-" else text)
                continue
            label = x.label
            gutter = (
                f"{short(x.added.commit) if x.added.commit else '-':<10} "
                f"{paint(label, label.ljust(label_w))} {_tool(x).ljust(tool_w)}"
            )
            out.append(f"{gutter} |{paint('+', '+' + safe(p.text))}")
        if len(out) >= 4096:  # streamed: a large diff is never one string
            sys.stdout.write("\n".join(out) + "\n")
            out.clear()
    if out:
        sys.stdout.write("\n".join(out) + "\n")
