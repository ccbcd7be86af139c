"""git's own `.mailmap` resolution, for identities git log does not map for us (co-authors,
accepters named in trailers): one `git check-mailmap --stdin` process answers them all."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

from signoff.git.repo import Repo


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

    def fingerprint(self) -> str:
        """What git's mapping is read from, by content: the work tree's `.mailmap`, the files
        and blobs `mailmap.file`/`mailmap.blob` name, and `HEAD:.mailmap` in a bare repository.

        Costs a `git config` (and a `rev-parse` for blobs): callers ask only when `probe` moved.
        """
        parts = [_file_digest(self.repo.root / ".mailmap")]
        config = self.repo.run(
            "config", "--get-regexp", r"^mailmap\.(file|blob)$", check=False
        ).decode("utf-8", "replace")
        blobs = []
        for line in config.splitlines():
            key, _, value = line.partition(" ")
            if key == "mailmap.file":
                parts.append(f"{value}={_file_digest(self.repo.root / value)}")
            elif key == "mailmap.blob":
                blobs.append(value)
        if not blobs and self.repo.is_bare:
            blobs.append("HEAD:.mailmap")  # git's default mailmap.blob in a bare repository
        if blobs:
            out = self.repo.run(
                "rev-parse", "--verify", "--quiet", "--end-of-options", *blobs, check=False
            ).decode()
            parts.append(f"blobs={','.join(blobs)}:{out.split()}")
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


def probe(repo: Repo, tips: Sequence[str]) -> str:
    """A cheap stand-in for `Mailmap.fingerprint` (no git process, read before every warm
    query): the work tree's `.mailmap` and the repository's config by content, and the branch
    tips in a bare repository (where `HEAD:.mailmap` is read). When it has not moved, neither
    has the mapping; when it has, ask `fingerprint`. A `mailmap.file` set in the user's global
    config is not watched: `signoff index --rebuild` picks up its edits."""
    parts = [_file_digest(repo.root / ".mailmap"), _file_digest(repo.git_dir / "config")]
    if repo.is_bare:
        parts.append(",".join(tips))
    return _digest("\0".join(parts).encode())


def _file_digest(path: Path) -> str:
    try:
        return _digest(path.read_bytes())
    except OSError:
        return "-"  # absent (or unreadable, which git treats the same)


def _digest(data: bytes) -> str:
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()[:16]
