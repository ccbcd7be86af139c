"""The change set a gate judges: commits, their provenance, files and who wrote each added line.

Two kinds of AI line, kept apart in every count: AI-attributed lines (a line record names
them `ai` or `ai-modified`) and lines of AI-assisted commits without a line record (the commit
says an AI helped, not which lines; a line the commit's record leaves `unknown` falls back to
this). The gate applies its AI bar to both (`ai_touched_lines`), never to lines a record names
`human`, and says which is which; a line whose change is only whitespace keeps the commit that
wrote it (`blame -w`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from signoff.errors import SignoffError
from signoff.git.diff import LINE_TEXT_MAX_BYTES, FileDiff, diff_added_lines
from signoff.git.log import Commit, iter_commits
from signoff.git.repo import Repo
from signoff.provenance.model import AI_STATUSES, Provenance, ToolUse
from signoff.query.blame import (
    AI_ASSISTED_COMMIT,
    AI_ATTRIBUTED,
    AI_LINE_KINDS,
    line_attribution,
)
from signoff.query.lookup import ProvenanceLookup


@dataclass(frozen=True, slots=True)
class AddedLine:
    path: str
    line: int  # in the head version
    text: str
    commit: str | None  # the commit that added it (None: staged, not yet committed)
    author: str  # as `signoff.query.blame.line_attribution`: "ai", "ai-assisted-commit", ...
    tool: ToolUse | None
    # the line record's kind (ai, ai-modified, human, unknown); None when no record covers it
    kind: str | None = None


@dataclass(slots=True)
class LargeFile:
    """A file whose added text is past `LINE_TEXT_MAX_BYTES` (generated, vendored, minified):
    its lines are counted and judged as a whole, never held or blamed one by one."""

    path: str
    added: int
    first: int | None
    last: int | None
    commits: list[str | None]  # the change's commits that changed it (None: the staged change)
    kinds: dict[str, int]  # line kind (as `AddedLine.author`) -> lines
    how: str  # how the kinds were found, for the report

    @property
    def ai_assisted(self) -> bool:
        return any(self.kinds.get(k) for k in AI_LINE_KINDS)

    def message(self) -> str:
        return (
            f"{self.path} adds {self.added:,} lines, more than the "
            f"{LINE_TEXT_MAX_BYTES // 1_000_000} MB of text Signoff reads line by line: "
            f"judged as a whole ({self.how})"
        )


@dataclass(frozen=True, slots=True)
class StagedChange:
    """The provenance a staged change will be committed with (the hook's own decision)."""

    status: str  # "ai", "human", "unknown", ...
    tool: ToolUse | None
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "tool": self.tool.to_json() if self.tool else None,
            "reason": self.reason,
        }


@dataclass(slots=True)
class ChangeSet:
    """What a pull request (base..head) or a staged commit would bring in."""

    kind: str  # "range" or "staged"
    base: str | None
    head: str | None
    commits: list[Commit] = field(default_factory=list)
    provenance: dict[str, Provenance] = field(default_factory=dict)
    files: list[FileDiff] = field(default_factory=list)
    lines: dict[str, list[AddedLine]] = field(default_factory=dict)
    touched: dict[str, list[str]] = field(default_factory=dict)  # path -> commits changing it
    staged: StagedChange | None = None  # kind "staged": who is about to commit
    large: dict[str, LargeFile] = field(default_factory=dict)  # judged whole, not line by line

    @property
    def ai_assisted(self) -> int:
        """AI-assisted commits in a range; 1 for a staged change an agent is committing."""
        if self.staged is not None:
            return 1 if self.staged.status in AI_STATUSES else 0
        return len(self.ai_commits)

    def paths_of(self, sha: str) -> set[str]:
        """Paths a commit of the range changed (whether or not its lines survive at head)."""
        return {path for path, shas in self.touched.items() if sha in shas}

    @property
    def ai_commits(self) -> list[Commit]:
        return [c for c in self.commits if self.provenance[c.sha].ai_assisted]

    def ai_touched_lines(self, path: str) -> set[int]:
        """The lines the AI bar applies to: AI-attributed ones and those of AI-assisted commits
        without a line record (which of them an AI wrote is not known)."""
        return {a.line for a in self.lines.get(path, ()) if a.author in AI_LINE_KINDS}

    def ai_attributed_lines(self, path: str) -> set[int]:
        """Lines a line record attributes to AI."""
        return {a.line for a in self.lines.get(path, ()) if a.author == AI_ATTRIBUTED}

    def unrecorded_ai_lines(self, path: str) -> set[int]:
        """Lines of AI-assisted commits that have no line record."""
        return {a.line for a in self.lines.get(path, ()) if a.author == AI_ASSISTED_COMMIT}

    def ai_counts(self, path: str) -> tuple[int, int]:
        """(AI-attributed, AI-assisted without a line record) lines of `path`, large files too."""
        big = self.large.get(path)
        if big is not None:
            return big.kinds.get(AI_ATTRIBUTED, 0), big.kinds.get(AI_ASSISTED_COMMIT, 0)
        rows = self.lines.get(path, ())
        attributed = sum(1 for a in rows if a.author == AI_ATTRIBUTED)
        return attributed, sum(1 for a in rows if a.author == AI_ASSISTED_COMMIT)

    def has_ai_lines(self, path: str) -> bool:
        """Whether the AI bar applies to `path`: it has AI lines, or is a large file an
        AI-assisted commit changed."""
        big = self.large.get(path)
        if big is not None:
            return big.ai_assisted
        return any(a.author in AI_LINE_KINDS for a in self.lines.get(path, ()))

    def line_totals(self) -> dict[str, int]:
        """The two measures over the whole change, never added together."""
        counts = [self.ai_counts(f.path) for f in self.files]
        return {
            "ai_attributed_lines": sum(a for a, _ in counts),
            "ai_assisted_unrecorded_lines": sum(u for _, u in counts),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "base": self.base,
            "head": self.head,
            "staged": self.staged.to_json() if self.staged else None,
            "commits": [
                {
                    "commit": c.sha,
                    "subject": c.subject,
                    "status": self.provenance[c.sha].status,
                    "line_record": [r.source for r in self.provenance[c.sha].line_records] or None,
                }
                for c in self.commits
            ],
            "files": [self._file_json(f) for f in self.files],
            **self.line_totals(),
        }

    def _file_json(self, f: FileDiff) -> dict[str, Any]:
        attributed, unrecorded = self.ai_counts(f.path)
        return {
            "path": f.path,
            "added": f.added_count,
            "ai_attributed_added": attributed,
            "ai_assisted_unrecorded_added": unrecorded,
            "binary": f.binary,
            "deleted": f.deleted,
            "too_large": f.too_large,
        }


def range_changeset(
    repo: Repo,
    base: str,
    head: str = "HEAD",
    *,
    use_index: bool = True,
    merge_base: str | None = None,
) -> ChangeSet:
    """The change set of a pull request: commits in base..head and the diff from their merge base
    (`merge_base` when the caller has already asked git for it)."""
    base_sha = repo.require_commit(base)
    head_sha = repo.require_commit(head)
    if merge_base is None:
        merge_base = repo.run("merge-base", base_sha, head_sha, check=False).decode().strip()
    if not merge_base:
        raise SignoffError(
            f"{base} and {head} share no history",
            "fetch the base branch fully (a shallow clone may cut it): git fetch --unshallow",
        )
    cs = ChangeSet("range", base_sha, head_sha)
    cs.commits = [c for c in iter_commits(repo, [f"{base_sha}..{head_sha}"]) if not c.is_merge]
    cs.files = diff_added_lines(repo, [merge_base, head_sha], removed=True)
    with ProvenanceLookup(repo, use_index=use_index) as lookup:
        cs.provenance = lookup.many(c.sha for c in cs.commits)
        cs.touched = _touched_by(repo, cs)
        real = _really_changed(repo, cs, merge_base, head_sha)
        _attribute_lines(repo, cs, head_sha, lookup, real)
    return cs


def _sole_writer(cs: ChangeSet, f: FileDiff) -> str | None:
    """The one commit of the range that changed `f`, when it has no line record."""
    writers = cs.touched.get(f.path, [])
    if len(writers) == 1 and not cs.provenance[writers[0]].line_records:
        return writers[0]
    return None


def _really_changed(repo: Repo, cs: ChangeSet, base: str, head: str) -> dict[str, set[int]]:
    """Path -> the added lines that are more than re-indented, for files one commit wrote.

    An added line is only re-indented when the diff also removes a line equal to it but for
    whitespace (`FileDiff.reindented`); most files have none, and the others alone are diffed
    again with `-w` (one git process), where a line still added was really changed.
    """
    real: dict[str, set[int]] = {}
    again: list[FileDiff] = []
    for f in cs.files:
        if f.binary or f.too_large or not f.added or _sole_writer(cs, f) is None:
            continue
        if f.reindented:
            again.append(f)
        else:
            real[f.path] = set(f.added)
    if again:
        paths = sorted({p for f in again for p in (f.path, f.old_path) if p})
        ws = {
            g.path: g
            for g in diff_added_lines(repo, [base, head], ignore_whitespace=True, paths=paths)
        }
        for f in again:
            kept = ws.get(f.path)
            still = set(kept.added) if kept is not None else set()
            real[f.path] = {n for n in f.added if n not in f.reindented or n in still}
    return real


def _attribute_lines(
    repo: Repo, cs: ChangeSet, head: str, lookup: ProvenanceLookup, real: dict[str, set[int]]
) -> None:
    """Which commit (and so which provenance) wrote each added line.

    A file only one commit of the range touched got its added lines from that commit, except
    lines it only re-indented (absent from `real`): those, and files several commits touched,
    are blamed with `-w` (one `git blame` per file, all ranges at once), so a re-indented line
    keeps the commit that wrote it. A file too large to hold line by line is judged as a whole.
    """
    from signoff.git.blame import blame, line_runs

    for f in cs.files:
        if f.too_large:
            cs.large[f.path] = _large_in_range(cs, f)
            continue
        if f.binary or not f.added:
            continue
        rows: list[AddedLine] = []
        pending = sorted(f.added)
        writer = _sole_writer(cs, f)
        if writer is not None:
            prov = cs.provenance[writer]
            changed = real.get(f.path, set())
            for n in pending:
                if n in changed:
                    author, tool, _source, kind = line_attribution(prov, f.path, n)
                    rows.append(AddedLine(f.path, n, f.added[n], writer, author, tool, kind))
            pending = [n for n in pending if n not in changed]
        if not pending:
            cs.lines[f.path] = rows
            continue
        blamed, _ = blame(repo, f.path, rev=head, ranges=line_runs(pending))
        for b in blamed:
            prov = cs.provenance.get(b.commit) or lookup.get(b.commit)
            # a line the record of an AI-assisted commit leaves unknown gets the AI bar
            author, tool, _source, kind = line_attribution(
                prov, b.orig_path, b.orig_line, commit_fallback=True
            )
            rows.append(
                AddedLine(
                    f.path, b.line, f.added.get(b.line, b.content), b.commit, author, tool, kind
                )
            )
        cs.lines[f.path] = rows


def _large_in_range(cs: ChangeSet, f: FileDiff) -> LargeFile:
    """A large file's lines by kind, without holding them: one commit changed it, so its lines
    are that commit's (read against its line record where it has one, one line at a time);
    several did, so every line counts as theirs together (AI-assisted if any of them is)."""
    writers = cs.touched.get(f.path, [])
    first = f.runs[0][0] if f.runs else None
    last = f.runs[-1][1] if f.runs else None
    kinds: Counter[str] = Counter()
    if len(writers) == 1:
        prov = cs.provenance[writers[0]]
        if prov.line_records:
            for n in f.line_numbers():
                kinds[line_attribution(prov, f.path, n, commit_fallback=True)[0]] += 1
            how = f"lines of commit {writers[0][:10]}, read against its line record"
        else:
            kinds[line_attribution(prov, f.path, first or 1)[0]] = f.added_count
            how = f"every line is of commit {writers[0][:10]}, {prov.status}"
    else:
        ai = [w for w in writers if cs.provenance[w].ai_assisted]
        kind = (
            AI_ASSISTED_COMMIT
            if ai
            else (
                "human"
                if writers and all(cs.provenance[w].status == "human" for w in writers)
                else "unknown"
            )
        )
        kinds[kind] = f.added_count
        how = (
            f"{len(writers)} commits changed it, {len(ai)} AI-assisted: every line counts as a "
            "line of AI-assisted commits"
            if ai
            else f"{len(writers)} commits changed it, none AI-assisted"
        )
    return LargeFile(f.path, f.added_count, first, last, list(writers), dict(kinds), how)


def _touched_by(repo: Repo, cs: ChangeSet) -> dict[str, list[str]]:
    """Path -> the non-merge commits of the range that changed it (one git process)."""
    out = repo.run(
        "log",
        "-z",
        "--no-merges",
        "--format=%x01%H",
        "--name-only",
        "--no-renames",
        f"{cs.base}..{cs.head}",
    )
    touched: dict[str, list[str]] = {}
    sha = ""
    for token in out.split(b"\x00"):
        token = token.strip(b"\n")
        if token.startswith(b"\x01"):
            head, _, rest = token[1:].partition(b"\n")
            sha = head.decode()
            token = rest
        if token and sha in cs.provenance:
            touched.setdefault(token.decode("utf-8", "replace"), []).append(sha)
    return touched


def staged_changeset(repo: Repo, environ: Mapping[str, str]) -> ChangeSet:
    """What `git commit` is about to record, attributed by the agent detected in the environment.

    The commit does not exist yet, so its provenance comes from the same decision the hook
    makes: an explicit `SIGNOFF_AI`, else the variables coding agents set for their shells.
    """
    from signoff.recording.agents import decide

    cs = ChangeSet("staged", None, repo.head())
    cs.files = diff_added_lines(repo, ["--cached"], removed=True)
    decision = decide(env=environ)
    status = decision.status if decision else "unknown"
    # a commit-level decision: which lines an AI wrote is not recorded
    line_status = AI_ASSISTED_COMMIT if status in AI_STATUSES else status
    tool = None
    if decision and decision.tools:
        t = decision.tools[0]
        tool = ToolUse(t.tool, t.model, t.session)
    reason = (
        f"{decision.source}: {decision.evidence}"
        if decision
        else "no agent detected and no SIGNOFF_AI declaration"
    )
    cs.staged = StagedChange(status, tool, reason)
    for f in cs.files:
        if f.too_large:
            first = f.runs[0][0] if f.runs else None
            last = f.runs[-1][1] if f.runs else None
            how = f"every line is of the staged change, {status}"
            kinds = {line_status: f.added_count}
            cs.large[f.path] = LargeFile(f.path, f.added_count, first, last, [None], kinds, how)
            continue
        if f.binary or not f.added:
            continue
        cs.lines[f.path] = [
            AddedLine(f.path, n, text, None, line_status, tool) for n, text in f.added.items()
        ]
    return cs
