"""An organisation's figures over what its repositories pushed, computed by a job.

Grouped queries only (one per figure, never one per repository), so the cost grows with the
number of rows the database scans, not with round trips. The two line measures stay apart:
lines a line record attributes to AI, and added lines of AI-assisted commits with no line record.
The newest snapshot is what the overview shows; recomputing is the `org.metrics` job.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signoff.provenance.model import AI_STATUSES
from signoff.store.db import now_iso
from signoff.store.models import CommitRecord, MetricsSnapshot, Ref, Repository

METRICS_SCHEMA = "signoff/org-metrics/v1"
SCOPE = "organisation"
METRICS_JOB = "org.metrics"
# each clone's decay (`signoff decay`, blame at its tip), one snapshot per repository
DECAY_JOB = "org.decay"
DECAY_SCOPE = "decay:"  # + the repository's name


def counts_by_status(
    session: Session, repo_ids: list[int] | None = None
) -> list[tuple[int, str, bool | None, int, int | None, int | None]]:
    """(repository, status, merge, commits, AI-attributed lines, unrecorded AI-commit lines)
    rows: one grouped query over the stored columns, for every repository or those given."""
    query = select(
        CommitRecord.repo_id,
        CommitRecord.ai_status,
        CommitRecord.is_merge,
        func.count(),
        func.sum(CommitRecord.ai_lines),
        func.sum(CommitRecord.unrecorded_lines),
    ).group_by(CommitRecord.repo_id, CommitRecord.ai_status, CommitRecord.is_merge)
    if repo_ids is not None:
        query = query.where(CommitRecord.repo_id.in_(repo_ids))
    return [tuple(row) for row in session.execute(query).all()]  # type: ignore[misc]


def commit_months(
    session: Session, repo_ids: list[int] | None = None
) -> dict[int, dict[str, list[int]]]:
    """Per repository, {month of the commit date: [commits, AI-assisted commits]}, merges left
    out as `signoff stats` leaves them out. The figures job stores each repository's (so the
    organisation's months are a sum of stored rows, not a scan of every commit)."""
    month = func.substr(CommitRecord.committed_at, 1, 7)
    query = (
        select(CommitRecord.repo_id, month, CommitRecord.ai_status, func.count())
        .where(CommitRecord.is_merge.is_not(True))
        .group_by(CommitRecord.repo_id, month, CommitRecord.ai_status)
    )
    if repo_ids is not None:
        query = query.where(CommitRecord.repo_id.in_(repo_ids))
    out: dict[int, dict[str, list[int]]] = {}
    for rid, when, status, count in session.execute(query).all():
        row = out.setdefault(int(rid), {}).setdefault(str(when or "unknown"), [0, 0])
        row[0] += int(count)
        if status in AI_STATUSES:
            row[1] += int(count)
    return out


def _stored_months(session: Session, repo_ids: list[int]) -> dict[int, dict[str, list[int]]]:
    """Each repository's months as its figures stored them; a repository whose figures were
    never computed (or by an older server) is counted from its rows."""
    from signoff.store.models import RepoFigures

    found: dict[int, dict[str, list[int]]] = {
        int(rid): months
        for rid, months in session.execute(
            select(RepoFigures.repo_id, RepoFigures.commit_months).where(
                RepoFigures.grain == "all", RepoFigures.commit_months.is_not(None)
            )
        ).all()
        if isinstance(months, dict)
    }
    rest = [rid for rid in repo_ids if rid not in found]
    if rest:
        found.update(commit_months(session, rest))
    return found


def organisation_metrics(session: Session) -> dict[str, Any]:
    """Per repository and in total: commits by status and the two line measures, merges apart
    as `signoff stats` counts them; commits and AI-assisted commits by month (summed from each
    repository's stored figures)."""
    names = dict(session.execute(select(Repository.id, Repository.name)).all())
    pushed = dict(
        session.execute(select(Ref.repo_id, func.max(Ref.updated_at)).group_by(Ref.repo_id)).all()
    )
    repos: dict[int, dict[str, Any]] = {
        rid: {
            "name": name,
            "commits": 0,
            "merges_excluded": 0,
            "ai_assisted_commits": 0,
            "by_status": {},
            "ai_attributed_lines": 0,
            "ai_assisted_unrecorded_lines": 0,
            "last_push": pushed.get(rid),
        }
        for rid, name in names.items()
    }
    for rid, status, is_merge, count, ai_lines, unrecorded in counts_by_status(session):
        r = repos[rid]
        if is_merge:
            r["merges_excluded"] += int(count)
            continue
        r["by_status"][status] = r["by_status"].get(status, 0) + int(count)
        r["commits"] += int(count)
        if status in AI_STATUSES:
            r["ai_assisted_commits"] += int(count)
        r["ai_attributed_lines"] += int(ai_lines or 0)
        r["ai_assisted_unrecorded_lines"] += int(unrecorded or 0)
    by_month: dict[str, dict[str, Any]] = {}
    for months in _stored_months(session, list(names)).values():
        for when, (count, ai) in months.items():
            row = by_month.setdefault(when, {"month": when, "commits": 0, "ai_assisted_commits": 0})
            row["commits"] += count
            row["ai_assisted_commits"] += ai
    listed = sorted(repos.values(), key=lambda r: r["name"])
    totals = {
        "repositories": len(listed),
        "repositories_never_pushed": sum(
            1 for r in listed if not r["commits"] and not r["merges_excluded"]
        ),
        **{
            key: sum(r[key] for r in listed)
            for key in (
                "commits",
                "merges_excluded",
                "ai_assisted_commits",
                "ai_attributed_lines",
                "ai_assisted_unrecorded_lines",
            )
        },
    }
    return {
        "schema": METRICS_SCHEMA,
        "computed_at": now_iso(),
        "totals": totals,
        "repositories": listed,
        "by_month": [by_month[k] for k in sorted(by_month)],
    }


def save_snapshot(session: Session, document: dict[str, Any]) -> int:
    row = MetricsSnapshot(scope=SCOPE, computed_at=document["computed_at"], document=document)
    session.add(row)
    session.flush()
    return row.id


def latest_snapshot(session: Session) -> dict[str, Any] | None:
    """The newest organisation figures a job computed (None: never computed)."""
    doc = session.execute(
        select(MetricsSnapshot.document)
        .where(MetricsSnapshot.scope == SCOPE)
        .order_by(MetricsSnapshot.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return dict(doc) if doc is not None else None


def queue_recompute(session: Session, actor: str) -> int:
    """Queue the figures' recomputation unless one is already waiting (pushes queue it, so the
    overview never aggregates millions of rows per page view); returns the waiting job."""
    return _queue_once(session, METRICS_JOB, actor)


def queue_decay(session: Session, actor: str) -> int:
    """Queue the clones' decay unless it is already waiting (blame is far too slow for a page
    view); returns the waiting job."""
    return _queue_once(session, DECAY_JOB, actor)


def _queue_once(session: Session, kind: str, actor: str) -> int:
    from signoff.store.jobs import enqueue
    from signoff.store.models import Job

    waiting = session.execute(
        select(Job.id).where(Job.kind == kind, Job.status == "queued").limit(1)
    ).first()
    if waiting is not None:
        return int(waiting[0])
    return enqueue(session, kind, {}, requested_by=actor)
