"""Agent Trace records out of, and into, Signoff's line records.

`export_agent_trace` writes what a commit's line records say as Agent Trace records (spec 0.1.0:
`version`, `id`, `timestamp`, `vcs`, `tool`, `files[].conversations[]` with a `contributor` and
1-based inclusive `ranges`, `metadata`). One record per tool use (tool and session), because a
record names one tool and the session travels as `metadata.session_id`; human and unknown
lines go into the first record. Kinds map onto contributor types:

| Signoff | Agent Trace |
| --- | --- |
| `ai` | `ai` (with `model_id`) |
| `ai-modified` | `mixed` ("human-edited AI output") |
| `human` | `human` |
| `unknown` | `unknown` |

`import_agent_trace` reads records back (one record, a JSON array, or JSON lines) into a
revision-2 Signoff note on the commit each record's `vcs.revision` names, with `derived.method`
`import`; `mixed` comes back as `ai-modified`. Ranges are checked against the file as of that
commit and get Signoff's range hash. Overlapping claims resolve as the foreign reader resolves
them: ai over mixed over unknown over human, the later one among equals.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from signoff import __version__
from signoff.errors import SignoffError
from signoff.git.repo import Repo
from signoff.provenance.capture import merged_spans, uncovered
from signoff.provenance.model import LineSpan, Provenance, ToolUse

SPEC_VERSION = "0.1.0"
TO_TRACE = {"ai": "ai", "ai-modified": "mixed", "human": "human", "unknown": "unknown"}
FROM_TRACE = {v: k for k, v in TO_TRACE.items()}
# the foreign reader's order of claims: AI over mixed over unknown over human
_RANK = {"ai": 3, "ai-modified": 2, "unknown": 1, "human": 0}
_NAMESPACE = uuid.UUID("5b1f0c2e-8c0d-4f57-9a39-6f0a7c3e51d2")


# -- export -------------------------------------------------------------------------------


def export_agent_trace(repo: Repo, rev: str, *, use_index: bool = True) -> list[dict[str, Any]]:
    """Agent Trace records of the line records of commit `rev` (one per tool use)."""
    from signoff.git.log import read_commit
    from signoff.query.lookup import ProvenanceLookup

    sha = repo.require_commit(rev)
    with ProvenanceLookup(repo, use_index=use_index) as lookup:
        prov = lookup.get(sha)
    spans = merged_spans(prov)
    if not spans:
        raise SignoffError(
            f"commit {sha[:12]} has no line record: there are no lines to export",
            "a commit-level marker says an AI helped, not which lines; "
            "record lines with an agent's hooks, or export a commit that has a line record",
        )
    when = read_commit(repo, sha).commit_date
    return trace_records(prov, spans, _utc(when))


def trace_records(
    prov: Provenance, spans: dict[str, list[LineSpan]], timestamp: str
) -> list[dict[str, Any]]:
    """The records for `spans` (merged, one answer per line) of one commit."""
    groups: dict[ToolUse | None, dict[str, list[LineSpan]]] = {}
    for path, items in spans.items():
        for span in items:
            use = span.tool if span.ai_written else None
            groups.setdefault(use, {}).setdefault(path, []).append(span)
    uses: list[ToolUse | None] = [u for u in groups if u is not None]
    uses = uses or [None]
    records = []
    for n, use in enumerate(uses):
        files = dict(groups.get(use, {}))
        if n == 0 and use is not None:  # human and unknown lines ride in the first record
            for path, items in groups.get(None, {}).items():
                files.setdefault(path, []).extend(items)
        records.append(_record(prov, use, files, timestamp))
    return records


def _record(
    prov: Provenance, use: ToolUse | None, files: dict[str, list[LineSpan]], timestamp: str
) -> dict[str, Any]:
    out_files = []
    for path in sorted(files):
        conversations: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
        for span in sorted(files[path], key=lambda s: s.start):
            kind = TO_TRACE[span.author]
            model = span.tool.model if span.tool and span.ai_written else None
            entry: dict[str, Any] = {"start_line": span.start, "end_line": span.end}
            if span.hash:
                entry["content_hash"] = f"signoff-sha256-16:{span.hash}"
            conversations.setdefault((kind, model), []).append(entry)
        out_files.append(
            {
                "path": path,
                "conversations": [
                    {
                        "contributor": {"type": kind, **({"model_id": model} if model else {})},
                        "ranges": ranges,
                    }
                    for (kind, model), ranges in conversations.items()
                ],
            }
        )
    gaps = [g for r in prov.line_records for g in r.gaps]
    metadata: dict[str, Any] = {
        "dev.signoff": {
            "sources": list(dict.fromkeys(r.source for r in prov.line_records)),
            "complete": all(r.complete for r in prov.line_records),
            "gaps": gaps,
            "signoff_version": __version__,
        }
    }
    if use is not None and use.session:
        metadata["session_id"] = use.session
    body = {
        "version": SPEC_VERSION,
        "timestamp": timestamp,
        "vcs": {"type": "git", "revision": prov.commit},
        "tool": {"name": use.tool if use else "signoff"},
        "files": out_files,
        "metadata": metadata,
    }
    from signoff.provenance.notes import compact_json

    # the same content gives the same id: exporting twice writes the same record
    body_id = str(uuid.uuid5(_NAMESPACE, compact_json({**body, "metadata": None})))
    return {
        "version": SPEC_VERSION,
        "id": body_id,
        **{k: v for k, v in body.items() if k != "version"},
    }


def _utc(date: str) -> str:
    """A git ISO 8601 date as RFC 3339 UTC (`...Z`), as the spec's schema asks."""
    parsed = datetime.fromisoformat(date.replace("Z", "+00:00"))
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- import -------------------------------------------------------------------------------


@dataclass(slots=True)
class _Claim:
    path: str
    start: int
    end: int
    kind: str
    use: ToolUse | None
    order: int


@dataclass(slots=True)
class Imported:
    """What one import wrote on one commit, and what it skipped."""

    commit: str
    kinds: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"commit": self.commit, "line_kinds": self.kinds, "problems": self.problems}


def read_trace_file(data: bytes, name: str) -> list[Any]:
    """The records of a file: one JSON record, a JSON array of them, or JSON lines."""
    from signoff import jsonsafe

    try:
        value = jsonsafe.loads(data)
        return value if isinstance(value, list) else [value]
    except jsonsafe.JsonProblem as whole:
        lines = [line for line in data.split(b"\n") if line.strip()]
        if len(lines) < 2:
            raise SignoffError(
                f"{name} is not an Agent Trace record: {whole}",
                "give a file holding one JSON record, a JSON array of records, or JSON lines",
            ) from None
        out = []
        for number, line in enumerate(lines, 1):
            try:
                out.append(jsonsafe.loads(line))
            except jsonsafe.JsonProblem as exc:
                raise SignoffError(
                    f"{name} line {number} is not JSON: {exc}",
                    "fix or remove that line (JSON lines hold one record per line)",
                ) from None
        return out


def import_agent_trace(repo: Repo, records: Iterable[Any], name: str) -> list[Imported]:
    """Write each commit's records as one revision-2 Signoff note (`derived.method: import`)."""
    from signoff.provenance.foreign import (
        AGENT_TRACE_PSEUDO_PATHS,
        _trace_path,
        tool_id,
        trace_model,
        trace_session,
    )

    per_commit: dict[str, list[_Claim]] = {}
    problems: dict[str, list[str]] = {}
    order = 0
    for number, record in enumerate(records, 1):
        where = f"{name} record {number}"
        if not isinstance(record, dict):
            raise SignoffError(f"{where} is not a JSON object", "give Agent Trace records")
        sha = _anchor(repo, record, where)
        claims = per_commit.setdefault(sha, [])
        notes = problems.setdefault(sha, [])
        tool = _object(record.get("tool"))
        tool_name = _text(tool.get("name"))
        metadata = _object(record.get("metadata"))
        default_session = _text(metadata.get("conversation_id")) or _text(
            metadata.get("session_id")
        )
        files = record.get("files")
        if not isinstance(files, list):
            raise SignoffError(f"{where} has no files list", "give Agent Trace records")
        for entry in files:
            path, why = _trace_path(entry.get("path") if isinstance(entry, dict) else None)
            if path is None:
                notes.append(f"{where}: {why}; skipped")
                continue
            if path in AGENT_TRACE_PSEUDO_PATHS:
                continue
            for conv in entry.get("conversations") or []:
                if not isinstance(conv, dict):
                    continue
                session = trace_session(conv.get("url")) or default_session
                outer = conv.get("contributor")
                for item in conv.get("ranges") or []:
                    if not isinstance(item, dict):
                        continue
                    start, end = _line(item.get("start_line")), _line(item.get("end_line"))
                    if start is None or end is None or start > end:
                        notes.append(f"{where}: a range in {path} is not 1-based; skipped")
                        continue
                    who = item.get("contributor") or outer
                    kind_name = who.get("type") if isinstance(who, dict) else None
                    kind = FROM_TRACE.get(str(kind_name).lower(), "unknown")
                    use = None
                    if kind in ("ai", "ai-modified"):
                        model = who.get("model_id") if isinstance(who, dict) else None
                        use = ToolUse(
                            tool_id(tool_name),
                            trace_model(model if isinstance(model, str) else None),
                            session,
                        )
                    order += 1
                    claims.append(_Claim(path, start, end, kind, use, order))
    return [_write(repo, sha, claims, problems[sha]) for sha, claims in per_commit.items()]


def _anchor(repo: Repo, record: dict[str, Any], where: str) -> str:
    """The commit a record's `vcs` names (the record's line numbers refer to it)."""
    vcs = record.get("vcs")
    revision = vcs.get("revision") if isinstance(vcs, dict) else None
    if not isinstance(vcs, dict) or str(vcs.get("type", "")).lower() != "git" or not revision:
        raise SignoffError(
            f"{where} names no git revision (vcs.type git, vcs.revision)",
            "Signoff imports records tied to a git commit: their line numbers refer to it",
        )
    sha = repo.resolve(str(revision))
    if sha is None or not sha.startswith(str(revision).lower()):
        raise SignoffError(
            f"{where} describes commit {str(revision)[:16]}, which this repository does not have",
            "fetch that commit first, or import in the clone that has it",
        )
    return sha


def _write(repo: Repo, sha: str, claims: list[_Claim], problems: list[str]) -> Imported:
    from signoff.git.notes import write_note
    from signoff.provenance.notes import NOTES_REF, build_note, range_hash

    result = Imported(sha, problems=problems)
    lines_of: dict[str, list[str]] = {}
    spans: dict[str, list[tuple[int, int, _Claim]]] = {}
    taken: dict[str, list[tuple[int, int]]] = {}
    for claim in sorted(claims, key=lambda c: (-_RANK[c.kind], -c.order)):
        if claim.path not in lines_of:
            data = repo.run("show", f"{sha}:{claim.path}", check=False)
            lines_of[claim.path] = data.decode("utf-8", "surrogateescape").splitlines()
        count = len(lines_of[claim.path])
        if claim.end > count:
            problems.append(
                f"{claim.path} has {count} lines at {sha[:12]}; range {claim.start}-{claim.end} "
                "skipped"
            )
            continue
        covered = taken.setdefault(claim.path, [])
        for a, b in uncovered(covered, claim.start, claim.end):
            spans.setdefault(claim.path, []).append((a, b, claim))
            covered.append((a, b))
    tools: list[ToolUse] = []
    files: dict[str, list[tuple[int, int, int | None, str, str | None]]] = {}
    for path, items in spans.items():
        for a, b, claim in sorted(items, key=lambda t: t[0]):
            index = None
            if claim.use is not None:
                if claim.use not in tools:
                    tools.append(claim.use)
                index = tools.index(claim.use)
            digest = range_hash(lines_of[path][a - 1 : b])
            files.setdefault(path, []).append((a, b, index, claim.kind, digest))
            result.kinds[claim.kind] = result.kinds.get(claim.kind, 0) + b - a + 1
    if not files:
        problems.append("no range could be imported; nothing written")
        return result
    ai = result.kinds.get("ai", 0) + result.kinds.get("ai-modified", 0)
    human = result.kinds.get("human", 0)
    status = "mixed" if ai and human else "ai" if ai else "human" if human else "unknown"
    blob = build_note(
        status=status,
        tools=tools,
        accepted_by=None,
        recorded_by="cli",
        files=files,  # type: ignore[arg-type]
        commit=sha,
        derived={"method": "import", "from": []},
    )
    write_note(repo, NOTES_REF, sha, blob, append=True)
    return result


def _line(value: Any) -> int | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
    return value if ok else None


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
