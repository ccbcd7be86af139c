"""The one error type users see.

Every failure a user can cause (bad input, a missing revision, malformed YAML) is raised as a
`SignoffError` carrying what went wrong and how to fix it; the CLI prints both and exits 2.
Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


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
