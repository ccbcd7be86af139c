"""Oversight figures in the audit pack, on a real history with real pull-request merges, forge
review records and the gate's own recorded results."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from signoff.audit.pack import AuditOptions, AuditResult, run_audit
from signoff.audit.period import parse_period
from signoff.gate.check import GateOptions, check
from signoff.git import Repo
from tests.gitrepo import GitRepo

CLAUDE = "\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n"
AGENT = ("copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com")
GRACE = ("Grace Hopper", "grace@example.com")
MET = "{met: true, evidence: recorded}"
POLICY = f"""\
schema: signoff/policy/v1
people:
  - {{id: ada, name: Ada Lovelace, emails: [ada@example.com], handles: ["@ada"]}}
  - {{id: grace, name: Grace Hopper, emails: [grace@example.com], handles: ["@grace"]}}
  - {{id: hedy, name: Hedy Lamarr, emails: [hedy@example.com], handles: ["@hedy"]}}
teams:
  - {{id: core, members: [ada]}}
  - {{id: platform, members: [grace]}}
tiers:
  high: {{min_approvals: 1, min_review_minutes_per_100_ai_lines: 5, weakened_checks: block}}
workflows:
  - id: payments
    description: payments code and its tests
    paths: [/payments/, /tests/]
    tier: high
    accountable: ada
    conditions: {{context: {MET}, authority: {MET}, time: {MET}, incentive: {MET}, escalation: {MET}}}
"""


def iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


def pull_request(
    repo: GitRepo,
    number: int,
    files: dict[str, str],
    *,
    author: tuple[str, str],
    message: str,
    when: str,
    reviews: list[tuple[str, timedelta]],
    pr_user: dict[str, Any],
    assignees: list[str] = (),  # type: ignore[assignment]
    gate_dir: Path,
    reviews_dir: Path,
    delete: list[str] = (),  # type: ignore[assignment]
) -> str:
    """A branch with one commit, its gate result saved, its forge record saved, then merged."""
    repo.git("checkout", "-q", "-b", f"pr{number}", "main")
    for path in delete:
        repo.git("rm", "-q", path)
    head = repo.commit(message, files, author=author, date=when)
    result = check(
        Repo.discover(repo.path), GateOptions(base="main", scan=False, today=date(2026, 1, 31))
    )
    (gate_dir / f"check-{number}.json").write_text(
        json.dumps({"schema": "signoff/check/v2", **result.to_json()}, default=str)
    )
    pushed = at(when)
    bundle = {
        "pull": {
            "number": number,
            "user": pr_user,
            "head": {"sha": head, "ref": f"pr{number}"},
            "base": {"sha": "0" * 40, "ref": "main"},
            "assignees": [{"login": a} for a in assignees],
            "comments": 0,
            "review_comments": 0,
        },
        "reviews": [
            {
                "id": i,
                "user": {"login": login, "type": "Bot" if "[bot]" in login else "User"},
                "state": "APPROVED",
                "submitted_at": iso(pushed + delay),
                "commit_id": head,
            }
            for i, (login, delay) in enumerate(reviews, 1)
        ],
        "commits": [
            {
                "sha": head,
                "commit": {
                    "author": {"name": author[0], "email": author[1], "date": when},
                    "committer": {"name": author[0], "email": author[1], "date": when},
                },
            }
        ],
    }
    (reviews_dir / f"pr-{number}.json").write_text(json.dumps(bundle))
    repo.git("checkout", "-q", "main")
    merged = pushed + timedelta(hours=6)
    repo.git(
        "merge",
        "-q",
        "--no-ff",
        "-m",
        f"Merge pull request #{number} from org/pr{number}",
        f"pr{number}",
        env={"GIT_AUTHOR_DATE": merged.isoformat(), "GIT_COMMITTER_DATE": merged.isoformat()},
    )
    return head


@pytest.fixture
def audited(repo: GitRepo, tmp_path: Path) -> AuditResult:
    gates, reviews = tmp_path / "gates", tmp_path / "reviews"
    gates.mkdir()
    reviews.mkdir()
    repo.commit(
        "policy and code\n",
        {
            "signoff.yaml": POLICY,
            "payments/charge.py": "def charge(c):\n    return c\n",
            "tests/test_charge.py": "def test_charge():\n    assert True\n",
        },
        date="2025-12-20T10:00:00+00:00",
    )
    rates = "".join(f"RATE_{i} = {i}\n" for i in range(600))
    common = {"gate_dir": gates, "reviews_dir": reviews}
    # 1: 600 AI lines approved by ada 40 seconds after the push: shallow
    pull_request(
        repo,
        1,
        {"payments/rates.py": rates},
        author=GRACE,
        message="Rates" + CLAUDE,
        when="2026-01-05T10:00:00+00:00",
        reviews=[("ada", timedelta(seconds=40))],
        pr_user={"login": "grace"},
        **common,
    )
    # 2: AI deletes a test; hedy approves two hours after the push: not shallow, but weakened
    pull_request(
        repo,
        2,
        {"payments/charge.py": "def charge(c):\n    return abs(c)\n"},
        author=GRACE,
        message="Drop the flaky test" + CLAUDE,
        when="2026-01-08T10:00:00+00:00",
        reviews=[("hedy", timedelta(hours=2))],
        pr_user={"login": "grace"},
        delete=["tests/test_charge.py"],
        **common,
    )
    # 3: an agent's pull request approved only by its requester and an AI reviewer
    pull_request(
        repo,
        3,
        {"payments/charge.py": "def charge(c):\n    return max(c, 0)\n"},
        author=AGENT,
        message="Clamp charges\n\nCo-authored-by: hedy <hedy@example.com>\n",
        when="2026-01-12T10:00:00+00:00",
        reviews=[("hedy", timedelta(hours=1)), ("coderabbitai[bot]", timedelta(minutes=1))],
        pr_user={"login": "Copilot", "type": "Bot"},
        assignees=["hedy"],
        **common,
    )
    options = AuditOptions(
        parse_period("2026-01-01", "2026-01-31"), reviews=reviews, gate_evidence=gates
    )
    return run_audit(Repo.discover(repo.path), options)


def test_independent_approval_and_what_was_set_aside(audited: AuditResult) -> None:
    oversight = audited.report["metrics"]["oversight"]
    ratio = oversight["independent_approval"]
    assert (ratio["numerator"], ratio["denominator"]) == (2, 3)  # #3 has none that counts
    assert oversight["approvals_set_aside"]["by_reason"] == {"bot": 1, "delegator": 1}


def test_shallow_approval_rates_per_tier_team_and_tool(audited: AuditResult) -> None:
    oversight = audited.report["metrics"]["oversight"]
    overall = oversight["shallow_approval"]
    assert (overall["numerator"], overall["denominator"]) == (1, 2)
    assert "minimum review time per 100 AI lines" in overall["definition"]["numerator"]
    tier = oversight["shallow_approval_by_tier"]["high"]
    assert (tier["numerator"], tier["denominator"]) == (1, 2)
    teams = oversight["shallow_approval_by_team"]
    assert (teams["core"]["numerator"], teams["core"]["denominator"]) == (1, 1)  # ada
    assert (teams["(no team)"]["numerator"], teams["(no team)"]["denominator"]) == (0, 1)  # hedy
    tools = oversight["shallow_approval_by_tool"]
    assert (tools["claude-code"]["numerator"], tools["claude-code"]["denominator"]) == (1, 2)


def test_weakened_checks_are_counted_from_recorded_gate_results(audited: AuditResult) -> None:
    weakened = audited.report["metrics"]["oversight"]["weakened_checks"]
    assert (weakened["numerator"], weakened["denominator"]) == (1, 3)
    assert weakened["by_kind"] == {"test-deleted": 1}


def test_controls_map_the_new_metrics_and_the_report_validates(audited: AuditResult) -> None:
    sections = audited.report["controls"]["sections"]
    for key in ("independent_approval", "shallow_approval", "weakened_checks"):
        assert "CC8.1" in sections[key]["soc2"] and sections[key]["ssdf"]
    schema = json.loads((Path(__file__).parent.parent / "docs/schemas/audit-v1.json").read_text())
    jsonschema.validate(json.loads(json.dumps(audited.report, default=str)), schema)


def test_the_report_shows_oversight_and_outcomes(audited: AuditResult, repo: GitRepo) -> None:
    from signoff.audit.html import render_html

    changes = [c.to_json() for c in audited.population.changes]
    html = render_html(audited.report, changes)
    assert "<h2 id='oversight'>Human oversight</h2>" in html
    assert 'data-metric="shallow_approval" data-numerator="1" data-denominator="2"' in html
    assert "Approvals set aside (did not count): bot: 1, delegator: 1." in html
    assert any("pass --outcomes" in line for line in audited.report["limitations"])
    options = AuditOptions(parse_period("2026-01-01", "2026-01-31"), outcomes=True)
    measured = run_audit(Repo.discover(repo.path), options).report
    outcomes = measured["metrics"]["oversight"]["outcomes"]
    # nothing on this branch is 30 days old at its tip: not measurable, so not counted
    assert outcomes["durability"]["ai_assisted_unrecorded"]["30d"]["denominator"] == 0
    assert outcomes["reverted"]["denominator"] == 3  # the three AI-assisted commits
    assert "id='outcomes'" in render_html(measured, changes)


def test_a_login_is_matched_to_the_author_through_the_registry() -> None:
    """A squash commit's author approving under their forge login is the author; the person who
    merged a merge commit is not an author of it."""
    from signoff.audit.oversight import oversight_of
    from signoff.audit.population import Change
    from signoff.git.log import Person
    from signoff.policy.model import Person as Registered
    from signoff.review.forge import parse_forge_documents

    head = "a" * 40
    bundle = {
        "pull": {"number": 5, "user": {"login": "someone"}, "head": {"sha": head}},
        "reviews": [
            {"id": 1, "user": {"login": "grace"}, "state": "APPROVED", "commit_id": head},
        ],
    }
    review = parse_forge_documents([("pr-5.json", bundle)])
    grace = Person("Grace Hopper", "grace@example.com")
    people = [
        Registered(
            id="grace", name="Grace Hopper", emails=["grace@example.com"], handles=["@grace"]
        )
    ]
    squash = Change(
        "b" * 40, "commit", "2026-01-05T10:00:00+00:00", grace, "Rates (#5)", ["b" * 40]
    )
    assert oversight_of(review, squash)["independent_approvals"] == 1  # no registry: unknown
    judged = oversight_of(review, squash, people)
    assert (judged["independent_approvals"], judged["set_aside"]) == (0, {"author": 1})
    merge = Change(
        "c" * 40, "merge", "2026-01-05T10:00:00+00:00", grace, "Merge pull request #5", ["d" * 40]
    )
    assert oversight_of(review, merge, people)["independent_approvals"] == 1
