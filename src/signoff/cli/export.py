"""`signoff export [REVS...]`: one row per commit, JSON lines or CSV."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from signoff.cli.output import open_repo
from signoff.errors import SignoffError
from signoff.files import atomic_writer


def register(app: typer.Typer) -> None:
    app.command("export")(export_command)


def export_command(
    revs: list[str] = typer.Argument(
        None,
        help="Revisions or a range, as git log takes (default: HEAD); or agent-trace REV.",
    ),
    fmt: str = typer.Option(
        "jsonl", "--format", "-f", help="jsonl (default), csv, or cyclonedx (a CycloneDX 1.6 BOM)."
    ),
    output: Path = typer.Option(
        None, "--output", "-o", help="Write to this file (atomically) instead of stdout."
    ),
    repo: str = typer.Option(".", "--repo", "-C", help="Repository to read."),
    no_index: bool = typer.Option(False, "--no-index", help="Detect live; do not use the index."),
) -> None:
    """Every commit's provenance, review and ownership, one row per commit (docs/export.md).

    `signoff export agent-trace REV [-o FILE]` writes the line records of commit REV as Agent
    Trace records instead (one JSON record, or an array when several tools wrote lines).
    """
    from signoff.query.export import export

    if revs and revs[0] == "agent-trace":
        _agent_trace(revs[1:], output, repo, no_index)
        return

    if fmt not in ("jsonl", "csv", "cyclonedx"):
        raise SignoffError(
            f"--format {fmt!r} is not a format", "use --format jsonl, csv or cyclonedx"
        )
    r = open_repo(repo)
    if output is None:
        export(r, sys.stdout, list(revs or []), fmt=fmt, use_index=not no_index)  # type: ignore[arg-type]
        return
    with atomic_writer(_target(output)) as out:
        count = export(r, out, list(revs or []), fmt=fmt, use_index=not no_index)  # type: ignore[arg-type]
    sys.stderr.write(f"{count} commits written to {output}\n")


def _agent_trace(args: list[str], output: Path | None, repo: str, no_index: bool) -> None:
    """`export agent-trace REV`: the commit's line records as Agent Trace records."""
    import json

    from signoff.query.agent_trace import export_agent_trace

    if len(args) != 1:
        raise SignoffError(
            "export agent-trace takes one commit", "signoff export agent-trace REV [-o FILE]"
        )
    records = export_agent_trace(open_repo(repo), args[0], use_index=not no_index)
    text = json.dumps(records[0] if len(records) == 1 else records, indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    with atomic_writer(_target(output)) as out:
        out.write(text)
    sys.stderr.write(f"{len(records)} Agent Trace record(s) written to {output}\n")


def _target(output: Path) -> Path:
    """The --output file, in a folder that exists (it is written atomically, beside itself)."""
    target = output.resolve()
    if not target.parent.is_dir():
        raise SignoffError(
            f"{target.parent} is not a folder", "create it, or give another --output"
        )
    return target
