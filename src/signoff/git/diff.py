"""Added lines of a diff: paths from `git diff -z --raw`, line numbers from `git diff -U0`.

Paths are never parsed out of the patch text: git appends a tab to a `+++ b/a b` line whose
path has a space and C-quotes paths with tabs, quotes or backslashes, so a patch line cannot say
where a path ends. The `-z` listing gives each path verbatim; the patch's `diff --git` headers are
matched to it by quoting the listed paths the way git does.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO

from signoff.batches import batched
from signoff.git.patch import STABLE, Section, quote_path, read_listing, sized, walk_patch
from signoff.git.repo import GitError, Repo, _describe_failure

__all__ = ["FileDiff", "quote_path"]

# Both outputs (the listing and the patch) in the same shape, renames followed.
_STABLE = (*STABLE, "-M")
# A file whose added lines hold more text than this (a generated or vendored file), or one of
# whose lines is longer than `_MAX_LINE` (minified), is not kept line by line: its added lines are counted and kept as runs of line numbers, without their
# text, and the gate judges the file as a whole. The same figure as the gate's scan limit.
LINE_TEXT_MAX_BYTES = 5_000_000
# ...and once one diff's kept text passes this, every file after it is read the same way.
CHANGE_TEXT_MAX_BYTES = 20_000_000


@dataclass(frozen=True, slots=True)
class PatchLine:
    """One line of a patch: `op` is "@" (a hunk header, in `text`), " " (context), "-" or "+";
    `old` and `new` are its line numbers on each side (None where it has none)."""

    op: str
    old: int | None
    new: int | None
    text: str


@dataclass(slots=True)
class FileDiff:
    """One file's added lines (1-based, in the new version) and whether it is binary.

    `too_large`: the added text passed `LINE_TEXT_MAX_BYTES`; `added` is then empty and `runs`
    holds the added line numbers as (first, last) runs. `reindented` holds the added lines that
    may only be re-indented (their text, whitespace aside, is that of a line the diff removed).
    """

    path: str
    old_path: str | None = None
    binary: bool = False
    deleted: bool = False
    added: dict[int, str] = field(default_factory=dict)
    added_count: int = 0
    removed_count: int = 0
    too_large: bool = False
    runs: list[tuple[int, int]] = field(default_factory=list)
    reindented: set[int] = field(default_factory=set)
    # the whole patch of the file when asked for (`diff_patch`): hunk headers, context, deleted
    # and added lines, in order; empty for a file too large to hold
    patch: list[PatchLine] = field(default_factory=list)
    created: bool = False  # the file is new in this diff
    # removed lines (1-based, in the old version); read only when asked for (`removed=True`)
    removed: dict[int, str] = field(default_factory=dict)

    def add(self, line: int, text: str) -> None:
        self.added[line] = text
        self.added_count += 1

    def line_numbers(self) -> Iterable[int]:
        """Every added line number, in order, whether or not the text is kept."""
        if not self.too_large:
            return sorted(self.added)
        return (n for first, last in self.runs for n in range(first, last + 1))


def _listing(repo: Repo, args: Sequence[str]) -> list[tuple[str, bytes, bytes]]:
    """(status letter, old path, new path) per file from `git diff -z --raw`."""
    out = repo.run("-c", "core.quotePath=false", "diff", "-z", "--raw", *_STABLE, *args)
    return [(status, old, new) for status, old, new, _, _ in read_listing(out)[0]]


def diff_added_lines(
    repo: Repo,
    args: Sequence[str],
    *,
    ignore_whitespace: bool = False,
    paths: Sequence[str] = (),
    context: int = 0,
    keep_patch: bool = False,
    removed: bool = False,
) -> list[FileDiff]:
    """Parse `git diff -U0 <args> [-- paths]` into added lines per file (renames followed).

    `keep_patch` (`diff_patch`) also keeps each file's whole patch, with `context` lines of
    context (`FileDiff.patch`).

    `ignore_whitespace` (`-w`): a line whose change is only whitespace (re-indented) is not an
    added line, as `git blame -w` keeps it with the commit that wrote it. The patch is read as
    a stream, never held whole; a file past `LINE_TEXT_MAX_BYTES` keeps no text (`too_large`).
    """
    spec = ["--", *paths] if paths else []
    entries = [e for e in _listing(repo, [*args, *spec]) if e[0] != "U"]  # unmerged: no patch
    ws = ["-w"] if ignore_whitespace else []
    cmd = ["-c", "core.quotePath=false", "diff", f"-U{context}", *_STABLE, *ws, *args, *spec]
    with tempfile.TemporaryFile() as stderr:
        proc = repo.popen(cmd, stderr=stderr)
        assert proc.stdout is not None
        try:
            files = _read_patch(
                _patch_lines(proc.stdout), entries, keep=keep_patch, removed=removed
            )
        finally:
            proc.stdout.close()
            code = proc.wait()
        if code != 0:
            stderr.seek(0)
            err = stderr.read()
            raise GitError(_describe_failure(cmd[2:], err), repo.missing_hint(err))
    return files


def diff_patch(repo: Repo, args: Sequence[str], *, context: int = 3) -> list[FileDiff]:
    """`git diff -U<context> <args>` per file: its added lines and its whole patch (`patch`)."""
    return diff_added_lines(repo, args, context=context, keep_patch=True)


# A patch line longer than this keeps only its start (a minified file can be one 50 MB line).
_MAX_LINE = 1 << 20


def _patch_lines(stream: IO[bytes]) -> Iterable[tuple[bytes, int]]:
    """(line without its newline, its full length) from a patch stream; a line longer than
    `_MAX_LINE` keeps only its start (the rest is read and dropped, a chunk at a time)."""
    read = stream.readline
    while True:
        line = read(_MAX_LINE)
        if not line:
            return
        if line.endswith(b"\n"):
            yield line[:-1], len(line)
            continue
        size = len(line)
        while True:
            rest = read(_MAX_LINE)
            size += len(rest)
            if not rest or rest.endswith(b"\n"):
                break
        yield line, size


def _read_patch(
    lines: Iterable[tuple[bytes, int]],
    entries: list[tuple[str, bytes, bytes]],
    *,
    keep: bool = False,
    removed: bool = False,
) -> list[FileDiff]:
    """Added (and, if asked, removed) lines per listed file from a patch whose sections follow
    the listing; with `keep`, every patch line too (`FileDiff.patch`, dropped for a file too
    large to hold)."""
    files = [
        FileDiff(
            path=new.decode("utf-8", "replace"),
            old_path=old.decode("utf-8", "replace") if status in ("R", "C") else None,
            deleted=status == "D",
            created=status == "A",
        )
        for status, old, new in entries
    ]
    budget = [CHANGE_TEXT_MAX_BYTES]  # text the whole diff may still keep
    walk_patch(lines, entries, lambda i: _Section(files[i], budget, keep, removed))
    return files


class _Section(Section):
    """One file's section of a patch being read: keeps text up to the limit, then only runs."""

    __slots__ = ("budget", "file", "keep", "keep_removed", "kept", "removed_bytes", "removed_keys")

    def __init__(self, file: FileDiff, budget: list[int], keep: bool, removed: bool) -> None:
        self.file = file
        self.budget = budget
        self.keep = keep
        self.keep_removed = removed
        self.kept = sum(len(t) for t in file.added.values())  # a type change: second section
        self.removed_keys: set[str] | None = set()
        self.removed_bytes = 0

    def binary(self) -> None:
        self.file.binary = True

    def hunk(self, raw: bytes) -> None:
        if self.keep:
            self._keep("@", None, None, raw)

    def added(self, new: int, raw: bytes, size: int) -> None:
        self._added(new, raw, size)
        if self.keep:
            self._keep("+", None, new, raw[1:])

    def _added(self, line_no: int, raw: bytes, size: int) -> None:
        f = self.file
        if not f.too_large:
            self.kept += size
            self.budget[0] -= size
            if self.kept <= LINE_TEXT_MAX_BYTES and self.budget[0] >= 0 and size <= _MAX_LINE:
                f.add(line_no, raw[1:].decode("utf-8", "replace"))
                return
            f.too_large = True  # from here on: runs of line numbers, no text
            for n in sorted(f.added):
                self._run(n)
            f.added.clear()
            f.reindented.clear()
            self.removed_keys = None
        self._run(line_no)
        f.added_count += 1

    def _run(self, n: int) -> None:
        runs = self.file.runs
        if runs and runs[-1][1] == n - 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))

    def removed(self, old: int, raw: bytes, size: int) -> None:
        f = self.file
        f.removed_count += 1
        if self.keep_removed and not f.too_large and size <= _MAX_LINE:
            f.removed[old] = raw[1:].decode("utf-8", "replace")
        if self.keep:
            self._keep("-", old, None, raw[1:])
        keys = self.removed_keys
        if keys is None:
            return
        self.removed_bytes += len(raw)
        if self.removed_bytes > LINE_TEXT_MAX_BYTES:
            self.removed_keys = None  # too much to compare: every added line may be re-indented
            return
        keys.add(_squeeze(raw[1:].decode("utf-8", "replace")))

    def context(self, old: int, new: int, raw: bytes) -> None:
        if self.keep:
            self._keep(" ", old, new, raw[1:])

    def _keep(self, op: str, old: int | None, new: int | None, raw: bytes) -> None:
        """One patch line kept in `FileDiff.patch`, while the file is small enough to hold."""
        f = self.file
        if f.too_large:
            f.patch.clear()
            return
        f.patch.append(PatchLine(op, old, new, raw.decode("utf-8", "replace")))

    def finish(self) -> None:
        """Note the added lines that may be only re-indented (see `FileDiff.reindented`)."""
        f = self.file
        if f.too_large or not f.removed_count:
            return
        keys = self.removed_keys
        for n, text in f.added.items():
            if keys is None or _squeeze(text) in keys:
                f.reindented.add(n)
        self.removed_keys = set()


def _squeeze(text: str) -> str:
    """A line with every whitespace character removed: equal for lines `diff -w` matches (and
    for a few more: str.split knows more whitespace than git, which only widens the check)."""
    return "".join(text.split())


def log_added_lines(
    repo: Repo, revs: Sequence[str], *, no_walk: bool = False
) -> list[tuple[str, list[FileDiff]]]:
    """Each non-merge commit of `revs`, oldest first, with the lines it added (`-w`: lines only
    re-indented are not added). Two git processes for the whole range: the `-z --raw` listing
    (paths verbatim) and the `-U0` patch, matched per commit as `diff_added_lines` does.
    `no_walk`: exactly the commits `revs` names, not their history."""
    order_args = ["--no-walk=unsorted"] if no_walk else ["--reverse", "--topo-order"]
    common = ["--no-merges", *order_args, "--format=%x01%H", *_STABLE]
    listing = repo.run("-c", "core.quotePath=false", "log", "-z", "--raw", *common, *revs, "--")
    entries: dict[str, list[tuple[str, bytes, bytes]]] = {}
    order: list[str] = []
    fields = listing.split(b"\0")
    i = 0
    while i < len(fields):
        token = fields[i].lstrip(b"\n")
        if token.startswith(b"\x01"):
            sha = token[1:].decode()
            order.append(sha)
            entries[sha] = []
            i += 1
        elif token.startswith(b":") and order:
            status = token.split(b" ")[-1][:1].decode("ascii", "replace")
            if status in ("R", "C") and i + 2 < len(fields):
                entries[order[-1]].append((status, fields[i + 1], fields[i + 2]))
                i += 3
            elif i + 1 < len(fields):
                entries[order[-1]].append((status, fields[i + 1], fields[i + 1]))
                i += 2
            else:
                i += 1
        else:
            i += 1
    patch = repo.run("-c", "core.quotePath=false", "log", "-p", "-U0", "-w", *common, *revs, "--")
    sections: dict[str, bytes] = {}
    # every patch line starts with a marker character, so "\n\x01" only begins a commit
    for chunk in (b"\n" + patch).split(b"\n\x01")[1:]:
        head, _, body = chunk.partition(b"\n")
        sections[head.decode().strip()] = body
    return [
        (sha, _read_patch(sized(sections.get(sha, b"").split(b"\n")), entries[sha]))
        for sha in order
    ]


def commits_added_lines(
    repo: Repo, shas: Sequence[str], *, chunk: int = 100
) -> tuple[dict[str, list[FileDiff]], dict[str, str]]:
    """`log_added_lines` of exactly the non-merge commits `shas`, a chunk at a time (two git
    processes per chunk, not per commit): (added lines by commit, and why git could not read a
    commit, by commit). A chunk git cannot read is read again commit by commit, so one missing
    object costs only its own commit."""
    found: dict[str, list[FileDiff]] = {}
    failed: dict[str, str] = {}
    for start in range(0, len(shas), chunk):
        part = list(shas[start : start + chunk])
        try:
            found.update(log_added_lines(repo, part, no_walk=True))
            continue
        except GitError:
            pass
        for sha in part:
            try:
                found.update(log_added_lines(repo, [sha], no_walk=True))
            except GitError as exc:
                failed[sha] = exc.message
    return found, failed


def added_line_numbers(repo: Repo, shas: Sequence[str]) -> dict[str, dict[str, list[int]]]:
    """Per commit, per path, the sorted numbers of the lines it added against its first parent
    (`-w`, renames followed). A commit whose diff cannot be read (a missing object) is left out;
    merges have none."""
    out: dict[str, dict[str, list[int]]] = {}
    for chunk in batched(shas, 500):
        try:
            found = log_added_lines(repo, chunk, no_walk=True)
        except GitError:
            found = []
            for sha in chunk:  # one missing object costs only its own commit
                try:
                    found += log_added_lines(repo, [sha], no_walk=True)
                except GitError:
                    continue
        for sha, files in found:
            out[sha] = {f.path: list(f.line_numbers()) for f in files if f.added_count}
    return out


def added_ignoring_whitespace(repo: Repo, shas: Sequence[str]) -> dict[str, int]:
    """Lines each commit added against its first parent, not counting lines it only re-indented
    (`--numstat -w`). One git process for all; a commit whose blobs cannot be read is left out
    (asked again alone, so one missing object costs only its own commit)."""
    if not shas:
        return {}
    if len(shas) > 1000:
        first = added_ignoring_whitespace(repo, shas[:1000])
        return {**first, **added_ignoring_whitespace(repo, shas[1000:])}
    args = ["log", "--no-walk=unsorted", "--numstat", "-w", "-M", "--format=%x01%H"]
    try:
        out = repo.run(*args, *shas, "--")
    except GitError:
        if len(shas) == 1:
            return {}
        found: dict[str, int] = {}
        for sha in shas:
            found.update(added_ignoring_whitespace(repo, [sha]))
        return found
    counts: dict[str, int] = {}
    sha = ""
    for line in out.decode("utf-8", "replace").splitlines():
        if line.startswith("\x01"):
            sha = line[1:].strip()
            counts[sha] = 0
        elif sha and "\t" in line:
            added = line.split("\t", 1)[0]
            if added.isdigit():
                counts[sha] += int(added)
    return counts
