"""What a user's TARGET names: a commit, a range `A..B`, a file, or `file:line[-line]`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from signoff.errors import SignoffError
from signoff.git.repo import Repo

_LINE = re.compile(r"^(?P<path>.+):(?P<start>\d+)(?:-(?P<end>\d+))?$")
_HEX = re.compile(r"^[0-9a-fA-F]{7,64}$")


@dataclass(frozen=True, slots=True)
class Target:
    # "absent": a commit id a shallow clone does not hold (behind where its history ends)
    kind: Literal["commit", "range", "file", "line", "absent"]
    text: str
    commit: str | None = None  # commit: its id
    range: str | None = None
    path: str | None = None  # file and line: path relative to the repository root
    start: int | None = None
    end: int | None = None
    # commit ids named by a range that a shallow clone does not hold (left out of the walk)
    absent: tuple[str, ...] = ()


def _repo_path(repo: Repo, text: str) -> str | None:
    """`text` as a path inside the repository, if it names a file there (work tree or HEAD)."""
    from pathlib import Path

    candidate = Path(text)
    absolute = candidate if candidate.is_absolute() else Path.cwd() / candidate
    try:
        rel = absolute.resolve().relative_to(repo.root.resolve()).as_posix()
    except ValueError:
        rel = text
    # a bare repository's root is its git directory: HEAD, config... there are not paths
    if not repo.is_bare and (repo.root / rel).is_file():
        return rel
    if any(mark in text for mark in ("~", "^", "@{")):
        return None  # revision syntax, not a path: spare a git process on the hot path
    if repo.head() and repo.run("ls-tree", "--name-only", "HEAD", "--", rel, check=False).strip():
        return rel
    return None


def parse_target(repo: Repo, text: str) -> Target:
    """Decide what TARGET means, preferring an existing file over a branch of the same name."""
    if not text or text.startswith("-"):
        raise SignoffError(f"{text!r} is not a target", "give a commit, A..B, a file or file:line")
    if _HEX.match(text) and not (repo.root / text).is_file():
        sha = repo.resolve(text)  # a commit id: one git process, no path lookup
        if sha:
            return Target("commit", text, commit=sha)
    if ".." in text and not _repo_path(repo, text):
        left, _, right = text.partition("...") if "..." in text else text.partition("..")
        ids = {side: repo.resolve(side) for side in (left, right) if side}
        if (
            left
            and _HEX.match(left)
            and ids[left] is None
            and (not right or ids[right])
            and repo.shallow_boundary()
        ):
            # the start lies behind a shallow clone's cut: walk what the clone holds
            return Target("range", text, range=right or "HEAD", absent=(left.lower(),))
        for side in (left, right):
            if side and ids[side] is None:
                if _HEX.match(side) and repo.shallow_boundary():
                    return Target("absent", text, commit=side.lower())
                raise SignoffError(
                    f"{side!r} in range {text!r} is not a commit", "check it with git log"
                )
        return Target("range", text, range=text)
    m = _LINE.match(text)
    if m:
        path = _repo_path(repo, m["path"])
        if path:
            start = int(m["start"])
            end = int(m["end"]) if m["end"] else start
            if start < 1 or end < start:
                raise SignoffError(
                    f"bad line range in {text!r}", "lines start at 1: file:10 or file:10-20"
                )
            return Target("line", text, path=path, start=start, end=end)
    path = _repo_path(repo, text)
    if path and not _HEX.match(text):
        return Target("file", text, path=path)
    sha = repo.resolve(text)
    if sha:
        return Target("commit", text, commit=sha)
    if path:
        return Target("file", text, path=path)
    if repo.head() is None:
        raise SignoffError(
            "this repository has no commits yet", "make a first commit, then ask again"
        )
    if _HEX.match(text) and repo.shallow_boundary():
        return Target("absent", text, commit=text.lower())
    raise SignoffError(
        f"{text!r} is not a commit, a range, a file or file:line in {repo.root}",
        "examples: signoff explain HEAD~2, main..feature, src/app.py, src/app.py:42",
    )
