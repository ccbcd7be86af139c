"""git's own `.mailmap` resolution, for identities git log does not map for us (co-authors,
accepters named in trailers): one `git check-mailmap --stdin` process answers them all."""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import TypedDict

from signoff.git.repo import Repo


class Sources(TypedDict):
    """Where a mapping is read from beyond `.mailmap`: files and blob names (JSON as stored)."""

    files: list[str]
    blobs: list[str]


class Mailmap:
    """Map `(name, email)` to the canonical identity the repository's mailmap gives.

    Starts no process when the repository has no mailmap (`.mailmap` in the work tree,
    `mailmap.file`/`mailmap.blob`, or `.mailmap` at HEAD of a bare repository): the usual case.
    """

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self._proc: subprocess.Popen[bytes] | None = None
        self._cache: dict[tuple[str, str], tuple[str, str]] = {}

    @cached_property
    def active(self) -> bool:
        if (self.repo.root / ".mailmap").is_file():
            return True
        if self.repo.run("config", "--get-regexp", r"^mailmap\.(file|blob)$", check=False):
            return True
        if (self.repo.root / ".git").exists():
            return False  # a work tree without .mailmap; git reads HEAD's only when bare
        return self.repo.succeeds("cat-file", "-e", "HEAD:.mailmap")

    def sources(self) -> Sources:
        """Where git reads the mapping from beyond the work tree's `.mailmap`: the files and
        blobs `mailmap.file`/`mailmap.blob` name in any config (local, global, system). Costs
        a `git config`."""
        config = self.repo.run(
            "config", "--get-regexp", r"^mailmap\.(file|blob)$", check=False
        ).decode("utf-8", "replace")
        files: list[str] = []
        blobs: list[str] = []
        for line in config.splitlines():
            key, _, value = line.partition(" ")
            if key == "mailmap.file":
                files.append(str(_config_path(self.repo, value)))
            elif key == "mailmap.blob":
                blobs.append(value)
        return {"files": files, "blobs": blobs}

    def fingerprint(self, sources: Sources | None = None) -> str:
        """What git's mapping is read from, by content: the work tree's `.mailmap`, the files
        and blobs `mailmap.file`/`mailmap.blob` name, and `HEAD:.mailmap` in a bare repository.

        Costs a `git config` (and a `rev-parse` for blobs): callers ask only when `probe` moved.
        """
        found = self.sources() if sources is None else sources
        parts = [_file_digest(self.repo.root / ".mailmap")]
        parts += [f"{path}={_file_digest(Path(path))}" for path in found["files"]]
        blobs = found["blobs"]
        if not blobs and self.repo.is_bare:
            blobs = ["HEAD:.mailmap"]  # git's default mailmap.blob in a bare repository
        if blobs:
            parts.append(f"blobs={','.join(blobs)}:{_blob_ids(self.repo, blobs)}")
        return _digest("\0".join(parts).encode())

    def lookup(self, name: str, email: str) -> tuple[str, str]:
        key = (name, email)
        if key in self._cache:
            return self._cache[key]
        found = key
        if self.active and not any(c in name + email for c in "<>\n\r\0"):
            found = self._ask(name, email) or key
        self._cache[key] = found
        return found

    def _ask(self, name: str, email: str) -> tuple[str, str] | None:
        try:
            if self._proc is None:
                self._proc = self.repo.popen(["check-mailmap", "--stdin"], stdin=True)
            assert self._proc.stdin is not None and self._proc.stdout is not None
            contact = f"{name} <{email}>" if name else f"<{email}>"
            self._proc.stdin.write(contact.encode() + b"\n")
            self._proc.stdin.flush()
            answer = self._proc.stdout.readline().decode("utf-8", "replace").rstrip("\n")
        except OSError:
            self.close()
            self.active = False  # a git without check-mailmap: answer unmapped, never fail
            return None
        mapped_name, sep, rest = answer.rpartition(" <")
        if not sep or not rest.endswith(">"):
            return None
        return mapped_name, rest[:-1]

    def close(self) -> None:
        if self._proc is not None:
            proc, self._proc = self._proc, None
            if proc.stdin:
                proc.stdin.close()
            proc.kill()
            proc.wait()


def probe(repo: Repo, tips: Sequence[str], sources: Sources | None = None) -> str:
    """A cheap stand-in for `Mailmap.fingerprint`, read before every warm query: when it has
    not moved, neither has the mapping; when it has, ask `fingerprint`.

    By content, with no git process: the work tree's `.mailmap`, every config file git reads
    (the repository's, the user's global ones, the system's, and the environment that picks
    them), and the mailmap files `sources` (from the last `Mailmap.sources`) name, so an edit
    of a global `mailmap.file` is seen; branch tips where a blob is read (a bare repository's
    `HEAD:.mailmap`), and the blobs' ids when `mailmap.blob` is set (one `rev-parse`, only then).
    """
    parts = [_file_digest(repo.root / ".mailmap")]
    parts += [_file_digest(path) for path in _config_files(repo)]
    parts += [f"{k}={os.environ.get(k, '')}" for k in _CONFIG_ENV]
    if sources is not None:
        parts += [_file_digest(Path(path)) for path in sources["files"]]
        if sources["blobs"]:
            parts.append(_blob_ids(repo, sources["blobs"]))
    if repo.is_bare:
        parts.append(",".join(tips))
    return _digest("\0".join(parts).encode())


# What decides which config files git reads.
_CONFIG_ENV = (
    "GIT_CONFIG_GLOBAL",
    "GIT_CONFIG_SYSTEM",
    "GIT_CONFIG_NOSYSTEM",
    "HOME",
    "XDG_CONFIG_HOME",
)


def _config_files(repo: Repo) -> list[Path]:
    """The config files git reads for this repository, as git's own lookup order names them:
    system (unless `GIT_CONFIG_NOSYSTEM`), global (`GIT_CONFIG_GLOBAL`, else the XDG file and
    `~/.gitconfig`), the repository's `config` and `config.worktree`. Files they include are
    not followed."""
    env = os.environ
    files: list[Path] = []
    if not env.get("GIT_CONFIG_NOSYSTEM"):
        files.append(Path(env.get("GIT_CONFIG_SYSTEM") or "/etc/gitconfig"))
    if env.get("GIT_CONFIG_GLOBAL"):
        files.append(Path(env["GIT_CONFIG_GLOBAL"]))
    else:
        home = Path(env.get("HOME") or Path.home())
        xdg = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else home / ".config"
        files += [xdg / "git" / "config", home / ".gitconfig"]
    files += [repo.git_dir / "config", repo.git_dir / "config.worktree"]
    return files


def _config_path(repo: Repo, value: str) -> Path:
    """A path-valued config entry as git reads it: `~` expanded, relative to the top level
    (where Signoff runs git)."""
    return repo.root / os.path.expanduser(value)


def _blob_ids(repo: Repo, blobs: Sequence[str]) -> str:
    out = repo.run(
        "rev-parse", "--verify", "--quiet", "--end-of-options", *blobs, check=False
    ).decode()
    return ",".join(out.split())


def _file_digest(path: Path) -> str:
    try:
        return _digest(path.read_bytes())
    except OSError:
        return "-"  # absent (or unreadable, which git treats the same)


def _digest(data: bytes) -> str:
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()[:16]
