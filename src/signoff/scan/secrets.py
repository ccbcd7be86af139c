"""detect-secrets over every text file of a change: one process, baseline JSON on stdout.

Three choices keep it honest: `--no-verify` (a gate never sends a candidate secret over the
network to check it), the inline-allowlist filter off (an allowlisted secret is still reported,
marked with its pragma, because the gate judges that pragma), and non-UTF-8 files scanned
through a UTF-8 copy, since detect-secrets silently skips what it cannot decode.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from signoff.scan.adapter import (
    Invocation,
    Report,
    ReportError,
    module_version,
    python_module,
    report_json,
    stderr_tail,
)
from signoff.scan.model import ScanFinding
from signoff.scan.sources import SourceFile

NAME = "detect-secrets"
_ALLOWLIST_FILTER = "detect_secrets.filters.allowlist.is_line_allowlisted"

# detect-secrets types found by shape or entropy, not by a provider's documented token format:
# (severity, confidence). Every other type is a recognised credential format: high/high.
_HEURISTIC = {
    "Base64 High Entropy String": ("medium", "low"),
    "Hex High Entropy String": ("medium", "low"),
    "Secret Keyword": ("medium", "medium"),
    "Basic Auth Credentials": ("high", "medium"),
    "Public IP (ipv4)": ("low", "low"),
}


def available() -> tuple[bool, str | None]:
    return module_version("detect_secrets", "detect-secrets")


def plan(sources: list[SourceFile], workdir: Path, cores: int = 1) -> list[Invocation]:
    """One run over the UTF-8 files in place; one more, only if needed, over UTF-8 copies.

    detect-secrets drops paths outside its working folder, so the copies get a run of their own
    inside the folder that holds them, under the same relative paths. `cores` caps its worker
    processes, so it shares the machine with scanners running beside it.
    """
    plain = [s for s in sources if s.utf8]
    other = [s for s in sources if not s.utf8]
    runs = []
    if plain:
        runs.append(_invocation(plain, None, cores))
    if other:
        copies = workdir / "utf8"
        for s in other:
            copy = copies / s.path
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text("\n".join(s.lines) + "\n", encoding="utf-8")
        runs.append(_invocation(other, copies, 1))
    return runs


def _invocation(files: list[SourceFile], cwd: Path | None, cores: int) -> Invocation:
    argv = python_module(
        "detect_secrets",
        "--cores",
        str(max(1, cores)),
        "scan",
        "--no-verify",
        "--all-files",
        "--disable-filter",
        _ALLOWLIST_FILTER,
    )
    argv += ["--", *(s.path for s in files)]
    names = {s.path: s.path for s in files}
    return Invocation(NAME, argv, files, None, _read, names, cwd)


def rule_id(secret_type: str) -> str:
    """A detect-secrets type as a stable rule id: 'AWS Access Key' -> 'aws-access-key'."""
    return re.sub(r"[^a-z0-9]+", "-", secret_type.lower()).strip("-") or "secret"


def _read(inv: Invocation, report: str, stderr: str, returncode: int) -> Report:
    if returncode != 0 or not report.strip():
        raise ReportError(f"detect-secrets failed (exit {returncode}): {stderr_tail(stderr)}")
    data = report_json(report)
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, dict):
        raise ReportError("detect-secrets' report has no results map")
    out = Report()
    for filename, items in results.items():
        path = inv.names.get(filename) or inv.names.get(os.path.normpath(filename)) or filename
        for item in items:
            kind = str(item["type"])
            severity, confidence = _HEURISTIC.get(kind, ("high", "high"))
            line = int(item["line_number"])
            out.findings.append(
                ScanFinding(
                    scanner=NAME,
                    rule_id=rule_id(kind),
                    rule_name=kind,
                    severity=severity,
                    confidence=confidence,
                    path=path,
                    start_line=line,
                    end_line=line,
                    message=f"Possible hard-coded secret: {kind}",
                    cwe=None if kind.startswith("Public IP") else 798,  # hard-coded credentials
                )
            )
    return out
