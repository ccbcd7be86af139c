"""Gate verdicts recorded at merge time, read back for the population.

Two sources, both written by `signoff check`: git notes under `refs/notes/signoff-checks`
(`signoff check --record`), and saved `--json` documents an auditor hands in
(`--gate-evidence DIR`, e.g. CI artifacts). Both are read with the incidents package's reader,
through a guarded import. A change is matched when it, or a commit it brought in, is in a
document's change set; the last document read wins (files after notes).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from signoff.audit.population import Change
from signoff.errors import SignoffError, plain
from signoff.gate.weakened import KINDS
from signoff.git.repo import Repo


@dataclass(slots=True)
class GateDocuments:
    documents: list[Any]  # GateEvidence from signoff.incidents.gate_evidence
    from_notes: int
    from_files: int


def load_gate_documents(repo: Repo, folder: Path | None) -> GateDocuments | str:
    """Every recorded gate document, or a sentence saying why none could be read."""
    if folder is not None and not folder.is_dir():
        raise SignoffError(
            f"{folder} is not a folder",
            "pass --gate-evidence DIR: the saved `signoff check --json` files, one per run",
        )
    try:
        reader = importlib.import_module("signoff.incidents.gate_evidence")
        from_notes = list(reader.recorded_gate_evidence(repo))
        from_files = (
            list(reader.read_gate_evidence(sorted(folder.glob("*.json")))) if folder else []
        )
    except SignoffError:
        raise  # a bad file the auditor handed in: name it and the fix
    except Exception as exc:  # the reader is missing or changed: say so, never guess
        if folder is not None:
            raise SignoffError(
                f"recorded gate results cannot be read in this installation ({plain(exc)})",
                "run the audit without --gate-evidence",
            ) from None
        return f"recorded gate results could not be read ({plain(exc)})"
    return GateDocuments([*from_notes, *from_files], len(from_notes), len(from_files))


class GateMatcher:
    """Gives each change the latest recorded verdict whose change set holds one of its commits,
    a change at a time."""

    def __init__(self, docs: GateDocuments) -> None:
        self.docs = docs
        self.latest: dict[str, Any] = {}
        for doc in docs.documents:
            for sha in doc.commits:
                self.latest[sha] = doc
        self.matched = 0

    def __call__(self, change: Change) -> None:
        found = None
        for sha in (change.id, *change.members):
            if sha in self.latest:
                found = self.latest[sha]
        if found is not None:
            change.gate = found.to_json()
            weakened = found.rules("checks.weakened")
            change.weakened_checks = len(weakened)
            change.weakened_kinds = [_weakened_kind(f) for f in weakened]
            self.matched += 1

    def counts(self) -> dict[str, int]:
        return {
            "documents": len(self.docs.documents),
            "from_notes": self.docs.from_notes,
            "from_files": self.docs.from_files,
            "matched": self.matched,
        }


def attach_gates(changes: Iterable[Change], docs: GateDocuments) -> dict[str, int]:
    """Give each change the latest recorded verdict whose change set holds one of its commits."""
    match = GateMatcher(docs)
    for change in changes:
        match(change)
    return match.counts()


def _weakened_kind(finding: dict[str, Any]) -> str:
    """The kind of a recorded `checks.weakened` finding, from the title its message starts with."""
    message = str(finding.get("message", ""))
    return next((k for k, title in KINDS.items() if message.startswith(title)), "other")
