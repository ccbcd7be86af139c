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
