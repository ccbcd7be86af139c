"""A repository's dashboard figures, computed once after a push and stored as mergeable parts.

Pages never rebuild changes: the figures job (`org.metrics`, queued by every push that moves a
branch) rebuilds each changed repository's changes once (`dashboard.repo_view`, the audit's
`changes_from_records`) and stores, for all history, per month and per day, the numerators and
denominators of the audit's own ratios (`audit.metrics`, called on each bucket's changes),
approval-count histograms (so medians merge), AI share by tool, the two line measures apart,
workflow rows and the paths nobody owns. A page adds up the rows of the repositories its viewer
may read; a `?since&until` period adds whole months and the days at its two edges. Any server
process answers from the database alone.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from signoff.audit import metrics
from signoff.audit.period import Period
from signoff.audit.population import Change, day_of
from signoff.policy.rules import today_utc
from signoff.store.db import Store, now_iso
from signoff.store.models import (
    BudgetState,
    CommitRecord,
    Job,
    PolicySnapshot,
    Ref,
    RepoFigures,
    Repository,
)
from signoff.store.organisation import (
    METRICS_JOB,
    commit_months,
    counts_by_status,
    queue_recompute,
)

NO_WORKFLOW = "(no workflow)"
# what a stored figures row holds: a server that stores more bumps it, and the figures an older
# one stored are recomputed by the next job (their source no longer matches)
FIGURES_VERSION = 2
LINE_KEYS = (
    "ai_attributed_lines",
    "ai_assisted_unrecorded_lines",
    "changes_without_line_counts",
)
CAPTURE_KEYS = (
    "ai_commits",
    "ai_commits_with_line_record",
    "ai_commit_lines",
    "ai_commit_lines_with_line_record",
)


# -- what one bucket of changes stores -----------------------------------------------------------


def _pair(r: metrics.Ratio) -> list[int]:
    return [r.numerator, r.denominator]


def parts(changes: list[Change], version: Any = None) -> dict[str, Any]:
    """The mergeable figures of `changes`, each counted by the audit's own function."""
    from signoff.server.dashboard import _no_owner

    lines = metrics.line_measures(changes)
    gaps = lines["capture_gaps"]
    tiers: dict[str, Any] = {}
    for tier, d in metrics.review_depth(changes).items():
        if not d["changes"]:
            continue
        group = [c for c in changes if (c.tier or metrics.NO_TIER) == tier]
        met, roles = d["required_approvals_met"], d["required_roles"]
        tiers[tier] = {
            "changes": d["changes"],
            "approvals": {str(k): n for k, n in Counter(c.approvals for c in group).items()},
            "bar": [met["numerator"], met["denominator"]],
            "roles": [roles["numerator"], roles["denominator"]],
        }
    months: dict[str, Any] = {}
    for m in metrics.ai_share_by_month(changes):
        months[m["month"]] = {"changes": m["changes"], "ai_changes": m["ai_changes"], "tools": {}}
    for c in changes:
        per = months[c.committed_at[:7]]["tools"]
        for tool in {t["tool"] for t in c.tools}:
            per[tool] = per.get(tool, 0) + 1
    groups: dict[str, list[Change]] = {}
    for c in changes:
        for wf in c.workflows or [NO_WORKFLOW]:
            groups.setdefault(wf, []).append(c)
    workflows = {}
    for wf, group in groups.items():
        wl = metrics.line_measures(group)
        workflows[wf] = {
            "changes": len(group),
            "ai_changes": sum(1 for c in group if c.ai_assisted),
            "traceability": _pair(metrics.traceability_coverage(group)),
            "attribution": _pair(metrics.attribution_clarity(group)),
            "ai_lines": wl["ai_attributed_lines"],
            "unrecorded_lines": wl["ai_assisted_unrecorded_lines"],
        }
    unowned: dict[str, list[Any]] = {}  # path: [AI-assisted changes, newest, its reason]
    for c in changes:
        if not c.ai_assisted:
            continue
        day = day_of(c)
        for path in c.paths:
            reason = _no_owner(version, path, day)
            if reason is None:
                continue
            row = unowned.setdefault(path, [0, "", reason])
            row[0] += 1
            if c.committed_at > row[1]:
                row[1], row[2] = c.committed_at, reason
    return {
        "changes": len(changes),
        "ai_changes": sum(1 for c in changes if c.ai_assisted),
        "traceability": _pair(metrics.traceability_coverage(changes)),
        "attribution": _pair(metrics.attribution_clarity(changes)),
        "lines": {
            **{k: lines[k] for k in LINE_KEYS},
            **{k: lines["capture_coverage"][k] for k in CAPTURE_KEYS},
            "lost": gaps["lost"],
            "incomplete": gaps["incomplete"],
        },
        "tiers": tiers,
        "months": months,
        "workflows": workflows,
        "unowned": unowned,
    }


def merge(docs: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The parts of several buckets (or repositories) added up: counts add, [numerator,
    denominator] pairs add member-wise, an unowned path keeps its newest reason."""
    out: dict[str, Any] = {}
    for doc in docs:
        _add(out, doc)
    return out or parts([])


def _add(into: dict[str, Any], doc: dict[str, Any]) -> None:
    for key, value in doc.items():
        have = into.get(key)
        if have is None:
            into[key] = _copy(value)
        elif key == "unowned":
            if isinstance(have, list):  # all history's, stored as a sorted list
                into[key] = have = {r[0]: list(r[1:]) for r in have}
            rows = value.items() if isinstance(value, dict) else ((r[0], r[1:]) for r in value)
            for path, row in rows:
                mine = have.get(path)
                if mine is None:
                    have[path] = list(row)
                    continue
                mine[0] += row[0]
                if row[1] > mine[1]:
                    mine[1], mine[2] = row[1], row[2]
        elif isinstance(value, dict):
            _add(have, value)
        elif isinstance(value, list):
            into[key] = [a + b for a, b in zip(have, value, strict=True)]
        elif isinstance(value, int):
            into[key] = have + value


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def ratio(pair: list[int]) -> float | None:
    """A stored [numerator, denominator] as the audit rounds it (None: empty denominator)."""
    return round(pair[0] / pair[1], 4) if pair[1] else None


def median(histogram: dict[str, int]) -> float | None:
    """The median of the values a stored histogram counts (its keys are JSON text), by the
    audit's own `median_of`, so the page and `signoff audit` round it alike."""
    value = metrics.median_of(Counter({int(k): v for k, v in histogram.items()}))
    return None if value is None else float(value)  # one shape in a column: 0.0 and 1.5


# -- computing and storing a repository's figures --------------------------------------------------


def source_of(s: Session, repo_id: int) -> str:
    """What a repository's figures are computed from: its stored rows only grow, so their
    count and last id, the newest policy and budget, and the tip name the content."""
    count, last = s.execute(
        select(func.count(CommitRecord.id), func.max(CommitRecord.id)).where(
            CommitRecord.repo_id == repo_id
        )
    ).one()
    policy = s.execute(
        select(func.max(PolicySnapshot.id)).where(PolicySnapshot.repo_id == repo_id)
    ).scalar_one()
    budget = s.execute(
        select(func.max(BudgetState.id)).where(BudgetState.repo_id == repo_id)
    ).scalar_one()
    tip = s.execute(
        select(Ref.tip).where(Ref.repo_id == repo_id).order_by(Ref.updated_at.desc()).limit(1)
    ).scalar_one_or_none()
    return f"v{FIGURES_VERSION}:{count}:{last}:{policy}:{budget}:{tip}"


def _meta(view: Any, today: date, commits: int, merges: int) -> dict[str, Any]:
    """What a page shows beside the counts: the commits as `signoff stats` counts them (merges
    apart), the policy's workflows, their accountable as the policy check judges it on the day
    of computing, and the budget as last pushed."""
    workflows = []
    if view.policy is not None and view.policy.policy is not None:
        budgets = {b.get("workflow"): b for b in (view.budget or {}).get("workflows") or []}
        for wf in view.policy.policy.document.workflows:
            acc = view.policy.accountable(wf, today)
            budget = budgets.get(wf.id) or {}
            workflows.append(
                {
                    "workflow": wf.id,
                    "tier": wf.tier,
                    "paths": ", ".join(str(p) for p in wf.paths),
                    "accountable": acc.describe(),
                    "accountable_id": acc.person.id if acc.person else None,
                    "accountable_ok": acc.ok,
                    "accountable_status": acc.status,
                    "budget_state": budget.get("state"),
                    "budget_used": budget.get("used"),
                    "burn_rate": budget.get("burn_rate"),
                    "budget_incidents": (budget.get("consumed") or {}).get("incidents")
                    if budget
                    else None,
                    "window_days": budget.get("window_days"),
                }
            )
    return {
        "commits": commits,
        "merges_excluded": merges,
        "policy": "pushed" if view.policy else (view.policy_problem or "not pushed"),
        "has_policy": view.policy is not None,
        "workflows": workflows,
    }


def compute(s: Session, repo: Repository) -> tuple[str, list[dict[str, Any]]]:
    """A repository's figure rows (all history, each month, each day; split into the stored
    parts) and what they were computed from. Only reads: the caller gives one snapshot
    (`Store.read()`), so the rows and their source agree."""
    from signoff.server.dashboard import repo_view

    source = source_of(s, repo.id)
    view = repo_view(s, repo)
    counted = counts_by_status(s, [repo.id])
    merges = sum(int(n) for _r, _st, is_merge, n, _a, _u in counted if is_merge)
    commits = sum(int(n) for _r, _st, is_merge, n, _a, _u in counted if not is_merge)
    by_day: dict[str, list[Change]] = {}
    for c in view.changes:
        by_day.setdefault(day_of(c).isoformat(), []).append(c)
    rows: list[dict[str, Any]] = []
    months: dict[str, list[dict[str, Any]]] = {}
    for day, group in by_day.items():
        doc = parts(group, view.policy)
        rows.append({"grain": "day", "bucket": day, "document": doc})
        months.setdefault(day[:7], []).append(doc)
    for month, docs in months.items():
        rows.append({"grain": "month", "bucket": month, "document": merge(docs)})
    whole = merge(r["document"] for r in rows if r["grain"] == "month")
    whole["meta"] = _meta(view, today_utc(), commits, merges)
    # all history's unowned paths stored in the order the people page lists them
    whole["unowned"] = [
        [path, *row]
        for path, row in sorted(whole["unowned"].items(), key=lambda i: (-i[1][0], i[0]))
    ]
    months_of = commit_months(s, [repo.id]).get(repo.id, {})
    rows.append({"grain": "all", "bucket": "", "document": whole, "commit_months": months_of})
    return source, [_split(r) for r in rows]


# the stored columns and the parts each holds (the rest is in `document`)
SECTIONS = {
    "series": ("months", "tiers"),
    "detail": ("workflows", "workflow_meta"),
    "unowned": ("unowned",),
}


def _split(row: dict[str, Any]) -> dict[str, Any]:
    doc = dict(row["document"])
    meta = doc.pop("meta", None)
    if meta is not None:  # the all-history row: small facts in `document`, workflows apart
        doc["meta"] = {k: v for k, v in meta.items() if k != "workflows"}
        doc["workflow_meta"] = meta["workflows"]
    out = {
        "grain": row["grain"],
        "bucket": row["bucket"],
        "commit_months": row.get("commit_months"),
    }
    for column, keys in SECTIONS.items():
        out[column] = {k: doc.pop(k) for k in keys if k in doc}
    return {**out, "document": doc}


def _stored_source(s: Session, repo_id: int) -> str | None:
    return s.execute(
        select(RepoFigures.source).where(RepoFigures.repo_id == repo_id, RepoFigures.grain == "all")
    ).scalar_one_or_none()


def _touch(s: Session, repo_id: int, at: str) -> None:
    """Figures whose source is unchanged by a later push are current as of `at` (so a page
    does not call them behind forever)."""
    pushed = last_pushed(s, [repo_id]).get(repo_id)
    stored = s.execute(
        select(RepoFigures.computed_at).where(
            RepoFigures.repo_id == repo_id, RepoFigures.grain == "all"
        )
    ).scalar_one()
    if pushed is not None and pushed > stored:
        s.execute(update(RepoFigures).where(RepoFigures.repo_id == repo_id).values(computed_at=at))


def _just_before(at: str) -> str:
    return (datetime.fromisoformat(at) - timedelta(microseconds=1)).isoformat(
        timespec="microseconds"
    )


def recompute(store: Store, names: Iterable[str] | None = None) -> dict[str, Any]:
    """Recompute the figures of every repository (or those named) whose stored rows changed
    since they were last computed.

    Each repository is computed in a read (`Store.read()`: one snapshot, and on SQLite no
    write lock, so a push never waits for a computation), then its rows are replaced in a short
    write transaction. A push that landed in between is noticed there (the source moved): the
    rows are stored as computed, dated before that push so pages call them behind, and the job
    is queued again (`behind` in the result names those repositories)."""
    started = time.perf_counter()
    with store.read() as s:
        repos = [(r.id, r.name) for r in s.execute(select(Repository)).scalars()]
    wanted = None if names is None else set(names)
    done: list[dict[str, Any]] = []
    behind: list[str] = []
    for repo_id, name in repos:
        if wanted is not None and name not in wanted:
            continue
        t = time.perf_counter()
        at = now_iso()  # before the snapshot is taken: a push stamped later is not in it
        rows: list[dict[str, Any]] | None = None
        with store.read() as s:
            source = source_of(s, repo_id)
            if _stored_source(s, repo_id) != source:
                repo = s.get(Repository, repo_id)
                assert repo is not None
                source, rows = compute(s, repo)
        with store.transaction() as s:
            current = source_of(s, repo_id)
            moved = current != source
            if rows is None:
                if not moved:
                    _touch(s, repo_id, at)
                continue
            if _stored_source(s, repo_id) in (source, current):
                continue  # another worker stored these figures (or newer ones) meanwhile
            computed_at = at
            if moved:  # a push landed while this computed: the figures are behind it
                newest = last_pushed(s, [repo_id]).get(repo_id)
                if newest is not None:
                    computed_at = min(at, _just_before(newest))
                queue_recompute(s, "figures")
                behind.append(name)
            try:
                with s.begin_nested():
                    s.execute(delete(RepoFigures).where(RepoFigures.repo_id == repo_id))
                    s.add_all(
                        RepoFigures(repo_id=repo_id, computed_at=computed_at, source=source, **r)
                        for r in rows
                    )
            except IntegrityError:  # another worker stored this repository's figures meanwhile
                continue
        done.append({"repository": name, "seconds": round(time.perf_counter() - t, 3)})
    return {
        "repositories": len(repos),
        "recomputed": len(done),
        "behind": behind,
        "seconds": round(time.perf_counter() - started, 3),
        "slowest": sorted(done, key=lambda d: -d["seconds"])[:5],
    }


# -- reading them back for a page ------------------------------------------------------------------


@dataclass(slots=True)
class Figures:
    """One repository's figures as a page reads them: counts over the period, and meta."""

    repo_id: int
    name: str
    path: str | None
    computed_at: str
    parts: dict[str, Any]
    meta: dict[str, Any]


def _empty() -> dict[str, Any]:
    return {"months": {}, "tiers": {}, "workflows": {}, "unowned": {}}


def _joined(*parts: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for p in parts:
        out.update(p or {})
    return out


def _buckets(period: Period) -> tuple[tuple[str, str] | None, list[tuple[str, str]]]:
    """Whole months inside the period (first, last) and the day ranges at its edges."""
    first, last = period.since.date(), period.until.date()
    month = first.replace(day=1)
    if month < first:
        month = _next_month(month)
    full: list[str] = []
    while _next_month(month) - timedelta(days=1) <= last:
        full.append(month.isoformat()[:7])
        month = _next_month(month)
    if not full:
        return None, [(first.isoformat(), last.isoformat())]
    start = date.fromisoformat(full[0] + "-01")
    end = _next_month(date.fromisoformat(full[-1] + "-01"))
    days = []
    if first < start:
        days.append((first.isoformat(), (start - timedelta(days=1)).isoformat()))
    if end <= last:
        days.append((end.isoformat(), last.isoformat()))
    return (full[0], full[-1]), days


def _next_month(d: date) -> date:
    return date(d.year + 1, 1, 1) if d.month == 12 else date(d.year, d.month + 1, 1)


def read(
    s: Session,
    repos: list[Repository],
    period: Period | None = None,
    sections: tuple[str, ...] = (),
) -> list[Figures]:
    """The stored figures of `repos` (those never computed are left out), over `period`;
    besides the headline counts, only the `sections` asked for (`SECTIONS`)."""
    ids = {r.id: r for r in repos}
    if not ids:
        return []
    columns = [getattr(RepoFigures, c) for c in sections]
    out: dict[int, Figures] = {}
    for repo_id, at, doc, *more in s.execute(
        select(RepoFigures.repo_id, RepoFigures.computed_at, RepoFigures.document, *columns).where(
            RepoFigures.repo_id.in_(ids), RepoFigures.grain == "all"
        )
    ).all():
        whole = _joined(_empty(), doc, *more)
        meta = whole.pop("meta", {})
        meta["workflows"] = whole.pop("workflow_meta", [])
        repo = ids[repo_id]
        out[repo_id] = Figures(repo_id, repo.name, repo.path, at, whole, meta)
    if period is not None:
        months, days = _buckets(period)
        wanted = [
            and_(RepoFigures.grain == "day", RepoFigures.bucket.between(a, b)) for a, b in days
        ]
        if months is not None:
            wanted.append(and_(RepoFigures.grain == "month", RepoFigures.bucket.between(*months)))
        found: dict[int, list[dict[str, Any]]] = {}
        for repo_id, doc, *more in s.execute(
            select(RepoFigures.repo_id, RepoFigures.document, *columns).where(
                RepoFigures.repo_id.in_(list(out)), or_(*wanted)
            )
        ).all():
            found.setdefault(repo_id, []).append(_joined(doc, *more))
        for repo_id, fig in out.items():
            fig.parts = _joined(_empty(), merge(found.get(repo_id, [])))
    return sorted(out.values(), key=lambda f: f.name)


@dataclass(slots=True)
class Freshness:
    """When the figures on a page were computed, and whether newer pushes are still waiting."""

    oldest: str | None
    newest: str | None
    pending: bool  # a figures job is queued or running
    missing: list[str]  # pushed repositories with no figures yet
    stale: list[str]  # pushed after their figures were computed
    queued: bool = False  # this page view queued the job


def last_pushed(s: Session, ids: list[int]) -> dict[int, str]:
    """When each repository last changed what its figures are computed from: a branch moved,
    a policy or a budget pushed (a budget changes with no new commit)."""
    pushed: dict[int, str] = {}
    if not ids:
        return pushed
    for repo_id, at in [
        *s.execute(
            select(Ref.repo_id, func.max(Ref.updated_at))
            .where(Ref.repo_id.in_(ids))
            .group_by(Ref.repo_id)
        ).all(),
        *s.execute(
            select(PolicySnapshot.repo_id, func.max(PolicySnapshot.pushed_at))
            .where(PolicySnapshot.repo_id.in_(ids))
            .group_by(PolicySnapshot.repo_id)
        ).all(),
        *s.execute(
            select(BudgetState.repo_id, func.max(BudgetState.pushed_at))
            .where(BudgetState.repo_id.in_(ids))
            .group_by(BudgetState.repo_id)
        ).all(),
    ]:
        if at is not None and at > pushed.get(repo_id, ""):
            pushed[repo_id] = at
    return pushed


def freshness(
    s: Session, repos: list[Repository], figures: list[Figures], *, queue: bool = True
) -> Freshness:
    """Compare each repository's last push with its figures' time; queue the figures job when
    some are missing or behind and none is waiting (a page is never silently stale). A page
    reads in a read-only transaction: it passes `queue=False`, then calls `queue_if_behind`."""
    pushed = last_pushed(s, [r.id for r in repos])
    have = {f.repo_id: f.computed_at for f in figures}
    names = {r.id: r.name for r in repos}
    missing = sorted(names[i] for i in pushed if i not in have)
    stale = sorted(names[i] for i, at in pushed.items() if i in have and at > have[i])
    pending = (
        s.execute(
            select(Job.id)
            .where(Job.kind == METRICS_JOB, Job.status.in_(("queued", "running")))
            .limit(1)
        ).first()
        is not None
    )
    queued = False
    if (missing or stale) and not pending and queue:
        queue_recompute(s, "dashboard")
        pending = queued = True
    times = sorted(have.values())
    return Freshness(
        times[0] if times else None, times[-1] if times else None, pending, missing, stale, queued
    )


def queue_if_behind(store: Store, fresh: Freshness) -> Freshness:
    """Queue the figures job for figures `freshness(queue=False)` found missing or behind, in a
    short write transaction of its own (so a page's reads never take SQLite's write lock, and a
    push never waits for a page)."""
    if (fresh.missing or fresh.stale) and not fresh.pending:
        with store.transaction() as s:
            queue_recompute(s, "dashboard")
        fresh.pending = fresh.queued = True
    return fresh
