"""Human oversight in the gate, on real repositories with forge review records: independent
approvals, rubber stamps (review.shallow) and weakened checks (checks.weakened)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from signoff.gate.check import GateOptions, check
from signoff.gate.report import markdown
from signoff.git import Repo
from signoff.review.forge import ForgeUser, parse_forge_documents
from signoff.review.oversight import AiSize, delegators, is_bot, judge_approvals
from tests.gitrepo import GitRepo

TODAY = date(2026, 3, 1)
CLAUDE = "\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n"
AGENT = ("copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com")
MET = "{met: true, evidence: recorded}"

POLICY = f"""\
schema: signoff/policy/v1
people:
  - {{id: ada, name: Ada Lovelace, emails: [ada@example.com], handles: ["@ada"]}}
  - {{id: grace, name: Grace Hopper, emails: [grace@example.com], handles: ["@grace"]}}
  - {{id: hedy, name: Hedy Lamarr, emails: [hedy@example.com], handles: ["@hedy"]}}
tiers:
  high:
    min_approvals: 1
    min_review_minutes_per_100_ai_lines: 5
    shallow_review: block
    weakened_checks: block
  low: {{min_approvals: 0}}
workflows:
  - id: general
    description: everything else
    paths: ["*"]
    tier: low
    accountable: grace
    conditions: {{context: {MET}, authority: {MET}, time: {MET}, incentive: {MET}, escalation: {MET}}}
    escalation: [{{person: ada, respond_within: 1d}}]
    incident_path: {{paged: [grace], authority: revert}}
  - id: payments
    description: payments code and its tests
    paths: [/payments/, /tests/, /.github/, /pyproject.toml]
    tier: high
    accountable: ada
    conditions: {{context: {MET}, authority: {MET}, time: {MET}, incentive: {MET}, escalation: {MET}}}
    escalation: [{{person: grace, respond_within: 1h}}]
    incident_path: {{paged: [ada], authority: roll back}}
"""
CI = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n"
PYPROJECT = "[tool.coverage.report]\nfail_under = 90\n"
TESTS = "def test_refund():\n    assert True\n\n\ndef test_charge():\n    assert True\n"


@pytest.fixture
def base(repo: GitRepo) -> GitRepo:
    repo.commit(
        "policy and code\n",
        {
            "signoff.yaml": POLICY,
            "payments/charge.py": "def charge(cents):\n    return cents\n",
            "tests/test_refund.py": "def test_refund():\n    assert True\n",
            "tests/test_charge.py": TESTS,
            ".github/workflows/ci.yml": CI,
            "pyproject.toml": PYPROJECT,
            "notes/readme.md": "notes\n",
            "notes/test_notes.py": "def test_x():\n    pass\n",
        },
    )
    repo.git("checkout", "-q", "-b", "feature")
    return repo


def run(repo: GitRepo, review: Any = None) -> Any:
    return check(
        Repo.discover(repo.path),
        GateOptions(base="main", today=TODAY, forge_review=review, scan=False),
    )


def rules(result: Any, blocking: bool = True) -> set[str]:
    return {f.rule for f in result.findings if f.blocks or not blocking}


def iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def pull_record(
    repo: GitRepo,
    *reviews: tuple[str, datetime],
    author: dict[str, Any] | None = None,
    assignees: list[str] = (),  # type: ignore[assignment]
    comments: int | None = None,
) -> Any:
    """A GitHub bundle {pull, reviews, commits} for HEAD, as the REST API returns them."""
    head = repo.head()
    shas = repo.git("rev-list", "--reverse", "main..HEAD").split()
    commits = []
    for sha in shas:
        name, email, when = (
            repo.git("log", "-1", "--format=%an%x00%ae%x00%cI", sha).strip().split("\0")
        )
        person = {"name": name, "email": email, "date": when}
        commits.append({"sha": sha, "commit": {"author": person, "committer": person}})
    pull: dict[str, Any] = {
        "number": 12,
        "user": author or {"login": "grace"},
        "head": {"sha": head, "ref": "feature"},
        "base": {"sha": "0" * 40, "ref": "main"},
        "assignees": [{"login": a} for a in assignees],
        "state": "open",
    }
    if comments is not None:
        pull["comments"], pull["review_comments"] = comments, 0
    items = [
        {
            "id": i,
            "user": {"login": login, "type": "Bot" if login.endswith("[bot]") else "User"},
            "state": "APPROVED",
            "submitted_at": iso(when),
            "commit_id": head,
        }
        for i, (login, when) in enumerate(reviews, start=1)
    ]
    bundle = {"pull": pull, "reviews": items, "commits": commits}
    return parse_forge_documents([("pr-12.json", json.loads(json.dumps(bundle)))])


def head_time(repo: GitRepo) -> datetime:
    return datetime.fromisoformat(repo.git("log", "-1", "--format=%cI").strip()).astimezone(
        timezone.utc
    )


# --- independent approval ---------------------------------------------------------------------


def agent_change(repo: GitRepo) -> None:
    repo.commit(
        "Refund partial charges\n\nCo-authored-by: hedy <hedy@example.com>\n",
        {"payments/charge.py": "def charge(cents):\n    return max(cents, 0)\n"},
        author=AGENT,
        date="2026-02-27T10:00:00+00:00",
    )


def test_agent_pr_approved_only_by_its_requester_does_not_count(base: GitRepo) -> None:
    agent_change(base)
    later = head_time(base) + timedelta(hours=3)
    copilot = {"login": "Copilot", "type": "Bot"}
    record = pull_record(
        base, ("hedy", later), ("coderabbitai[bot]", later), author=copilot, assignees=["hedy"]
    )
    result = run(base, record)
    assert "review.approvals" in rules(result)
    assert {"review.delegator", "review.bot"} <= rules(result, blocking=False)
    approvals = {a["reviewer"]["login"]: a for a in result.to_json()["oversight"]["approvals"]}
    assert approvals["hedy"]["set_aside"] == "delegator"
    assert approvals["coderabbitai[bot]"]["set_aside"] == "bot"
    assert not any(a["counts"] for a in approvals.values())
    # an independent human's approval counts; the requester's still does not
    record = pull_record(base, ("hedy", later), ("ada", later), author=copilot, assignees=["hedy"])
    result = run(base, record)
    assert "review.approvals" not in rules(result)
    assert "review.delegator" in rules(result, blocking=False)


def test_requester_is_known_from_the_co_author_trailer_without_assignees(base: GitRepo) -> None:
    agent_change(base)
    later = head_time(base) + timedelta(hours=3)
    record = pull_record(base, ("hedy", later), author={"login": "Copilot", "type": "Bot"})
    result = run(base, record)
    assert "review.approvals" in rules(result)
    assert "review.delegator" in rules(result, blocking=False)


def test_a_human_pr_has_no_delegator(base: GitRepo) -> None:
    """The assignee of a human's pull request is a normal reviewer: only agents delegate."""
    base.commit("change\n" + CLAUDE, {"payments/charge.py": "def charge(c):\n    return c\n"})
    later = head_time(base) + timedelta(hours=3)
    record = pull_record(base, ("hedy", later), assignees=["hedy"])
    assert delegators(record) == []
    assert "review.approvals" not in rules(run(base, record))


def test_bot_recognition() -> None:
    assert is_bot(ForgeUser("gemini-code-assist[bot]"))
    assert is_bot(ForgeUser("Copilot", bot=True))
    assert is_bot(ForgeUser(None, "copilot-swe-agent[bot]", AGENT[1]))
    assert not is_bot(ForgeUser("ada", "Ada Lovelace", "ada@example.com"))


def test_author_and_accepter_are_set_aside_with_their_reasons(base: GitRepo) -> None:
    base.commit("change" + CLAUDE, {"payments/charge.py": "def charge(c):\n    return c + 0\n"})
    later = head_time(base) + timedelta(hours=3)
    record = pull_record(base, ("hedy", later), ("ada", later))
    result = run(base, record)
    approvals = result.to_json()["oversight"]["approvals"]
    reasons = {a["reviewer"]["login"]: a["set_aside"] for a in approvals}
    assert reasons == {"hedy": None, "ada": "author"}  # @ada is ada@example.com in the registry
    hedy = ForgeUser(None, "Hedy Lamarr", "hedy@example.com")
    verdicts = judge_approvals(record, accepters=[hedy])
    assert {v.who: v.reason for v in verdicts} == {"hedy": None, "ada": None}  # logins only
    verdicts = judge_approvals(record, accepters=[ForgeUser("hedy")])
    assert {v.who: v.reason for v in verdicts} == {"hedy": "accepter", "ada": None}


# --- rubber stamps --------------------------------------------------------------------------


def big_ai_change(repo: GitRepo, lines: int = 600) -> None:
    body = "".join(f"RATE_{i} = {i}\n" for i in range(lines))
    repo.commit(
        "Add rate table" + CLAUDE,
        {"payments/rates.py": body},
        author=("Grace Hopper", "grace@example.com"),
    )


def test_600_ai_lines_approved_40_seconds_after_the_push_is_shallow(base: GitRepo) -> None:
    big_ai_change(base)
    record = pull_record(base, ("ada", head_time(base) + timedelta(seconds=40)), comments=0)
    result = run(base, record)
    assert "review.shallow" in rules(result)  # the high tier says block
    [finding] = [f for f in result.findings if f.rule == "review.shallow"]
    assert "40 s" in finding.message and "600 lines of AI-assisted commits" in finding.message
    [depth] = result.to_json()["oversight"]["review_depth"]
    assert depth["review_seconds"] == 40.0
    assert depth["measured_from"] == "head commit time (push time unknown)"
    assert depth["required_seconds"] == 1800.0  # 5 min per 100 lines, 600 lines
    assert depth["size_measure"] == "lines of AI-assisted commits without a line record"
    assert (depth["comments"], depth["files_viewed"]) == (0, None)
    # the same approval after a real look is not shallow
    slow = pull_record(base, ("ada", head_time(base) + timedelta(minutes=45)))
    assert "review.shallow" not in rules(run(base, slow), blocking=False)


def test_shallow_warns_on_tiers_that_do_not_block(base: GitRepo) -> None:
    base.commit(
        "policy: shallow reviews warn\n",
        {"signoff.yaml": POLICY.replace("shallow_review: block", "shallow_review: warn")},
    )
    base.git("branch", "-f", "main", "HEAD")
    big_ai_change(base)
    record = pull_record(base, ("ada", head_time(base) + timedelta(seconds=40)))
    result = run(base, record)
    assert "review.shallow" in rules(result, blocking=False)
    assert "review.shallow" not in rules(result)


def test_ai_size_uses_the_measure_that_asks_more_never_the_sum() -> None:
    assert AiSize(600, 0).required_seconds(5) == (1800.0, "ai-attributed lines")
    assert AiSize(100, 300).required_seconds(5) == (
        900.0,
        "lines of AI-assisted commits without a line record",
    )


# --- weakened checks ------------------------------------------------------------------------


def weakening_change(repo: GitRepo) -> None:
    repo.git("rm", "-q", "tests/test_refund.py")
    repo.commit(
        "Make CI green" + CLAUDE,
        {
            "tests/test_charge.py": "import pytest\n\n\n@pytest.mark.skip(reason='flaky')\n"
            "def test_refund():\n    assert True\n",
            ".github/workflows/ci.yml": CI.replace("pytest", "pytest || true"),
            "pyproject.toml": PYPROJECT.replace("90", "60"),
            "payments/charge.py": "def charge(cents):  # type: ignore\n    return cents  # noqa\n",
        },
        author=("Grace Hopper", "grace@example.com"),
    )


def test_a_pr_that_deletes_a_test_and_adds_a_skip_is_weakened(base: GitRepo) -> None:
    weakening_change(base)
    record = pull_record(base, ("ada", head_time(base) + timedelta(hours=2)))
    result = run(base, record)
    assert "checks.weakened" in rules(result)  # the high tier says block
    kinds = {(w["kind"], w["path"]) for w in result.to_json()["oversight"]["weakened_checks"]}
    assert kinds == {
        ("test-deleted", "tests/test_refund.py"),  # the whole file
        ("test-deleted", "tests/test_charge.py"),  # test_charge removed, not added back
        ("test-skipped", "tests/test_charge.py"),
        ("ci-workflow", ".github/workflows/ci.yml"),
        ("coverage-lowered", "pyproject.toml"),
        ("lint-disabled", "payments/charge.py"),
        ("blanket-suppression", "payments/charge.py"),
    }
    schema = json.loads((Path(__file__).parent.parent / "docs/schemas/check-v2.json").read_text())
    doc = json.loads(json.dumps({"schema": "signoff/check/v2", **result.to_json()}, default=str))
    jsonschema.validate(doc, schema)
    comment = markdown(result)
    assert "Checks this change weakens" in comment
    assert "**test skipped** in `tests/test_charge.py`:4" in comment
    assert "**coverage threshold lowered** in `pyproject.toml`:2: `90 -> 60`" in comment


def test_weakening_by_a_human_is_not_judged_and_low_tiers_warn(base: GitRepo) -> None:
    base.git("rm", "-q", "tests/test_refund.py")
    base.commit("Drop an old test\n", {}, author=("Grace Hopper", "grace@example.com"))
    assert "checks.weakened" not in rules(run(base), blocking=False)
    base.commit(
        "Skip a note check" + CLAUDE,
        {"notes/test_notes.py": "import pytest\n\n\n@pytest.mark.skip\ndef test_x():\n    pass\n"},
        author=("Grace Hopper", "grace@example.com"),
    )
    result = run(base)
    assert "checks.weakened" in rules(result, blocking=False)  # low tier: a warning
    assert "checks.weakened" not in rules(result)


def test_renamed_tests_are_not_deletions(base: GitRepo) -> None:
    base.commit(
        "Reorder tests" + CLAUDE,
        {
            "tests/test_charge.py": "def test_charge():\n    assert True\n\n\ndef test_refund():\n    assert 1\n"
        },
        author=("Grace Hopper", "grace@example.com"),
    )
    assert "checks.weakened" not in rules(run(base), blocking=False)


def test_what_real_histories_taught_is_not_weakening(base: GitRepo) -> None:
    """Seen on an agent-heavy public history: an environment-gated skip in a new test file,
    gosec's `#nosec G304` (it names its rule), and `--no-verify` mentioned in a hook's help."""
    base.commit(
        "Embedded store tests" + CLAUDE,
        {
            "payments/store_test.go": 'func TestStore(t *testing.T) {\n\tt.Skip("set STORE=1")\n}\n',
            "payments/files.go": "data, err := os.ReadFile(p) // #nosec G304 -- path is ours\n",
            "payments/pre-push": 'echo "override with git push --no-verify"\n',
        },
        author=("Grace Hopper", "grace@example.com"),
    )
    assert "checks.weakened" not in rules(run(base), blocking=False)
    base.git("update-ref", "refs/heads/main", "HEAD")  # the test file exists on the base now
    base.commit(
        "Add a guarded test" + CLAUDE,
        {
            "payments/store_test.go": 'func TestStore(t *testing.T) {\n\tt.Skip("set STORE=1")\n}\n'
            '\nfunc TestMore(t *testing.T) {\n\tt.Skip("set STORE=1")\n}\n'
        },
        author=("Grace Hopper", "grace@example.com"),
    )
    assert "checks.weakened" not in rules(run(base), blocking=False)  # a new test's guard
    base.git("reset", "-q", "--hard", "main")
    base.commit(
        "Skip the flaky store test" + CLAUDE,
        {
            "payments/store_test.go": 'func TestStore(t *testing.T) {\n\tt.Skip("flaky")\n\tt.Skip("x")\n}\n'
        },
        author=("Grace Hopper", "grace@example.com"),
    )
    result = run(base)
    kinds = {w["kind"] for w in result.to_json()["oversight"]["weakened_checks"]}
    assert kinds == {"test-skipped"}
