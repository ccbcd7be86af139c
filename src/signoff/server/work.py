"""The jobs a worker runs: the dashboard's stored figures, the clones' decay, and the
organisation's audit pack.

`signoff serve` runs a worker thread in each process by default, `signoff worker` runs one on its
own; both claim from the database's jobs table (`store.jobs`), so any number share the queue.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from signoff.errors import SignoffError
from signoff.store.db import Store
from signoff.store.jobs import Handler, Outcome, run_worker
from signoff.store.organisation import DECAY_JOB as DECAY
from signoff.store.organisation import METRICS_JOB as METRICS

AUDIT = "org.audit"


def _metrics(store: Store, payload: dict[str, Any]) -> Outcome:
    """Each changed repository's dashboard figures (`server.figures`, stored as the job goes,
    one repository per transaction), then the organisation's stored-count snapshot."""
    from signoff.server.figures import recompute
    from signoff.store.organisation import organisation_metrics

    names = payload.get("repositories")
    figures = recompute(store, names if isinstance(names, list) else None)
    with store.read() as s:  # sums stored rows; the snapshot is written by `write` below
        doc = organisation_metrics(s)
    return Outcome(
        {"computed_at": doc["computed_at"], **doc["totals"], "figures": figures},
        write=lambda s: _save(s, doc),
    )


def _save(session: Any, doc: dict[str, Any]) -> None:
    from signoff.store.organisation import save_snapshot

    save_snapshot(session, doc)


def _decay(store: Store, payload: dict[str, Any]) -> Outcome:
    """Each registered clone's decay (blame at its tip), stored per repository as it goes."""
    from signoff.server.decayed import recompute

    return Outcome(recompute(store))


def _audit(store: Store, payload: dict[str, Any]) -> Outcome:
    from signoff.audit.period import parse_period
    from signoff.server.orgaudit import organisation_pack_archive

    since, until = payload.get("since"), payload.get("until")
    if not isinstance(since, str) or not isinstance(until, str):
        raise SignoffError("an audit job needs since and until dates", "give YYYY-MM-DD dates")
    branch = payload.get("branch")
    archive, summary = organisation_pack_archive(
        store, parse_period(since, until), branch if isinstance(branch, str) else None
    )
    return Outcome(summary, artifact=archive)


HANDLERS: dict[str, Handler] = {METRICS: _metrics, DECAY: _decay, AUDIT: _audit}


@contextmanager
def background_worker(store: Store, poll: float = 1.0) -> Iterator[threading.Thread]:
    """A worker thread for the block's duration (the server's lifespan)."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_worker,
        args=(store, HANDLERS, stop),
        kwargs={"poll": poll},
        daemon=True,
        name="signoff-jobs",
    )
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(30)
