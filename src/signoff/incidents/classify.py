"""Is an incident AI-connected? `ai-connected`, `not-ai` or `unknown`, always with the reasons.

The label is derived from the suspects' provenance every time it is asked for, never stored,
so a correction to provenance (a late note, a fixed trailer) corrects every label. Unknown is
not human: a suspect with unknown provenance makes the label `unknown`, not `not-ai`.

Two measures, never added together. Where the commit behind a suspect has a line record, the
implicated lines (the blamed lines of a line suspect, the lines a commit suspect added) are
counted by the record's kinds, `ai`, `ai-modified`, `human`, `unknown` (a line the record does
not name is `unknown`), and the change is AI-connected only if some are `ai` or `ai-modified`.
Only where there is no record does the commit-level rule apply: lines in an AI-assisted commit.
Each change says which it used (`basis`), and the connection totals both apart (`measures`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from signoff.git.log import Commit, iter_commits
from signoff.git.repo import Repo
from signoff.incidents.model import Incident, Suspect
from signoff.provenance.model import AI_STATUSES, LINE_KINDS, Provenance, ToolUse
from signoff.query.blame import AI_ASSISTED_COMMIT, blame_lines
from signoff.query.lookup import ProvenanceLookup

Label = Literal["ai-connected", "not-ai", "unknown"]


@dataclass(frozen=True, slots=True)
class SuspectChange:
    """One commit behind a suspect, and what its provenance (or its lines') says."""

    commit: Commit
    provenance: Provenance
    # commit suspects: the commit's status (ai, mixed, human, unknown, automation); line
    # suspects: what the lines are, "ai" (AI-attributed by a line record), "mixed" (AI-attributed
    # and human lines), "ai-assisted-commit" (an AI-assisted commit without a line record), ...
    author: str
    tools: tuple[ToolUse, ...]
    paths: tuple[str, ...]  # the files this suspect implicates in the commit
    suspect: str  # the suspect's target text
    # the implicated lines per kind by the commit's line record; None: it has none
    line_kinds: dict[str, int] | None = None
    # without a line record: how many implicated lines the commit-level rule judged (None:
    # not counted, a commit whose line counts git could not give)
    commit_level_lines: int | None = None
    whole_commit: bool = True  # a commit suspect (all lines it added), not a `file:line` one

    @property
    def basis(self) -> str:
        """`line-record` or `commit-level`: which measure judged this change."""
        return "line-record" if self.line_kinds is not None else "commit-level"

    @property
    def ai_lines(self) -> int:
        """Implicated lines the line record attributes to AI (`ai` + `ai-modified`)."""
        kinds = self.line_kinds or {}
        return kinds.get("ai", 0) + kinds.get("ai-modified", 0)

    @property
    def ai(self) -> bool:
        if self.line_kinds is not None:
            return self.ai_lines > 0
        return self.author in AI_STATUSES or self.author == AI_ASSISTED_COMMIT

    @property
    def measure(self) -> str:
        """How the AI connection is known, in words."""
        if self.line_kinds is not None:
            counts = ", ".join(f"{n} {k}" for k, n in self.line_kinds.items() if n)
            what = "lines the commit added" if self.whole_commit else "lines"
            return f"{what} {self.author} by line record: {counts or 'none recorded'}"
        lines = f"{self.commit_level_lines} " if self.commit_level_lines is not None else ""
        if self.author == AI_ASSISTED_COMMIT:
            return f"{lines}lines of an AI-assisted commit without a line record"
        return f"commit {self.author}, no line record: commit level ({lines}lines)"

    def to_json(self) -> dict[str, Any]:
        return {
            "commit": self.commit.sha,
            "subject": self.commit.subject,
            "suspect": self.suspect,
            "author": self.author,
            "tools": [t.to_json() for t in self.tools],
            "paths": list(self.paths),
            "basis": self.basis,
            "commit_status": self.provenance.status,
            "line_kinds": self.line_kinds,
            "ai_lines": self.ai_lines if self.line_kinds is not None else None,
            "ai_assisted_commit_lines": self.commit_level_lines
            if self.line_kinds is None and self.author in (*AI_STATUSES, AI_ASSISTED_COMMIT)
            else None,
        }


@dataclass(slots=True)
class Connection:
    """The label and everything it was derived from."""

    label: Label
    reasons: list[str]
    changes: list[SuspectChange] = field(default_factory=list)

    @property
    def ai_paths(self) -> list[str]:
        return list(dict.fromkeys(p for c in self.changes if c.ai for p in c.paths))

    def measures(self) -> dict[str, Any]:
        """The two measures behind the label, apart: implicated lines per kind from line
        records, and lines of AI-assisted commits judged at commit level (no record)."""
        kinds: dict[str, int] = dict.fromkeys(LINE_KINDS, 0)
        # a commit linked whole covers the lines of its `file:line` suspects: count it once
        whole = {c.commit.sha for c in self.changes if c.whole_commit}
        counted = [c for c in self.changes if c.whole_commit or c.commit.sha not in whole]
        recorded = [c for c in counted if c.line_kinds is not None]
        for c in recorded:
            for kind, n in (c.line_kinds or {}).items():
                kinds[kind] = kinds.get(kind, 0) + n
        unrecorded = [c for c in counted if c.line_kinds is None and c.ai]
        return {
            "line_record": {
                "commits": len({c.commit.sha for c in recorded}),
                "line_kinds": kinds,
                "ai_lines": kinds["ai"] + kinds["ai-modified"],
            },
            "commit_level": {
                "commits": len({c.commit.sha for c in unrecorded}),
                "ai_assisted_commit_lines": sum(c.commit_level_lines or 0 for c in unrecorded),
            },
        }

    def measures_sentence(self) -> str:
        """The measures in words, for the postmortem."""
        m = self.measures()
        rec, com = m["line_record"], m["commit_level"]
        kinds = ", ".join(f"{n} {k}" for k, n in rec["line_kinds"].items())
        return (
            f"line records of {rec['commits']} commit(s): {kinds} implicated lines; "
            f"commit level (no line record) for {com['commits']} AI-assisted commit(s): "
            f"{com['ai_assisted_commit_lines']} lines in them (never added to the above)"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "reasons": self.reasons,
            "changes": [c.to_json() for c in self.changes],
            "measures": self.measures(),
        }


def _commits(repo: Repo, shas: list[str]) -> dict[str, Commit]:
    """The linked commits this clone has, in one batch; a missing one is reported, not fatal."""
    if not shas:
        return {}
    query = "".join(f"{s}^{{commit}}\n" for s in shas).encode()
    answers = repo.run("cat-file", "--batch-check", input=query, check=False).decode().splitlines()
    present = [s for s, a in zip(shas, answers, strict=False) if a.split()[1:2] == ["commit"]]
    if not present:
        return {}
    walk = iter_commits(repo, present, numstat=True, extra=["--no-walk=unsorted"])
    return {c.sha: c for c in walk}


def _line_changes(
    repo: Repo, lookup: ProvenanceLookup, s: Suspect, commits: dict[str, Commit]
) -> list[SuspectChange]:
    assert s.path and s.lines
    start, _, end = s.lines.partition("-")
    answers = blame_lines(repo, lookup, s.path, int(start), int(end or start), s.rev)
    by_commit: dict[str, list[str]] = {}
    line_kinds: dict[str, dict[str, int]] = {}
    tools: dict[str, list[ToolUse]] = {}
    for a in answers:
        by_commit.setdefault(a.commit, []).append(a.author)
        if a.line_source is not None:  # a line record answered: its own kind of the line
            counts = line_kinds.setdefault(a.commit, dict.fromkeys(LINE_KINDS, 0))
            counts[a.kind or "unknown"] = counts.get(a.kind or "unknown", 0) + 1
        if a.tool:
            tools.setdefault(a.commit, []).append(a.tool)
    out = []
    for sha, authors in by_commit.items():
        if sha not in commits:
            continue
        kinds = set(authors)
        author = (
            "mixed"
            if {"ai", "human"} <= kinds
            else "ai"
            if "ai" in kinds
            else AI_ASSISTED_COMMIT
            if AI_ASSISTED_COMMIT in kinds
            else authors[0]
        )
        recorded = line_kinds.get(sha)
        out.append(
            SuspectChange(
                commits[sha],
                lookup.get(sha),
                author,
                tuple(dict.fromkeys(tools.get(sha, []))),
                (s.path,),
                s.target,
                line_kinds=recorded,
                commit_level_lines=None if recorded is not None else len(authors),
                whole_commit=False,
            )
        )
    return out


def _commit_change(commit: Commit, prov: Provenance, suspect: str) -> SuspectChange:
    """A commit suspect: the lines it added, by its line record where it has one (a line the
    record does not name is `unknown`), else by the commit-level rule."""
    files = tuple(f.path for f in commit.files or ())
    counted = [f.added for f in commit.files or () if f.added is not None]
    added = sum(counted) if commit.files is not None and not commit.stats_missing else None
    if not prov.line_records:
        return SuspectChange(
            commit, prov, prov.status, prov.tools, files, suspect, commit_level_lines=added
        )
    named: dict[tuple[str, int], str] = {}
    tools: list[ToolUse] = []
    for record in prov.line_records:  # the first record that knows a line wins, as in blame
        for path, spans in record.files.items():
            for span in spans:
                for line in range(span.start, span.end + 1):
                    if named.get((path, line), "unknown") == "unknown":
                        named[(path, line)] = span.author
                if span.ai_written and span.tool is not None:
                    tools.append(span.tool)
    kinds: dict[str, int] = dict.fromkeys(LINE_KINDS, 0)
    for kind in named.values():
        kinds[kind] += 1
    kinds["unknown"] += max(0, (added or 0) - len(named))
    ai = kinds["ai"] + kinds["ai-modified"]
    author = (
        ("mixed" if kinds["human"] else "ai") if ai else "unknown" if kinds["unknown"] else "human"
    )
    used = tuple(dict.fromkeys(tools)) or (prov.tools if ai else ())
    return SuspectChange(commit, prov, author, used, files, suspect, line_kinds=kinds)


def connect(
    repo: Repo,
    incident: Incident,
    lookup: ProvenanceLookup,
    commits: dict[str, Commit] | None = None,
) -> Connection:
    """Label `incident` from the provenance of its suspects (`commits`: read ahead, if given)."""
    if commits is None:
        commits = _commits(repo, incident.commit_ids())
    changes: list[SuspectChange] = []
    for s in incident.suspects:
        if s.path and s.lines:
            if s.rev is None or repo.resolve(s.rev) is None:
                continue  # the commit the lines were read at is not in this clone
            changes += _line_changes(repo, lookup, s, commits)
            continue
        for sha in s.commits:
            commit = commits.get(sha)
            if commit is None:
                continue
            changes.append(_commit_change(commit, lookup.get(sha), s.target))
    return Connection(*_label(incident, changes), changes)


def _label(incident: Incident, changes: list[SuspectChange]) -> tuple[Label, list[str]]:
    missing = [
        sha[:10] for sha in incident.commit_ids() if sha not in {c.commit.sha for c in changes}
    ]
    if not incident.suspects:
        return "unknown", ["no changes are linked yet (signoff incident link ID TARGET)"]
    ai = [c for c in changes if c.ai]
    if ai:
        reasons = []
        for c in ai:
            tools = ", ".join(_tool(t) for t in c.tools) or "an AI tool"
            reasons.append(
                f"{_named(c)}: {c.measure} ({tools}) — {c.provenance.reason or c.provenance.status}"
            )
        return "ai-connected", reasons
    unknown = [c for c in changes if c.author not in ("human", "automation")]
    if unknown or missing:
        reasons = [f"{_named(c)}: {c.measure} — unknown is not human" for c in unknown]
        reasons += [f"{sha}: linked commit not found in this repository" for sha in missing]
        return "unknown", reasons
    return "not-ai", [
        f"{_named(c)}: {c.measure} — "
        + (
            "the line record attributes none of them to AI"
            if c.line_kinds is not None
            else c.provenance.reason or "no AI marker"
        )
        for c in changes
    ]


def _named(c: SuspectChange) -> str:
    """The commit, and the suspect it came from when that says more than the commit id."""
    short = c.commit.sha[:10]
    same = c.commit.sha.startswith(c.suspect.lower())
    return short if same else f"{short} ({c.suspect})"


def _tool(t: ToolUse) -> str:
    return t.tool + (f"/{t.model}" if t.model else "")


def connect_all(
    repo: Repo, incidents: list[Incident], *, use_index: bool = True
) -> list[tuple[Incident, Connection]]:
    """Each incident with its label, sharing one provenance lookup."""
    if not incidents:
        return []  # no lookup, no index update: the commit hook pays nothing
    shas = list(dict.fromkeys(sha for i in incidents for sha in i.commit_ids()))
    commits = _commits(repo, shas)
    with ProvenanceLookup(repo, use_index=use_index) as lookup:
        lookup.many(commits)
        return [(i, connect(repo, i, lookup, commits)) for i in incidents]


def select(
    rows: Sequence[tuple[Incident, Connection]],
    *,
    commit: str | None = None,
    path: str | None = None,
    label: str | None = None,
    status: str | None = None,
) -> list[tuple[Incident, Connection]]:
    """The incidents that name `commit`, touch `path` (a file or a folder), carry a label/status."""
    folder = path.rstrip("/") + "/" if path else None

    def touches(incident: Incident, conn: Connection) -> bool:
        paths = [*incident.paths, *(p for c in conn.changes for p in c.paths)]
        return any(p == path or (folder and p.startswith(folder)) for p in paths)

    return [
        (i, c)
        for i, c in rows
        if (commit is None or commit in i.commit_ids())
        and (path is None or touches(i, c))
        and (label is None or c.label == label)
        and (status is None or i.status == status)
    ]
