"""Gate results saved by CI (`signoff check --json` documents), matched to the changes they judged.

`signoff check --record` keeps each result as a git note on the judged head
(`refs/notes/signoff-checks`); a CI job can also keep `signoff check --json` output as an
artifact and hand the files to `signoff incident trace --gate-evidence FILE`. A document judges a
change when the change's commit is in its change set. Without one, the trace says plainly that
no gate evidence was recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from signoff import jsonsafe
from signoff.errors import SignoffError
from signoff.files import TooLarge, read_bounded
from signoff.git.repo import Repo

CHECK_SCHEMA = "signoff/check/v1"


@dataclass(frozen=True, slots=True)
class GateEvidence:
    """One recorded gate run."""

    source: str
    verdict: str  # "pass" or "blocked"
    base: str | None
    head: str | None
    commits: tuple[str, ...]
    findings: tuple[dict[str, Any], ...]
    scanners_ran: tuple[str, ...]  # scanners that ran to completion

    @property
    def blocking(self) -> list[dict[str, Any]]:
        return [f for f in self.findings if f.get("blocks")]

    def rules(self, prefix: str) -> list[dict[str, Any]]:
        return [f for f in self.findings if str(f.get("rule", "")).startswith(prefix)]

    def to_json(self) -> dict[str, Any]:
        return {
            "recorded": True,
            "result": self.verdict,
            "source": self.source,
            "base": self.base,
            "head": self.head,
            "blocking": [f"{f.get('rule')}: {f.get('message')}" for f in self.blocking],
            "scanners_ran": list(self.scanners_ran),
            "note": None,
        }


def read_gate_evidence(files: Sequence[Path]) -> list[GateEvidence]:
    """Parse saved `signoff check --json` documents; anything else is refused with the fix."""
    out = []
    for path in files:
        try:
            doc = jsonsafe.loads(read_bounded(path))
        except TooLarge as exc:
            raise SignoffError(str(exc), "pass the file `signoff check --json` wrote") from None
        except OSError as exc:
            raise SignoffError(
                f"{path}: not readable ({exc.strerror or exc})",
                "pass the file `signoff check --json` wrote",
            ) from None
        except jsonsafe.JsonProblem as exc:
            raise SignoffError(
                f"{path}: not a readable JSON document ({jsonsafe.problem_text(exc)})",
                "pass the file `signoff check --json` wrote",
            ) from None
        if not isinstance(doc, dict) or doc.get("schema") != CHECK_SCHEMA:
            raise SignoffError(
                f"{path}: not a {CHECK_SCHEMA} document",
                "pass the file `signoff check --json` wrote",
            )
        out.append(_evidence(str(path), doc))
    return out


def recorded_gate_evidence(repo: Repo) -> list[GateEvidence]:
    """Gate results `signoff check --record` kept in git notes (oldest order is not known;
    several runs on one change are all kept)."""
    from signoff.gate.record import recorded_results

    return [
        _evidence(source, doc)
        for source, doc in recorded_results(repo)
        if doc.get("schema") == CHECK_SCHEMA
    ]


def _evidence(source: str, doc: dict[str, Any]) -> GateEvidence:
    cs = doc.get("changeset") or {}
    scan = doc.get("scan") or {}
    scanners = scan.get("scanners") or {}
    return GateEvidence(
        source=source,
        verdict=str(doc.get("verdict")),
        base=cs.get("base"),
        head=cs.get("head"),
        commits=tuple(str(c.get("commit")) for c in cs.get("commits") or ()),
        findings=tuple(doc.get("findings") or ()),
        scanners_ran=tuple(
            name
            for name, s in scanners.items()
            if s.get("available") and s.get("ran") and not s.get("error")
        ),
    )


def evidence_for(
    sha: str, evidence: Sequence[GateEvidence], landed_head: str | None = None
) -> GateEvidence | None:
    """The run that judged `sha` as it landed: a run on `landed_head` (the head that was merged)
    when there is one, else the last given run whose change set holds `sha`."""
    matching = [e for e in evidence if sha in e.commits]
    final = [e for e in matching if landed_head and e.head == landed_head]
    chosen = final or matching
    return chosen[-1] if chosen else None
