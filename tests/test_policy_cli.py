"""`signoff policy check`, `signoff owners` and `signoff schema` through the real entry point, on
real repositories: exit codes, --policy-rev from older commits, coverage from AI-assisted history,
and JSON validated against the committed schemas."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from signoff.git.repo import Repo
from signoff.policy import json_schema, json_schema_text, load_policy
from signoff.query.ownership import ownership_for
from tests.gitrepo import GitRepo, run_signoff
from tests.policy_fixtures import base, dump, workflow

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "docs" / "schemas"
CLAUDE = "\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n"
AS_OF = "2026-03-01"


def signoff(repo: GitRepo, *args: str) -> subprocess.CompletedProcess[str]:
    return run_signoff(repo, *args)


def validated(name: str, text: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(text)
    jsonschema.validate(doc, json.loads((SCHEMAS / f"{name}-v1.json").read_text()))
    return doc


def blank_payments() -> str:
    data = base()
    workflow(data, "payments")["accountable"] = None
    return dump(data)


@pytest.fixture
def governed(repo: GitRepo) -> GitRepo:
    """Policy v1 (passes) committed, then v2 (blank accountable) committed on top."""
    repo.commit("policy v1\n", {"signoff.yaml": dump(base()), "payments/api.py": "x = 1\n"})
    repo.commit("policy v2\n", {"signoff.yaml": blank_payments()})
    return repo


def test_help_lists_the_commands(repo: GitRepo) -> None:
    out = signoff(repo, "--help")
    assert out.returncode == 0
    for command in ("policy", "owners", "schema"):
        assert command in out.stdout


def test_check_passes_and_fails_with_exit_codes(governed: GitRepo) -> None:
    failing = signoff(governed, "policy", "check", "--as-of", AS_OF)
    assert failing.returncode == 1, failing.stderr
    assert "DO NOT SHIP" in failing.stdout
    assert "accountable.blank" in failing.stdout and "needs one named accountable" in failing.stdout
    assert "Traceback" not in failing.stderr

    passing = signoff(governed, "policy", "check", "--as-of", AS_OF, "--policy-rev", "HEAD~1")
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "ship" in passing.stdout


def test_check_json_matches_its_schema(governed: GitRepo) -> None:
    out = signoff(governed, "policy", "check", "--json", "--as-of", AS_OF)
    assert out.returncode == 1
    doc = validated("policy-check", out.stdout)
    assert doc["schema"] == "signoff/policy-check/v1"
    assert doc["verdict"] == "do-not-ship"
    assert doc["policy"]["rev"] is None  # the work tree
    blank = next(f for f in doc["findings"] if f["rule"] == "accountable.blank")
    assert blank["file"] == "signoff.yaml" and blank["line"] and blank["column"]
    assert blank["subject"] == "workflow payments"

    old = signoff(governed, "policy", "check", "--json", "--as-of", AS_OF, "--policy-rev", "HEAD~1")
    doc = validated("policy-check", old.stdout)
    assert doc["verdict"] == "ship"
    assert doc["policy"]["rev"] == governed.git("rev-parse", "HEAD~1").strip()


def test_policy_rev_reads_the_committed_policy_not_the_work_tree(governed: GitRepo) -> None:
    # an uncommitted edit that would pass does not change what HEAD's policy says
    governed.write("signoff.yaml", dump(base()))
    assert signoff(governed, "policy", "check", "--as-of", AS_OF).returncode == 0
    assert (
        signoff(governed, "policy", "check", "--as-of", AS_OF, "--policy-rev", "HEAD").returncode
        == 1
    )
    policy = load_policy(Repo.discover(governed.path), "HEAD~1")
    assert workflow_accountable(policy, "payments") == "ada"
    assert (
        workflow_accountable(load_policy(Repo.discover(governed.path), "HEAD"), "payments") is None
    )


def workflow_accountable(policy: Any, ident: str) -> Any:
    return policy.workflows[ident].accountable


def test_policy_rev_reads_exceptions_of_that_revision(repo: GitRepo) -> None:
    expired = {
        "boundary": "auth",
        "paths": ["/auth/x/"],
        "approver": "ada",
        "reason": "fixtures",
        "expires": "2026-01-31",
    }
    repo.commit(
        "policy with an expired exception\n",
        {"signoff.yaml": dump(base()), ".signoff/exceptions/old.yaml": dump(expired)},
    )
    repo.git("rm", "-q", ".signoff/exceptions/old.yaml")
    repo.commit("drop the exception\n")
    now = signoff(repo, "policy", "check", "--json", "--as-of", AS_OF)
    assert now.returncode == 0, now.stdout
    then = signoff(repo, "policy", "check", "--json", "--as-of", AS_OF, "--policy-rev", "HEAD~1")
    assert then.returncode == 1
    finding = next(
        f for f in json.loads(then.stdout)["findings"] if f["rule"] == "exception.expired"
    )
    assert finding["file"] == ".signoff/exceptions/old.yaml" and finding["line"]


def test_unreadable_policy_exits_2_with_position_and_fix(repo: GitRepo) -> None:
    text = dump(base()).replace("    tier: critical\n", "    tier: critcal\n    acountable: ada\n")
    repo.write("signoff.yaml", text)
    out = signoff(repo, "policy", "check")
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert "signoff.yaml:" in out.stderr and "did you mean 'critical'?" in out.stderr
    assert "did you mean 'accountable'?" in out.stderr

    as_json = signoff(repo, "policy", "check", "--json")
    assert as_json.returncode == 2
    doc = validated("policy-check", as_json.stdout)
    assert doc["verdict"] == "invalid"
    assert {f["rule"] for f in doc["findings"]} >= {"schema.value", "schema.unknown-key"}


def test_missing_policy_and_bad_revision_exit_2(repo: GitRepo) -> None:
    repo.commit("first\n", {"a.txt": "a\n"})
    out = signoff(repo, "policy", "check")
    assert out.returncode == 2 and "no signoff.yaml" in out.stderr and "fix:" in out.stderr
    out = signoff(repo, "policy", "check", "--policy-rev", "HEAD")
    assert out.returncode == 2 and "not committed at HEAD" in out.stderr
    out = signoff(repo, "policy", "check", "--policy-rev", "no-such-branch")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    out = signoff(repo, "policy", "check", "--as-of", "yesterday")
    assert out.returncode == 2 and "YYYY-MM-DD" in out.stderr


def test_hostile_policy_is_refused_quickly_through_the_cli(repo: GitRepo) -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 12):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}" if i > 1 else "*a"] * 10) + "]")
    repo.write("signoff.yaml", "\n".join(lines) + "\n")
    out = signoff(repo, "policy", "check")
    assert out.returncode == 2
    assert "yaml.too-large" in out.stderr


def test_coverage_flags_ai_touched_paths_no_workflow_covers(repo: GitRepo) -> None:
    data = base()
    data["workflows"].pop(0)  # no catch-all
    repo.commit("policy\n", {"signoff.yaml": dump(data), "payments/api.py": "x = 1\n"})
    repo.commit("generated tool" + CLAUDE, {"tools/gen.py": "print(1)\n"})
    repo.commit("AI change to a governed path" + CLAUDE, {"payments/api.py": "x = 2\n"})
    repo.commit("removed" + CLAUDE, {"gone/tmp.py": "1\n"})
    repo.git("rm", "-q", "gone/tmp.py")
    repo.commit("human cleanup\n")

    out = signoff(repo, "policy", "check", "--json", "--as-of", AS_OF)
    assert out.returncode == 1, out.stdout + out.stderr
    doc = validated("policy-check", out.stdout)
    uncovered = [f for f in doc["findings"] if f["rule"] == "coverage.uncovered"]
    assert [f["subject"] for f in uncovered] == [
        "path tools/gen.py"
    ]  # deleted files are not judged
    assert doc["coverage"]["ran"] is True and doc["coverage"]["ai_touched_paths"] == 2

    skipped = signoff(repo, "policy", "check", "--json", "--as-of", AS_OF, "--no-coverage")
    doc = validated("policy-check", skipped.stdout)
    assert skipped.returncode == 0
    assert [f["rule"] for f in doc["findings"]] == ["coverage.not-run"]


def test_ai_touched_paths_hook_without_the_index(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from signoff.policy import coverage

    repo.commit("one" + CLAUDE, {"a.py": "1\n"})
    repo.commit("two\n", {"b.py": "2\n"})
    monkeypatch.setattr(coverage, "_from_index", lambda repo, rev: None)
    pairs = coverage.ai_touched_paths(Repo.discover(repo.path))
    assert [p for p, _ in pairs] == ["a.py"]

    def unavailable(name: str) -> Any:
        return None

    monkeypatch.setattr(coverage, "_module", unavailable)
    with pytest.raises(coverage.CoverageUnavailable):
        coverage.ai_touched_paths(Repo.discover(repo.path))


def test_owners_text_and_json(governed: GitRepo) -> None:
    out = signoff(governed, "owners", "payments/api.py", "auth/login.py", "--as-of", AS_OF)
    assert out.returncode == 0, out.stderr
    assert "payments/api.py" in out.stdout and "NO ACCOUNTABLE" in out.stdout
    assert "forbidden" in out.stdout and "boundary auth" in out.stdout

    out = signoff(
        governed,
        "owners",
        "payments/api.py",
        "README.md",
        "--json",
        "--policy-rev",
        "HEAD~1",
        "--as-of",
        AS_OF,
    )
    doc = validated("owners", out.stdout)
    first, second = doc["paths"]
    assert first["workflow"] == "payments"
    assert first["accountable"] == {"id": "ada", "name": "Ada Lovelace", "email": "ada@example.com"}
    assert [lvl["person"]["id"] for lvl in first["escalation"]] == ["grace", "margaret"]
    assert first["tier"] == "critical" and first["verdict"] == "ship"
    assert first["incident_path"]["paged"][1]["kind"] == "team"
    assert second["workflow"] == "everything" and second["ai"]["allowed"] is True


def test_owners_accepts_paths_relative_to_the_current_directory(governed: GitRepo) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "signoff", "owners", "api.py", "--json"],
        cwd=governed.path / "payments",
        capture_output=True,
        text=True,
        env=governed.env,
    )
    assert json.loads(out.stdout)["paths"][0]["path"] == "payments/api.py"


def test_schema_command_prints_the_committed_schema(repo: GitRepo) -> None:
    out = signoff(repo, "schema")
    assert out.returncode == 0
    assert out.stdout == (SCHEMAS / "signoff-policy-v1.json").read_text()
    out = signoff(repo, "schema", "--exception")
    assert out.stdout == (SCHEMAS / "signoff-exception-v1.json").read_text()


def test_committed_schemas_equal_the_generated_ones() -> None:
    assert (SCHEMAS / "signoff-policy-v1.json").read_text() == json_schema_text("policy"), (
        "regenerate from signoff.policy.schema.json_schema_text"
    )
    assert (SCHEMAS / "signoff-exception-v1.json").read_text() == json_schema_text("exception")


def test_the_example_validates_against_the_json_schema() -> None:
    from signoff.policy.yamlsafe import load_yaml

    data, _ = load_yaml((ROOT / "examples" / "signoff.yaml").read_bytes())
    jsonschema.validate(data, json_schema("policy"))
    bad = dict(data, workflows=[{**data["workflows"][0], "acountable": "x"}])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, json_schema("policy"))


def test_explain_shows_the_accountable_as_of_the_revision(governed: GitRepo) -> None:
    repo = Repo.discover(governed.path)
    old = ownership_for(repo, ["payments/api.py"], rev=governed.git("rev-parse", "HEAD~1").strip())
    assert old.policy is True
    assert old.owners[0]["workflow"] == "payments"
    assert old.owners[0]["accountable"].startswith("Ada Lovelace")
    assert old.owners[0]["escalation"] == ["Grace Hopper (30m)", "Margaret Hamilton (2h)"]
    new = ownership_for(repo, ["payments/api.py"], rev=None)
    assert "NO ACCOUNTABLE" in new.owners[0]["accountable"]
    assert new.owners[0]["verdict"].startswith("DO NOT SHIP")


def test_explain_survives_an_unreadable_policy(repo: GitRepo) -> None:
    repo.commit("bad policy\n", {"signoff.yaml": "schema: [\n"})
    answer = ownership_for(Repo.discover(repo.path), ["x"], rev=None)
    assert answer.policy is True and "cannot be read" in answer.message
