"""Gate results kept in git: `signoff check --record` notes the verdict on the judged head.

A gate result is evidence an incident trace and an audit need later ("did the gate run on this
change, and what did it say?"). It is stored the way provenance is, as a git note that travels
with the repository: one compact `signoff/check/v1` JSON document per line under
`refs/notes/signoff-checks`, appended so every run on a head is kept.
"""

from __future__ import annotations

import json
from typing import Any

from signoff import jsonsafe
from signoff.git.notes import read_notes, write_note
from signoff.git.repo import Repo

CHECKS_NOTES = "signoff-checks"
CHECKS_REF = f"refs/notes/{CHECKS_NOTES}"


def record_result(repo: Repo, doc: dict[str, Any]) -> str | None:
    """Append the check document to its head commit's note; returns the commit, or None when
    there is no commit to attach it to (a staged check)."""
    head = (doc.get("changeset") or {}).get("head")
    if not head or (doc.get("changeset") or {}).get("kind") != "range":
        return None
    line = json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n"
    write_note(repo, CHECKS_REF, head, line.encode("utf-8"), append=True)
    return str(head)


def recorded_results(repo: Repo) -> list[tuple[str, dict[str, Any]]]:
    """Every recorded check document as (source, document); unreadable lines are skipped."""
    out: list[tuple[str, dict[str, Any]]] = []
    for commit, blobs in read_notes(repo, CHECKS_NOTES).items():
        for blob in blobs:
            for n, raw in enumerate(blob.decode("utf-8", "replace").splitlines(), start=1):
                if not raw.strip():
                    continue
                try:
                    doc = jsonsafe.loads(raw)
                except jsonsafe.JsonProblem:
                    continue
                if isinstance(doc, dict):
                    out.append((f"{CHECKS_REF} on {commit[:10]} (line {n})", doc))
    return out
