"""Review evidence that git itself holds: review trailers and the merge that brought a change in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from signoff.git.log import Commit, Person, read_commit
from signoff.git.repo import Repo
from signoff.provenance.markers import parse_person as parse_person  # re-exported; one pass

REVIEW_TRAILERS = {
    "reviewed-by": "reviewed",
    "acked-by": "acked",
    "approved-by": "approved",
    "tested-by": "tested",
}
_PR_MERGE = re.compile(r"^Merge pull request #(?P<num>\d+) from (?P<branch>\S+)")
_MR_MERGE = re.compile(r"^Merge branch '(?P<branch>[^']+)' into .*$")
_SQUASH_PR = re.compile(r"\(#(?P<num>\d+)\)\s*$")
_MR_TRAILER = re.compile(r"See merge request (?P<ref>\S+!\d+)")


@dataclass(frozen=True, slots=True)
class ReviewSignal:
    kind: str  # reviewed, acked, approved, tested
    person: Person
    evidence: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "person": self.person.to_json(), "evidence": self.evidence}


@dataclass(frozen=True, slots=True)
class MergeEvidence:
    """How the change reached the branch: a merge commit, or a squash naming a pull request."""

    commit: str
    pull_request: str | None
    subject: str
    merged_by: Person
    merged_at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "commit": self.commit,
            "pull_request": self.pull_request,
            "subject": self.subject,
            "merged_by": self.merged_by.to_json(),
            "merged_at": self.merged_at,
        }


def review_trailers(commit: Commit) -> list[ReviewSignal]:
    """Reviewed-by / Acked-by / Approved-by / Tested-by trailers, in order."""
    out = []
    for key, value in commit.trailers:
        kind = REVIEW_TRAILERS.get(key.lower())
        if kind:
            out.append(ReviewSignal(kind, parse_person(value), f"{key}: {value}"))
    return out


def pull_request_of(commit: Commit) -> str | None:
    """The pull/merge request a merge or squash commit names, if any."""
    m = _PR_MERGE.match(commit.subject)
    if m:
        return f"#{m['num']}"
    m = _MR_TRAILER.search(commit.message)
    if m:
        return m["ref"]
    m = _SQUASH_PR.search(commit.subject)
    if m:
        return f"#{m['num']}"
    return None


def merge_evidence(repo: Repo, commit: Commit, tip: str = "HEAD") -> MergeEvidence | None:
    """The merge on `tip`'s first-parent line that brought `commit` in, or its own PR marker.

    Bounded by the commits between `commit` and `tip`, so recent commits answer fast.
    """
    own = pull_request_of(commit)
    if own:
        return MergeEvidence(commit.sha, own, commit.subject, commit.committer, commit.commit_date)
    if repo.resolve(tip) is None:
        return None
    line = (
        repo.run("rev-list", "--first-parent", "--parents", f"{commit.sha}..{tip}", check=False)
        .decode()
        .splitlines()
    )
    if not line:
        return None
    if line[-1].split()[1:2] == [commit.sha]:
        return None  # committed straight onto the branch: no merge brought it in
    ancestry = set(
        repo.run("rev-list", "--ancestry-path", "--merges", f"{commit.sha}..{tip}", check=False)
        .decode()
        .split()
    )
    merges = [
        parts[0]
        for parts in (row.split() for row in line)
        if len(parts) > 2 and parts[0] in ancestry
    ]
    if not merges:
        return None
    merge = read_commit(repo, merges[-1])  # the oldest: the merge that brought it in
    return MergeEvidence(
        merge.sha, pull_request_of(merge), merge.subject, merge.committer, merge.commit_date
    )
