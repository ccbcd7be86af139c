from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gitrepo import GitRepo, git_test_env


@pytest.fixture(autouse=True)
def _isolated_git(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test sees a git config of its own, never the machine's."""
    env = git_test_env(tmp_path_factory.mktemp("home"))
    for key in list(os.environ):
        if key.startswith("GIT_") or key in {"CLAUDECODE", "SIGNOFF_AI"}:
            monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        if key.startswith("GIT_") or key == "HOME":
            monkeypatch.setenv(key, value)


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[GitRepo]:
    """An empty repository on branch main."""
    path = tmp_path / "repo"
    path.mkdir()
    r = GitRepo(path, dict(os.environ))
    r.git("init", "-q", "-b", "main")
    yield r


# the server tests' databases (SQLite and a throwaway PostgreSQL cluster)
pytest_plugins = ["tests.serverdb"]
