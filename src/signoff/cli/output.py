"""Rendering shared by every command: JSON on request, rich text on a terminal, plain lines
when piped.

Output that is not a terminal is written as plain text without importing rich (its import
costs more than a warm `explain` may take), never wrapped, never drawn as a table.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from signoff.cli.document import json_document
from signoff.jsonsafe import INVISIBLE

if TYPE_CHECKING:
    from rich.console import Console
    from rich.segment import Segment

    from signoff.git.repo import Repo

# rich's markup tags and their escapes (rich.markup.RE_TAGS and rich.markup.escape), each
# starting only where a run of backslashes starts: rich's own try every backslash of a run, so
# a commit subject of 50,000 backslashes took 90 s to print (quadratic). Same matches.
_TAGS = re.compile(r"((?<!\\)(\\*)\[([a-z#/@][^[]*?)])")
_ESCAPE = re.compile(r"(?<!\\)(\\*)(\[[a-z#/@][^[]*?])")


def escape(markup: str) -> str:
    """Text made safe to embed in markup; the same escaping as `rich.markup.escape`."""
    markup = _ESCAPE.sub(lambda m: f"{m[1]}{m[1]}\\{m[2]}", markup)
    if markup.endswith("\\") and not markup.endswith("\\\\"):
        return markup + "\\"
    return markup


def plain(markup: str) -> str:
    """Markup as the text rich would print without styles: tags dropped, escapes undone."""
    out: list[str] = []
    position = 0
    for match in _TAGS.finditer(markup):
        full, escapes, _tag = match.groups()
        start, end = match.span()
        if start > position:
            out.append(markup[position:start].replace("\\[", "["))
        position = end
        if escapes:
            backslashes, escaped = divmod(len(escapes), 2)
            out.append("\\" * backslashes)
            if escaped:
                out.append(full[len(escapes) :])
    if position < len(markup):
        out.append(markup[position:].replace("\\[", "["))
    return "".join(out)


# Terminal controls that text from a repository (subjects, names, file lines, notes) must never
# carry to a terminal raw: C0 controls but tab and newline, DEL, C1 controls (0x9b is a CSI),
# the bidirectional overrides and isolates that make a line read differently than it is, and
# characters that hide themselves (zero-width, tags).
# The invisible characters are one list (`signoff.jsonsafe.INVISIBLE`), also escaped in JSON.
_UNSAFE = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F) if c not in (9, 10)}
_UNSAFE.update(
    {
        c: f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}" if c <= 0xFFFF else f"\\U{c:08x}"
        for c in INVISIBLE
    }
)


def terminal_safe(text: str) -> str:
    """`text` with every terminal control and bidi control shown as a visible escape."""
    return text.translate(_UNSAFE)


def safe_console(**kwargs: Any) -> Console:
    """A rich Console that writes its own styling but no control character from the data
    (every rich console of the CLI is one: the one place output is sanitised)."""
    import rich.markup
    from rich.console import Console
    from rich.segment import Segment

    rich.markup.RE_TAGS = _TAGS  # the linear equivalent: rich parses every line we print

    class SafeConsole(Console):
        def _render_buffer(self, buffer: Iterable[Segment]) -> str:
            return super()._render_buffer(
                seg if seg.control else Segment(terminal_safe(seg.text), seg.style, None)
                for seg in buffer
            )

    return SafeConsole(**kwargs)


class Output:
    """Standard output: a rich console on a terminal, plain unwrapped lines otherwise."""

    def __init__(self) -> None:
        self._rich: Console | None = None

    @property
    def is_terminal(self) -> bool:
        return sys.stdout.isatty()

    @property
    def rich(self) -> Console:
        if self._rich is None:
            self._rich = safe_console(highlight=False, soft_wrap=True)
        return self._rich

    def print(self, *objects: Any, end: str = "\n", **kwargs: Any) -> None:
        if kwargs or self.is_terminal or not all(isinstance(o, str) for o in objects):
            self.rich.print(*objects, end=end, **kwargs)
            return
        sys.stdout.write(terminal_safe(" ".join(plain(o) for o in objects)) + end)


console = Output()


def _err_console() -> Console:
    err = globals().get("err_console")
    if err is None:
        err = globals()["err_console"] = safe_console(stderr=True, highlight=False, soft_wrap=True)
    return err  # type: ignore[no-any-return]


def __getattr__(name: str) -> Any:
    """`err_console` (rich, for errors and progress) is built on first use."""
    if name == "err_console":
        return _err_console()
    raise AttributeError(name)


def emit_json(kind: str, data: Any, *, long_list: str | None = None) -> None:
    """Print the versioned JSON document of a command (`signoff.cli.document`)."""
    sys.stdout.write(json_document(kind, data, long_list=long_list))


def short(sha: str | None) -> str:
    return sha[:10] if sha else "-"


def open_repo(path: str) -> Repo:
    """The repository at `path` (the CLI's --repo option)."""
    from signoff.git.repo import Repo

    return Repo.discover(path)


def progress_counter(label: str, total: int | None = None) -> Any:
    """A progress callback drawing a bar on a terminal and nothing elsewhere.

    Returns a context manager yielding `update(count)`.
    """
    from contextlib import contextmanager

    @contextmanager
    def manager() -> Any:
        if not _err_console().is_terminal:
            yield lambda count: None
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=_err_console(),
            transient=True,
        ) as bar:
            task = bar.add_task(label, total=total)
            yield lambda count: bar.update(task, completed=count)

    return manager()


STATUS_STYLE = {
    "ai": "bold magenta",
    "mixed": "magenta",
    "ai-modified": "magenta",
    "ai-assisted-commit": "magenta",
    "human": "green",
    "unknown": "yellow",
    "automation": "cyan",
    "uncommitted": "dim",
}


def status_text(status: str) -> str:
    style = STATUS_STYLE.get(status, "")
    return f"[{style}]{status}[/]" if style else status
