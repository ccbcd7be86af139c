"""`signoff import agent-trace FILE`: Agent Trace records into Signoff notes."""

from __future__ import annotations

from pathlib import Path

import typer

from signoff.cli.output import console, emit_json, escape, open_repo, short
from signoff.errors import SignoffError
from signoff.files import TooLarge, read_bounded

import_app = typer.Typer(help="Read line records other tools wrote into Signoff notes.")


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")


@import_app.command("agent-trace")
def import_agent_trace_command(
    file: Path = typer.Argument(
        ..., help="One Agent Trace record, a JSON array of records, or JSON lines."
    ),
    repo: str = typer.Option(".", "--repo", "-C", help="Repository to write notes in."),
    as_json: bool = typer.Option(False, "--json", help="Print the versioned JSON document."),
) -> None:
    """Write each record's ranges as a Signoff note on the commit its vcs.revision names
    (derived.method import; mixed contributors become ai-modified lines)."""
    from signoff.query.agent_trace import import_agent_trace, read_trace_file

    if not file.is_file():
        raise SignoffError(f"{file} is not a file", "give the path of an Agent Trace record")
    r = open_repo(repo)
    try:
        data = read_bounded(file)
    except TooLarge as exc:
        raise SignoffError(str(exc), "split the records into smaller files") from None
    except OSError as exc:
        raise SignoffError(f"cannot read {file}: {exc.strerror or 'unreadable'}") from None
    results = import_agent_trace(r, read_trace_file(data, str(file)), str(file))
    if as_json:
        emit_json("import", {"file": str(file), "commits": [x.to_json() for x in results]})
        return
    for x in results:
        kinds = ", ".join(f"{k} {n}" for k, n in x.kinds.items()) or "no lines"
        console.print(f"{short(x.commit)}: imported {kinds}")
        for problem in x.problems:
            console.print(f"  [yellow]{escape(problem)}[/]")
