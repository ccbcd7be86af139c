"""Files Signoff reads and writes: reads within a size limit, writes that are atomic.

Reading: `/dev/zero` or a 10 GB log is an error. A path may be a pipe (`--reviews <(gh api
...)`), so it is read, not stat'ed, and reading stops one byte past the limit.
Writing: a reader (or a killed run) sees the old file or the new one, never part of one.
No Signoff imports: it sits at the bottom of the stack.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal, overload

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


@overload
def atomic_writer(
    path: str | os.PathLike[str],
    *,
    binary: Literal[False] = ...,
    exclusive: bool = ...,
    mode: int | None = ...,
) -> contextlib.AbstractContextManager[IO[str]]: ...
@overload
def atomic_writer(
    path: str | os.PathLike[str],
    *,
    binary: Literal[True],
    exclusive: bool = ...,
    mode: int | None = ...,
) -> contextlib.AbstractContextManager[IO[bytes]]: ...
def atomic_writer(
    path: str | os.PathLike[str],
    *,
    binary: bool = False,
    exclusive: bool = False,
    mode: int | None = None,
) -> contextlib.AbstractContextManager[IO[str]] | contextlib.AbstractContextManager[IO[bytes]]:
    """A file to write `path` through: written beside it under a unique temporary name, flushed
    to disk, then renamed over `path` when the block ends without an error (`os.replace`, atomic
    on one file system). With `exclusive`, `path` is linked instead, and `FileExistsError` is
    raised if it exists by then: nothing is ever overwritten. `mode` defaults to what a plain
    `open` would give (0o666 less the umask). The temporary file never outlives a failure."""
    return _atomic(Path(path), binary, exclusive, mode)


@contextlib.contextmanager
def _atomic(path: Path, binary: bool, exclusive: bool, mode: int | None) -> Iterator[IO[Any]]:
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _naming(exc, path) from None
    try:
        os.fchmod(fd, mode if mode is not None else 0o666 & ~_umask())
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else _TEXT)) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        try:
            if exclusive:
                os.link(tmp, path)
            else:
                os.replace(tmp, path)
        except FileExistsError:
            raise
        except OSError as exc:
            raise _naming(exc, path) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _naming(exc: OSError, path: Path) -> OSError:
    """The same error about the file the caller named, not the temporary one beside it."""
    return type(exc)(exc.errno, exc.strerror, os.fspath(path))


_TEXT: dict[str, Any] = {"encoding": "utf-8", "newline": ""}


def write_atomic(
    path: str | os.PathLike[str],
    data: str | bytes,
    *,
    exclusive: bool = False,
    mode: int | None = None,
) -> None:
    """Write all of `data` to `path` atomically (see `atomic_writer`); text as UTF-8."""
    if isinstance(data, str):
        with atomic_writer(path, exclusive=exclusive, mode=mode) as out:
            out.write(data)
    else:
        with atomic_writer(path, binary=True, exclusive=exclusive, mode=mode) as bout:
            bout.write(data)


def _umask() -> int:
    """The process's umask (read by setting it and setting it back)."""
    current = os.umask(0o022)
    os.umask(current)
    return current


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive `flock` on `path` (created if missing) for the block: one process at
    a time. (The commit hooks keep their own lighter copy in `recording/worklog.py`.)"""
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
