"""Each clone's ownership decay, computed by a job and stored for the decay page.

Decay blames every AI-touched file at a clone's tip: seconds to minutes on a real history, so a
page never runs it. The `org.decay` job runs `signoff decay` in each registered clone whose tip
moved since its last result and stores one snapshot per repository (`MetricsSnapshot`, scope
`decay:NAME`); the page reads those and says when and at which tip they were computed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from signoff.errors import SignoffError
from signoff.store.db import Store, now_iso
from signoff.store.models import Job, MetricsSnapshot, Repository
from signoff.store.organisation import DECAY_JOB, DECAY_SCOPE, queue_decay

DECAY_SCHEMA = "signoff/server-decay/v1"


def stored(s: Session, names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The newest stored decay of each repository named (absent: never computed)."""
    scopes = {DECAY_SCOPE + n: n for n in names}
    out: dict[str, dict[str, Any]] = {}
    if not scopes:
        return out
    for scope, doc in s.execute(
        select(MetricsSnapshot.scope, MetricsSnapshot.document)
        .where(MetricsSnapshot.scope.in_(list(scopes)))
        .order_by(MetricsSnapshot.id)
    ).all():
        out[scopes[scope]] = dict(doc)
    return out


def compute(name: str, path: str, previous: dict[str, Any] | None) -> dict[str, Any]:
    """One clone's decay document; the previous files are kept when the tip has not moved
    that day (who has left is judged by the day, so a new day blames again)."""
    from signoff.git.repo import Repo
    from signoff.incidents.decay import DecayRun, decay

    started = time.perf_counter()
    doc: dict[str, Any] = {"schema": DECAY_SCHEMA, "repository": name, "computed_at": now_iso()}
    tip = None
    try:
        repo = Repo.discover(path)
        tip = repo.head()
        same_day = previous is not None and previous["computed_at"][:10] == doc["computed_at"][:10]
        if previous and same_day and previous["tip"] == tip and not previous.get("error"):
            files, problems = previous["files"], previous["problems"]
            method = previous.get("method")
        else:
            problems = []
            run = DecayRun()
            files = [f.to_json() for f in decay(repo, problems=problems, run=run)]
            method = run.to_json()
    except SignoffError as exc:
        return {**doc, "tip": tip, "files": [], "problems": [], "error": exc.message}
    seconds = round(time.perf_counter() - started, 3)
    out = {**doc, "tip": tip, "files": files, "problems": problems, "seconds": seconds}
    if method is not None:  # how lines were traced (results stored by older servers lack it)
        out["method"] = method
    return out


def answer(stored_doc: dict[str, Any], limit: int) -> dict[str, Any]:
    """A stored result as `signoff decay --json` prints it in the clone at the same tip and day
    (no `schema`, as every API answer), with when and at which tip it was computed."""
    from signoff.incidents.decay import decay_totals

    files = stored_doc["files"]
    out: dict[str, Any] = {
        "files": files[:limit],
        "total": len(files),
        "totals": decay_totals(files),
        "problems": stored_doc["problems"],
    }
    if "method" in stored_doc:
        out["method"] = stored_doc["method"]
    return {
        **out,
        "repository": stored_doc["repository"],
        "computed_at": stored_doc["computed_at"],
        "tip": stored_doc["tip"],
    }


def recompute(store: Store) -> dict[str, Any]:
    """Every registered clone's decay, each stored in its own transaction as the job goes."""
    with store.transaction() as s:
        clones = [
            (r.name, r.path)
            for r in s.execute(select(Repository).where(Repository.path.is_not(None))).scalars()
        ]
        before = stored(s, [n for n, _ in clones])
    done = []
    for name, path in clones:
        assert path is not None
        doc = compute(name, path, before.get(name))
        with store.transaction() as s:
            s.execute(delete(MetricsSnapshot).where(MetricsSnapshot.scope == DECAY_SCOPE + name))
            s.add(
                MetricsSnapshot(
                    scope=DECAY_SCOPE + name, computed_at=doc["computed_at"], document=doc
                )
            )
        done.append({"repository": name, "tip": doc["tip"], "seconds": doc.get("seconds")})
    return {"repositories": len(clones), "computed": done}


@dataclass(slots=True)
class DecayFreshness:
    """When and at which tip each clone's decay was computed, and whether the job is waiting."""

    computed: list[dict[str, Any]] = field(default_factory=list)  # repository, at, tip
    missing: list[str] = field(default_factory=list)  # a clone with no result yet
    stale: list[str] = field(default_factory=list)  # pushed after its decay was computed
    pending: bool = False  # the decay job is queued or running
    queued: bool = False  # this page view queued it


def freshness(
    s: Session, repos: list[Repository], docs: dict[str, dict[str, Any]], *, queue: bool = True
) -> DecayFreshness:
    """Compare each clone's last push with its decay's time; queue the job when a result is
    missing or behind and none is waiting (the page never blames in the request; an API read
    passes `queue=False` and only reports)."""
    from signoff.server.figures import last_pushed

    clones = [r for r in repos if r.path]
    pushed = last_pushed(s, [r.id for r in clones])
    fresh = DecayFreshness()
    for r in clones:
        doc = docs.get(r.name)
        if doc is None:
            fresh.missing.append(r.name)
            continue
        fresh.computed.append({"repository": r.name, "at": doc["computed_at"], "tip": doc["tip"]})
        if pushed.get(r.id, "") > doc["computed_at"]:
            fresh.stale.append(r.name)
    fresh.pending = (
        s.execute(
            select(Job.id)
            .where(Job.kind == DECAY_JOB, Job.status.in_(("queued", "running")))
            .limit(1)
        ).first()
        is not None
    )
    if (fresh.missing or fresh.stale) and not fresh.pending and queue:
        queue_decay(s, "dashboard")
        fresh.pending = fresh.queued = True
    return fresh
