"""`signoff reattach`: a pull request's records carried onto a forge's squash or rebase merge."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from signoff.git.repo import Repo
from signoff.recording.reattach import reattach
from tests.carrying import CODEX, lines, own_documents, ranges, record
from tests.gitrepo import GitRepo, run_signoff

SCHEMAS = Path(__file__).resolve().parent.parent / "docs" / "schemas"


def pull_request(repo: GitRepo) -> tuple[list[str], str]:
    """main with a file; a feature branch of three recorded commits; main moves on meanwhile
    (lines above the feature's, so every number shifts). Returns the PR commits and head."""
    repo.commit("base\n", {"app.py": lines(5, "base"), "README": "r\n"})
    repo.git("checkout", "-q", "-b", "feature")
    one = repo.commit("one\n", {"app.py": lines(5, "base") + lines(3, "one")})
    record(repo, one, {"app.py": [(6, 8, "ai")]})
    text = lines(5, "base") + lines(3, "one")
    text = text.replace("one 2\n", "one 2 fixed by hand\n")
    two = repo.commit("two\n", {"app.py": text, "new.py": lines(4, "new")})
    record(repo, two, {"app.py": [(7, 7, "human")], "new.py": [(1, 4, "ai")]}, tools=(CODEX,))
    three = repo.commit("three\n", {"docs.md": "no record here\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main moves\n", {"app.py": "top\n" + lines(5, "base")})
    return [one, two, three], three


WANT = {
    "app.py": [(7, 7, "ai", "claude-code"), (8, 8, "human", None), (9, 9, "ai", "claude-code")],
    "new.py": [(1, 4, "ai", "codex")],
}


def test_squash_merge_gets_the_pull_requests_records(repo: GitRepo) -> None:
    prs, head = pull_request(repo)
    repo.git("merge", "-q", "--squash", "feature")
    squash = repo.commit("feature (#7)\n")
    result = reattach(Repo(repo.path), "main", head)
    assert result.pr_commits == prs and result.merged == [squash]
    assert ranges(repo, squash) == WANT
    [doc] = own_documents(repo, squash)
    assert doc["derived"] == {"method": "reattach", "from": prs}
    assert doc["recorded_by"] == "cli"
    # idempotent: a second run writes nothing new
    tip = repo.git("rev-parse", "refs/notes/signoff")
    again = reattach(Repo(repo.path), "main", head)
    assert [r["status"] for r in again.results] == ["already attached"]
    assert repo.git("rev-parse", "refs/notes/signoff") == tip


def test_rebase_merge_pairs_each_commit(repo: GitRepo) -> None:
    prs, head = pull_request(repo)
    for sha in prs:  # what a forge's rebase merge does: new commits, no notes
        repo.git("cherry-pick", sha)
    merged = repo.git("rev-list", "--reverse", "HEAD~3..HEAD").split()
    result = reattach(Repo(repo.path), "main", head)
    assert result.merged == merged
    assert ranges(repo, merged[0]) == {"app.py": [(7, 9, "ai", "claude-code")]}
    assert ranges(repo, merged[1]) == {
        "app.py": [(8, 8, "human", None)],
        "new.py": [(1, 4, "ai", "codex")],
    }
    assert ranges(repo, merged[2]) == {}
    statuses = [r["status"] for r in result.results]
    assert statuses == ["written", "written", "nothing to carry"]


def test_a_later_commit_on_base_is_not_mistaken_for_the_merge(repo: GitRepo) -> None:
    _, head = pull_request(repo)
    repo.git("merge", "-q", "--squash", "feature")
    squash = repo.commit("feature (#7)\n")
    later = repo.commit("unrelated\n", {"other.txt": lines(5, "other")})
    result = reattach(Repo(repo.path), "main", head)
    assert result.merged == []  # the tip is another change: say so, write nothing
    assert "not merged yet" in str(result.reason)
    assert reattach(Repo(repo.path), squash, head).merged == [squash]
    assert ranges(repo, later) == {}


def test_a_merge_commit_gets_the_lines_its_pull_request_side_brought_in(repo: GitRepo) -> None:
    prs, head = pull_request(repo)
    repo.git("merge", "-q", "--no-ff", "--no-edit", "feature")
    merge = repo.head()
    later = repo.commit("unrelated\n", {"other.txt": lines(2, "other")})  # main moves on
    result = reattach(Repo(repo.path), "main", head)
    assert result.pr_commits == prs and result.merged == [merge]
    # against its first parent the merge added the feature's lines, at main's line numbers
    assert ranges(repo, merge) == WANT
    [doc] = own_documents(repo, merge)
    assert doc["derived"] == {"method": "reattach", "from": prs}
    assert ranges(repo, later) == {}
    # the pull request's own commits keep their records as they were
    assert ranges(repo, prs[1]) == {
        "app.py": [(7, 7, "human", None)],
        "new.py": [(1, 4, "ai", "codex")],
    }
    tip = repo.git("rev-parse", "refs/notes/signoff")
    again = reattach(Repo(repo.path), "main", head)
    assert [r["status"] for r in again.results] == ["already attached"]
    assert repo.git("rev-parse", "refs/notes/signoff") == tip


def test_a_merge_commits_own_resolution_lines_get_no_range(repo: GitRepo) -> None:
    _, head = pull_request(repo)
    repo.git("merge", "-q", "--no-ff", "--no-commit", "feature")
    text = (repo.path / "new.py").read_text().replace("new 2\n", "new 2 resolved in the merge\n")
    repo.write("new.py", text)
    repo.git("add", "new.py")
    repo.git("commit", "-q", "--no-edit")
    merge = repo.head()
    reattach(Repo(repo.path), "main", head)
    got = ranges(repo, merge)
    assert got["new.py"] == [(1, 1, "ai", "codex"), (3, 4, "ai", "codex")]  # line 2: nobody's
    assert got["app.py"] == WANT["app.py"]


def test_a_fast_forward_needs_nothing(repo: GitRepo) -> None:
    repo.commit("base\n", {"app.py": lines(2)})
    repo.git("checkout", "-q", "-b", "feature")
    one = repo.commit("one\n", {"app.py": lines(4)})
    record(repo, one, {"app.py": [(3, 4, "ai")]})
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--ff-only", "feature")
    result = reattach(Repo(repo.path), "main", one)
    assert result.merged == [] and "already where they belong" in str(result.reason)
    assert "fast-forward" in str(result.reason)


def test_cli_json_and_bad_refs(repo: GitRepo) -> None:
    _, head = pull_request(repo)
    repo.git("merge", "-q", "--squash", "feature")
    repo.commit("feature (#7)\n")
    proc = run_signoff(repo, "reattach", "--base", "main", "--head", head, "--dry-run", "--json")
    assert proc.returncode == 0, proc.stderr
    doc: dict[str, Any] = json.loads(proc.stdout)
    jsonschema.validate(doc, json.loads((SCHEMAS / "reattach-v1.json").read_text()))
    assert [r["status"] for r in doc["results"]] == ["would write"]
    assert own_documents(repo) == []  # a dry run writes nothing
    proc = run_signoff(repo, "reattach", "--base", "main", "--head", "no-such-ref")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "no-such-ref" in proc.stderr + proc.stdout
