"""Forge review records for the audit: the two review-depth figures git cannot answer.

Git does not record on which push an approval was given, nor when. Given a folder of the
forge's pull-request data (one file per pull request, any shape `signoff check --reviews`
accepts), each change that names its pull request gets: approvals on the merged head, stale and
self approvals, and the hours from the last push to the first approval on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from signoff.audit.oversight import oversight_of
from signoff.audit.population import Change
from signoff.errors import SignoffError
from signoff.git.repo import Repo
from signoff.policy.model import Person
from signoff.review.forge import ForgeReview, load_forge_review

if TYPE_CHECKING:
    from signoff.query.lookup import ProvenanceLookup


def pull_key(pull_request: str | None) -> str | None:
    """ "#7" stays "#7"; GitLab's "group/project!12" and "!12" are both "!12"."""
    if not pull_request:
        return None
    if "!" in pull_request:
        return "!" + pull_request.rsplit("!", 1)[1]
    return pull_request


def load_reviews(folder: Path) -> dict[str, ForgeReview]:
    """Every pull request's review record in `folder` (*.json), keyed by `pull_key`."""
    if not folder.is_dir():
        raise SignoffError(
            f"{folder} is not a folder", "pass --reviews DIR: one forge JSON file per pull request"
        )
    out: dict[str, ForgeReview] = {}
    for path in sorted(folder.glob("*.json")):
        review = load_forge_review([path])
        key = pull_key(review.pull_request)
        if key is None:
            raise SignoffError(
                f"{path} does not name its pull request",
                "save the pull request itself (GET .../pulls/N) or a bundle with it",
            )
        out[key] = review
    return out


def review_summary(review: ForgeReview) -> dict[str, Any]:
    current = review.current_approvals()
    unknown = [
        a for a in review.standing() if a.state == "approved" and review.freshness(a) == "unknown"
    ]
    start = review.last_push_at or review.head_committed_at
    times = [a.submitted_at for a in current if a.submitted_at is not None]
    hours = None
    if start is not None and times:
        hours = round(max((min(times) - start).total_seconds(), 0.0) / 3600, 2)
    return {
        "forge": review.forge,
        "pull_request": review.pull_request,
        "head": review.head_sha,
        "current_approvals": len(current),
        "stale_approvals": len(review.stale_approvals()),
        "self_approvals": len(review.self_approvals()),
        "freshness_unknown": len(unknown),
        "approved_after_last_push": bool(current),
        "hours_to_approval": hours,
    }


class ReviewAttacher:
    """Gives each change that names a pull request found in `reviews` its forge summary, a
    change at a time; `people` (the registry) lets a reviewer's login match an author's email."""

    def __init__(self, reviews: dict[str, ForgeReview], people: Sequence[Person] = ()) -> None:
        self.reviews = reviews
        self.people = people
        self.named = self.matched = 0

    def __call__(self, change: Change) -> None:
        key = pull_key(change.pull_request)
        if key is None:
            return
        self.named += 1
        review = self.reviews.get(key)
        if review is not None:
            change.forge = review_summary(review)
            change.forge["oversight"] = oversight_of(review, change, self.people)
            self.matched += 1

    def counts(self) -> dict[str, int]:
        return {
            "records": len(self.reviews),
            "changes_naming_a_pull_request": self.named,
            "matched": self.matched,
        }


def attach_reviews(
    changes: Iterable[Change], reviews: dict[str, ForgeReview], people: Sequence[Person] = ()
) -> dict[str, int]:
    """Give each change that names a pull request found in `reviews` its forge summary."""
    attach = ReviewAttacher(reviews, people)
    for change in changes:
        attach(change)
    return attach.counts()


class SquashMapper:
    """Squash commits whose pull request record lists its commits get their AI lines mapped from
    those commits (`signoff.provenance.squash`), as a fetched `refs/pull/N/head` would give them.

    Only AI-assisted squash commits without a line record are changed; the PR commits must be
    in this clone (the forge lists them, git must still have them). A change at a time; the
    provenance lookup opens on the first change that needs it. `mapped` counts the changed.
    """

    def __init__(self, repo: Repo, reviews: dict[str, ForgeReview]) -> None:
        self.repo = repo
        self.reviews = reviews
        self.mapped = 0
        self._lookup: ProvenanceLookup | None = None

    def __enter__(self) -> SquashMapper:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._lookup is not None:
            self._lookup.close()
            self._lookup = None

    def __call__(self, change: Change) -> None:
        from signoff.git.log import read_commit
        from signoff.provenance.squash import map_pr_commits, with_mapping
        from signoff.query.lookup import ProvenanceLookup
        from signoff.store.index import line_measures

        key = pull_key(change.pull_request)
        if not (
            change.kind == "commit"
            and change.ai_assisted
            and not change.ai_members_with_line_record
            and key in self.reviews
            and self.reviews[key].commits
        ):
            return
        review = self.reviews[key]
        if self._lookup is None:
            self._lookup = ProvenanceLookup(self.repo)
        lookup = self._lookup
        commit = read_commit(self.repo, change.id)
        prov = lookup.get(change.id)
        mapping = map_pr_commits(
            self.repo, commit, lookup.many, pr_commits=[c.sha for c in review.commits]
        )
        if mapping is None or mapping.record is None:
            return
        attributed, unrecorded, recorded = line_measures(with_mapping(prov, mapping), change.added)
        change.ai_attributed_lines, change.unrecorded_ai_lines = attributed, unrecorded
        change.ai_members_with_line_record = recorded
        change.ai_member_lines_with_line_record = change.ai_member_lines if recorded else 0
        if recorded:  # the review's commits gave it a record: no longer lost
            change.capture_gaps = [g for g in change.capture_gaps if g["state"] != "lost"]
        self.mapped += 1


def map_forge_squashes(
    repo: Repo, changes: Iterable[Change], reviews: dict[str, ForgeReview]
) -> int:
    """Map squash commits' AI lines from their pull requests' commits (see `SquashMapper`);
    returns how many changed."""
    with SquashMapper(repo, reviews) as mapper:
        for change in changes:
            mapper(change)
    return mapper.mapped
