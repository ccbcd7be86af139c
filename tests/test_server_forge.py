"""Forge evidence end to end, on both engines: webhook deliveries shaped as GitHub and GitLab
send them (signed, some repeated), then `signoff check --server` on the pull request's change
reads the approvals the server stored and passes or blocks as the policy says, including an
approval given before the last push."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from signoff.git.repo import Repo
from signoff.server.client import Client
from signoff.server.push import push
from tests.gitrepo import GitRepo, run_signoff
from tests.policy_fixtures import base, dump
from tests.test_server import SECRET, Running, _post, server  # noqa: F401 - fixture

REPO = {"id": 1296269, "name": "shop", "full_name": "org/shop", "private": True}
HEDY = ("Hedy Lamarr", "hedy@example.com")
AI_CHANGE = (
    "Charge in cents\n\nAI-Assisted: claude-code/claude-sonnet-4\n"
    "Accepted-by: Hedy Lamarr <hedy@example.com>\n"
)


def _policy() -> str:
    doc = base()
    handles = {"ada": "ada-l", "grace": "grace-h", "hedy": "hedy-l"}
    for person in doc["people"]:
        if person["id"] in handles:
            person["handles"] = [handles[person["id"]]]
    doc["tiers"]["high"] = {"min_approvals": 1, "reviewer_roles": ["security-reviewer"]}
    for wf in doc["workflows"]:
        if wf["id"] == "payments":
            wf["tier"] = "high"
    return dump(doc)


def _change(repo: GitRepo) -> str:
    repo.commit("Start", {"signoff.yaml": _policy(), "payments/pay.py": "def pay(): ...\n"})
    repo.git("checkout", "-q", "-b", "cents")
    return repo.commit(
        AI_CHANGE, {"payments/pay.py": "def pay(amount):\n    return amount * 100\n"}, author=HEDY
    )


def _user(login: str, kind: str = "User") -> dict[str, Any]:
    return {"login": login, "id": abs(hash(login)) % 10**7, "type": kind, "site_admin": False}


def _gh_pull(head: str, base_sha: str, *, updated: str) -> dict[str, Any]:
    """A `pull_request` object as the webhook carries it (the fields Signoff reads and more)."""
    return {
        "url": "https://api.github.com/repos/org/shop/pulls/42",
        "id": 1,
        "number": 42,
        "state": "open",
        "locked": False,
        "title": "Charge in cents",
        "user": _user("hedy-l"),
        "body": "Moves payments to integer cents.",
        "created_at": "2026-02-01T09:00:00Z",
        "updated_at": updated,
        "draft": False,
        "merged": False,
        "merged_at": None,
        "assignees": [],
        "requested_reviewers": [_user("ada-l")],
        "head": {
            "label": "org:cents",
            "ref": "cents",
            "sha": head,
            "user": _user("org", "Organization"),
            "repo": REPO,
        },
        "base": {
            "label": "org:main",
            "ref": "main",
            "sha": base_sha,
            "user": _user("org", "Organization"),
            "repo": REPO,
        },
        "author_association": "MEMBER",
        "comments": 0,
        "review_comments": 0,
        "commits": 1,
    }


def _gh_review(review_id: int, login: str, head: str, when: str) -> dict[str, Any]:
    return {
        "id": review_id,
        "node_id": f"PRR_{review_id}",
        "user": _user(login),
        "body": "",
        "commit_id": head,
        "submitted_at": when,
        "state": "approved",  # webhooks send lower case; the REST API upper case
        "html_url": f"https://github.com/org/shop/pull/42#pullrequestreview-{review_id}",
        "pull_request_url": "https://api.github.com/repos/org/shop/pulls/42",
        "author_association": "MEMBER",
    }


class GitHub:
    def __init__(self, running: Running) -> None:
        self.server = running
        self.n = 0

    def send(self, event: str, payload: dict[str, Any], *, delivery: str | None = None) -> Any:
        body = json.dumps(payload).encode()
        sig = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        self.n += 1
        headers = {
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery or f"72d3162e-cc78-11e3-81ab-{self.n:012d}",
            "X-GitHub-Hook-ID": "292430182",
            "X-Hub-Signature-256": sig,
            "User-Agent": "GitHub-Hookshot/044aadd",
            "Content-Type": "application/json",
        }
        return _post(f"{self.server.url}/webhooks/github", body, headers)


def _check(repo: GitRepo, running: Running, token: str) -> tuple[int, dict[str, Any]]:
    args = ["check", "--base", "main", "--no-scan", "--server", running.url]
    ran = run_signoff(
        repo, *args, "--repository", "org/shop", "--pull", "42", "--json",
        env={"SIGNOFF_TOKEN": token},
    )  # fmt: skip
    assert ran.returncode in (0, 1), ran.stderr
    return ran.returncode, json.loads(ran.stdout)


def _rules(doc: dict[str, Any]) -> set[str]:
    return {f["rule"] for f in doc["findings"] if f["severity"] == "block"}


def test_github_approvals_after_the_last_push_decide_the_gate(
    server: Running,  # noqa: F811
    repo: GitRepo,
) -> None:
    first = _change(repo)
    main = repo.git("rev-parse", "main").strip()
    r = Repo.discover(repo.path)
    push(r, Client(server.url, token=server.token(["ingest"], ["org/shop"])), "org/shop")
    gh = GitHub(server)
    opened = {
        "action": "opened",
        "number": 42,
        "pull_request": _gh_pull(first, main, updated="2026-02-01T09:00:00Z"),
        "repository": REPO,
        "sender": _user("hedy-l"),
    }
    assert gh.send("pull_request", opened)[1]["outcome"] == "stored"
    token = server.token(["read"], ["org/shop"])
    code, doc = _check(repo, server, token)
    assert code == 1 and "review.approvals" in _rules(doc)  # no approval yet

    approved = {
        "action": "submitted",
        "review": _gh_review(101, "ada-l", first, "2026-02-01T10:00:00Z"),
        "pull_request": _gh_pull(first, main, updated="2026-02-01T10:00:00Z"),
        "repository": REPO,
        "sender": _user("ada-l"),
    }
    status, answer = gh.send("pull_request_review", approved, delivery="review-101")
    assert status == 200 and answer["outcome"] == "stored"
    assert gh.send("pull_request_review", approved, delivery="review-101")[1]["outcome"].startswith(
        "duplicate"
    )  # GitHub's redelivery: same id
    assert gh.send("pull_request_review", approved)[1]["outcome"].startswith(
        "duplicate"
    )  # a replay: the same signed body under a new id
    forged = json.dumps({**approved, "sender": _user("mallory")}).encode()
    status, _ = _post(
        f"{server.url}/webhooks/github",
        forged,
        {"X-GitHub-Event": "pull_request_review", "X-GitHub-Delivery": "x",
         "X-Hub-Signature-256": "sha256=" + hmac.new(b"guess", forged, hashlib.sha256).hexdigest()},
    )  # fmt: skip
    assert status == 401
    code, doc = _check(repo, server, token)
    assert code == 0, doc["findings"]

    # Hedy pushes again: GitHub sends `push` and `pull_request` synchronize; Ada's approval
    # was given on the old head
    second = repo.commit(AI_CHANGE.replace("cents", "cents, rounded"), {"payments/pay.py": "def pay(amount):\n    return round(amount * 100)\n"}, author=HEDY)  # fmt: skip
    pushed = {
        "ref": "refs/heads/cents",
        "before": first,
        "after": second,
        "created": False,
        "deleted": False,
        "forced": False,
        "base_ref": None,
        "compare": f"https://github.com/org/shop/compare/{first[:12]}...{second[:12]}",
        "commits": [
            {
                "id": second,
                "tree_id": "0" * 40,
                "distinct": True,
                "message": "Charge in cents, rounded",
                "timestamp": "2026-02-01T11:00:00Z",
                "author": {"name": HEDY[0], "email": HEDY[1], "username": "hedy-l"},
                "committer": {"name": HEDY[0], "email": HEDY[1], "username": "hedy-l"},
                "added": [],
                "removed": [],
                "modified": ["payments/pay.py"],
            }
        ],
        "head_commit": None,
        "repository": {**REPO, "pushed_at": 1769943600},
        "pusher": {"name": "hedy-l", "email": HEDY[1]},
        "sender": _user("hedy-l"),
    }
    assert gh.send("push", pushed)[1]["outcome"] == "stored"
    sync = {
        "action": "synchronize",
        "number": 42,
        "before": first,
        "after": second,
        "pull_request": _gh_pull(second, main, updated="2026-02-01T11:00:01Z"),
        "repository": REPO,
        "sender": _user("hedy-l"),
    }
    assert gh.send("pull_request", sync)[1]["outcome"] == "stored"
    code, doc = _check(repo, server, token)
    assert code == 1 and "review.approvals" in _rules(doc)
    stale = [a for a in doc["oversight"]["approvals"] if a["set_aside"] == "stale"]
    assert [a["reviewer"]["login"] for a in stale] == ["ada-l"], doc["review"]

    # Grace approves the new head: an approval, but not by the role the tier requires
    again = {**approved, "review": _gh_review(102, "grace-h", second, "2026-02-01T12:00:00Z")}
    again["pull_request"] = sync["pull_request"]
    assert gh.send("pull_request_review", again)[1]["outcome"] == "stored"
    code, doc = _check(repo, server, token)
    assert code == 1 and _rules(doc) == {"review.role"}, doc["findings"]

    # Ada approves the new head: the bar is met
    last = {**again, "review": _gh_review(103, "ada-l", second, "2026-02-01T13:00:00Z")}
    assert gh.send("pull_request_review", last)[1]["outcome"] == "stored"
    code, doc = _check(repo, server, token)
    assert code == 0, doc["findings"]
    approvers = {a["reviewer"]["login"]: a["counts"] for a in doc["oversight"]["approvals"]}
    assert approvers == {"ada-l": True, "grace-h": True}


def _gl_user(username: str, name: str) -> dict[str, Any]:
    # GitLab hides addresses in hooks: "[REDACTED]" must not make two people one
    return {"id": abs(hash(username)) % 10**5, "name": name, "username": username,
            "avatar_url": None, "email": "[REDACTED]"}  # fmt: skip


def _gl_event(
    action: str, user: dict[str, Any], head: str, updated: str, **extra: Any
) -> dict[str, Any]:
    """A "Merge Request Hook" delivery (GitLab's documented shape, trimmed)."""
    return {
        "object_kind": "merge_request",
        "event_type": "merge_request",
        "user": user,
        "project": {
            "id": 15,
            "name": "shop",
            "path_with_namespace": "org/shop",
            "web_url": "https://gitlab.example.com/org/shop",
        },
        "object_attributes": {
            "id": 99,
            "iid": 42,
            "target_branch": "main",
            "source_branch": "cents",
            "title": "Charge in cents",
            "created_at": "2026-02-01 09:00:00 UTC",
            "updated_at": updated,
            "state": "opened",
            "merge_status": "can_be_merged",
            "url": "https://gitlab.example.com/org/shop/-/merge_requests/42",
            "last_commit": {
                "id": head,
                "title": "Charge in cents",
                "timestamp": "2026-02-01T08:59:00+00:00",
                "author": {"name": HEDY[0], "email": HEDY[1]},
            },
            "action": action,
            **extra,
        },
        "labels": [],
        "changes": {},
    }


def test_gitlab_approval_before_the_last_push_is_stale(
    server: Running,  # noqa: F811
    repo: GitRepo,
) -> None:
    first = _change(repo)
    hedy, ada = _gl_user("hedy-l", HEDY[0]), _gl_user("ada-l", "Ada Lovelace")
    n = iter(range(100))

    def send(payload: dict[str, Any], token: str = SECRET, uuid: str | None = None) -> Any:
        headers = {"X-Gitlab-Token": token, "X-Gitlab-Event": "Merge Request Hook",
                   "X-Gitlab-Event-UUID": uuid or f"6d2c5f1e-0000-4000-8000-{next(n):012d}",
                   "Content-Type": "application/json"}  # fmt: skip
        return _post(f"{server.url}/webhooks/gitlab", json.dumps(payload).encode(), headers)

    assert send(_gl_event("open", hedy, first, "2026-02-01 09:00:00 UTC"))[1]["outcome"] == "stored"
    approval = _gl_event("approval", ada, first, "2026-02-01 10:00:00 UTC")
    assert send(approval, uuid="a-1")[1]["outcome"] == "stored"
    assert send(approval, uuid="a-1")[1]["outcome"].startswith("duplicate")
    assert send(approval, token="not-the-secret")[0] == 401
    token = server.token(["read"], ["org/shop"])
    code, doc = _check(repo, server, token)
    assert code == 0, doc["findings"]
    (verdict,) = doc["oversight"]["approvals"]
    assert verdict["reviewer"]["login"] == "ada-l" and verdict["counts"]

    # Hedy pushes a new head: GitLab sends an update with the old revision
    second = repo.commit(AI_CHANGE.replace("cents", "cents, rounded"), {"payments/pay.py": "def pay(amount):\n    return round(amount * 100)\n"}, author=HEDY)  # fmt: skip
    update = _gl_event("update", hedy, second, "2026-02-01 11:00:00 UTC", oldrev=first)
    assert send(update)[1]["outcome"] == "stored"
    code, doc = _check(repo, server, token)
    assert code == 1 and "review.approvals" in _rules(doc), doc["findings"]
    (verdict,) = doc["oversight"]["approvals"]
    assert verdict["set_aside"] == "stale"

    assert (
        send(_gl_event("approval", ada, second, "2026-02-01T12:00:00Z"))[1]["outcome"] == "stored"
    )
    code, doc = _check(repo, server, token)
    assert code == 0, doc["findings"]
