"""Added lines of a diff, parsed from one `git diff -U0` stream."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from signoff.git.repo import GitError, Repo

_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


@dataclass(slots=True)
class FileDiff:
    """One file's added lines (1-based, in the new version) and whether it is binary."""

    path: str
    old_path: str | None = None
    binary: bool = False
    deleted: bool = False
    added: dict[int, str] = field(default_factory=dict)

    @property
    def added_count(self) -> int:
        return len(self.added)


def _unquote(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    if text.startswith('"') and text.endswith('"'):
        # git C-quotes unusual paths; decode the octal escapes back to UTF-8
        body = text[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
        return body.encode("latin-1", "replace").decode("utf-8", "replace")
    return text


def diff_added_lines(
    repo: Repo, args: Sequence[str], *, ignore_whitespace: bool = False
) -> list[FileDiff]:
    """Parse `git diff -U0 <args>` into added lines per file (renames followed).

    `ignore_whitespace` (`-w`): a line whose change is only whitespace (re-indented) is not an
    added line, as `git blame -w` keeps it with the commit that wrote it.
    """
    out = repo.run(
        "-c",
        "core.quotePath=false",
        "diff",
        "-U0",
        "-M",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        *(["-w"] if ignore_whitespace else []),
        *args,
    )
    return _parse(out)


def log_added_lines(repo: Repo, revs: Sequence[str]) -> list[tuple[str, list[FileDiff]]]:
    """Each non-merge commit of `revs`, oldest first, with the lines it added (`-w`: lines only
    re-indented are not added). One `git log -p` process for the whole range."""
    out = repo.run(
        "-c",
        "core.quotePath=false",
        "log",
        "-p",
        "-U0",
        "-M",
        "-w",
        "--no-merges",
        "--reverse",
        "--topo-order",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--format=%x01%H",
        *revs,
        "--",
    )
    commits: list[tuple[str, list[FileDiff]]] = []
    # every diff line starts with a marker character, so "\n\x01" only begins a commit
    for chunk in (b"\n" + out).split(b"\n\x01")[1:]:
        sha, _, body = chunk.partition(b"\n")
        commits.append((sha.decode().strip(), _parse(body)))
    return commits


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


def _parse(out: bytes) -> list[FileDiff]:
    files: list[FileDiff] = []
    current: FileDiff | None = None
    line_no = 0
    for raw in out.split(b"\n"):
        if raw.startswith(b"diff --git "):
            # fallback for diffs without ---/+++ lines (mode changes): the b/ side of the header
            header = raw[11:].decode("utf-8", "replace")
            current = FileDiff(path=header.split(" b/", 1)[1] if " b/" in header else "")
            files.append(current)
            continue
        if current is None:
            continue
        if raw.startswith(b"+++ "):
            target = raw[4:]
            if target != b"/dev/null":
                current.path = _unquote(target)[2:]
            continue
        if raw.startswith(b"--- "):
            source = raw[4:]
            if source != b"/dev/null":
                current.old_path = _unquote(source)[2:]
            continue
        if raw.startswith(b"rename to "):
            current.path = _unquote(raw[10:])
            continue
        if raw.startswith(b"rename from "):
            current.old_path = _unquote(raw[12:])
            continue
        if raw.startswith(b"deleted file mode"):
            current.deleted = True
            continue
        if raw.startswith(b"Binary files "):
            current.binary = True
            # "Binary files a/x and b/y differ"
            tail = raw.rsplit(b" and ", 1)[-1].removesuffix(b" differ")
            if tail != b"/dev/null" and not current.path:
                current.path = _unquote(tail)[2:]
            continue
        m = _HUNK.match(raw)
        if m:
            line_no = int(m.group(1))
            continue
        if raw.startswith(b"+") and not raw.startswith(b"+++"):
            current.added[line_no] = raw[1:].decode("utf-8", "replace")
            line_no += 1
    for f in files:
        if not f.path and f.old_path:
            f.path = f.old_path
    return [f for f in files if f.path]
