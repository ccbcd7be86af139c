"""`signoff audit --since DATE --until DATE [--out DIR]`: the evidence pack."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import typer

from signoff.cli.output import console, emit_json, escape, open_repo, progress_counter

DEFAULT_DAYS = 90


def register(app: typer.Typer) -> None:
    app.command("audit")(audit_command)


def audit_command(
    since: str | None = typer.Option(
        None, "--since", help=f"First day (YYYY-MM-DD, UTC). Default: {DEFAULT_DAYS} days ago."
    ),
    until: str | None = typer.Option(
        None, "--until", help="Last day, inclusive (YYYY-MM-DD, UTC). Default: today."
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Write the evidence pack (HTML, JSON, CSV, manifest) here."
    ),
    branch: str = typer.Option("HEAD", "--branch", "-b", help="The protected branch to audit."),
    sample: int | None = typer.Option(
        None,
        "--sample",
        min=1,
        help="Draw a reproducible sample of N changes with decision chains.",
    ),
    seed: int = typer.Option(0, "--seed", help="Seed for --sample (same seed, same sample)."),
    provenance_test: int | None = typer.Option(
        None,
        "--provenance-test",
        min=1,
        help="Answer the four questions for N recent changes, timed.",
    ),
    reviews: Path | None = typer.Option(
        None,
        "--reviews",
        help="Folder of the forge's pull-request records (one JSON file per pull request).",
    ),
    gate_evidence: Path | None = typer.Option(
        None,
        "--gate-evidence",
        help="Folder of saved `signoff check --json` results (CI artifacts), one per run.",
    ),
    outcomes: bool = typer.Option(
        False,
        "--outcomes",
        help="Measure how AI lines fared: durability at 30/90 days, reverts and fixes (git blame).",
    ),
    attest: bool = typer.Option(
        False, "--attest", help="Sign one in-toto statement per change into the pack."
    ),
    attest_key: Path | None = typer.Option(
        None, "--attest-key", help="Private key for --attest (default: from signoff keygen)."
    ),
    repo: str = typer.Option(".", "--repo", "-C", help="Repository to audit."),
    server: str | None = typer.Option(
        None,
        "--server",
        help="Audit every repository the server holds (from what `signoff push` stored); "
        "token from SIGNOFF_TOKEN; needs --out.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the versioned JSON summary."),
) -> None:
    """Audit evidence for a period: population, metrics, policy snapshots, controls."""
    from signoff.audit.pack import AuditOptions, run_audit, summary, write_pack
    from signoff.audit.period import parse_period

    today = datetime.now(timezone.utc).date()
    since = since or (today - timedelta(days=DEFAULT_DAYS)).isoformat()
    until = until or today.isoformat()
    period = parse_period(since, until)
    if server is not None:
        local = {
            "--sample": sample,
            "--provenance-test": provenance_test,
            "--reviews": reviews,
            "--gate-evidence": gate_evidence,
            "--outcomes": outcomes or None,
            "--attest": attest or None,
        }
        _server_audit(
            server,
            since,
            until,
            out,
            None if branch == "HEAD" else branch,
            [k for k, v in local.items() if v is not None],
            as_json,
        )
        return
    from signoff.audit.keys import PRIVATE_NAME, default_key_dir
    from signoff.errors import SignoffError

    r = open_repo(repo)
    key = attest_key or (default_key_dir(r) / PRIVATE_NAME if attest else None)
    if key is not None and out is None:
        raise SignoffError("--attest writes into the pack", "add --out DIR")
    with progress_counter("indexing") as update:
        options = AuditOptions(
            period,
            branch,
            sample=sample,
            seed=seed,
            provenance_test=provenance_test,
            attest_key=key,
            progress=update,
            reviews=reviews,
            gate_evidence=gate_evidence,
            outcomes=outcomes,
        )
        result = run_audit(r, options)
    written = write_pack(result, out) if out else None
    if as_json:
        emit_json("audit-summary", {**summary(result.report), "pack": written})
        return
    _render(result.report, written)


def _server_audit(
    server: str,
    since: str,
    until: str,
    out: Path | None,
    branch: str | None,
    local_only: list[str],
    as_json: bool,
) -> None:
    """The organisation's pack: built by a job on the server, downloaded and checked here."""
    from signoff.errors import SignoffError
    from signoff.server.client import Client
    from signoff.server.orgaudit import fetch_pack

    if local_only:
        raise SignoffError(
            f"{', '.join(local_only)} need a clone and cannot be used with --server",
            "drop them, or audit one clone without --server",
        )
    if out is None:
        raise SignoffError("--server builds a pack to download", "add --out DIR")
    result = fetch_pack(Client(server), since, until, out, branch=branch)
    if as_json:
        emit_json("audit-organisation", result)
        return
    console.print(
        f"[bold]Organisation audit[/] {result['period']['since']} to {result['period']['until']}: "
        f"{result['included']} of {result['repositories']} repositories, "
        f"{result['changes']} changes"
    )
    for ratio in result["headline"].values():
        console.print(
            f"  {ratio['title']}: {_pct(ratio['value'])} "
            f"({ratio['numerator']} of {ratio['denominator']})"
        )
    for line in result["limitations"]:
        console.print(f"  [yellow]not shown:[/] {escape(line)}")
    console.print(f"  pack written to {escape(result['pack'])} (manifest.json, SHA256SUMS)")


def _pct(value: object) -> str:
    return f"{100 * float(value):.1f}%" if isinstance(value, (int, float)) else "n/a"


def _render(report: dict[str, Any], written: dict[str, Any] | None) -> None:
    p = report["period"]
    c = report["completeness"]
    console.print(
        f"[bold]Audit[/] {p['since']} to {p['until']} on {escape(report['repository']['branch'])}"
    )
    status = "[green]complete[/]" if c["complete"] else "[bold red]INCOMPLETE[/]"
    console.print(f"  population {c['population']} changes; git counts {c['git_count']}: {status}")
    for ratio in report["metrics"]["headline"].values():
        console.print(
            f"  {ratio['title']}: {_pct(ratio['value'])} "
            f"({ratio['numerator']} of {ratio['denominator']})"
        )
    lines = report["metrics"]["lines"]
    cov = lines["capture_coverage"]
    console.print(
        f"  AI-attributed lines (line record): {lines['ai_attributed_lines']}; lines in "
        f"AI-assisted commits without a line record: {lines['ai_assisted_unrecorded_lines']}; "
        f"capture coverage {cov['ai_commits_with_line_record']} of {cov['ai_commits']} "
        f"AI-assisted commits, {cov['ai_commit_lines_with_line_record']} of "
        f"{cov['ai_commit_lines']} of their added lines"
    )
    gaps = lines.get("capture_gaps")
    if gaps and (gaps["lost"] or gaps["incomplete"]):
        console.print(
            f"  [yellow]AI-assisted commits without a line record: {gaps['lost']}; "
            f"incomplete: {gaps['incomplete']}[/]"
            + "".join(f"\n    {n} {escape(r)}" for r, n in list(gaps["reasons"].items())[:5])
        )
    oversight = report["metrics"].get("oversight") or {}
    for key in ("independent_approval", "shallow_approval", "weakened_checks"):
        ratio = oversight.get(key)
        if ratio and ratio["denominator"]:
            console.print(
                f"  {ratio['title']}: {_pct(ratio['value'])} "
                f"({ratio['numerator']} of {ratio['denominator']})"
            )
    aside = (oversight.get("approvals_set_aside") or {}).get("by_reason")
    if aside:
        console.print("  approvals set aside: " + ", ".join(f"{k} {v}" for k, v in aside.items()))
    outcomes = oversight.get("outcomes")
    if outcomes:
        rev = outcomes["reverted"]
        console.print(
            f"  AI-assisted commits reverted or fixed within {rev['within_days']} days: "
            f"{rev['numerator']} of {rev['denominator']}"
        )
    console.print(f"  policy versions in force: {len(report['policy_snapshots'])}")
    if report["provenance_test"]:
        t = report["provenance_test"]
        console.print(
            f"  provenance test: {t['answered']} changes answered in {t['total_seconds']} s"
        )
    for line in report["limitations"]:
        console.print(f"  [yellow]not shown:[/] {escape(line)}")
    if written:
        console.print(f"  pack written to {escape(written['out'])} (manifest.json, SHA256SUMS)")
