from __future__ import annotations

import json

import pytest

from signoff.errors import SignoffError
from signoff.git import Repo
from signoff.query.blame import blame_file
from signoff.query.explain import explain
from tests.gitrepo import GitRepo

CLAUDE = "\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n"


def _note(sha: str, status: str, files: dict[str, list[dict[str, object]]]) -> bytes:
    doc = {
        "schema": "signoff/provenance/v1",
        "commit": sha,
        "status": status,
        "tools": [{"tool": "cursor", "model": "gpt-5", "session": None}],
        "recorded_by": "cli",
        "files": files,
    }
    return (json.dumps(doc) + "\n").encode()


@pytest.mark.parametrize("use_index", [True, False])
def test_explain_commit_answers_the_four_questions(repo: GitRepo, use_index: bool) -> None:
    repo.commit("base\n", {"a.py": "a = 1\n"})
    sha = repo.commit(
        "ai change" + CLAUDE.rstrip("\n") + "\nReviewed-by: Rita Reviewer <rita@example.com>\n",
        {"a.py": "a = 2\n"},
        committer=("Carl Committer", "carl@example.com"),
    )
    result = explain(Repo.discover(repo.path), sha[:10], use_index=use_index)
    assert result.target.kind == "commit"
    (answer,) = result.commits
    p = answer.provenance
    assert p.status == "ai" and p.tools[0].tool == "claude-code"
    assert p.accepted_by is not None and p.accepted_by.email == "carl@example.com"
    assert [r.person.email for r in answer.reviews] == ["rita@example.com"]
    assert answer.files == ["a.py"]
    assert answer.ownership.policy is False  # no signoff.yaml: said plainly


def test_explain_line_maps_into_line_record(repo: GitRepo) -> None:
    sha = repo.commit("mixed\n", {"m.py": "".join(f"line{i}\n" for i in range(1, 11))})
    files = {
        "m.py": [
            {"start": 1, "end": 4, "author": "ai", "tool": 0},
            {"start": 5, "end": 10, "author": "human"},
        ]
    }
    repo.git("notes", "--ref=signoff", "add", "-F", "-", sha, input=_note(sha, "mixed", files))
    r = Repo.discover(repo.path)
    ai_line = explain(r, "m.py:2").lines[0]
    assert ai_line.author == "ai" and ai_line.tool is not None and ai_line.tool.tool == "cursor"
    assert ai_line.line_source == "signoff"
    human_line = explain(r, "m.py:7").lines[0]
    assert human_line.author == "human"
    both = explain(r, "m.py:3-6")
    assert [line.author for line in both.lines] == ["ai", "ai", "human", "human"]
    assert both.commits[0].provenance.status == "mixed"


def test_line_follows_blame_to_the_introducing_commit(repo: GitRepo) -> None:
    first = repo.commit("human base\n", {"f.py": "one\ntwo\n"})
    second = repo.commit("ai adds" + CLAUDE, {"f.py": "one\ntwo\nthree\n"})
    r = Repo.discover(repo.path)
    assert explain(r, "f.py:1").lines[0].commit == first
    line3 = explain(r, "f.py:3").lines[0]
    assert line3.commit == second and line3.author == "ai-assisted-commit"
    assert line3.line_source is None and line3.commit_status == "ai"


def test_range_and_file_targets(repo: GitRepo) -> None:
    base = repo.commit("base\n", {"x.py": "x\n"})
    repo.commit("ai" + CLAUDE, {"x.py": "x\ny\n"})
    repo.commit("human\n", {"z.py": "z\n"})
    r = Repo.discover(repo.path)
    rng = explain(r, f"{base}..HEAD")
    assert rng.target.kind == "range" and rng.summary["commits"] == 2
    assert rng.summary["ai_assisted"] == 1
    f = explain(r, "x.py")
    assert f.target.kind == "file" and f.summary["commits"] == 2
    assert f.summary["lines"] == {"unknown": 1, "ai-assisted-commit": 1}


def test_merge_commit_of_pull_request_is_review_evidence(repo: GitRepo) -> None:
    repo.commit("base\n", {"a": "a\n"})
    repo.git("checkout", "-q", "-b", "feat")
    feature = repo.commit("feature work\n", {"b": "b\n"})
    repo.git("checkout", "-q", "main")
    direct = repo.commit("direct on main\n", {"c": "c\n"})
    repo.git("merge", "-q", "--no-ff", "feat", "-m", "Merge pull request #7 from org/feat")
    r = Repo.discover(repo.path)
    merge = explain(r, feature).commits[0].merge
    assert merge is not None and merge.pull_request == "#7"
    assert explain(r, direct).commits[0].merge is None
    squashed = repo.commit("Fix the thing (#12)\n", {"d": "d\n"})
    m = explain(r, squashed).commits[0].merge
    assert m is not None and m.pull_request == "#12"


def test_detached_head_and_bad_targets(repo: GitRepo) -> None:
    repo.commit("one\n", {"a.py": "a\n"})
    sha = repo.commit("two\n", {"a.py": "b\n"})
    repo.git("checkout", "-q", "--detach", "HEAD~1")
    r = Repo.discover(repo.path)
    assert explain(r, sha).commits[0].commit.sha == sha
    with pytest.raises(SignoffError, match="not a commit, a range, a file"):
        explain(r, "no-such-thing")
    with pytest.raises(SignoffError, match="line 9 does not exist"):
        explain(r, "a.py:9")
    with pytest.raises(SignoffError):
        explain(r, "--upload-pack=evil")


def test_binary_file_is_refused_with_a_reason(repo: GitRepo) -> None:
    repo.commit("bin\n", {"img.bin": b"\x89PNG\x00\x00\x01"})
    with pytest.raises(SignoffError, match="binary"):
        blame_file(Repo.discover(repo.path), "img.bin")


def test_empty_repository_says_so(repo: GitRepo) -> None:
    with pytest.raises(SignoffError, match="no commits yet"):
        explain(Repo.discover(repo.path), "HEAD")


def test_blame_rows_carry_provenance(repo: GitRepo) -> None:
    repo.commit("human\n", {"f.py": "a\n"})
    repo.commit("ai" + CLAUDE, {"f.py": "a\nb\n"})
    rows = blame_file(Repo.discover(repo.path), "f.py")
    assert [(row.line, row.author) for row in rows] == [(1, "unknown"), (2, "ai-assisted-commit")]
