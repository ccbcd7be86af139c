"""`signoff stats [RANGE]`."""

from __future__ import annotations

import typer
from rich.table import Table

from signoff.cli.output import console, emit_json, escape, open_repo, progress_counter
from signoff.query.stats import GAP_LIMIT, Stats, stats


def register(app: typer.Typer) -> None:
    app.command("stats")(stats_command)


def stats_command(
    revs: list[str] = typer.Argument(
        None, help="Revision range (default: HEAD), as git log takes."
    ),
    repo: str = typer.Option(".", "--repo", "-C", help="Repository to read."),
    as_json: bool = typer.Option(False, "--json", help="Print the versioned JSON document."),
    gaps: int = typer.Option(
        GAP_LIMIT, "--gaps", min=0, help="List at most this many lost or incomplete records."
    ),
) -> None:
    """AI share of commits and lines, by tool, model, accepter and month; line kinds from line
    records; capture coverage, and the commits whose line record was lost or is incomplete."""
    with progress_counter("indexing") as update:
        report = stats(open_repo(repo), list(revs or []) or None, progress=update, gap_limit=gaps)
    if as_json:
        emit_json("stats", report.to_json())
        return
    render(report)


# plain names for the two line measures in table headers
# "lost" in JSON (a stable field) reads as "no record" here: most never had one to lose
_STATE = {"lost": "no record"}

_HEADERS = {
    "ai_attributed_lines": "AI lines (record)",
    "ai_assisted_unrecorded_lines": "AI-commit lines (no record)",
}


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def render(r: Stats) -> None:
    console.print(
        f"[bold]{' '.join(r.revs)}[/]: {r.commits} commits ({r.merges} merges not counted), "
        f"{r.ai_commits} AI-assisted ({_pct(r.ai_commits, r.commits)}); "
        f"{r.lines_added} added lines"
    )
    console.print(
        f"  AI-attributed lines (line record): {r.ai_attributed_lines} "
        f"({_pct(r.ai_attributed_lines, r.lines_added)} of added lines)"
    )
    console.print(
        f"  lines in AI-assisted commits without a line record: {r.unrecorded_ai_lines} "
        f"({_pct(r.unrecorded_ai_lines, r.lines_added)}; an AI helped, which lines is not known)"
    )
    console.print(
        f"  capture coverage: {r.recorded_commits} of {r.ai_commits} AI-assisted commits "
        f"({_pct(r.recorded_commits, r.ai_commits)}) and {r.recorded_commit_lines} of "
        f"{r.ai_commit_lines} of their added lines "
        f"({_pct(r.recorded_commit_lines, r.ai_commit_lines)}) have a line record"
    )
    if any(r.line_kinds.values()):
        console.print(
            "  line kinds (line records): "
            + ", ".join(f"{kind} {n}" for kind, n in r.line_kinds.items())
            + "  [dim](ai + ai-modified = AI-attributed; unknown is not human)[/]"
        )
    gaps = r.gaps_json()
    if gaps["lost"] or gaps["incomplete"]:
        console.print(
            f"  [yellow]AI-assisted commits without a line record: {gaps['lost']}; "
            f"incomplete: {gaps['incomplete']}[/]"
        )
        for row in gaps["commits"]:
            console.print(
                f"    {row['commit'][:12]} {_STATE.get(row['state'], row['state']):<10} {escape(row['subject'][:50])}"
                f"  [dim]{escape(row['reason'])}[/]"
            )
        more = gaps["lost"] + gaps["incomplete"] - len(gaps["commits"])
        if more > 0:
            console.print(f"    [dim]... and {more} more (--gaps N lists more)[/]")
    console.print(
        "  status: "
        + ", ".join(f"{k} {v}" for k, v in sorted(r.by_status.items()))
        + ("  [yellow](shallow clone: history is cut)[/]" if r.shallow else "")
    )
    if r.by_status.get("unknown"):
        console.print(
            f"  [yellow]{r.by_status['unknown']} commits carry no provenance; unknown is not human[/]"
        )
    if r.stats_missing:
        why = "; ".join(r.missing_reasons) or "missing objects or shallow boundary"
        console.print(f"  [yellow]{r.stats_missing} commits have no line counts: {escape(why)}[/]")
    if r.shallow_advice:
        console.print(f"  [yellow]{escape(r.shallow_advice)}[/]")
    for rows in (r.by_tool, r.by_model, r.by_accepter, r.by_month):
        for row in rows:  # one column per kind where any line record named a line
            for kind, n in (row.get("line_kinds") or {}).items():
                row[kind] = n
    kinds = tuple(k for k, n in r.line_kinds.items() if n)
    lines = ("ai_attributed_lines", "ai_assisted_unrecorded_lines", *kinds)
    for title, rows, cols in (
        ("by tool", r.by_tool, ("tool", "commits", *lines)),
        ("by model", r.by_model, ("tool", "model", "commits", *lines)),
        (
            "by accepter (AI-assisted commits)",
            r.by_accepter,
            ("name", "email", "ai_commits", *lines),
        ),
        (
            "by month",
            r.by_month,
            ("month", "commits", "ai_commits", "ai_commit_share", "lines_added", *lines),
        ),
    ):
        if not rows:
            continue
        table = Table(title=title, title_justify="left", box=None, header_style="bold")
        for col in cols:
            table.add_column(
                _HEADERS.get(col, col),
                justify="right"
                if col not in ("tool", "model", "name", "email", "month")
                else "left",
            )
        for row in rows:
            table.add_row(
                *(escape(str(row.get(c) if row.get(c) is not None else "-")) for c in cols)
            )
        console.print(table)
