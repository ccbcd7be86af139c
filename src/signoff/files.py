"""Reading a file a user named, within a size limit: `/dev/zero` or a 10 GB log is an error.

A path may be a pipe (`--reviews <(gh api ...)`), so it is read, not stat'ed, and reading stops
one byte past the limit. No Signoff imports: it sits at the bottom of the stack.
"""

from __future__ import annotations

import os

MAX_INPUT = 64 * 1024 * 1024


class TooLarge(ValueError):
    """The file holds more than the limit."""

    def __init__(self, path: str, limit: int) -> None:
        super().__init__(f"{path}: larger than {limit // (1024 * 1024)} MB, the most Signoff reads")
        self.path = path
        self.limit = limit


def read_bounded(path: str | os.PathLike[str], limit: int = MAX_INPUT) -> bytes:
    """The file's bytes; `TooLarge` past `limit`, `OSError` as `open` raises it."""
    chunks: list[bytes] = []
    total = 0
    with open(path, "rb") as fh:
        while total <= limit:
            chunk = fh.read(min(1 << 20, limit + 1 - total))
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            total += len(chunk)
    raise TooLarge(os.fspath(path), limit)


def read_prefix(path: str | os.PathLike[str], limit: int) -> bytes:
    """At most `limit + 1` bytes of the file: enough for a reader with its own size check to
    see that the file is too large, without ever holding more."""
    with open(path, "rb") as fh:
        return fh.read(limit + 1)
