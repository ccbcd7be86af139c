"""`signoff init [--uninstall]`: hooks and notes configuration for recording provenance."""

from __future__ import annotations

from typing import Any

import typer

from signoff.cli.output import console, emit_json, err_console, escape, open_repo
from signoff.recording.install import install, uninstall


def register(app: typer.Typer) -> None:
    app.command("init")(init_command)


def init_command(
    repo: str = typer.Option(".", "--repo", "-C", help="Repository to set up."),
    remove: bool = typer.Option(
        False, "--uninstall", help="Remove Signoff's hooks and config; restore chained hooks."
    ),
    no_hooks: bool = typer.Option(
        False, "--no-hooks", help="Configure notes only (hooks managed by e.g. pre-commit)."
    ),
    write_gitai_notes: bool = typer.Option(
        False,
        "--write-git-ai-notes",
        help="Also write a Git AI-compatible note (refs/notes/ai) for the lines agents wrote "
        "(sets git config signoff.writeGitAiNotes true).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the versioned JSON document."),
    # Policy options: handled in the "policy" step below; recording options stay above.
    from_codeowners: bool = typer.Option(
        False,
        "--from-codeowners",
        help="Draft signoff.yaml from CODEOWNERS: every team-owned pattern becomes a workflow "
        "flagged as needing one named accountable.",
    ),
    force: bool = typer.Option(
        False, "--force", help="With --from-codeowners: overwrite signoff.yaml."
    ),
) -> None:
    """Install the commit hooks and configure notes so provenance is recorded and shared."""
    r = open_repo(repo)
    report: dict[str, Any] = {"action": "uninstall" if remove else "install"}
    # -- recording: hooks, notes merge strategy, fetch refspecs (git's notes copy with --no-hooks)
    report["recording"] = (
        uninstall(r)
        if remove
        else install(r, hooks=not no_hooks, write_gitai_notes=write_gitai_notes)
    )
    # -- policy: a draft registry from CODEOWNERS (the draft fails `policy check` until filled in)
    if from_codeowners and not remove:
        report["policy"] = draft_policy(r, force=force)
    refused = [h for h in report["recording"]["hooks"] if h.get("action") == "refused"]
    if as_json:
        emit_json("init", report)
    else:
        render(report)
    if refused:
        raise typer.Exit(2)


CODEOWNERS_PLACES = ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")
CODEOWNERS_MAX = 3 * 1024 * 1024  # GitHub ignores a larger CODEOWNERS file


def draft_policy(repo: Any, *, force: bool) -> dict[str, Any]:
    """Write signoff.yaml drafted from the repository's CODEOWNERS file (atomically)."""
    import os

    from signoff.errors import SignoffError
    from signoff.files import TooLarge, read_bounded
    from signoff.policy import POLICY_FILE, draft_from_codeowners
    from signoff.policy.yamlsafe import DEFAULT_LIMITS
    from signoff.schemas import schema_text

    source = next((p for p in CODEOWNERS_PLACES if (repo.root / p).is_file()), None)
    if source is None:
        raise SignoffError(
            "no CODEOWNERS file found (looked in " + ", ".join(CODEOWNERS_PLACES) + ")",
            "write signoff.yaml by hand from examples/signoff.yaml, or add a CODEOWNERS file",
        )
    target = repo.root / POLICY_FILE
    if target.exists() and not force:
        raise SignoffError(f"{POLICY_FILE} already exists", "pass --force to overwrite it")
    path = repo.root / source
    # a symlink could copy any file the user can read (a credential) into the draft
    if path.is_symlink() or not path.resolve().is_relative_to(repo.root.resolve()):
        raise SignoffError(
            f"{source} is a symbolic link (to {os.readlink(path) if path.is_symlink() else 'outside the repository'})",
            "draft from a CODEOWNERS file committed in the repository, not a link",
        )
    try:
        raw = read_bounded(path, CODEOWNERS_MAX)
    except TooLarge:
        raise SignoffError(
            f"{source} is larger than {CODEOWNERS_MAX // (1024 * 1024)} MB (GitHub ignores such a file)",
            "trim it, or write signoff.yaml by hand from examples/signoff.yaml",
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SignoffError(f"{source} is not UTF-8", "save it as UTF-8 and run again") from None
    # Editors validate and complete signoff.yaml against the schema this line names; the file
    # is written into the repository, so the line resolves offline and at this version.
    schema_file = repo.root / POLICY_SCHEMA_PATH
    draft = f"# yaml-language-server: $schema={POLICY_SCHEMA_PATH}\n" + draft_from_codeowners(
        text, source
    )
    size = len(draft.encode("utf-8"))
    if size > DEFAULT_LIMITS.max_bytes:  # a draft `policy check` would refuse: never written
        raise SignoffError(
            f"the draft from {source} would be {size // 1024} KB, over the "
            f"{DEFAULT_LIMITS.max_bytes // 1024} KB a signoff.yaml may be",
            "group paths into fewer, broader workflows by hand (see examples/signoff.yaml)",
        )
    _write_atomic(schema_file, schema_text("signoff-policy"))
    _write_atomic(target, draft)
    return {
        "source": source,
        "written": str(target),
        "schema": str(schema_file),
        "next": "signoff policy check",
    }


# Where `init --from-codeowners` puts the policy's JSON Schema, relative to signoff.yaml.
POLICY_SCHEMA_PATH = ".signoff/schemas/signoff-policy-v1.json"


def _write_atomic(target: Any, text: str) -> None:
    from signoff.files import write_atomic

    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, text)


def render(report: dict[str, Any]) -> None:
    rec = report["recording"]
    removing = report["action"] == "uninstall"
    if report.get("policy"):
        pol = report["policy"]
        console.print(
            f"drafted {escape(pol['written'])} from {escape(pol['source'])}: every workflow needs "
            "one named accountable before it ships; run `signoff policy check`"
        )
        console.print(f"editors validate it against {escape(pol['schema'])}")
    console.print(
        f"[bold]{'Removed from' if removing else 'Set up'}[/] {escape(rec['repository'])}"
    )
    if rec["hooks"]:
        console.print(f"hooks in {escape(rec['hooks_dir'])}:")
    for hook in rec["hooks"]:
        line = f"  {hook['hook']:<12} {escape(hook['action'])}"
        if hook.get("chained"):
            line += f" (calls {escape(hook['chained'])} first)"
        console.print(line)
        if hook.get("problem"):
            err_console.print(f"  [bold red]problem:[/] {escape(hook['problem'])}")
    if rec.get("shared_hooks_dir") and rec["hooks"]:
        console.print(
            "  [yellow]note:[/] core.hooksPath points outside this repository; every repository "
            "using that directory now runs these hooks"
        )
    console.print("git config (this repository):")
    for change in rec["config"]:
        value = "" if change["value"] is None else f" = {escape(str(change['value']))}"
        console.print(f"  {change['key']}{value}  [dim]{escape(change['action'])}[/]")
    for remote in rec.get("remotes", []):
        console.print(
            f"  remote.{escape(remote['remote'])}.fetch += {escape(remote['fetch'])}  "
            f"[dim]{escape(remote['action'])}[/]"
        )
    given_back = [c for c in rec["config"] if c["key"].startswith("notes.rewrite")]
    if not removing and rec["hooks"] and any(c["action"] != "unchanged" for c in given_back):
        console.print(
            "  [yellow]note:[/] git's own notes copy on amend and rebase is given back: the "
            "post-rewrite hook copies the notes now, without losing one written at that instant"
        )
    if removing:
        console.print(f"notes under {rec['notes_kept']} are kept.")
        return
    console.print(
        escape(
            "Commits made by a detected agent (or with SIGNOFF_AI=tool[/model]) now get "
            "AI-Assisted, Accepted-by and AI-Session trailers and a note; `git push` also pushes "
            "the notes, and `signoff notes sync` shares them by hand."
        )
    )
