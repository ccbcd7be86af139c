"""Slow work queued in the database itself: any server process or `signoff worker` claims it.

PostgreSQL hands each queued job to one worker (`FOR UPDATE SKIP LOCKED`: a locked row is
skipped, not waited for), so many stateless processes share the queue without Redis or a broker.
On SQLite every transaction begins with the write lock (BEGIN IMMEDIATE, see store.db), so the
claim's read and write cannot interleave with another process's.

A claim is a lease: the worker owns the job until `lease_until`, and a job whose worker died is
claimed again once the lease has passed. A failure is retried later (backoff doubling from
`BACKOFF` seconds) until `max_attempts`, then the job is `failed` with its last error. A job's
outcome is written only by the worker that still holds it, in the transaction that checks so,
together with its audit-log entry: a job is done once even when a slow worker outlives its lease.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from signoff.errors import SignoffError
from signoff.store import auditlog
from signoff.store.db import Store, now_iso
from signoff.store.models import Job

LEASE_SECONDS = 300.0
BACKOFF = 5.0
log = logging.getLogger("signoff.jobs")


@dataclass
class Outcome:
    """What a job's handler hands back: a JSON result, and optionally a file (an archive)."""

    result: Any
    artifact: bytes | None = None
    # rows to write with the outcome, in the transaction that checks the job is still ours
    write: Callable[[Session], None] | None = None


# a handler gets the store (it opens its own transactions to read) and the job's payload
Handler = Callable[[Store, dict[str, Any]], Outcome]


def _at(seconds: float) -> str:
    later = datetime.now(timezone.utc) + timedelta(seconds=seconds)
    return later.isoformat(timespec="microseconds")


def worker_name() -> str:
    """This process's name in `locked_by` (host, pid and a random part: threads differ too)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    *,
    requested_by: str | None = None,
    max_attempts: int = 5,
) -> int:
    at = now_iso()
    job = Job(
        kind=kind,
        payload=payload,
        status="queued",
        attempts=0,
        created_at=at,
        updated_at=at,
        run_after=at,
        max_attempts=max_attempts,
        requested_by=requested_by,
    )
    session.add(job)
    session.flush()
    auditlog.append(session, requested_by or "cli", "job.queued", f"job:{job.id}", {"kind": kind})
    return job.id


def claim(
    session: Session,
    worker: str,
    kinds: list[str] | None = None,
    lease: float = LEASE_SECONDS,
) -> Job | None:
    """The oldest claimable job (queued and due, or running with its lease passed), leased to
    `worker`; None when there is none."""
    now = now_iso()
    claimable = or_(
        and_(Job.status == "queued", Job.run_after <= now),
        and_(Job.status == "running", Job.lease_until < now),
    )
    query = select(Job).where(claimable)
    if kinds:
        query = query.where(Job.kind.in_(kinds))
    job = session.execute(
        query.order_by(Job.id).limit(1).with_for_update(skip_locked=True)
    ).scalar_one_or_none()
    if job is None:
        return None
    job.status, job.locked_by, job.updated_at = "running", worker, now
    job.lease_until = _at(lease)
    job.attempts += 1
    return job


def _held(session: Session, job_id: int, worker: str) -> Job | None:
    """The job, locked, if `worker` still holds it (its lease was not taken over)."""
    job = session.execute(
        select(Job).where(Job.id == job_id).with_for_update()
    ).scalar_one_or_none()
    if job is None or job.status != "running" or job.locked_by != worker:
        return None
    return job


def finish(session: Session, job_id: int, worker: str, outcome: Outcome) -> bool:
    """Record a job done; False (nothing written) when another worker has taken it over."""
    job = _held(session, job_id, worker)
    if job is None:
        return False
    job.status, job.result, job.updated_at = "done", outcome.result, now_iso()
    job.artifact, job.lease_until, job.error = outcome.artifact, None, None
    if outcome.write is not None:
        outcome.write(session)
    auditlog.append(session, f"worker:{worker}", "job.done", f"job:{job_id}", {"kind": job.kind})
    return True


def fail(session: Session, job_id: int, worker: str, error: str) -> str | None:
    """Record a failed attempt: queued again after a backoff, or `failed` after the last
    attempt. Returns the new status (None: another worker holds the job now)."""
    job = _held(session, job_id, worker)
    if job is None:
        return None
    job.error, job.updated_at, job.lease_until = error[-4000:], now_iso(), None
    if job.attempts >= job.max_attempts:
        job.status = "failed"
        auditlog.append(
            session, f"worker:{worker}", "job.failed", f"job:{job_id}", {"kind": job.kind}
        )
    else:
        job.status = "queued"
        job.run_after = _at(BACKOFF * 2 ** (job.attempts - 1))
    return job.status


def run_one(
    store: Store,
    handlers: dict[str, Handler],
    worker: str,
    lease: float = LEASE_SECONDS,
) -> int | None:
    """Claim one job and run it; its id, or None when nothing was claimable."""
    with store.transaction() as s:
        job = claim(s, worker, sorted(handlers), lease)
        if job is None:
            return None
        job_id, kind, payload = job.id, job.kind, dict(job.payload or {})
    beating = threading.Event()
    beat = threading.Thread(
        target=_heartbeat, args=(store, job_id, worker, lease, beating), daemon=True
    )
    beat.start()
    outcome, error = None, ""
    try:
        outcome = handlers[kind](store, payload)
    except Exception as exc:  # any failure is the job's, recorded and retried
        if isinstance(exc, SignoffError):
            error = exc.message + (f" ({exc.hint})" if exc.hint else "")
        else:
            error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            log.warning("job %s (%s) failed:\n%s", job_id, kind, traceback.format_exc())
    finally:
        beating.set()
        beat.join()
    with store.transaction() as s:
        if outcome is None:
            fail(s, job_id, worker, error)
        else:
            finish(s, job_id, worker, outcome)
    return job_id


def _heartbeat(store: Store, job_id: int, worker: str, lease: float, done: threading.Event) -> None:
    """Extend a running job's lease every third of it: only a dead worker's lease passes."""
    while not done.wait(lease / 3):
        try:
            with store.transaction() as s:
                job = _held(s, job_id, worker)
                if job is None:
                    return
                job.lease_until = _at(lease)
        except (SignoffError, SQLAlchemyError) as exc:
            log.warning("job %s: lease not extended: %s", job_id, exc)


def run_worker(
    store: Store,
    handlers: dict[str, Handler],
    stop: threading.Event,
    *,
    poll: float = 1.0,
    lease: float = LEASE_SECONDS,
    once: bool = False,
    worker: str | None = None,
) -> int:
    """Run jobs until `stop` is set (or, with `once`, until none is claimable); how many ran."""
    name = worker or worker_name()
    ran = 0
    while not stop.is_set():
        try:
            job_id = run_one(store, handlers, name, lease)
        except (SignoffError, SQLAlchemyError) as exc:  # the database went away: wait, retry
            log.warning("job worker: %s", getattr(exc, "message", exc))
            job_id = None
        if job_id is not None:
            ran += 1
            continue
        if once:
            break
        stop.wait(poll)
    return ran


def status(session: Session, job_id: int) -> dict[str, Any] | None:
    """A job as the API shows it (never its artifact's bytes)."""
    job = session.get(Job, job_id)
    if job is None:
        return None
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "created_at": job.created_at,
        "updated_at": job.updated_at,
        "error": job.error,
        "result": job.result,
        "requested_by": job.requested_by,
    }


def artifact(session: Session, job_id: int) -> bytes | None:
    return session.execute(select(Job.artifact).where(Job.id == job_id)).scalar_one_or_none()
