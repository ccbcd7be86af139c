"""`signoff explain TARGET`: the text answer (the typer command is in `explain_command`).

Neither typer nor rich is imported here: the console script renders a warm answer through this
module without them (`signoff.cli.entry`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from signoff.cli.output import console, escape, short, status_text
from signoff.provenance.capture import kind_counts
from signoff.provenance.model import LINE_KINDS
from signoff.query.explain import CommitAnswer, Explanation
from signoff.query.ownership import Ownership

if TYPE_CHECKING:
    from typer import Typer


def register(app: Typer) -> None:
    from signoff.cli.explain_command import explain_command

    app.command("explain")(explain_command)


def render(result: Explanation) -> None:
    t = result.target
    if result.shallow_advice:
        console.print(f"[yellow]{escape(result.shallow_advice)}[/]")
    for sha in result.not_in_clone:
        console.print(f"[bold]{escape(sha)}[/] {status_text('unknown')} (not in this clone)")
    if t.kind in ("range", "file"):
        s = result.summary
        console.print(
            f"[bold]{escape(t.text)}[/]: {s['commits']} commits, {s['ai_assisted']} AI-assisted "
            + ", ".join(f"{k} {v}" for k, v in sorted(s["by_status"].items()))
        )
        if s.get("by_tool"):
            console.print("  tools: " + ", ".join(f"{k} ({v})" for k, v in s["by_tool"].items()))
        if s["ai_assisted"]:
            console.print(
                f"  AI-attributed lines (line record): {s['ai_attributed_lines']}; "
                f"lines in AI-assisted commits without a line record: "
                f"{s['ai_assisted_unrecorded_lines']}; "
                f"{s['ai_commits_with_line_record']} of {s['ai_assisted']} AI-assisted commits "
                "have a line record"
            )
        if s.get("lines"):
            console.print(
                "  current lines: " + ", ".join(f"{k} {v}" for k, v in s["lines"].items())
            )
        for a in result.commits:
            p = a.provenance
            tools = ", ".join(_tool(x) for x in p.tools) or "-"
            acc = escape(str(p.accepted_by)) if p.accepted_by else "[red]no human accepter[/]"
            console.print(
                f"  {short(a.commit.sha)} {status_text(p.status):<22} {escape(tools):<28} {acc}  "
                f"[dim]{escape(a.commit.subject[:60])}[/]"
            )
        return
    if t.kind == "line":
        for line in result.lines:
            src = (
                f" (line record: {line.line_source})"
                if line.line_source
                else f" (commit level: commit is {line.commit_status}, no line record)"
            )
            tool = f" {escape(_tool(line.tool))}" if line.tool else ""
            console.print(
                f"[bold]{escape(t.path or '')}:{line.line}[/] "
                f"{status_text(line.kind or line.author)}{tool}{src} "
                f"from {short(line.commit)}  [dim]{escape(line.content.strip()[:80])}[/]"
            )
        console.print()
    for answer in result.commits:
        render_commit(answer)


def _tool(tool: object) -> str:
    from signoff.provenance.model import ToolUse

    assert isinstance(tool, ToolUse)
    text = tool.tool + (f"/{tool.model}" if tool.model else "")
    return text + (f" (session {tool.session})" if tool.session else "")


def render_commit(answer: CommitAnswer) -> None:
    c, p = answer.commit, answer.provenance
    console.print(f"[bold]commit {c.sha}[/]  {escape(c.subject)}")
    verdict = {
        "ai": "yes",
        "mixed": "partly (AI and human lines)",
        "human": "no (declared human)",
        "automation": "no: automation, not AI",
        "unknown": "unknown: no marker or record (unknown is not human)",
    }[p.status]
    console.print(
        f"  1. AI-generated:  {status_text(p.status)} — {verdict}; confidence {p.confidence or '-'}"
    )
    console.print(f"     why: {escape(p.reason)}")
    measures = answer.line_measures()
    added = measures["added"] if measures["added"] is not None else "?"
    if measures["line_record"]:
        console.print(
            f"     lines: {measures['ai_attributed_lines']} AI-attributed of {added} added "
            f"(line record: {', '.join(measures['line_record'])})"
        )
        kinds: dict[str, int] = {}
        for k in kind_counts(p):
            kinds[k.kind] = kinds.get(k.kind, 0) + k.lines
        if kinds:
            console.print(
                "     the record names: "
                + ", ".join(f"{kind} {kinds[kind]}" for kind in LINE_KINDS if kind in kinds)
            )
        for record in p.line_records:
            if record.derivation:
                console.print(
                    f"     [dim]{record.source} record, {record.confidence} confidence: "
                    f"{escape(record.derivation)}[/]"
                )
    elif p.ai_assisted:
        console.print(
            f"     lines: {added} added lines in this AI-assisted commit, no line record: "
            "an AI helped, which lines it wrote is not known"
        )
    for record in p.line_records:
        if not record.complete:  # said wherever it is: a lost record is never silent
            console.print(
                f"     [yellow]{record.source} line record incomplete: "
                f"{escape('; '.join(record.gaps))}[/]"
            )
    if p.tools:
        for tool in p.tools:
            console.print(f"  2. tool:          {escape(_tool(tool))}")
    else:
        console.print("  2. tool:          -")
    if p.accepted_by:
        console.print(
            f"  3. accepted by:   {escape(str(p.accepted_by))} ({p.accepted_by_source}) at {c.commit_date}"
        )
    else:
        console.print("  3. accepted by:   [red]no human accepter recorded[/]")
    if answer.reviews or answer.merge:
        for r in answer.reviews:
            console.print(f"  4. review:        {r.kind} by {escape(str(r.person))}")
        if answer.merge:
            m = answer.merge
            pr = f"pull request {m.pull_request}" if m.pull_request else "merge"
            console.print(
                f"  4. merged:        {pr} in {short(m.commit)} by {escape(str(m.merged_by))} at {m.merged_at}"
            )
    else:
        console.print(
            "  4. review:        no review evidence in git (no Reviewed-by/Approved-by, no merge)"
        )
    if answer.ownership_now is not None:
        _render_ownership("  5. accountable now:  ", answer.ownership_now)
        _render_ownership("     accountable then: ", answer.ownership)
    else:
        _render_ownership("  5. accountable:   ", answer.ownership)
    for marker in p.markers:
        console.print(
            f"     [dim]marker {marker.detector} ({marker.source}, {marker.confidence}): "
            f"{escape(marker.evidence)}[/]"
        )
    for problem in p.problems:
        console.print(f"     [yellow]problem:[/] {escape(problem)}")
    console.print()


def _render_ownership(label: str, own: Ownership) -> None:
    """One line per owner group, or the reason there is none (no policy then, say)."""
    lines = [_owner_line(o) for o in own.owners] if own.policy else []
    for n, text in enumerate(lines or [own.message]):
        console.print(f"{label if n == 0 else ' ' * len(label)}{escape(text)}")


def _owner_line(owner: dict[str, object]) -> str:
    parts = [str(owner.get("accountable") or "NO ACCOUNTABLE")]
    if owner.get("workflow"):
        parts.append(f"workflow {owner['workflow']}")
    if owner.get("tier"):
        parts.append(f"tier {owner['tier']}")
    if owner.get("escalation"):
        parts.append("escalates to " + " -> ".join(str(x) for x in owner["escalation"]))  # type: ignore[attr-defined]
    if owner.get("verdict"):
        parts.append(str(owner["verdict"]))
    return "; ".join(parts)
