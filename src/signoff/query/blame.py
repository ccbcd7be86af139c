"""`signoff blame FILE`: git blame with provenance columns."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from signoff.errors import SignoffError
from signoff.git.blame import BlameRun
from signoff.git.repo import Repo
from signoff.provenance.model import LineKind, Provenance, ToolUse

if TYPE_CHECKING:
    from signoff.query.lookup import ProvenanceLookup


def check_blameable(
    repo: Repo, path: str, start: int | None, end: int | None, rev: str | None = None
) -> None:
    """Refuse, with a clear reason, what git blame would fail on or answer misleadingly."""
    if rev is None:
        target = repo.root / path
        if not target.is_file():
            raise SignoffError(f"{path} is not a file in the work tree", "give a tracked file path")
        data = target.read_bytes()
    else:
        data = repo.run("show", f"{rev}:{path}", check=False)
    if b"\x00" in data[:8000]:
        raise SignoffError(
            f"{path} is a binary file: it has no lines to attribute",
            "ask about the commits that changed it: "
            f"signoff explain $(git log -1 --format=%h -- {shlex.quote(path)})",
        )
    if not repo.is_tracked(path) and rev is None:
        raise SignoffError(f"{path} is not tracked by git", "commit it first, or check the path")
    if start is not None:
        count = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
        if start > count or (end or start) > count:
            raise SignoffError(
                f"{path} has {count} lines; line {end or start} does not exist",
                f"ask about lines 1-{count}",
            )


# What is known about one line. From a line record: "ai" (an AI-attributed line: the record's
# kind is `ai` or `ai-modified`, `LineAnswer.kind` says which), "human", or "unknown" (the commit
# has a record and it does not name the line, or names it `unknown`). From the commit alone:
# "ai-assisted-commit" (the commit is AI-assisted and has no line record: an AI helped, which
# lines is not known) or the commit's status ("human", "unknown", "automation").
AI_ATTRIBUTED = "ai"
AI_ASSISTED_COMMIT = "ai-assisted-commit"
# The lines an AI bar applies to (the gate, decay, incident labels): both, always reported apart.
AI_LINE_KINDS = (AI_ATTRIBUTED, AI_ASSISTED_COMMIT)


@dataclass(frozen=True, slots=True)
class LineAnswer:
    line: int
    content: str
    commit: str
    orig_path: str
    orig_line: int
    author: str  # see AI_ATTRIBUTED / AI_ASSISTED_COMMIT above
    tool: ToolUse | None
    line_source: str | None  # the line record that answered, or None (commit level)
    commit_status: str = "unknown"  # the commit-level status of the commit that added the line
    # what the line record says of the line: ai, ai-modified, human or unknown; None without one
    kind: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "content": self.content,
            "commit": self.commit,
            "orig_path": self.orig_path,
            "orig_line": self.orig_line,
            "author": self.author,
            "tool": self.tool.to_json() if self.tool else None,
            "line_source": self.line_source,
            "commit_status": self.commit_status,
            "line_kind": self.kind,
        }


def line_author(prov: Provenance, path: str, line: int) -> tuple[str, ToolUse | None, str | None]:
    """Map one line (as of the commit that introduced it) into that commit's line records.

    A commit-level marker says an AI helped with the commit, not which lines: without a record
    the line is `ai-assisted-commit`, never `ai`. A commit whose record does not name the line
    leaves it `unknown` (the record's source is still given: it was asked).
    """
    return line_attribution(prov, path, line)[:3]  # type: ignore[return-value]


def line_attribution(
    prov: Provenance, path: str, line: int, *, commit_fallback: bool = False
) -> tuple[str, ToolUse | None, str | None, LineKind | None]:
    """`line_author` and the record's own kind for the line (ai, ai-modified, human, unknown;
    None when no line record covers the commit).

    With `commit_fallback` (the gate), a line the record of an AI-assisted commit leaves
    unknown falls back to the commit level, `ai-assisted-commit`: an AI helped with the
    commit and the record cannot say the line is not its work.
    """
    for record in prov.line_records:
        span = record.span_for(path, line)
        if span is not None and span.author != "unknown":
            if span.ai_written:
                return AI_ATTRIBUTED, span.tool, record.source, span.author
            return "human", None, record.source, span.author
    if prov.line_records:
        source = "+".join(dict.fromkeys(r.source for r in prov.line_records))
        if commit_fallback and prov.ai_assisted:
            return AI_ASSISTED_COMMIT, prov.tools[0] if prov.tools else None, source, "unknown"
        return "unknown", None, source, "unknown"
    if prov.ai_assisted:
        return AI_ASSISTED_COMMIT, prov.tools[0] if prov.tools else None, None, None
    return prov.status, None, None, None


def blame_lines(
    repo: Repo,
    lookup: ProvenanceLookup,
    path: str,
    start: int | None,
    end: int | None,
    rev: str | None = None,
    *,
    running: BlameRun | None = None,
) -> list[LineAnswer]:
    """Blame `path` and attribute each line: line-level records first, commit level otherwise.

    `running` is a blame of the same lines already started (`blame_file` starts git first).
    """
    try:
        check_blameable(repo, path, start, end, rev)
    except SignoffError:
        if running:
            running.cancel()
        raise
    run = running or BlameRun(repo, path, rev=rev, start=start, end=end)
    lines, _ = run.result()
    provs = lookup.many(line.commit for line in lines if not line.commit.startswith("0000000"))
    answers = []
    for line in lines:
        prov = provs.get(line.commit)
        if prov is None:  # not committed yet
            author, tool, source, kind = "uncommitted", None, None, None
            status = "uncommitted"
        else:
            author, tool, source, kind = line_attribution(prov, line.orig_path, line.orig_line)
            status = prov.status
        answers.append(
            LineAnswer(
                line.line,
                line.content,
                line.commit,
                line.orig_path,
                line.orig_line,
                author,
                tool,
                source,
                status,
                kind,
            )
        )
    return answers


def blame_file(
    repo: Repo, path: str, *, rev: str | None = None, use_index: bool = True
) -> list[LineAnswer]:
    """Every line of `path` with the provenance of the commit (and record) that introduced it."""
    from signoff.query.lookup import ProvenanceLookup
    from signoff.query.target import parse_target

    target = parse_target(repo, path)
    if target.kind != "file" or target.path is None:
        raise SignoffError(f"{path} is not a file in {repo.root}", "give a tracked file path")
    # git blame is the long pole: start it, then bring the index up to date meanwhile
    running = BlameRun(repo, target.path, rev=rev)
    try:
        lookup = ProvenanceLookup(repo, use_index=use_index)
    except BaseException:
        running.cancel()
        raise
    with lookup:
        return blame_lines(repo, lookup, target.path, None, None, rev, running=running)
