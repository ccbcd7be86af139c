"""`signoff owners PATH...`: who is accountable for a path, and what applies there."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from signoff.cli.output import console, emit_json, escape
from signoff.cli.policy import parse_as_of, read_policy

if TYPE_CHECKING:  # imported when the command runs, so other commands start fast
    from signoff.policy import PathOwner


def register(app: typer.Typer) -> None:
    app.command("owners")(owners_command)


def owners_command(
    paths: list[str] = typer.Argument(
        ..., help="Files or directories, relative to the repository."
    ),
    repo: str = typer.Option(".", "--repo", "-C", help="Repository to read."),
    policy_rev: str = typer.Option(
        None, "--policy-rev", help="Use the policy committed at this revision, not the work tree."
    ),
    file: Path = typer.Option(None, "--file", "-f", help="Use this policy file instead."),
    as_json: bool = typer.Option(False, "--json", help="Print the versioned JSON document."),
    as_of: str = typer.Option(
        None, "--as-of", help="Judge exceptions and departures as of this day (YYYY-MM-DD)."
    ),
) -> None:
    """Who owns each path: workflow, tier, accountable, escalation, incident path, AI allowed."""
    from signoff.policy import owners_for
    from signoff.policy.rules import today_utc

    when = parse_as_of(as_of) or today_utc()
    policy, found = read_policy(repo, policy_rev, file)
    root = found.root if found is not None else None
    answers = owners_for(policy, [_repo_relative(p, root) for p in paths], today=when)
    then = _then(found, [a.path for a in answers])
    if as_json:
        emit_json(
            "owners",
            {
                "as_of": when.isoformat(),
                "policy": {"file": policy.file, "rev": policy.rev},
                "paths": [{**a.to_json(), "then": then.get(a.path)} for a in answers],
            },
        )
        return
    for answer in answers:
        render(answer)
        if answer.path in then:
            _render_then(then[answer.path])
        console.print()


def _then(found: Any, paths: list[str]) -> dict[str, dict[str, Any]]:
    """Who was accountable when each path last changed: the policy committed at that commit."""
    from signoff.query.ownership import accountable_then

    if found is None or found.head() is None:
        return {}
    answers = accountable_then(found, [p.rstrip("/") or "." for p in paths])
    out = {}
    for path in paths:
        sha, own = answers[path.rstrip("/") or "."]
        out[path] = {"commit": sha, "ownership": own.to_json()}
    return out


def _render_then(then: dict[str, Any]) -> None:
    own = then["ownership"]
    where = f" (last changed in {then['commit'][:10]})" if then["commit"] else ""
    texts = [str(o.get("accountable")) for o in own["owners"]] or [own["message"]]
    for text in texts:
        console.print(f"  accountable then{escape(where)}: {escape(text)}")


def _repo_relative(text: str, root: Path | None) -> str:
    """A path as the policy sees it: relative to the repository root, with forward slashes."""
    candidate = Path(text)
    if root is not None and (candidate.is_absolute() or candidate.exists()):
        try:
            rel = os.path.relpath(candidate.resolve(), root.resolve())
        except ValueError:
            return text
        if not rel.startswith(".."):
            suffix = "/" if candidate.is_dir() and rel != "." else ""
            return rel.replace(os.sep, "/") + suffix
    return text


def _person(data: dict[str, Any] | None) -> str:
    if not data:
        return "-"
    name = data.get("name") or data.get("id") or "?"
    return f"{name} <{data['email']}>" if data.get("email") else str(name)


def render(answer: PathOwner) -> None:
    data = answer.to_json()
    console.print(f"[bold]{escape(answer.path)}[/]")
    if answer.ownership is None:
        console.print(
            "  workflow:    [bold red]none[/]: no workflow covers this path, nobody is accountable"
        )
    else:
        matched = ", ".join(answer.matched)
        workflow = escape(data["workflow"])
        console.print(f"  workflow:    {workflow} (tier {answer.tier}; matched: {escape(matched)})")
        own = answer.ownership
        who = escape(own.accountable.describe())
        style = "" if own.accountable.ok else "[bold red]"
        console.print(f"  accountable: {style}{who}{'[/]' if style else ''}")
        chain = " -> ".join(
            f"{n}. {escape(_person(level['person']))} ({level['respond_within']})"
            for n, level in enumerate(data["escalation"], start=1)
        )
        console.print(f"  escalation:  {chain or '[red]none[/]'}")
        incident = data["incident_path"]
        if incident:
            paged = ", ".join(escape(_person(p)) for p in incident["paged"])
            comms = escape(_person(incident["customer_comms"]))
            console.print(
                f"  incident:    paged {paged}; authority: {escape(incident['authority'])}; "
                f"customer comms: {comms}"
            )
        else:
            console.print("  incident:    [red]no incident path[/]")
    ai = data["ai"]
    if ai["allowed"]:
        lifted = [b for b in ai["boundaries"] if b["exception"]]
        note = (
            " (by exception " + ", ".join(escape(b["exception"]) for b in lifted) + ")"
            if lifted
            else ""
        )
        console.print(f"  AI:          allowed{note}")
    else:
        approvers = ", ".join(ai["exception_approvers"]) or "nobody"
        console.print(
            f"  AI:          [bold red]forbidden[/] by boundary {escape(ai['boundary'])} "
            f"({escape(ai['pattern'])}): {escape(ai['reason'].rstrip('.'))}; "
            "exceptions approved by "
            f"{escape(approvers)}"
        )
    bar = answer.bar
    parts = [f"{bar.min_approvals} approval(s)"]
    if bar.reviewer_roles:
        parts.append("roles " + ", ".join(bar.reviewer_roles))
    if bar.require_accountable_approval:
        parts.append("accountable approves")
    if bar.checks:
        parts.append("checks " + ", ".join(bar.checks))
    if bar.scanners:
        parts.append("scanners " + ", ".join(bar.scanners))
    if bar.max_reviewable_lines:
        parts.append(f"at most {bar.max_reviewable_lines} lines")
    console.print(f"  bar:         {escape('; '.join(parts))}")
    if answer.verdict == "ship":
        console.print("  verdict:     [green]ship[/]")
    else:
        reasons = "; ".join(b["rule"] for b in data["blocking"]) or "no accountable owner"
        console.print(f"  verdict:     [bold red]DO NOT SHIP[/] ({escape(reasons)})")
