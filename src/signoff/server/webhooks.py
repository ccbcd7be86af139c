"""Forge webhooks: pull requests, reviews and pushes from GitHub; merge requests and approvals
from GitLab.

A delivery is trusted only with a valid signature (GitHub's `X-Hub-Signature-256`, an HMAC of the
body) or token (GitLab's `X-Gitlab-Token`). It is stored once: a second delivery with the same id,
or the same body under another id (a replay), is acknowledged and ignored. Events Signoff does not
read are acknowledged and dropped. Pull requests and reviews are kept in the forge's REST shapes,
so `review_bundle` hands the gate exactly what `signoff check --reviews FILE` reads from files.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from signoff.review.forge import GITHUB, GITLAB
from signoff.store import auditlog
from signoff.store.db import now_iso
from signoff.store.ingest import insert_new, repository
from signoff.store.models import PullRequest, RefUpdate, Review, WebhookDelivery

GITHUB_EVENTS = {"pull_request", "pull_request_review", "push"}


def github_signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    if not header or not header.startswith("sha256="):
        return False
    want = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, header[len("sha256=") :])


def gitlab_token_ok(secret: str, header: str | None) -> bool:
    return bool(header) and hmac.compare_digest(secret.encode(), (header or "").encode())


def _number(value: Any) -> bool:
    """A pull or merge request number the store can hold (forges count from 1)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value < 2**31


def first_delivery(
    session: Session, forge: str, delivery_id: str, body: bytes, event: str, outcome: str
) -> bool:
    """Record the delivery; False when its id or its body was seen before."""
    row = {
        "forge": forge,
        "delivery_id": delivery_id,
        "body_sha256": hashlib.sha256(body).hexdigest(),
        "event": event[:100],
        "outcome": outcome,
        "received_at": now_iso(),
    }
    return insert_new(session, WebhookDelivery, [row], None) == 1


def _pull(
    session: Session, repo_id: int, forge: str, number: int, head: str | None, record: Any
) -> PullRequest:
    row = session.execute(
        select(PullRequest).where(
            PullRequest.repo_id == repo_id,
            PullRequest.forge == forge,
            PullRequest.number == number,
        )
    ).scalar_one_or_none()
    if row is None:
        insert_new(
            session,
            PullRequest,
            [
                {
                    "repo_id": repo_id,
                    "forge": forge,
                    "number": number,
                    "head_sha": head,
                    "record": record,
                    "updated_at": now_iso(),
                }
            ],
            ["repo_id", "forge", "number"],
        )
        row = session.execute(
            select(PullRequest).where(
                PullRequest.repo_id == repo_id,
                PullRequest.forge == forge,
                PullRequest.number == number,
            )
        ).scalar_one()
    else:
        row.record, row.head_sha, row.updated_at = record, head, now_iso()
    return row


def _review(session: Session, pull: PullRequest, key: str, record: Any) -> None:
    existing = session.execute(
        select(Review).where(Review.pull_id == pull.id, Review.review_key == key)
    ).scalar_one_or_none()
    if existing is None:
        insert_new(
            session,
            Review,
            [{"pull_id": pull.id, "review_key": key, "record": record}],
            ["pull_id", "review_key"],
        )
    else:
        existing.record = record


def handle_github(session: Session, event: str, payload: dict[str, Any]) -> str:
    """Store what a GitHub event says; returns the outcome ("stored" or why not)."""
    if event not in GITHUB_EVENTS:
        return "ignored: event not read"
    name = (payload.get("repository") or {}).get("full_name")
    if not isinstance(name, str):
        return "ignored: no repository"
    repo = repository(session, name, create=True)
    assert repo is not None
    if event == "push":
        ref, after, before = payload.get("ref"), payload.get("after"), payload.get("before")
        if not (isinstance(ref, str) and isinstance(after, str)) or len(ref) > 500:
            return "ignored: push without ref"
        if len(after) > 64 or (isinstance(before, str) and len(before) > 64):
            return "ignored: push without commit ids"
        session.add(
            RefUpdate(
                repo_id=repo.id,
                ref=ref,
                old_tip=before if isinstance(before, str) and before.strip("0") else None,
                new_tip=after,
                rewritten=payload.get("forced") is True,
                at=now_iso(),
            )
        )
        auditlog.append(
            session,
            "webhook:github",
            "forge.push",
            f"repository:{name}",
            {"ref": ref, "after": after, "forced": payload.get("forced") is True},
        )
        return "stored"
    pull = payload.get("pull_request")
    if not isinstance(pull, dict) or not _number(pull.get("number")):
        return "ignored: no pull request"
    head = (pull.get("head") or {}).get("sha")
    row = _pull(session, repo.id, GITHUB, pull["number"], head, pull)
    detail: dict[str, Any] = {"number": pull["number"], "action": payload.get("action")}
    review = payload.get("review")
    if event == "pull_request_review" and isinstance(review, dict) and review.get("id"):
        _review(session, row, str(review["id"]), review)
        detail["review"] = review.get("id")
        detail["state"] = review.get("state")
    auditlog.append(session, "webhook:github", f"forge.{event}", f"repository:{name}", detail)
    return "stored"


def _gitlab_user(user: Any) -> dict[str, Any] | None:
    if not isinstance(user, dict) or not user.get("username"):
        return None
    out = {k: user.get(k) for k in ("username", "name") if user.get(k)}
    email = user.get("email")
    # GitLab sends "[REDACTED]" (or nothing) instead of a user's address: two such would
    # look like one person, and every approval like the author's own
    if isinstance(email, str) and "@" in email:
        out["email"] = email
    return out


def _gitlab_time(value: Any) -> str | None:
    """An event time as ISO 8601: GitLab's hooks send "2026-02-01 09:00:00 UTC" as well as
    ISO forms, and the gate's reader takes ISO only."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(" UTC"):
        text = text[: -len(" UTC")].replace(" ", "T") + "Z"
    return text


# Kept inside the stored merge request (the forge's REST object has no room for them) and handed
# to the gate as the REST API's `versions` and `commits` lists: when each head was pushed decides
# whether an approval (GitLab records no commit for it) came before the last push.
_VERSIONS, _COMMITS = "signoff_versions", "signoff_commits"


def _gitlab_history(
    old: dict[str, Any], attrs: dict[str, Any], head: str | None
) -> tuple[list[Any], list[Any]]:
    """The merge request's pushes (REST `versions` shape) and head commits (REST `commits`
    shape), with this event's added: a new head is a push, at the event's time."""
    versions = list(old.get(_VERSIONS) or [])
    commits = list(old.get(_COMMITS) or [])
    if not isinstance(head, str) or not head:
        return versions, commits
    when = _gitlab_time(attrs.get("updated_at")) or _gitlab_time(attrs.get("created_at"))
    when = when or now_iso()
    if not any(v.get("head_commit_sha") == head for v in versions):
        versions.append({"head_commit_sha": head, "created_at": when})
    last = attrs.get("last_commit") or {}
    if isinstance(last, dict) and not any(c.get("id") == head for c in commits):
        author: dict[str, Any] = last["author"] if isinstance(last.get("author"), dict) else {}
        commit = {
            "id": head,
            "short_id": head[:8],
            "title": last.get("title"),
            "author_name": author.get("name"),
            "author_email": author.get("email"),
            "committed_date": _gitlab_time(last.get("timestamp")),
        }
        commits.append({k: v for k, v in commit.items() if v is not None})
    return versions, commits


def handle_gitlab(session: Session, event: str, payload: dict[str, Any]) -> str:
    """Store a GitLab merge request event (opened, updated, approved, unapproved, ...)."""
    if payload.get("object_kind") != "merge_request":
        return "ignored: event not read"
    project = payload.get("project") or {}
    name = project.get("path_with_namespace")
    attrs = payload.get("object_attributes") or {}
    iid = attrs.get("iid")
    if not isinstance(name, str) or not _number(iid):
        return "ignored: no merge request"
    repo = repository(session, name, create=True)
    assert repo is not None
    head = (attrs.get("last_commit") or {}).get("id")
    # the REST shape `GET /projects/:id/merge_requests/:iid` has, so the gate reads it as such
    mr: dict[str, Any] = {
        "iid": iid,
        "sha": head,
        "title": attrs.get("title"),
        "state": attrs.get("state"),
        "web_url": attrs.get("url"),
        "source_branch": attrs.get("source_branch"),
        "target_branch": attrs.get("target_branch"),
        "references": {"full": f"{name}!{iid}"},
    }
    old = session.execute(
        select(PullRequest).where(
            PullRequest.repo_id == repo.id, PullRequest.forge == GITLAB, PullRequest.number == iid
        )
    ).scalar_one_or_none()
    action = attrs.get("action")
    actor = _gitlab_user(payload.get("user"))
    if action == "open" and actor is not None:
        mr["author"] = actor
    elif old is not None and isinstance(old.record, dict) and old.record.get("author"):
        mr["author"] = old.record["author"]
    previous = old.record if old is not None and isinstance(old.record, dict) else {}
    mr[_VERSIONS], mr[_COMMITS] = _gitlab_history(previous, attrs, head)
    assert isinstance(iid, int)
    row = _pull(session, repo.id, GITLAB, iid, head, mr)
    if action in ("approved", "approval") and actor is not None:
        when = _gitlab_time(attrs.get("updated_at")) or now_iso()
        _review(session, row, f"approval:{actor['username']}", {"user": actor, "approved_at": when})
    elif action in ("unapproved", "unapproval") and actor is not None:
        session.execute(
            delete(Review).where(
                Review.pull_id == row.id, Review.review_key == f"approval:{actor['username']}"
            )
        )
    auditlog.append(
        session,
        "webhook:gitlab",
        "forge.merge_request",
        f"repository:{name}",
        {"number": iid, "action": action, "user": (actor or {}).get("username")},
    )
    return "stored"


def review_bundle(session: Session, repo_id: int, number: int) -> dict[str, Any] | None:
    """The stored pull request and its reviews as the forge's REST bundle (None: not known)."""
    pull = (
        session.execute(
            select(PullRequest)
            .where(PullRequest.repo_id == repo_id, PullRequest.number == number)
            .order_by(PullRequest.updated_at.desc())
        )
        .scalars()
        .first()
    )
    if pull is None:
        return None
    reviews = [
        r.record
        for r in session.execute(
            select(Review).where(Review.pull_id == pull.id).order_by(Review.id)
        ).scalars()
    ]
    if pull.forge == GITLAB:
        mr = dict(pull.record)
        versions, commits = mr.pop(_VERSIONS, []), mr.pop(_COMMITS, [])
        return {
            "merge_request": mr,
            "approvals": {"approved_by": reviews},
            "versions": versions,
            "commits": commits,
        }
    return {"pull": pull.record, "reviews": reviews}
