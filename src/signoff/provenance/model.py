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

    `tool` None means a human wrote them (the record says so positively).
    """

    start: int
    end: int
    tool: ToolUse | None

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "author": "ai" if self.tool else "human",
            "tool": self.tool.to_json() if self.tool else None,
        }


@dataclass(frozen=True, slots=True)
class LineRecord:
    """Line-level attribution for one commit from one source (Git AI, Agent Trace, Signoff)."""

    source: str  # "git-ai", "agent-trace", "signoff", "pr-commits"
    files: dict[str, tuple[LineSpan, ...]] = field(default_factory=dict)
    # How a record Signoff derived (rather than read) was made, and how far to trust it:
    # None for first-party records, which say so themselves.
    derivation: str | None = None
    confidence: Confidence | None = None

    def tool_for(self, path: str, line: int) -> tuple[bool, ToolUse | None]:
        """(covered, tool) for a line: covered False when the record says nothing about it."""
        for span in self.files.get(path, ()):
            if span.start <= line <= span.end:
                return True, span.tool
        return False, None

    def counts(self) -> tuple[int, int]:
        """(ai lines, human lines) recorded."""
        ai = human = 0
        for spans in self.files.values():
            for s in spans:
                n = s.end - s.start + 1
                if s.tool:
                    ai += n
                else:
                    human += n
        return ai, human

    def ai_spans(self) -> dict[str, list[tuple[int, int]]]:
        """Per path, the (start, end) ranges this record attributes to AI."""
        out: dict[str, list[tuple[int, int]]] = {}
        for path, spans in self.files.items():
            ranges = [(s.start, s.end) for s in spans if s.tool and s.end >= s.start]
            if ranges:
                out[path] = ranges
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "files": {p: [s.to_json() for s in spans] for p, spans in self.files.items()},
            "derivation": self.derivation,
            "confidence": self.confidence,
        }


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
