"""`signoff hook commit-msg FILE | post-commit | pre-push | post-rewrite`: the hooks, for managers.

The pre-commit framework (see .pre-commit-hooks.yaml) calls these; `signoff init` installs faster
native scripts that skip this CLI layer. Either way a failure inside Signoff prints one warning
line and exits 0: provenance recording never blocks a commit or a push.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

import typer

from signoff.cli.output import emit_json, err_console

hook_app = typer.Typer(
    name="hook",
    help="Run a Signoff git hook by hand or from a hook manager (pre-commit).",
    no_args_is_help=True,
)

# `\[` keeps rich from reading "[/MODEL]" as a closing markup tag (help text is rich markup).
AI_HELP = "Declare the change AI-assisted by TOOL\\[/MODEL] (overrides detection)."
HUMAN_HELP = "Declare the change written without AI (records a human note)."
JSON_HELP = "Print what the hook did as a JSON document."


def register(app: typer.Typer) -> None:
    app.add_typer(hook_app, name="hook")


@hook_app.command("commit-msg")
def commit_msg_command(
    message_file: str = typer.Argument(..., help="The commit message file git passes the hook."),
    ai: str = typer.Option(None, "--ai", metavar="TOOL[/MODEL]", help=AI_HELP),
    human: bool = typer.Option(False, "--human", help=HUMAN_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Add AI-Assisted / Accepted-by / AI-Session trailers to the commit message."""
    from signoff.recording.hooks import commit_msg

    _run(
        "commit-msg",
        lambda: commit_msg(message_file, cwd=os.getcwd(), env=os.environ, flag=_flag(ai, human)),
        as_json,
    )


@hook_app.command("post-commit")
def post_commit_command(
    ai: str = typer.Option(None, "--ai", metavar="TOOL[/MODEL]", help=AI_HELP),
    human: bool = typer.Option(False, "--human", help=HUMAN_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Append a signoff/provenance/v1 note to HEAD under refs/notes/signoff."""
    from signoff.recording.hooks import post_commit

    _run(
        "post-commit",
        lambda: post_commit(cwd=os.getcwd(), env=os.environ, flag=_flag(ai, human)),
        as_json,
    )


@hook_app.command("pre-push")
def pre_push_command(
    remote: str = typer.Argument(..., help="Remote name (or URL) git passes the hook."),
    url: str = typer.Argument("", help="Remote URL git passes the hook."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Push refs/notes/signoff along with the push (reads the pushed refs on stdin)."""
    from signoff.recording.hooks import pre_push

    refs = b"" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.buffer.read()
    _run("pre-push", lambda: pre_push(remote, url, refs, cwd=os.getcwd(), env=os.environ), as_json)


@hook_app.command("post-rewrite")
def post_rewrite_command(
    kind: str = typer.Argument(..., help="What git rewrote: amend or rebase (git passes it)."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Copy notes and carry line records onto rewritten commits (reads `OLD NEW` lines on stdin)."""
    from signoff.recording.hooks import post_rewrite

    lines = b"" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.buffer.read()
    _run(
        "post-rewrite", lambda: post_rewrite(kind, lines, cwd=os.getcwd(), env=os.environ), as_json
    )


def _flag(ai: str | None, human: bool) -> str | None:
    if ai and human:
        err_console.print("signoff: warning: --ai and --human both given; using --ai")
    if ai:
        return ai
    return "none" if human else None


def _run(name: str, action: Callable[[], dict[str, object]], as_json: bool) -> None:
    try:
        report = action()
    except Exception as exc:  # a hook must never fail git for Signoff's own reasons
        text = str(exc).strip().splitlines()
        why = f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
        sys.stderr.write(f"signoff: warning: {name}: {why}; provenance not recorded\n")
        report = {"hook": name, "error": why}
    if report.get("mapping_error"):
        sys.stderr.write(f"signoff: warning: {name}: notes copied, line records not mapped "
                         f"({report['mapping_error']})\n")  # fmt: skip
    if as_json:
        emit_json("hook", report)
