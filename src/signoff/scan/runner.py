"""Run the requested scanners over changed files at once and keep findings on the given lines.

Every scanner is a subprocess of Signoff's own interpreter, started together and waited on
with one deadline, so a scan costs about as long as its slowest scanner. A scanner that is
missing, crashes or times out is reported in the result; the scan itself never raises for it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import IO

from signoff.errors import SignoffError, plain
from signoff.files import MAX_INPUT, read_prefix
from signoff.scan import bandit, secrets, semgrep
from signoff.scan.adapter import Invocation, Report, ReportError
from signoff.scan.model import ScanFinding, ScannerStatus, ScanResult, fingerprint
from signoff.scan.sources import MAX_BYTES, SourceFile, load_sources, relative_path
from signoff.scan.suppressions import find_suppressions

DEFAULT_SCANNERS = ("bandit", "detect-secrets")
KNOWN_SCANNERS = ("bandit", "detect-secrets", "semgrep")
DEFAULT_TIMEOUT = 300.0


def scan_files(
    root: Path,
    files: Sequence[str],
    *,
    scanners: Sequence[str] = DEFAULT_SCANNERS,
    lines: Mapping[str, Collection[int]] | None = None,
    semgrep_rules: Sequence[str | os.PathLike[str]] = (),
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_BYTES,
) -> ScanResult:
    """Scan `files` (paths relative to `root`) and return findings on `lines`.

    `lines` maps a path to the line numbers that matter (the AI-authored or AI-touched ones);
    a finding is kept when its region overlaps them, and a path missing from the map keeps
    nothing. `None` keeps every finding.
    """
    started = time.perf_counter()
    root = Path(root).resolve()
    unknown = [s for s in scanners if s not in KNOWN_SCANNERS]
    if unknown:
        raise SignoffError(
            f"unknown scanner {', '.join(unknown)}", f"choose from {', '.join(KNOWN_SCANNERS)}"
        )
    rules = semgrep.local_rules(root, semgrep_rules) if "semgrep" in scanners else []
    sources, skipped = load_sources(root, files, max_bytes)
    result = ScanResult(skipped=skipped)
    with tempfile.TemporaryDirectory(prefix="signoff-scan-") as tmp:
        workdir = Path(tmp)
        invocations: list[tuple[ScannerStatus, Invocation]] = []
        names = list(dict.fromkeys(scanners))
        # the scanners run side by side: detect-secrets gets the cores the others leave
        cores = max(1, (os.cpu_count() or 1) - (len(names) - 1))
        for name in names:
            status, planned = _prepare(name, sources, workdir, rules, cores)
            result.scanners[name] = status
            invocations.extend((status, inv) for inv in planned)
        reports = _run_all(root, invocations, timeout)
    by_path = {s.path: s for s in sources}
    found: list[ScanFinding] = []
    for report in reports:
        found.extend(report.findings)
    result.findings, result.outside_lines = _finish(found, by_path, lines, root)
    result.seconds = time.perf_counter() - started
    return result


def _prepare(
    name: str, sources: list[SourceFile], workdir: Path, rules: list[Path], cores: int
) -> tuple[ScannerStatus, list[Invocation]]:
    module = {"bandit": bandit, "detect-secrets": secrets, "semgrep": semgrep}[name]
    ok, version = module.available()
    status = ScannerStatus(name, ok, version)
    if not ok:
        status.error = semgrep.NOT_INSTALLED if name == "semgrep" else _not_installed(name)
        return status, []
    planned: list[Invocation]
    if name == "semgrep":
        if not rules:
            status.error = semgrep.NO_RULES
            return status, []
        planned = [semgrep.plan(sources, workdir, rules)]
    elif name == "bandit":
        planned = [bandit.plan(sources, workdir)]
    else:
        planned = secrets.plan(sources, workdir, cores)
    planned = [inv for inv in planned if inv.files]
    status.files = sum(len(inv.files) for inv in planned)
    status.ran = True  # until a run says otherwise; no files of its kind is a complete run
    return status, planned


def _not_installed(name: str) -> str:
    return (
        f"{name} is not installed in Signoff's Python environment; "
        f"reinstall Signoff (it depends on {name})"
    )


def _run_all(
    root: Path, invocations: list[tuple[ScannerStatus, Invocation]], timeout: float
) -> list[Report]:
    """Start every scanner, then poll them all under one deadline (so each gets its own time)."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8", SEMGREP_ENABLE_VERSION_CHECK="0")
    reports: list[Report] = []
    with contextlib.ExitStack() as stack:
        running: list[_Running] = []
        for status, inv in invocations:
            out = stack.enter_context(tempfile.TemporaryFile())
            err = stack.enter_context(tempfile.TemporaryFile())
            try:
                proc = subprocess.Popen(
                    inv.argv,
                    cwd=inv.cwd or root,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    env=env,
                )
            except OSError as exc:
                _fail(status, f"{inv.scanner} could not start: {plain(exc)}")
                continue
            running.append(_Running(status, inv, proc, out, err, time.perf_counter()))
        deadline = time.monotonic() + timeout
        while running:
            for job in list(running):
                code = job.proc.poll()
                if code is None and time.monotonic() < deadline:
                    continue
                running.remove(job)
                took = time.perf_counter() - job.started
                job.status.seconds = max(job.status.seconds, took)
                if code is None:
                    job.proc.kill()
                    job.proc.wait()
                    _fail(job.status, f"{job.inv.scanner} did not finish within {timeout:.0f} s")
                    continue
                reports.append(_read(job.status, job.inv, job.out, job.err, code))
            if running:
                time.sleep(0.01)
    return reports


@dataclasses.dataclass(slots=True)
class _Running:
    status: ScannerStatus
    inv: Invocation
    proc: subprocess.Popen[bytes]
    out: IO[bytes]
    err: IO[bytes]
    started: float


def _read(
    status: ScannerStatus, inv: Invocation, out: IO[bytes], err: IO[bytes], code: int
) -> Report:
    out.seek(0)
    err.seek(0)
    raw = out.read(MAX_INPUT + 1)  # a report is read within the JSON limit, never whole
    stderr = err.read(64 * 1024).decode("utf-8", "replace")
    try:
        if inv.output:
            raw = read_prefix(inv.output, MAX_INPUT)
    except OSError:
        raw = b""
    if len(raw) > MAX_INPUT:
        _fail(
            status,
            f"{inv.scanner} report unreadable: larger than {MAX_INPUT // (1024 * 1024)} MB, "
            "the most Signoff reads",
        )
        return Report()
    try:
        report = inv.read(inv, raw.decode("utf-8", "replace"), stderr, code)
    except ReportError as exc:
        _fail(status, f"{inv.scanner} report unreadable: {exc}")
        return Report()
    except (ValueError, KeyError, TypeError, AttributeError) as exc:  # a field of a wrong shape
        detail = f"no field {exc.args[0]}" if isinstance(exc, KeyError) and exc.args else exc
        _fail(
            status, f"{inv.scanner} report unreadable: a result of an unexpected shape ({detail})"
        )
        return Report()
    if report.error:
        _fail(status, report.error)
    status.file_errors.extend(report.file_errors)
    return report


def _fail(status: ScannerStatus, error: str) -> None:
    status.ran = False
    status.error = f"{status.error}; {error}" if status.error else error


def _finish(
    found: list[ScanFinding],
    by_path: dict[str, SourceFile],
    lines: Mapping[str, Collection[int]] | None,
    root: Path,
) -> tuple[list[ScanFinding], int]:
    """Fingerprint, mark suppressions, then keep what falls on `lines`."""
    wanted: dict[str, set[int]] | None = None
    if lines is not None:
        wanted = {}
        for name, numbers in lines.items():
            rel = relative_path(root, name)
            if rel is not None:
                wanted.setdefault(rel, set()).update(numbers)
    found.sort(key=lambda f: (f.path, f.start_line, f.scanner, f.rule_id, f.end_line))
    seen: Counter[tuple[str, str, str, str]] = Counter()
    kept: list[ScanFinding] = []
    outside = 0
    for f in found:
        source = by_path.get(f.path)
        content = _region_text(source, f) if source else f.message
        key = (f.scanner, f.rule_id, f.path, " ".join(content.split()))
        occurrence = seen[key]
        seen[key] += 1
        f = dataclasses.replace(
            f,
            fingerprint=fingerprint(f.scanner, f.rule_id, f.path, content, occurrence),
            suppressed_by=_suppression(f, source),
        )
        if wanted is not None and not wanted.get(f.path, set()).intersection(
            range(f.start_line, f.end_line + 1)
        ):
            outside += 1
            continue
        kept.append(f)
    return kept, outside


def _region_text(source: SourceFile, f: ScanFinding) -> str:
    """The flagged code a fingerprint hashes: the finding's lines (at most 20)."""
    last = min(f.end_line, f.start_line + 19)
    return "\n".join(source.line(n) for n in range(f.start_line, last + 1))


def _suppression(f: ScanFinding, source: SourceFile | None) -> str | None:
    if source is None:
        return None
    first = max(1, f.start_line - 1)  # a next-line pragma sits just above
    region = {n: source.line(n) for n in range(first, f.end_line + 1)}
    for s in find_suppressions(region, f.path):
        if s.covers(f):
            return s.text
    return None
