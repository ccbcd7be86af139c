"""Drafting signoff.yaml from CODEOWNERS files shaped like real ones: the draft always loads, keeps
the CODEOWNERS order and owners, and fails `policy check` until one person is named per workflow."""

from __future__ import annotations

from typing import Any

from signoff.policy import check_policy, draft_from_codeowners, load_policy_text, owners_for
from tests.gitrepo import GitRepo
from tests.policy_fixtures import TODAY

GITHUB_STYLE = """\
# Lines starting with '#' are comments.
# Each line is a file pattern followed by one or more owners.

# These owners will be the default owners for everything in the repo.
*       @acme/platform

# Order is important; the last matching pattern takes the most precedence.
*.js    @frontend-lead #This is an inline comment.

# Email owners are allowed.
*.go docs@example.com

/build/logs/ @doctocat
docs/*  docs@example.com
apps/ @octocat @acme/apps
/apps/github
/scripts/ @doctocat @octocat
/src/*.[ch] @c-lead
!/vendor/ @nobody
My\\ Folder/ @ada
/payments/ @acme/payments
/payments/config/ @priya
"""

GITLAB_STYLE = """\
# GitLab: sections, optional sections, approval counts, default section owners
* @ops-lead

[Documentation][2] @acme/tech-writers
docs/
README.md @grace

^[Security] @acme/security
/auth/
/auth/ @sec-lead

[Database]
/db/migrations/ dba@example.com @acme/dba
"""


def draft(text: str, name: str = "CODEOWNERS") -> tuple[str, Any]:
    yaml_text = draft_from_codeowners(text, name)
    return yaml_text, load_policy_text(yaml_text, "signoff.yaml")


def workflows(policy: Any) -> dict[str, Any]:
    return {w.id: w for w in policy.document.workflows}


def test_github_style_file_becomes_workflows_in_order() -> None:
    text, policy = draft(GITHUB_STYLE, ".github/CODEOWNERS")
    ids = [w.id for w in policy.document.workflows]
    assert ids == [
        "all-files",
        "js",
        "go",
        "build-logs",
        "docs",
        "apps",
        "apps-github",
        "scripts",
        "my-folder",
        "payments",
        "payments-config",
        "signoff-policy",
    ]
    wf = workflows(policy)
    assert wf["my-folder"].paths == ["My Folder/"]  # the escaped space, unescaped
    assert "Imported from .github/CODEOWNERS line 8" in wf["js"].description
    # unsupported syntax is skipped with a reason, never silently
    assert "skipped .github/CODEOWNERS line 18 (/src/*.[ch])" in text
    assert "skipped .github/CODEOWNERS line 19 (!/vendor/)" in text
    assert "negation" in text


def test_accountable_cells_carry_the_owners_and_the_flag() -> None:
    text, policy = draft(GITHUB_STYLE)
    wf = workflows(policy)
    assert wf["all-files"].accountable == "platform"  # a team: flagged
    assert "platform" in policy.teams and policy.teams["platform"].handles == ["@acme/platform"]
    assert wf["apps"].accountable == ["octocat", "apps"]  # several
    assert wf["apps-github"].accountable is None  # no owner
    assert wf["js"].accountable == "frontend-lead"  # a single user: the candidate
    assert policy.people["frontend-lead"].handles == ["@frontend-lead"]
    assert policy.people["docs"].emails == ["docs@example.com"]
    assert wf["payments-config"].accountable == "priya"
    assert text.count("needs one named accountable") >= 4


def test_the_draft_fails_the_check_until_decided() -> None:
    _, policy = draft(GITHUB_STYLE)
    report = check_policy(policy, ai_paths=[], today=TODAY)
    assert report.verdict == "do-not-ship"
    by_workflow = {row["id"]: row for row in report.workflow_verdicts()}
    assert all(row["verdict"] == "do-not-ship" for row in by_workflow.values())
    assert by_workflow["all-files"]["blocking_rules"][0] == "accountable.team"
    assert "accountable.several" in by_workflow["apps"]["blocking_rules"]
    assert "accountable.blank" in by_workflow["apps-github"]["blocking_rules"]
    # a single user still has the five conditions to fill in
    assert "accountable.condition-unmet" in by_workflow["js"]["blocking_rules"]
    messages = [f.message for f in report.findings if f.rule == "accountable.team"]
    assert any("needs one named accountable" in m for m in messages)
    assert "governance.no-owner" in {f.rule for f in report.findings}


def test_last_match_semantics_survive_the_import() -> None:
    _, policy = draft(GITHUB_STYLE)
    owners = {
        o.path: o
        for o in owners_for(
            policy, ["payments/config/a.yaml", "payments/b.py", "x.js", "signoff.yaml"], today=TODAY
        )
    }
    assert owners["payments/config/a.yaml"].ownership.workflow.id == "payments-config"
    assert owners["payments/b.py"].ownership.workflow.id == "payments"
    assert owners["x.js"].ownership.workflow.id == "js"
    assert owners["signoff.yaml"].ownership.workflow.id == "signoff-policy"


def test_gitlab_sections() -> None:
    text, policy = draft(GITLAB_STYLE, "CODEOWNERS")
    wf = workflows(policy)
    assert "GitLab sections" in text
    assert "section [Documentation]" in text and "section [Security]" in text
    # an entry without owners takes its section's default owners
    assert wf["docs"].accountable == "tech-writers"
    assert "section default owners" in wf["docs"].description
    assert wf["readme-md"].accountable == "grace"
    # the same pattern twice: the later line wins, the earlier is skipped with a reason
    assert wf["auth"].accountable == "sec-lead"
    assert "line 10 has the same pattern and wins" in text
    assert wf["db-migrations"].accountable == ["dba", "dba-2"]


def test_empty_and_comment_only_files_still_give_a_loadable_draft() -> None:
    for source in ("", "# nothing here\n\n", "[Empty section]\n"):
        _, policy = draft(source)
        assert [w.id for w in policy.document.workflows] == ["signoff-policy"]
        assert check_policy(policy, ai_paths=[], today=TODAY).verdict == "do-not-ship"


def test_awkward_handles_become_valid_ids() -> None:
    source = (
        "/a/ @Some.User\n/b/ @org/Team_Name.x\n/c/ first.last+tag@mail.example.org\n"
        "/d/ @1984\n/e/ @true\n"
    )
    _, policy = draft(source)
    wf = workflows(policy)
    assert wf["a"].accountable == "some.user"
    assert wf["b"].accountable == "Team_Name.x"
    assert wf["c"].accountable == "first.last-tag"
    assert wf["d"].accountable == "1984"  # quoted in the draft, so still a string
    assert wf["e"].accountable == "true"


def test_not_an_owner_is_noted() -> None:
    text, _ = draft("/x/ @ok not-an-owner\n")
    assert "not an owner: not-an-owner" in text


def test_init_from_codeowners_writes_a_draft_that_fails_the_check(repo: GitRepo) -> None:
    import subprocess
    import sys

    repo.commit(
        "codeowners\n",
        {".github/CODEOWNERS": "# owners\n*.py @org/backend\n/docs/ @ada\n"},
    )

    def signoff(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "signoff", *args],
            cwd=repo.path,
            capture_output=True,
            text=True,
            env=repo.env,
        )

    out = signoff("init", "--from-codeowners", "--no-hooks")
    assert out.returncode == 0, out.stderr
    assert (repo.path / "signoff.yaml").exists()
    check = signoff("policy", "check", "--no-coverage")
    assert check.returncode == 1 and "accountable" in check.stdout
    again = signoff("init", "--from-codeowners", "--no-hooks")
    assert again.returncode == 2 and "--force" in again.stderr
