"""semgrep with local rule files only, when it is installed in Signoff's own environment.

A gate must give the same verdict offline and tomorrow, so rules come from files in the
repository (or given paths), never from a registry: `auto`, `p/...`, `r/...` and URLs are
refused. Metrics and version checks are turned off for the same reason.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from signoff.errors import SignoffError
from signoff.scan.adapter import (
    Invocation,
    Report,
    ReportError,
    module_version,
    report_json,
    stderr_tail,
)
from signoff.scan.model import FileProblem, ScanFinding, normalise_confidence, normalise_severity
from signoff.scan.sources import SourceFile

NAME = "semgrep"
NOT_INSTALLED = (
    "semgrep is not installed in Signoff's Python environment, so no semgrep rules ran "
    "(install it there with `pip install semgrep` to run local rule files)"
)
NO_RULES = "semgrep is installed but no local rule files were given, so no semgrep rules ran"
_REMOTE = re.compile(r"^(?:auto$|[pr]/|https?://|registry:|supply-chain$)", re.IGNORECASE)
_CWE = re.compile(r"CWE-(\d+)", re.IGNORECASE)


def available() -> tuple[bool, str | None]:
    return module_version("semgrep", "semgrep")


def local_rules(root: Path, rules: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """The rule files or folders as existing local paths; anything else is a usage error."""
    out: list[Path] = []
    for rule in rules:
        text = os.fspath(rule)
        if _REMOTE.match(text):
            raise SignoffError(
                f"semgrep rules {text!r} would be fetched from the network",
                "give local rule files (YAML) kept in the repository; Signoff never fetches rules",
            )
        path = Path(text) if Path(text).is_absolute() else root / text
        if not path.exists():
            raise SignoffError(
                f"semgrep rule file {text} does not exist", "check the path, relative to the root"
            )
        out.append(path)
    return out


# `python -m semgrep` refuses to run (deprecated since 1.38); the package's console entry point
# is called through this interpreter instead, so no `semgrep` on PATH is needed.
_ENTRY = (
    "import sys; from semgrep.console_scripts.entrypoint import main; "
    "sys.argv[0] = 'semgrep'; sys.exit(main())"
)


def plan(sources: list[SourceFile], workdir: Path, rules: Sequence[Path]) -> Invocation:
    output = workdir / "semgrep.json"
    argv = [
        sys.executable,
        "-c",
        _ENTRY,
        "scan",
        "--json",
        "--quiet",
        "--metrics=off",
        "--disable-version-check",
        "--disable-nosem",
        "--no-git-ignore",
        "--output",
        str(output),
    ]
    for rule in rules:
        argv += ["--config", str(rule)]
    argv += ["--", *(s.path for s in sources)]
    return Invocation(NAME, argv, list(sources), output, _read, {s.path: s.path for s in sources})


def _read(inv: Invocation, report: str, stderr: str, returncode: int) -> Report:
    if not report.strip():
        raise ReportError(f"semgrep wrote no report (exit {returncode}): {stderr_tail(stderr)}")
    data = report_json(report)
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise ReportError("semgrep's report has no results list")
    out = Report()
    for err in data.get("errors") or []:
        message = str(err.get("message") or err.get("type") or "error").strip()
        where = err.get("path")
        if where:
            out.file_errors.append(FileProblem(os.path.normpath(str(where)), message[:300]))
        elif str(err.get("level", "error")).lower() == "error":
            out.error = message[:300]
    for item in data["results"]:
        out.findings.append(_finding(item))
    return out


def _finding(item: dict[str, Any]) -> ScanFinding:
    extra = item.get("extra") or {}
    meta = extra.get("metadata") or {}
    check = str(item["check_id"])
    start = int(item["start"]["line"])
    end = int((item.get("end") or {}).get("line") or start)
    refs = meta.get("references")
    help_uri = meta.get("source") or (refs[0] if isinstance(refs, list) and refs else None)
    cwe_text = meta.get("cwe")
    cwe_match = _CWE.search(" ".join(cwe_text) if isinstance(cwe_text, list) else str(cwe_text))
    return ScanFinding(
        scanner=NAME,
        rule_id=check,
        rule_name=check.rsplit(".", 1)[-1],
        severity=normalise_severity(extra.get("severity")),
        confidence=normalise_confidence(meta.get("confidence")),
        path=os.path.normpath(str(item["path"])).replace(os.sep, "/"),
        start_line=start,
        end_line=max(start, end),
        message=str(extra.get("message") or check).strip(),
        help_uri=str(help_uri) if help_uri else None,
        cwe=int(cwe_match.group(1)) if cwe_match else None,
    )
