"""Rendering shared by every command: JSON on request, rich text otherwise, colour only on a tty."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

JSON_SCHEMA_VERSION = "1"

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def emit_json(kind: str, data: Any) -> None:
    """Print a versioned JSON document: {"signoff": version, "kind": ..., "data": ...}."""
    doc = {"schema": f"signoff/{kind}/v{JSON_SCHEMA_VERSION}", **data}
    sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False, default=str))
    sys.stdout.write("\n")


def short(sha: str | None) -> str:
    return sha[:10] if sha else "-"


def open_repo(path: str) -> Any:
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
