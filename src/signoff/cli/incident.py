"""`signoff incident ...`, `signoff postmortem ID`, `signoff budget`: thin over signoff.incidents."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from signoff.cli.output import console, emit_json, escape, open_repo, short
from signoff.errors import SignoffError
from signoff.files import write_atomic

if TYPE_CHECKING:
    from signoff.git.repo import Repo
    from signoff.incidents.model import Incident
    from signoff.incidents.trace import Trace
    from signoff.policy import Policy

incident_app = typer.Typer(
    help="Incidents: reviewed records under .signoff/incidents/, linked to the changes behind them.",
    no_args_is_help=True,
)

REPO = typer.Option(".", "--repo", "-C", help="Repository to read.")
JSON = typer.Option(False, "--json", help="Print the versioned JSON document.")
POSTMORTEM_FORMATS = ("markdown", "html")
GATE_EVIDENCE = typer.Option(
    [],
    "--gate-evidence",
    help="A saved `signoff check --json` result (a CI artifact); repeatable.",
)
NOW = typer.Option(
    None, "--now", help="Judge as of this time (ISO, UTC unless an offset is given); default: now."
)


def register(app: typer.Typer) -> None:
    for name, fn in (
        ("open", open_command),
        ("link", link_command),
        ("unlink", unlink_command),
        ("update", update_command),
        ("resolve", resolve_command),
        ("list", list_command),
        ("show", show_command),
        ("trace", trace_command),
        ("tools", tools_command),
    ):
        incident_app.command(name)(fn)
    app.add_typer(incident_app, name="incident")
    app.command("postmortem")(postmortem_command)
    app.command("budget")(budget_command)
    app.command("budget-override")(override_command)


def _now(text: str | None) -> datetime:
    from signoff.incidents.ops import parse_time

    return parse_time(text) if text else datetime.now(timezone.utc)


def _record_json(incident: Incident) -> dict[str, object]:
    return incident.model_dump(mode="json", by_alias=True, exclude_none=True)


def _saved(incident: Incident, verb: str, as_json: bool) -> None:
    from signoff.incidents.store import INCIDENTS_DIR

    if as_json:
        emit_json("incident", {"incident": _record_json(incident)})
        return
    console.print(
        f"{verb} {incident.id} in {INCIDENTS_DIR}/{incident.id}.yaml "
        "[dim](commit it: the record is reviewed like code)[/]"
    )


def open_command(
    title: str = typer.Argument(..., help="What broke, in one line."),
    severity: str = typer.Option("sev2", "--severity", "-s", help="sev1 (worst) to sev4."),
    started: str | None = typer.Option(None, "--started", help="When impact began (default: now)."),
    detected: str | None = typer.Option(None, "--detected", help="When it was detected."),
    impact: int | None = typer.Option(None, "--impact-minutes", help="Minutes of user impact."),
    service: list[str] = typer.Option([], "--service", help="Affected service (repeatable)."),
    path: list[str] = typer.Option([], "--path", help="Affected path in this repo (repeatable)."),
    category: list[str] = typer.Option([], "--category", "-c", help="Taxonomy (repeatable)."),
    summary: str = typer.Option("", "--summary", help="A short description."),
    incident_id: str | None = typer.Option(None, "--id", help="Default: the next INC-NNNN."),
    repo: str = REPO,
    as_json: bool = JSON,
) -> None:
    """Open an incident: writes .signoff/incidents/<id>.yaml."""
    from signoff.incidents.ops import open_incident, parse_time

    inc = open_incident(
        open_repo(repo),
        title,
        severity,
        _now(started),
        incident_id=incident_id,
        detected=parse_time(detected) if detected else None,
        impact_minutes=impact,
        services=service,
        paths=path,
        categories=category,
        summary=summary,
    )
    _saved(inc, "opened", as_json)


def link_command(
    incident_id: str = typer.Argument(..., metavar="ID"),
    targets: list[str] = typer.Argument(..., help="Commits, ranges A..B, or file:line[-line]."),
    note: str = typer.Option("", "--note", help="Why this change is suspected."),
    repo: str = REPO,
    as_json: bool = JSON,
) -> None:
    """Link the changes behind the incident (resolved to commits now, kept in the record)."""
    from signoff.incidents.ops import link

    _saved(link(open_repo(repo), incident_id, targets, note), "linked to", as_json)


def unlink_command(
    incident_id: str = typer.Argument(..., metavar="ID"),
    targets: list[str] = typer.Argument(..., help="Targets exactly as they were linked."),
    repo: str = REPO,
    as_json: bool = JSON,
) -> None:
    """Remove a suspect that turned out unrelated (the record's history keeps it)."""
    from signoff.incidents.ops import unlink

    _saved(unlink(open_repo(repo), incident_id, targets), "unlinked from", as_json)


def update_command(
    incident_id: str = typer.Argument(..., metavar="ID"),
    sets: list[str] = typer.Option(
        [], "--set", help="key=value; lists (categories, services, ...) are appended to."
    ),
    replace: bool = typer.Option(False, "--replace", help="--set replaces lists instead."),
    event: str | None = typer.Option(None, "--event", help="Add a timeline event (text)."),
    event_at: str | None = typer.Option(None, "--at", help="Time of the --event (default: now)."),
    action: str | None = typer.Option(None, "--action", help="Add an action item (title)."),
    owner: str | None = typer.Option(None, "--owner", help="The action's one owner (person id)."),
    due: str | None = typer.Option(None, "--due", help="The action's due date (YYYY-MM-DD)."),
    repo: str = REPO,
    as_json: bool = JSON,
) -> None:
    """Set fields, add a timeline event, or add an action item with one named owner."""
    from signoff.incidents.ops import update

    values: dict[str, str] = {}
    for item in sets:
        key, sep, value = item.partition("=")
        if not sep:
            raise SignoffError(f"--set {item!r} is not key=value", "e.g. --set categories=config")
        values[key.strip()] = value.strip()
    if action and not owner:
        raise SignoffError(
            "an action item needs one named owner", "add --owner <person id from signoff.yaml>"
        )
    inc = update(
        open_repo(repo),
        incident_id,
        values,
        add=not replace,
        event=(_now(event_at), event) if event else None,
        action=(action, owner or "", due) if action else None,
    )
    _saved(inc, "updated", as_json)


def resolve_command(
    incident_id: str = typer.Argument(..., metavar="ID"),
    at: str | None = typer.Option(None, "--at", help="When impact ended (default: now)."),
    impact: int | None = typer.Option(None, "--impact-minutes", help="Override the minutes."),
    repo: str = REPO,
    as_json: bool = JSON,
) -> None:
    """Mark the incident resolved."""
    from signoff.incidents.ops import resolve

    _saved(resolve(open_repo(repo), incident_id, _now(at), impact), "resolved", as_json)


def list_command(
    commit: str | None = typer.Option(None, "--commit", help="Only incidents naming this commit."),
    path: str | None = typer.Option(None, "--path", help="Only incidents touching this path."),
    label: str | None = typer.Option(None, "--label", help="ai-connected, not-ai or unknown."),
    status: str | None = typer.Option(None, "--status", help="open or resolved."),
    repo: str = REPO,
    as_json: bool = JSON,
) -> None:
    """Incidents with their AI-connection label; filter by commit, path, label or status."""
    from signoff.incidents.classify import connect_all, select
    from signoff.incidents.store import load_incidents

    r = open_repo(repo)
    sha = r.require_commit(commit) if commit else None
    rows = select(
        connect_all(r, load_incidents(r)), commit=sha, path=path, label=label, status=status
    )
    if as_json:
        emit_json(
            "incidents",
            {
                "incidents": [
                    {
                        "id": i.id,
                        "title": i.title,
                        "severity": i.severity,
                        "status": i.status,
                        "started": i.started.isoformat(),
                        "impact_minutes": i.minutes,
                        "categories": list(i.categories),
                        "label": c.label,
                    }
                    for i, c in rows
                ]
            },
        )
        return
    if not rows:
        console.print("no incidents recorded (signoff incident open TITLE)")
        return
    table = Table(box=None)
    for col in ("id", "sev", "status", "started", "min", "label"):
        table.add_column(col, no_wrap=True)
    table.add_column("categories")
    table.add_column("title")
    for i, c in rows:
        table.add_row(
            i.id,
            i.severity,
            i.status,
            f"{i.started:%Y-%m-%d}",
            str(i.minutes),
            c.label,
            ", ".join(i.categories) or "-",
            escape(i.title),
        )
    console.print(table)


def show_command(
    incident_id: str = typer.Argument(..., metavar="ID"), repo: str = REPO, as_json: bool = JSON
) -> None:
    """One incident: the record and its AI-connection label with reasons."""
    from signoff.incidents.classify import connect_all
    from signoff.incidents.store import get_incident

    r = open_repo(repo)
    ((inc, conn),) = connect_all(r, [get_incident(r, incident_id)])
    if as_json:
        emit_json("incident", {"incident": _record_json(inc), "connection": conn.to_json()})
        return
    console.print(f"[bold]{inc.id}[/] {escape(inc.title)}  ({inc.severity}, {inc.status})")
    console.print(
        f"  started {inc.started:%Y-%m-%d %H:%M %Z}, impact {inc.minutes} min, "
        f"categories: {', '.join(inc.categories) or 'none yet'}"
    )
    console.print(f"  label: [bold]{conn.label}[/]")
    for reason in conn.reasons:
        console.print(f"    - {escape(reason)}")
    for s in inc.suspects:
        console.print(f"  suspect {escape(s.target)}: " + ", ".join(short(c) for c in s.commits))


def _trace(repo: Repo, incident_id: str, now: str | None, gate: list[Path]) -> Trace:
    from signoff.incidents.gate_evidence import read_gate_evidence, recorded_gate_evidence
    from signoff.incidents.store import get_incident
    from signoff.incidents.trace import trace

    evidence = recorded_gate_evidence(repo) + read_gate_evidence(gate)
    return trace(repo, get_incident(repo, incident_id), now=_now(now), gate_evidence=evidence)


def trace_command(
    incident_id: str = typer.Argument(..., metavar="ID"),
    repo: str = REPO,
    as_json: bool = JSON,
    now: str | None = NOW,
    gate: list[Path] = GATE_EVIDENCE,
) -> None:
    """The decision chain behind every linked change, and the controls that let it through."""
    from signoff.incidents.postmortem import chain_lines
    from signoff.incidents.trace import CONTROL_TITLES

    t = _trace(open_repo(repo), incident_id, now, gate)
    if as_json:
        emit_json("incident-trace", t.to_json())
        return
    console.print(f"[bold]{t.incident.id}[/] {escape(t.incident.title)}: {t.connection.label}")
    for reason in t.connection.reasons:
        console.print(f"  - {escape(reason)}")
    for c in t.changes:
        console.print()
        for line in chain_lines(c):
            console.print(escape(line.replace("**", "")))
    console.print()
    if t.primary is None:
        console.print("no linked change yet: link one with signoff incident link ID TARGET")
    for g in t.gaps:
        console.print(f"[bold]{CONTROL_TITLES[g.control]}[/] ({g.control}): {escape(g.why)}")


def postmortem_command(
    incident_id: str = typer.Argument(..., metavar="ID"),
    fmt: str = typer.Option("markdown", "--format", "-f", help="markdown or html."),
    out: Path | None = typer.Option(None, "--output", "-o", help="Write to this file."),
    repo: str = REPO,
    as_json: bool = JSON,
    now: str | None = NOW,
    gate: list[Path] = GATE_EVIDENCE,
) -> None:
    """The blameless postmortem: which control let it through, and actions with one owner each."""
    from signoff.incidents.postmortem import postmortem_html, postmortem_json, postmortem_markdown

    if fmt not in POSTMORTEM_FORMATS:
        raise SignoffError(f"--format {fmt!r} is not supported", "use markdown or html")
    t = _trace(open_repo(repo), incident_id, now, gate)
    if as_json:
        emit_json("postmortem", postmortem_json(t))
        return
    text = postmortem_html(t) if fmt == "html" else postmortem_markdown(t)
    if out is not None:
        write_atomic(out, text)
        console.print(f"postmortem written to {escape(str(out))}")
        return
    typer.echo(text, nl=False)


def budget_command(
    workflow: list[str] = typer.Option([], "--workflow", "-w", help="Only these workflows."),
    rev: str | None = typer.Option(None, "--rev", help="Policy and incidents as committed here."),
    repo: str = REPO,
    as_json: bool = JSON,
    now: str | None = NOW,
) -> None:
    """Error budgets per workflow: consumed, burn rate, ok / at-risk / exhausted, recovery."""
    from signoff.incidents.budget import budget_report

    statuses = budget_report(open_repo(repo), _now(now), rev=rev, workflows=workflow or None)
    if as_json:
        emit_json("budget", {"workflows": [s.to_json() for s in statuses]})
        return
    if not statuses:
        console.print("no workflow in signoff.yaml has an error_budget")
        return
    table = Table(box=None)
    for col in ("workflow", "state", "incidents", "minutes", "burn", "window", "recovers"):
        table.add_column(col, no_wrap=col != "workflow")
    style = {"ok": "green", "at-risk": "yellow", "exhausted": "bold red"}
    for s in statuses:
        b = s.budget
        table.add_row(
            s.workflow,
            f"[{style[s.state]}]{s.state}[/]",
            f"{s.incidents}/{b.max_ai_incidents if b.max_ai_incidents is not None else '-'}",
            f"{s.minutes}/{b.max_impact_minutes if b.max_impact_minutes is not None else '-'}",
            f"{s.burn_rate:.2f}x",
            f"{b.window_days}d",
            f"{s.recovers_at:%Y-%m-%d %H:%M}" if s.recovers_at else "-",
        )
    console.print(table)
    for s in statuses:
        if s.state == "exhausted":
            console.print(
                f"[bold]{s.workflow}[/]: AI-assisted changes are blocked by signoff check except "
                "declared fixes (Fixes-Incident: <id>); may record an override: "
                + escape(", ".join(s.may_override) or "nobody (no accountable named)")
            )
    unknown = sorted({x.incident for s in statuses for x in s.unknown})
    if unknown:
        console.print(
            f"[yellow]not counted, provenance unknown:[/] {', '.join(unknown)} "
            "(unknown is not human: establish provenance, then the budget counts them)"
        )


def _policy_or_none(repo: Repo) -> Policy | None:
    """The work-tree policy, or None when there is none (the figures stand without it)."""
    from signoff.policy import PolicyError, load_policy

    try:
        return load_policy(repo)
    except PolicyError as exc:
        if [f.rule for f in exc.findings] == ["file.unreadable"]:
            return None
        raise


def tools_command(repo: str = REPO, as_json: bool = JSON) -> None:
    """Per AI tool: AI-attributed lines and lines of its AI-assisted commits without a line
    record (apart), incidents linked, incidents per 1000 lines of each, categories."""
    from signoff.incidents.classify import connect_all
    from signoff.incidents.store import load_incidents
    from signoff.incidents.tools import tool_figures

    r = open_repo(repo)
    figures = tool_figures(r, connect_all(r, load_incidents(r)), _policy_or_none(r))
    if as_json:
        emit_json("incident-tools", {"tools": [f.to_json() for f in figures]})
        return
    if not figures:
        console.print("no AI tool seen in the index or in any incident")
        return
    table = Table(box=None)
    for col in (
        "tool",
        "AI-attributed lines",
        "lines in AI commits, no record",
        "incidents",
        "per 1000 attributed",
        "per 1000 unrecorded",
        "categories",
        "owner",
    ):
        table.add_column(col)
    for f in figures:
        rates = [f.per_thousand(f.ai_lines), f.per_thousand(f.unrecorded_lines)]
        table.add_row(
            f.tool,
            str(f.ai_lines),
            str(f.unrecorded_lines),
            str(len(f.incidents)),
            *("-" if rate is None else f"{rate:.3f}" for rate in rates),
            ", ".join(f"{k} {v}" for k, v in sorted(f.categories.items())) or "-",
            escape(f.owner or "no owner in signoff.yaml"),
        )
    console.print(table)


def override_command(
    workflow: str = typer.Argument(..., help="The workflow whose spent budget to lift."),
    approver: str = typer.Option(..., "--as", help="Your person id (accountable or on the chain)."),
    reason: str = typer.Option(..., "--reason", help="Why AI-assisted changes must ship now."),
    expires: str = typer.Option(..., "--expires", help="The last day it holds (YYYY-MM-DD)."),
    repo: str = REPO,
    as_json: bool = JSON,
) -> None:
    """Record a named owner's override of a spent error budget (a reviewed, time-boxed file)."""
    from datetime import date

    from signoff.incidents.ops import record_override
    from signoff.incidents.store import OVERRIDES_DIR

    try:
        last = date.fromisoformat(expires)
    except ValueError:
        raise SignoffError(f"--expires {expires!r} is not a date", "write YYYY-MM-DD") from None
    record = record_override(open_repo(repo), workflow, approver, reason, last)
    if as_json:
        emit_json(
            "budget-override",
            {"override": record.model_dump(mode="json", by_alias=True, exclude_none=True)},
        )
        return
    console.print(
        f"{record.id}: {escape(approver)} lifts the budget of {escape(workflow)} until "
        f"{record.expires} ({OVERRIDES_DIR}/{record.id}.yaml; commit it for review)"
    )
