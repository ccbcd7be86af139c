"""Is an incident AI-connected? `ai-connected`, `not-ai` or `unknown`, always with the reasons.

The label is derived from the suspects' provenance every time it is asked for, never stored,
so a correction to provenance (a late note, a fixed trailer) corrects every label. Unknown is
not human: a suspect with unknown provenance makes the label `unknown`, not `not-ai`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from signoff.git.log import Commit, iter_commits
from signoff.git.repo import Repo
from signoff.incidents.model import Incident, Suspect
from signoff.provenance.model import AI_STATUSES, Provenance, ToolUse
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

    @property
    def ai(self) -> bool:
        return self.author in AI_STATUSES or self.author == AI_ASSISTED_COMMIT

    @property
    def measure(self) -> str:
        """How the AI connection is known, in words."""
        if self.author == AI_ASSISTED_COMMIT:
            return "lines of an AI-assisted commit without a line record"
        if self.suspect != self.commit.sha and ":" in self.suspect:
            return f"lines {self.author} by line record"
        if self.provenance.line_records:
            return f"commit {self.author} (line record)"
        return f"commit AI-assisted ({self.author}), no line record"

    def to_json(self) -> dict[str, Any]:
        return {
            "commit": self.commit.sha,
            "subject": self.commit.subject,
            "suspect": self.suspect,
            "author": self.author,
            "tools": [t.to_json() for t in self.tools],
            "paths": list(self.paths),
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

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "reasons": self.reasons,
            "changes": [c.to_json() for c in self.changes],
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
    tools: dict[str, list[ToolUse]] = {}
    for a in answers:
        by_commit.setdefault(a.commit, []).append(a.author)
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
        out.append(
            SuspectChange(
                commits[sha],
                lookup.get(sha),
                author,
                tuple(dict.fromkeys(tools.get(sha, []))),
                (s.path,),
                s.target,
            )
        )
    return out


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
            prov = lookup.get(sha)
            files = tuple(f.path for f in commit.files or ())
            changes.append(SuspectChange(commit, prov, prov.status, prov.tools, files, s.target))
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
        reasons = [f"{_named(c)}: provenance {c.author} — unknown is not human" for c in unknown]
        reasons += [f"{sha}: linked commit not found in this repository" for sha in missing]
        return "unknown", reasons
    return "not-ai", [
        f"{_named(c)}: {c.author} — {c.provenance.reason or 'no AI marker'}" for c in changes
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
