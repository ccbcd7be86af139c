"""Slow work queued in the database itself: any server process may claim a job.

PostgreSQL hands each queued job to one worker (`FOR UPDATE SKIP LOCKED`: a locked row is
skipped, not waited for), so many stateless processes share the queue without Redis or a broker.
On SQLite the claiming transaction already holds the write lock, which serves the same end on one
machine.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.store.db import now_iso
from signoff.store.models import Job


def enqueue(session: Session, kind: str, payload: dict[str, Any]) -> int:
    at = now_iso()
    job = Job(kind=kind, payload=payload, status="queued", attempts=0, created_at=at, updated_at=at)
    session.add(job)
    session.flush()
    return job.id


def claim(session: Session, worker: str, kinds: list[str] | None = None) -> Job | None:
    """The oldest queued job, marked running for `worker`; None when the queue is empty."""
    query = select(Job).where(Job.status == "queued")
    if kinds:
        query = query.where(Job.kind.in_(kinds))
    job = session.execute(
        query.order_by(Job.id).limit(1).with_for_update(skip_locked=True)
    ).scalar_one_or_none()
    if job is None:
        return None
    job.status, job.locked_by, job.updated_at = "running", worker, now_iso()
    job.attempts += 1
    return job


def finish(session: Session, job_id: int, result: Any, *, failed: bool = False) -> None:
    job = session.get(Job, job_id)
    if job is None:
        return
    job.status = "failed" if failed else "done"
    job.result, job.updated_at = result, now_iso()
