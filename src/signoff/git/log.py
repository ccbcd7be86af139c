"""Streaming commit history: one `git log -z` process per query, never one per commit.

Trailers are parsed by git itself (`%(trailers:only,unfold)`): hand-written trailer parsers
disagree with git on real histories, and trailers are where most AI markers live.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import secrets
import subprocess
import tempfile
import threading
from collections import deque
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO

from signoff.git.repo import GitError, Repo, child_pipe_writes
from signoff.gitdate import git_timestamp

# sha, parents, author name, author email, author date, committer name, committer email,
# committer date, trailers, raw message. The message is last and git's `%B` stops at a NUL byte,
# so no field holds a NUL; each record also opens with a random token chosen per run, so no
# message (written before the run) can fake a record boundary.
_FIELDS = ("%H", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%(trailers:only,unfold)", "%B")
_NFIELDS = len(_FIELDS)
_SHA = re.compile(rb"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")
_CHUNK = 1 << 20
# commits handed to the line-count pass before their counts are read back: bounds memory, and
# the ids stay below a pipe's 64 KiB so writing them never blocks
_WINDOW = 500
# after this many commits that git could not diff, check each commit's blobs before diffing it
_FAILURES_BEFORE_CHECKING = 20


def _token() -> bytes:
    return b"signoff-" + secrets.token_hex(16).encode()


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
        return git_timestamp(self.author_date)

    @property
    def commit_time(self) -> int:
        return git_timestamp(self.commit_date)

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


def _parse_numstat(tokens: list[bytes]) -> tuple[FileChange, ...]:
    """Files from `--numstat -z` fields: `added<TAB>deleted<TAB>path`, or for a rename
    `added<TAB>deleted<TAB>` followed by the old and the new path as fields of their own."""
    files: list[FileChange] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        i += 1
        parts = tok.split(b"\t", 2)
        if len(parts) != 3:
            continue
        added = None if parts[0] == b"-" else int(parts[0])
        deleted = None if parts[1] == b"-" else int(parts[1])
        if parts[2]:
            files.append(FileChange(_text(parts[2]), added, deleted))
        elif i + 1 < len(tokens):
            old, new = tokens[i], tokens[i + 1]
            i += 2
            files.append(FileChange(_text(new), added, deleted, old_path=_text(old)))
    return tuple(files)


def _parse_record(chunk: bytes) -> Commit | None:
    parts = chunk.split(b"\x00", _NFIELDS - 1)
    if len(parts) < _NFIELDS or not _SHA.match(parts[0]):
        return None
    sha, parents, an, ae, ad, cn, ce, cd, trailers, message = parts
    message = message.removesuffix(b"\x00")  # the NUL between records (`-z`)
    return Commit(
        sha=sha.decode(),
        parents=tuple(parents.decode().split()),
        author=Person(_text(an), _text(ae)),
        author_date=ad.decode(),
        committer=Person(_text(cn), _text(ce)),
        commit_date=cd.decode(),
        message=_text(message),
        trailers=parse_trailers(trailers),
    )


def _split(stream: Iterable[bytes], token: bytes) -> Iterator[bytes]:
    """Cut a stream into the pieces between occurrences of `token` (the first piece is dropped
    when empty)."""
    buf = b""
    first = True
    for block in stream:
        buf += block
        if token not in buf:
            continue
        pieces = buf.split(token)
        buf = pieces.pop()
        for piece in pieces:
            if first and not piece:
                first = False
                continue
            first = False
            yield piece
    if buf:
        yield buf


def _read_blocks(stream: IO[bytes]) -> Generator[bytes, None, None]:
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


@dataclass
class CountGaps:
    """Commits whose line counts could not be read, and why (each reason said once)."""

    commits: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def add(self, reason: str) -> None:
        self.commits += 1
        self.reasons[reason] = self.reasons.get(reason, 0) + 1

    def to_json(self) -> dict[str, object]:
        return {"commits": self.commits, "reasons": dict(self.reasons)}

    @classmethod
    def from_json(cls, data: object) -> CountGaps:
        gaps = cls()
        if isinstance(data, dict):
            gaps.commits = int(data.get("commits", 0))
            reasons = data.get("reasons")
            if isinstance(reasons, dict):
                gaps.reasons = {str(k): int(v) for k, v in reasons.items()}
        return gaps

    def summary(self) -> str:
        """One line: how many commits lack counts and why."""
        why = "; ".join(f"{reason} ({n})" for reason, n in self.reasons.items())
        return f"{self.commits} commits have no line counts: {why}" if self.commits else ""


def _missing_reason(repo: Repo, stderr: str) -> str:
    """Why git could not diff a commit, in words shared by every commit it applies to."""
    promisor = repo.promisor_remote()
    if promisor:
        return (
            f"partial clone: file contents not fetched from {promisor!r} "
            "(run `signoff index --rebuild --fetch-missing` to fetch and count them)"
        )
    first = next((line for line in stderr.splitlines() if line.strip()), "git failed")
    if "unable to read" in first or "missing" in first or "could not read" in first:
        return "objects missing from this repository (git: unable to read a file's content)"
    first = re.sub(r"\b[0-9a-f]{40,64}\b", "<id>", first.removeprefix("fatal: "))
    return f"git could not diff the commit ({first})"


class _Presence:
    """Which blobs are in the object store, asked without ever fetching.

    A partial clone is asked once for every object it holds (`--batch-all-objects` never
    fetches); any other repository is asked per blob through one `cat-file --batch-check`.
    """

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.present: set[bytes] | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        if repo.promisor_remote():
            out = repo.run(
                "cat-file",
                "--batch-all-objects",
                "--unordered",
                "--batch-check=%(objecttype) %(objectname)",
                check=False,
            )
            self.present = {line[5:] for line in out.splitlines() if line.startswith(b"blob ")}

    def has_all(self, oids: Iterable[bytes]) -> bool:
        wanted = list(oids)
        if not wanted:
            return True
        if self.present is not None:
            return all(oid in self.present for oid in wanted)
        if self.proc is None:
            self.proc = self.repo.popen(["cat-file", "--batch-check"], stdin=True)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        with child_pipe_writes():
            self.proc.stdin.write(b"\n".join(wanted) + b"\n")
            self.proc.stdin.flush()
        ok = True
        for _ in wanted:
            if self.proc.stdout.readline().rstrip().endswith(b" missing"):
                ok = False
        return ok

    def close(self) -> None:
        if self.proc is not None:
            _stop(self.proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """End a git child; its output pipe is left to the reader that drains it to the end."""
    with child_pipe_writes(), contextlib.suppress(OSError, ValueError):
        if proc.stdin:
            proc.stdin.close()
    if proc.poll() is None:
        proc.kill()
    proc.wait()


class _BlobLister:
    """The blob ids each commit's diff needs, from a tree-only `diff-tree --raw` (no blob read)."""

    def __init__(self, repo: Repo, paths: Sequence[str]) -> None:
        self.token = _token()
        self.proc = repo.popen(
            ["diff-tree", "--stdin", "-z", "-r", "--raw", "--always", "--root", "--no-abbrev"]
            + (["--", *paths] if paths else []),
            stdin=True,
        )
        self.buf = b""

    def blobs(self, sha: str) -> list[bytes]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            with child_pipe_writes():
                self.proc.stdin.write(sha.encode() + b"\n" + self.token + b"\n")
                self.proc.stdin.flush()
        except (BrokenPipeError, ValueError) as exc:
            raise GitError(f"git diff-tree stopped at {sha[:12]}") from exc
        end = self.token + b"\n"
        while end not in self.buf:
            block = os.read(self.proc.stdout.fileno(), _CHUNK)
            if not block:
                raise GitError(f"git diff-tree stopped at {sha[:12]}")
            self.buf += block
        record, _, self.buf = self.buf.partition(end)
        oids: list[bytes] = []
        # the commit id, then per file ":<old mode> <new mode> <old oid> <new oid> <status>"
        # and its path as the next field (a path is never read as a header, whatever it holds)
        tokens = record.split(b"\x00")
        i = 1
        while i < len(tokens):
            fields = tokens[i][1:].split(b" ") if tokens[i].startswith(b":") else []
            i += 2
            if len(fields) < 4:
                continue
            for mode, oid in ((fields[0], fields[2]), (fields[1], fields[3])):
                if mode != b"160000" and oid.strip(b"0"):
                    oids.append(oid)
        return oids

    def close(self) -> None:
        _stop(self.proc)


class _LineCounts:
    """The line-count pass: `git diff-tree --stdin --numstat -M` fed commit ids.

    git cannot diff a commit whose blobs are missing and exits; the commit it stopped at gets
    no counts and a fresh process goes on with the commits after it, so one missing object
    costs one process start, never a walk from the top. In a partial clone (and after many
    failures anywhere) each commit's blobs are checked first, so git is never asked for a blob
    it would have to fetch.
    """

    def __init__(
        self,
        repo: Repo,
        paths: Sequence[str],
        gaps: CountGaps,
        *,
        fetch_missing: bool,
        ignore_whitespace: bool = False,
    ) -> None:
        self.repo = repo
        self.paths = list(paths)
        self.gaps = gaps
        self.fetch_missing = fetch_missing
        self.whitespace = ["-w"] if ignore_whitespace else []
        self.token = _token()
        self.end = self.token + b"\n"
        self.inflight: deque[str] = deque()
        self.known_missing: dict[str, str] = {}
        self.failures = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.stderr: IO[bytes] | None = None
        self.blocks: Generator[bytes, None, None] | None = None
        self.buf = b""
        self.records: deque[bytes] = deque()
        self.unflushed = 0
        self.checker: tuple[_BlobLister, _Presence] | None = None
        if repo.promisor_remote() and not fetch_missing:
            self._start_checking()

    def _start_checking(self) -> None:
        if self.checker is None:
            self.checker = (_BlobLister(self.repo, self.paths), _Presence(self.repo))

    def _start(self) -> None:
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed when git stops)
        env = self.repo.fetching_env() if self.fetch_missing else None
        self.proc = self.repo.popen(
            ["diff-tree", "--stdin", "-z", "-r", "-M", "--numstat", "--always", "--root"]
            + self.whitespace
            + (["--", *self.paths] if self.paths else []),
            stdin=True,
            stderr=self.stderr,
            env=env,
        )
        assert self.proc.stdout is not None
        self.blocks = _read_blocks(self.proc.stdout)
        self.buf = b""
        self.records.clear()

    def send(self, sha: str) -> None:
        if self.checker is not None:
            lister, presence = self.checker
            try:
                blobs = lister.blobs(sha)
            except GitError:  # a tree is missing too: git cannot even list the changes
                lister.close()
                self.checker = (_BlobLister(self.repo, self.paths), presence)
                self.known_missing[sha] = _missing_reason(self.repo, "unable to read a tree")
                return
            if not presence.has_all(blobs):
                self.known_missing[sha] = _missing_reason(
                    self.repo, f"unable to read the blobs of {sha[:12]}"
                )
                return
        if self.proc is None:
            self._start()
        self.inflight.append(sha)
        self._write(sha)

    def _write(self, sha: str) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        try:
            with child_pipe_writes():
                self.proc.stdin.write(sha.encode() + b"\n" + self.end)
            self.unflushed += 1
            if self.unflushed >= 32:
                self._flush()
        except (BrokenPipeError, ValueError):
            pass  # git stopped: noticed when its output ends; the commit is sent again then

    def _flush(self) -> None:
        self.unflushed = 0
        if self.proc is not None and self.proc.stdin is not None:
            with child_pipe_writes(), contextlib.suppress(BrokenPipeError, ValueError):
                self.proc.stdin.flush()

    def result(self, sha: str) -> tuple[FileChange, ...] | None:
        """The files of `sha` (the oldest commit sent and not yet answered), or None when git
        cannot diff it (the reason goes to the gaps)."""
        if sha in self.known_missing:
            self.gaps.add(self.known_missing.pop(sha))
            return None
        assert self.inflight and self.inflight[0] == sha, "results are read in the order sent"
        if not self.records:
            self._flush()
        while not self.records:
            block = next(self.blocks, None) if self.blocks is not None else None
            if block is None:
                self._failed()
                return None
            if self.end not in block and self.end[-1:] not in block:
                self.buf += block
                continue
            pieces = (self.buf + block).split(self.end)
            self.buf = pieces.pop()
            self.records.extend(pieces)
        record = self.records.popleft()
        self.inflight.popleft()
        tokens = record.split(b"\x00")
        # the first field is the commit id git echoes; the numstat fields follow
        return _parse_numstat([t for t in tokens[1:] if t])

    def _failed(self) -> None:
        proc, stderr = self.proc, self.stderr
        assert proc is not None and stderr is not None
        _stop(proc)
        if self.blocks is not None:
            self.blocks.close()
            self.blocks = None
        stderr.seek(0)
        message = stderr.read().decode("utf-8", "replace")
        stderr.close()
        self.proc = None
        self.gaps.add(_missing_reason(self.repo, message))
        self.failures += 1
        self.inflight.popleft()
        rest = list(self.inflight)
        self.inflight.clear()
        if self.failures >= _FAILURES_BEFORE_CHECKING:
            self._start_checking()
        for other in rest:
            self.send(other)

    def close(self) -> None:
        if self.proc is not None:
            _stop(self.proc)
            self.proc = None
        if self.blocks is not None:
            self.blocks.close()
            self.blocks = None
        if self.stderr is not None:
            self.stderr.close()
            self.stderr = None
        if self.checker is not None:
            for part in self.checker:
                part.close()
            self.checker = None


class WhitespaceCounts:
    """Lines each commit added, not counting lines it only re-indented (`--numstat -w`), for
    commits chosen while a walk goes on: one `git diff-tree --stdin -w` process counts them
    beside the walk's own counting stream, on the other core, instead of a second pass over
    the commits once the walk is done. Missing blobs degrade per commit as in the walk (that
    commit is left out; a partial clone is never made to fetch unless `fetch_missing`, as
    for the walk whose commits these are).
    """

    def __init__(self, repo: Repo, *, fetch_missing: bool = False) -> None:
        self.repo = repo
        self.fetch_missing = fetch_missing
        self.counts: _LineCounts | None = None  # started with the first commit sent
        self.pending: deque[str] = deque()
        self.found: dict[str, int] = {}

    def send(self, sha: str) -> None:
        if self.counts is None:
            self.counts = _LineCounts(
                self.repo,
                (),
                CountGaps(),
                fetch_missing=self.fetch_missing,
                ignore_whitespace=True,
            )
        self.counts.send(sha)
        self.pending.append(sha)
        while len(self.pending) >= _WINDOW:  # bounded: ids written, counts not yet read
            self._settle()

    def _settle(self) -> None:
        assert self.counts is not None
        sha = self.pending.popleft()
        files = self.counts.result(sha)
        if files is not None:
            self.found[sha] = sum(f.added or 0 for f in files)

    def finish(self) -> dict[str, int]:
        """Every count sent, by commit id (a commit git could not diff is absent)."""
        try:
            while self.pending:
                self._settle()
        finally:
            self.close()
        return self.found

    def close(self) -> None:
        if self.counts is not None:
            self.counts.close()
            self.counts = None


def _log_args(
    token: bytes, revs: Sequence[str], paths: Sequence[str], extra: Sequence[str]
) -> list[str]:
    return [
        "log",
        "-z",
        "--format=" + token.decode() + "%x00".join(_FIELDS),
        "--encoding=UTF-8",
        "--no-color",
        "--no-show-signature",  # a user's log.showSignature would print into the records
        *extra,
        "--end-of-options",
        *revs,
        "--",
        *paths,
    ]


def iter_commits(
    repo: Repo,
    revs: Sequence[str] = ("HEAD",),
    *,
    numstat: bool = False,
    paths: Sequence[str] = (),
    extra: Sequence[str] = (),
    gaps: CountGaps | None = None,
    fetch_missing: bool = False,
) -> Iterator[Commit]:
    """Stream the commits `git log revs` lists, newest first.

    Provenance (metadata, trailers) comes from one `git log` with no diff in it, which never
    reads a blob and so never fails on missing content. With `numstat`, a second process
    counts each commit's lines; a commit git cannot diff (blobs missing from a partial clone
    or a truncated snapshot) comes with `stats_missing=True`, its reason goes to `gaps`, and
    the walk goes on. A partial clone is never made to fetch blobs unless `fetch_missing`.
    """
    if list(revs) == ["HEAD"] and repo.head() is None:
        return
    token = _token()
    proc = repo.popen(_log_args(token, revs, paths, extra))
    assert proc.stdout is not None
    # with --follow the file's name changes along the walk: count the whole commit instead
    count_paths = () if "--follow" in extra else paths
    counts = (
        _LineCounts(repo, count_paths, gaps or CountGaps(), fetch_missing=fetch_missing)
        if numstat
        else None
    )
    # The fast way to counts is git's own `log --numstat` over the same walk, read beside the
    # provenance stream. When it stops (a blob it cannot read) the commits from there on go
    # through `_LineCounts`, which degrades per commit. A partial clone goes there at once.
    fast: Generator[tuple[str, tuple[FileChange, ...]], None, None] | None = None
    if counts is not None and counts.checker is None:
        fast = _numstat_log(repo, revs, paths, extra, fetch_missing)
    pending: deque[Commit] = deque()

    def settle() -> Commit:
        commit = pending.popleft()
        assert counts is not None
        files = counts.result(commit.sha)
        if files is None:
            commit.stats_missing = True
        else:
            commit.files = files
        return commit

    done = False
    try:
        for raw in _split(_read_blocks(proc.stdout), token):
            commit = _parse_record(raw)
            if commit is None:
                continue
            if counts is None:
                yield commit
                continue
            if fast is not None:
                got = next(fast, None)
                if got is not None and got[0] == commit.sha:
                    commit.files = got[1]
                    yield commit
                    continue
                fast.close()  # git stopped here: this commit and the rest go commit by commit
                fast = None
            pending.append(commit)
            counts.send(commit.sha)
            while len(pending) >= _WINDOW:
                yield settle()
        while pending:
            yield settle()
        done = True
    finally:
        if fast is not None:
            fast.close()
        if counts is not None:
            counts.close()
        if not done:  # the consumer stopped early, or an error: stop git
            _stop(proc)
    stderr = proc.stderr.read() if proc.stderr else b""
    if proc.wait() != 0:
        raise GitError(f"git log failed: {_text(stderr).strip()}")


def _numstat_log(
    repo: Repo,
    revs: Sequence[str],
    paths: Sequence[str],
    extra: Sequence[str],
    fetch_missing: bool,
) -> Generator[tuple[str, tuple[FileChange, ...]], None, None]:
    """(commit id, files) from `git log --numstat` over the walk; a record is yielded only once
    it is known complete (the next one began, or git finished well), so a record git was
    writing when it died is never taken for the whole commit."""
    token = _token()
    args = [
        "log",
        "-z",
        "--format=" + token.decode() + "%H",
        "--numstat",
        "-M",
        "--no-color",
        "--no-show-signature",
        "--no-ext-diff",
        "--no-textconv",
        *extra,
        "--end-of-options",
        *revs,
        "--",
        *paths,
    ]
    with tempfile.TemporaryFile() as stderr:
        env = repo.fetching_env() if fetch_missing else None
        proc = repo.popen(args, stderr=stderr, env=env)
        assert proc.stdout is not None
        blocks = _read_blocks(proc.stdout)
        last: bytes | None = None
        try:
            for raw in _split(blocks, token):
                if last is not None:
                    yield _numstat_record(last)
                last = raw
            if proc.wait() == 0 and last is not None:
                yield _numstat_record(last)
        finally:
            blocks.close()
            _stop(proc)


def _numstat_record(raw: bytes) -> tuple[str, tuple[FileChange, ...]]:
    tokens = raw.split(b"\x00")
    rest = tokens[1:]
    if rest and rest[0].startswith(b"\n"):  # git's blank line between the header and a diff
        rest[0] = rest[0][1:]
    return tokens[0].decode("ascii", "replace"), _parse_numstat([t for t in rest if t])


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
