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
        None, help="Revisions or a range, as git log takes (default: HEAD)."
    ),
    fmt: str = typer.Option("jsonl", "--format", "-f", help="jsonl (default) or csv."),
    output: Path = typer.Option(
        None, "--output", "-o", help="Write to this file (atomically) instead of stdout."
    ),
    repo: str = typer.Option(".", "--repo", "-C", help="Repository to read."),
    no_index: bool = typer.Option(False, "--no-index", help="Detect live; do not use the index."),
) -> None:
    """Every commit's provenance, review and ownership, one row per commit (docs/export.md)."""
    from signoff.query.export import export

    if fmt not in ("jsonl", "csv"):
        raise SignoffError(
            f"--format {fmt!r} is not a format", "use --format jsonl or --format csv"
        )
    r = open_repo(repo)
    if output is None:
        export(r, sys.stdout, list(revs or []), fmt=fmt, use_index=not no_index)  # type: ignore[arg-type]
        return
    target = output.resolve()
    if not target.parent.is_dir():
        raise SignoffError(
            f"{target.parent} is not a folder", "create it, or give another --output"
        )
    with atomic_writer(target) as out:
        count = export(r, out, list(revs or []), fmt=fmt, use_index=not no_index)  # type: ignore[arg-type]
    sys.stderr.write(f"{count} commits written to {output}\n")
