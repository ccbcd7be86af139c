"""The hook between provenance and policy: which paths have AI-assisted changes.

`signoff policy check` asks `ai_touched_paths(repo)` and passes the answer to the coverage rule,
which only needs `(path, commit)` pairs. The answer comes from the provenance index when it is
available (fast, incremental), otherwise from one streamed `git log --numstat` with live
detection. If neither can run, `CoverageUnavailable` says why and the check reports that the
rule did not run — it never pretends the history is clean.
"""

from __future__ import annotations

import importlib
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

from signoff.git.repo import Repo

Pairs = list[tuple[str, str]]


class CoverageUnavailable(Exception):
    """AI-touched paths could not be determined; the message says why."""


def ai_touched_paths(repo: Repo, rev: str | None = None) -> Pairs:
    """(path, commit) for files that AI-assisted commits reachable from `rev` (default HEAD)
    touched and that still exist at `rev`; the newest such commit per path."""
    target = rev or "HEAD"
    if repo.resolve(target) is None:
        if repo.head() is None:
            return []  # no history, nothing touched
        raise CoverageUnavailable(f"{target!r} is not a commit")
    existing = _tree_paths(repo, target)
    pairs = _from_index(repo, target)
    if pairs is None:
        pairs = list(_from_log(repo, target))
    seen: dict[str, str] = {}
    for path, commit in pairs:
        if path in existing:
            seen.setdefault(path, commit)
    return sorted(seen.items())


def _tree_paths(repo: Repo, rev: str) -> set[str]:
    out = repo.run("ls-tree", "-r", "-z", "--name-only", "--full-tree", rev)
    return {p.decode("utf-8", "surrogateescape") for p in out.split(b"\x00") if p}


def _module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _from_index(repo: Repo, rev: str) -> Pairs | None:
    """From the provenance index; None when it is not available, so the caller streams."""
    index_mod = _module("signoff.store.index")
    if index_mod is None:
        return None
    provided: Callable[[Repo], Any] | None = getattr(index_mod, "ai_touched_paths", None)
    if provided is not None:
        return [(str(p), str(c)) for p, c in provided(repo)]
    try:
        index, _ = index_mod.open_index(repo)
    except (sqlite3.Error, OSError):
        return None
    try:
        from signoff.git.log import rev_list

        reachable = set(rev_list(repo, [rev]))
        rows = index.conn.execute(
            "SELECT f.path, f.sha FROM commit_files f JOIN commits c ON c.sha = f.sha "
            "WHERE c.status IN ('ai', 'mixed') ORDER BY c.commit_date DESC"
        )
        return [(str(path), str(sha)) for path, sha in rows if sha in reachable]
    except sqlite3.Error:
        return None
    finally:
        index.close()


def _from_log(repo: Repo, rev: str) -> Iterator[tuple[str, str]]:
    """One streamed `git log --numstat` with live detection (no notes: trailers and identities)."""
    log_mod = _module("signoff.git.log")
    detect_mod = _module("signoff.provenance.detect")
    if log_mod is None or detect_mod is None:
        raise CoverageUnavailable(
            "neither the provenance index nor live detection is available in this installation"
        )
    for commit in log_mod.iter_commits(repo, [rev], numstat=True):
        if not commit.files:
            continue
        if detect_mod.detect(commit).status in ("ai", "mixed"):
            for change in commit.files:
                yield change.path, commit.sha
