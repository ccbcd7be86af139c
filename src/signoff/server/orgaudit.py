"""The organisation's audit pack, built on the server from what `signoff push` stored.

The same library as `signoff audit` on one clone: the population is assembled by the audit's own
first-parent walk and member assignment (`audit.population`) over the pushed commit records
instead of the clone's index, then `compute_metrics` and `write_pack` make the same files and the
same manifest. The pack holds one complete pack per repository under `repositories/ORG/NAME/`,
the same files at the top over every repository's changes together, `repositories.json` listing
what was included and what could not be (repositories never pushed, periods with no change), and
one manifest over all of it.

What a clone would add and pushed records lack is said in each pack's limitations, never guessed:
deleted-line counts, capture-gap reasons, commit bodies beyond the review trailers, policy
versions per commit (so workflows, tiers and accountables), incident records as of the period,
forge review records. Everything else is the clone's answer: the changes are built by the same
code (`audit.population.record_changes`), and a test audits one repository both ways.
"""

from __future__ import annotations

import io
import json
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff import __version__
from signoff.audit.controls import control_mapping
from signoff.audit.gates import GateDocuments, GateMatcher
from signoff.audit.incidents import unavailable
from signoff.audit.pack import (
    REPORT_SCHEMA,
    AuditResult,
    edit_changes,
    limitations,
    read_once,
    write_manifest_of,
    write_pack,
)
from signoff.audit.period import Period, commit_ts
from signoff.audit.population import (
    Changes,
    Completeness,
    Population,
    _Graph,
    first_parent_line,
    record_changes,
    sorted_changes,
)
from signoff.batches import batched
from signoff.files import write_atomic
from signoff.store.models import CommitRecord, GateResult, Ref, Repository

LISTING_SCHEMA = "signoff/audit-repositories/v1"
STREAM_ROWS = 1000  # stored records read at a time (server-side cursors on PostgreSQL)
FROM_PUSHES = (
    "Built on the server from the records `signoff push` stored, not from a clone: deleted-line "
    "counts, the reasons line capture is missing, commit messages beyond review trailers, and "
    "the policy in force per change (workflows, tiers, accountables) are not in pushed records, "
    "so they are not shown."
)


@dataclass
class RepoAudit:
    name: str
    ref: str | None
    result: AuditResult | None
    reason: str | None = None  # why nothing could be included


def _pushed_ref(session: Session, repo_id: int, branch: str | None) -> tuple[str, str] | None:
    """The branch to audit: the one asked for, else the one pushed last."""
    query = select(Ref.ref, Ref.tip).where(Ref.repo_id == repo_id)
    if branch:
        wanted = branch if branch.startswith("refs/") else f"refs/heads/{branch}"
        query = query.where(Ref.ref == wanted)
    row = session.execute(query.order_by(Ref.updated_at.desc()).limit(1)).first()
    return (str(row[0]), str(row[1])) if row else None


def repository_population(
    session: Session, repo: Repository, period: Period, branch: str | None = None
) -> Population | str:
    """The period's changes on the repository's pushed branch, or why there are none.

    Built by the clone's own builder (`audit.population.record_changes`) from the stored
    records, read a batch at a time: the walk keeps each commit's parents, the changes go to
    disk (`Changes`), and no more than a batch of records is ever held."""
    found = _pushed_ref(session, repo.id, branch)
    if found is None:
        return "never pushed" if branch is None else f"branch {branch} never pushed"
    ref, tip = found
    intern = sys.intern
    parents: dict[str, list[str]] = {}
    listed = select(CommitRecord.sha, CommitRecord.record).where(CommitRecord.repo_id == repo.id)
    for sha, doc in session.execute(listed.execution_options(yield_per=STREAM_ROWS)):
        parents[intern(sha)] = [intern(str(p)) for p in (doc or {}).get("parents") or []]
    if tip not in parents:
        return f"the pushed tip of {ref} ({tip[:12]}) has no stored record"
    line = first_parent_line(_Graph(parents, {}), tip)
    position = {sha: i for i, sha in enumerate(line)}
    dated = select(CommitRecord.sha, CommitRecord.committed_at).where(
        CommitRecord.repo_id == repo.id
    )
    inside = {
        sha
        for sha, when in session.execute(dated.execution_options(yield_per=STREAM_ROWS))
        if sha in position and period.contains(commit_ts(str(when or "")))
    }
    in_period = [s for s in line if s in inside]
    del inside

    def fetch(shas: list[str]) -> Iterator[dict[str, Any]]:
        for chunk in batched(shas, 500):
            query = select(CommitRecord.record).where(
                CommitRecord.repo_id == repo.id, CommitRecord.sha.in_(chunk)
            )
            yield from session.execute(query).scalars()

    changes = Changes(record_changes(parents, line, in_period, fetch, None))
    # completeness: the first-parent line must reach back past the period through stored
    # records; a parent with no record means history the server never received
    oldest = line[0]
    gap = parents[oldest][:1] if parents.get(oldest) else []
    missing = gap if gap and (not in_period or in_period[0] == oldest) else []
    completeness = Completeness(len(changes), len(changes) + len(missing), missing, [])
    return Population(period, ref, tip, changes, completeness, [], False, [], position)


def _gates(session: Session, repo_id: int) -> GateDocuments:
    from signoff.incidents.gate_evidence import CHECK_SCHEMAS, _evidence

    docs = [
        _evidence(f"pushed gate result for {sha[:10]}", record)
        for sha, record in session.execute(
            select(GateResult.sha, GateResult.record)
            .where(GateResult.repo_id == repo_id)
            .order_by(GateResult.id)
        ).all()
        if isinstance(record, dict) and record.get("schema") in CHECK_SCHEMAS
    ]
    return GateDocuments(docs, len(docs), 0)


def _report(name: str, population: Population, gates: dict[str, int] | None) -> dict[str, Any]:
    seen = read_once(population)
    report: dict[str, Any] = {
        "schema": REPORT_SCHEMA,
        "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "generator": {"name": "signoff", "version": __version__},
        "repository": {"root": name, "branch": population.branch, "tip": population.tip},
        "period": population.period.to_json(),
        "completeness": population.completeness.to_json(),
        "metrics": {**seen.metrics.result(), "oversight": seen.oversight.result()},
        "policy_snapshots": [],
        "incidents": unavailable("incident records are not audited from pushed records"),
        "forge_reviews": None,
        "gate_evidence": gates,
        "controls": control_mapping(),
        "sample": None,
        "provenance_test": None,
    }
    report["completeness"]["git_command"] = (
        "first-parent walk over the pushed records from the pushed tip (no clone on the server)"
    )
    # the library's sentences about a clone's missing objects and an absent signoff.yaml do
    # not apply: FROM_PUSHES says what pushed records cannot show instead
    clone_only = ("missing objects in the clone", "No signoff.yaml was in force")
    out = [
        line
        for line in limitations(population, report, seen.without_line_counts)
        if not any(text in line for text in clone_only)
    ]
    out.insert(0, FROM_PUSHES)
    if not population.completeness.complete:
        out.append(
            "The pushed records stop before the period's start: push the whole history "
            "(`signoff push` from a full clone)."
        )
    report["limitations"] = out
    return report


def audit_organisation(
    session: Session, period: Period, branch: str | None = None
) -> tuple[list[RepoAudit], AuditResult]:
    """Every repository's audit from pushed records, and the audit of all their changes."""
    audits: list[RepoAudit] = []
    gate_totals = {"documents": 0, "from_notes": 0, "from_files": 0, "matched": 0}
    complete = Completeness(0, 0, [], [])
    for repo in session.execute(select(Repository).order_by(Repository.name)).scalars():
        population = repository_population(session, repo, period, branch)
        if isinstance(population, str):
            audits.append(RepoAudit(repo.name, None, None, population))
            continue
        match = GateMatcher(_gates(session, repo.id))
        if match.latest:
            edit_changes(population.changes, [match])
        gates = match.counts()
        report = _report(repo.name, population, gates)
        audits.append(RepoAudit(repo.name, population.branch, AuditResult(population, report)))
        for key in gate_totals:
            gate_totals[key] += gates[key]
        complete.population += population.completeness.population
        complete.git += population.completeness.git
        complete.missing += population.completeness.missing
    # every repository's changes, newest first (a stable sort on disk, as `sorted` would give)
    everything = sorted_changes(
        (c for a in audits if a.result for c in a.result.population.changes),
        lambda c: commit_ts(c.committed_at),
        reverse=True,
    )
    union = Population(
        period, "(each repository's pushed branch)", "", everything, complete, [], False
    )
    report = _report("organisation", union, gate_totals)
    report["repository"]["tip"] = "(one per repository, see repositories.json)"
    skipped = [a for a in audits if a.result is None]
    if skipped:
        report["limitations"].insert(
            1,
            f"{len(skipped)} of {len(audits)} repositories could not be included: "
            + "; ".join(f"{a.name} ({a.reason})" for a in skipped[:20])
            + (" and more (repositories.json lists them all)" if len(skipped) > 20 else "")
            + ".",
        )
    return audits, AuditResult(union, report)


def write_organisation_pack(
    audits: list[RepoAudit], union: AuditResult, out: Path
) -> dict[str, Any]:
    """The union pack at `out`, each repository's pack beneath it, one manifest over all."""
    write_pack(union, out)
    listing = []
    for a in audits:
        entry: dict[str, Any] = {"repository": a.name, "included": a.result is not None}
        if a.result is None:
            entry["reason"] = a.reason
        else:
            folder = Path("repositories", *a.name.split("/"))
            write_pack(a.result, out / folder)
            entry.update(
                {
                    "pack": folder.as_posix(),
                    "ref": a.ref,
                    "tip": a.result.population.tip,
                    "changes": len(a.result.population.changes),
                    "limitations": a.result.report["limitations"],
                }
            )
        listing.append(entry)
    doc = {
        "schema": LISTING_SCHEMA,
        "generated_at": union.report["generated_at"],
        "period": union.report["period"],
        "repositories": listing,
        "included": sum(1 for e in listing if e["included"]),
        "not_included": sum(1 for e in listing if not e["included"]),
    }
    write_atomic(
        out / "repositories.json",
        (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode(),
    )
    return _manifest_over(out, union.report["generated_at"])


def _manifest_over(out: Path, generated_at: str) -> dict[str, Any]:
    """The pack's manifest over every file under `out` (each nested pack's own too)."""
    files = [
        path.relative_to(out).as_posix()
        for path in sorted(p for p in out.rglob("*") if p.is_file())
        if path.relative_to(out).as_posix() not in ("manifest.json", "SHA256SUMS")
        and not (path.name.startswith(".") and ".signoff-" in path.name)  # a writer's lock
    ]
    return write_manifest_of(out, files, generated_at)


def organisation_pack_archive(
    store: Any, period: Period, branch: str | None
) -> tuple[bytes, dict[str, Any]]:
    """The pack as a gzipped tar (what the job stores and the CLI downloads), and a summary.

    The records are read in one transaction; the files are written after it ends (on SQLite a
    transaction holds the write lock, and pushes must not wait for the pack's files)."""
    with store.transaction() as session:
        audits, union = audit_organisation(session, period, branch)
    with tempfile.TemporaryDirectory(prefix="signoff-org-audit-") as tmp:
        root = Path(tmp) / "pack"
        write_organisation_pack(audits, union, root)
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    tar.add(path, arcname=path.relative_to(root).as_posix(), recursive=False)
    summary = {
        "period": union.report["period"],
        "repositories": len(audits),
        "included": sum(1 for a in audits if a.result is not None),
        "not_included": [
            {"repository": a.name, "reason": a.reason} for a in audits if a.result is None
        ],
        "changes": len(union.population.changes),
        "headline": union.report["metrics"]["headline"],
        "limitations": union.report["limitations"],
    }
    return buf.getvalue(), summary


def unpack(archive: bytes, out: Path) -> list[str]:
    """Extract a downloaded pack into `out` (regular files only, never outside it)."""
    names = []
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        for member in tar.getmembers():
            parts = Path(member.name).parts
            if not member.isfile() or Path(member.name).is_absolute() or ".." in parts:
                continue
            target = out.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            src = tar.extractfile(member)
            assert src is not None
            write_atomic(target, src.read())
            names.append(member.name)
    return names


def fetch_pack(
    client: Any,
    since: str,
    until: str,
    out: Path,
    *,
    branch: str | None = None,
    timeout: float = 3600.0,
    poll: float = 1.0,
) -> dict[str, Any]:
    """Ask the server for the organisation's pack, wait for its job, download and unpack it into
    `out`, and check it against its manifest. Returns the job's summary with the pack's place."""
    import time
    import urllib.parse

    from signoff.audit.pack import verify_manifest
    from signoff.errors import SignoffError

    client.require_token()
    params = {"since": since, "until": until, **({"branch": branch} if branch else {})}
    query = urllib.parse.urlencode(params)
    job = client.post(f"/api/v1/org/audit?{query}", {})["job"]
    deadline = time.monotonic() + timeout
    while True:
        state = client.get(f"/api/v1/jobs/{job}")
        if state["status"] == "done":
            break
        if state["status"] == "failed":
            raise SignoffError(
                f"the server's audit job {job} failed: {state.get('error')}",
                "see the server's log; fix the cause and run the audit again",
            )
        if time.monotonic() > deadline:
            raise SignoffError(
                f"the server's audit job {job} is still {state['status']} after {timeout:.0f} s",
                "is a worker running? (`signoff serve` runs one unless --no-jobs; or `signoff worker`)",
            )
        time.sleep(poll)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SignoffError(f"cannot create {out}: {exc.strerror}", "pass another --out") from None
    unpack(client.download(f"/api/v1/jobs/{job}/artifact"), out)
    problems = verify_manifest(out)
    if problems:
        raise SignoffError(
            f"the downloaded pack does not match its manifest: {problems[0]}",
            "run the audit again (the download may have been cut)",
        )
    return {**state["result"], "job": job, "pack": str(out)}
