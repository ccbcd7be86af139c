"""git's own `.mailmap` resolution, for identities git log does not map for us (co-authors,
accepters named in trailers): one `git check-mailmap --stdin` process answers them all."""

from __future__ import annotations

import subprocess
from functools import cached_property

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
