"""Reading and changing a repository's own git config, one value at a time.

Always `--local`: `signoff init` configures the repository it runs in, never the user's global
config. Multi-valued keys (`notes.rewriteRef`, `remote.<name>.fetch`) are only ever added to or
have one exact value removed, so values other tools put there are kept.
"""

from __future__ import annotations

from pathlib import Path

from signoff.git.repo import GitError, Repo


def get(repo: Repo, key: str) -> str | None:
    """The repository-local value of `key` (the last one if several), or None."""
    out = repo.run("config", "--local", "--get", key, check=False)
    text = out.decode("utf-8", "replace").strip()
    return text or None


def get_all(repo: Repo, key: str) -> list[str]:
    """Every repository-local value of a multi-valued key."""
    out = repo.run("config", "--local", "--get-all", key, check=False)
    return [line for line in out.decode("utf-8", "replace").splitlines() if line]


def set_value(repo: Repo, key: str, value: str) -> None:
    repo.run("config", "--local", key, value)


def add_value(repo: Repo, key: str, value: str) -> bool:
    """Add `value` to a multi-valued key unless it is there already; True when added."""
    if value in get_all(repo, key):
        return False
    repo.run("config", "--local", "--add", key, value)
    return True


def remove_value(repo: Repo, key: str, value: str) -> bool:
    """Remove exactly `value` from `key` (other values stay); True when it was there."""
    if value not in get_all(repo, key):
        return False
    repo.run("config", "--local", "--fixed-value", "--unset-all", key, value)
    return True


def unset(repo: Repo, key: str) -> None:
    """Remove every local value of `key` (nothing happens when it is not set)."""
    repo.run("config", "--local", "--unset-all", key, check=False)


def remotes(repo: Repo) -> list[str]:
    return repo.run_text("remote").split()


def hooks_dir(repo: Repo) -> Path:
    """Where git looks for this repository's hooks, honouring `core.hooksPath`."""
    out = repo.run_text("rev-parse", "--git-path", "hooks").strip()
    if not out:
        raise GitError("git rev-parse --git-path hooks printed nothing")
    path = Path(out).expanduser()
    return path if path.is_absolute() else (repo.root / path)
