"""Signoff's own git note, `signoff/provenance/v1`: writing one and reading every one on a commit.

A note is compact one-line JSON ending in a newline. That shape is what lets git's note plumbing
carry it unharmed: `notes.rewriteMode=concatenate` (amend, rebase, squash) stacks the documents of
the rewritten commits, and the `cat_sort_uniq` merge of two clones' notes sorts *lines*, so a
document that fits on one line survives both. The reader therefore expects several documents per
note, one per line or separated by blank lines, and reads every one of them.

`build_note` runs inside the commit hooks, so this module imports only the standard library at the
top (and not `json`, whose import of `re` costs as much as the rest of the hook); the reader pulls
in the record model lazily.
"""

from __future__ import annotations

import time

from signoff import __version__

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (15 ms in a hook)
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any, Protocol

    from signoff.provenance.model import LineRecord, Marker, NoteReading, ToolUse

    class ToolLike(Protocol):
        @property
        def tool(self) -> str: ...
        @property
        def model(self) -> str | None: ...
        @property
        def session(self) -> str | None: ...

    class PersonLike(Protocol):
        @property
        def name(self) -> str: ...
        @property
        def email(self) -> str: ...


SCHEMA = "signoff/provenance/v1"
NOTES_REF = "refs/notes/signoff"
NOTE_STATUSES = ("ai", "human", "mixed", "unknown")
RECORDERS = ("hook", "cli")
DETECTION_SOURCES = ("env", "flag", "SIGNOFF_AI", "config", "trailer")

# A line span in `build_note(files=...)`: (start, end, index into tools or None for a human).
Span = tuple[int, int, int | None]


# -- writing ------------------------------------------------------------------------------------


def build_note(
    *,
    status: str,
    tools: Sequence[ToolLike],
    accepted_by: PersonLike | None,
    recorded_by: str,
    detection: Mapping[str, str] | None = None,
    files: Mapping[str, Sequence[Span]] | None = None,
    commit: str | None = None,
) -> bytes:
    """One `signoff/provenance/v1` document as a single JSON line plus a newline."""
    if status not in NOTE_STATUSES:
        raise ValueError(f"status must be one of {', '.join(NOTE_STATUSES)}, not {status!r}")
    if recorded_by not in RECORDERS:
        raise ValueError(f"recorded_by must be 'hook' or 'cli', not {recorded_by!r}")
    doc: dict[str, object] = {
        "schema": SCHEMA,
        "commit": commit,
        "status": status,
        "tools": [{"tool": t.tool, "model": t.model, "session": t.session} for t in tools],
        "accepted_by": (
            {"name": accepted_by.name, "email": accepted_by.email} if accepted_by else None
        ),
        "recorded_by": recorded_by,
        "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "signoff_version": __version__,
    }
    if detection is not None:
        if detection.get("source") not in DETECTION_SOURCES:
            raise ValueError(f"detection source must be one of {', '.join(DETECTION_SOURCES)}")
        doc["detection"] = {"source": detection["source"], "evidence": detection.get("evidence")}
    if files:
        doc["files"] = {path: _spans(path, spans, len(tools)) for path, spans in files.items()}
    return (_dumps(doc) + "\n").encode("utf-8", "replace")


def _spans(path: str, spans: Sequence[Span], ntools: int) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for start, end, tool in spans:
        if start < 1 or end < start:
            raise ValueError(f"{path}: line range {start}-{end} is not 1-based and inclusive")
        if tool is not None and not 0 <= tool < ntools:
            raise ValueError(f"{path}: tool index {tool} names no entry in tools")
        author = "human" if tool is None else "ai"
        out.append({"start": start, "end": end, "author": author, "tool": tool})
    return out


def _dumps(value: object) -> str:
    """Compact JSON for the plain values a note holds (dict, list, str, int, bool, None)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{_quote(str(k))}:{_dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_dumps(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} into a note")


def _quote(text: str) -> str:
    return _encode_string(text.encode("utf-8", "replace").decode("utf-8"))


try:  # the C helper json.encoder itself uses; importing it costs nothing
    from _json import encode_basestring as _encode_string
except ImportError:  # pragma: no cover - other Python implementations
    from json.encoder import py_encode_basestring as _encode_string


# -- reading ------------------------------------------------------------------------------------

# A garbage blob can fail on every line; the first few problems tell the story.
MAX_PROBLEMS = 12


def split_documents(blob: bytes) -> tuple[list[Any], list[str]]:
    """Every JSON document in one note blob, and a sentence for each stretch that is not one.

    Documents may follow each other on separate lines, with or without blank lines between them
    (git's `concatenate` rewrite mode) or sorted line by line (`cat_sort_uniq`). One pass over
    the text however much of it is garbage, and at most `MAX_PROBLEMS` lines named.
    """
    import json

    from signoff.jsonsafe import decode_at

    docs: list[Any] = []
    problems: list[str] = []
    text = blob.decode("utf-8", "replace")
    if "\x00" in text or "\ufffd" in text:
        problems.append("some bytes are not UTF-8 text and were replaced")
        text = text.replace("\x00", "\ufffd")
    pos, end = 0, len(text)
    line, counted = 1, 0  # line number of `pos`, counted incrementally
    skipped = spans = 0
    while pos < end:
        while pos < end and text[pos] in " \t\r\n":
            pos += 1
        if pos >= end:
            break
        line += text.count("\n", counted, pos)
        counted = pos
        nl = text.find("\n", pos)
        stop = end if nl < 0 else nl
        # Signoff writes one document per line: decode the line alone, so a failure costs the
        # line (a JSON error counts lines from the start of the string it was given). Only a
        # document cut short by the line's end is retried across lines, a bounded number of
        # times: hand-formatted notes span lines, a million lines of garbage must not.
        try:
            doc, used = decode_at(text[pos:stop])
            docs.append(doc)
            pos += used
            continue
        except json.JSONDecodeError as exc:
            error = exc.msg
            if exc.pos >= stop - pos - 1 and spans < MAX_PROBLEMS:
                spans += 1
                try:
                    doc, pos = decode_at(text, pos)
                    docs.append(doc)
                    continue
                except json.JSONDecodeError:
                    pass
        if len(problems) < MAX_PROBLEMS:
            problems.append(f"line {line} is not JSON ({error}); that line is ignored")
        else:
            skipped += 1
        pos = stop + 1
    if skipped:
        problems.append(f"{skipped} more lines are not JSON and were ignored")
    return docs, problems


def parse_signoff_notes(blobs: Sequence[bytes], commit: str) -> NoteReading:
    """What Signoff's notes on `commit` declare: markers, tools, accepter, line ranges.

    A corrupt note never raises: each fault becomes one sentence in `problems`, and every
    readable document is still used.
    """
    import json

    from signoff.provenance.model import NoteReading

    reading = NoteReading()
    seen: set[str] = set()
    latest: tuple[str, Any] | None = None
    where = f"Signoff note on {commit[:12]}"
    for blob in blobs:
        docs, problems = split_documents(blob)
        reading.problems += [f"{where}: {p}" for p in problems]
        for doc in docs:
            key = json.dumps(doc, sort_keys=True, default=str)
            if key in seen:
                continue
            seen.add(key)
            accepted = _read_document(doc, reading, where)
            if accepted is not None:
                stamp = doc.get("recorded_at") if isinstance(doc.get("recorded_at"), str) else ""
                if latest is None or stamp >= latest[0]:
                    latest = (stamp, accepted)
    if latest is not None:
        reading.accepted_by = latest[1]
    return reading


def _read_document(doc: Any, reading: NoteReading, where: str) -> Any:
    """Add one document's markers, tools and line ranges to `reading`; returns its accepter."""
    from signoff.provenance.model import ToolUse

    if not isinstance(doc, dict):
        reading.problems.append(f"{where}: a document is {_kind(doc)}, not an object; ignored")
        return None
    schema = doc.get("schema")
    if schema != SCHEMA:
        what = f"schema {schema!r}" if isinstance(schema, str) else "no schema field"
        reading.problems.append(f"{where}: a document has {what}, not {SCHEMA!r}; ignored")
        return None
    status = doc.get("status")
    if status not in NOTE_STATUSES:
        reading.problems.append(
            f"{where}: status {status!r} is not ai, human, mixed or unknown; document ignored"
        )
        return None
    tools = _read_tools(doc.get("tools"), reading, where)
    recorded_by = doc.get("recorded_by")
    source = "hook" if recorded_by == "hook" else "note"
    detection = doc.get("detection")
    how = ""
    if isinstance(detection, dict) and isinstance(detection.get("evidence"), str):
        how = f", detected by {detection['evidence']}"
    if status in ("ai", "mixed"):
        for tool in tools or [ToolUse("unspecified")]:
            reading.markers.append(_marker("ai", tool, source, status, how))
        reading.tools += tools
    elif status == "human":
        reading.markers.append(_marker("human", None, source, status, how))
    if "files" in doc:
        record = _read_files(doc["files"], tools, reading, where)
        if record is not None:
            reading.line_records.append(record)
    if status == "unknown":
        return None
    return _read_person(doc.get("accepted_by"), reading, where)


def _marker(kind: str, tool: ToolUse | None, source: str, status: str, how: str) -> Marker:
    from signoff.provenance.model import Marker

    if tool is None:
        evidence = f"signoff note: status human{how}"
    else:
        named = tool.tool + (f"/{tool.model}" if tool.model else "")
        evidence = f"signoff note: status {status}, {named}{how}"
    return Marker(
        detector="signoff.note",
        kind=kind,  # type: ignore[arg-type]
        tool=tool.tool if tool else None,
        source=source,  # type: ignore[arg-type]
        confidence="strong",
        evidence=evidence,
        model=tool.model if tool else None,
        session=tool.session if tool else None,
    )


def _read_tools(value: Any, reading: NoteReading, where: str) -> list[ToolUse]:
    from signoff.provenance.model import ToolUse

    if value is None:
        return []
    if not isinstance(value, list):
        reading.problems.append(f"{where}: tools is {_kind(value)}, not a list; ignored")
        return []
    tools: list[ToolUse] = []
    for entry in value:
        name = entry.get("tool") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name.strip():
            reading.problems.append(f"{where}: a tools entry has no tool name; ignored")
            continue
        model, session = entry.get("model"), entry.get("session")
        tools.append(
            ToolUse(
                name.strip(),
                model if isinstance(model, str) and model else None,
                session if isinstance(session, str) and session else None,
            )
        )
    return tools


def _read_person(value: Any, reading: NoteReading, where: str) -> Any:
    from signoff.git.log import Person

    if value is None:
        return None
    name = value.get("name") if isinstance(value, dict) else None
    email = value.get("email") if isinstance(value, dict) else None
    if not isinstance(name, str) or not name.strip() or not isinstance(email, (str, type(None))):
        reading.problems.append(f"{where}: accepted_by is not {{name, email}}; ignored")
        return None
    return Person(name.strip(), (email or "").strip())


def _read_files(
    value: Any, tools: list[ToolUse], reading: NoteReading, where: str
) -> LineRecord | None:
    from signoff.provenance.model import LineRecord, LineSpan, ToolUse

    if not isinstance(value, dict):
        reading.problems.append(f"{where}: files is {_kind(value)}, not an object; ignored")
        return None
    files: dict[str, tuple[LineSpan, ...]] = {}
    for path, spans in value.items():
        if not isinstance(spans, list):
            reading.problems.append(f"{where}: ranges for {path!r} are not a list; ignored")
            continue
        kept: list[LineSpan] = []
        for span in spans:
            if not isinstance(span, dict):
                reading.problems.append(f"{where}: a range in {path!r} is not an object; ignored")
                continue
            start: Any = span.get("start")
            end: Any = span.get("end")
            if not _line(start) or not _line(end) or end < start:
                reading.problems.append(
                    f"{where}: a range in {path!r} is not 1-based and inclusive; ignored"
                )
                continue
            if span.get("author") == "human":
                kept.append(LineSpan(start, end, None))
                continue
            if span.get("author") != "ai":
                reading.problems.append(f"{where}: a range in {path!r} names no author; ignored")
                continue
            index: Any = span.get("tool")
            if _index(index, len(tools)):
                tool = tools[index]
            elif len(tools) == 1 and index is None:
                tool = tools[0]
            else:
                reading.problems.append(
                    f"{where}: an AI range in {path!r} points at no listed tool; "
                    "kept as unspecified"
                )
                tool = ToolUse("unspecified")
            kept.append(LineSpan(start, end, tool))
        if kept:
            files[path] = tuple(sorted(kept, key=lambda s: s.start))
    return LineRecord(source="signoff", files=files) if files else None


def _line(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _index(value: Any, size: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < size


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number" if isinstance(value, (int, float)) else "unknown")
