"""Real git repositories for tests: real commits, notes, merges and rebases in a temp folder."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEFAULT_AUTHOR = ("Ada Lovelace", "ada@example.com")


class GitRepo:
    """A throwaway repository driven through the real git CLI."""

    def __init__(self, path: Path, env: Mapping[str, str]) -> None:
        self.path = path
        self.env = dict(env)
        self._tick = 0

    def git(
        self, *args: str, input: bytes | None = None, env: Mapping[str, str] | None = None
    ) -> str:
        proc = subprocess.run(
            ["git", *args],
            cwd=self.path,
            input=input,
            capture_output=True,
            env={**self.env, **(env or {})},
        )
        if proc.returncode != 0:
            raise AssertionError(
                f"git {' '.join(args)} failed ({proc.returncode}):\n"
                f"{proc.stderr.decode('utf-8', 'replace')}"
            )
        return proc.stdout.decode("utf-8", "replace")

    def write(self, path: str, content: str | bytes) -> None:
        target = self.path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)

    def commit(
        self,
        message: str | bytes,
        files: Mapping[str, str | bytes] | None = None,
        *,
        author: tuple[str, str] | None = None,
        committer: tuple[str, str] | None = None,
        date: str | None = None,
        env: Mapping[str, str] | None = None,
        allow_empty: bool = False,
    ) -> str:
        """Write `files`, stage everything, commit; returns the new commit id."""
        for path, content in (files or {}).items():
            self.write(path, content)
        self.git("add", "-A")
        self._tick += 1
        when = date or f"2026-01-01T00:{self._tick // 60:02d}:{self._tick % 60:02d}+00:00"
        a_name, a_email = author or DEFAULT_AUTHOR
        c_name, c_email = committer or author or DEFAULT_AUTHOR
        commit_env = {
            "GIT_AUTHOR_NAME": a_name,
            "GIT_AUTHOR_EMAIL": a_email,
            "GIT_COMMITTER_NAME": c_name,
            "GIT_COMMITTER_EMAIL": c_email,
            "GIT_AUTHOR_DATE": when,
            "GIT_COMMITTER_DATE": when,
            **(env or {}),
        }
        raw = message if isinstance(message, bytes) else message.encode()
        args = ["commit", "-q", "-F", "-"]
        if allow_empty or not files:
            args.append("--allow-empty")
        self.git(*args, input=raw, env=commit_env)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()


def git_test_env(home: Path) -> dict[str, str]:
    """An environment isolated from the machine's git config (CI has none)."""
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / ".gitconfig"
    cfg.write_text(
        "[user]\n\tname = Test User\n\temail = test@example.com\n"
        "[init]\n\tdefaultBranch = main\n"
        '[protocol "file"]\n\tallow = always\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        {
            "HOME": str(home),
            "GIT_CONFIG_GLOBAL": str(cfg),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
        }
    )
    # Agent variables from the machine running the tests must not leak into hook tests.
    for key in list(env):
        if key in {"CLAUDECODE", "SIGNOFF_AI", "CURSOR_AGENT", "GEMINI_CLI", "CODEX_SANDBOX"}:
            del env[key]
    return env


def run_signoff(
    repo: GitRepo, *args: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real console entry (`python -m signoff`) in `repo`, with the test's git environment."""
    import sys

    return subprocess.run(
        [sys.executable, "-m", "signoff", *args],
        cwd=repo.path,
        capture_output=True,
        text=True,
        env={**repo.env, **(env or {})},
    )


def schema_doc(repo: GitRepo, *args: str) -> dict[str, Any]:
    """A command's --json document, validated against the schema it names."""
    import json

    import jsonschema

    from signoff.cli.document import schema_version

    out = run_signoff(repo, *args, "--json")
    assert out.returncode == 0, out.stderr
    data: dict[str, Any] = json.loads(out.stdout)
    kind = data["schema"].split("/")[1]
    assert data["schema"] == f"signoff/{kind}/v{schema_version(kind)}"
    schemas = Path(__file__).resolve().parent.parent / "docs" / "schemas"
    schema = json.loads((schemas / f"{kind}-v{schema_version(kind)}.json").read_text())
    jsonschema.validate(data, schema)
    return data
