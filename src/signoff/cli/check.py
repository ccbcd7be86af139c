"""`signoff check`: the merge gate. Exit 0 pass, 1 blocked, 2 usage or input error."""

from __future__ import annotations

import json
import os
import sys
from enum import Enum
from pathlib import Path

import typer

from signoff.cli.document import json_document, versioned
from signoff.cli.output import console, escape, open_repo
from signoff.files import write_atomic
from signoff.jsonsafe import escape_invisible


class Format(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    markdown = "markdown"


def register(app: typer.Typer) -> None:
    app.command("check")(check_command)


def check_command(
    base: str | None = typer.Option(None, "--base", help="Target branch of the pull request."),
    head: str = typer.Option("HEAD", "--head", help="Head of the change."),
    staged: bool = typer.Option(False, "--staged", help="Judge what `git commit` would record."),
    policy_rev: str | None = typer.Option(
        None, "--policy-rev", help="Read signoff.yaml at this revision (default: --base)."
    ),
    reviews: list[Path] = typer.Option(
        [], "--reviews", help="Pull-request review data (GitHub/GitLab JSON); repeatable."
    ),
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
    as_json: bool = typer.Option(False, "--json", help="Same as --format json."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Also write the chosen format to this file."
    ),
    sarif_out: Path | None = typer.Option(None, "--sarif", help="Also write SARIF to this file."),
    markdown_out: Path | None = typer.Option(
        None, "--markdown", help="Also write the PR comment (markdown) to this file."
    ),
    codequality_out: Path | None = typer.Option(
        None, "--codequality", help="Also write a GitLab code quality report (JSON) to this file."
    ),
    scan: bool = typer.Option(True, "--scan/--no-scan", help="Run scanners on AI-assisted lines."),
    scanner: list[str] = typer.Option([], "--scanner", help="Scanners to run (repeatable)."),
    record: bool = typer.Option(
        False,
        "--record",
        help="Keep the result as a git note on the head (refs/notes/signoff-checks), so incident "
        "traces and audits can show what the gate said.",
    ),
    repo: str = typer.Option(".", "--repo", "-C", help="Repository to judge."),
) -> None:
    """Judge a change against the acceptance bar its tier demands: pass (0) or blocked (1)."""
    from signoff.gate.check import GateOptions, check
    from signoff.gate.report import codequality, markdown, sarif, text
    from signoff.report.sarif import dumps
    from signoff.review.forge import github_event_review, load_forge_review

    r = open_repo(repo)
    review = load_forge_review(reviews) if reviews else github_event_review(os.environ)
    result = check(
        r,
        GateOptions(
            base=base,
            head=head,
            staged=staged,
            policy_rev=policy_rev,
            forge_review=review,
            scanners=tuple(scanner) or None,
            scan=scan,
        ),
    )
    if as_json:
        fmt = Format.json
    rendered = {
        Format.json: lambda: json_document("check", result.to_json()),
        Format.sarif: lambda: dumps(sarif(result)),
        Format.markdown: lambda: markdown(result),
        Format.text: lambda: "\n".join(text(result)),
    }
    if record:
        from signoff.gate.record import record_result

        record_result(r, versioned("check", result.to_json()))
    if sarif_out:
        _write(sarif_out, rendered[Format.sarif]())
    if markdown_out:
        _write(markdown_out, rendered[Format.markdown]())
    if codequality_out:
        quality = json.dumps(codequality(result), indent=2, ensure_ascii=False)
        _write(codequality_out, escape_invisible(quality))
    body = rendered[fmt]()
    if output:
        _write(output, body)
    if fmt == Format.text:
        _print_text(text(result), result.blocked)
    else:
        sys.stdout.write(body if body.endswith("\n") else body + "\n")
    raise typer.Exit(1 if result.blocked else 0)


def _write(path: Path, body: str) -> None:
    write_atomic(path, body if body.endswith("\n") else body + "\n")


def _print_text(lines: list[str], blocked: bool) -> None:
    first, *rest = lines
    style = "bold red" if blocked else "bold green"
    console.print(f"[{style}]{escape(first)}[/]")
    for line in rest:
        style = "red" if "[block]" in line else "yellow" if "[warn]" in line else "dim"
        console.print(f"[{style}]{escape(line)}[/]")
