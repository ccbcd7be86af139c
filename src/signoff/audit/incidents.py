"""Incidents and error budget states for the pack, only through a guarded import.

The incidents package is optional here: when it is missing or fails, the pack says so plainly
and carries no numbers at all, rather than zeros that would read as "no incidents".
"""

from __future__ import annotations

import importlib
from typing import Any

from signoff.audit.period import Period
from signoff.errors import plain
from signoff.git.repo import Repo


def unavailable(reason: str) -> dict[str, Any]:
    return {
        "available": False,
        "reason": reason,
        "incidents": None,
        "budgets": None,
    }


def incidents_section(repo: Repo, period: Period, tip: str) -> dict[str, Any]:
    try:
        store = importlib.import_module("signoff.incidents.store")
        classify = importlib.import_module("signoff.incidents.classify")
        budget = importlib.import_module("signoff.incidents.budget")
        load_incidents = store.load_incidents
        connect_all = classify.connect_all
        budget_report = budget.budget_report
    except (ImportError, AttributeError) as exc:
        return unavailable(
            f"incident tracking is not available in this installation of Signoff ({plain(exc)}); "
            "incidents and error budgets are NOT included in this pack"
        )
    try:
        records = load_incidents(repo, tip)
        inside = [i for i in records if period.since <= i.started <= period.until]
        connected = connect_all(repo, inside)
    except Exception as exc:  # any failure: say so, never a partial figure
        return unavailable(
            f"incident records could not be read ({plain(exc)}); incidents and "
            "error budgets are NOT included in this pack"
        )
    items = []
    for incident, connection in connected:
        items.append(
            {
                "id": incident.id,
                "title": incident.title,
                "severity": incident.severity,
                "status": incident.status,
                "started": incident.started.isoformat(),
                "impact_minutes": incident.minutes,
                "ai_connection": connection.label,
                "reasons": list(connection.reasons),
                "commits": incident.commit_ids(),
            }
        )
    states: list[Any] | None = None
    budgets_reason = None
    try:
        states = budget_report(repo, period.until, rev=tip)
    except Exception as exc:  # no policy, or a bad record: no budget figures at all
        budgets_reason = f"error budgets could not be judged ({plain(exc)})"
    labels: dict[str, int] = {}
    for item in items:
        labels[item["ai_connection"]] = labels.get(item["ai_connection"], 0) + 1
    return {
        "available": True,
        "reason": None,
        "incidents": items,
        "by_ai_connection": labels,
        "budgets": [s.to_json() for s in states] if states is not None else None,
        "budgets_reason": budgets_reason,
        "budgets_as_of": period.to_json()["until"],
    }
