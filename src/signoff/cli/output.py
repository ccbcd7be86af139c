"""Rendering shared by every command: JSON on request, rich text otherwise, colour only on a tty."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.segment import Segment

from signoff.cli.document import json_document

if TYPE_CHECKING:
    from signoff.git.repo import Repo

# Terminal controls that text from a repository (subjects, names, file lines, notes) must never
# carry to a terminal raw: C0 controls but tab and newline, DEL, C1 controls (0x9b is a CSI),
# and the bidirectional overrides and isolates that make a line read differently than it is.
_BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
_UNSAFE = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if c not in (9, 10)}
_UNSAFE.update({c: f"\\u{c:04x}" for c in _BIDI})


def terminal_safe(text: str) -> str:
    """`text` with every terminal control and bidi control shown as a visible escape."""
    return text.translate(_UNSAFE)


class SafeConsole(Console):
    """A rich Console that passes its own styling but no control character from the data."""

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        return super()._render_buffer(
            seg if seg.control else Segment(terminal_safe(seg.text), seg.style, None)
            for seg in buffer
        )


console = SafeConsole(highlight=False, soft_wrap=True)
err_console = SafeConsole(stderr=True, highlight=False, soft_wrap=True)


def emit_json(kind: str, data: Any) -> None:
    """Print the versioned JSON document of a command (`signoff.cli.document`)."""
    sys.stdout.write(json_document(kind, data))


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
        if not err_console.is_terminal:
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
            console=err_console,
            transient=True,
        ) as bar:
            task = bar.add_task(label, total=total)
            yield lambda count: bar.update(task, completed=count)

    return manager()


STATUS_STYLE = {
    "ai": "bold magenta",
    "mixed": "magenta",
    "human": "green",
    "unknown": "yellow",
    "automation": "cyan",
    "uncommitted": "dim",
}


def status_text(status: str) -> str:
    style = STATUS_STYLE.get(status, "")
    return f"[{style}]{status}[/]" if style else status
