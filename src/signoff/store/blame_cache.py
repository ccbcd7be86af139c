"""Blame results cached by blob id: `git blame -M -w` (or `-M -C -w`) of a file at HEAD, once.

A file's blame at HEAD changes when its content does, or when the history behind it is
rewritten (an amend, a rebase), so `decay` (which blames every AI-touched file) re-blames only
files whose blob changed or whose cached blame names a commit HEAD no longer reaches. The cache sits next
to the index under `.git/signoff/`; deleting it loses nothing. It holds git's answer only (the
introducing commit and original position of each line), never a judgement about who wrote it,
nor the lines' text (decay never reads it). Lines are stored in runs: consecutive lines from
the same commit and original file at consecutive original positions are one entry, so a file
of a few thousand lines is a few hundred entries to write and read.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from signoff.git.blame import BlameLine
from signoff.git.repo import Repo

VERSION = "2"
# The blame options are part of every key: a cache made with other options is not reused.
OPTIONS = "-M -C -w"
MOVES = "-M -w"


def cache_path(repo: Repo) -> Path:
    return repo.git_dir / "signoff" / "blame.sqlite"


class BlameCache:
    """Read and write blame results keyed by (blob id, path) for one set of blame options."""

    def __init__(self, repo: Repo, options: str = OPTIONS) -> None:
        self.key = f"{VERSION} {options}"
        path = cache_path(repo)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            self._open()
        except sqlite3.DatabaseError:  # a corrupt cache is rebuilt, never trusted
            self.conn.close()
            path.unlink(missing_ok=True)
            self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._open()

    def _open(self) -> None:
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS blame "
            "(blob TEXT NOT NULL, path TEXT NOT NULL, options TEXT NOT NULL, lines TEXT NOT NULL, "
            "PRIMARY KEY (blob, path, options))"
        )

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> BlameCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, blob: str, path: str) -> list[BlameLine] | None:
        """The cached blame (each line's `content` empty: the cache does not keep text)."""
        row = self.conn.execute(
            "SELECT lines FROM blame WHERE blob = ? AND path = ? AND options = ?",
            (blob, path, self.key),
        ).fetchone()
        if row is None:
            return None
        lines: list[BlameLine] = []
        for commit, orig_start, count, orig_path, boundary in json.loads(row[0]):
            first = len(lines) + 1
            lines.extend(
                BlameLine(first + i, commit, orig_start + i, orig_path, "", bool(boundary))
                for i in range(count)
            )
        return lines

    def put(self, blob: str, path: str, lines: list[BlameLine]) -> None:
        """Store a blame of the whole file (line numbers 1..n, in order), without its text."""
        data: list[list[Any]] = []
        last: BlameLine | None = None
        for b in lines:
            if (
                last is not None
                and b.commit == last.commit
                and b.orig_line == last.orig_line + 1
                and b.orig_path == last.orig_path
                and b.boundary == last.boundary
            ):
                data[-1][2] += 1
            else:
                data.append([b.commit, b.orig_line, 1, b.orig_path, int(b.boundary)])
            last = b
        with closing(self.conn.cursor()) as cur:
            cur.execute(
                "INSERT OR REPLACE INTO blame VALUES (?, ?, ?, ?)",
                (blob, path, self.key, json.dumps(data, separators=(",", ":"))),
            )


def head_blobs(repo: Repo, rev: str = "HEAD") -> dict[str, str]:
    """Path -> blob id of every file at `rev` (one `ls-tree`)."""
    out = repo.run("ls-tree", "-r", "-z", "--full-tree", rev)
    blobs: dict[str, str] = {}
    for entry in out.split(b"\x00"):
        meta, _, name = entry.partition(b"\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == b"blob":
            blobs[name.decode("utf-8", "surrogateescape")] = parts[2].decode()
    return blobs
