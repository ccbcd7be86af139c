"""`signoff decay` and `signoff attest PATH`: who still understands the AI-authored code."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.table import Table

from signoff.cli.output import console, emit_json, escape, open_repo, short
from signoff.cli.policy import parse_as_of
from signoff.errors import SignoffError

if TYPE_CHECKING:
    from signoff.incidents.decay import DecayedFile


def register(app: typer.Typer) -> None:
    app.command("decay")(decay_command)
    app.command("attest")(attest_command)


def decay_command(
    path: list[str] = typer.Argument(
        None, help="Only these files (default: every AI-touched file)."
    ),
    as_of: str | None = typer.Option(None, "--as-of", help="Judge leavers as of YYYY-MM-DD."),
    workflow: list[str] = typer.Option([], "--workflow", "-w", help="Only these workflows."),
    tier: str | None = typer.Option(
        None, "--tier", help="Only this tier and above: critical, high, moderate, low."
    ),
    limit: int = typer.Option(50, "--limit", "-n", help="Show at most this many files."),
    copies: bool = typer.Option(
        False,
        "--copies",
        help="Follow lines copied from other files too (git blame -C): every file at HEAD "
        "is blamed, three to five times the work.",
    ),
    repo: str = typer.Option(".", "--repo", "-C", help="Repository to read."),
    as_json: bool = typer.Option(False, "--json", help="Print the versioned JSON document."),
) -> None:
    """AI-authored code no current person has attested to understand, most critical first."""
    from signoff.incidents.decay import DecayRun, decay

    if tier is not None and tier not in ("critical", "high", "moderate", "low"):
        raise SignoffError(f"--tier {tier!r} is not a tier", "use critical, high, moderate or low")
    problems: list[str] = []
    run = DecayRun()
    rows = decay(
        open_repo(repo),
        today=parse_as_of(as_of),
        paths=path or None,
        workflows=workflow,
        min_tier=tier,
        problems=problems,
        copies=copies,
        run=run,
    )
    if as_json:
        emit_json(
            "decay",
            {
                "files": [r.to_json() for r in rows[:limit]],
                "total": len(rows),
                "totals": totals(rows),
                "problems": problems,
                "method": run.to_json(),
            },
        )
        return
    for problem in problems:
        console.print(f"[yellow]problem:[/] {escape(problem)}")
    console.print(
        f"[dim]{run.blame} of {run.files} files ({run.cached} from the blame cache)"
        f"{'' if copies else '; lines copied from other files are not followed (--copies)'}[/]"
    )
    if not rows:
        console.print(
            "no decayed AI-assisted code: every AI-attributed line, and every line of an "
            "AI-assisted commit without a line record, has a current attester"
        )
        return
    table = Table(box=None)
    table.add_column("path", no_wrap=True)
    for col in ("tier", "workflow", "decayed/AI-attributed", "decayed/in AI commits, no record"):
        table.add_column(col, no_wrap=True)
    table.add_column("why")
    table.add_column("accepted by")
    for r in rows[:limit]:
        table.add_row(
            escape(r.path),
            r.tier or "-",
            r.workflow or "[red]no owner[/]",
            f"{r.decayed_lines[0]}/{r.lines.get('ai_attributed', 0)}",
            f"{r.decayed_lines[1]}/{r.lines.get('ai_assisted_unrecorded', 0)}",
            escape(
                "; ".join(
                    f"{k} ({', '.join(f'{n} {kind}' for kind, n in v.items())})"
                    for k, v in r.reasons.items()
                )
            ),
            escape(", ".join(r.accepters) or "-"),
        )
    console.print(table)
    if len(rows) > limit:
        console.print(f"[dim]{len(rows) - limit} more (--limit)[/]")


def totals(rows: list[DecayedFile]) -> dict[str, int]:
    """Lines over every decayed file (not only those shown), the two measures apart."""
    from signoff.incidents.decay import decay_totals

    return decay_totals([r.to_json() for r in rows])


def attest_command(
    path: str = typer.Argument(..., help="A file or folder, relative to the repository root."),
    person: str | None = typer.Option(
        None, "--as", help="Person id in signoff.yaml (default: matched from git user.email)."
    ),
    rev: str = typer.Option("HEAD", "--commit", help="The commit the attestation applies to."),
    note: str = typer.Option("", "--note", help="What was read, how it was checked."),
    repo: str = typer.Option(".", "--repo", "-C", help="Repository to write to."),
    as_json: bool = typer.Option(False, "--json", help="Print the versioned JSON document."),
) -> None:
    """Record that a named person has read and understands PATH (a reviewed file)."""
    from signoff.incidents.decay import attest

    record = attest(open_repo(repo), path, person, rev=rev, note=note)
    if as_json:
        emit_json(
            "attestation",
            {"attestation": record.model_dump(mode="json", by_alias=True, exclude_none=True)},
        )
        return
    console.print(
        f"{record.id}: {escape(record.person)} understands {escape(record.path)} as of "
        f"{short(record.commit)} (.signoff/attestations/{record.id}.yaml; commit it for review)"
    )
