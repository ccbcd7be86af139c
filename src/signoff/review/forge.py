"""Review evidence from a forge's pull-request data, read from files the CI job saved.

Git records who committed; only the forge records who approved, and on which head. The gate
asks two questions this module answers from GitHub's REST shapes (pull, reviews, commits, the
Actions event payload) and GitLab's (merge request, approvals, commits, diff versions):
was an approval given on the current head (a stale one does not count), and is the reviewer
someone other than the author? Each file's shape is recognised from its content, so
`--reviews FILE` can be given once with a bundle or several times with separate responses.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from signoff import jsonsafe
from signoff.errors import SignoffError, one_line
from signoff.files import TooLarge, read_bounded

GITHUB = "github"
GITLAB = "gitlab"

EXPECTED = (
    "a GitHub pull request (GET /repos/{owner}/{repo}/pulls/{n}), its reviews (…/reviews) or "
    "commits (…/commits), a bundle {pull, reviews, commits}, an Actions pull_request event "
    "payload (GITHUB_EVENT_PATH), or a GitLab merge request, its approvals, commits or versions "
    "(GET /projects/:id/merge_requests/:iid[/approvals|/commits|/versions]), or a bundle "
    "{merge_request, approvals, commits, versions}"
)
_REVIEW_STATES = {
    "APPROVED": "approved",
    "CHANGES_REQUESTED": "changes_requested",
    "COMMENTED": "commented",
    "DISMISSED": "dismissed",
}


@dataclass(frozen=True, slots=True)
class ForgeUser:
    """A forge account, with the name and email when some payload reveals them."""

    login: str | None  # None: a deleted account (GitHub shows "ghost")
    name: str | None = None
    email: str | None = None
    bot: bool = False

    def same_as(self, other: ForgeUser | None) -> bool:
        """Same account: equal login, or equal email when both are known (case-insensitive)."""
        if other is None:
            return False
        if self.login and other.login and self.login.lower() == other.login.lower():
            return True
        return bool(self.email and other.email and self.email.lower() == other.email.lower())

    def to_json(self) -> dict[str, Any]:
        return {"login": self.login, "name": self.name, "email": self.email, "bot": self.bot}


@dataclass(frozen=True, slots=True)
class ForgeApproval:
    """One submitted review (GitHub) or approval (GitLab) and the head it was given on."""

    reviewer: ForgeUser
    state: str  # approved, changes_requested, commented, dismissed
    submitted_at: datetime | None
    commit_id: str | None  # the head the review was given on; GitLab does not record it
    source: str  # the file it came from
    review_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "reviewer": self.reviewer.to_json(),
            "state": self.state,
            "submitted_at": _iso(self.submitted_at),
            "commit_id": self.commit_id,
            "review_id": self.review_id,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class ForgeCommit:
    """A commit of the pull request, with the forge accounts of its author and committer."""

    sha: str
    author: ForgeUser
    committer: ForgeUser
    authored_at: datetime | None
    committed_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "sha": self.sha,
            "author": self.author.to_json(),
            "committer": self.committer.to_json(),
            "authored_at": _iso(self.authored_at),
            "committed_at": _iso(self.committed_at),
        }


@dataclass(slots=True)
class ForgeReview:
    """A pull/merge request's review record, normalised across forges."""

    forge: str  # github, gitlab
    pull_request: str | None = None  # "#12" (GitHub), "group/project!12" or "!12" (GitLab)
    number: int | None = None
    repository: str | None = None
    title: str | None = None
    url: str | None = None
    state: str | None = None
    author: ForgeUser | None = None
    head_sha: str | None = None
    head_ref: str | None = None
    base_ref: str | None = None
    base_sha: str | None = None
    last_push_at: datetime | None = None  # when the current head was pushed, if a payload says
    approvals_required: int | None = None  # GitLab's own rule count, when given
    approvals: list[ForgeApproval] = field(default_factory=list)  # every review, oldest first
    commits: list[ForgeCommit] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @property
    def head_committed_at(self) -> datetime | None:
        """Committer date of the head commit: the head cannot have been pushed before it."""
        for c in self.commits:
            if self.head_sha and c.sha == self.head_sha:
                return c.committed_at
        return None

    def standing(self) -> list[ForgeApproval]:
        """Each reviewer's standing review: the latest approve, request-changes or dismissal.

        A comment-only review does not change where a reviewer stands, as on GitHub.
        """
        latest: dict[str, ForgeApproval] = {}
        for a in self.approvals:
            if a.state == "commented":
                continue
            latest[_who(a.reviewer)] = a
        return list(latest.values())

    def freshness(self, approval: ForgeApproval) -> str:
        """'current', 'stale' or 'unknown': was `approval` given on the head being merged?

        The commit an approval names decides when the forge records it (GitHub). Otherwise its
        time is compared with the push of the head (GitLab diff versions), or with the head
        commit's date, which can only prove an approval stale.
        """
        if approval.commit_id and self.head_sha:
            return "current" if approval.commit_id == self.head_sha else "stale"
        if approval.submitted_at is None:
            return "unknown"
        if self.last_push_at is not None:
            return "current" if approval.submitted_at >= self.last_push_at else "stale"
        committed = self.head_committed_at
        if committed is not None and approval.submitted_at < committed:
            return "stale"
        return "unknown"

    def current_approvals(self) -> list[ForgeApproval]:
        """Standing approvals given on the current head: the ones a bar may count."""
        return [
            a for a in self.standing() if a.state == "approved" and self.freshness(a) == "current"
        ]

    def stale_approvals(self) -> list[ForgeApproval]:
        return [
            a for a in self.standing() if a.state == "approved" and self.freshness(a) == "stale"
        ]

    def authors(self) -> list[ForgeUser]:
        """Whoever wrote this change: the pull request's author and each commit's author."""
        people: list[ForgeUser] = [self.author] if self.author else []
        for c in self.commits:
            if not any(c.author.same_as(p) for p in people):
                people.append(c.author)
        return people

    def is_author(self, user: ForgeUser) -> bool:
        return any(user.same_as(p) for p in self.authors())

    def self_approvals(self) -> list[ForgeApproval]:
        """Standing approvals by someone who authored the pull request or one of its commits."""
        return [a for a in self.standing() if a.state == "approved" and self.is_author(a.reviewer)]

    def to_json(self) -> dict[str, Any]:
        return {
            "forge": self.forge,
            "pull_request": self.pull_request,
            "number": self.number,
            "repository": self.repository,
            "title": self.title,
            "url": self.url,
            "state": self.state,
            "author": self.author.to_json() if self.author else None,
            "head_sha": self.head_sha,
            "head_ref": self.head_ref,
            "base_ref": self.base_ref,
            "base_sha": self.base_sha,
            "last_push_at": _iso(self.last_push_at),
            "head_committed_at": _iso(self.head_committed_at),
            "approvals_required": self.approvals_required,
            "approvals": [
                {
                    **a.to_json(),
                    "freshness": self.freshness(a),
                    "self_approval": self.is_author(a.reviewer),
                }
                for a in self.approvals
            ],
            "commits": [c.to_json() for c in self.commits],
            "sources": list(self.sources),
        }


# --- loading -------------------------------------------------------------------------------


def load_forge_review(
    paths: Sequence[str | os.PathLike[str]], *, event_path: str | os.PathLike[str] | None = None
) -> ForgeReview:
    """One review record from `--reviews` files (any mix of shapes) and an optional event.

    Bad input raises `SignoffError` naming the file, the field and the shape expected.
    """
    docs = [(os.fspath(p), read_json(p)) for p in paths]
    if event_path is not None:
        docs.append((os.fspath(event_path), read_json(event_path)))
    if not docs:
        raise SignoffError("no review files given", "pass --reviews FILE (repeatable)")
    return parse_forge_documents(docs)


def github_event_review(environ: Mapping[str, str] | None = None) -> ForgeReview | None:
    """The review record of the Actions event in `GITHUB_EVENT_PATH`, if it is about a PR.

    None outside Actions and for events without a pull request (a push to main), which is
    normal in CI; a file that is there but unreadable is an error.
    """
    env = os.environ if environ is None else environ
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return None
    doc = read_json(path)
    if not (isinstance(doc, dict) and isinstance(doc.get("pull_request"), dict)):
        return None
    return parse_forge_documents([(path, doc)])


def read_json(path: str | os.PathLike[str]) -> Any:
    """A file's JSON, or a `SignoffError` saying which file and what is wrong with it."""
    name = os.fspath(path)
    try:
        raw = read_bounded(path)
    except TooLarge as exc:
        raise SignoffError(str(exc), "pass the forge's JSON response itself") from None
    except FileNotFoundError:
        raise SignoffError(f"{name}: no such file", "check the --reviews path") from None
    except OSError as exc:
        raise SignoffError(f"{name}: cannot read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SignoffError(f"{name}: not UTF-8 text, so not a forge JSON response") from None
    if not text.strip():
        raise SignoffError(f"{name}: empty file", f"expected {EXPECTED}")
    try:
        return jsonsafe.loads(text)
    except json.JSONDecodeError as exc:
        raise SignoffError(
            f"{name}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            f"expected {EXPECTED}",
        ) from None


def parse_forge_documents(docs: Sequence[tuple[str, Any]]) -> ForgeReview:
    """Merge already-parsed JSON documents (source name, value) into one review record."""
    builder = _Builder()
    for source, doc in docs:
        builder.add(source, doc)
    return builder.finish()


class _Builder:
    """Accumulates the parts of one pull request and checks they agree."""

    def __init__(self) -> None:
        self.review: ForgeReview | None = None
        self.pr_source: str | None = None
        self.reviews: dict[str, ForgeApproval] = {}
        self.commits: dict[str, ForgeCommit] = {}
        self.versions: list[tuple[str, datetime | None]] = []
        self.sources: list[str] = []

    def add(self, source: str, doc: Any) -> None:
        self.sources.append(source)
        r = _Reader(source)
        if isinstance(doc, list):
            self._add_list(r, doc, "")
            return
        if not isinstance(doc, dict):
            raise r.error("", "a JSON object or list", doc)
        keys = doc.keys()
        pull_like = "number" in keys or "iid" in keys
        if isinstance(doc.get("pull_request"), dict) and {"action", "sender", "repository"} & keys:
            self._pull(r, _github_pull(r.at("pull_request"), doc["pull_request"], doc), GITHUB)
            if isinstance(doc.get("review"), dict):
                self._review(_github_review(r.at("review"), doc["review"]))
            return
        if "sender" in keys and "pull_request" not in keys:
            raise SignoffError(
                f"{source}: an Actions event without a pull request (a push or another event)",
                "run the gate on pull_request or pull_request_review events, or pass the pull "
                "request's REST data with --reviews",
            )
        if not pull_like and {"merge_request", "approvals", "versions"} & keys:
            if doc.get("merge_request") is not None:
                mr = r.obj(doc, "merge_request")
                self._pull(r, _gitlab_mr(r.at("merge_request"), mr), GITLAB)
            if doc.get("approvals") is not None:
                self._approvals(r.at("approvals"), r.obj(doc, "approvals"))
            for key in ("commits", "versions"):
                if doc.get(key) is not None:
                    self._add_list(r.at(key), r.array(doc, key), key)
            return
        if not pull_like and {"pull", "pull_request", "reviews", "commits"} & keys:
            key = "pull" if "pull" in keys else "pull_request"
            if doc.get(key) is not None:
                self._pull(r, _github_pull(r.at(key), r.obj(doc, key), {}), GITHUB)
            for key in ("reviews", "commits"):
                if doc.get(key) is not None:
                    self._add_list(r.at(key), r.array(doc, key), key)
            return
        if "number" in doc and isinstance(doc.get("head"), dict):
            self._pull(r, _github_pull(r, doc, {}), GITHUB)
            return
        if "iid" in doc and ("sha" in doc or "diff_refs" in doc or "source_branch" in doc):
            self._pull(r, _gitlab_mr(r, doc), GITLAB)
            return
        if isinstance(doc.get("approved_by"), list):
            self._approvals(r, doc)
            return
        raise SignoffError(
            f"{source}: not a forge response Signoff reads (top-level keys: "
            f"{', '.join(one_line(k, 40) for k in sorted(doc)[:8]) or 'none'})",
            f"expected {EXPECTED}",
        )

    def _add_list(self, r: _Reader, items: list[Any], hint: str) -> None:
        for i, item in enumerate(items):
            ri = r.at(f"[{i}]")
            if not isinstance(item, dict):
                raise ri.error("", "an object", item)
            if "head_commit_sha" in item:
                self._forge(r, GITLAB)
                self.versions.append(
                    (ri.text(item, "head_commit_sha"), ri.time(item, "created_at"))
                )
            elif "short_id" in item or ("author_email" in item and "id" in item):
                self._forge(r, GITLAB)
                self._commit(_gitlab_commit(ri, item))
            elif "sha" in item and isinstance(item.get("commit"), dict):
                self._forge(r, GITHUB)
                self._commit(_github_commit(ri, item))
            elif "state" in item and "user" in item:
                self._forge(r, GITHUB)
                if str(item.get("state")).upper() == "PENDING":
                    continue  # a draft review nobody else can see yet
                self._review(_github_review(ri, item))
            else:
                what = f"a {hint[:-1]}" if hint else "a review, commit or version"
                raise ri.error("", f"{what} object of a forge API response", item)

    def _forge(self, r: _Reader, forge: str) -> None:
        if self.review is None:
            self.review = ForgeReview(forge)
        elif self.review.forge != forge:
            raise SignoffError(
                f"{r.source}: {forge} data, but earlier files were {self.review.forge} data",
                "give the files of one pull or merge request",
            )

    def _pull(self, r: _Reader, pr: ForgeReview, forge: str) -> None:
        self._forge(r, forge)
        assert self.review is not None
        current = self.review
        if self.pr_source is not None:
            for attr in ("number", "head_sha"):
                mine, theirs = getattr(current, attr), getattr(pr, attr)
                if mine and theirs and mine != theirs:
                    raise SignoffError(
                        f"{r.source}: {attr} {theirs} disagrees with {self.pr_source} ({mine})",
                        "fetch every file for the same pull request in the same CI run",
                    )
        for f in _PULL_FIELDS:
            if getattr(pr, f) is not None:
                setattr(current, f, getattr(pr, f))
        self.pr_source = self.pr_source or r.source

    def _review(self, a: ForgeApproval) -> None:
        key = a.review_id or f"{_who(a.reviewer)}|{a.state}|{_iso(a.submitted_at)}|{a.commit_id}"
        self.reviews[key] = a

    def _commit(self, c: ForgeCommit) -> None:
        self.commits.setdefault(c.sha, c)

    def _approvals(self, r: _Reader, doc: dict[str, Any]) -> None:
        self._forge(r, GITLAB)
        assert self.review is not None
        required = doc.get("approvals_required")
        if required is not None:
            self.review.approvals_required = r.number(doc, "approvals_required")
        for i, entry in enumerate(r.array(doc, "approved_by")):
            ri = r.at(f"approved_by[{i}]")
            if not isinstance(entry, dict):
                raise ri.error("", "an object with a user", entry)
            user = _gitlab_user(ri.at("user"), ri.obj(entry, "user"))
            when = ri.time(entry, "approved_at") if entry.get("approved_at") else None
            self._review(ForgeApproval(user, "approved", when, None, r.source))

    def finish(self) -> ForgeReview:
        review = self.review or ForgeReview(GITHUB)
        review.sources = self.sources
        names = _known_people(self.commits.values())
        review.commits = list(self.commits.values())
        review.approvals = sorted(
            (_enrich(a, names) for a in self.reviews.values()),
            key=lambda a: (a.submitted_at is None, a.submitted_at or _EPOCH),
        )
        if review.author is not None:
            review.author = _enrich_user(review.author, names)
        if review.head_sha:
            pushes = [t for sha, t in self.versions if sha == review.head_sha and t is not None]
            if pushes:
                review.last_push_at = min(pushes)
        return review


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_PULL_FIELDS = (
    "pull_request",
    "number",
    "repository",
    "title",
    "url",
    "state",
    "author",
    "head_sha",
    "head_ref",
    "base_ref",
    "base_sha",
    "approvals_required",
)


def _sub(obj: dict[str, Any], key: str) -> dict[str, Any]:
    """An optional nested object: the object, or {} when absent or of another type."""
    value = obj.get(key)
    return value if isinstance(value, dict) else {}


# --- one shape each ------------------------------------------------------------------------


def _github_pull(r: _Reader, pull: dict[str, Any], event: dict[str, Any]) -> ForgeReview:
    number = r.number(pull, "number") if "number" in pull else r.number(event, "number")
    head = r.obj(pull, "head")
    base = r.obj(pull, "base") if pull.get("base") is not None else {}
    repository = _sub(base, "repo").get("full_name") or _sub(event, "repository").get("full_name")
    merged = pull.get("merged") is True or bool(pull.get("merged_at"))
    return ForgeReview(
        GITHUB,
        pull_request=f"#{number}",
        number=number,
        repository=str(repository) if repository else None,
        title=r.opt_text(pull, "title"),
        url=r.opt_text(pull, "html_url"),
        state="merged" if merged else r.opt_text(pull, "state"),
        author=_github_user(r.at("user"), pull.get("user")),
        head_sha=r.at("head").text(head, "sha"),
        head_ref=r.at("head").opt_text(head, "ref"),
        base_ref=r.at("base").opt_text(base, "ref"),
        base_sha=r.at("base").opt_text(base, "sha"),
    )


def _github_review(r: _Reader, item: dict[str, Any]) -> ForgeApproval:
    raw = r.text(item, "state").upper()
    if raw not in _REVIEW_STATES:
        raise r.error("state", f"one of {', '.join(_REVIEW_STATES)}", item.get("state"))
    return ForgeApproval(
        reviewer=_github_user(r.at("user"), item.get("user")),
        state=_REVIEW_STATES[raw],
        submitted_at=r.time(item, "submitted_at") if item.get("submitted_at") else None,
        commit_id=r.opt_text(item, "commit_id"),
        source=r.source,
        review_id=str(item["id"]) if item.get("id") is not None else None,
    )


def _github_commit(r: _Reader, item: dict[str, Any]) -> ForgeCommit:
    inner = r.obj(item, "commit")
    people = []
    for role in ("author", "committer"):
        git_person = _sub(inner, role)
        account = _github_user(r.at(role), item.get(role)) if item.get(role) else ForgeUser(None)
        people.append(
            (
                ForgeUser(
                    account.login,
                    r.at(f"commit.{role}").opt_text(git_person, "name"),
                    r.at(f"commit.{role}").opt_text(git_person, "email"),
                    account.bot,
                ),
                r.at(f"commit.{role}").time(git_person, "date") if git_person.get("date") else None,
            )
        )
    return ForgeCommit(r.text(item, "sha"), people[0][0], people[1][0], people[0][1], people[1][1])


def _github_user(r: _Reader, user: Any) -> ForgeUser:
    if user is None:
        return ForgeUser(None)  # deleted account
    if not isinstance(user, dict):
        raise r.error("", "a user object with a login", user)
    login = r.text(user, "login")
    return ForgeUser(
        login, r.opt_text(user, "name"), r.opt_text(user, "email"), user.get("type") == "Bot"
    )


def _gitlab_mr(r: _Reader, mr: dict[str, Any]) -> ForgeReview:
    iid = r.number(mr, "iid")
    refs = _sub(mr, "references")
    full = refs.get("full") if isinstance(refs.get("full"), str) else None
    diff_refs = _sub(mr, "diff_refs")
    head = r.opt_text(mr, "sha") or r.at("diff_refs").opt_text(diff_refs, "head_sha")
    return ForgeReview(
        GITLAB,
        pull_request=full or f"!{iid}",
        number=iid,
        repository=full.rsplit("!", 1)[0] if full else None,
        title=r.opt_text(mr, "title"),
        url=r.opt_text(mr, "web_url"),
        state=r.opt_text(mr, "state"),
        author=_gitlab_user(r.at("author"), r.obj(mr, "author")) if mr.get("author") else None,
        head_sha=head,
        head_ref=r.opt_text(mr, "source_branch"),
        base_ref=r.opt_text(mr, "target_branch"),
        base_sha=r.at("diff_refs").opt_text(diff_refs, "base_sha"),
    )


def _gitlab_user(r: _Reader, user: dict[str, Any]) -> ForgeUser:
    email = r.opt_text(user, "email") or r.opt_text(user, "public_email") or None
    return ForgeUser(
        r.text(user, "username"), r.opt_text(user, "name"), email, user.get("bot") is True
    )


def _gitlab_commit(r: _Reader, item: dict[str, Any]) -> ForgeCommit:
    def when(key: str) -> datetime | None:
        return r.time(item, key) if item.get(key) else None

    return ForgeCommit(
        r.text(item, "id"),
        ForgeUser(None, r.opt_text(item, "author_name"), r.opt_text(item, "author_email")),
        ForgeUser(None, r.opt_text(item, "committer_name"), r.opt_text(item, "committer_email")),
        when("authored_date"),
        when("committed_date") or when("created_at"),
    )


def _known_people(commits: Iterable[ForgeCommit]) -> dict[str, ForgeUser]:
    """Names and emails that commits reveal for a forge login."""
    known: dict[str, ForgeUser] = {}
    for c in commits:
        for person in (c.author, c.committer):
            if person.login and (person.name or person.email):
                known.setdefault(person.login.lower(), person)
    return known


def _enrich_user(user: ForgeUser, known: dict[str, ForgeUser]) -> ForgeUser:
    match = known.get(user.login.lower()) if user.login else None
    if match is None:
        return user
    return ForgeUser(user.login, user.name or match.name, user.email or match.email, user.bot)


def _enrich(a: ForgeApproval, known: dict[str, ForgeUser]) -> ForgeApproval:
    reviewer = _enrich_user(a.reviewer, known)
    if reviewer == a.reviewer:
        return a
    return ForgeApproval(reviewer, a.state, a.submitted_at, a.commit_id, a.source, a.review_id)


def _who(user: ForgeUser) -> str:
    return (user.login or user.email or user.name or "?").lower()


def _iso(when: datetime | None) -> str | None:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else None


_KINDS = {
    "dict": "an object",
    "list": "a list",
    "str": "a string",
    "int": "a number",
    "float": "a number",
    "bool": "true/false",
    "NoneType": "null",
}


class _Reader:
    """Typed field access that names the file and the JSON path when a field is wrong."""

    def __init__(self, source: str, where: str = "") -> None:
        self.source = source
        self.where = where

    def at(self, key: str) -> _Reader:
        if key.startswith("["):
            return _Reader(self.source, f"{self.where}{key}")
        return _Reader(self.source, f"{self.where}.{key}" if self.where else key)

    def error(self, key: str, expected: str, found: Any) -> SignoffError:
        place = self.at(key).where if key else self.where
        kind = _KINDS.get(type(found).__name__, type(found).__name__)
        return SignoffError(
            f"{self.source}: {place or 'top level'}: expected {expected}, found {kind}",
            f"expected {EXPECTED}",
        )

    def text(self, obj: dict[str, Any], key: str) -> str:
        value = obj.get(key)
        if not isinstance(value, str) or not value:
            raise self.error(key, "a non-empty string", value)
        return value

    def opt_text(self, obj: dict[str, Any], key: str) -> str | None:
        value = obj.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error(key, "a string", value)
        return value or None

    def number(self, obj: dict[str, Any], key: str) -> int:
        value = obj.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, "a whole number", value)
        return value

    def obj(self, obj: dict[str, Any], key: str) -> dict[str, Any]:
        value = obj.get(key)
        if not isinstance(value, dict):
            raise self.error(key, "an object", value)
        return value

    def array(self, obj: dict[str, Any], key: str) -> list[Any]:
        value = obj.get(key)
        if not isinstance(value, list):
            raise self.error(key, "a list", value)
        return value

    def time(self, obj: dict[str, Any], key: str) -> datetime:
        value = self.text(obj, key)
        text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            raise self.error(key, "an ISO 8601 time such as 2026-03-01T12:00:00Z", value) from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        return when.astimezone(timezone.utc)
