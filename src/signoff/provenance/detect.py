"""Combine every trace a commit carries into one `Provenance` record.

Sources, strongest first: Signoff's own note and trailers (recorded at commit time), line-level
records (Git AI notes, Agent Trace), then the conventions AI tools leave in trailers, identities
and messages. Silence is `unknown`, never `human`.
"""

from __future__ import annotations

from collections.abc import Sequence

from signoff.git.log import Commit, Person
from signoff.provenance.accepted import find_accepter
from signoff.provenance.foreign import parse_agent_trace, parse_gitai_note
from signoff.provenance.markers import find_markers
from signoff.provenance.model import (
    CONFIDENCE_ORDER,
    SILENT,
    Confidence,
    LineRecord,
    Marker,
    Provenance,
    Status,
    ToolUse,
)
from signoff.provenance.notes import parse_signoff_notes
from signoff.provenance.people import People


def detect(
    commit: Commit,
    signoff_notes: Sequence[bytes] = (),
    ai_notes: Sequence[bytes] = (),
    agent_traces: Sequence[bytes] = (),
    people: People | None = None,
) -> Provenance:
    """The provenance of one commit from its metadata and the notes attached to it.

    `people` merges one human's identities (mailmap, registry) in the accepter; callers that
    answer about many commits make one and pass it to every call.
    """
    markers: list[Marker] = list(find_markers(commit))
    if not markers and not signoff_notes and not ai_notes and not agent_traces:
        # the common case on long histories: nothing recorded, nothing to combine
        accepter, source = find_accepter(commit, markers)
        if accepter is not None and people is not None:
            accepter = people.canonical(accepter)
        return Provenance(
            commit.sha,
            "unknown",
            None,
            accepted_by=accepter,
            accepted_by_source=source,
            reason=SILENT,
        )
    problems: list[str] = []
    records: list[LineRecord] = []
    tools: list[ToolUse] = []
    accepted_note = None

    declared = parse_signoff_notes(signoff_notes, commit.sha)
    problems += declared.problems
    markers += declared.markers
    tools += declared.tools
    records += declared.line_records
    accepted_note = declared.accepted_by

    for blob in ai_notes:
        parsed = parse_gitai_note(blob, commit.sha)
        problems += parsed.problems
        markers += parsed.markers
        tools += parsed.tools
        records += parsed.line_records
    for blob in agent_traces:
        parsed = parse_agent_trace(blob, commit.sha)
        problems += parsed.problems
        markers += parsed.markers
        tools += parsed.tools
        records += parsed.line_records

    status, reason = _status(markers, records)
    problems += _conflicts(markers, records, status)
    supporting = [m for m in markers if _supports(m, status)]
    confidence: Confidence | None = None
    if supporting and status != "unknown":
        confidence = max(
            (m.confidence for m in supporting), key=lambda c: CONFIDENCE_ORDER[c or "weak"]
        )
    tool_list: list[ToolUse] = []
    if status in ("ai", "mixed"):
        tool_list = _merge_tools(
            [ToolUse(m.tool, m.model, m.session) for m in supporting if m.tool] + tools
        )
        sessions = [m.session for m in supporting if m.session and not m.tool]
        if not tool_list and (sessions or supporting):
            # AI is evidenced but no source names the tool: say so rather than drop the session
            tool_list = [ToolUse("unspecified", None, sessions[0] if sessions else None)]
    accepter, source = find_accepter(commit, markers)
    if accepted_note is not None and source != "trailer":
        # a note (recorded by the hook at commit time) beats what identities imply
        accepter, source = accepted_note, "note"
    elif (
        accepted_note is not None
        and accepter is not None
        and not _same_person(accepter, accepted_note)
    ):
        # anyone can type an Accepted-by: line, an agent included; the hook's record cannot
        problems.append(
            f"conflicting evidence: the Accepted-by: trailer names {accepter}, but Signoff's "
            f"note recorded {accepted_note} at commit time; the note is used"
        )
        accepter, source = accepted_note, "note"
    if accepter is not None and people is not None:
        accepter = people.canonical(accepter)
    return Provenance(
        commit=commit.sha,
        status=status,
        confidence=confidence,
        tools=tuple(tool_list),
        markers=tuple(markers),
        accepted_by=accepter,
        accepted_by_source=source,
        line_records=tuple(records),
        problems=tuple(problems),
        reason=reason,
    )


def _same_person(a: Person, b: Person) -> bool:
    if a.email and b.email:
        return a.email.strip().lower() == b.email.strip().lower()
    return a.name.strip().casefold() == b.name.strip().casefold()


def _conflicts(
    markers: Sequence[Marker], records: Sequence[LineRecord], status: Status
) -> list[str]:
    """Evidence that disagrees with the verdict is reported, never silently dropped."""
    out = []
    if status in ("ai", "mixed"):
        for m in markers:
            if m.kind == "human":
                out.append(
                    f"conflicting evidence: {m.evidence!r} declares a human change, but AI markers fired"
                )
        for r in records:
            ai, human = r.counts()
            if human and not ai and status == "ai":
                out.append(f"conflicting evidence: the {r.source} line record names no AI lines")
    return out


def _supports(marker: Marker, status: Status) -> bool:
    if status in ("ai", "mixed"):
        return marker.kind == "ai"
    if status == "automation":
        return marker.kind == "automation"
    if status == "human":
        return marker.kind == "human"
    return marker.kind == "ambiguous"


def _status(markers: Sequence[Marker], records: Sequence[LineRecord]) -> tuple[Status, str]:
    kinds = {m.kind for m in markers}
    ai_lines = human_lines = 0
    for record in records:
        a, h = record.counts()
        ai_lines += a
        human_lines += h
    if "ai" in kinds or ai_lines:
        if human_lines and ai_lines:
            return "mixed", f"line-level record: {ai_lines} AI lines, {human_lines} human lines"
        if ai_lines and not human_lines and records:
            return "ai", f"line-level record: {ai_lines} AI lines"
        strongest = max(
            (m for m in markers if m.kind == "ai"), key=lambda m: CONFIDENCE_ORDER[m.confidence]
        )
        return "ai", f"{strongest.source} marker {strongest.detector!r}"
    if "automation" in kinds:
        first = next(m for m in markers if m.kind == "automation")
        return "automation", f"automation identity {first.evidence!r}"
    if "human" in kinds:
        first = next(m for m in markers if m.kind == "human")
        return "human", f"declared by {first.source}: {first.evidence}"
    if human_lines and not ai_lines:
        return "human", f"line-level record: {human_lines} human lines, no AI lines"
    if "ambiguous" in kinds:
        first = next(m for m in markers if m.kind == "ambiguous")
        return (
            "unknown",
            f"ambiguous marker {first.detector!r}: a tool was involved, authorship unclear",
        )
    return "unknown", SILENT


def _merge_tools(tools: Sequence[ToolUse]) -> list[ToolUse]:
    """One entry per (tool, model, session), dropping entries a more specific one covers.

    When a tool has exactly one model and one session among its entries, they are one use.
    Linear in the number of entries (grouped by tool, covering decided from per-tool sets):
    a commit with 30,000 distinct `AI-Assisted` trailers costs no more than reading them.
    """
    first: dict[ToolUse, int] = {}
    by_tool: dict[str, list[ToolUse]] = {}
    for t in tools:
        if t not in first:
            first[t] = len(first)
            by_tool.setdefault(t.tool, []).append(t)
    result: list[tuple[int, ToolUse]] = []
    for name, uses in by_tool.items():
        models = {u.model for u in uses if u.model}
        sessions = {u.session for u in uses if u.session}
        if len(uses) > 1 and len(models) <= 1 and len(sessions) <= 1:
            merged = ToolUse(name, next(iter(models), None), next(iter(sessions), None))
            result.append((first[uses[0]], merged))
            continue
        # t is covered when another entry of the tool agrees on every field t names and
        # names more: a (model, None) by a (model, session); (None, s) by (m, s); (None,
        # None) by anything else.
        with_session = {u.model for u in uses if u.model and u.session}
        with_model = {u.session for u in uses if u.model and u.session}
        for u in uses:
            if u.model and u.session:
                covered = False
            elif u.model:
                covered = u.model in with_session
            elif u.session:
                covered = u.session in with_model
            else:
                covered = len(uses) > 1
            if not covered:
                result.append((first[u], u))
    return [u for _, u in sorted(result, key=lambda item: item[0])]
