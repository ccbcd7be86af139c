"""`signoff notes sync | add | show`: share, record by hand, and inspect Signoff's notes."""

from __future__ import annotations

import json
import os
from typing import Any

import typer

from signoff.cli.output import console, emit_json, escape, open_repo, short
from signoff.errors import SignoffError

notes_app = typer.Typer(
    name="notes",
    help="Share, record and inspect provenance notes (refs/notes/signoff).",
    no_args_is_help=True,
)

REPO_HELP = "Repository to work in."
JSON_HELP = "Print the versioned JSON document."


def register(app: typer.Typer) -> None:
    app.add_typer(notes_app, name="notes")


@notes_app.command("sync")
def sync_command(
    remote: str = typer.Argument(None, help="Remote to sync with (default: the branch's, origin)."),
    repo: str = typer.Option(".", "--repo", "-C", help=REPO_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Fetch the remote's notes, merge them into yours (cat_sort_uniq), push the result."""
    from signoff.recording.sync import SyncError, sync_notes

    r = open_repo(repo)
    try:
        result = sync_notes(remote, cwd=str(r.root), env=os.environ)
    except SyncError as exc:
        raise SignoffError(str(exc), "check the remote name and your access to it") from exc
    if as_json:
        emit_json("notes-sync", result)
        return
    console.print(
        f"{escape(str(result['remote']))}: "
        + ("fetched, " if result.get("fetched") else "no notes there yet, ")
        + f"{escape(str(result.get('merged')))}, "
        + ("pushed" if result.get("pushed") else f"not pushed ({result.get('reason', '-')})")
    )


@notes_app.command("add")
def add_command(
    rev: str = typer.Argument("HEAD", help="Commit to record provenance for."),
    ai: str = typer.Option(None, "--ai", metavar="TOOL[/MODEL]", help="The AI tool that helped."),
    human: bool = typer.Option(False, "--human", help="Declare the commit written without AI."),
    session: str = typer.Option(None, "--session", help="The AI session id, when known."),
    repo: str = typer.Option(".", "--repo", "-C", help=REPO_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Record provenance for a commit after the fact (appends a note; nothing is replaced)."""
    from signoff.git.notes import write_note
    from signoff.provenance.notes import NOTES_REF, build_note
    from signoff.recording.agents import AgentUse, parse_declaration
    from signoff.recording.hooks import accepter

    if bool(ai) == human:
        raise SignoffError("say what to record", "pass either --ai TOOL[/MODEL] or --human")
    r = open_repo(repo)
    sha = r.require_commit(rev)
    declared = parse_declaration("none" if human else ai)
    if declared is None or (ai and not declared):
        raise SignoffError(f"--ai {ai!r} names no tool", "write it as TOOL or TOOL/MODEL")
    tools = [AgentUse(t.tool, t.model, session or None) for t in declared]
    name, email = r.run_text("log", "-1", "--format=%cn%x00%ce", sha).strip().split("\x00")
    note = build_note(
        status="human" if human else "ai",
        tools=tools,
        accepted_by=accepter(name, email),
        recorded_by="cli",
        detection={"source": "flag", "evidence": "--human" if human else f"--ai {ai}"},
        commit=sha,
    )
    write_note(r, NOTES_REF, sha, note, append=True)
    doc = json.loads(note)
    if as_json:
        emit_json("notes-add", {"commit": sha, "note": doc})
        return
    what = "human" if human else ", ".join(t.label() for t in tools)
    console.print(f"recorded {short(sha)} as {escape(what)} in {NOTES_REF}")


@notes_app.command("show")
def show_command(
    rev: str = typer.Argument("HEAD", help="Commit whose notes to show."),
    repo: str = typer.Option(".", "--repo", "-C", help=REPO_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Every Signoff note document on a commit (local and fetched copies), and any problems."""
    from signoff.git.notes import read_notes
    from signoff.provenance.notes import parse_signoff_notes, split_documents

    r = open_repo(repo)
    sha = r.require_commit(rev)
    blobs = read_notes(r, "signoff").get(sha, [])
    documents: list[Any] = []
    for blob in blobs:
        documents += split_documents(blob)[0]
    problems = parse_signoff_notes(blobs, sha).problems
    if as_json:
        emit_json("notes-show", {"commit": sha, "documents": documents, "problems": problems})
        return
    if not blobs:
        console.print(f"{short(sha)}: no Signoff note")
    for doc in documents:
        console.print(escape(json.dumps(doc, ensure_ascii=False)))
    for problem in problems:
        console.print(f"[yellow]problem:[/] {escape(problem)}")
