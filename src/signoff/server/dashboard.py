"""What the dashboard shows, read from what `signoff push` stored and measured by the audit's own
functions (`audit.metrics`), never by a second copy of them.

A repository's changes are rebuilt from its pushed `signoff export` rows by
`audit.population.changes_from_records` (merges gather their members as in the audit), judged by
the policy text as last pushed. Budgets and incidents are the pushed reports as they are.
Nothing here writes.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signoff.audit import metrics
from signoff.audit.period import Period, commit_ts
from signoff.audit.policies import PolicyVersion
from signoff.audit.population import Change, changes_from_records
from signoff.policy import PolicyError
from signoff.policy.load import load_policy_text
from signoff.policy.model import TIERS
from signoff.server import figures
from signoff.store.models import (
    BudgetState,
    CommitRecord,
    GateResult,
    Incident,
    PolicySnapshot,
    Ref,
    Repository,
)

NO_WORKFLOW = figures.NO_WORKFLOW


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


def _changes(
    s: Session, repo: Repository
) -> tuple[int, list[Change], PolicyVersion | None, str | None]:
    """A repository's changes rebuilt from its pushed rows (the figures job's one heavy step)."""
    rows = list(
        s.execute(select(CommitRecord.record).where(CommitRecord.repo_id == repo.id)).scalars()
    )
    version, problem = latest_policy(s, repo.id)
    return len(rows), changes_from_records(rows, _tip(s, repo.id), version), version, problem


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


# -- overview ----------------------------------------------------------------------------------


def _ratio(pair: list[int]) -> dict[str, Any]:
    return {"value": figures.ratio(pair), "numerator": pair[0], "denominator": pair[1]}


def line_measures(p: dict[str, Any]) -> dict[str, Any]:
    """The audit's line measures (`metrics.line_measures`) from stored parts: the two measures
    apart, and capture coverage's shares from their summed parts."""
    lines = p["lines"]
    commits, lines_in = lines["ai_commits"], lines["ai_commit_lines"]
    return {
        "ai_attributed_lines": lines["ai_attributed_lines"],
        "ai_assisted_unrecorded_lines": lines["ai_assisted_unrecorded_lines"],
        "changes_without_line_counts": lines["changes_without_line_counts"],
        "capture_coverage": {
            "ai_commits": commits,
            "ai_commits_with_line_record": lines["ai_commits_with_line_record"],
            "commit_share": round(lines["ai_commits_with_line_record"] / commits, 4)
            if commits
            else None,
            "ai_commit_lines": lines_in,
            "ai_commit_lines_with_line_record": lines["ai_commit_lines_with_line_record"],
            "line_share": round(lines["ai_commit_lines_with_line_record"] / lines_in, 4)
            if lines_in
            else None,
        },
    }


def repo_summary(f: figures.Figures, incidents: int = 0) -> dict[str, Any]:
    """One row of the repositories table: the audit's headline ratios and line measures."""
    p = f.parts
    lines = line_measures(p)
    cov = lines["capture_coverage"]
    return {
        "name": f.name,
        "href": "/repos/" + quote(f.name, safe="/"),
        "commits": f.meta.get("commits", 0),
        "changes": p["changes"],
        "ai_changes": p["ai_changes"],
        "unknown": p["changes"] - p["traceability"][0],
        "traceability": figures.ratio(p["traceability"]),
        "attribution": figures.ratio(p["attribution"]),
        "ai_lines": lines["ai_attributed_lines"],
        "unrecorded_lines": lines["ai_assisted_unrecorded_lines"],
        "capture_commit_share": cov["commit_share"],
        "capture_line_share": cov["line_share"],
        "incidents": incidents,
        "policy": f.meta.get("policy", "not pushed"),
        "computed_at": f.computed_at,
    }


def share_by_month_and_tool(p: dict[str, Any], top: int = 3) -> dict[str, Any]:
    """The audit's AI share by month, with the share of changes each tool helped in beside it
    (a change helped by two tools counts for both; the shares are not meant to add up)."""
    months = p["months"]
    totals: dict[str, int] = {}
    for m in months.values():
        for tool, n in m["tools"].items():
            totals[tool] = totals.get(tool, 0) + n
    tools = sorted(totals, key=lambda t: (-totals[t], t))
    rows = []
    for month in sorted(months):
        m = months[month]
        row = {"month": month, "changes": m["changes"], "ai_changes": m["ai_changes"]}
        row["ai_share"] = round(m["ai_changes"] / m["changes"], 4) if m["changes"] else None
        for tool in tools:
            n = m["tools"].get(tool, 0)
            row[f"tool:{tool}"] = round(n / m["changes"], 4) if m["changes"] else None
        rows.append(row)
    return {"tools": tools, "shown": tools[:top], "rows": rows}


def review_by_tier(p: dict[str, Any]) -> list[dict[str, Any]]:
    """The audit's review depth per tier (`metrics.review_depth`), flattened for a table."""
    out = []
    for tier in (*TIERS, metrics.NO_TIER):
        d = p["tiers"].get(tier)
        if d is None:
            d = {"changes": 0, "approvals": {}, "bar": [0, 0], "roles": [0, 0]}
        met, roles = d["bar"], d["roles"]
        out.append(
            {
                "tier": tier,
                "changes": d["changes"],
                "median_approvals": figures.median(d["approvals"]),
                "approvals_met": figures.ratio(met),
                "approvals_met_of": f"{met[0]} of {met[1]}",
                "roles_met": figures.ratio(roles),
                "roles_met_of": f"{roles[0]} of {roles[1]}",
            }
        )
    return out


def overview(
    figs: list[figures.Figures], incidents: dict[int, int] | None = None
) -> dict[str, Any]:
    """The overview's data: a row per repository and the merged figures of them all."""
    counts = incidents or {}
    everything = figures.merge(f.parts for f in figs)
    return {
        "repos": [repo_summary(f, counts.get(f.repo_id, 0)) for f in figs],
        "all": {
            "changes": everything["changes"],
            "traceability": _ratio(everything["traceability"]),
            "attribution": _ratio(everything["attribution"]),
            "lines": line_measures(everything),
        },
        "share": share_by_month_and_tool(everything),
        "review": review_by_tier(everything),
    }


def incident_counts(s: Session, repo_ids: list[int]) -> dict[int, int]:
    """Incidents per repository (one grouped query)."""
    if not repo_ids:
        return {}
    rows = s.execute(
        select(Incident.repo_id, func.count())
        .where(Incident.repo_id.in_(repo_ids))
        .group_by(Incident.repo_id)
    ).all()
    return {int(rid): int(n) for rid, n in rows}


# -- workflows and people ----------------------------------------------------------------------


def workflows(figs: list[figures.Figures]) -> list[dict[str, Any]]:
    """Each workflow of each pushed policy: its one accountable (as the policy check judged it
    when the figures were computed), the audit's headline figures over its changes, and its
    budget as last pushed."""
    out = []
    for f in figs:
        counted = f.parts["workflows"]
        for wf in f.meta.get("workflows") or []:
            head = counted.get(wf["workflow"])
            out.append(
                {
                    "repo": f.name,
                    **wf,
                    "changes": head["changes"] if head else 0,
                    "ai_changes": head["ai_changes"] if head else 0,
                    "traceability": figures.ratio(head["traceability"]) if head else None,
                    "attribution": figures.ratio(head["attribution"]) if head else None,
                    "ai_lines": head["ai_lines"] if head else 0,
                    "unrecorded_lines": head["unrecorded_lines"] if head else 0,
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


def _unowned_rows(name: str, rows: list[list[Any]]) -> Iterator[tuple[Any, ...]]:
    return ((-n, name, path, last, why) for path, n, last, why in rows)


def unowned_paths(
    figs: list[figures.Figures], first: int | None = None
) -> tuple[list[dict[str, Any]], int]:
    """Paths AI-assisted changes touched where, on the day of the change, no workflow owned
    them or the owning workflow's accountable was not one current person (the audit's rule),
    most AI-assisted changes first; with `first`, only that many (and how many there are).
    All-history rows come sorted per repository, so the first ones are a merge, not a sort."""
    ordered: list[Iterable[tuple[Any, ...]]] = []
    total = 0
    for f in figs:
        rows = f.parts["unowned"]
        total += len(rows)
        if isinstance(rows, dict):  # a period's, merged from its months and days
            ordered.append(sorted((-n, f.name, p, last, why) for p, (n, last, why) in rows.items()))
        else:  # read lazily: the merge takes only what it needs from each
            ordered.append(_unowned_rows(f.name, rows))
    merged = heapq.merge(*ordered)
    return [
        {"repo": repo, "path": path, "ai_changes": -n, "reason": reason, "last": last}
        for n, repo, path, last, reason in itertools.islice(merged, first)
    ], total


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


def incident_rows(s: Session, repos: list[Repository]) -> list[dict[str, Any]]:
    """Every incident of `repos` as last pushed (one query, however many repositories)."""
    names = {r.id: r.name for r in repos}
    found = (
        s.execute(
            select(Incident.repo_id, Incident.record)
            .where(Incident.repo_id.in_(names))
            .order_by(Incident.repo_id, Incident.incident_id)
        ).all()
        if names
        else []
    )
    out = []
    for repo_id, inc in sorted(found, key=lambda row: names[row[0]]):
        name = names[repo_id]
        out.append(
            {
                "repo": name,
                "id": inc.get("id"),
                "href": f"/incidents/{quote(name, safe='/')}/{quote(str(inc.get('id')))}",
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
