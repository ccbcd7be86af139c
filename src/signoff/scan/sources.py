"""The files a scan is asked about: resolved inside the root, read once, classified.

Scanners get only what they can read; binary, missing and oversized files are reported as
skipped instead of crashing a scanner or slowing a commit hook.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from signoff.scan.model import FileProblem

MAX_BYTES = 5 * 1024 * 1024  # minified bundles and data dumps are not reviewable code
_PY_SUFFIXES = (".py", ".pyw")


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One readable text file: its path relative to the root and its decoded lines."""

    path: str  # relative, '/'-separated
    absolute: Path
    lines: tuple[str, ...]
    utf8: bool  # False: decoded with replacement characters

    @property
    def is_python(self) -> bool:
        if self.path.endswith(_PY_SUFFIXES):
            return True
        first = self.lines[0] if self.lines else ""
        return first.startswith("#!") and "python" in first

    def line(self, number: int) -> str:
        """Text of a 1-based line, or '' past the end."""
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""


def relative_path(root: Path, name: str) -> str | None:
    """`name` as a clean '/'-separated path under `root`, or None when it points outside."""
    candidate = Path(name)
    if candidate.is_absolute():
        try:
            candidate = candidate.resolve().relative_to(root)
        except ValueError:
            return None
    clean = os.path.normpath(candidate.as_posix()).replace(os.sep, "/")
    if clean == "." or clean.startswith("../") or clean == "..":
        return None
    return clean


def load_sources(
    root: Path, files: Sequence[str], max_bytes: int = MAX_BYTES
) -> tuple[list[SourceFile], list[FileProblem]]:
    """Read each named file once; return the scannable ones and why the others were skipped."""
    sources: list[SourceFile] = []
    skipped: list[FileProblem] = []
    seen: set[str] = set()
    for name in files:
        rel = relative_path(root, name)
        if rel is None:
            skipped.append(FileProblem(name, "outside the scanned root"))
            continue
        if rel in seen:
            continue
        seen.add(rel)
        absolute = root / rel
        if absolute.is_symlink():
            skipped.append(FileProblem(rel, "symbolic link"))
            continue
        if not absolute.is_file():
            skipped.append(FileProblem(rel, "missing" if not absolute.exists() else "not a file"))
            continue
        try:
            size = absolute.stat().st_size
            if size > max_bytes:
                skipped.append(FileProblem(rel, f"larger than {max_bytes} bytes"))
                continue
            data = absolute.read_bytes()
        except OSError as exc:
            skipped.append(FileProblem(rel, f"unreadable: {exc.strerror or exc}"))
            continue
        if b"\0" in data[:8000]:  # git's own binary test
            skipped.append(FileProblem(rel, "binary"))
            continue
        try:
            text, utf8 = data.decode("utf-8"), True
        except UnicodeDecodeError:
            text, utf8 = data.decode("utf-8", "replace"), False
        sources.append(SourceFile(rel, absolute, _split_lines(text), utf8))
    return sources, skipped


def _split_lines(text: str) -> tuple[str, ...]:
    """Lines as scanners number them: split on newlines only (not form feeds or U+2028)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return tuple(line[:-1] if line.endswith("\r") else line for line in lines)
