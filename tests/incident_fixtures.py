"""A real repository with a policy, AI-assisted and human commits, for the incident tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from signoff.git.repo import Repo
from tests.gitrepo import GitRepo
from tests.policy_fixtures import base, dump

AI_TRAILERS = "\n\nAI-Assisted: claude-code/opus\nAccepted-by: Grace Hopper <grace@example.com>\n"
HUMAN_TRAILERS = "\n\nAI-Assisted: none\n"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


@dataclass
class World:
    git: GitRepo
    repo: Repo
    policy_commit: str
    ai_commit: str  # AI-assisted change to payments/config.py
    human_commit: str  # human change to web/app.py
    unknown_commit: str  # no marker at all: web/util.py


def build(git: GitRepo, policy: dict[str, Any] | None = None) -> World:
    """signoff.yaml (the fixture registry), then an AI, a human and an unmarked commit."""
    first = git.commit(
        "Add policy" + HUMAN_TRAILERS,
        {"signoff.yaml": dump(policy or base()), "README.md": "hello\n"},
        date="2026-01-01T09:00:00+00:00",
    )
    ai = git.commit(
        "Tune payment retries" + AI_TRAILERS,
        {"payments/config.py": "RETRIES = 3\nTIMEOUT_S = 0.1\nREGION = 'staging'\n"},
        author=("Grace Hopper", "grace@example.com"),
        date="2026-01-02T10:00:00+00:00",
    )
    human = git.commit(
        "Web page tweak" + HUMAN_TRAILERS,
        {"web/app.py": "def page():\n    return 'ok'\n"},
        author=("Hedy Lamarr", "hedy@example.com"),
        date="2026-01-03T10:00:00+00:00",
    )
    unknown = git.commit(
        "Helper",
        {"web/util.py": "def helper():\n    return 1\n"},
        author=("Someone", "someone@example.com"),
        date="2026-01-04T10:00:00+00:00",
    )
    return World(git, Repo.discover(git.path), first, ai, human, unknown)
