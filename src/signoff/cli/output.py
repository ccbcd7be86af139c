"""Rendering shared by every command: JSON on request, rich text otherwise, colour only on a tty."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from rich.console import Console

from signoff.cli.document import json_document

if TYPE_CHECKING:
    from signoff.git.repo import Repo

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


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
