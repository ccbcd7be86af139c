"""History questions asked of git: which commit was the branch at a moment, what to diff a
commit against, which paths each commit added and deleted, and the commit-graph that makes
walking a file's history cheap."""

from __future__ import annotations

import os
from pathlib import Path

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


def adds_and_deletes(repo: Repo, rev: str) -> list[tuple[list[str], list[str]]]:
    """(paths added, paths deleted) of each commit in `rev`'s history, oldest first, merges
    against each parent. A rename is a delete and an add in one commit; asking git for adds and
    deletes without rename detection reads no blob, so it cannot fail on content missing from
    a partial clone, and with a commit-graph it is a fraction of a second on 10,000 commits."""
    out = repo.run(
        "log", "-m", "--reverse", "--no-renames", "--name-status", "--diff-filter=AD", "-z",
        "--format=%x01%H", rev, "--",
    )  # fmt: skip
    commits: list[tuple[list[str], list[str]]] = []
    for chunk in out.split(b"\x01")[1:]:
        tokens = chunk.split(b"\x00")[1:]
        added: list[str] = []
        deleted: list[str] = []
        for status, path in zip(tokens[::2], tokens[1::2], strict=False):
            name = path.decode("utf-8", "surrogateescape")
            (added if status.strip() == b"A" else deleted).append(name)
        if added and deleted:
            commits.append((added, deleted))
    return commits


def commit_graph(repo: Repo, *, write: bool) -> str:
    """Make sure git's commit-graph with changed-path filters is there, which lets `git blame`
    skip the commits that did not touch a file without opening their trees (a blame of every
    file of a 9,000-commit history takes a quarter of the CPU time with it). Written with
    `git commit-graph write --reachable --changed-paths`, as `git maintenance` would, only when
    the repository has no commit-graph at all; a shallow clone has none (git ignores one there).
    Returns what was found or done: present, written, or why it is absent."""
    where = repo.run_text("rev-parse", "--path-format=absolute", "--git-path", "objects/info")
    info = Path(where.strip())
    chain = info / "commit-graphs" / "commit-graph-chain"
    layers = [info / "commit-graph"]
    if chain.exists():
        names = chain.read_text().split()
        layers += [info / "commit-graphs" / f"graph-{name}.graph" for name in names]
    found = [p for p in layers if p.exists()]
    if any(_has_changed_paths(p) for p in found):
        return "present"
    if found:
        return "present without changed-path filters"
    if repo.shallow_boundary():
        return "absent (a shallow clone: git does not use one)"
    if repo.run_text("config", "--type=bool", "core.commitGraph", check=False).strip() == "false":
        return "absent (core.commitGraph is false)"
    if not write:
        return "absent"
    try:
        repo.run("commit-graph", "write", "--reachable", "--changed-paths")
    except GitError as exc:
        return f"absent (git could not write one: {exc.message})"
    return "written"


def _has_changed_paths(graph: Path) -> bool:
    """A commit-graph file's chunk table names its Bloom filter chunk (`BDAT`)."""
    try:
        with graph.open("rb") as f:
            head = f.read(8)
            if len(head) < 8 or head[:4] != b"CGPH":
                return False
            table = f.read(12 * (head[6] + 1))
    except OSError:
        return False
    return any(table[i : i + 4] == b"BDAT" for i in range(0, len(table), 12))
