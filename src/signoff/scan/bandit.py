"""bandit over the Python files of a change: one process, JSON report.

bandit runs with `--ignore-nosec` so a finding silenced by `# nosec` is still reported; the
runner marks it with the comment, and the gate decides whether that suppression was approved.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from signoff.scan.adapter import (
    Invocation,
    Report,
    ReportError,
    module_version,
    python_module,
    report_json,
    stderr_tail,
)
from signoff.scan.model import FileProblem, ScanFinding, normalise_confidence, normalise_severity
from signoff.scan.sources import SourceFile

NAME = "bandit"


def available() -> tuple[bool, str | None]:
    return module_version("bandit", "bandit")


def plan(sources: list[SourceFile], workdir: Path) -> Invocation:
    """bandit once over every Python file (by suffix or shebang); other files are not Python."""
    files = [s for s in sources if s.is_python]
    output = workdir / "bandit.json"
    argv = python_module(
        "bandit", "--format", "json", "--output", str(output), "--quiet", "--ignore-nosec"
    )
    argv += ["--", *(s.path for s in files)]
    return Invocation(NAME, argv, files, output, _read, {s.path: s.path for s in files})


def _read(inv: Invocation, report: str, stderr: str, returncode: int) -> Report:
    # bandit exits 1 when it finds issues; only a missing or unreadable report is a failure
    if not report.strip():
        raise ReportError(f"bandit wrote no report (exit {returncode}): {stderr_tail(stderr)}")
    data = report_json(report)
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise ReportError("bandit's report has no results list")
    utf8 = {s.path: s.utf8 for s in inv.files}
    out = Report()
    for item in data.get("errors") or []:
        path = _clean(str(item.get("filename", "")))
        reason = str(item.get("reason", "error"))
        if not utf8.get(path, True):
            reason += " (the file is not valid UTF-8)"
        out.file_errors.append(FileProblem(path, reason))
    for item in data["results"]:
        out.findings.append(_finding(item))
    return out


def _finding(item: dict[str, Any]) -> ScanFinding:
    line = int(item["line_number"])  # the flagged line; the range is the whole statement
    span = [line, *(int(n) for n in item.get("line_range") or ())]
    cwe = item.get("issue_cwe") or {}
    return ScanFinding(
        scanner=NAME,
        rule_id=str(item["test_id"]),
        rule_name=str(item.get("test_name") or item["test_id"]),
        severity=normalise_severity(item.get("issue_severity")),
        confidence=normalise_confidence(item.get("issue_confidence")),
        path=_clean(str(item["filename"])),
        start_line=min(span),
        end_line=max(span),
        message=str(item.get("issue_text") or item["test_id"]),
        help_uri=item.get("more_info") or None,
        cwe=int(cwe["id"]) if isinstance(cwe, dict) and cwe.get("id") else None,
    )


def _clean(name: str) -> str:
    return os.path.normpath(name).replace(os.sep, "/")
