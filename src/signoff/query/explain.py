"""`explain`: the four questions (AI? which tool? accepted by whom? reviewed how?) for any target,
plus the accountable owner under the policy in force at that revision."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from signoff.batches import batched
from signoff.git.log import Commit, iter_commits, read_commit
from signoff.git.repo import Repo
from signoff.provenance.capture import named_records
from signoff.provenance.model import Provenance
from signoff.query.lookup import ProvenanceLookup
from signoff.query.ownership import Ownership, OwnershipBatch
from signoff.query.target import Target, parse_target
from signoff.review.evidence import MergeEvidence, ReviewSignal, merge_evidence, review_trailers

if TYPE_CHECKING:  # blame is imported when a file or line is asked about: commits answer faster
    from signoff.query.blame import LineAnswer


@dataclass(frozen=True, slots=True)
class CommitAnswer:
    commit: Commit
    provenance: Provenance
    reviews: list[ReviewSignal]
    merge: MergeEvidence | None
    files: list[str]
    ownership: Ownership  # then: under the policy committed at the commit
    ownership_now: Ownership | None = None  # now: under the policy in force today
    # added lines without those only re-indented (`--numstat -w`), for AI-assisted commits
    # without a line record; None when not asked or not readable
    added_ignoring_whitespace: int | None = None
    # (added, AI-attributed, unrecorded, recorded) as the index stores them, when it has them
    stored: tuple[int | None, int | None, int | None, int] | None = None

    def to_json(self) -> dict[str, Any]:
        c = self.commit
        return {
            "commit": c.sha,
            "subject": c.subject,
            "author": c.author.to_json(),
            "author_date": c.author_date,
            "committer": c.committer.to_json(),
            "commit_date": c.commit_date,
            "parents": list(c.parents),
            "provenance": self.provenance.to_json(),
            "review": {
                "trailers": [r.to_json() for r in self.reviews],
                "merge": self.merge.to_json() if self.merge else None,
            },
            "files": self.files,
            "lines": self.line_measures(),
            "ownership": self.ownership.to_json(),
            "ownership_now": self.ownership_now.to_json() if self.ownership_now else None,
        }

    def line_measures(self) -> dict[str, Any]:
        """The commit's two line measures (never added together) and where they come from."""
        from signoff.store.index import line_measures

        if self.stored is not None:
            added, attributed, unrecorded, recorded = self.stored
        else:
            files = self.commit.files
            added = None
            if files is not None and not self.commit.stats_missing:
                added = sum(f.added or 0 for f in files)
            attributed, unrecorded, recorded = line_measures(
                self.provenance, added, self.added_ignoring_whitespace
            )
        return {
            "added": added,
            "ai_attributed_lines": attributed,
            "ai_assisted_unrecorded_lines": unrecorded,
            "line_record": [r.source for r in self.provenance.line_records] if recorded else None,
        }


@dataclass(slots=True)
class Explanation:
    target: Target
    commits: list[CommitAnswer] = field(default_factory=list)
    lines: list[LineAnswer] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    shallow_boundary: list[str] = field(default_factory=list)
    # commit ids asked about that this (shallow) clone does not hold: unknown, never an error
    not_in_clone: list[str] = field(default_factory=list)
    shallow_advice: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "target": {
                "kind": self.target.kind,
                "text": self.target.text,
                "path": self.target.path,
                "start": self.target.start,
                "end": self.target.end,
            },
            "summary": self.summary,
            "lines": [line.to_json() for line in self.lines],
            "commits": [c.to_json() for c in self.commits],
            "shallow_boundary": self.shallow_boundary,
            "not_in_clone": [
                {
                    "commit": sha,
                    "status": "unknown",
                    "reason": "not in this clone: " + (self.shallow_advice or ""),
                }
                for sha in self.not_in_clone
            ],
        }


def _answer(
    repo: Repo,
    lookup: ProvenanceLookup,
    commit: Commit,
    with_merge: bool,
    owners: OwnershipBatch,
    files: list[str] | None = None,
    merge_of: MergeOf | None = None,
) -> CommitAnswer:
    if files is None:
        files = [f.path for f in commit.files or ()]
    if with_merge:
        merge = merge_evidence(repo, commit)
    else:
        merge = merge_of(commit) if merge_of is not None else None
    return CommitAnswer(
        commit=commit,
        provenance=lookup.get(commit.sha),
        reviews=review_trailers(commit),
        merge=merge,
        files=files,
        ownership=owners.then(commit.sha, files),
        ownership_now=owners.now(files),
    )


# How a commit reached the branch, worked out for many commits at once (`merge_evidence` runs
# git per commit); None leaves `review.merge` empty, as a walk over a range always did
MergeOf = Callable[[Commit], MergeEvidence | None]


def answer_commits(
    repo: Repo,
    lookup: ProvenanceLookup,
    revs: list[str],
    extra: list[str],
    *,
    merge_of: MergeOf | None = None,
) -> Iterator[CommitAnswer]:
    """Answers for every commit `git log revs` lists, at index speed.

    Metadata and trailers come from one `git log` without diffs; changed files and provenance
    from the index (a commit the index lacks is read live); ownership from one batched lookup.
    """
    for commits in batched(iter_commits(repo, revs, extra=extra), 2000):
        shas = [c.sha for c in commits]
        files = lookup.files(shas)
        unindexed = [sha for sha in shas if sha not in files]
        counted: dict[str, Commit] = {}  # unindexed commits read with their line counts
        if unindexed:
            for c in iter_commits(repo, unindexed, numstat=True, extra=["--no-walk=unsorted"]):
                files[c.sha] = [f.path for f in c.files or ()]
                counted[c.sha] = c
        lookup.many(shas)
        owners = OwnershipBatch(repo, shas)
        answers = [
            _answer(
                repo,
                lookup,
                counted.get(c.sha, c),
                False,
                owners,
                files.get(c.sha, []),
                merge_of,
            )
            for c in commits
        ]
        yield from _with_line_measures(repo, lookup, answers)


def _summary(answers: list[CommitAnswer]) -> dict[str, Any]:
    return summarise([a.to_json() for a in answers])


def summarise(commits: list[dict[str, Any]]) -> dict[str, Any]:
    """The `summary` of an explanation, over commit documents (`CommitAnswer.to_json()` or
    the same rows as `signoff push` stored them)."""
    from signoff.provenance.model import AI_STATUSES

    statuses = Counter(str(c["provenance"]["status"]) for c in commits)
    tools = Counter(t["tool"] for c in commits for t in c["provenance"].get("tools") or [])
    measures = [c.get("lines") or {} for c in commits]
    return {
        "commits": len(commits),
        "by_status": dict(statuses),
        "ai_assisted": statuses["ai"] + statuses["mixed"],
        "by_tool": dict(tools),
        "ai_attributed_lines": sum(m.get("ai_attributed_lines") or 0 for m in measures),
        "ai_assisted_unrecorded_lines": sum(
            m.get("ai_assisted_unrecorded_lines") or 0 for m in measures
        ),
        "ai_commits_with_line_record": sum(
            1
            for c, m in zip(commits, measures, strict=True)
            if c["provenance"]["status"] in AI_STATUSES and m.get("line_record")
        ),
    }


def explain(
    repo: Repo, target_text: str, *, use_index: bool = True, limit: int = 200
) -> Explanation:
    """Answer for a commit, a range, a file or file:line (library form of `signoff explain`)."""
    target = parse_target(repo, target_text)
    out = Explanation(target, shallow_boundary=repo.shallow_boundary())
    out.shallow_advice = repo.shallow_advice()
    out.not_in_clone.extend(target.absent)
    if target.kind == "absent":
        assert target.commit
        out.not_in_clone.append(target.commit)
        out.summary = _summary([])
        return out
    with ProvenanceLookup(repo, use_index=use_index) as lookup:
        if target.kind == "commit":
            assert target.commit
            commit = _with_files(repo, target.commit)
            owners = OwnershipBatch(repo, [commit.sha])
            out.commits.append(_answer(repo, lookup, commit, True, owners))
        elif target.kind == "range":
            assert target.range
            out.commits = list(answer_commits(repo, lookup, [target.range], [f"-n{limit}"]))
        elif target.kind == "file":
            from signoff.query.blame import blame_lines

            assert target.path
            commits = list(
                iter_commits(
                    repo,
                    ["HEAD"],
                    numstat=True,
                    paths=[target.path],
                    extra=["--follow", f"-n{limit}"],
                )
            )
            lookup.many(c.sha for c in commits)
            owners = OwnershipBatch(repo, [c.sha for c in commits])
            out.commits = [_answer(repo, lookup, c, False, owners) for c in commits]
            out.lines = blame_lines(repo, lookup, target.path, None, None)
        else:
            from signoff.query.blame import blame_lines

            assert target.path and target.start and target.end
            out.lines = blame_lines(repo, lookup, target.path, target.start, target.end)
            seen: list[str] = list(dict.fromkeys(line.commit for line in out.lines))
            commits = [_with_files(repo, sha) for sha in seen]
            owners = OwnershipBatch(repo, seen)
            out.commits = [_answer(repo, lookup, c, True, owners) for c in commits]
        if target.kind != "range":  # answer_commits already measured those
            out.commits = _with_line_measures(repo, lookup, out.commits)
        out.summary = _summary(out.commits)
        if out.lines:
            out.summary["lines"] = dict(Counter(line.author for line in out.lines))
            out.summary["line_kinds"] = dict(Counter(line.kind for line in out.lines if line.kind))
    return out


def _with_line_measures(
    repo: Repo, lookup: ProvenanceLookup, answers: list[CommitAnswer]
) -> list[CommitAnswer]:
    """Each answer with its line measures: as the index stores them, else counted from the
    commit (the lines AI-assisted commits without a line record added, re-indents left out, by
    one git process for all of them)."""
    from dataclasses import replace

    stored = lookup.line_measures([a.commit.sha for a in answers if a.stored is None])
    answers = [
        replace(a, stored=stored[a.commit.sha]) if a.commit.sha in stored else a for a in answers
    ]
    wanted = [
        a.commit.sha
        for a in answers
        if a.stored is None
        and a.provenance.ai_assisted
        and not named_records(a.provenance)
        and a.commit.files
    ]
    if not wanted:
        return answers
    from signoff.git.diff import added_ignoring_whitespace

    counts = added_ignoring_whitespace(repo, wanted)
    return [
        replace(a, added_ignoring_whitespace=counts[a.commit.sha]) if a.commit.sha in counts else a
        for a in answers
    ]


def _with_files(repo: Repo, sha: str) -> Commit:
    for commit in iter_commits(repo, [sha], numstat=True, extra=["-n1", "--no-walk"]):
        return commit
    return read_commit(repo, sha)
