"""History questions the outcome measures ask of git: which commit was the branch at a moment,
and which commits came after a commit within some days."""

from __future__ import annotations

import os

from signoff.git.repo import GitError, Repo


def branch_at(repo: Repo, tip: str, timestamp: int) -> str | None:
    """The commit the first-parent line of `tip` stood at, at `timestamp` (None: none yet)."""
    try:
        out = repo.run("rev-list", "-1", "--first-parent", f"--before=@{timestamp}", tip, "--")
    except GitError:
        return None
    sha = out.decode().strip()
    return sha or None


def descendants(repo: Repo, sha: str, tip: str) -> list[tuple[str, int, str]]:
    """(sha, commit time, full message) of every non-merge commit on `tip` that descends from
    `sha`, oldest first. By ancestry, not by date: dates in a history need not be in order."""
    try:
        out = repo.run(
            "log",
            "--no-merges",
            "--reverse",
            "--ancestry-path",
            "-z",
            "--format=%H%x00%ct%x00%B",
            f"{sha}..{tip}",
            "--",
        )
    except GitError:
        return []
    fields = out.split(b"\0")
    found = []
    for i in range(0, len(fields) - 2, 3):
        commit = fields[i].decode().strip()
        if commit:
            found.append((commit, int(fields[i + 1]), fields[i + 2].decode("utf-8", "replace")))
    return found


def parent_or_empty_tree(repo: Repo, sha: str, has_parent: bool) -> str:
    """What to diff a commit against: its first parent, or the empty tree for a root commit
    (in the repository's own hash, SHA-1 or SHA-256)."""
    if has_parent:
        return f"{sha}^"
    return repo.run("hash-object", "-t", "tree", os.devnull).decode().strip()
