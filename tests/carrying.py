"""Helpers for tests of carried line records: write a record, read back what a commit says."""

from __future__ import annotations

from signoff.git.notes import read_notes
from signoff.git.repo import Repo
from signoff.provenance.model import ToolUse
from signoff.provenance.notes import build_note, parse_signoff_notes, range_hash
from signoff.recording.carry import blob_lines
from tests.gitrepo import GitRepo

CLAUDE = ToolUse("claude-code", "opus", "s-1")
CODEX = ToolUse("codex", None, "t-2")


def record(
    repo: GitRepo,
    rev: str,
    files: dict[str, list[tuple[int, int, str]]],
    *,
    tools: tuple[ToolUse, ...] = (CLAUDE,),
    tool_of: dict[str, int] | None = None,
    ref: str = "refs/notes/signoff",
) -> str:
    """Append a revision-2 line record to `rev`: ranges (start, end, kind) per path, hashed
    from the committed file; AI kinds name `tools[0]` (or `tool_of[path]`)."""
    sha = repo.git("rev-parse", rev).strip()
    spans: dict[str, list[tuple[int, int, int | None, str, str | None]]] = {}
    for path, ranges in files.items():
        lines = blob_lines(repo.git("show", f"{sha}:{path}").encode())
        index = (tool_of or {}).get(path, 0)
        spans[path] = [
            (a, b, index if kind in ("ai", "ai-modified") else None, kind,
             range_hash(lines[a - 1 : b]))
            for a, b, kind in ranges
        ]  # fmt: skip
    note = build_note(
        status="ai",
        tools=list(tools),
        accepted_by=None,
        recorded_by="hook",
        files=spans,
        commit=sha,
        line_record={"complete": True, "reason": None},
    )
    repo.git("notes", f"--ref={ref}", "append", "-F", "-", sha, input=note)
    return sha


def ranges(
    repo: GitRepo, rev: str = "HEAD", *, foreign: bool = False
) -> dict[str, list[tuple[int, int, str, str | None]]]:
    """The line record a reader sees on `rev`: (start, end, kind, tool) per path. Only records
    made for `rev` itself count here (a copy git made of a predecessor's does not). `foreign`:
    lines another tool wrote in the note are expected (and ignored by the reader)."""
    sha = repo.git("rev-parse", rev).strip()
    blobs = read_notes(Repo(repo.path), "signoff").get(sha, [])
    reading = parse_signoff_notes(blobs, sha)
    assert [p for p in reading.problems if not (foreign and "not JSON" in p)] == []
    out: dict[str, list[tuple[int, int, str, str | None]]] = {}
    for rec in reading.line_records:
        if rec.derivation and "not re-mapped" in rec.derivation:
            continue
        for path, spans in rec.files.items():
            out[path] = [(s.start, s.end, s.author, s.tool.tool if s.tool else None) for s in spans]
    return out


def own_documents(repo: GitRepo, rev: str = "HEAD") -> list[dict[str, object]]:
    import json

    sha = repo.git("rev-parse", rev).strip()
    docs = []
    for blob in read_notes(Repo(repo.path), "signoff").get(sha, []):
        for line in blob.decode().splitlines():
            if line.strip():
                doc = json.loads(line)
                if doc.get("commit") == sha:
                    docs.append(doc)
    return docs


def lines(n: int, prefix: str = "line") -> str:
    return "".join(f"{prefix} {i}\n" for i in range(1, n + 1))
