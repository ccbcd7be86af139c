"""Readers for the two foreign line-level provenance formats: Git AI notes and Agent Trace.

Foreign records are evidence other tools wrote; Signoff reads them and never rewrites them.
Both parsers take whatever bytes a repository holds and never raise: a note may be truncated,
hand-edited, written by an older tool version, or not what it claims to be, and one bad note
must not stop `explain` or the index. Anything unreadable becomes a sentence in
`NoteReading.problems`; everything readable around it is still read.

Unknown is not human. Lines become human spans only where a record positively says a human
wrote them (Git AI's `h_` known-human entries, Agent Trace's `human` contributor). Lines a
record leaves out, `mixed` and `unknown` contributors, and Git AI notes that attribute no
lines, never count as human. docs/foreign-formats.md gives the mapping and its sources.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeAlias

from signoff import jsonsafe
from signoff.git.notes import LEGACY_AUTHORSHIP, cat_blobs, read_notes, read_ref_blobs
from signoff.git.repo import Repo
from signoff.provenance.markers import TOOL_ALIASES, normalize_tool
from signoff.provenance.model import (
    Confidence,
    Kind,
    LineRecord,
    LineSpan,
    Marker,
    NoteReading,
    ToolUse,
)
from signoff.provenance.names import normalize_model

GITAI_NOTES = "ai"  # refs/notes/ai, the Git AI standard's namespace
AGENT_TRACE_NOTES = "agent-trace"  # refs/notes/agent-trace, where trace writers attach records
GITAI_SCHEMA = "authorship/3.0.0"
UNSPECIFIED = "unspecified"  # the tool name detect.py uses when a source names no tool

# No source file has ten million lines: a range beyond this is corruption, and keeping it
# would make AI line counts absurd.
MAX_LINE = 10_000_000
# A garbage blob can fail on every line; the first few problems tell the story.
MAX_PROBLEMS = 12

# Tool names Git AI writes in `agent_id.tool` (its presets and agent detection), also met
# in Agent Trace `tool.name`, -> Signoff tool ids.
# Anything else goes through `normalize_tool`, which knows the free-form spellings.
FOREIGN_TOOLS: dict[str, str] = {
    "claude": "claude-code",
    "claude-code": "claude-code",
    "claude-web": "claude-code",
    "cursor": "cursor",
    "cursor-agent": "cursor",
    "cursor-background": "cursor",
    "github-copilot": "copilot",
    "github-copilot-cli": "copilot",
    "github-copilot-agent": "copilot",
    "copilot": "copilot",
    "codex": "codex",
    "codex-cloud": "codex",
    "gemini": "gemini-cli",
    "droid": "factory-droid",
    "continue-cli": "continue",
    "devin": "devin",
    "amp": "amp",
}
_NO_NAME = frozenset(("", "unknown", "none", "null"))
_KNOWN_TOOLS = frozenset(TOOL_ALIASES.values()) | frozenset(FOREIGN_TOOLS.values())
# Git AI's own test presets (`mock_ai`, `mock_known_human` in its preset table, `test-agent`
# in its integration tests): a note naming only these comes from running Git AI's test suite
# or a demo, and is no evidence that an AI tool wrote anything.
GITAI_TEST_TOOLS = frozenset(("mock_ai", "mock-ai", "mock_known_human", "test-agent"))

# Agent Trace pseudo-files the reference hook writes for shell commands and session
# start/end, with a placeholder range 1-1: not files in the tree, so never line evidence.
AGENT_TRACE_PSEUDO_PATHS = frozenset((".shell-history", ".sessions", ".unknown"))

_RANGE = re.compile(r"(\d{1,12})(?:-(\d{1,12}))?")
_HEX = re.compile(r"[0-9a-fA-F]{7,64}")
_VERSION = re.compile(r"\d{1,6}\.\d{1,6}(?:\.\d{1,6})?")
# Agent Trace contributor type -> sweep rank: AI claims beat mixed/unknown, which beat human,
# so a line is only ever human when no record says otherwise.
_RANK = {"ai": 2, "mixed": 1, "unknown": 1, "human": 0}


class _Unattributed:
    """Lines a record names without saying who wrote them (Agent Trace mixed/unknown)."""

    def __repr__(self) -> str:
        return "_UNATTRIBUTED"


_UNATTRIBUTED = _Unattributed()
_Value: TypeAlias = "ToolUse | _Unattributed | None"


class _Problems:
    """Problem sentences with a common prefix, capped so garbage cannot flood a report."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.items: list[str] = []
        self.dropped = 0

    def add(self, sentence: str) -> None:
        text = f"{self.prefix}: {sentence}"
        if text in self.items:
            return
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(text)
        else:
            self.dropped += 1

    def done(self) -> list[str]:
        if self.dropped:
            return [*self.items, f"{self.prefix}: {self.dropped} more problems not shown"]
        return self.items


@dataclass(frozen=True, slots=True)
class _Claim:
    """One range some entry attributes; the highest `rank` wins where claims overlap."""

    path: str
    start: int
    end: int
    rank: tuple[int, int]
    value: _Value


# -- shared helpers ----------------------------------------------------------------------


def _decode(blob: bytes, problems: _Problems) -> str:
    """UTF-8 text; invalid bytes are replaced and reported rather than failing the note."""
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError:
        problems.add("not valid UTF-8; undecodable bytes were replaced")
        text = blob.decode("utf-8", "replace")
    return text.removeprefix("\ufeff")


def _load_json(text: str) -> tuple[Any, str | None]:
    """(value, None) or (None, why it is not JSON)."""
    try:
        return jsonsafe.loads(text, huge_int="inf"), None
    except jsonsafe.JsonProblem as exc:
        if exc.msg.startswith("nested deeper"):
            return None, "JSON nested too deeply"
        return None, f"not valid JSON ({exc.msg[:80]})"


def _as_dict(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def _as_str(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _line_number(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _check_range(start: int, end: int) -> str | None:
    """Why start..end cannot be a 1-based inclusive line range, or None when it can."""
    if start < 1 or end < 1:
        return "line numbers start at 1"
    if start > end:
        return "it ends before it starts"
    if end > MAX_LINE:
        return f"it goes beyond line {MAX_LINE:,}, past any real file"
    return None


def _same_commit(revision: str, commit: str) -> bool:
    """Whether a recorded revision names `commit` (full id, or an unambiguous-length prefix)."""
    rev = revision.strip().lower()
    return bool(_HEX.fullmatch(rev)) and commit.lower().startswith(rev)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _resolve(claims: Iterable[_Claim]) -> tuple[dict[str, tuple[LineSpan, ...]], int]:
    """Disjoint spans per file from overlapping claims, and how many human lines lost.

    One sweep over range boundaries with a heap of the claims covering each stretch, so a
    note with thousands of entries resolves in n log n. Unattributed stretches are dropped.
    """
    by_path: dict[str, list[_Claim]] = {}
    for claim in claims:
        by_path.setdefault(claim.path, []).append(claim)
    files: dict[str, tuple[LineSpan, ...]] = {}
    human_overridden = 0
    for path, items in by_path.items():
        items.sort(key=lambda c: c.start)
        points = sorted({c.start for c in items} | {c.end + 1 for c in items})
        heap: list[tuple[int, int, int]] = []
        humans: list[int] = []  # end lines of active human claims (a min-heap)
        nxt = 0
        segments: list[tuple[int, int, _Value]] = []
        for i, point in enumerate(points[:-1]):
            while nxt < len(items) and items[nxt].start == point:
                claim = items[nxt]
                heapq.heappush(heap, (-claim.rank[0], -claim.rank[1], nxt))
                if claim.value is None:
                    heapq.heappush(humans, claim.end)
                nxt += 1
            while heap and items[heap[0][2]].end < point:
                heapq.heappop(heap)
            while humans and humans[0] < point:
                heapq.heappop(humans)
            if not heap:
                continue
            stop = points[i + 1] - 1
            winner = items[heap[0][2]].value
            if humans and winner is not None:
                human_overridden += stop - point + 1
            if segments and segments[-1][1] + 1 == point and segments[-1][2] == winner:
                segments[-1] = (segments[-1][0], stop, winner)
            else:
                segments.append((point, stop, winner))
        spans = tuple(
            LineSpan(start, end, value)
            for start, end, value in segments
            if not isinstance(value, _Unattributed)
        )
        if spans:
            files[path] = spans
    return files, human_overridden


def _line_counts(files: dict[str, tuple[LineSpan, ...]]) -> dict[ToolUse, tuple[int, set[str]]]:
    """AI lines and files per tool use, in order of first appearance."""
    out: dict[ToolUse, tuple[int, set[str]]] = {}
    for path, spans in files.items():
        for span in spans:
            if span.tool is None:
                continue
            lines, paths = out.get(span.tool, (0, set()))
            paths.add(path)
            out[span.tool] = (lines + span.end - span.start + 1, paths)
    return out


def tool_id(name: str | None) -> str:
    """Signoff's tool id for a Git AI `agent_id.tool` or an Agent Trace `tool.name`."""
    raw = (name or "").strip().lower()
    if raw in _NO_NAME:
        return UNSPECIFIED
    return FOREIGN_TOOLS.get(raw) or normalize_tool(raw) or UNSPECIFIED


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# -- Git AI ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Agent:
    """One AI session record from a note's `prompts` or `sessions` map."""

    key: str
    use: ToolUse
    raw_tool: str
    raw_model: str


def _gitai_agent(key: str, record: Any, problems: _Problems) -> _Agent:
    rec = _as_dict(record)
    agent_id = _as_dict(rec.get("agent_id")) if rec else None
    if agent_id is None:
        problems.add(f"record {_short(key)!r} has no readable agent_id; its tool is unknown")
        return _Agent(key, ToolUse(UNSPECIFIED), "", "")
    raw_tool = _as_str(agent_id.get("tool")) or ""
    raw_model = _as_str(agent_id.get("model")) or ""
    session = _as_str(agent_id.get("id"))
    use = ToolUse(tool_id(raw_tool), normalize_model(raw_model), session)
    return _Agent(key, use, raw_tool, raw_model)


def _gitai_map(metadata: dict[str, Any], name: str, problems: _Problems) -> dict[str, Any]:
    value = metadata.get(name)
    if value is None:
        return {}  # `sessions` and `humans` are absent from notes older than their versions
    if not isinstance(value, dict):
        problems.add(f"metadata field {name!r} is not an object; ignored")
        return {}
    return value


def _gitai_path(line: str) -> str:
    if len(line) >= 2 and line.startswith('"') and line.endswith('"'):
        return line[1:-1]  # paths with whitespace are quoted; the format has no escapes
    return line


def _gitai_ranges(text: str, where: str, problems: _Problems) -> list[tuple[int, int]]:
    ranges = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        found = _RANGE.fullmatch(part)
        if found is None:
            problems.add(f"{where}: {_short(part, 30)!r} is not a line or line range; skipped")
            continue
        start = int(found[1])
        end = int(found[2]) if found[2] else start
        why = _check_range(start, end)
        if why:
            problems.add(f"{where}: range {part} skipped, {why}")
            continue
        ranges.append((start, end))
    return ranges


def parse_gitai_note(blob: bytes, commit: str) -> NoteReading:
    """What a Git AI authorship log (a note under refs/notes/ai) says about `commit`.

    Reads schema authorship/3.0.0 with every key style it has carried: 7-character and
    16-character bare prompt hashes (`prompts`), `s_<id>::t_<trace>` session keys
    (`sessions`), `h_<id>` known-human keys (`humans`) and the bare key `human`, Git AI's id
    for human-written lines. Entries later in a file's list win where ranges overlap, as in
    Git AI's own blame. Lines of Git AI's test presets (`GITAI_TEST_TOOLS`) are not AI lines.
    """
    reading = NoteReading()
    problems = _Problems("Git AI note")
    text = _decode(blob, problems)
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    divider = next((i for i, line in enumerate(lines) if line == "---"), None)
    if divider is None:
        if text.strip().startswith("{"):
            _describe_json_only(text, reading, problems)
            reading.problems = problems.done()
            return reading
        if not text.strip():
            problems.add("the note is empty")
            reading.problems = problems.done()
            return reading
        problems.add(
            "no '---' divider, so no metadata (truncated?); AI lines are read without their tool"
        )
        metadata: dict[str, Any] = {}
        attestation = lines
    else:
        attestation = lines[:divider]
        metadata = _gitai_metadata("\n".join(lines[divider + 1 :]), commit, problems)

    prompts = _gitai_map(metadata, "prompts", problems)
    sessions = _gitai_map(metadata, "sessions", problems)
    humans = _gitai_map(metadata, "humans", problems)
    agents: dict[str, _Agent] = {}
    missing: set[str] = set()

    def agent_for(key: str) -> _Agent:
        if key in agents:
            return agents[key]
        table, lookup = (sessions, key.split("::")[0]) if key.startswith("s_") else (prompts, key)
        if lookup in table:
            agent = _gitai_agent(lookup, table[lookup], problems)
        else:
            if lookup not in missing:
                missing.add(lookup)
                problems.add(
                    f"AI key {_short(lookup)!r} has no record in the metadata; "
                    f"its lines count as AI with the tool unknown"
                )
            agent = _Agent(lookup, ToolUse(UNSPECIFIED), "", "")
        agents[key] = agent
        return agent

    claims: list[_Claim] = []
    test_lines: dict[_Agent, int] = {}
    path: str | None = None
    for number, raw in enumerate(attestation, 1):
        line = raw.rstrip()
        if not line:
            continue
        if not line.startswith("  "):
            path = _gitai_path(line)
            continue
        key, _, ranges_text = line.strip().partition(" ")
        where = f"attestation line {number}"
        if path is None:
            problems.add(f"{where} comes before any file path; skipped")
            continue
        if not ranges_text.strip():
            problems.add(f"{where} has no line ranges; skipped")
            continue
        value: ToolUse | None
        if key == "human":
            value = None
        elif key.startswith("h_"):
            human = _as_dict(humans.get(key)) or {}
            if _as_str(human.get("author")) is None:
                problems.add(
                    f"{where}: known-human key {_short(key)!r} has no author record; "
                    f"its lines are not counted as human"
                )
                continue
            value = None
        else:
            agent = agent_for(key)
            if agent.raw_tool.lower() in GITAI_TEST_TOOLS:
                spans = _gitai_ranges(ranges_text, where, problems)
                test_lines[agent] = test_lines.get(agent, 0) + sum(e - s + 1 for s, e in spans)
                continue
            value = agent.use
        for start, end in _gitai_ranges(ranges_text, where, problems):
            claims.append(_Claim(path, start, end, (0, len(claims)), value))

    files, _ = _resolve(claims)
    counts = _line_counts(files)
    by_use = {agent.use: agent for agent in agents.values()}
    for use, (n, paths) in counts.items():
        agent = by_use[use]
        reading.markers.append(
            _gitai_marker(
                "git-ai.authorship-log",
                "ai",
                "strong",
                use,
                f"Git AI authorship log: {_plural(n, 'line')} in {_plural(len(paths), 'file')} "
                f"by {_agent_label(agent)}",
            )
        )
        reading.tools.append(use)
    for agent, n in test_lines.items():
        reading.markers.append(
            _gitai_marker(
                "git-ai.test-preset",
                "ambiguous",
                "weak",
                agent.use,
                f"Git AI authorship log: {_plural(n, 'line')} by Git AI's test preset "
                f"{agent.raw_tool!r}, not evidence that an AI tool wrote them",
            )
        )
    if not counts and not test_lines:
        _idle_sessions(reading, prompts, sessions, problems)
    if files:
        reading.line_records.append(LineRecord("git-ai", files))
    reading.problems = problems.done()
    return reading


def _agent_label(agent: _Agent) -> str:
    tool = agent.raw_tool or "an unnamed tool"
    model = f" ({agent.raw_model})" if agent.raw_model else ""
    session = f", session {agent.use.session}" if agent.use.session else ""
    return f"{tool}{model}{session}"


def _gitai_marker(
    detector: str, kind: Kind, confidence: Confidence, use: ToolUse, evidence: str
) -> Marker:
    return Marker(
        detector=detector,
        kind=kind,
        tool=use.tool,
        source="note",
        confidence=confidence,
        evidence=evidence,
        model=use.model,
        session=use.session,
    )


def _idle_sessions(
    reading: NoteReading, prompts: dict[str, Any], sessions: dict[str, Any], problems: _Problems
) -> None:
    """AI sessions a note records without attributing any committed line to them.

    Git AI keeps a session's record when its lines were deleted or rewritten before the
    commit, and it does not track deletions: the agent took part but, as far as the note
    shows, wrote none of the committed lines. That is `ambiguous`, neither AI nor human.
    """
    seen: set[ToolUse] = set()
    for key, record in [*prompts.items(), *sessions.items()]:
        agent = _gitai_agent(key, record, problems)
        if agent.use in seen or agent.raw_tool.lower() in GITAI_TEST_TOOLS:
            continue
        seen.add(agent.use)
        reading.markers.append(
            _gitai_marker(
                "git-ai.session-without-lines",
                "ambiguous",
                "medium",
                agent.use,
                f"Git AI authorship log records {_agent_label(agent)} "
                f"but attributes no committed line to it",
            )
        )


def _gitai_metadata(text: str, commit: str, problems: _Problems) -> dict[str, Any]:
    if not text.strip():
        problems.add("nothing after the '---' divider (truncated?); tools are unknown")
        return {}
    value, error = _load_json(text)
    if error:
        problems.add(f"metadata is {error}; AI lines are read without their tool")
        return {}
    metadata = _as_dict(value)
    if metadata is None:
        problems.add("metadata is not a JSON object; AI lines are read without their tool")
        return {}
    schema = metadata.get("schema_version")
    if schema != GITAI_SCHEMA:
        seen = f"'{_short(schema)}'" if isinstance(schema, str) else "missing"
        problems.add(f"schema_version is {seen}, not '{GITAI_SCHEMA}'; read as {GITAI_SCHEMA}")
    base = metadata.get("base_commit_sha")
    if isinstance(base, str) and base.strip() and not _same_commit(base, commit):
        problems.add(
            f"base_commit_sha {_short(base.strip(), 16)} is not this commit: the note was "
            f"computed for another commit and copied here, so line numbers may not match"
        )
    return metadata


def _describe_json_only(text: str, reading: NoteReading, problems: _Problems) -> None:
    """A note that is one JSON document: pre-release Git AI logs, or not Git AI at all."""
    value, error = _load_json(text)
    metadata = _as_dict(value) if error is None else None
    schema = metadata.get("schema_version") if metadata else None
    files = _as_dict(metadata.get("files")) if metadata else None
    if metadata is not None and files is not None and schema in (None, "authorship/0.0.1"):
        _read_prerelease(files, reading, problems)
    elif isinstance(schema, str) and schema.startswith("authorship/"):
        problems.add(
            f"a pre-release JSON authorship log ({_short(schema)}); these were stored under "
            f"refs/ai/authorship before Git AI 1.0 and Git AI itself no longer reads them; "
            f"its lines are not read"
        )
    else:
        problems.add("not a Git AI authorship log: no '---' divider between lines and metadata")


_MODEL_NAME = re.compile(r"(?:gpt|o\d|claude|gemini|sonnet|opus|haiku)[\w.-]{0,40}", re.IGNORECASE)


def _prerelease_author(name: str) -> ToolUse | None:
    """The tool behind a pre-release log's `author` name, or None for a person's name."""
    raw = name.strip()
    tool = FOREIGN_TOOLS.get(raw.lower()) or normalize_tool(raw)
    if tool in _KNOWN_TOOLS:
        return ToolUse(tool)
    if _MODEL_NAME.fullmatch(raw):
        return ToolUse(UNSPECIFIED, normalize_model(raw))
    return None


def _read_prerelease(files: dict[str, Any], reading: NoteReading, problems: _Problems) -> None:
    """The first pre-release layout (authorship/0.0.1 or unversioned, Git AI before 1.0):
    `files -> {path: {authors: [{author, lines: [n | [a, b]]}]}}`.

    An author that names a tool or a model (`Claude`, `Cursor`, `o3`) gives AI lines; other
    authors are people, but Git AI inferred those entries by diffing between checkpoints
    rather than observing them, so they are not counted as human lines.
    """
    claims: list[_Claim] = []
    names: dict[ToolUse, str] = {}
    for path, entry in files.items():
        authors = (_as_dict(entry) or {}).get("authors")
        if not isinstance(authors, list):
            problems.add(f"file {_short(path)!r} has no authors list; skipped")
            continue
        for author in authors:
            record = _as_dict(author) or {}
            name = _as_str(record.get("author"))
            use = _prerelease_author(name) if name else None
            if use is None:
                continue
            names.setdefault(use, name or "")
            lines = record.get("lines")
            for item in lines if isinstance(lines, list) else []:
                pair = item if isinstance(item, list) and len(item) == 2 else [item, item]
                start, end = _line_number(pair[0]), _line_number(pair[1])
                if start is None or end is None or _check_range(start, end):
                    problems.add(
                        f"file {_short(path)!r}: {_short(str(item), 30)} is not a line range"
                    )
                    continue
                claims.append(_Claim(path, start, end, (0, len(claims)), use))
    resolved, _ = _resolve(claims)
    for use, (n, paths) in _line_counts(resolved).items():
        reading.markers.append(
            _gitai_marker(
                "git-ai.pre-release-log",
                "ai",
                "medium",
                use,
                f"pre-release Git AI authorship log: {_plural(n, 'line')} in "
                f"{_plural(len(paths), 'file')} by {names[use]}",
            )
        )
        reading.tools.append(use)
    if resolved:
        reading.line_records.append(LineRecord("git-ai", resolved))
    problems.add(
        "a pre-release JSON authorship log (refs/ai/authorship before Git AI 1.0): AI lines "
        "are read from author names that name a tool or model; its other entries were "
        "inferred, not observed, and do not count as human lines"
    )


# -- Agent Trace -------------------------------------------------------------------------


def trace_model(model_id: str | None) -> str | None:
    """`provider/model` (the models.dev form) -> the model, normalised like every source."""
    if not model_id:
        return None
    return normalize_model(model_id.strip().rstrip("/").rsplit("/", 1)[-1])


def trace_session(url: Any) -> str | None:
    """A conversation's id from its URL: the last path segment (a transcript file's stem)."""
    url = _as_str(url)
    if url is None:
        return None
    rest = url.split("://", 1)[-1].split("?", 1)[0].split("#", 1)[0]
    segments = [s for s in rest.split("/") if s]
    if len(segments) < 2 and "://" in url:
        return None  # a bare host names no conversation
    if not segments:
        return None
    last = segments[-1]
    if url.startswith("file:"):
        last = re.sub(r"\.(jsonl|json|md|txt)$", "", last)
    return last or None


def _trace_path(value: Any) -> tuple[str | None, str | None]:
    """(repository-relative path, None) or (None, why the path is unusable)."""
    path = _as_str(value)
    if path is None:
        return None, "a file entry has no path"
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    if path.startswith("/") or re.match(r"[A-Za-z]:/", path):
        return None, f"path {_short(path)!r} is absolute, not relative to the repository"
    if ".." in path.split("/"):
        return None, f"path {_short(path)!r} leaves the repository"
    return path, None


@dataclass(frozen=True, slots=True)
class _Contribution:
    """What one conversation (or one range's override) says: kind, tool use, model_id."""

    kind: str  # ai | human | mixed | unknown
    use: ToolUse
    model_id: str


def _contributor(
    value: Any, fallback: _Contribution, base: ToolUse, where: str, problems: _Problems
) -> _Contribution:
    """The contributor an object declares; `fallback` (the enclosing one) when it is absent."""
    if value is None:
        return fallback
    contributor = _as_dict(value)
    kind = _as_str(contributor.get("type")) if contributor else None
    if contributor is None or kind is None:
        problems.add(f"{where}: contributor has no type; its ranges are not attributed")
        return _Contribution("unknown", base, "")
    kind = kind.lower()
    if kind not in _RANK:
        problems.add(
            f"{where}: contributor type {_short(kind)!r} is not one of ai, human, "
            f"mixed, unknown; its ranges are not attributed"
        )
        kind = "unknown"
    model_id = _as_str(contributor.get("model_id")) or ""
    use = ToolUse(base.tool, trace_model(model_id), base.session)
    return _Contribution(kind, use, model_id)


_TRACE_DETECTORS: dict[str, tuple[str, Kind, Confidence]] = {
    "ai": ("agent-trace.ai", "ai", "strong"),
    # mixed: human-edited AI output or AI-edited human code: AI wrote part of those lines
    "mixed": ("agent-trace.mixed", "ai", "medium"),
    "unknown": ("agent-trace.unknown", "ambiguous", "weak"),
}


def parse_agent_trace(blob: bytes, commit: str) -> NoteReading:
    """What Agent Trace records (one JSON record, a JSON array of them, or JSON lines) say.

    Only records whose `vcs` is git and whose revision is `commit` are used: ranges refer to
    the file as of the recorded revision, so a record for another revision would label lines
    it never described. Every record skipped for that reason is named in the problems.
    """
    reader = _TraceReader(commit)
    text = _decode(blob, reader.problems)
    for number, record in enumerate(_trace_documents(text, reader.problems), 1):
        reader.record(record, number)
    return reader.reading()


def _trace_documents(text: str, problems: _Problems) -> list[Any]:
    if not text.strip():
        problems.add("the record is empty")
        return []
    value, error = _load_json(text)
    if error is None:
        return value if isinstance(value, list) else [value]
    # JSON lines: the reference implementation appends one record per line.
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) < 2:
        problems.add(f"the record is {error}")
        return []
    out = []
    for number, line in enumerate(lines, 1):
        item, line_error = _load_json(line)
        if line_error:
            problems.add(f"line {number} is {line_error}; skipped")
        else:
            out.append(item)
    return out


class _TraceReader:
    """Claims and contributions gathered from every record in one blob."""

    def __init__(self, commit: str) -> None:
        self.commit = commit
        self.problems = _Problems("Agent Trace")
        self.claims: list[_Claim] = []
        # (kind, use) -> [ranges, files], and a readable label, in order of appearance
        self.found: dict[tuple[str, ToolUse], list[int]] = {}
        self.labels: dict[tuple[str, ToolUse], str] = {}

    def reading(self) -> NoteReading:
        reading = NoteReading()
        files, human_overridden = _resolve(self.claims)
        if human_overridden:
            self.problems.add(
                f"{_plural(human_overridden, 'line')} claimed by a human contributor are also "
                f"claimed as ai, mixed or unknown; they are not counted as human"
            )
        for (kind, use), (ranges, nfiles) in self.found.items():
            if kind not in _TRACE_DETECTORS:
                continue  # human: the spans say it; a marker would add nothing
            detector, marker_kind, confidence = _TRACE_DETECTORS[kind]
            reading.markers.append(
                Marker(
                    detector=detector,
                    kind=marker_kind,
                    tool=use.tool,
                    source="note",
                    confidence=confidence,
                    evidence=f"Agent Trace: {kind} contributor {self.labels[(kind, use)]}, "
                    f"{_plural(ranges, 'range')} in {_plural(nfiles, 'file')}",
                    model=use.model,
                    session=use.session,
                )
            )
            if marker_kind == "ai" and use not in reading.tools:
                reading.tools.append(use)
        if files:
            reading.line_records.append(LineRecord("agent-trace", files))
        reading.problems = self.problems.done()
        return reading

    def record(self, value: Any, number: int) -> None:
        record = _as_dict(value)
        if record is None:
            self.problems.add(f"item {number} is not a JSON object; skipped")
            return
        record_id = _as_str(record.get("id"))
        name = f"record {_short(record_id, 40)}" if record_id else f"record {number}"
        version = record.get("version")
        if not (isinstance(version, str) and _VERSION.fullmatch(version.strip())):
            self.problems.add(f"{name} has no readable version; read as 0.1.0")
        if not self._anchored(name, _as_dict(record.get("vcs"))):
            return
        tool = _as_dict(record.get("tool")) or {}
        tool_name = _as_str(tool.get("name"))
        metadata = _as_dict(record.get("metadata")) or {}
        session = _as_str(metadata.get("conversation_id")) or _as_str(metadata.get("session_id"))
        files = record.get("files")
        if not isinstance(files, list):
            self.problems.add(f"{name} has no files list; nothing read")
            return
        for file_number, entry in enumerate(files, 1):
            self.file(entry, f"{name} file {file_number}", tool_name, session)

    def _anchored(self, name: str, vcs: dict[str, Any] | None) -> bool:
        """Whether the record is anchored to this commit; says why not when it is not."""
        commit = self.commit[:12]
        if vcs is None:
            self.problems.add(
                f"{name} has no vcs revision, so its ranges cannot be tied to commit "
                f"{commit}; not read"
            )
            return False
        vcs_type = _as_str(vcs.get("type"))
        if (vcs_type or "").lower() != "git":
            shown = _short(vcs_type or "missing")
            self.problems.add(f"{name} is for vcs {shown!r}, not git; not read")
            return False
        revision = _as_str(vcs.get("revision"))
        if revision is None or not _same_commit(revision, self.commit):
            shown = _short(revision, 16) if revision else "missing"
            self.problems.add(
                f"{name} describes revision {shown}, not commit {commit}: its line numbers "
                f"refer to that revision's files; not read"
            )
            return False
        return True

    def file(self, value: Any, where: str, tool_name: str | None, session: str | None) -> None:
        entry = _as_dict(value)
        if entry is None:
            self.problems.add(f"{where} is not an object; skipped")
            return
        path, why = _trace_path(entry.get("path"))
        if path is None:
            self.problems.add(f"{where}: {why}; skipped")
            return
        if path in AGENT_TRACE_PSEUDO_PATHS:
            return
        conversations = entry.get("conversations")
        if not isinstance(conversations, list):
            self.problems.add(f"{where} ({_short(path)}) has no conversations list; skipped")
            return
        in_file: set[tuple[str, ToolUse]] = set()
        for number, conv in enumerate(conversations, 1):
            here = f"{where} ({_short(path)}) conversation {number}"
            self.conversation(conv, here, path, tool_name, session, in_file)

    def conversation(
        self,
        value: Any,
        where: str,
        path: str,
        tool_name: str | None,
        session: str | None,
        in_file: set[tuple[str, ToolUse]],
    ) -> None:
        conv = _as_dict(value)
        if conv is None:
            self.problems.add(f"{where} is not an object; skipped")
            return
        base = ToolUse(tool_id(tool_name), None, trace_session(conv.get("url")) or session)
        default = _Contribution("unknown", base, "")
        contrib = _contributor(conv.get("contributor"), default, base, where, self.problems)
        ranges = conv.get("ranges")
        if not isinstance(ranges, list):
            self.problems.add(f"{where} has no ranges list; skipped")
            return
        if not ranges:
            # file-level attribution: the conversation touched the file, lines unsaid
            self._count(contrib, 0, tool_name, in_file)
        for number, item in enumerate(ranges, 1):
            self.range(item, f"{where} range {number}", path, contrib, base, tool_name, in_file)

    def range(
        self,
        value: Any,
        where: str,
        path: str,
        enclosing: _Contribution,
        base: ToolUse,
        tool_name: str | None,
        in_file: set[tuple[str, ToolUse]],
    ) -> None:
        item = _as_dict(value)
        if item is None:
            self.problems.add(f"{where} is not an object; skipped")
            return
        start = _line_number(item.get("start_line"))
        end = _line_number(item.get("end_line"))
        if start is None or end is None:
            self.problems.add(f"{where}: start_line and end_line must be integers; skipped")
            return
        bad = _check_range(start, end)
        if bad:
            self.problems.add(f"{where}: {start}-{end} skipped, {bad}")
            return
        contrib = _contributor(item.get("contributor"), enclosing, base, where, self.problems)
        self._count(contrib, 1, tool_name, in_file)
        claimed: _Value = _UNATTRIBUTED
        if contrib.kind == "ai":
            claimed = contrib.use
        elif contrib.kind == "human":
            claimed = None
        rank = (_RANK[contrib.kind], len(self.claims))
        self.claims.append(_Claim(path, start, end, rank, claimed))

    def _count(
        self,
        contrib: _Contribution,
        ranges: int,
        tool_name: str | None,
        in_file: set[tuple[str, ToolUse]],
    ) -> None:
        key = (contrib.kind, contrib.use)
        stats = self.found.setdefault(key, [0, 0])
        stats[0] += ranges
        if key not in in_file:
            in_file.add(key)
            stats[1] += 1
        model = f" ({contrib.model_id})" if contrib.model_id else ""
        conversation = f", conversation {contrib.use.session}" if contrib.use.session else ""
        self.labels.setdefault(key, f"{tool_name or 'unnamed tool'}{model}{conversation}")


# -- where records live ------------------------------------------------------------------


def read_agent_traces(repo: Repo) -> dict[str, list[bytes]]:
    """Agent Trace records attached as notes under refs/notes/agent-trace, by commit id.

    The spec leaves storage to implementations. Writers that anchor a record to a commit
    attach it as a note there (remote copies under refs/notes/remotes/*/agent-trace are read
    too): `for-each-ref`, then `rev-parse` and `notes list` per ref, then one
    `cat-file --batch`, however long the history.

    The reference hook's `.agent-trace/traces.jsonl` is not read: it is written at edit
    time, is git-ignored, and records the HEAD *before* the commit that will carry the
    lines, so keyed by its revision it would label the parent's lines.
    """
    return read_notes(repo, AGENT_TRACE_NOTES)


def read_gitai_notes(repo: Repo) -> dict[str, list[bytes]]:
    """Every Git AI authorship log, by commit id: notes under refs/notes/ai (and remote
    copies), plus the pre-1.0 blobs at refs/ai/authorship/<sha> that Git AI no longer reads
    but old histories still carry. One commit can have both; each distinct blob once."""
    notes = read_notes(repo, GITAI_NOTES)
    for commit, blob in read_ref_blobs(repo, LEGACY_AUTHORSHIP).items():
        blobs = notes.setdefault(commit, [])
        if blob not in blobs:
            blobs.append(blob)
    return notes


def legacy_gitai_notes(repo: Repo, commits: Iterable[str]) -> dict[str, list[bytes]]:
    """The pre-1.0 refs/ai/authorship/<sha> blobs of a few commits (one `cat-file --batch`)."""
    refs = {f"{LEGACY_AUTHORSHIP}{c}": c for c in commits}
    return {refs[ref]: [blob] for ref, blob in cat_blobs(repo, refs).items()}
