"""`signoff audit`: run the audit, and write the evidence pack with a SHA-256 manifest.

The library entry is `run_audit` (no files) and `write_pack` (files); the CLI only parses
options and prints the summary.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, overload

from signoff import __version__, jsonsafe
from signoff.audit.attestations import Understood, load_understood
from signoff.audit.controls import control_mapping
from signoff.audit.forge import ReviewAttacher, SquashMapper, load_reviews
from signoff.audit.gates import GateMatcher, load_gate_documents
from signoff.audit.incidents import incidents_section
from signoff.audit.metrics import FORGE_ONLY, MetricsAccumulator
from signoff.audit.oversight import OversightAccumulator, audit_bom
from signoff.audit.period import Period
from signoff.audit.policies import PolicyVersion
from signoff.audit.population import Change, Changes, Population, build_population
from signoff.audit.provtest import provenance_test
from signoff.audit.sample import GATE_NOT_RECORDED, sample_ids, sample_json
from signoff.audit.snapshots import policy_snapshots
from signoff.batches import batched
from signoff.errors import SignoffError
from signoff.files import TooLarge, read_bounded, write_atomic
from signoff.git.repo import Repo
from signoff.query.export import csv_safe
from signoff.store.index import Progress

REPORT_SCHEMA = "signoff/audit/v1"
CSV_COLUMNS = (
    "id",
    "kind",
    "pull_request",
    "committed_at",
    "author_name",
    "author_email",
    "ai_status",
    "provenance_determined",
    "tools",
    "accepted_by",
    "approvals",
    "approvers",
    "reviews",
    "lines_added",
    "lines_deleted",
    "ai_attributed_lines",
    "ai_assisted_unrecorded_lines",
    "gate_result",
    "policy_version",
    "workflows",
    "tier",
    "accountable",
    "accountable_valid",
    "exceptions_used",
    "ai_boundary_breaches",
)


@dataclass(slots=True)
class AuditOptions:
    period: Period
    branch: str = "HEAD"
    sample: int | None = None
    seed: int = 0
    provenance_test: int | None = None
    attest_key: Path | None = None  # sign one in-toto statement per change into the pack
    progress: Progress | None = None  # called with a count while the index is brought up to date
    reviews: Path | None = None  # a folder of forge pull-request records
    gate_evidence: Path | None = None  # a folder of saved `signoff check --json` documents
    outcomes: bool = False  # measure line durability and reverts (runs git blame per commit)


@dataclass(slots=True)
class AuditResult:
    population: Population
    report: dict[str, Any]
    attestations: Iterable[dict[str, Any]] | None = None
    public_key: bytes | None = None
    # one in-toto statement per pull request with its oversight figures (signed with --attest)
    oversight: Iterable[dict[str, Any]] | None = None
    oversight_signed: bool = False


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Hundreds of thousands of short records and no reference cycles: the cyclic collector
    would only re-scan them (measured: about a fifth of a 100,000-change audit)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def run_audit(repo: Repo, options: AuditOptions) -> AuditResult:
    with _no_cycle_collection():
        return _run_audit(repo, options)


def _run_audit(repo: Repo, options: AuditOptions) -> AuditResult:
    """The population is built once onto disk (`Changes`), given its forge and gate records in
    one rewriting pass, then read in one pass that feeds every figure: memory holds counters
    and the few changes a figure names, never the period."""
    population = build_population(repo, options.period, options.branch, progress=options.progress)
    changes = population.changes
    final = population.period_versions[-1] if population.period_versions else None
    edits: list[Callable[[Change], None]] = []
    attach = squashes = None
    if options.reviews is not None:
        records = load_reviews(options.reviews)
        people = final.policy.document.people if final and final.policy else []
        attach, squashes = ReviewAttacher(records, people), SquashMapper(repo, records)
        edits += [attach, squashes]
    gate_docs = load_gate_documents(repo, options.gate_evidence)
    match = None if isinstance(gate_docs, str) else GateMatcher(gate_docs)
    if match is not None and match.latest:
        edits.append(match)
    if edits:
        with squashes or nullcontext():
            edit_changes(changes, edits)
    forge = None
    if attach is not None and squashes is not None:
        forge = {**attach.counts(), "squashes_mapped": squashes.mapped}
    gates = match.counts() if match is not None else None
    understood, understood_problem = load_understood(repo, population.tip)
    seen = read_once(population, understood, final, with_ids=bool(options.sample))
    report: dict[str, Any] = {
        "schema": REPORT_SCHEMA,
        "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "generator": {"name": "signoff", "version": __version__},
        "repository": {"root": str(repo.root), "branch": options.branch, "tip": population.tip},
        "period": options.period.to_json(),
        "completeness": population.completeness.to_json(),
        "metrics": {**seen.metrics.result(), "oversight": seen.oversight.result()},
        "policy_snapshots": policy_snapshots(repo, population, seen.versions_changed),
        "incidents": incidents_section(repo, options.period, population.tip),
        "forge_reviews": forge,
        "gate_evidence": gates,
        "controls": control_mapping(),
        "sample": sample_json(
            changes,
            options.sample,
            options.seed,
            options.branch,
            repo,
            ids=sample_ids(seen.ids, options.sample, options.seed),
        )
        if options.sample
        else None,
        "provenance_test": provenance_test(repo, population.tip, options.provenance_test)
        if options.provenance_test
        else None,
    }
    if options.outcomes:
        from signoff.incidents.outcomes import measure_outcomes

        report["metrics"]["oversight"]["outcomes"] = measure_outcomes(
            repo, population.tip, since=options.period.since_ts, until=options.period.until_ts
        ).to_json()
    result = AuditResult(population, report)
    if seen.pull_requests:
        result.oversight = _Statements(repo, changes, report["generator"])
    if options.attest_key is not None:
        _attest(repo, result, options.attest_key)
    report["limitations"] = limitations(population, report, seen.without_line_counts)
    if understood_problem:
        report["limitations"].append(
            f"Ownership decay counted accepters only: {understood_problem}."
        )
    return result


class _Pass:
    """What one read of the population collects for the report: every metric's counters, the
    changes that made a policy version, the ids to draw a sample from."""

    def __init__(
        self,
        population: Population,
        understood: list[Understood] | None,
        final: PolicyVersion | None,
        *,
        with_ids: bool,
    ) -> None:
        self.metrics = MetricsAccumulator(population, understood)
        self.oversight = OversightAccumulator(final)
        self.versions = {v.commit for v in population.period_versions}
        self.versions_changed: dict[str, Change] = {}
        self.ids: list[str] = []
        self.with_ids = with_ids
        self.without_line_counts = 0
        self.pull_requests = 0

    def add(self, change: Change) -> None:
        self.metrics.add(change)
        self.oversight.add(change)
        if change.id in self.versions:
            self.versions_changed[change.id] = change
        if self.with_ids:
            self.ids.append(change.id)
        self.without_line_counts += change.added is None
        self.pull_requests += bool(change.pull_request)


def read_once(
    population: Population,
    understood: list[Understood] | None = None,
    final: PolicyVersion | None = None,
    *,
    with_ids: bool = False,
) -> _Pass:
    """One read of the population into everything the report counts (see `_Pass`)."""
    seen = _Pass(population, understood, final, with_ids=with_ids)
    for change in population.changes:
        seen.add(change)
    return seen


def edit_changes(changes: Sequence[Change], edits: Sequence[Callable[[Change], None]]) -> None:
    """Apply `edits` to each change, in order, and keep the result (on disk: one rewrite)."""

    def edit(change: Change) -> None:
        for one in edits:
            one(change)

    if isinstance(changes, Changes):
        changes.rewrite(edit)
    else:
        for change in changes:
            edit(change)


class _Statements:
    """The unsigned oversight statements (one in-toto statement per change that names a pull
    request, oldest first), made a batch of changes at a time as the pack is written."""

    def __init__(self, repo: Repo, changes: Sequence[Change], generator: dict[str, Any]) -> None:
        self.repo, self.changes, self.generator = repo, changes, generator

    def __bool__(self) -> bool:
        return True  # made only when some change names a pull request

    def __iter__(self) -> Iterator[dict[str, Any]]:
        from signoff.audit.digests import commit_sha256
        from signoff.audit.oversight import oversight_statements

        for batch in batched(reversed(self.changes), 1000):
            named = [c.id for c in batch if c.pull_request]
            if named:
                digests = commit_sha256(self.repo, named)
                yield from oversight_statements(batch, digests, self.generator)


class _Signed:
    """The population's signed provenance statements (one per change, oldest first, each with
    the audit's record of it), made and signed a batch of changes at a time as the pack is
    written, so signing a long period holds one batch, not the period."""

    def __init__(self, repo: Repo, changes: Sequence[Change], key: Any, now: datetime) -> None:
        self.repo, self.changes, self.key, self.now = repo, changes, key, now

    def __iter__(self) -> Iterator[dict[str, Any]]:
        from signoff.audit.attest import commits_by_id, sign_commits

        for batch in batched(reversed(self.changes), 1000):
            records = {c.id: c.to_json() for c in batch}
            accountability = {
                c.id: {"policy": c.policy_version, "workflows": c.accountable, "problem": None}
                for c in batch
            }
            commits = commits_by_id(self.repo, [c.id for c in batch])
            yield from sign_commits(
                self.repo, commits, self.key, accountability, changes=records, now=self.now
            )


class _SignedOversight:
    """The oversight statements, each signed as it is written."""

    def __init__(self, statements: Iterable[dict[str, Any]], key: Any) -> None:
        self.statements, self.key = statements, key

    def __bool__(self) -> bool:
        return True

    def __iter__(self) -> Iterator[dict[str, Any]]:
        from signoff.audit.dsse import sign_envelope

        for s in self.statements:
            yield sign_envelope(
                json.dumps(s, sort_keys=True, separators=(",", ":")).encode(), self.key
            )


def _attest(repo: Repo, result: AuditResult, key_path: Path) -> None:
    """Sign the population: one statement per change, carrying the audit's record of it."""
    from cryptography.hazmat.primitives import serialization

    from signoff.audit.keys import load_private_key

    key = load_private_key(key_path)
    result.attestations = _Signed(repo, result.population.changes, key, datetime.now(timezone.utc))
    if result.oversight:
        result.oversight = _SignedOversight(result.oversight, key)
        result.oversight_signed = True
    result.public_key = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def summary(report: dict[str, Any]) -> dict[str, Any]:
    """The headline of an audit report (`signoff audit --json`, the server's audit summary)."""
    keys = ("period", "repository", "completeness", "limitations")
    metrics = report["metrics"]
    return {
        **{k: report[k] for k in keys},
        "headline": metrics["headline"],
        "ownership_coverage": metrics["ownership_coverage"],
        "ownership_decay": metrics["ownership_decay"],
        "lines": metrics["lines"],
        "oversight": metrics.get("oversight"),
        "incidents_available": report["incidents"]["available"],
        "policy_versions": len(report["policy_snapshots"]),
        "sample": report["sample"],
        "provenance_test": report["provenance_test"],
    }


def limitations(
    population: Population, report: dict[str, Any], without_line_counts: int | None = None
) -> list[str]:
    """Plain statements of what the pack cannot show, so nobody reads silence as evidence.
    `without_line_counts`: the changes with no line counts, when a pass counted them."""
    out = ["Deployments are not recorded; 'landed' means reached the audited branch."]
    gates = report.get("gate_evidence")
    if gates is None or not gates["matched"]:
        out.insert(0, "Gate results: " + GATE_NOT_RECORDED + ".")
    elif gates["matched"] < len(population.changes):
        out.insert(
            0,
            f"Gate results were recorded for {gates['matched']} of {len(population.changes)} "
            "changes; the others have none on record.",
        )
    forge = report.get("forge_reviews")
    if forge is None:
        out.insert(1, "Approved after the last push, and time to approval: " + FORGE_ONLY + ".")
    elif forge["matched"] < forge["changes_naming_a_pull_request"]:
        out.insert(
            1,
            f"Forge review records matched {forge['matched']} of the "
            f"{forge['changes_naming_a_pull_request']} changes that name a pull request; "
            "approved-after-last-push and time to approval cover those only.",
        )
    outcomes = report["metrics"].get("oversight", {}).get("outcomes")
    if outcomes is None:
        out.append(
            "Outcomes (line durability at 30 and 90 days, reverts and fixes) were not measured; "
            "pass --outcomes."
        )
    elif outcomes["not_measured_commits"]:
        out.append(
            f"Outcomes cover the {outcomes['measured_commits']} most recent commits measured; "
            f"{outcomes['not_measured_commits']} were not measured."
        )
    if not report["incidents"]["available"]:
        out.append("Incidents and error budgets: " + report["incidents"]["reason"] + ".")
    if not population.period_versions:
        out.append(
            "No signoff.yaml was in force during the period: workflows, tiers and accountables "
            "are empty, so no AI-assisted change can count as clearly attributed."
        )
    if not population.completeness.complete:
        out.append("The population does not match git's own count; see completeness.")
    if population.shallow:
        out.append("The repository is a shallow clone: history before its boundary is missing.")
    missing = without_line_counts
    if missing is None:
        missing = sum(1 for c in population.changes if c.added is None)
    if missing:
        out.append(f"{missing} changes have no line counts (missing objects in the clone).")
    return out


def _csv_row(c: Change) -> list[object]:
    return [
        c.id,
        c.kind,
        c.pull_request or "",
        c.committed_at,
        c.author.name,
        c.author.email,
        c.status,
        str(c.determined).lower(),
        ";".join(f"{t['tool']}/{t['model']}" if t["model"] else t["tool"] for t in c.tools),
        ";".join(str(p) for p in c.accepted_by),
        c.approvals,
        ";".join(str(p) for p in c.approvers),
        ";".join(f"{r['kind']}:{r['person']['email'] or r['person']['name']}" for r in c.reviews),
        "" if c.added is None else c.added,
        "" if c.deleted is None else c.deleted,
        "" if c.ai_attributed_lines is None else c.ai_attributed_lines,
        "" if c.unrecorded_ai_lines is None else c.unrecorded_ai_lines,
        c.gate["result"] if c.gate else "not recorded",
        c.policy_version or "",
        ";".join(c.workflows),
        c.tier or "",
        ";".join(f"{a['workflow']}:{a['id'] or '-'}:{a['status']}" for a in c.accountable),
        str(c.accountable_valid).lower(),
        ";".join(c.exceptions_used),
        ";".join(c.boundary_breaches),
    ]


def population_csv(population: Population) -> str:
    return "".join(chunk.decode() for chunk in _csv_chunks(population.changes))


def _csv_chunks(changes: Iterable[Change], rows: int = 2000) -> Iterator[bytes]:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for batch in batched(changes, rows):
        # names, emails and subjects come from commits anyone can write: no cell starts a formula
        writer.writerows([csv_safe(v) for v in _csv_row(c)] for c in batch)
        yield buf.getvalue().encode()
        buf.seek(0)
        buf.truncate()
    if buf.tell():
        yield buf.getvalue().encode()


def _population_json(report: dict[str, Any], changes: Iterable[Change]) -> Iterator[bytes]:
    """population.json a change at a time: the same bytes as `_json` of the whole document,
    without ever holding every change's record."""
    head = _json(
        {
            "schema": "signoff/audit-population/v1",
            "period": report["period"],
            "repository": report["repository"],
            "completeness": report["completeness"],
        }
    )
    yield head[: -len(b"}\n")] + b',"changes":['
    for n, batch in enumerate(batched(changes, 1000)):
        text = ",".join(
            json.dumps(c.to_json(), ensure_ascii=False, separators=(",", ":"), default=str)
            for c in batch
        )
        yield (b"," if n else b"") + text.encode()
    yield b"]}\n"


class _Rows(Sequence[dict[str, Any]]):
    """The population as records, each made when asked for: the report shows the first rows."""

    def __init__(self, changes: Sequence[Change]) -> None:
        self._changes = changes

    def __len__(self) -> int:
        return len(self._changes)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [c.to_json() for c in self._changes[index]]
        return self._changes[index].to_json()


def write_pack(result: AuditResult, out: Path) -> dict[str, Any]:
    """Write the pack into `out` as a whole: every file, then manifest.json and SHA256SUMS
    over them, in a folder beside `out` that replaces it only once complete (see `_swap_in`).
    A killed run leaves the previous pack as it was. Files are written as they are made (the
    population a batch of changes at a time), so memory holds no copy of the pack."""
    with _no_cycle_collection():
        return _write_pack(result, out)


def _write_pack(result: AuditResult, out: Path) -> dict[str, Any]:
    out = Path(os.path.realpath(out))  # a link to a folder: the folder is the one replaced
    _check_parents(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SignoffError(f"cannot create {out}: {exc.strerror}", "pass another --out") from None
    with _pack_lock(out):
        _recover(out)
        _check_replaceable(out)
        staging = _sibling(out, "new")
        try:
            staging.mkdir()
        except OSError as exc:
            raise SignoffError(
                f"cannot create a folder beside {out}: {exc.strerror}",
                "pass an --out whose parent folder you can write",
            ) from None
        try:
            entries = _write_staging(result, staging)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise SignoffError(
                f"cannot write the pack beside {out}: {exc.strerror}",
                "free some space, or pass an --out on another file system",
            ) from None
        _swap_in(staging, out)
    return {"out": str(out), "files": [*entries, {"path": "manifest.json"}]}


def _check_parents(out: Path) -> None:
    """A file where a folder of `--out`'s path should be: mkdir would only say "File exists"."""
    for parent in out.parents:
        if parent.is_dir():
            return
        if parent.exists():
            raise SignoffError(
                f"cannot create {out}: {parent} is a file, not a folder",
                "pass an --out whose parent is a folder (or a path that does not exist yet)",
            )


def _write_staging(result: AuditResult, staging: Path) -> list[dict[str, Any]]:
    """Every file of the pack into `staging`, synced; the manifest's entries."""
    written: dict[str, tuple[int, str]] = {}
    for name, chunks in _pack_files(result):
        written[name] = _write_file(staging / name, chunks)
    entries = [
        {"path": name, "bytes": size, "sha256": digest}
        for name, (size, digest) in sorted(written.items())
    ]
    manifest, sums = _manifest(entries, result.report["generated_at"])
    _write_file(staging / "manifest.json", [manifest])
    _write_file(staging / "SHA256SUMS", [sums])
    _fsync_dir(staging)
    return entries


def _manifest(entries: list[dict[str, Any]], generated_at: str) -> tuple[bytes, bytes]:
    """manifest.json and SHA256SUMS over the files `entries` describe."""
    manifest = _json(
        {
            "schema": "signoff/audit-manifest/v1",
            "algorithm": "sha256",
            "generated_at": generated_at,
            "files": entries,
        }
    )
    sums = [f"{e['sha256']}  {e['path']}" for e in entries]
    sums.append(f"{hashlib.sha256(manifest).hexdigest()}  manifest.json")
    return manifest, ("\n".join(sums) + "\n").encode()


def write_manifest_of(out: Path, names: list[str], generated_at: str) -> dict[str, Any]:
    """manifest.json and SHA256SUMS over the files `names` (paths inside `out`), written last:
    for a pack assembled from several packs (the organisation's), whose files are in place.
    Each file is hashed as it is read, never held whole."""
    entries = [
        {"path": name, "bytes": (out / name).stat().st_size, "sha256": _sha256_file(out / name)}
        for name in names
    ]
    manifest, sums = _manifest(entries, generated_at)
    write_atomic(out / "manifest.json", manifest)
    write_atomic(out / "SHA256SUMS", sums)
    return {"out": str(out), "files": [*entries, {"path": "manifest.json"}]}


def _pack_files(result: AuditResult) -> Iterator[tuple[str, Iterable[bytes]]]:
    """(name, content in pieces) of each file of the pack but its manifest and SHA256SUMS."""
    from signoff.audit.html import render_html

    report = result.report
    changes = result.population.changes
    yield "population.csv", _csv_chunks(changes)
    yield "population.json", _population_json(report, changes)
    yield "metrics.json", [_json({"schema": "signoff/audit-metrics/v1", **report["metrics"]})]
    yield (
        "policy-snapshots.json",
        [
            _json(
                {
                    "schema": "signoff/audit-policy-snapshots/v1",
                    "versions": report["policy_snapshots"],
                }
            )
        ],
    )
    yield "incidents.json", [_json({"schema": "signoff/audit-incidents/v1", **report["incidents"]})]
    yield "controls.json", [_json({"schema": "signoff/audit-controls/v1", **report["controls"]})]
    if report["sample"] is not None:
        yield "sample.json", [_json({"schema": "signoff/audit-sample/v1", **report["sample"]})]
    if report["provenance_test"] is not None:
        yield (
            "provenance-test.json",
            [_json({"schema": "signoff/audit-provenance-test/v1", **report["provenance_test"]})],
        )
    if result.attestations is not None and result.public_key is not None:
        yield (
            "provenance.intoto.jsonl",
            ((json.dumps(e, separators=(",", ":")) + "\n").encode() for e in result.attestations),
        )
        yield "signoff-attest.pub", [result.public_key]
    if result.oversight:
        name = "oversight.intoto.jsonl" if result.oversight_signed else "oversight.statements.jsonl"
        yield (
            name,
            ((json.dumps(e, separators=(",", ":")) + "\n").encode() for e in result.oversight),
        )
    repository = Path(str(report["repository"]["root"])).name
    yield "bom.cdx.json", [_json(audit_bom(report, changes, repository))]
    yield "audit.json", [_json(report)]
    yield "report.html", [render_html(report, _Rows(changes)).encode()]


def _write_file(path: Path, chunks: Iterable[bytes]) -> tuple[int, str]:
    """Write a new file of the pack from its pieces, synced; its size and SHA-256."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "xb") as fh:
        for chunk in chunks:
            fh.write(chunk)
            digest.update(chunk)
            size += len(chunk)
        fh.flush()
        os.fsync(fh.fileno())
    return size, digest.hexdigest()


# Replacing a pack. The new pack is written into `.NAME.signoff-new` beside `NAME` and swapped
# in by two renames: `NAME` -> `.NAME.signoff-old`, `.NAME.signoff-new` -> `NAME`; then the old
# one is removed. A run killed anywhere leaves either the previous pack at `NAME`, or (between
# the renames) the previous pack at `.NAME.signoff-old`, which the next run renames back before
# anything else. Only a folder that is empty or holds exactly a pack (its manifest, SHA256SUMS
# and the files the manifest names) is ever replaced: anything else is refused, never deleted.
_KEEP = ("manifest.json", "SHA256SUMS")


def _sibling(out: Path, what: str) -> Path:
    return out.with_name(f".{out.name}.signoff-{what}")


@contextmanager
def _pack_lock(out: Path) -> Iterator[None]:
    """One writer of `out` at a time (a lock file beside it; it stays, empty)."""
    from contextlib import ExitStack

    from signoff.files import locked

    with ExitStack() as stack:
        try:
            stack.enter_context(locked(_sibling(out, "lock")))
        except OSError as exc:
            raise SignoffError(
                f"cannot write beside {out}: {exc.strerror}",
                "pass an --out whose parent folder you can write",
            ) from None
        yield


def _recover(out: Path) -> None:
    """Undo what a killed run left: a half-written new pack goes, a previous pack moved aside
    comes back (or goes, when the new one was already in place)."""
    staging, old = _sibling(out, "new"), _sibling(out, "old")
    if staging.is_dir() and not staging.is_symlink():
        shutil.rmtree(staging)
    if old.is_dir() and not old.is_symlink():
        if out.exists() or out.is_symlink():
            shutil.rmtree(old)  # killed after the swap, while the previous pack was removed
        else:
            os.rename(old, out)  # killed between the two renames: the previous pack is back


def _check_replaceable(out: Path) -> None:
    """Refuse an `out` that holds anything a previous pack does not account for."""
    if not out.exists() and not out.is_symlink():
        return
    if not out.is_dir():
        raise SignoffError(f"{out} is not a folder", "pass a new or empty folder as --out")
    try:
        present = {p.name: p for p in out.iterdir()}
    except OSError as exc:
        raise SignoffError(f"cannot read {out}: {exc.strerror}", "pass another --out") from None
    if not present:
        return
    named = _manifest_names(out) if "manifest.json" in present else None
    if named is None:
        raise SignoffError(
            f"{out} is not empty and holds no evidence pack (no readable manifest.json); "
            "Signoff replaces only a pack it wrote",
            "pass a new or empty folder as --out, or move the files away",
        )
    foreign = sorted(
        name
        for name, path in present.items()
        if name not in named or path.is_symlink() or not path.is_file()
    )
    if foreign:
        shown = ", ".join(foreign[:5]) + (
            f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        )
        raise SignoffError(
            f"{out} holds files its pack's manifest does not name ({shown}); Signoff replaces "
            "only a pack it wrote",
            "pass a new or empty folder as --out, or move those files away",
        )


def _manifest_names(out: Path) -> set[str] | None:
    """The file names a pack's manifest accounts for, itself and SHA256SUMS included."""
    entries = _manifest_entries(out)
    if isinstance(entries, str):
        return None
    names = {e.get("path") for e in entries if isinstance(e, dict)}
    plain = {n for n in names if isinstance(n, str) and "/" not in n and n not in ("", ".", "..")}
    return plain | set(_KEEP)


def _manifest_entries(out: Path) -> list[Any] | str:
    """The `files` list of a pack's manifest.json, or the sentence saying why there is none.

    The manifest is read like any JSON from outside (`signoff.jsonsafe`, bounded): a pack can
    be handed over and edited."""
    try:
        manifest = jsonsafe.loads(read_bounded(out / "manifest.json"))
    except OSError as exc:
        return f"manifest.json unreadable: {exc.strerror or 'cannot be read'}"
    except TooLarge as exc:
        return f"manifest.json unreadable: {exc}"
    except jsonsafe.JsonProblem as exc:
        return f"manifest.json is not JSON ({jsonsafe.problem_text(exc)})"
    entries = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(entries, list):
        return "manifest.json has no list of files"
    return entries


def _swap_in(staging: Path, out: Path) -> None:
    old = _sibling(out, "old")
    try:
        if out.exists():
            os.rename(out, old)
        os.rename(staging, out)
    except OSError as exc:
        if old.exists() and not out.exists():
            os.rename(old, out)
        raise SignoffError(f"cannot replace {out}: {exc.strerror}", "pass another --out") from None
    _fsync_dir(out.parent)
    if old.exists():
        shutil.rmtree(old)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _json(doc: object) -> bytes:
    return (json.dumps(doc, ensure_ascii=False, separators=(",", ":"), default=str) + "\n").encode()


def verify_manifest(out: Path) -> list[str]:
    """Files of a pack whose content no longer matches its manifest (empty: intact).

    Each problem is one sentence, and an entry naming a path outside the pack is a problem,
    never a file read.
    """
    entries = _manifest_entries(out)
    if isinstance(entries, str):
        return [entries]
    problems = []
    for n, entry in enumerate(entries, start=1):
        name = entry.get("path") if isinstance(entry, dict) else None
        digest = entry.get("sha256") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not isinstance(digest, str):
            problems.append(f"manifest.json entry {n} lacks a path and a sha256 text")
            continue
        parts = Path(name).parts
        if not parts or Path(name).is_absolute() or ".." in parts:
            problems.append(f"manifest.json entry {n} names a path outside the pack: {name}")
            continue
        path = out / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif _sha256_file(path) != digest:
            problems.append(f"{name} changed since the pack was written")
    return problems


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
