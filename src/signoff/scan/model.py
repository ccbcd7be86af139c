"""What a scan returns: normalised findings, per-scanner status, and files left out.

Every scanner speaks its own severity words; the gate maps one scale (critical/high/medium/low)
onto tiers, so adapters normalise here and the gate never learns scanner vocabularies.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("critical", "high", "medium", "low")
CONFIDENCES = ("high", "medium", "low")

_SPACE = re.compile(r"\s+")


def normalise_severity(value: str | None) -> str:
    """A scanner's severity word on Signoff's scale; unknown words count as low."""
    word = (value or "").strip().lower()
    aliases = {"error": "high", "warning": "medium", "info": "low", "moderate": "medium"}
    word = aliases.get(word, word)
    return word if word in SEVERITIES else "low"


def normalise_confidence(value: str | None) -> str:
    """A scanner's confidence word on high/medium/low; missing or unknown is low."""
    word = (value or "").strip().lower()
    return word if word in CONFIDENCES else "low"


def normalise_line(text: str) -> str:
    """Line content with indentation and whitespace runs squeezed, so re-indenting keeps ids."""
    return _SPACE.sub(" ", text).strip()


def fingerprint(scanner: str, rule_id: str, path: str, content: str, occurrence: int) -> str:
    """Stable id of a finding: survives line shifts, changes when the flagged code changes.

    `content` is the flagged code (the finding's lines); whitespace is normalised away.

    `occurrence` tells apart identical lines in one file (0 for the first, 1 for the next...).
    """
    key = "\0".join((scanner, rule_id, path, normalise_line(content), str(occurrence)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class ScanFinding:
    """One scanner finding on one file region, on Signoff's severity scale."""

    scanner: str  # bandit, detect-secrets, semgrep
    rule_id: str  # the scanner's own id: B602, aws-access-key, a semgrep check id
    rule_name: str
    severity: str  # critical, high, medium, low
    confidence: str  # high, medium, low
    path: str  # relative to the scanned root, '/'-separated
    start_line: int
    end_line: int
    message: str
    help_uri: str | None = None
    cwe: int | None = None
    fingerprint: str = ""
    suppressed_by: str | None = None  # the inline suppression comment covering it, if any

    @property
    def qualified_rule(self) -> str:
        """Rule id unique across scanners, e.g. ``bandit/B602``."""
        return f"{self.scanner}/{self.rule_id}"

    def to_json(self) -> dict[str, Any]:
        return {
            "scanner": self.scanner,
            "rule_id": self.rule_id,
            "rule_name": self.rule_name,
            "severity": self.severity,
            "confidence": self.confidence,
            "path": self.path,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "message": self.message,
            "help_uri": self.help_uri,
            "cwe": self.cwe,
            "fingerprint": self.fingerprint,
            "suppressed_by": self.suppressed_by,
        }


@dataclass(frozen=True, slots=True)
class FileProblem:
    """A file a scanner could not read or parse, or that the scan left out, and why."""

    path: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


@dataclass(slots=True)
class ScannerStatus:
    """Whether a requested scanner ran, which version, and what went wrong if it did not."""

    name: str
    available: bool
    version: str | None = None
    ran: bool = False
    files: int = 0
    seconds: float = 0.0
    error: str | None = None
    file_errors: list[FileProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Ran to completion (per-file errors aside)."""
        return self.available and self.ran and self.error is None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "available": self.available,
            "version": self.version,
            "ran": self.ran,
            "files": self.files,
            "seconds": round(self.seconds, 3),
            "error": self.error,
            "file_errors": [p.to_json() for p in self.file_errors],
        }


@dataclass(slots=True)
class ScanResult:
    """Findings kept after line filtering, each scanner's status, and skipped files."""

    findings: list[ScanFinding] = field(default_factory=list)
    scanners: dict[str, ScannerStatus] = field(default_factory=dict)
    skipped: list[FileProblem] = field(default_factory=list)
    outside_lines: int = 0  # findings dropped because they are not on the given lines
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Every requested scanner ran; a gate should not pass a scan that silently did not."""
        return all(s.ok for s in self.scanners.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "findings": [f.to_json() for f in self.findings],
            "scanners": {name: s.to_json() for name, s in self.scanners.items()},
            "skipped": [p.to_json() for p in self.skipped],
            "outside_lines": self.outside_lines,
            "seconds": round(self.seconds, 3),
        }
