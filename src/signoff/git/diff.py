"""Added lines of a diff: paths from `git diff -z --raw`, line numbers from `git diff -U0`.

Paths are never parsed out of the patch text: git appends a tab to a `+++ b/a b` line whose
path has a space and C-quotes paths with tabs, quotes or backslashes, so a patch line cannot say
where a path ends. The `-z` listing gives each path verbatim; the patch's `diff --git` headers are
matched to it by quoting the listed paths the way git does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from signoff.git.repo import GitError, Repo

_HUNK = re.compile(rb"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
# Options that keep both outputs in the same shape whatever the user's configuration says.
_STABLE = (
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--no-relative",
    "--src-prefix=a/",
    "--dst-prefix=b/",
    "-M",
)
_C_ESCAPES = {7: b"\\a", 8: b"\\b", 9: b"\\t", 10: b"\\n", 11: b"\\v", 12: b"\\f", 13: b"\\r"}


@dataclass(slots=True)
class FileDiff:
    """One file's added lines (1-based, in the new version) and whether it is binary."""

    path: str
    old_path: str | None = None
    binary: bool = False
    deleted: bool = False
    added: dict[int, str] = field(default_factory=dict)
    created: bool = False  # the file is new in this diff
    # removed lines (1-based, in the old version); read only when asked for (`removed=True`)
    removed: dict[int, str] = field(default_factory=dict)

    @property
    def added_count(self) -> int:
        return len(self.added)


def quote_path(raw: bytes) -> bytes:
    """A path as git writes it in a patch header with core.quotePath=false (C-quoted if needed)."""
    out = bytearray()
    quoted = False
    for byte in raw:
        if byte in (0x22, 0x5C):  # " and \
            out += b"\\" + bytes([byte])
            quoted = True
        elif byte < 0x20 or byte == 0x7F:
            out += _C_ESCAPES.get(byte, b"\\%03o" % byte)
            quoted = True
        else:
            out.append(byte)
    return b'"' + bytes(out) + b'"' if quoted else bytes(out)


def _listing(repo: Repo, args: Sequence[str]) -> list[tuple[str, bytes, bytes]]:
    """(status letter, old path, new path) per file from `git diff -z --raw`."""
    out = repo.run("-c", "core.quotePath=false", "diff", "-z", "--raw", *_STABLE, *args)
    fields = out.split(b"\0")
    entries: list[tuple[str, bytes, bytes]] = []
    i = 0
    while i < len(fields) - 1:
        meta = fields[i]
        if not meta.startswith(b":"):
            i += 1
            continue
        status = meta.split(b" ")[-1][:1].decode("ascii", "replace")
        if status in ("R", "C"):
            old, new = fields[i + 1], fields[i + 2]
            i += 3
        else:
            old = new = fields[i + 1]
            i += 2
        entries.append((status, old, new))
    return entries


def diff_added_lines(
    repo: Repo, args: Sequence[str], *, ignore_whitespace: bool = False, removed: bool = False
) -> list[FileDiff]:
    """Parse `git diff -U0 <args>` into added lines per file (renames followed).

    `ignore_whitespace` (`-w`): a line whose change is only whitespace (re-indented) is not an
    added line, as `git blame -w` keeps it with the commit that wrote it.
    """
    entries = [e for e in _listing(repo, args) if e[0] != "U"]  # unmerged: no patch to read
    ws = ["-w"] if ignore_whitespace else []
    out = repo.run("-c", "core.quotePath=false", "diff", "-U0", *_STABLE, *ws, *args)
    return _read_patch(out, entries, removed=removed)


def _read_patch(
    out: bytes, entries: list[tuple[str, bytes, bytes]], *, removed: bool = False
) -> list[FileDiff]:
    """Added (and, if asked, removed) lines per listed file from a `-U0` patch whose sections
    follow the listing."""
    files = [
        FileDiff(
            path=new.decode("utf-8", "replace"),
            old_path=old.decode("utf-8", "replace") if status in ("R", "C") else None,
            deleted=status == "D",
            created=status == "A",
        )
        for status, old, new in entries
    ]
    headers = [
        b"diff --git " + quote_path(b"a/" + old) + b" " + quote_path(b"b/" + new)
        for _, old, new in entries
    ]
    current: FileDiff | None = None
    at = 0  # the listing and the patch come in the same order; a type change has two sections
    line_no = old_no = 0
    in_header = False
    for raw in out.split(b"\n"):
        if raw.startswith(b"diff --git "):
            current = None
            for j in range(at, len(headers)):
                if headers[j] == raw:
                    at, current = j, files[j]
                    break
            in_header = True
            continue
        if current is None:
            continue
        if in_header:
            if raw.startswith(b"Binary files ") or raw == b"GIT binary patch":
                current.binary = True
                continue
            if not raw.startswith(b"@@"):
                continue
            in_header = False
        m = _HUNK.match(raw)
        if m:
            old_no, line_no = int(m.group(1)), int(m.group(2))
            continue
        if raw.startswith(b"+"):
            current.added[line_no] = raw[1:].decode("utf-8", "replace")
            line_no += 1
        elif removed and raw.startswith(b"-"):
            current.removed[old_no] = raw[1:].decode("utf-8", "replace")
            old_no += 1
    return files


def log_added_lines(repo: Repo, revs: Sequence[str]) -> list[tuple[str, list[FileDiff]]]:
    """Each non-merge commit of `revs`, oldest first, with the lines it added (`-w`: lines only
    re-indented are not added). Two git processes for the whole range: the `-z --raw` listing
    (paths verbatim) and the `-U0` patch, matched per commit as `diff_added_lines` does."""
    common = ["--no-merges", "--reverse", "--topo-order", "--format=%x01%H", *_STABLE]
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
    return [(sha, _read_patch(sections.get(sha, b""), entries[sha])) for sha in order]


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
