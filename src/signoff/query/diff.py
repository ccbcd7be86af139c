"""`signoff diff REV|RANGE`: a diff whose added lines each say who wrote them.

A commit is shown against its first parent; a range `A..B` (or `A...B`) as the gate sees a pull
request, B against the merge base of A and B. Each added line gets the attribution of the
commit that wrote it, as `blame` gives it: the line record's kind (`ai`, `ai-modified`,
`human`, `unknown`) when one covers the commit, else the commit-level answer
(`ai-assisted-commit` for an AI-assisted commit without a record). The gate's change set does
the attribution, so `diff` and `check` never disagree about a line.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from signoff.errors import SignoffError
from signoff.git.diff import FileDiff, PatchLine, diff_patch
from signoff.git.history import parent_or_empty_tree
from signoff.git.repo import Repo
from signoff.provenance.model import Provenance, ToolUse
from signoff.query.blame import AI_ASSISTED_COMMIT
from signoff.query.changeset import AddedLine


@dataclass(frozen=True, slots=True)
class DiffLine:
    """A patch line; added lines carry their attribution."""

    line: PatchLine
    added: AddedLine | None = None

    @property
    def author(self) -> str | None:
        """As `blame` says it: a line a record leaves unknown is `unknown` (the gate treats it
        as a line of its AI-assisted commit; `line_kind` keeps what the record said)."""
        if self.added is None:
            return None
        if self.added.kind == "unknown":
            return "unknown"
        return self.added.author

    @property
    def tool(self) -> ToolUse | None:
        """The AI tool of the line; none for a line its record leaves unknown."""
        if self.added is None or self.added.kind == "unknown":
            return None
        return self.added.tool

    @property
    def label(self) -> str:
        """What the gutter shows: the record's kind, else the commit-level answer."""
        if self.added is None:
            return ""
        return self.added.kind or self.author or "unknown"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "op": self.line.op,
            "old_line": self.line.old,
            "new_line": self.line.new,
            "content": self.line.text,
        }
        if self.added is not None:
            a = self.added
            out.update(
                commit=a.commit,
                author=self.author,
                line_kind=a.kind,
                tool=self.tool.to_json() if self.tool else None,
            )
        return out


@dataclass(slots=True)
class FileView:
    path: str
    old_path: str | None
    binary: bool
    deleted: bool
    lines: list[DiffLine] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return dict(Counter(x.label for x in self.lines if x.added is not None))

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "old_path": self.old_path,
            "binary": self.binary,
            "deleted": self.deleted,
            "added": sum(1 for x in self.lines if x.added is not None),
            "by_kind": self.counts(),
            "lines": [x.to_json() for x in self.lines],
        }


@dataclass(slots=True)
class DiffView:
    target: str
    base: str | None  # the merge base (or parent) shown against; None for a root commit
    head: str
    commits: list[dict[str, Any]] = field(default_factory=list)
    files: list[FileView] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Added lines per answer; the two measures apart, never added together."""
        added = [x for f in self.files for x in f.lines if x.added is not None]
        authors = Counter(x.author for x in added)
        return {
            "added": len(added),
            "ai_attributed_lines": authors.get("ai", 0),
            "ai_assisted_unrecorded_lines": authors.get(AI_ASSISTED_COMMIT, 0),
            "by_author": dict(authors),
            "by_label": dict(Counter(x.label for x in added)),
            "line_kinds": dict(Counter(x.added.kind for x in added if x.added and x.added.kind)),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "base": self.base,
            "head": self.head,
            "commits": self.commits,
            "summary": self.summary(),
            "files": [f.to_json() for f in self.files],
        }


def _sides(repo: Repo, spec: str) -> tuple[str | None, str]:
    """(base, head) commit ids: a range's merge base and tip, or a commit's first parent."""
    for sep in ("...", ".."):
        if sep in spec:
            left, right = spec.split(sep, 1)
            a = repo.require_commit(left or "HEAD")
            b = repo.require_commit(right or "HEAD")
            base = repo.run("merge-base", a, b, check=False).decode().strip()
            if not base:
                raise SignoffError(
                    f"{left or 'HEAD'} and {right or 'HEAD'} share no history",
                    "give a range within one history, or a single commit",
                )
            return base, b
    head = repo.require_commit(spec)
    parents = repo.run("rev-parse", f"{head}^@").decode().split()
    return (parents[0] if parents else None), head


def attributed_diff(repo: Repo, spec: str, *, context: int = 3, use_index: bool = True) -> DiffView:
    """The diff `spec` names with each added line attributed (library form of `signoff diff`)."""
    from signoff.query.changeset import range_changeset

    base, head = _sides(repo, spec)
    view = DiffView(spec, base, head)
    if base is None:
        empty = parent_or_empty_tree(repo, head, has_parent=False)
        lines, provs = _root_lines(repo, empty, head, use_index)
        patch = diff_patch(repo, [empty, head], context=context)
    else:
        # base is the range's merge base already (an ancestor of head): not asked again
        cs = range_changeset(repo, base, head, use_index=use_index, merge_base=base)
        lines, provs = cs.lines, cs.provenance
        patch = diff_patch(repo, [base, head], context=context)
    view.commits = [
        {
            "commit": sha,
            "status": p.status,
            "tools": [t.to_json() for t in p.tools],
            "line_record": [r.source for r in p.line_records] or None,
        }
        for sha, p in provs.items()
    ]
    for f in patch:
        by_line = {a.line: a for a in lines.get(f.path, ())}
        missing = [n for n in f.added if n not in by_line]
        if missing and base is not None:
            by_line.update(_blamed(repo, f.path, head, missing, provs, use_index))
        view.files.append(_file_view(f, by_line))
    return view


def _blamed(
    repo: Repo,
    path: str,
    head: str,
    numbers: list[int],
    provs: dict[str, Provenance],
    use_index: bool,
) -> dict[int, AddedLine]:
    """Lines git's diff with context shows as added where its `-U0` diff (the gate's) aligned a
    repeated line differently: blamed at the head, like every other line."""
    from signoff.git.blame import blame, line_runs
    from signoff.query.blame import line_attribution
    from signoff.query.lookup import ProvenanceLookup

    out: dict[int, AddedLine] = {}
    rows, _ = blame(repo, path, rev=head, ranges=line_runs(sorted(numbers)))
    with ProvenanceLookup(repo, use_index=use_index) as lookup:
        for b in rows:
            prov = provs.get(b.commit) or lookup.get(b.commit)
            author, tool, _source, kind = line_attribution(
                prov, b.orig_path, b.orig_line, commit_fallback=True
            )
            out[b.line] = AddedLine(path, b.line, b.content, b.commit, author, tool, kind)
    return out


def _file_view(f: FileDiff, by_line: dict[int, AddedLine]) -> FileView:
    out = FileView(f.path, f.old_path, f.binary, f.deleted)
    for p in f.patch:
        added = by_line.get(p.new) if p.op == "+" and p.new is not None else None
        if p.op == "+" and added is None:
            # a line no attribution reached (an unreadable blame): unknown, never human
            added = AddedLine(f.path, p.new or 0, p.text, None, "unknown", None)
        out.lines.append(DiffLine(p, added))
    return out


def _root_lines(
    repo: Repo, empty: str, head: str, use_index: bool
) -> tuple[dict[str, list[AddedLine]], dict[str, Provenance]]:
    """A root commit wrote every line it adds: each takes that commit's line record."""
    from signoff.git.diff import diff_added_lines
    from signoff.query.blame import line_attribution
    from signoff.query.lookup import ProvenanceLookup

    with ProvenanceLookup(repo, use_index=use_index) as lookup:
        prov = lookup.get(head)
    lines: dict[str, list[AddedLine]] = {}
    for f in diff_added_lines(repo, [empty, head]):
        rows = []
        for n, text in f.added.items():
            author, tool, _source, kind = line_attribution(prov, f.path, n, commit_fallback=True)
            rows.append(AddedLine(f.path, n, text, head, author, tool, kind))
        lines[f.path] = rows
    return lines, {head: prov}
