"""Forge review evidence: GitHub and GitLab payloads, stale and self approvals, bad input."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from signoff.errors import SignoffError
from signoff.review.forge import (
    ForgeApproval,
    ForgeReview,
    ForgeUser,
    github_event_review,
    load_forge_review,
    parse_forge_documents,
)

DATA = Path(__file__).parent / "data" / "forge"
GH = DATA / "github"
GL = DATA / "gitlab"
HEAD_42 = "c2f7d8e9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5"
FIRST_42 = "a1f2e3d4c5b6a7980f1e2d3c4b5a69788f9e0d1c"


def logins(approvals: list[ForgeApproval]) -> list[str | None]:
    return [a.reviewer.login for a in approvals]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def test_github_pull_reviews_and_commits_from_separate_files() -> None:
    review = load_forge_review([GH / "pull.json", GH / "reviews.json", GH / "commits.json"])
    assert (review.forge, review.pull_request, review.number) == ("github", "#42", 42)
    assert review.repository == "octo-shop/payments"
    assert review.author == ForgeUser("dev-maria", "Maria Okafor", "maria@octo-shop.example")
    assert (review.head_sha, review.head_ref, review.base_ref) == (HEAD_42, "capture-retry", "main")
    assert review.state == "open"
    assert review.head_committed_at == utc("2026-03-03T15:06:02")
    # the pending (draft) review is not evidence; the others are kept, oldest first
    assert [a.review_id for a in review.approvals] == [
        "2011",
        "2012",
        "2013",
        "2014",
        "2015",
        "2016",
        "2017",
    ]
    assert [a.state for a in review.approvals][:3] == ["approved", "changes_requested", "dismissed"]
    assert len(review.commits) == 2 and review.commits[0].sha == FIRST_42
    assert review.sources == [
        str(GH / "pull.json"),
        str(GH / "reviews.json"),
        str(GH / "commits.json"),
    ]


def test_approval_before_the_last_push_is_stale() -> None:
    review = load_forge_review([GH / "pull.json", GH / "reviews.json"])
    standing = {a.reviewer.login: a for a in review.standing()}
    # lee approved the first head, then only commented on the new one: still a stale approval
    assert standing["lee-reviewer"].state == "approved"
    assert review.freshness(standing["lee-reviewer"]) == "stale"
    # sam asked for changes, then approved the new head
    assert standing["sam-sec"].state == "approved"
    assert review.freshness(standing["sam-sec"]) == "current"
    assert standing["old-reviewer"].state == "dismissed"
    assert "dev-maria" not in standing  # comments alone give no standing
    assert logins(review.current_approvals()) == ["sam-sec"]
    assert logins(review.stale_approvals()) == ["lee-reviewer"]
    assert review.self_approvals() == []


def test_deleted_accounts_are_kept_but_never_match_anyone() -> None:
    review = load_forge_review([GH / "pull.json", GH / "reviews.json"])
    ghost = next(a for a in review.approvals if a.review_id == "2017")
    assert ghost.reviewer.login is None and ghost.state == "commented"
    assert not ghost.reviewer.same_as(ForgeUser(None))
    assert not review.is_author(ghost.reviewer)


def test_bundle_with_an_agent_pull_request_flags_the_committer_who_approved() -> None:
    review = load_forge_review([GH / "bundle.json"])
    assert review.pull_request == "#57"
    assert review.author is not None and review.author.bot and review.author.login == "Copilot"
    assert [a.login for a in review.authors()] == ["Copilot", "dev-maria"]
    # GitHub lets dev-maria approve (the bot opened the PR), but she wrote the head commit
    assert logins(review.current_approvals()) == ["dev-maria", "kim-lead"]
    [own] = review.self_approvals()
    assert own.reviewer.login == "dev-maria"
    # the commits reveal her name and email, so the gate can match her to git identities
    assert own.reviewer.email == "maria@octo-shop.example"
    assert own.reviewer.name == "Maria Okafor"


def test_actions_pull_request_event_gives_number_head_and_author() -> None:
    review = load_forge_review([], event_path=GH / "event-pull_request.json")
    assert (review.pull_request, review.head_sha, review.base_ref) == ("#42", HEAD_42, "main")
    assert review.author == ForgeUser("dev-maria")
    assert review.repository == "octo-shop/payments"
    assert review.approvals == []


def test_review_event_and_review_list_do_not_double_count() -> None:
    review = load_forge_review(
        [GH / "reviews.json"], event_path=GH / "event-pull_request_review.json"
    )
    assert review.head_sha == HEAD_42
    assert [a.review_id for a in review.approvals].count("2015") == 1
    only_event = load_forge_review([GH / "event-pull_request_review.json"])
    [approval] = only_event.approvals
    assert (approval.state, approval.reviewer.login) == ("approved", "sam-sec")
    assert only_event.freshness(approval) == "current"


def test_event_path_from_the_environment() -> None:
    assert github_event_review({}) is None
    assert github_event_review({"GITHUB_EVENT_PATH": str(GH / "event-push.json")}) is None
    review = github_event_review({"GITHUB_EVENT_PATH": str(GH / "event-pull_request.json")})
    assert review is not None and review.number == 42


def test_gitlab_merge_request_approvals_commits_and_versions() -> None:
    review = load_forge_review(
        [
            GL / "merge_request.json",
            GL / "approvals.json",
            GL / "commits.json",
            GL / "versions.json",
        ]
    )
    assert (review.forge, review.pull_request, review.number) == ("gitlab", "acme/billing!7", 7)
    assert review.repository == "acme/billing"
    assert review.author == ForgeUser("jdoe", "Jane Doe")
    assert review.head_sha == "9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c"
    assert (review.head_ref, review.base_ref) == ("feature/invoice-rounding", "main")
    assert review.approvals_required == 2
    assert review.last_push_at == datetime(2026, 4, 11, 11, 47, 19, 550000, tzinfo=timezone.utc)
    fresh = {a.reviewer.login: review.freshness(a) for a in review.approvals}
    # kchan's 12:58 is +02:00, i.e. 10:58 UTC: before the 11:47 UTC push, so stale
    assert fresh == {"rsmith": "stale", "kchan": "stale", "jdoe": "current"}
    assert logins(review.current_approvals()) == ["jdoe"]
    # GitLab can let authors approve their own merge requests; Signoff still sees it
    assert logins(review.self_approvals()) == ["jdoe"]


def test_gitlab_without_versions_can_only_prove_staleness() -> None:
    review = load_forge_review(
        [GL / "merge_request.json", GL / "approvals.json", GL / "commits.json"]
    )
    assert review.last_push_at is None
    fresh = {a.reviewer.login: review.freshness(a) for a in review.approvals}
    assert fresh == {"rsmith": "stale", "kchan": "unknown", "jdoe": "unknown"}
    assert review.current_approvals() == []


def test_gitlab_bundle_and_approvals_without_times(tmp_path: Path) -> None:
    approvals = json.loads((GL / "approvals.json").read_text())
    for entry in approvals["approved_by"]:
        del entry["approved_at"]  # older GitLab releases do not say when
    bundle = {
        "merge_request": json.loads((GL / "merge_request.json").read_text()),
        "approvals": approvals,
        "commits": json.loads((GL / "commits.json").read_text()),
        "versions": json.loads((GL / "versions.json").read_text()),
    }
    path = tmp_path / "mr.json"
    path.write_text(json.dumps(bundle))
    review = load_forge_review([path])
    assert review.pull_request == "acme/billing!7"
    assert {review.freshness(a) for a in review.approvals} == {"unknown"}
    assert len(review.commits) == 2


def test_to_json_is_plain_data_with_freshness_and_self_approval() -> None:
    review = load_forge_review([GH / "bundle.json"])
    data = json.loads(json.dumps(review.to_json()))
    assert data["pull_request"] == "#57"
    assert data["head_committed_at"] == "2026-03-05T10:30:41Z"
    first = data["approvals"][0]
    assert first["reviewer"]["login"] == "dev-maria"
    assert (first["freshness"], first["self_approval"], first["submitted_at"]) == (
        "current",
        True,
        "2026-03-05T10:40:00Z",
    )


def test_files_of_two_pull_requests_are_refused(tmp_path: Path) -> None:
    pull = json.loads((GH / "pull.json").read_text())
    pull["number"] = 43
    other = tmp_path / "pull-43.json"
    other.write_text(json.dumps(pull))
    with pytest.raises(SignoffError, match=r"pull-43.json: number 43 disagrees with .*\(42\)"):
        load_forge_review([GH / "pull.json", other])
    with pytest.raises(SignoffError, match="gitlab data, but earlier files were github"):
        load_forge_review([GH / "pull.json", GL / "approvals.json"])


# --- bad input: a SignoffError naming the file and what was expected -------------------------


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("<html>rate limited</html>", r"bad\.json: not JSON \(line 1, column 1"),
        ('{"message": "Not Found", "documentation_url": "x"}', r"bad\.json: not a forge response"),
        (
            '"just a string"',
            r"bad\.json: top level: expected a JSON object or list, found a string",
        ),
        ("[1, 2]", r"bad\.json: \[0\]: expected an object, found a number"),
        ('[{"foo": 1}]', r"bad\.json: \[0\]: expected a review, commit or version object"),
        (
            '[{"state": "LGTM", "user": {"login": "x"}}]',
            r"bad\.json: \[0\]\.state: expected one of APPROVED",
        ),
        (
            '[{"state": "APPROVED", "user": {"id": 3}}]',
            r"bad\.json: \[0\]\.user\.login: expected a non-empty string, found null",
        ),
        (
            '[{"state": "APPROVED", "user": {"login": "x"}, "submitted_at": "yesterday"}]',
            r"bad\.json: \[0\]\.submitted_at: expected an ISO 8601 time",
        ),
        (
            '{"number": 5, "head": {"ref": "x"}, "user": {"login": "a"}}',
            r"bad\.json: head\.sha: expected a non-empty string, found null",
        ),
        ('{"number": "5", "head": {"sha": "abc"}}', r"bad\.json: number: expected a whole number"),
        (
            '{"pull": {"number": 1, "head": {"sha": "a"}}, "reviews": {}}',
            r"reviews: expected a list",
        ),
        (
            '{"approved_by": [{"user": {"name": "No Username"}}]}',
            r"approved_by\[0\]\.user\.username: expected a non-empty string",
        ),
        (
            '{"ref": "refs/heads/main", "commits": [], "sender": {"login": "a"}}',
            r"bad\.json: an Actions event without a pull request",
        ),
    ],
)
def test_bad_input_names_the_file_and_the_expected_shape(
    tmp_path: Path, content: str, message: str
) -> None:
    path = write(tmp_path, "bad.json", content)
    with pytest.raises(SignoffError, match=message) as info:
        load_forge_review([path])
    assert info.value.hint  # every error says what would have been right


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(SignoffError, match=r"missing\.json: no such file"):
        load_forge_review([tmp_path / "missing.json"])
    with pytest.raises(SignoffError, match="not UTF-8"):
        load_forge_review([write(tmp_path, "latin.json", b'{"title": "caf\xe9"}')])
    with pytest.raises(SignoffError, match=r"empty\.json: empty file"):
        load_forge_review([write(tmp_path, "empty.json", "  \n")])
    with pytest.raises(SignoffError, match="no review files"):
        load_forge_review([])
    with pytest.raises(SignoffError, match=r"GITHUB_EVENT_PATH|event\.json: not JSON"):
        github_event_review({"GITHUB_EVENT_PATH": str(write(tmp_path, "event.json", "{"))})


def test_empty_lists_and_byte_order_marks_are_fine(tmp_path: Path) -> None:
    reviews = write(tmp_path, "reviews.json", b"\xef\xbb\xbf[]")
    review = load_forge_review([GH / "pull.json", reviews])
    assert review.approvals == [] and review.number == 42


def test_in_memory_documents() -> None:
    def doc(name: str) -> Any:
        return json.loads((GH / name).read_text())

    review = parse_forge_documents([("pull", doc("pull.json")), ("reviews", doc("reviews.json"))])
    assert isinstance(review, ForgeReview)
    assert logins(review.current_approvals()) == ["sam-sec"]
