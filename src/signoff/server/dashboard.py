"""What the dashboard shows, read from what `signoff push` stored and measured by the audit's own
functions (`audit.metrics`), never by a second copy of them.

A repository's changes are rebuilt from its pushed `signoff export` rows by
`audit.population.changes_from_records` (merges gather their members as in the audit), judged by
the policy text as last pushed. Budgets and incidents are the pushed reports as they are.
Nothing here writes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signoff.audit import metrics
from signoff.audit.period import Period, commit_ts
from signoff.audit.policies import PolicyVersion
from signoff.audit.population import Change, changes_from_records, day_of
from signoff.policy import PolicyError
from signoff.policy.load import load_policy_text
from signoff.policy.rules import today_utc
from signoff.provenance.model import AI_STATUSES
from signoff.store.models import (
    BudgetState,
    CommitRecord,
    GateResult,
    Incident,
    PolicySnapshot,
    Ref,
    Repository,
)
from signoff.store.organisation import counts_by_status

NO_WORKFLOW = "(no workflow)"
# Above this many pushed commits, the organisation-wide pages do not rebuild every change per
# process (memory and first-view time grow with it): they show the stored counts per repository,
# and each repository's page keeps the audit's figures.
LARGE = 200_000


@dataclass(slots=True)
class RepoView:
    """One repository as the pages see it: its changes and the policy they were judged by."""

    name: str
    path: str | None
    commits: int
    changes: list[Change]
    policy: PolicyVersion | None
    policy_problem: str | None = None
    budget: dict[str, Any] | None = None
    budget_at: str | None = None
    incidents: list[dict[str, Any]] = field(default_factory=list)


def repositories(s: Session, allowed: Iterable[str] | None) -> list[Repository]:
    """Repository rows the viewer may read (None: every one), by name."""
    rows = s.execute(select(Repository).order_by(Repository.name)).scalars().all()
    names = None if allowed is None else set(allowed)
    return [r for r in rows if names is None or r.name in names]


def latest_policy(s: Session, repo_id: int) -> tuple[PolicyVersion | None, str | None]:
    """The policy text as last pushed, loaded by the CLI's loader (or why it did not load)."""
    snap = s.execute(
        select(PolicySnapshot)
        .where(PolicySnapshot.repo_id == repo_id)
        .order_by(PolicySnapshot.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if snap is None:
        return None, None
    try:
        policy = load_policy_text(snap.text)
    except PolicyError as exc:
        return None, f"signoff.yaml as pushed at {snap.sha[:10]} did not load: {exc}"
    return PolicyVersion(snap.sha, 0, None, snap.digest, policy, None), None


def _tip(s: Session, repo_id: int) -> str | None:
    """The tip of the branch pushed last (the pages follow one line per repository)."""
    return s.execute(
        select(Ref.tip).where(Ref.repo_id == repo_id).order_by(Ref.updated_at.desc()).limit(1)
    ).scalar_one_or_none()


# A repository's rebuilt changes, per process, keyed by what they were built from: the stored
# rows only grow (ON CONFLICT DO NOTHING), so their count and last id, the tip and the policy
# snapshot name the content. Checked on every request, so a cached answer is never stale; any
# process can answer any request (nothing here is state the database does not hold).
_CACHE: OrderedDict[
    tuple[str, int], tuple[tuple[Any, ...], int, list[Change], PolicyVersion | None, str | None]
]
_CACHE = OrderedDict()
_CACHE_REPOS = 64
_LOCK = threading.Lock()


def _changes(
    s: Session, repo: Repository
) -> tuple[int, list[Change], PolicyVersion | None, str | None]:
    count, last = s.execute(
        select(func.count(CommitRecord.id), func.max(CommitRecord.id)).where(
            CommitRecord.repo_id == repo.id
        )
    ).one()
    snapshot = s.execute(
        select(func.max(PolicySnapshot.id)).where(PolicySnapshot.repo_id == repo.id)
    ).scalar_one()
    tip = _tip(s, repo.id)
    key = (count, last, snapshot, tip)
    where = (str(s.get_bind().engine.url), repo.id)  # one process may serve several stores
    with _LOCK:
        hit = _CACHE.get(where)
        if hit is not None and hit[0] == key:
            _CACHE.move_to_end(where)
            return hit[1], hit[2], hit[3], hit[4]
    rows = list(
        s.execute(select(CommitRecord.record).where(CommitRecord.repo_id == repo.id)).scalars()
    )
    version, problem = latest_policy(s, repo.id)
    changes = changes_from_records(rows, tip, version)
    with _LOCK:
        _CACHE[where] = (key, len(rows), changes, version, problem)
        _CACHE.move_to_end(where)
        while len(_CACHE) > _CACHE_REPOS:
            _CACHE.popitem(last=False)
    return len(rows), changes, version, problem


def repo_incidents(s: Session, repo_id: int) -> list[dict[str, Any]]:
    return list(
        s.execute(
            select(Incident.record)
            .where(Incident.repo_id == repo_id)
            .order_by(Incident.incident_id)
        ).scalars()
    )


def repo_view(s: Session, repo: Repository, *, changes: bool = True) -> RepoView:
    """The repository's view; without `changes`, only its budget and incidents (cheap)."""
    if changes:
        count, built, version, problem = _changes(s, repo)
    else:
        count, built, version, problem = 0, [], None, None
    view = RepoView(repo.name, repo.path, count, built, version, problem)
    budget = s.execute(
        select(BudgetState)
        .where(BudgetState.repo_id == repo.id)
        .order_by(BudgetState.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if budget is not None:
        view.budget, view.budget_at = budget.record, budget.pushed_at
    view.incidents = repo_incidents(s, repo.id)
    return view


def views(
    s: Session,
    allowed: Iterable[str] | None,
    *,
    changes: bool = True,
    period: Period | None = None,
) -> list[RepoView]:
    """Every readable repository's view; with `period`, only the changes that landed in it
    (by commit date, as the audit counts them)."""
    out = [repo_view(s, r, changes=changes) for r in repositories(s, allowed)]
    if period is not None:
        for v in out:
            v.changes = [c for c in v.changes if period.contains(commit_ts(c.committed_at))]
    return out


def pushed_commits(s: Session, allowed: Iterable[str] | None) -> int:
    """How many commit records the readable repositories hold (one grouped query)."""
    ids = [r.id for r in repositories(s, allowed)]
    if not ids:
        return 0
    return int(
        s.execute(
            select(func.count(CommitRecord.id)).where(CommitRecord.repo_id.in_(ids))
        ).scalar_one()
    )


def commit_counts(s: Session, allowed: Iterable[str] | None) -> list[dict[str, Any]]:
    """Per repository, from the stored columns only: commits by status and the two line
    measures, never added (the cheap view of an organisation too large to rebuild per view)."""
    repos = {r.id: r for r in repositories(s, allowed)}
    out: dict[int, dict[str, Any]] = {
        rid: {
            "name": r.name,
            "href": "/repos/" + quote(r.name, safe="/"),
            "commits": 0,
            "ai_commits": 0,
            "unknown": 0,
            "ai_lines": 0,
            "unrecorded_lines": 0,
        }
        for rid, r in repos.items()
    }
    for rid, status, count, ai_lines, unrecorded in counts_by_status(s, list(repos)):
        row = out[rid]
        row["commits"] += int(count)
        row["ai_commits"] += int(count) if status in AI_STATUSES else 0
        row["unknown"] += int(count) if status == "unknown" else 0
        row["ai_lines"] += int(ai_lines or 0)
        row["unrecorded_lines"] += int(unrecorded or 0)
    return sorted(out.values(), key=lambda r: str(r["name"]))


# -- overview ----------------------------------------------------------------------------------


def _ratio(r: metrics.Ratio) -> dict[str, Any]:
    return {"value": r.value, "numerator": r.numerator, "denominator": r.denominator}


def repo_summary(v: RepoView) -> dict[str, Any]:
    """One row of the repositories table: the audit's headline ratios and line measures."""
    lines = metrics.line_measures(v.changes)
    cov = lines["capture_coverage"]
    trace = metrics.traceability_coverage(v.changes)
    clarity = metrics.attribution_clarity(v.changes)
    return {
        "name": v.name,
        "href": "/repos/" + quote(v.name, safe="/"),
        "commits": v.commits,
        "changes": len(v.changes),
        "ai_changes": sum(1 for c in v.changes if c.ai_assisted),
        "unknown": sum(1 for c in v.changes if not c.determined),
        "traceability": trace.value,
        "attribution": clarity.value,
        "ai_lines": lines["ai_attributed_lines"],
        "unrecorded_lines": lines["ai_assisted_unrecorded_lines"],
        "capture_commit_share": cov["commit_share"],
        "capture_line_share": cov["line_share"],
        "incidents": len(v.incidents),
        "policy": "pushed" if v.policy else (v.policy_problem or "not pushed"),
    }


def share_by_month_and_tool(changes: list[Change], top: int = 3) -> dict[str, Any]:
    """The audit's AI share by month, with the share of changes each tool helped in beside it
    (a change helped by two tools counts for both; the shares are not meant to add up)."""
    months = metrics.ai_share_by_month(changes)
    counts: dict[str, dict[str, int]] = {}
    for c in changes:
        for tool in {t["tool"] for t in c.tools}:
            per = counts.setdefault(tool, {})
            per[c.committed_at[:7]] = per.get(c.committed_at[:7], 0) + 1
    tools = sorted(counts, key=lambda t: (-sum(counts[t].values()), t))
    rows = []
    for m in months:
        row = {"month": m["month"], "changes": m["changes"], "ai_changes": m["ai_changes"]}
        row["ai_share"] = m["ai_share"]
        for tool in tools:
            n = counts[tool].get(m["month"], 0)
            row[f"tool:{tool}"] = round(n / m["changes"], 4) if m["changes"] else None
        rows.append(row)
    return {"tools": tools, "shown": tools[:top], "rows": rows}


def review_by_tier(changes: list[Change]) -> list[dict[str, Any]]:
    """The audit's review depth per tier, flattened for a table."""
    out = []
    for tier, d in metrics.review_depth(changes).items():
        met = d["required_approvals_met"]
        roles = d["required_roles"]
        out.append(
            {
                "tier": tier,
                "changes": d["changes"],
                "median_approvals": d["median_approvals"],
                "approvals_met": met["value"],
                "approvals_met_of": f"{met['numerator']} of {met['denominator']}",
                "roles_met": roles["value"],
                "roles_met_of": f"{roles['numerator']} of {roles['denominator']}",
            }
        )
    return out


def overview(vs: list[RepoView]) -> dict[str, Any]:
    everything = [c for v in vs for c in v.changes]
    return {
        "repos": [repo_summary(v) for v in vs],
        "all": {
            "changes": len(everything),
            "traceability": _ratio(metrics.traceability_coverage(everything)),
            "attribution": _ratio(metrics.attribution_clarity(everything)),
            "lines": metrics.line_measures(everything),
        },
        "share": share_by_month_and_tool(everything),
        "review": review_by_tier(everything),
    }


# -- workflows and people ----------------------------------------------------------------------


def workflows(vs: list[RepoView], today: date | None = None) -> list[dict[str, Any]]:
    """Each workflow of each pushed policy: its one accountable (as the policy check judges
    it), the audit's headline figures over its changes, and its budget as last pushed."""
    when = today or today_utc()
    out = []
    for v in vs:
        if v.policy is None or v.policy.policy is None:
            continue
        policy = v.policy.policy
        by_wf = metrics.headline_by(v.changes, lambda c: c.workflows or [NO_WORKFLOW])
        budgets = {b.get("workflow"): b for b in (v.budget or {}).get("workflows") or []}
        for wf in policy.document.workflows:
            acc = v.policy.accountable(wf, when)
            head = by_wf.get(wf.id, {})
            budget = budgets.get(wf.id)
            lines = metrics.line_measures([c for c in v.changes if wf.id in c.workflows])
            out.append(
                {
                    "repo": v.name,
                    "workflow": wf.id,
                    "tier": wf.tier,
                    "paths": ", ".join(str(p) for p in wf.paths),
                    "accountable": acc.describe(),
                    "accountable_id": acc.person.id if acc.person else None,
                    "accountable_ok": acc.ok,
                    "accountable_status": acc.status,
                    "changes": head.get("changes", 0),
                    "ai_changes": head.get("ai_changes", 0),
                    "traceability": head.get("traceability_coverage"),
                    "attribution": head.get("attribution_clarity"),
                    "ai_lines": lines["ai_attributed_lines"],
                    "unrecorded_lines": lines["ai_assisted_unrecorded_lines"],
                    "budget_state": budget.get("state") if budget else None,
                    "budget_used": budget.get("used") if budget else None,
                    "burn_rate": budget.get("burn_rate") if budget else None,
                    "budget_incidents": (budget.get("consumed") or {}).get("incidents")
                    if budget
                    else None,
                    "window_days": budget.get("window_days") if budget else None,
                }
            )
    return out


def people(wfs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What each named accountable owns: workflows, and the AI-assisted changes under them."""
    owners: dict[str, dict[str, Any]] = {}
    for w in wfs:
        if not w["accountable_ok"]:
            continue
        who = owners.setdefault(
            w["accountable"],
            {
                "person": w["accountable"],
                "workflows": [],
                "paths": [],
                "repos": set(),
                "ai_changes": 0,
            },
        )
        who["workflows"].append(f"{w['repo']}:{w['workflow']}")
        who["paths"].append(f"{w['repo']}: {w['paths']}")
        who["repos"].add(w["repo"])
        who["ai_changes"] += w["ai_changes"]
        for key in ("ai_lines", "unrecorded_lines"):
            who[key] = who.get(key, 0) + w[key]
    return [
        {
            **p,
            "repos": len(p["repos"]),
            "workflows": ", ".join(p["workflows"]),
            "paths": "; ".join(p["paths"]),
        }
        for p in owners.values()
    ]


def unowned_paths(vs: list[RepoView]) -> list[dict[str, Any]]:
    """Paths AI-assisted changes touched where, on the day of the change, no workflow owned
    them or the owning workflow's accountable was not one current person (the audit's rule)."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for v in vs:
        for c in v.changes:
            if not c.ai_assisted:
                continue
            day = day_of(c)
            for path in c.paths:
                reason = _no_owner(v.policy, path, day)
                if reason is None:
                    continue
                row = out.setdefault(
                    (v.name, path),
                    {
                        "repo": v.name,
                        "path": path,
                        "ai_changes": 0,
                        "reason": reason,
                        "last": c.committed_at,
                    },
                )
                row["ai_changes"] += 1
                row["last"] = max(row["last"], c.committed_at)
    return sorted(out.values(), key=lambda r: (-r["ai_changes"], r["repo"], r["path"]))


def _no_owner(version: PolicyVersion | None, path: str, day: date) -> str | None:
    """Why nobody is named for `path` on `day` under the pushed policy (None: someone is)."""
    if version is None or version.policy is None:
        return "no policy pushed"
    rule = version.rule(path)
    if rule.owner is None:
        return "no workflow owns it"
    acc = version.accountable(rule.owner, day)
    return None if acc.ok else f"{rule.owner.id}: accountable {acc.describe()}"


# -- incidents ---------------------------------------------------------------------------------


def incident_rows(vs: list[RepoView]) -> list[dict[str, Any]]:
    out = []
    for v in vs:
        for inc in v.incidents:
            out.append(
                {
                    "repo": v.name,
                    "id": inc.get("id"),
                    "href": f"/incidents/{quote(v.name, safe='/')}/{quote(str(inc.get('id')))}",
                    "title": inc.get("title"),
                    "severity": inc.get("severity"),
                    "status": inc.get("status", "open"),
                    "started": inc.get("started"),
                    "resolved": inc.get("resolved"),
                    "impact_minutes": inc.get("impact_minutes"),
                    "suspects": sum(len(x.get("commits") or []) for x in inc.get("suspects") or []),
                    "actions_open": sum(1 for a in inc.get("actions") or [] if not a.get("done")),
                }
            )
    return out


def _gate_covers(doc: Any, sha: str) -> bool:
    changeset = doc.get("changeset") if isinstance(doc, dict) else None
    if not isinstance(changeset, dict):
        return False
    commits = [c.get("commit") for c in changeset.get("commits") or [] if isinstance(c, dict)]
    return changeset.get("head") == sha or sha in commits


def decision_chain(s: Session, repo_id: int, incident: dict[str, Any]) -> list[dict[str, Any]]:
    """For each suspect commit, what the pushed records say about each decision on the way to
    production: who (or what) wrote it, who accepted it, who reviewed it, what the recorded
    gate said, and who was accountable for its paths."""
    gates = list(
        s.execute(select(GateResult.record).where(GateResult.repo_id == repo_id)).scalars()
    )
    out = []
    for suspect in incident.get("suspects") or []:
        for sha in suspect.get("commits") or []:
            record = s.execute(
                select(CommitRecord.record).where(
                    CommitRecord.repo_id == repo_id, CommitRecord.sha == sha
                )
            ).scalar_one_or_none()
            out.append(
                {
                    "target": suspect.get("target"),
                    "sha": sha,
                    "record": record,
                    "gates": [g for g in gates if _gate_covers(g, sha)],
                }
            )
    return out
