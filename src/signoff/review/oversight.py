"""Was the approval real? Independent approvals and review depth, from a forge review record.

An approval counts toward a bar only when an independent human gave it: not the author, not
whoever accepted the AI's output, and not the human who delegated the work to an agent (a forge
refuses that one too: the person who asked a coding agent for a pull request cannot approve
it). Bots and AI reviewers never count. Every approval set aside is kept with its reason, so a
report can say why a bar was not met instead of only that it was not.

Depth is measured, not judged here: the time from the last push to the approval, the size of
the AI part of the change it approved (say which measure), comments, and whether the forge
records that the approver opened the changed files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from signoff.git.log import Person
from signoff.policy.model import Person as PolicyPerson
from signoff.provenance.markers import is_bot_identity
from signoff.review.forge import ForgeApproval, ForgeReview, ForgeUser, _iso

# Why an approval does not count, in the order they are tested.
STALE = "stale"  # given before the last push
BOT = "bot"  # a bot or AI reviewer: never a human approval
AUTHOR = "author"  # wrote the change or one of its commits
ACCEPTER = "accepter"  # accepted the AI's output (Accepted-by)
DELEGATOR = "delegator"  # asked the agent for this pull request
REASONS = {
    STALE: "given before the last push",
    BOT: "a bot or AI reviewer, never a human approval",
    AUTHOR: "authored the change or one of its commits",
    ACCEPTER: "accepted the AI-generated change",
    DELEGATOR: "delegated the work to the agent that opened the pull request",
}


def is_bot(user: ForgeUser) -> bool:
    """A bot or AI account: the forge says so, a `[bot]` login, or a known agent identity."""
    if user.bot:
        return True
    login = user.login or ""
    if login.lower().endswith("[bot]"):
        return True
    person = Person(user.name or login, user.email or "")
    return bool(login or user.email) and is_bot_identity(person)


def delegators(review: ForgeReview, co_authors: Sequence[ForgeUser] = ()) -> list[ForgeUser]:
    """The humans who asked an agent for this pull request.

    Only an agent's pull request (opened by a bot or AI account) has them: its assignees (a
    coding agent is given a task by assigning it; the forge assigns the requester) and the
    humans its commits name as co-authors (agents credit the person they worked for).
    """
    if review.author is None or not is_bot(review.author):
        return []
    out: list[ForgeUser] = []
    for user in (*review.assignees, *co_authors):
        if not is_bot(user) and not any(user.same_as(o) for o in out):
            out.append(user)
    return out


@dataclass(frozen=True, slots=True)
class ApprovalVerdict:
    """One standing approval and whether it counts toward the bar."""

    approval: ForgeApproval
    counts: bool
    reason: str | None = None  # one of REASONS when it does not count

    @property
    def who(self) -> str:
        return _label(self.approval.reviewer)

    def to_json(self) -> dict[str, Any]:
        return {
            "reviewer": self.approval.reviewer.to_json(),
            "submitted_at": _iso(self.approval.submitted_at),
            "counts": self.counts,
            "set_aside": self.reason,
            "why": REASONS.get(self.reason or ""),
        }


def judge_approvals(
    review: ForgeReview,
    *,
    authors: Sequence[ForgeUser] = (),
    accepters: Sequence[ForgeUser] = (),
    co_authors: Sequence[ForgeUser] = (),
    same: Callable[[ForgeUser, Sequence[ForgeUser]], bool] | None = None,
) -> list[ApprovalVerdict]:
    """Each standing approval with whether it counts and, if not, why.

    `authors` and `accepters` come from git (commit authors, Accepted-by); `co_authors` from
    the change's Co-authored-by trailers; `same` decides whether a user is one of a list (the
    gate passes one that also knows the registry's people, so a login matches an email).
    """
    match = same or (lambda user, others: any(user.same_as(o) for o in others))
    delegating = delegators(review, co_authors)
    out: list[ApprovalVerdict] = []
    for a in review.standing():
        if a.state != "approved":
            continue
        reason: str | None = None
        if review.freshness(a) == "stale":
            reason = STALE
        elif is_bot(a.reviewer):
            reason = BOT
        elif review.is_author(a.reviewer) or match(a.reviewer, authors):
            reason = AUTHOR
        elif match(a.reviewer, delegating):
            reason = DELEGATOR  # on an agent's pull request the requester is also its accepter
        elif match(a.reviewer, accepters):
            reason = ACCEPTER
        out.append(ApprovalVerdict(a, reason is None, reason))
    return out


@dataclass(frozen=True, slots=True)
class AiSize:
    """The size of the AI part of a change, in one of the two measures, never added."""

    attributed: int  # lines a line record attributes to AI
    unrecorded: int  # added lines of AI-assisted commits without a line record

    def required_seconds(self, minutes_per_100: float) -> tuple[float, str]:
        """The longest review either measure asks for, and which measure decided it."""
        by_attributed = self.attributed * minutes_per_100 * 60 / 100
        by_unrecorded = self.unrecorded * minutes_per_100 * 60 / 100
        if by_attributed >= by_unrecorded:
            return by_attributed, "ai-attributed lines"
        return by_unrecorded, "lines of AI-assisted commits without a line record"

    def describe(self) -> str:
        parts = []
        if self.attributed:
            parts.append(f"{self.attributed} AI-attributed lines")
        if self.unrecorded:
            parts.append(f"{self.unrecorded} lines of AI-assisted commits without a line record")
        return " and ".join(parts) or "no AI lines"


@dataclass(frozen=True, slots=True)
class ReviewDepth:
    """How long an approver had the current head before approving, and what else is known."""

    reviewer: str
    seconds: float | None  # None: the push or the approval time is unknown
    since: str  # "last push" or "head commit time (push time unknown)"
    comments: int | None
    files_viewed: bool | None  # None: the forge's data does not record it

    def to_json(self) -> dict[str, Any]:
        return {
            "reviewer": self.reviewer,
            "review_seconds": None if self.seconds is None else round(self.seconds, 1),
            "measured_from": self.since,
            "comments": self.comments,
            "files_viewed": self.files_viewed,
        }


def review_depth(review: ForgeReview, approval: ForgeApproval) -> ReviewDepth:
    """Time from the last push (or, when the forge does not say, the head commit's time, which
    can only make the review look longer) to `approval`."""
    start: datetime | None = review.last_push_at
    since = "last push"
    if start is None:
        start = review.head_committed_at
        since = "head commit time (push time unknown)"
    seconds = None
    if start is not None and approval.submitted_at is not None:
        seconds = max((approval.submitted_at - start).total_seconds(), 0.0)
    return ReviewDepth(
        _label(approval.reviewer),
        seconds,
        since,
        review.comment_count(),
        None,  # neither GitHub's nor GitLab's REST API records who opened which file
    )


def registry_person(people: Iterable[PolicyPerson], user: ForgeUser) -> PolicyPerson | None:
    """The registry's person for a forge account: by email, else by handle (`@ada` or `ada`)."""
    login = (user.login or "").lstrip("@").lower()
    email = (user.email or "").lower()
    for person in people:
        if email and email in (e.lower() for e in person.emails):
            return person
        if login and login in (h.lstrip("@").lower() for h in person.handles):
            return person
    return None


def registry_matcher(
    people: Iterable[PolicyPerson],
) -> Callable[[ForgeUser, Sequence[ForgeUser]], bool]:
    """A `same` for `judge_approvals` that also knows the registry: a login matches an email
    when both name one person."""
    known = list(people)

    def same(user: ForgeUser, others: Sequence[ForgeUser]) -> bool:
        if any(user.same_as(o) for o in others):
            return True
        me = registry_person(known, user)
        return me is not None and any(registry_person(known, o) is me for o in others)

    return same


def _label(user: ForgeUser) -> str:
    return user.login or user.email or user.name or "?"
