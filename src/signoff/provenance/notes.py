"""Signoff's own git note, `signoff/provenance/v1`: writing one and reading every one on a commit.

A note is compact one-line JSON ending in a newline. That shape is what lets git's note plumbing
carry it unharmed: a rewrite (amend, rebase, squash) stacks the documents of the rewritten commits
after a blank line (the post-rewrite hook, or git's `notes.rewriteMode=concatenate`), and the `cat_sort_uniq` merge of two clones' notes sorts *lines*, so a
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

    from signoff.provenance.model import LineRecord, LineSpan, Marker, NoteReading, ToolUse

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
# Format revision within v1. Revision 2 adds the line kinds `ai-modified` and `unknown`, a content
# hash per range, `line_record` (was the record complete) and `derived` (a record carried over a
# rewrite). A revision-1 reader skips what it does not know, so the schema name stays v1.
REVISION = 2
NOTES_REF = "refs/notes/signoff"
NOTE_STATUSES = ("ai", "human", "mixed", "unknown")
RECORDERS = ("hook", "cli")
DETECTION_SOURCES = ("env", "flag", "SIGNOFF_AI", "config", "trailer", "capture")
# The line kinds of `signoff.provenance.model.LINE_KINDS`, repeated here to keep the hooks light.
LINE_AUTHORS = ("ai", "ai-modified", "human", "unknown")
AI_AUTHORS = ("ai", "ai-modified")
# How a carried record was derived (`derived.method`).
DERIVATIONS = ("amend", "rebase", "cherry-pick", "squash", "reattach", "reset", "import")

# A line span in `build_note(files=...)`: (start, end, tool index or None) where a tool means
# `ai` and None `human`; or (start, end, tool index or None, author, content hash or None).
Span = tuple[int, int, int | None] | tuple[int, int, int | None, str, str | None]


def range_hash(lines: Sequence[str]) -> str:
    """The content hash of a range: 16 hex digits of SHA-256 over its lines joined by newlines.

    Lines are given without their line endings, so a CRLF checkout hashes like an LF one. It is
    what lets a record be matched to the same lines after a forge rewrote the commit.
    """
    digest: str = _sha256("\n".join(lines).encode("utf-8", "surrogateescape")).hexdigest()
    return digest[:16]


def _sha256(data: bytes) -> Any:
    """hashlib's SHA-256 without importing hashlib (and OpenSSL): the commit hook hashes ranges.

    Found once: a failed import is not cached, and searching sys.path again for every range
    cost the commit hook 12 ms on a 60-range commit."""
    global _sha256_new
    if _sha256_new is None:
        try:
            from _sha2 import sha256  # type: ignore[import-not-found,unused-ignore]  # 3.12+
        except ImportError:
            try:
                from _sha256 import sha256  # type: ignore[import-not-found,no-redef,unused-ignore]
            except ImportError:  # pragma: no cover - a build without the builtin module
                from hashlib import sha256  # type: ignore[assignment,unused-ignore]
        _sha256_new = sha256
    return _sha256_new(data)


_sha256_new: Any = None


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
    line_record: Mapping[str, object] | None = None,
    derived: Mapping[str, object] | None = None,
) -> bytes:
    """One `signoff/provenance/v1` document as a single JSON line plus a newline.

    `line_record` says whether the line record in `files` is complete:
    `{"complete": bool, "reason": str | None, ...}` (further counts are kept as given).
    `derived` says a record was carried from other commits: `{"method": one of DERIVATIONS,
    "from": [commit ids]}`.
    """
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
        "revision": REVISION,
    }
    if detection is not None:
        if detection.get("source") not in DETECTION_SOURCES:
            raise ValueError(f"detection source must be one of {', '.join(DETECTION_SOURCES)}")
        doc["detection"] = {"source": detection["source"], "evidence": detection.get("evidence")}
    if files:
        doc["files"] = {path: _spans(path, spans, len(tools)) for path, spans in files.items()}
    if line_record is not None:
        if not isinstance(line_record.get("complete"), bool):
            raise ValueError("line_record needs complete: true or false")
        doc["line_record"] = dict(line_record)
    if derived is not None:
        if derived.get("method") not in DERIVATIONS:
            raise ValueError(f"derived method must be one of {', '.join(DERIVATIONS)}")
        doc["derived"] = {"method": derived["method"], "from": list(derived.get("from") or ())}  # type: ignore[call-overload]
    return (compact_json(doc) + "\n").encode("utf-8", "replace")


def _spans(path: str, spans: Sequence[Span], ntools: int) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for span in spans:
        start, end, tool = span[0], span[1], span[2]
        author = span[3] if len(span) > 3 else ("human" if tool is None else "ai")  # type: ignore[misc]
        digest = span[4] if len(span) > 4 else None  # type: ignore[misc]
        if start < 1 or end < start:
            raise ValueError(f"{path}: line range {start}-{end} is not 1-based and inclusive")
        if author not in LINE_AUTHORS:
            raise ValueError(f"{path}: author must be one of {', '.join(LINE_AUTHORS)}")
        if (author in AI_AUTHORS) != (tool is not None):
            raise ValueError(
                f"{path}: {author} lines {start}-{end} need a tool index exactly when AI wrote them"
            )
        if tool is not None and not 0 <= tool < ntools:
            raise ValueError(f"{path}: tool index {tool} names no entry in tools")
        entry: dict[str, object] = {"start": start, "end": end, "author": author, "tool": tool}
        if digest:
            entry["hash"] = digest
        out.append(entry)
    return out


def compact_json(value: object) -> str:
    """Compact JSON for plain values (dict, list, str, int, finite float, bool, None).

    The hooks use it instead of `json.dumps`, whose import costs as much as the rest of a hook.
    """
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value - value == 0:  # finite
        return repr(value)
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{_quote(str(k))}:{compact_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(compact_json(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} into a note")


def parse_compact(text: str) -> Any:
    """JSON read with the C scanner `json` itself uses, without importing `json` (whose import
    of `re` costs the commit hook more than reading its records does). Raises ValueError."""
    global _scanner
    if _scanner is None:
        try:
            from _json import make_scanner
        except ImportError:  # pragma: no cover - other Python implementations
            import json

            return json.loads(text)
        _scanner = make_scanner(_ScanContext())  # type: ignore[arg-type]
    at = _skip_space(text, 0)
    try:
        value, end = _scanner(text, at)
    except StopIteration:
        raise ValueError(f"no JSON value at character {at}") from None
    if _skip_space(text, end) != len(text):
        raise ValueError(f"extra data at character {end}")
    return value


class _ScanContext:
    """The settings `json.JSONDecoder` hands its C scanner, as plain attributes."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int

    @staticmethod
    def parse_constant(name: str) -> float:
        return float(name.replace("Infinity", "inf"))


_scanner: Any = None


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


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
    readable document is still used. Line ranges come from the documents recorded for `commit`
    itself, merged by range when there are several (two clones' records of one commit); only
    when there are none are the ranges of documents git copied from a rewritten predecessor
    used, and then the record says their line numbers were not re-mapped.
    """
    import json

    from signoff.provenance.model import NoteReading

    reading = NoteReading()
    seen: set[str] = set()
    latest: tuple[str, Any] | None = None
    own: list[tuple[str, LineRecord]] = []
    copied: list[tuple[str, LineRecord, str]] = []
    where = f"Signoff note on {commit[:12]}"
    framing: list[str] = []
    for blob in blobs:
        docs, problems = split_documents(blob)  # capped already, with a count
        framing += [f"{where}: {p}" for p in problems]
        for doc in docs:
            key = json.dumps(doc, sort_keys=True, default=str)
            if key in seen:
                continue
            seen.add(key)
            found = _read_document(doc, reading, where)
            if found is None:
                continue
            accepted, record = found
            stamp = doc.get("recorded_at") if isinstance(doc.get("recorded_at"), str) else ""
            if accepted is not None and (latest is None or stamp >= latest[0]):
                latest = (stamp, accepted)
            if record is not None:
                recorded_for = doc.get("commit")
                if not isinstance(recorded_for, str) or recorded_for == commit:
                    own.append((stamp, record))
                else:
                    copied.append((stamp, record, recorded_for))
    reading.problems = framing + _capped(reading.problems, where)
    if latest is not None:
        reading.accepted_by = latest[1]
    if own:
        reading.line_records.append(merge_records([r for _, r in sorted(own, key=_stamp)]))
    elif copied:
        merged = merge_records([r for _, r, _ in sorted(copied, key=_stamp)])
        sources = ", ".join(dict.fromkeys(c[:12] for _, _, c in copied))
        reading.line_records.append(
            _replace(
                merged,
                derivation=f"recorded on {sources} and copied by git when it was rewritten; "
                "line numbers not re-mapped",
                confidence="medium",
            )
        )
    return reading


def _capped(problems: list[str], where: str) -> list[str]:
    """Each problem once, at most `MAX_PROBLEMS` of them: a note of 200,000 bad ranges is a few
    sentences and a count, not 200,000 lines in every answer about its commit."""
    unique = list(dict.fromkeys(problems))
    if len(unique) <= MAX_PROBLEMS:
        return unique
    more = len(unique) - MAX_PROBLEMS
    return [*unique[:MAX_PROBLEMS], f"{where}: {more} more problems not shown"]


def _stamp(item: tuple[Any, ...]) -> str:
    return str(item[0])


def _replace(record: LineRecord, **changes: Any) -> LineRecord:
    import dataclasses

    return dataclasses.replace(record, **changes)


def merge_records(records: Sequence[LineRecord]) -> LineRecord:
    """Several records of one commit as one, merged by range; later records win overlaps.

    A later `unknown` range does not erase what an earlier record knew: it only fills lines no
    record covered. The result is complete only if every record was.
    """
    if len(records) == 1:
        return records[0]

    files: dict[str, list[LineSpan]] = {}
    for record in records:
        for path, spans in record.files.items():
            current = files.setdefault(path, [])
            for span in spans:
                current[:] = _overlay(current, span)
    first = records[0]
    gaps = tuple(dict.fromkeys(g for r in records for g in r.gaps))
    return _replace(
        first,
        files={p: tuple(sorted(v, key=lambda s: s.start)) for p, v in files.items() if v},
        complete=all(r.complete for r in records),
        gaps=gaps,
    )


def _overlay(spans: list[LineSpan], new: LineSpan) -> list[LineSpan]:
    """`spans` with `new` laid over them (or, for an unknown span, under them)."""
    if new.author == "unknown":
        pieces = [new]
        for old in spans:
            pieces = [p for piece in pieces for p in _cut(piece, old.start, old.end)]
        return spans + pieces
    out: list[LineSpan] = []
    for old in spans:
        out += _cut(old, new.start, new.end)
    out.append(new)
    return out


def _cut(span: LineSpan, start: int, end: int) -> list[LineSpan]:
    """The parts of `span` outside start..end (the hash covers the whole span: dropped on a cut)."""
    import dataclasses

    if span.end < start or span.start > end:
        return [span]
    parts = []
    if span.start < start:
        parts.append(dataclasses.replace(span, end=start - 1, hash=None))
    if span.end > end:
        parts.append(dataclasses.replace(span, start=end + 1, hash=None))
    return parts


def _read_document(
    doc: Any, reading: NoteReading, where: str
) -> tuple[Any, LineRecord | None] | None:
    """Add one document's markers and tools to `reading`; returns its accepter and line record."""
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
    record = None
    if "files" in doc:
        record = _read_files(doc["files"], tools, reading, where)
    if record is None and _incomplete(doc):
        # the recorder gave up before any range: an empty record keeps that from being silent
        from signoff.provenance.model import LineRecord

        record = LineRecord(source="signoff")
    if record is not None:
        record = _with_status(record, doc, reading, where)
    if status == "unknown":
        return None, record
    return _read_person(doc.get("accepted_by"), reading, where), record


def _incomplete(doc: dict[str, Any]) -> bool:
    status = doc.get("line_record")
    return isinstance(status, dict) and status.get("complete") is False


def _with_status(
    record: LineRecord, doc: dict[str, Any], reading: NoteReading, where: str
) -> LineRecord:
    """The record with what the document says of its completeness and derivation."""
    changes: dict[str, Any] = {}
    status = doc.get("line_record")
    if isinstance(status, dict) and status.get("complete") is False:
        reason = status.get("reason")
        changes["complete"] = False
        changes["gaps"] = (
            reason if isinstance(reason, str) and reason else "the recorder said it was incomplete",
        )
    elif status is not None and not isinstance(status, dict):
        reading.problems.append(f"{where}: line_record is {_kind(status)}, not an object; ignored")
    derived = doc.get("derived")
    if isinstance(derived, dict) and derived.get("method") in DERIVATIONS:
        sources = derived.get("from")
        names = [c[:12] for c in sources if isinstance(c, str)] if isinstance(sources, list) else []
        changes["derivation"] = (
            "imported from an Agent Trace record"
            if derived["method"] == "import"
            else f"carried over {derived['method']}"
            + (f" from {', '.join(names)}" if names else "")
            + " by content"
        )
        changes["confidence"] = "strong"
    elif derived is not None:
        reading.problems.append(f"{where}: derived names no known method; ignored")
    return _replace(record, **changes) if changes else record


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
            author = span.get("author")
            digest = span.get("hash") if isinstance(span.get("hash"), str) else None
            if author in ("human", "unknown"):
                kept.append(LineSpan(start, end, None, author, digest))
                continue
            if author not in AI_AUTHORS:
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
            kept.append(LineSpan(start, end, tool, author, digest))
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
