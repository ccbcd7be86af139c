"""Streaming commit history: one `git log -z` process per query, never one per commit.

Trailers are parsed by git itself (`%(trailers:only,unfold)`): hand-written trailer parsers
disagree with git on real histories, and trailers are where most AI markers live.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from signoff.git.repo import GitError, Repo

_RS = b"\x1e"
# sha, parents, author name, author email, author date, committer name, committer email,
# committer date, trailers, raw message
_FIELDS = ("%H", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%(trailers:only,unfold)", "%B")
_FORMAT = "--format=%x1e" + "%x00".join(_FIELDS) + "%x00"
_NFIELDS = len(_FIELDS)
_SHA = re.compile(rb"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "email": self.email}


@dataclass(slots=True)
class FileChange:
    """One file in a commit's diff against its first parent. None counts mean binary."""

    path: str
    added: int | None
    deleted: int | None
    old_path: str | None = None

    @property
    def binary(self) -> bool:
        return self.added is None


@dataclass(slots=True)
class Commit:
    """One commit as `git log` prints it. Not frozen: built 100,000 times per index build."""

    sha: str
    parents: tuple[str, ...]
    author: Person
    author_date: str
    committer: Person
    commit_date: str
    message: str
    trailers: tuple[tuple[str, str], ...]
    # None: not asked for, or not available (missing blobs in a partial clone)
    files: tuple[FileChange, ...] | None = None
    stats_missing: bool = False

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    @property
    def author_time(self) -> int:
        return int(datetime.fromisoformat(self.author_date).timestamp())

    @property
    def commit_time(self) -> int:
        return int(datetime.fromisoformat(self.commit_date).timestamp())

    def trailer_values(self, key: str) -> list[str]:
        key = key.lower()
        return [v for k, v in self.trailers if k.lower() == key]


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def parse_trailers(raw: bytes) -> tuple[tuple[str, str], ...]:
    """Split git's `%(trailers:only,unfold)` output into (key, value) pairs, order kept."""
    out: list[tuple[str, str]] = []
    for line in _text(raw).split("\n"):
        key, sep, value = line.partition(":")
        if sep and key and " " not in key.strip():
            out.append((key.strip(), value.strip()))
    return tuple(out)


def _parse_numstat(raw: bytes) -> tuple[FileChange, ...]:
    tokens = raw.lstrip(b"\x00\n").split(b"\x00")
    files: list[FileChange] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i].lstrip(b"\n")
        i += 1
        if not tok:
            continue
        parts = tok.split(b"\t", 2)
        if len(parts) != 3:
            continue
        added = None if parts[0] == b"-" else int(parts[0])
        deleted = None if parts[1] == b"-" else int(parts[1])
        if parts[2]:
            files.append(FileChange(_text(parts[2]), added, deleted))
        elif i + 1 < len(tokens):  # a rename: old and new paths follow as their own fields
            old, new = tokens[i], tokens[i + 1]
            i += 2
            files.append(FileChange(_text(new), added, deleted, old_path=_text(old)))
    return tuple(files)


def _parse_record(chunk: bytes, numstat: bool) -> Commit | None:
    parts = chunk.split(b"\x00", _NFIELDS)
    if len(parts) < _NFIELDS or not _SHA.match(parts[0]):
        return None
    sha, parents, an, ae, ad, cn, ce, cd, trailers, message = parts[:_NFIELDS]
    rest = parts[_NFIELDS] if len(parts) > _NFIELDS else b""
    return Commit(
        sha=sha.decode(),
        parents=tuple(parents.decode().split()),
        author=Person(_text(an), _text(ae)),
        author_date=ad.decode(),
        committer=Person(_text(cn), _text(ce)),
        commit_date=cd.decode(),
        message=_text(message),
        trailers=parse_trailers(trailers),
        files=_parse_numstat(rest) if numstat else None,
    )


def _records(stream: Iterable[bytes]) -> Iterator[bytes]:
    """Yield each commit's raw record; a record separator inside a message is kept in it."""
    buf = b""
    pending: bytes | None = None
    for block in stream:
        buf += block
        pieces = buf.split(_RS)
        buf = pieces.pop()
        for piece in pieces:
            if pending is None:
                pending = piece
            elif _SHA.match(piece[:64].split(b"\x00", 1)[0]):
                yield pending
                pending = piece
            else:  # \x1e inside a commit message: glue it back
                pending += _RS + piece
    if pending is not None:
        if buf and not _SHA.match(buf[:64].split(b"\x00", 1)[0]):
            pending += _RS + buf
            buf = b""
        if pending:
            yield pending
    if buf:
        yield buf


def _read_blocks(stream: IO[bytes]) -> Iterator[bytes]:
    """Drain git's stdout on a thread so git never stalls on a full pipe while we parse.

    Reading and parsing in one thread leaves git blocked whenever the 64 KiB pipe fills; the
    thread lets git and the parser run at the same time on two cores.
    """
    blocks: queue.Queue[bytes | None] = queue.Queue(maxsize=256)
    fd = stream.fileno()

    def pump() -> None:
        try:
            while True:
                block = os.read(fd, _CHUNK)
                if not block:
                    break
                blocks.put(block)
        finally:
            blocks.put(None)

    thread = threading.Thread(target=pump, name="git-log-reader", daemon=True)
    thread.start()
    try:
        while True:
            block = blocks.get()
            if block is None:
                break
            yield block
    finally:
        # a consumer that stops early: keep draining so the reader can finish and exit
        while thread.is_alive():
            with contextlib.suppress(queue.Empty):
                blocks.get(timeout=0.05)


def iter_commits(
    repo: Repo,
    revs: Sequence[str] = ("HEAD",),
    *,
    numstat: bool = False,
    paths: Sequence[str] = (),
    extra: Sequence[str] = (),
) -> Iterator[Commit]:
    """Stream the commits `git log revs` lists, newest first.

    With `numstat`, each commit carries its files and line counts. When git cannot produce a
    commit's diff (blobs missing from a partial clone or a truncated snapshot) that commit is
    yielded with `stats_missing=True` and the walk carries on after it.
    """
    if list(revs) == ["HEAD"] and repo.head() is None:
        return
    skip = 0
    while True:
        args = [
            "log",
            "-z",
            _FORMAT,
            "--encoding=UTF-8",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
        ]
        if numstat:
            args += ["--numstat", "-M"]
        if skip:
            args.append(f"--skip={skip}")
        args += [*extra, "--end-of-options", *revs, "--", *paths]
        proc = repo.popen(args)
        assert proc.stdout is not None
        last: Commit | None = None
        emitted = 0
        try:
            for raw in _records(_read_blocks(proc.stdout)):
                commit = _parse_record(raw, numstat)
                if commit is None:
                    continue
                if last is not None:
                    yield last
                    emitted += 1
                last = commit
        except GeneratorExit:
            proc.kill()
            proc.wait()
            raise
        stderr = proc.stderr.read() if proc.stderr else b""
        code = proc.wait()
        if code == 0:
            if last is not None:
                yield last
            return
        if not numstat or last is None:
            raise GitError(f"git log failed: {_text(stderr).strip().splitlines()[0:1]}")
        # the diff of `last` could not be produced: keep its provenance, mark its stats missing
        yield Commit(
            sha=last.sha,
            parents=last.parents,
            author=last.author,
            author_date=last.author_date,
            committer=last.committer,
            commit_date=last.commit_date,
            message=last.message,
            trailers=last.trailers,
            files=None,
            stats_missing=True,
        )
        skip += emitted + 1


def read_commit(repo: Repo, rev: str) -> Commit:
    """One commit by name; raises a clear error if it is not a commit."""
    sha = repo.require_commit(rev)
    for commit in iter_commits(repo, [sha], extra=["-n1", "--no-walk"]):
        return commit
    raise GitError(f"could not read commit {rev}")


def rev_list(repo: Repo, revs: Sequence[str], *, paths: Sequence[str] = ()) -> list[str]:
    """The commit ids a range names, newest first (cheap: no message, no diff)."""
    out = repo.run("rev-list", "--end-of-options", *revs, "--", *paths)
    return out.decode().split()
