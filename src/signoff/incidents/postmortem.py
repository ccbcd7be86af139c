"""The blameless postmortem, filled in from the trace: markdown, and a standalone HTML page.

It names the control that let the change through and why, never a person to blame. Facts about
people (who accepted, who approved) appear in the decision chain because the chain is evidence;
the findings and actions are about gates, bars and ownership. Every action item has exactly one
named owner; when the policy names nobody, the item says so instead of leaving a blank.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from signoff.incidents.trace import CONTROL_TITLES, ChangeTrace, Gap, Trace, accountable_now

UNASSIGNED = "UNASSIGNED: the policy names nobody (set governance.policy_owner in signoff.yaml)"


@dataclass(frozen=True, slots=True)
class Action:
    title: str
    owner: str  # a person's name (or UNASSIGNED, said plainly)
    owner_id: str | None
    due: str | None
    source: str  # "recorded" (in the incident file) or the gap's control id

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "owner": self.owner,
            "owner_id": self.owner_id,
            "due": self.due,
            "source": self.source,
        }


def _name(trace: Trace, person_id: str | None) -> tuple[str, str | None]:
    policy = trace.policy_now
    if person_id is None:
        return UNASSIGNED, None
    person = policy.people.get(person_id) if policy else None
    return (person.name if person else person_id), person_id


def actions(trace: Trace) -> list[Action]:
    """Recorded action items first, then one per gap, each with one named owner."""
    out = [
        Action(a.title, *_name(trace, a.owner), a.due.isoformat() if a.due else None, "recorded")
        for a in trace.incident.actions
    ]
    policy = trace.policy_now
    policy_owner = (
        policy.document.governance.policy_owner if policy and policy.document.governance else None
    )
    seen = {a.title for a in out}
    for gap in trace.gaps:
        title, owner_id = _suggest(trace, gap, policy_owner)
        if title in seen:
            continue
        seen.add(title)
        out.append(Action(title, *_name(trace, owner_id), None, gap.control))
    return out


def _suggest(trace: Trace, gap: Gap, policy_owner: str | None) -> tuple[str, str | None]:
    acc = accountable_now(trace, gap.workflow)
    owner = acc["id"] if acc else policy_owner
    wf = gap.workflow or "the affected paths"
    c = gap.control
    if c in ("no-policy", "no-owner"):
        where = gap.path or "the affected paths"
        return f"Add a workflow covering {where} with one named accountable", policy_owner
    if c == "owner-invalid":
        return f"Fix the registry entry of {wf} so it ships (signoff policy check)", policy_owner
    if c == "gate-overridden":
        return (
            f"Protect the branch of {wf} so a blocked `signoff check` cannot be merged past",
            policy_owner,
        )
    if c == "boundary-exception":
        return f"Review whether the AI boundary exception on {wf} should continue", owner
    if c in ("boundary-bypassed", "budget-ignored", "no-gate-evidence", "missing-scanner"):
        return (
            f"Make `signoff check` a required status check for {wf}, so its result is "
            "recorded and a failed rule blocks the merge",
            owner,
        )
    if c == "provenance-unknown":
        return (
            "Require provenance declarations (provenance.require_declaration) and install "
            "the Signoff commit hook",
            policy_owner,
        )
    if c in ("review-below-bar", "review-unevidenced", "stale-approval"):
        return f"Require recorded approvals for {wf} (pass forge reviews to the gate)", owner
    categories = ", ".join(trace.incident.categories) or "this failure"
    tools = {t.tool for ch in trace.changes for t in ch.change.tools}
    tool_owner = next(
        (
            policy.tools[t].owner
            for t in sorted(tools)
            if (policy := trace.policy_now) and t in policy.tools and policy.tools[t].owner
        ),
        None,
    )
    return (
        f"Add {categories} to the failure patterns and review checklist of "
        f"{', '.join(sorted(tools)) or 'the AI tool'}",
        tool_owner or owner,
    )


# -- markdown -----------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def chain_lines(c: ChangeTrace) -> list[str]:
    ch = c.change
    p = ch.provenance
    tools = ", ".join(
        t.tool
        + (f"/{t.model}" if t.model else "")
        + (f" (session {t.session})" if t.session else "")
        for t in ch.tools
    )
    accepted = str(p.accepted_by) if p.accepted_by else "no human accepter recorded"
    approvals = ", ".join(f"{r.kind} by {r.person}" for r in c.reviews) or "none recorded in git"
    merge = (
        f"{c.merge.pull_request or c.merge.commit[:10]} merged {c.merge.merged_at}"
        if c.merge
        else "committed directly (no merge or pull request recorded)"
    )
    out = [
        f"### `{ch.commit.sha[:10]}` {ch.commit.subject}",
        "",
        f"- **Generated by:** {tools or ('no AI tool: ' + ch.author)}",
        f"- **Accepted by:** {accepted}",
        f"- **Reviewed / approved:** {approvals}; {merge}",
        f"- **Met the bar?** {c.bar}: {'; '.join(c.bar_reasons)}",
        f"- **Gate at merge:** {_gate_text(c)}",
    ]
    for label, owners in (("then", c.then), ("now", c.now)):
        if owners.problem:
            out.append(f"- **Owner {label}:** {owners.problem}")
            continue
        for o in owners.paths:
            own = o.ownership
            who = own.accountable.describe() if own else "NO OWNER: no workflow covers it"
            wf = f"{own.workflow.id} ({o.tier})" if own else "-"
            out.append(f"- **Owner {label}** of `{o.path}`: {who}; workflow {wf}")
    for o in c.now.paths:
        own = o.ownership
        if own is None:
            continue
        chain = " → ".join(f"{link.person.name} ({link.respond_within})" for link in own.chain)
        out.append(f"- **Escalation now:** {chain or 'no escalation chain'}")
        path = own.workflow.incident_path
        if path:
            paged = ", ".join(_party(c, p) for p in path.paged)
            out.append(f"- **Paged now:** {paged}; authority: {path.authority}")
        else:
            out.append("- **Paged now:** no incident path in the policy")
    return out


def _gate_text(c: ChangeTrace) -> str:
    g = c.gate
    if g is None:
        return "no gate evidence was recorded (run `signoff check --record` in CI to keep it)"
    blocking = "; ".join(f"{f.get('rule')}" for f in g.blocking)
    return f"{g.verdict}" + (f" (blocking: {blocking})" if blocking else "") + f", from {g.source}"


def _party(c: ChangeTrace, ident: str) -> str:
    """A paged person by name, a team as a team: the page must reach someone real."""
    policy = c.now.paths[0].policy if c.now.paths else None
    if policy is None:
        return ident
    if ident in policy.people:
        return policy.people[ident].name
    if ident in policy.teams:
        return f"team {policy.teams[ident].name or ident}"
    return f"{ident} (not defined in signoff.yaml)"


def postmortem_markdown(trace: Trace) -> str:
    """The postmortem as markdown (GitHub-flavoured tables)."""
    inc = trace.incident
    primary = trace.primary
    lines = [
        f"# Postmortem {inc.id}: {inc.title}",
        "",
        "_Blameless: this review names the controls that let the change through, not people "
        "to blame._",
        "",
        "## Summary",
        "",
        f"- **Severity:** {inc.severity}; **status:** {inc.status}",
        f"- **AI connection:** {trace.connection.label}",
    ]
    lines += [f"  - {r}" for r in trace.connection.reasons]
    lines.append(f"  - Measured by {trace.connection.measures_sentence()}")
    lines.append(f"- **Categories:** {', '.join(inc.categories) or 'not classified yet'}")
    if inc.summary:
        lines += ["", inc.summary]
    lines += [
        "",
        "## Impact",
        "",
        f"- Started {inc.started.isoformat()}"
        + (f", detected {inc.detected.isoformat()}" if inc.detected else "")
        + (f", resolved {inc.resolved.isoformat()}" if inc.resolved else ", not resolved yet"),
        f"- Impact: {inc.minutes} minutes",
        f"- Services: {', '.join(inc.services) or '-'}; paths: {', '.join(inc.paths) or '-'}",
        "",
        "## Timeline",
        "",
    ]
    for at, event in _timeline(trace):
        lines.append(f"- {at}: {event}")
    lines += ["", "## Which control let it through", ""]
    if primary is None:
        lines.append("No change is linked, so no control can be named yet (signoff incident link).")
    else:
        lines += [f"**{CONTROL_TITLES[primary.control]}** (`{primary.control}`): {primary.why}", ""]
    lines += ["## Contributing factors", ""]
    factors = [f"{CONTROL_TITLES[g.control]}: {g.why}" for g in trace.gaps[1:]]
    factors += list(inc.contributing_factors)
    lines += [f"- {f}" for f in factors] or ["- none recorded"]
    lines += ["", "## Decision chain", ""]
    for c in trace.changes:
        lines += [*chain_lines(c), ""]
    if not trace.changes:
        lines += ["No changes are linked yet.", ""]
    lines += ["## What went well", ""]
    lines += [f"- {w}" for w in inc.went_well] or [
        "- not recorded yet (add went_well: to the incident file)"
    ]
    lines += [
        "",
        "## Action items",
        "",
        "| action | owner | due | from |",
        "| --- | --- | --- | --- |",
    ]
    for a in actions(trace):
        lines.append(f"| {_cell(a.title)} | {_cell(a.owner)} | {a.due or '-'} | {a.source} |")
    return "\n".join(lines) + "\n"


def _timeline(trace: Trace) -> list[tuple[str, str]]:
    inc = trace.incident
    rows: list[tuple[str, str]] = []
    for c in trace.changes:
        ch = c.change
        rows.append((ch.commit.commit_date, f"`{ch.commit.sha[:10]}` committed ({ch.author})"))
        if c.merge and c.merge.commit != ch.commit.sha:
            rows.append(
                (c.merge.merged_at, f"merged in {c.merge.pull_request or c.merge.commit[:10]}")
            )
    rows.append((inc.started.isoformat(), "impact started"))
    if inc.detected:
        rows.append((inc.detected.isoformat(), "detected"))
    rows += [(t.at.isoformat(), t.event) for t in inc.timeline]
    if inc.resolved:
        rows.append((inc.resolved.isoformat(), "resolved"))
    return sorted(rows, key=lambda r: _utc(r[0]))


def _utc(text: str) -> str:
    from datetime import datetime, timezone

    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc).isoformat()


# -- HTML ---------------------------------------------------------------------------------------

_CSS = """
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.6rem}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}
code{background:#f4f4f4;padding:0 .2rem}em{color:#555}
"""


# Commit subjects, incident text and policy fields reach the markdown verbatim: none of them may
# become a link, an image or a request, so link syntax renders as the text it is, and the page
# forbids every fetch besides (a browser that would follow a link still loads nothing).
_INERT = ("link", "image", "autolink", "reference", "html_inline", "html_block", "linkify")
_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'"


def postmortem_html(trace: Trace) -> str:
    """A standalone page (no external assets, no links) from the same markdown; raw HTML, links
    and images in it are shown as text."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    md.disable([rule for rule in _INERT if rule in _rule_names(md)])
    body = md.render(postmortem_markdown(trace))
    title = html.escape(f"Postmortem {trace.incident.id}: {trace.incident.title}")
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{title}</title><style>{_CSS}</style></head>\n<body>\n{body}</body></html>\n"
    )


def _rule_names(md: Any) -> set[str]:
    return {
        name
        for chain in (md.core.ruler, md.block.ruler, md.inline.ruler, md.inline.ruler2)
        for name in chain.get_all_rules()
    }


def postmortem_json(trace: Trace) -> dict[str, Any]:
    primary = trace.primary
    return {
        "incident": trace.incident.id,
        "label": trace.connection.label,
        "measures": trace.connection.measures(),
        "control": {**primary.to_json(), "title": CONTROL_TITLES[primary.control]}
        if primary
        else None,
        "gaps": [g.to_json() for g in trace.gaps],
        "actions": [a.to_json() for a in actions(trace)],
        "markdown": postmortem_markdown(trace),
    }
