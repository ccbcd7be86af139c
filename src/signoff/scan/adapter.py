"""The contract between the scan runner and one scanner adapter.

An adapter turns files into one command line and turns that command's report back into
findings. Keeping both halves pure lets the runner start every scanner at once and own all the
process handling (timeouts, crashes) in one place.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from signoff import jsonsafe
from signoff.scan.model import FileProblem, ScanFinding
from signoff.scan.sources import SourceFile


@dataclass(slots=True)
class Report:
    """What an adapter read from a scanner's output."""

    findings: list[ScanFinding] = field(default_factory=list)
    file_errors: list[FileProblem] = field(default_factory=list)
    error: str | None = None  # the scanner ran but its run as a whole failed


@dataclass(slots=True)
class Invocation:
    """One scanner process to start: its arguments and how to read what it writes."""

    scanner: str
    argv: list[str]
    files: list[SourceFile]
    output: Path | None  # the report file it writes; None: the report is on stdout
    read: Callable[[Invocation, str, str, int], Report]
    names: dict[str, str] = field(default_factory=dict)  # path as the scanner prints it -> ours
    cwd: Path | None = None  # None: the scanned root


class ReportError(ValueError):
    """A scanner's report was not what its adapter expects (a crash, a format change)."""


def report_json(report: str) -> Any:
    """A scanner's JSON report read within the project's limits (`signoff.jsonsafe`): depth,
    number size and length; anything else is a `ReportError` saying where (the runner names
    the scanner: "bandit report unreadable: not JSON (line 1, column 2: ...)")."""
    try:
        return jsonsafe.loads(report)
    except jsonsafe.JsonProblem as exc:
        raise ReportError(f"not JSON ({jsonsafe.problem_text(exc)})") from None


def module_version(module: str, distribution: str) -> tuple[bool, str | None]:
    """Whether `module` is importable by this interpreter, and its distribution's version.

    Scanners run as `sys.executable -m <module>`, so "installed" means "importable here", not
    "somewhere on PATH".
    """
    if importlib.util.find_spec(module) is None:
        return False, None
    try:
        return True, importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return True, None


def python_module(module: str, *args: str) -> list[str]:
    """The command line that runs `module` with the interpreter Signoff itself runs on."""
    return [sys.executable, "-m", module, *args]


def stderr_tail(stderr: str, limit: int = 400) -> str:
    """The last words a scanner said, short enough for one line of a report."""
    text = " ".join(stderr.strip().split())
    return text[-limit:] if text else "no output on stderr"
