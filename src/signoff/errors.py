"""The one error type users see.

Every failure a user can cause (bad input, a missing revision, malformed YAML) is raised as a
`SignoffError` carrying what went wrong and how to fix it; the CLI prints both and exits 2.
Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import json
import os


class SignoffError(Exception):
    """A problem the user can fix: a message plus, where we know it, the fix."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  fix: {self.hint}"
        return self.message


_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F)}


def one_line(text: str, limit: int = 80) -> str:
    """User text quoted inside a message: control characters (a newline in a JSON key) shown
    as escapes, so the message stays one line; cut at `limit` characters."""
    text = text.translate(_CONTROLS)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shown(value: object, limit: int = 80) -> str:
    """A value from a user's file as a message shows it: text quoted, anything else the way
    JSON writes it, an absent one as "missing" (never a Python repr like `None` or `['a']`)."""
    if value is None:
        return "missing"
    if isinstance(value, str):
        return f"'{one_line(value, limit)}'"
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(exc: BaseException) -> str:
    """One line saying what went wrong, for a report that goes on without the part that
    failed: the first positioned problem of a record or policy error, a file error as
    `PATH: reason`; never a Python class name or repr."""
    findings = getattr(exc, "findings", None)
    if isinstance(exc, SignoffError) and findings:
        first = findings[0]
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        return f"{first.where()}: {first.message}{more}"
    if isinstance(exc, SignoffError):
        return exc.message
    if isinstance(exc, OSError):
        what = exc.strerror or "cannot be used"
        return f"{os.fsdecode(exc.filename)}: {what}" if exc.filename else what
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else "an unexpected error"
