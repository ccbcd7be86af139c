"""`signoff policy check` and `signoff schema`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from signoff.cli.output import console, emit_json, escape, open_repo
from signoff.errors import SignoffError

if TYPE_CHECKING:  # imported when a command runs, so other commands start fast
    from signoff.policy import CheckReport, Finding, Policy, PolicyError

policy_app = typer.Typer(
    help="The ownership registry (signoff.yaml): validate it and print verdicts.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    policy_app.command("check")(check_command)
    app.add_typer(policy_app, name="policy")
    app.command("schema")(schema_command)


def parse_as_of(text: str | None) -> date | None:
    """The --as-of option: a YYYY-MM-DD date, or None for today."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise SignoffError(f"--as-of {text!r} is not a date", "write it as YYYY-MM-DD") from None


def read_policy(repo: str, policy_rev: str | None, file: Path | None) -> tuple[Policy, Any]:
    """The policy the options name, and the repository (None when --file is outside one)."""
    from signoff.policy import load_policy, load_policy_file

    if file is not None:
        try:
            found = open_repo(repo)
        except SignoffError:
            found = None
        return load_policy_file(file, display=str(file)), found
    found = open_repo(repo)
    return load_policy(found, policy_rev), found


def check_command(
    repo: str = typer.Option(".", "--repo", "-C", help="Repository to read."),
    policy_rev: str = typer.Option(
        None,
        "--policy-rev",
        help="Read signoff.yaml and .signoff/exceptions/ from this revision (e.g. the target "
        "branch), not the work tree.",
    ),
    file: Path = typer.Option(
        None, "--file", "-f", help="Check this policy file instead of the repository's."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the versioned JSON document."),
    as_of: str = typer.Option(
        None, "--as-of", help="Judge expiry dates and departures as of this day (YYYY-MM-DD)."
    ),
    no_coverage: bool = typer.Option(
        False, "--no-coverage", help="Skip the rule that every AI-touched path has an owner."
    ),
) -> None:
    """Validate signoff.yaml and print verdicts. Exit 1 when anything says DO NOT SHIP."""
    from signoff.policy import CoverageUnavailable, PolicyError, ai_touched_paths, check_policy

    when = parse_as_of(as_of)
    try:
        policy, found = read_policy(repo, policy_rev, file)
    except PolicyError as exc:
        if as_json:
            emit_json("policy-check", _invalid_json(exc, policy_rev))
            raise typer.Exit(2) from None
        raise
    ai_paths = None
    reason = None
    if no_coverage:
        reason = "skipped with --no-coverage"
    elif found is None:
        reason = "not inside a git repository"
    else:
        try:
            ai_paths = ai_touched_paths(found)
        except CoverageUnavailable as exc:
            reason = str(exc)
        except SignoffError as exc:
            reason = exc.message
    report = check_policy(policy, ai_paths=ai_paths, coverage_unavailable=reason, today=when)
    if as_json:
        emit_json("policy-check", report.to_json())
    else:
        render(report)
    if report.blocks:
        raise typer.Exit(1)


def _invalid_json(exc: PolicyError, rev: str | None) -> dict[str, Any]:
    return {
        "verdict": "invalid",
        "as_of": None,
        "policy": {
            "file": exc.findings[0].file if exc.findings else "signoff.yaml",
            "rev": rev,
            "schema": None,
        },
        "counts": {"block": len(exc.findings), "warn": 0, "note": 0},
        "workflows": [],
        "findings": [f.to_json() for f in exc.findings],
    }


_STYLE = {"block": "[bold red]BLOCK[/]", "warn": "[yellow]warn [/]", "note": "[dim]note [/]"}


def render(report: CheckReport) -> None:
    policy = report.policy
    source = f"at {policy.rev[:10]}" if policy.rev else "(work tree)"
    console.print(
        f"[bold]{escape(policy.file)}[/] {source}: policy check as of {report.as_of.isoformat()}"
    )
    table = Table(show_edge=False, pad_edge=False, box=None)
    for column in ("workflow", "tier", "accountable", "verdict"):
        table.add_column(column)
    for row in report.workflow_verdicts():
        verdict = (
            "[green]ship[/]"
            if row["verdict"] == "ship"
            else "[bold red]DO NOT SHIP[/] " + escape(", ".join(row["blocking_rules"]))
        )
        who = row["accountable"] or f"[red]{row['accountable_status']}[/]"
        table.add_row(escape(row["id"]), row["tier"], who, verdict)
    if report.workflow_verdicts():
        console.print(table)
    console.print()
    by_subject: dict[str, list[Finding]] = {}
    for f in report.findings:
        by_subject.setdefault(f.subject or "policy", []).append(f)
    for subject, findings in by_subject.items():
        console.print(f"[bold]{escape(subject)}[/]")
        for f in findings:
            console.print(
                f"  {_STYLE[f.severity]} {escape(f.where())} [dim]{f.rule}[/]  {escape(f.message)}"
            )
            console.print(f"        [dim]fix:[/] {escape(f.fix)}")
        console.print()
    if report.ai_paths_checked is not None:
        console.print(
            f"coverage: {report.ai_paths_checked} path(s) with AI-assisted changes checked "
            "for an owner"
        )
    counts = report.counts()
    summary = f"{counts['block']} blocking, {counts['warn']} warnings"
    if report.blocks:
        console.print(f"[bold red]DO NOT SHIP[/]: {summary}")
    else:
        console.print(f"[bold green]ship[/]: {summary}")


def schema_command(
    name: str = typer.Argument(
        "signoff-policy",
        help="Which schema: signoff-policy (signoff.yaml), signoff-exception, signoff-incident, "
        "or a command's --json document such as check or explain (see --list).",
    ),
    exception: bool = typer.Option(
        False, "--exception", help="Same as NAME signoff-exception (.signoff/exceptions/*.yaml)."
    ),
    list_names: bool = typer.Option(False, "--list", help="List the schema names."),
    as_json: bool = typer.Option(
        False, "--json", help="With --list: the names as a versioned JSON document."
    ),
) -> None:
    """Print a JSON Schema shipped with Signoff (default: signoff.yaml's, for editors and CI)."""
    from signoff.schemas import schema_names, schema_text

    if list_names:
        names = schema_names()
        if as_json:
            from signoff.cli.output import emit_json

            emit_json("schema-list", {"schemas": names})
        else:
            typer.echo("\n".join(names))
        return
    typer.echo(schema_text("signoff-exception" if exception else name), nl=False)
