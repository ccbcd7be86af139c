"""A thin wrapper around the `git` CLI for one repository.

Every git process Signoff starts goes through `Repo.run` or `Repo.popen`, so the environment
(no pager, no prompts, stable output) is set in one place.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from signoff.errors import SignoffError


class GitError(SignoffError):
    """git refused or failed; the message carries git's own words."""


def git_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment every git child gets: no pager, no prompts, no lazy fetches."""
    env = dict(os.environ)
    env.update(
        {
            "GIT_PAGER": "cat",
            "PAGER": "cat",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_NO_LAZY_FETCH": "1",
            "LC_ALL": "C",
        }
    )
    env.pop("GIT_EXTERNAL_DIFF", None)
    if extra:
        env.update(extra)
    return env


@dataclass
class Repo:
    """A git work tree (or bare repository) that Signoff reads and annotates."""

    root: Path
    _env: dict[str, str] = field(default_factory=git_env, repr=False)

    @classmethod
    def discover(cls, path: str | os.PathLike[str] = ".") -> Repo:
        """The repository containing `path`, with a clear error when there is none."""
        start = Path(path).resolve()
        if not start.exists():
            raise SignoffError(f"{start} does not exist", "run signoff inside a git repository")
        cwd = start if start.is_dir() else start.parent
        # One process answers for work trees and bare repositories alike: git prints the
        # answers it can before refusing --show-toplevel in a bare repository.
        proc = subprocess.run(
            [
                "git",
                "rev-parse",
                "--path-format=absolute",
                "--is-bare-repository",
                "--git-common-dir",
                "--show-toplevel",
            ],
            cwd=cwd,
            capture_output=True,
            env=git_env(),
        )
        lines = proc.stdout.decode("utf-8", "surrogateescape").splitlines()
        if proc.returncode != 0 and not (lines[:1] == ["true"] and len(lines) > 1):
            raise SignoffError(
                f"{start} is not inside a git repository",
                "cd into a repository, or pass --repo PATH",
            )
        common = Path(lines[1])
        # a bare repository prints no top level: the git dir is the root
        repo = cls(Path(lines[2]) if len(lines) > 2 and lines[0] != "true" else common)
        repo.__dict__["git_dir"] = common  # what the `git_dir` property would ask git for
        return repo

    # -- running git ---------------------------------------------------------------------

    def run(
        self,
        *args: str,
        input: bytes | None = None,
        check: bool = True,
        env: dict[str, str] | None = None,
    ) -> bytes:
        """Run git to completion and return its stdout as bytes."""
        proc = subprocess.run(
            ["git", *args],
            cwd=self.root,
            input=input,
            capture_output=True,
            env={**self._env, **env} if env else self._env,
        )
        if check and proc.returncode != 0:
            raise GitError(_describe_failure(args, proc.stderr))
        return proc.stdout

    def succeeds(self, *args: str) -> bool:
        """Whether git exits 0 (for questions like `cat-file -e`)."""
        proc = subprocess.run(["git", *args], cwd=self.root, capture_output=True, env=self._env)
        return proc.returncode == 0

    def run_text(self, *args: str, check: bool = True) -> str:
        return self.run(*args, check=check).decode("utf-8", "replace")

    def popen(self, args: Sequence[str], *, stdin: bool = False) -> subprocess.Popen[bytes]:
        """Start a long-lived git process (a log stream, `cat-file --batch`)."""
        return subprocess.Popen(
            ["git", *args],
            cwd=self.root,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self._env,
        )

    # -- facts about the repository ------------------------------------------------------

    @cached_property
    def git_dir(self) -> Path:
        """The common git directory (shared by worktrees): where the index cache lives."""
        out = self.run_text("rev-parse", "--path-format=absolute", "--git-common-dir").strip()
        return Path(out)

    def head(self) -> str | None:
        """The commit HEAD points at, or None in an empty repository."""
        out = self.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
        sha = out.decode().strip()
        return sha or None

    def resolve(self, rev: str) -> str | None:
        """The full commit id `rev` names, or None when it names no commit."""
        if rev.startswith("-"):
            return None
        out = self.run(
            "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}", check=False
        )
        sha = out.decode().strip()
        return sha or None

    def require_commit(self, rev: str) -> str:
        sha = self.resolve(rev)
        if sha is None:
            if self.head() is None:
                raise SignoffError(
                    "this repository has no commits yet", "make a first commit, then ask again"
                )
            raise SignoffError(
                f"{rev!r} is not a commit in {self.root}", "check the name with git log"
            )
        return sha

    def shallow_boundary(self) -> list[str]:
        """Commits whose parents are missing because the clone is shallow (empty if complete)."""
        path = self.git_dir / "shallow"
        if not path.exists():
            return []
        return [line.strip() for line in path.read_text().splitlines() if line.strip()]

    def ref_sha(self, ref: str) -> str | None:
        out = self.run("rev-parse", "--verify", "--quiet", ref, check=False)
        return out.decode().strip() or None

    def is_tracked(self, path: str) -> bool:
        out = self.run("ls-files", "--error-unmatch", "--", path, check=False)
        return bool(out.strip())


def _describe_failure(args: Sequence[str], stderr: bytes) -> str:
    text = stderr.decode("utf-8", "replace").strip()
    first = text.splitlines()[0] if text else "no message"
    return f"git {args[0] if args else ''} failed: {first}"
