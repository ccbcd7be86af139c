"""`signoff exception request`: draft a time-boxed AI-boundary exception for review."""

from __future__ import annotations

import typer

from signoff.cli.output import console, emit_json, escape, open_repo

exception_app = typer.Typer(
    help="AI-boundary exceptions: reviewed, time-boxed records.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(exception_app, name="exception")


@exception_app.command("request")
def request_command(
    boundary: str | None = typer.Option(
        None, "--boundary", help="The AI boundary rule id in signoff.yaml."
    ),
    suppression: bool = typer.Option(
        False,
        "--suppression",
        help="Approve scanner suppression comments added in AI-assisted hunks instead.",
    ),
    path: list[str] = typer.Option(..., "--path", help="Scope: a CODEOWNERS pattern (repeatable)."),
    reason: str = typer.Option(..., "--reason", help="Why AI assistance is acceptable here."),
    approver: str | None = typer.Option(None, "--approver", help="Person id who will approve."),
    days: int = typer.Option(14, "--days", help="How long it lasts (1-90 days)."),
    exception_id: str | None = typer.Option(None, "--id", help="File name / id of the record."),
    repo: str = typer.Option(".", "--repo", "-C", help="Repository."),
    as_json: bool = typer.Option(False, "--json", help="Print the versioned JSON document."),
) -> None:
    """Draft `.signoff/exceptions/<id>.yaml`; it counts once merged and approved by an allowed approver."""
    from signoff.errors import SignoffError
    from signoff.gate.exceptions import draft_exception
    from signoff.policy import policy_in_force

    if (boundary is None) == (not suppression):
        raise SignoffError("say what the exception is for", "give --boundary ID, or --suppression")
    r = open_repo(repo)
    policy = policy_in_force(r, None)
    email = r.run_text("config", "user.email", check=False).strip().lower()
    requester = None
    if policy is not None and email:  # the requester, when the registry knows them
        requester = next(
            (p.id for p in policy.people.values() if email in (e.lower() for e in p.emails)), None
        )
    draft = draft_exception(
        r,
        policy,
        boundary=boundary,
        paths=path,
        reason=reason,
        approver=approver,
        days=days,
        requested_by=requester,
        exception_id=exception_id,
    )
    if as_json:
        emit_json(
            "exception-request",
            {
                "path": str(draft.path),
                "record": draft.text,
                "warnings": draft.warnings,
            },
        )
        return
    console.print(f"drafted {escape(str(draft.path))}:")
    console.print(escape(draft.text), end="")
    for warning in draft.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}")
    console.print(
        "next: commit it in a pull request; it lifts the boundary once merged and approved by an allowed approver."
    )
