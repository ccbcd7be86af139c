"""Understanding attestations (`signoff attest PATH`) for the ownership decay metric.

Read through a guarded import of the incidents package, which owns those records; when it is
missing or its records do not load, the metric says it counted accepters only.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from signoff.errors import plain
from signoff.git.repo import Repo


@dataclass(frozen=True, slots=True)
class Understood:
    """A person attested to understanding `path` (a file, or a folder ending in '/') at `commit`."""

    path: str
    commit: str
    person: str

    def covers(self, path: str) -> bool:
        return self.path in ("/", path) or (self.path.endswith("/") and path.startswith(self.path))


def load_understood(repo: Repo, rev: str) -> tuple[list[Understood] | None, str | None]:
    """(attestations, None), or (None, why they could not be read)."""
    try:
        store = importlib.import_module("signoff.incidents.store")
        records = store.load_attestations(repo, rev)
        return [Understood(a.path, a.commit, a.person) for a in records], None
    except Exception as exc:  # a missing package or a bad record: say so, count nothing
        return None, f"understanding attestations could not be read ({plain(exc)})"
