"""History questions the outcome measures ask of git: which commit was the branch at a moment,
and what to diff a commit against."""

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


def parent_or_empty_tree(repo: Repo, sha: str, has_parent: bool) -> str:
    """What to diff a commit against: its first parent, or the empty tree for a root commit
    (in the repository's own hash, SHA-1 or SHA-256)."""
    if has_parent:
        return f"{sha}^"
    return repo.run("hash-object", "-t", "tree", os.devnull).decode().strip()
