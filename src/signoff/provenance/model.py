"""The provenance record: the answer to "was this AI, which tool, who accepted it".

Plain frozen dataclasses rather than pydantic models: detection runs once per commit over
histories of 100,000 commits and `explain` must start in well under 100 ms, so these records
stay cheap to build and import. `to_json` gives the documented, versioned JSON shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from signoff.git.log import Person

Status = Literal["ai", "mixed", "human", "unknown", "automation"]
Source = Literal["trailer", "identity", "message", "note", "hook"]
Confidence = Literal["strong", "medium", "weak"]
# What a single marker says on its own. "ambiguous" marks a trace that shows a tool was
# involved without showing that it wrote the change (aider as committer only).
Kind = Literal["ai", "automation", "ambiguous", "human"]
# What a line record says of a line: an AI wrote it (`ai`), an AI wrote it and a human then
# changed it (`ai-modified`), a human typed it, or the recorder saw it change without seeing who
# changed it (`unknown`: never counted as human).
LineKind = Literal["ai", "ai-modified", "human", "unknown"]
LINE_KINDS: tuple[LineKind, ...] = ("ai", "ai-modified", "human", "unknown")
# The kinds that count as AI-attributed lines (the first of the two measures).
AI_LINE_KINDS: tuple[LineKind, ...] = ("ai", "ai-modified")

# The statuses that count as AI-assisted everywhere (stats, gate, audit, incidents).
AI_STATUSES: tuple[Status, ...] = ("ai", "mixed")
CONFIDENCE_ORDER: dict[str, int] = {"strong": 3, "medium": 2, "weak": 1}
# The reason given when nothing was found: the most common verdict on long histories.
SILENT = "no provenance marker or record; unknown is not human"


@dataclass(frozen=True, slots=True)
class ToolUse:
    tool: str
    model: str | None = None
    session: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"tool": self.tool, "model": self.model, "session": self.session}


@dataclass(frozen=True, slots=True)
class Marker:
    """One trace that fired: which detector, what it implies, and the text that fired it."""

    detector: str
    kind: Kind
    tool: str | None
    source: Source
    confidence: Confidence
    evidence: str
    model: str | None = None
    session: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "detector": self.detector,
            "kind": self.kind,
            "tool": self.tool,
            "model": self.model,
            "session": self.session,
            "source": self.source,
            "confidence": self.confidence,
            "evidence": self.evidence,
        }


@dataclass(frozen=True, slots=True)
class LineSpan:
    """Lines start..end (1-based, inclusive) of a file as of the commit, and who wrote them.

    `kind` is what the record says of the lines (`LINE_KINDS`); left empty it follows `tool`
    (an AI tool means `ai`, none means `human`, as in records before the kinds existed). `tool`
    names the AI that wrote `ai` and `ai-modified` lines and is None for `human` and `unknown`.
    `hash` is the range's content hash (`signoff.provenance.notes.range_hash`) when recorded.
    """

    start: int
    end: int
    tool: ToolUse | None
    kind: LineKind | None = None
    hash: str | None = None

    def __post_init__(self) -> None:
        if not self.kind:  # records made before the kinds existed: equal either way
            object.__setattr__(self, "kind", "ai" if self.tool else "human")

    @property
    def author(self) -> LineKind:
        return self.kind or ("ai" if self.tool else "human")

    @property
    def ai_written(self) -> bool:
        """An AI wrote these lines (`ai`, or `ai-modified`: a human changed them afterwards)."""
        return self.author in AI_LINE_KINDS

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "author": self.author,
            "tool": self.tool.to_json() if self.tool else None,
        }
        if self.hash:
            out["hash"] = self.hash
        return out


@dataclass(frozen=True, slots=True)
class LineRecord:
    """Line-level attribution for one commit from one source (Git AI, Agent Trace, Signoff)."""

    source: str  # "git-ai", "agent-trace", "signoff", "pr-commits"
    files: dict[str, tuple[LineSpan, ...]] = field(default_factory=dict)
    # How a record Signoff derived (rather than read) was made, and how far to trust it:
    # None for first-party records, which say so themselves.
    derivation: str | None = None
    confidence: Confidence | None = None
    # False when the recorder says it could not finish (a hook out of time, a lost working log);
    # `gaps` says why, one sentence each. Lines it says nothing about are unknown, never human.
    complete: bool = True
    gaps: tuple[str, ...] = ()

    def span_for(self, path: str, line: int) -> LineSpan | None:
        """The recorded span holding `line` of `path`, or None when the record says nothing."""
        for span in self.files.get(path, ()):
            if span.start <= line <= span.end:
                return span
        return None

    def tool_for(self, path: str, line: int) -> tuple[bool, ToolUse | None]:
        """(covered, tool) for a line: covered False when the record says nothing about it.

        A span of kind `unknown` says nothing about who wrote the line, so it is not covered.
        """
        span = self.span_for(path, line)
        if span is None or span.author == "unknown":
            return False, None
        return True, span.tool if span.ai_written else None

    def kind_counts(self) -> dict[LineKind, int]:
        """Lines recorded per kind."""
        out: dict[LineKind, int] = dict.fromkeys(LINE_KINDS, 0)
        for spans in self.files.values():
            for s in spans:
                out[s.author] += s.end - s.start + 1
        return out

    def counts(self) -> tuple[int, int]:
        """(AI-written lines, human lines) recorded; `unknown` lines are neither."""
        kinds = self.kind_counts()
        return kinds["ai"] + kinds["ai-modified"], kinds["human"]

    def ai_spans(self) -> dict[str, list[tuple[int, int]]]:
        """Per path, the (start, end) ranges this record attributes to AI (`ai`, `ai-modified`)."""
        out: dict[str, list[tuple[int, int]]] = {}
        for path, spans in self.files.items():
            ranges = [(s.start, s.end) for s in spans if s.ai_written and s.end >= s.start]
            if ranges:
                out[path] = ranges
        return out

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source,
            "files": {p: [s.to_json() for s in spans] for p, spans in self.files.items()},
            "derivation": self.derivation,
            "confidence": self.confidence,
        }
        if not self.complete:
            out["complete"] = False
            out["gaps"] = list(self.gaps)
        return out


def ai_attributed_count(records: Sequence[LineRecord]) -> int:
    """AI-attributed lines of a commit: the union of the lines its line records attribute to AI.

    Two records of one commit (a Git AI note and a Signoff note, say) may name the same lines;
    each line counts once.
    """
    per_path: dict[str, list[tuple[int, int]]] = {}
    for record in records:
        for path, ranges in record.ai_spans().items():
            per_path.setdefault(path, []).extend(ranges)
    total = 0
    for ranges in per_path.values():
        end = 0
        for a, b in sorted(ranges):
            if b <= end:
                continue
            total += b - max(a, end + 1) + 1
            end = b
    return total


@dataclass(frozen=True, slots=True)
class Provenance:
    """The normalised answer for one commit."""

    commit: str
    status: Status
    confidence: Confidence | None
    tools: tuple[ToolUse, ...] = ()
    markers: tuple[Marker, ...] = ()
    accepted_by: Person | None = None
    accepted_by_source: str | None = None  # "trailer", "note", "committer", "co-author", "author"
    line_records: tuple[LineRecord, ...] = ()
    problems: tuple[str, ...] = ()  # e.g. a corrupt note, described; never fatal
    reason: str = ""  # one sentence: why this status

    @property
    def ai_assisted(self) -> bool:
        return self.status in AI_STATUSES

    def to_json(self) -> dict[str, Any]:
        return {
            "commit": self.commit,
            "status": self.status,
            "confidence": self.confidence,
            "reason": self.reason,
            "tools": [t.to_json() for t in self.tools],
            "accepted_by": self.accepted_by.to_json() if self.accepted_by else None,
            "accepted_by_source": self.accepted_by_source,
            "markers": [m.to_json() for m in self.markers],
            "line_records": [r.to_json() for r in self.line_records],
            "problems": list(self.problems),
        }


@dataclass(slots=True)
class NoteReading:
    """What one source of recorded provenance (a note, a trace file) says about a commit."""

    markers: list[Marker] = field(default_factory=list)
    tools: list[ToolUse] = field(default_factory=list)
    line_records: list[LineRecord] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    accepted_by: Person | None = None
