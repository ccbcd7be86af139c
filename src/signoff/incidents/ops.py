"""The record operations behind `signoff incident open|link|update|resolve`.

Each one edits exactly one file under `.signoff/incidents/`, atomically, and only if the result
is a valid record; the file is then committed and reviewed like any other change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timezone
from typing import Any

from signoff.errors import SignoffError
from signoff.git.repo import Repo
from signoff.incidents.link import resolve_suspect
from signoff.incidents.model import INCIDENT_SCHEMA, OVERRIDE_SCHEMA, BudgetOverride, Incident
from signoff.incidents.store import get_incident, incident_path, next_incident_id, write_record

# fields `incident update` may set, and the kind of value each takes
UPDATABLE = {
    "title": "text",
    "severity": "text",
    "summary": "text",
    "started": "time",
    "detected": "time",
    "impact_minutes": "int",
    "categories": "list",
    "services": "list",
    "paths": "list",
    "contributing_factors": "list",
    "went_well": "list",
}


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def open_incident(
    repo: Repo,
    title: str,
    severity: str,
    started: datetime,
    *,
    incident_id: str | None = None,
    detected: datetime | None = None,
    impact_minutes: int | None = None,
    services: Sequence[str] = (),
    paths: Sequence[str] = (),
    categories: Sequence[str] = (),
    summary: str = "",
) -> Incident:
    """Create `.signoff/incidents/<id>.yaml` (the next INC-NNNN unless an id is given)."""
    ident = incident_id or next_incident_id(repo)

    def edit(data: dict[str, Any]) -> None:
        data.update({"schema": INCIDENT_SCHEMA, "id": ident, "title": title})
        data.update({"severity": severity, "status": "open"})
        if categories:
            data["categories"] = list(categories)
        data["started"] = _iso(started)
        if detected:
            data["detected"] = _iso(detected)
        if impact_minutes is not None:
            data["impact_minutes"] = impact_minutes
        if services:
            data["services"] = list(services)
        if paths:
            data["paths"] = list(paths)
        if summary:
            data["summary"] = summary

    return write_record(incident_path(repo, ident), Incident, INCIDENT_SCHEMA, edit, create=True)


def _existing(repo: Repo, incident_id: str) -> Incident:
    return get_incident(repo, incident_id)  # raises with the known ids when it does not exist


def link(
    repo: Repo,
    incident_id: str,
    targets: Sequence[str],
    note: str = "",
    now: datetime | None = None,
) -> Incident:
    """Add suspects: each target resolved to commits now and written into the record."""
    _existing(repo, incident_id)
    suspects = [resolve_suspect(repo, t, note, now) for t in targets]

    def edit(data: dict[str, Any]) -> None:
        rows = data.setdefault("suspects", [])
        have = {(r.get("target"), tuple(r.get("commits") or ())) for r in rows}
        for s in suspects:
            if (s.target, tuple(s.commits)) in have:
                continue
            rows.append(s.model_dump(mode="json", exclude_none=True, exclude_defaults=True))

    return write_record(incident_path(repo, incident_id), Incident, INCIDENT_SCHEMA, edit)


def update(
    repo: Repo,
    incident_id: str,
    values: dict[str, str],
    *,
    add: bool = True,
    event: tuple[datetime, str] | None = None,
    action: tuple[str, str, str | None] | None = None,
) -> Incident:
    """Set fields (`key=value`), append a timeline event or an action item (title, owner, due).

    List fields get the value appended (comma-separated values split) unless `add` is False.
    """
    _existing(repo, incident_id)
    if action is not None:
        _check_owner(repo, action[1])
    for key in values:
        if key not in UPDATABLE:
            raise SignoffError(
                f"{key!r} cannot be set with `incident update`",
                "settable: " + ", ".join(UPDATABLE) + " (use link, resolve, --event, --action)",
            )

    def edit(data: dict[str, Any]) -> None:
        for key, raw in values.items():
            kind = UPDATABLE[key]
            if kind == "list":
                items = [v.strip() for v in raw.split(",") if v.strip()]
                current = list(data.get(key) or []) if add else []
                data[key] = current + [i for i in items if i not in current]
            elif kind == "int":
                data[key] = _int(key, raw)
            elif kind == "time":
                data[key] = _iso(parse_time(raw))
            else:
                data[key] = raw
        if event is not None:
            data.setdefault("timeline", []).append({"at": _iso(event[0]), "event": event[1]})
        if action is not None:
            title, owner, due = action
            item: dict[str, Any] = {"title": title, "owner": owner}
            if due:
                item["due"] = due
            data.setdefault("actions", []).append(item)

    return write_record(incident_path(repo, incident_id), Incident, INCIDENT_SCHEMA, edit)


def resolve(
    repo: Repo, incident_id: str, resolved: datetime, impact_minutes: int | None = None
) -> Incident:
    """Mark the incident resolved at `resolved` (impact defaults to started..resolved)."""
    _existing(repo, incident_id)

    def edit(data: dict[str, Any]) -> None:
        data["status"] = "resolved"
        data["resolved"] = _iso(resolved)
        if impact_minutes is not None:
            data["impact_minutes"] = impact_minutes

    return write_record(incident_path(repo, incident_id), Incident, INCIDENT_SCHEMA, edit)


def _check_owner(repo: Repo, owner: str) -> None:
    """An action item's owner is one current person in the registry: never a team, never blank."""
    from datetime import date

    from signoff.policy import PolicyError, load_policy
    from signoff.policy.accountable import has_left

    try:
        policy = load_policy(repo)
    except PolicyError as exc:
        if [f.rule for f in exc.findings] == ["file.unreadable"]:
            return  # no registry yet: nothing to check the name against
        raise
    if owner in policy.teams:
        raise SignoffError(
            f"{owner!r} is a team; an action item has exactly one named owner",
            "name one person from the team: --owner <person id>",
        )
    person = policy.people.get(owner)
    if person is None:
        raise SignoffError(
            f"{owner!r} is not a person in signoff.yaml",
            "use a person id: " + ", ".join(sorted(policy.people)[:8]),
        )
    if has_left(person, date.today()):
        raise SignoffError(f"{person.name} has left ({person.left})", "name a current person")


def _int(key: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise SignoffError(f"{key} must be a whole number, not {raw!r}", f"{key}=90") from None


def parse_time(text: str) -> datetime:
    """An ISO time from the command line; without an offset it is taken as UTC."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise SignoffError(
            f"{text!r} is not a time", "write 2026-03-01T14:05 (UTC) or 2026-03-01T14:05+02:00"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def record_override(
    repo: Repo,
    workflow: str,
    approver: str,
    reason: str,
    expires: date,
    *,
    today: date | None = None,
) -> BudgetOverride:
    """Write `.signoff/budget-overrides/<id>.yaml`, refusing anyone who is not a named owner."""
    from signoff.incidents.budget import override_authorized
    from signoff.incidents.store import OVERRIDES_DIR, next_numbered
    from signoff.policy import load_policy

    when = today or date.today()
    policy = load_policy(repo)
    flow = policy.workflows.get(workflow)
    if flow is None or flow.error_budget is None:
        budgeted = sorted(w.id for w in policy.workflows.values() if w.error_budget)
        raise SignoffError(
            f"{workflow!r} is not a workflow with an error budget in signoff.yaml",
            "budgeted workflows: " + (", ".join(budgeted) or "none"),
        )
    if not override_authorized(policy, flow, approver, when):
        raise SignoffError(
            f"{approver!r} may not override the budget of {workflow!r}",
            "the workflow's accountable, or someone on its escalation chain, records it",
        )
    if expires < when:
        raise SignoffError(f"expires {expires} is in the past", "give the last day it holds")
    ident = next_numbered(repo, OVERRIDES_DIR, "OVR")

    def edit(data: dict[str, Any]) -> None:
        data.update(
            {
                "schema": OVERRIDE_SCHEMA,
                "id": ident,
                "workflow": workflow,
                "approver": approver,
                "reason": reason,
                "granted": when.isoformat(),
                "expires": expires.isoformat(),
            }
        )

    path = repo.root / OVERRIDES_DIR / f"{ident}.yaml"
    return write_record(path, BudgetOverride, OVERRIDE_SCHEMA, edit, create=True)


def unlink(repo: Repo, incident_id: str, targets: Sequence[str]) -> Incident:
    """Remove suspects by the target text they were linked with (git history keeps them)."""
    current = _existing(repo, incident_id)
    known = [s.target for s in current.suspects]
    missing = [t for t in targets if t not in known]
    if missing:
        raise SignoffError(
            f"{', '.join(missing)} is not linked to {incident_id}",
            "linked: " + (", ".join(known) or "nothing"),
        )

    def edit(data: dict[str, Any]) -> None:
        data["suspects"] = [r for r in data.get("suspects") or [] if r.get("target") not in targets]
        if not data["suspects"]:
            del data["suspects"]

    return write_record(incident_path(repo, incident_id), Incident, INCIDENT_SCHEMA, edit)
