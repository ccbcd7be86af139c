"""A thin wrapper around the `git` CLI for one repository.

Every git process Signoff starts goes through `Repo.run` or `Repo.popen`, so the environment
(no pager, no prompts, stable output) is set in one place.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import IO

from signoff.errors import SignoffError


class GitError(SignoffError):
    """git refused or failed; the message carries git's own words."""


# A partial clone fetches a missing blob from its promisor remote the moment git reads it.
# Signoff reads history, never the network: GIT_NO_LAZY_FETCH stops the fetch (git 2.39 here
# honours it: "lazy fetching disabled"), and allowing no transport at all stops it on gits
# that do not (the fetch fails fast and the blob reads as missing). Nothing Signoff runs
# through `Repo` talks to a remote.
NO_FETCH = {"GIT_NO_LAZY_FETCH": "1", "GIT_ALLOW_PROTOCOL": ""}


@contextlib.contextmanager
def child_pipe_writes() -> Iterator[None]:
    """Writing to a git child's stdin: a child that exits early (a blob it cannot read) must
    be an error Signoff handles (BrokenPipeError), never a SIGPIPE that kills Signoff. The CLI
    lets SIGPIPE end the process so `signoff ... | head` ends like git; for the length of a
    write to a child it is ignored again (only the main thread can change it; elsewhere
    Python's own default, ignored, is in force already)."""
    if (
        not hasattr(signal, "SIGPIPE")
        or threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGPIPE) != signal.SIG_DFL
    ):
        yield
        return
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)


def git_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment every git child gets: no pager, no prompts, no lazy fetches."""
    env = dict(os.environ)
    env.update(
        {
            "GIT_PAGER": "cat",
            "PAGER": "cat",
            "GIT_TERMINAL_PROMPT": "0",
            "LC_ALL": "C",
            **NO_FETCH,
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

    def environment(self) -> dict[str, str]:
        """The environment git runs with for this repository (for the light runner)."""
        return dict(self._env)

    def run(
        self,
        *args: str,
        input: bytes | None = None,
        check: bool = True,
        env: dict[str, str] | None = None,
    ) -> bytes:
        """Run git to completion and return its stdout as bytes."""
        with child_pipe_writes() if input is not None else contextlib.nullcontext():
            proc = subprocess.run(
                ["git", *args],
                cwd=self.root,
                input=input,
                capture_output=True,
                env={**self._env, **env} if env else self._env,
            )
        if check and proc.returncode != 0:
            raise GitError(_describe_failure(args, proc.stderr), self.missing_hint(proc.stderr))
        return proc.stdout

    def succeeds(self, *args: str) -> bool:
        """Whether git exits 0 (for questions like `cat-file -e`)."""
        proc = subprocess.run(["git", *args], cwd=self.root, capture_output=True, env=self._env)
        return proc.returncode == 0

    def run_text(self, *args: str, check: bool = True) -> str:
        return self.run(*args, check=check).decode("utf-8", "replace")

    def popen(
        self,
        args: Sequence[str],
        *,
        stdin: bool = False,
        stderr: IO[bytes] | int = subprocess.PIPE,
        env: dict[str, str] | None = None,
    ) -> subprocess.Popen[bytes]:
        """Start a long-lived git process (a log stream, `cat-file --batch`)."""
        return subprocess.Popen(
            ["git", *args],
            cwd=self.root,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=env if env is not None else self._env,
        )

    def fetching_env(self) -> dict[str, str]:
        """The environment with lazy fetches allowed (only when the user asked for them)."""
        env = dict(self._env)
        for key in NO_FETCH:
            if key in os.environ:
                env[key] = os.environ[key]
            else:
                env.pop(key, None)
        return env

    # -- facts about the repository ------------------------------------------------------

    @cached_property
    def git_dir(self) -> Path:
        """The common git directory (shared by worktrees): where the index cache lives."""
        out = self.run_text("rev-parse", "--path-format=absolute", "--git-common-dir").strip()
        return Path(out)

    @property
    def is_bare(self) -> bool:
        """A repository without a work tree: its root is the git directory itself."""
        return self.root == self.git_dir

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

    @cached_property
    def _promisor(self) -> str:
        out = self.run(
            "config",
            "--get-regexp",
            r"^(remote\..*\.promisor|extensions\.partialclone)$",
            check=False,
        ).decode("utf-8", "replace")
        for line in out.splitlines():
            key, _, value = line.partition(" ")
            if key == "extensions.partialclone" and value:
                return value
            if key.endswith(".promisor") and value.lower() in ("true", "yes", "on", "1"):
                return key[len("remote.") : -len(".promisor")]
        return ""

    def promisor_remote(self) -> str | None:
        """The remote a partial clone (`--filter=blob:none`) fetches missing objects from."""
        return self._promisor or None

    def shallow_boundary(self) -> list[str]:
        """Commits whose parents are missing because the clone is shallow (empty if complete)."""
        path = self.git_dir / "shallow"
        if not path.exists():
            return []
        return [line.strip() for line in path.read_text().splitlines() if line.strip()]

    def missing_hint(self, stderr: bytes) -> str | None:
        """The fix to print when git failed because objects are missing from this clone."""
        if not _MISSING.search(stderr):
            return None
        remote = self.promisor_remote()
        if remote:
            return (
                f"contents are missing: this is a partial clone of {remote!r} and Signoff never "
                "fetches on its own; run the same git command once yourself (git fetches what "
                "it needs) or `signoff index --rebuild --fetch-missing`"
            )
        return (
            "objects are missing from this repository (a partial snapshot or a damaged pack); "
            "`git fsck` lists them, and a fresh clone or `git fetch` restores them"
        )

    def shallow_advice(self) -> str | None:
        """Where a shallow clone's history ends and how to fetch the rest (None if complete)."""
        cut = self.shallow_boundary()
        if not cut:
            return None
        shown = ", ".join(sha[:10] for sha in cut[:3]) + (", ..." if len(cut) > 3 else "")
        return (
            f"shallow clone: history ends at {len(cut)} commit(s) ({shown}); older commits are "
            "not in this clone: run `git fetch --deepen=<n>` or `git fetch --unshallow` for them"
        )

    def ref_sha(self, ref: str) -> str | None:
        out = self.run("rev-parse", "--verify", "--quiet", ref, check=False)
        return out.decode().strip() or None

    def is_tracked(self, path: str) -> bool:
        out = self.run("ls-files", "--error-unmatch", "--", path, check=False)
        return bool(out.strip())


_MISSING = re.compile(
    rb"unable to read|Cannot read blob|could not fetch .* from promisor|bad object|missing blob"
)


def _describe_failure(args: Sequence[str], stderr: bytes) -> str:
    text = stderr.decode("utf-8", "replace").strip()
    lines = text.splitlines()
    # git's reason is its fatal/error line; warnings printed before it are not the reason
    first = next(
        (line for line in lines if line.startswith(("fatal:", "error:"))),
        lines[0] if lines else "no message",
    )
    paths = list(args[list(args).index("--") + 1 :]) if "--" in args else []
    where = f" for {', '.join(paths[:3])}" if paths and len(paths) <= 3 else ""
    return f"git {args[0] if args else ''} failed{where}: {first}"
