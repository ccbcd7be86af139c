"""`signoff agent install | uninstall | status`: coding agents' hooks that run `checkpoint`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from signoff.cli.output import console, emit_json, escape, open_repo
from signoff.errors import SignoffError

if TYPE_CHECKING:
    from collections.abc import Callable

agent_app = typer.Typer(
    name="agent",
    help="Install, remove and check the coding-agent hooks that record which lines an AI wrote.",
    no_args_is_help=True,
)

AGENT_HELP = "claude-code, cursor, codex, gemini-cli, copilot (or all)."
USER_HELP = "The agent's per-user hook file instead of this repository's."
REPO_HELP = "Repository to work in."
JSON_HELP = "Print the versioned JSON document."


def register(app: typer.Typer) -> None:
    app.add_typer(agent_app, name="agent")


def _names(agents: list[str]) -> list[str]:
    from signoff.recording.agent_install import AGENTS, spec_for

    if any(a.strip().lower() == "all" for a in agents):
        return list(AGENTS)
    return list(dict.fromkeys(spec_for(a).name for a in agents))


def _root(repo: str, user: bool) -> Path | None:
    if user:
        return None
    return Path(open_repo(repo).root)


@agent_app.command("install")
def install_command(
    agents: list[str] = typer.Argument(..., help=AGENT_HELP),
    user: bool = typer.Option(False, "--user", help=USER_HELP),
    repo: str = typer.Option(".", "--repo", "-C", help=REPO_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Merge Signoff's checkpoint hooks into each agent's hook file (other hooks kept)."""
    from signoff.recording.agent_install import install

    _apply(install, "agent-install", agents, user, repo, as_json)


@agent_app.command("uninstall")
def uninstall_command(
    agents: list[str] = typer.Argument(..., help=AGENT_HELP),
    user: bool = typer.Option(False, "--user", help=USER_HELP),
    repo: str = typer.Option(".", "--repo", "-C", help=REPO_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Remove Signoff's hooks (only them) from each agent's hook file."""
    from signoff.recording.agent_install import uninstall

    _apply(uninstall, "agent-uninstall", agents, user, repo, as_json)


def _apply(
    action: Callable[..., dict[str, Any]],
    kind: str,
    agents: list[str],
    user: bool,
    repo: str,
    as_json: bool,
) -> None:
    root = _root(repo, user)
    scope = "user" if user else "repo"
    _report(kind, [action(name, scope=scope, root=root) for name in _names(agents)], as_json)


def _report(kind: str, results: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        emit_json(kind, {"results": results})
        return
    for r in results:
        console.print(
            f"{escape(r['agent'])} ({r['scope']}): {escape(r['action'])}  {escape(r['path'])}"
        )
        if r.get("capture"):
            console.print(f"  captures: {escape(r['capture'])}")


@agent_app.command("status")
def status_command(
    agents: list[str] = typer.Argument(None, help="Agents to report (default: all)."),
    repo: str = typer.Option(".", "--repo", "-C", help=REPO_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Where each agent's hooks are installed, what they capture, checkpoints and recent errors."""
    from signoff.recording.agent_install import status
    from signoff.recording.checkpoint import find_repository

    names = _names(agents) if agents else None
    commit_hooks: dict[str, Any] | None = None
    try:
        r = open_repo(repo)
        root: Path | None = Path(r.root)
        commit_hooks = _commit_hooks(r)
    except SignoffError:
        root = None  # outside a repository: the per-user files only
    # the working log is per worktree, found the way `signoff checkpoint` finds it
    found = find_repository(str(root)) if root is not None else None
    git_dir = Path(found[1]) if found else None
    report = status(names, root=root, git_dir=git_dir)
    if commit_hooks is not None:
        report["commit_hooks"] = commit_hooks
    if as_json:
        emit_json("agent-status", report)
        return
    render_status(report)


def _commit_hooks(repo: Any) -> dict[str, Any]:
    """Whether `signoff init` installed the post-commit hook that turns checkpoints into line
    records: without it, checkpoints are recorded and never used."""
    from signoff.git import config
    from signoff.recording.install import is_signoff_hook

    path = config.hooks_dir(repo) / "post-commit"
    return {"installed": is_signoff_hook(path), "path": str(path)}


def render_status(report: dict[str, Any]) -> None:
    for row in report["agents"]:
        mark = "installed" if row["installed"] else "not installed"
        console.print(f"[bold]{escape(row['title'])}[/] ({escape(row['agent'])}): {mark}")
        for place in row["places"]:
            events = ", ".join(place["events"]) or "-"
            console.print(f"  {place['scope']}: {escape(place['path'])}  events: {escape(events)}")
            if place.get("problem"):
                console.print(f"    [yellow]problem:[/] {escape(place['problem'])}")
        console.print(f"  captures: {escape(row['capture'])}")
        shell = row.get("shell_edits")
        if shell:
            colour = "green" if shell["captured"] else "yellow"
            console.print(f"  shell edits: [{colour}]{escape(shell['detail'])}[/]")
    if "checkpoints" not in report:
        console.print("(not in a repository: no working log to report)")
        return
    hooks = report.get("commit_hooks")
    if hooks is not None and not hooks["installed"]:
        console.print(
            "[yellow]git commit hooks: not installed[/] (run signoff init: without them "
            "checkpoints are never turned into line records)"
        )
    for row in report["checkpoints"]:
        console.print(
            f"checkpoints by {escape(row['agent'])}: {row['pre']} pre, {row['post']} post, "
            f"last {escape(str(row['last']))}"
        )
    if not report["checkpoints"]:
        console.print("no checkpoints recorded in this repository yet")
    for line in report["unreadable_lines"]:
        console.print(f"[yellow]working log:[/] {escape(line)}")
    errors = report["errors"]
    if errors["count"]:
        console.print(f"[red]{errors['count']} checkpoint error(s)[/]; the latest:")
        for e in errors["recent"]:
            console.print(
                f"  {escape(str(e['at']))} {escape(str(e['agent']))}: {escape(str(e['error']))}"
            )
    else:
        console.print("no checkpoint errors")
