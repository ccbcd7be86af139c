"""AI-attributed lines and lines in AI-assisted commits: two measures, kept apart everywhere.

Each history here is real: a forge-style squash commit whose pull request head is fetched
(`refs/pull/N/head`), a commit that only re-indents lines, a Git AI note, and a commit with a
commit-level marker but no line record. Every measure is asserted in the JSON of `stats`,
`explain`, `blame`, `check` and `audit`, read through the real console entry point, and in
incident labels.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from signoff.cli.document import schema_version
from signoff.git import Repo
from signoff.git.log import iter_commits, read_commit
from signoff.incidents.classify import connect_all
from signoff.incidents.ops import link, open_incident
from signoff.incidents.store import load_incidents
from signoff.provenance.squash import map_pr_commits, pr_number
from signoff.query.lookup import ProvenanceLookup
from signoff.report.markdown import text as md_text
from tests.gitrepo import GitRepo, run_signoff
from tests.gitrepo import schema_doc as doc
from tests.incident_fixtures import at

SCHEMAS = Path(__file__).resolve().parent.parent / "docs" / "schemas"
GEMINI = (
    "Co-authored-by: gemini-code-assist[bot] "
    "<176961590+gemini-code-assist[bot]@users.noreply.github.com>"
)
CLAUDE = "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"
GITHUB = ("GitHub", "noreply@github.com")
DAY = "2026-01-10T12:00:00+00:00"

BASE = "def main():\n    return 0\n"
PARSE = "def parse(x):\n    return int(x)\n\n\ndef fmt(x):\n    return str(x)\n"
SUGGESTED = PARSE.replace("int(x)", "int(x.strip())")
RUN = "\n\ndef run():\n    print(fmt(parse(' 1 ')))\n"


def squash_merge(repo: GitRepo, tmp_path: Path, *, fetch: bool = True) -> tuple[str, str, str]:
    """PR #7: a human commit, an accepted Gemini Code Assist suggestion, another human commit,
    squash-merged by the forge with the commit messages stacked; the PR head is then served as
    `refs/pull/7/head` by a forge remote and fetched, the branch deleted.
    Returns (base, squash, suggestion commit)."""
    base = repo.commit("Initial\n", {"app.py": BASE}, date=DAY)
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("Add parse and fmt\n", {"app.py": BASE + "\n\n" + PARSE}, date=DAY)
    suggestion = repo.commit(
        f"Update app.py\n\n{GEMINI}\n", {"app.py": BASE + "\n\n" + SUGGESTED}, date=DAY
    )
    repo.commit("Add run\n", {"app.py": BASE + "\n\n" + SUGGESTED + RUN}, date=DAY)
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--squash", "feature")
    # GitHub's squash message: the PR commits' messages stacked, co-authors at the end
    message = (
        "Add parsing (#7)\n\n* Add parse and fmt\n\n* Update app.py\n\n* Add run\n\n"
        f"---------\n\n{GEMINI}\n"
    )
    squash = repo.commit(message, committer=GITHUB, date=DAY)
    forge = tmp_path / "forge.git"
    repo.git("clone", "-q", "--bare", str(repo.path), str(forge))
    repo.git("--git-dir", str(forge), "update-ref", "refs/pull/7/head", "refs/heads/feature")
    repo.git("branch", "-q", "-D", "feature")
    if fetch:
        repo.git("fetch", "-q", str(forge), "refs/pull/7/head:refs/pull/7/head")
    return base, squash, suggestion


def line_of(path: Path, text: str) -> int:
    return path.read_text().splitlines().index(text) + 1


# -- the squash commit: its AI lines are the ones the AI-assisted PR commit wrote -----------


def test_squash_commit_ai_lines_are_mapped_from_its_pr_commits(
    repo: GitRepo, tmp_path: Path
) -> None:
    base, squash, suggestion = squash_merge(repo, tmp_path)
    ai_line = line_of(repo.path / "app.py", "    return int(x.strip())")
    added = len((BASE + "\n\n" + SUGGESTED + RUN).splitlines()) - len(BASE.splitlines())

    stats = doc(repo, "stats")
    assert stats["lines_added"] == len(BASE.splitlines()) + added
    assert stats["ai_attributed_lines"] == 1
    assert stats["ai_assisted_unrecorded_lines"] == 0
    assert stats["capture_coverage"] == {
        "ai_commits": 1,
        "ai_commits_with_line_record": 1,
        "commit_share": 1.0,
        "ai_commit_lines": added,
        "ai_commit_lines_with_line_record": added,
        "line_share": 1.0,
    }
    assert stats["by_tool"] == [
        {
            "tool": "gemini-code-assist",
            "commits": 1,
            "ai_attributed_lines": 1,
            "ai_assisted_unrecorded_lines": 0,
            "line_kinds": {"ai": 1, "ai-modified": 0, "human": 0, "unknown": 0},
        }
    ]

    (answer,) = doc(repo, "explain", squash)["commits"]
    assert answer["lines"] == {
        "added": added,
        "ai_attributed_lines": 1,
        "ai_assisted_unrecorded_lines": 0,
        "line_record": ["pr-commits"],
    }
    (record,) = answer["provenance"]["line_records"]
    assert record["source"] == "pr-commits" and record["confidence"] == "medium"
    assert "PR #7" in record["derivation"] and "git diff -w" in record["derivation"]
    assert record["files"] == {
        "app.py": [
            {
                "start": ai_line,
                "end": ai_line,
                "author": "ai",
                "tool": {"tool": "gemini-code-assist", "model": None, "session": None},
            }
        ]
    }

    lines = {row["line"]: row for row in doc(repo, "blame", "app.py")["lines"]}
    assert (lines[ai_line]["author"], lines[ai_line]["line_source"]) == ("ai", "pr-commits")
    assert lines[ai_line]["commit"] == squash and lines[ai_line]["commit_status"] == "ai"
    # the squash's other lines: the record was asked and names no AI (nobody declared them)
    others = [r for n, r in lines.items() if r["commit"] == squash and n != ai_line]
    assert len(others) == added - 1
    assert {(r["author"], r["line_source"]) for r in others} == {("unknown", "pr-commits")}
    assert lines[1]["commit"] == base and lines[1]["line_source"] is None

    explained = doc(repo, "explain", f"app.py:{ai_line}")
    assert explained["lines"][0]["author"] == "ai"
    assert explained["summary"]["ai_attributed_lines"] == 1

    check = doc(repo, "check", "--base", base, "--head", squash, "--no-scan")
    cs = check["changeset"]
    # the lines the squash's record leaves unknown fall back to the commit: AI-assisted, so the
    # gate's AI bar covers them (unknown is not human), counted apart from the AI-attributed one
    assert (cs["ai_attributed_lines"], cs["ai_assisted_unrecorded_lines"]) == (1, added - 1)
    assert cs["files"][0]["ai_attributed_added"] == 1
    assert cs["commits"][0]["line_record"] == ["pr-commits"]
    markdown = run_signoff(
        repo, "check", "--base", base, "--head", squash, "--no-scan", "--format", "markdown"
    ).stdout
    # the tool's name is text from a commit: behind Markdown escapes in the comment
    assert f"`app.py`: lines {md_text(f'{ai_line} (gemini-code-assist)')}" in markdown
    assert "carry no line record" not in markdown
    assert f"the line records of AI-assisted commit(s) {squash[:10]} leave some" in markdown

    audit = _audit(repo, tmp_path)
    assert audit["metrics"]["lines"]["ai_attributed_lines"] == 1
    assert audit["metrics"]["lines"]["ai_assisted_unrecorded_lines"] == 0
    assert audit["metrics"]["lines"]["capture_coverage"]["ai_commits_with_line_record"] == 1
    assert suggestion not in {c["id"] for c in audit["population"]}


def test_without_the_pr_head_the_squash_is_an_ai_assisted_commit_with_no_record(
    repo: GitRepo, tmp_path: Path
) -> None:
    """Before the PR head is fetched the whole squash counts apart, never as AI lines."""
    base, squash, _ = squash_merge(repo, tmp_path, fetch=False)
    added = len((SUGGESTED + RUN).splitlines()) + 2
    stats = doc(repo, "stats")
    assert (stats["ai_attributed_lines"], stats["ai_assisted_unrecorded_lines"]) == (0, added)
    assert stats["capture_coverage"]["commit_share"] == 0
    (answer,) = doc(repo, "explain", squash)["commits"]
    assert answer["lines"]["line_record"] is None
    assert answer["lines"]["ai_assisted_unrecorded_lines"] == added
    authors = {r["author"] for r in doc(repo, "blame", "app.py")["lines"] if r["commit"] == squash}
    assert authors == {"ai-assisted-commit"}
    cs = doc(repo, "check", "--base", base, "--head", squash, "--no-scan")["changeset"]
    assert (cs["ai_attributed_lines"], cs["ai_assisted_unrecorded_lines"]) == (0, added)
    markdown = run_signoff(
        repo, "check", "--base", base, "--head", squash, "--no-scan", "--format", "markdown"
    ).stdout
    assert f"AI-assisted commit(s) {squash[:10]} carry no line record" in markdown
    lines = _audit(repo, tmp_path)["metrics"]["lines"]
    assert (lines["ai_attributed_lines"], lines["ai_assisted_unrecorded_lines"]) == (0, added)

    # the PR head fetched later: `signoff index` maps the squash already in the index
    repo.git("fetch", "-q", str(tmp_path / "forge.git"), "refs/pull/7/head:refs/pull/7/head")
    assert doc(repo, "index")["squashes_mapped"] == 1
    stats = doc(repo, "stats")
    assert (stats["ai_attributed_lines"], stats["ai_assisted_unrecorded_lines"]) == (1, 0)
    assert doc(repo, "index")["squashes_mapped"] == 0  # done once


def test_mapping_is_the_same_live_and_from_the_index(repo: GitRepo, tmp_path: Path) -> None:
    _, squash, _ = squash_merge(repo, tmp_path)
    r = Repo.discover(repo.path)
    with ProvenanceLookup(r, use_index=False) as live, ProvenanceLookup(r) as indexed:
        assert live.get(squash) == indexed.get(squash)
    assert pr_number("Add parsing (#7)") == 7 and pr_number("Add parsing #7") is None


def test_pr_commits_given_by_the_caller_map_the_same(repo: GitRepo, tmp_path: Path) -> None:
    """The forge's list of PR commits (as `--reviews` payloads carry it) needs no fetched ref."""
    _, squash, _ = squash_merge(repo, tmp_path)
    r = Repo.discover(repo.path)
    pr_commits = repo.git("rev-list", "--reverse", f"{squash}^..refs/pull/7/head").split()
    repo.git("update-ref", "-d", "refs/pull/7/head")
    with ProvenanceLookup(r, use_index=False) as lookup:
        given = map_pr_commits(r, read_commit(r, squash), lookup.many, pr_commits=pr_commits)
        assert map_pr_commits(r, read_commit(r, squash), lookup.many) is None
    assert given is not None and given.record is not None
    assert given.record.counts() == (1, 0)


# -- whitespace: a re-indented line keeps the commit that wrote it --------------------------

LOOP = "def total(xs):\n    s = 0\n    for x in xs:\n        s += x\n    return s\n"
GUARDED = (
    "def total(xs):\n    s = 0\n    if xs:\n        for x in xs:\n            s += x\n"
    "    return s\n"
)


def test_reindented_lines_are_not_ai_lines_of_the_commit_that_moved_them(
    repo: GitRepo, tmp_path: Path
) -> None:
    """The AI commit wraps a human loop in an `if`: only the `if` line is its own."""
    human = repo.commit("Add total\n\nAI-Assisted: none\n", {"calc.py": LOOP}, date=DAY)
    ai = repo.commit(f"Guard empty input\n\n{CLAUDE}\n", {"calc.py": GUARDED}, date=DAY)
    rows = {r["line"]: r for r in doc(repo, "blame", "calc.py")["lines"]}
    assert rows[3]["author"] == "ai-assisted-commit" and rows[3]["commit"] == ai
    for n in (4, 5):  # re-indented by the AI commit, written by the human one
        assert (rows[n]["commit"], rows[n]["author"]) == (human, "human")
    cs = doc(repo, "check", "--base", human, "--head", ai, "--no-scan")["changeset"]
    assert cs["ai_assisted_unrecorded_lines"] == 1  # the `if`, not the two moved lines
    assert cs["files"][0]["added"] == 3  # git's plain diff still shows three added lines
    stats = doc(repo, "stats")
    assert (stats["ai_attributed_lines"], stats["ai_assisted_unrecorded_lines"]) == (0, 1)
    assert stats["lines_added"] == 5 + 3
    (answer,) = doc(repo, "explain", ai)["commits"]
    assert answer["lines"] == {
        "added": 3,
        "ai_attributed_lines": 0,
        "ai_assisted_unrecorded_lines": 1,
        "line_record": None,
    }
    lines = _audit(repo, tmp_path)["metrics"]["lines"]
    assert (lines["ai_attributed_lines"], lines["ai_assisted_unrecorded_lines"]) == (0, 1)


def test_a_pr_commit_that_only_reindents_does_not_claim_the_lines(
    repo: GitRepo, tmp_path: Path
) -> None:
    repo.commit("Initial\n", {"calc.py": "X = 1\n"}, date=DAY)
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("Add total\n", {"calc.py": "X = 1\n" + LOOP}, date=DAY)
    repo.commit(f"Guard empty input\n\n{CLAUDE}\n", {"calc.py": "X = 1\n" + GUARDED}, date=DAY)
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--squash", "feature")
    squash = repo.commit(f"Total (#9)\n\n* Add total\n\n{CLAUDE}\n", committer=GITHUB, date=DAY)
    repo.git("update-ref", "refs/pull/9/head", "refs/heads/feature")
    repo.git("branch", "-q", "-D", "feature")
    (answer,) = doc(repo, "explain", squash)["commits"]
    assert answer["lines"]["ai_attributed_lines"] == 1
    (record,) = answer["provenance"]["line_records"]
    assert [(s["start"], s["end"]) for s in record["files"]["calc.py"]] == [(4, 4)]


# -- Git AI notes and commit-level markers -------------------------------------------------


def gitai_note(sha: str, spans: str) -> str:
    meta = {
        "schema_version": "authorship/3.0.0",
        "git_ai_version": "1.4.5",
        "base_commit_sha": sha,
        "prompts": {
            "abcd1234abcd1234": {
                "agent_id": {"tool": "cursor", "id": "sess-1", "model": "gpt-5"},
                "human_author": "Ada Lovelace <ada@example.com>",
                "total_additions": 2,
                "total_deletions": 0,
                "accepted_lines": 2,
                "overriden_lines": 0,
            }
        },
    }
    return f"calc.py\n  abcd1234abcd1234 {spans}\n---\n" + json.dumps(meta, indent=2)


def test_gitai_record_and_marker_only_commit_counted_apart(repo: GitRepo, tmp_path: Path) -> None:
    base = repo.commit("Initial\n", {"calc.py": "X = 1\n"}, date=DAY)
    noted = repo.commit("Add total\n", {"calc.py": "X = 1\n" + LOOP}, date=DAY)
    repo.git("notes", "--ref=ai", "add", "-F", "-", noted, input=gitai_note(noted, "3-4").encode())
    marked = repo.commit(
        f"Add mean\n\n{CLAUDE}\n",
        {"calc.py": "X = 1\n" + LOOP + "\n\ndef mean(xs):\n    return total(xs) / len(xs)\n"},
        date=DAY,
    )

    stats = doc(repo, "stats")
    assert stats["ai_attributed_lines"] == 2  # lines 3-4 of the noted commit
    assert stats["ai_assisted_unrecorded_lines"] == 4  # the marked commit's added lines
    cov = stats["capture_coverage"]
    assert (cov["ai_commits"], cov["ai_commits_with_line_record"], cov["commit_share"]) == (
        2,
        1,
        0.5,
    )
    assert (cov["ai_commit_lines"], cov["ai_commit_lines_with_line_record"]) == (9, 5)

    commits = {c["commit"]: c["lines"] for c in doc(repo, "explain", f"{base}..HEAD")["commits"]}
    assert commits[noted] == {
        "added": 5,
        "ai_attributed_lines": 2,
        "ai_assisted_unrecorded_lines": 0,
        "line_record": ["git-ai"],
    }
    assert commits[marked] == {
        "added": 4,
        "ai_attributed_lines": 0,
        "ai_assisted_unrecorded_lines": 4,
        "line_record": None,
    }

    rows = {r["line"]: r for r in doc(repo, "blame", "calc.py")["lines"]}
    assert [(rows[n]["author"], rows[n]["line_source"]) for n in (2, 3, 4)] == [
        ("unknown", "git-ai"),  # the note covers the commit and does not name this line
        ("ai", "git-ai"),
        ("ai", "git-ai"),
    ]
    assert {rows[n]["author"] for n in (9, 10)} == {"ai-assisted-commit"}

    cs = doc(repo, "check", "--base", base, "--head", marked, "--no-scan")["changeset"]
    # the gate: the 3 added lines the Git AI note leaves unknown fall back to their
    # AI-assisted commit (4 + 3); stats and audit below keep counting commits without a record
    assert (cs["ai_attributed_lines"], cs["ai_assisted_unrecorded_lines"]) == (2, 7)
    markdown = run_signoff(
        repo, "check", "--base", base, "--head", marked, "--no-scan", "--format", "markdown"
    ).stdout
    assert f"`calc.py`: lines {md_text('3-4 (cursor/gpt-5)')}" in markdown
    assert f"AI-assisted commit(s) {marked[:10]} carry no line record" in markdown
    assert f"the line records of AI-assisted commit(s) {noted[:10]} leave some" in markdown
    assert "Scanners scanned 2 AI-attributed lines and 7 lines" in markdown

    lines = _audit(repo, tmp_path)["metrics"]["lines"]
    assert (lines["ai_attributed_lines"], lines["ai_assisted_unrecorded_lines"]) == (2, 4)
    assert lines["capture_coverage"]["commit_share"] == 0.5
    coverage = lines["capture_coverage"]
    assert (coverage["ai_commit_lines"], coverage["ai_commit_lines_with_line_record"]) == (9, 5)


def test_incident_labels_say_which_measure_connects_them(repo: GitRepo) -> None:
    repo.commit("Initial\n", {"calc.py": "X = 1\n"}, date=DAY)
    noted = repo.commit("Add total\n", {"calc.py": "X = 1\n" + LOOP}, date=DAY)
    repo.git("notes", "--ref=ai", "add", "-F", "-", noted, input=gitai_note(noted, "3-4").encode())
    repo.commit(
        f"Add mean\n\n{CLAUDE}\n",
        {"calc.py": "X = 1\n" + LOOP + "\n\ndef mean(xs):\n    return total(xs) / len(xs)\n"},
        date=DAY,
    )
    r = Repo.discover(repo.path)
    targets = {"recorded": "calc.py:3-4", "unrecorded": "calc.py:9-10", "not named": "calc.py:2"}
    for n, (title, target) in enumerate(targets.items(), 1):
        open_incident(r, title, "sev2", at("2026-01-11T10:00:00"), incident_id=f"INC-000{n}")
        link(r, f"INC-000{n}", [target])
    labels = {i.title: c for i, c in connect_all(r, load_incidents(r))}
    assert labels["recorded"].label == "ai-connected"
    assert [c.author for c in labels["recorded"].changes] == ["ai"]
    assert "lines ai by line record: 2 ai (cursor/gpt-5)" in labels["recorded"].reasons[0]
    [change] = labels["recorded"].changes
    assert (change.basis, change.line_kinds) == (
        "line-record",
        {"ai": 2, "ai-modified": 0, "human": 0, "unknown": 0},
    )
    assert labels["unrecorded"].label == "ai-connected"
    assert [c.author for c in labels["unrecorded"].changes] == ["ai-assisted-commit"]
    assert (
        "2 lines of an AI-assisted commit without a line record" in labels["unrecorded"].reasons[0]
    )
    assert labels["unrecorded"].measures() == {
        "line_record": {
            "commits": 0,
            "line_kinds": {"ai": 0, "ai-modified": 0, "human": 0, "unknown": 0},
            "ai_lines": 0,
        },
        "commit_level": {"commits": 1, "ai_assisted_commit_lines": 2},
    }
    # the commit has a Git AI record and it does not name line 2: unknown, not AI, not human
    assert labels["not named"].label == "unknown"


def _audit(repo: GitRepo, tmp_path: Path) -> dict[str, Any]:
    out = tmp_path / "pack"
    done = run_signoff(
        repo, "audit", "--since", "2026-01-01", "--until", "2026-01-31", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads((out / "audit.json").read_text())
    jsonschema.validate(report, json.loads((SCHEMAS / "audit-v1.json").read_text()))
    population = json.loads((out / "population.json").read_text())
    report["population"] = population["changes"]
    return report


@pytest.mark.parametrize("subject", ["Fix (#12)", "Fix (#12)  ", "[x] Fix: y (#12)"])
def test_pr_number_from_the_forge_suffix(subject: str) -> None:
    assert pr_number(subject) == 12


def test_a_pull_ref_of_another_pull_request_is_not_mapped(repo: GitRepo, tmp_path: Path) -> None:
    """A fork's numbering can name a different pull request: its commits must not decide."""
    _, squash, _ = squash_merge(repo, tmp_path, fetch=False)
    repo.git("checkout", "-q", "-b", "other")
    repo.commit("Unrelated\n", {"other.py": "print('hello')\n" * 3}, date=DAY)
    repo.git("checkout", "-q", "main")
    repo.git("update-ref", "refs/pull/7/head", "refs/heads/other")
    repo.git("branch", "-q", "-D", "other")
    (answer,) = doc(repo, "explain", squash, "--no-index")["commits"]
    assert answer["lines"]["line_record"] is None
    assert answer["lines"]["ai_assisted_unrecorded_lines"] == answer["lines"]["added"]
    (problem,) = answer["provenance"]["problems"]
    assert "refs/pull/7/head does not match this commit: only 0 of its" in problem


def test_a_pull_ref_reaching_far_behind_the_squash_is_refused_before_any_diff(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A head branched long before the squash's parent (a release branch, a fork's numbering)
    lists thousands of commits on a real history: it is refused from a count, never diffed."""
    from signoff.provenance import squash as squash_module

    _, squash, _ = squash_merge(repo, tmp_path, fetch=False)
    root = repo.git("rev-list", "--max-parents=0", "HEAD").strip()
    repo.git("checkout", "-q", "-b", "old-release", root)
    for n in range(3):
        repo.commit(f"Release fix {n}\n", {f"r{n}.py": f"x = {n}\n"}, date=DAY)
    repo.git("checkout", "-q", "main")
    repo.git("update-ref", "refs/pull/7/head", "refs/heads/old-release")
    monkeypatch.setattr(squash_module, "MAX_PR_COMMITS", 2)
    git = Repo.discover(repo.path)
    asked: list[list[str]] = []

    def provenance_of(shas: list[str]) -> dict[str, Any]:
        asked.append(shas)
        return {}

    mapping = map_pr_commits(git, read_commit(git, squash), provenance_of)
    assert mapping is not None and mapping.record is None
    assert "refs/pull/7/head adds more than 2 commits" in mapping.note
    assert asked == []
    monkeypatch.setattr(squash_module, "MAX_PR_COMMITS", 250)
    mapping = map_pr_commits(git, read_commit(git, squash), provenance_of)
    assert mapping is not None and "more than" not in mapping.note


def test_audit_maps_a_squash_from_the_pr_commits_its_forge_record_lists(
    repo: GitRepo, tmp_path: Path
) -> None:
    """No refs/pull fetched: the forge's pull request record (`--reviews`) lists the commits."""
    _, squash, _ = squash_merge(repo, tmp_path, fetch=False)
    shas = repo.git("rev-list", "--reverse", f"{squash}^..refs/heads/main").split()
    forge_head = repo.git(
        "--git-dir", str(tmp_path / "forge.git"), "rev-parse", "refs/pull/7/head"
    ).strip()
    pr_commits = repo.git(
        "--git-dir",
        str(tmp_path / "forge.git"),
        "rev-list",
        "--reverse",
        f"{squash}^..{forge_head}",
    ).split()
    assert shas == [squash] and len(pr_commits) == 3
    person = {"name": "Ada Lovelace", "email": "ada@example.com", "date": "2026-01-10T12:00:00Z"}
    bundle = {
        "pull": {
            "number": 7,
            "title": "Add parsing",
            "state": "closed",
            "user": {"login": "ada"},
            "head": {"sha": forge_head, "ref": "feature"},
            "base": {"ref": "main"},
        },
        "reviews": [],
        "commits": [
            {"sha": sha, "commit": {"author": person, "committer": person}} for sha in pr_commits
        ],
    }
    folder = tmp_path / "reviews"
    folder.mkdir()
    (folder / "7.json").write_text(json.dumps(bundle))
    out = tmp_path / "pack"
    done = run_signoff(
        repo, "audit", "--since", "2026-01-01", "--until", "2026-01-31", "--out", str(out),
        "--reviews", str(folder),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads((out / "audit.json").read_text())
    assert report["forge_reviews"]["squashes_mapped"] == 1
    assert report["metrics"]["lines"]["ai_attributed_lines"] == 1
    assert report["metrics"]["lines"]["ai_assisted_unrecorded_lines"] == 0


def test_a_pr_commit_that_is_itself_a_squash_is_mapped_too(repo: GitRepo) -> None:
    """Stacked pull requests: #3 was squash-merged into #4's branch, #4 into main."""
    base = repo.commit("Initial\n", {"a.py": "A = 0\n"}, date=DAY)
    repo.git("checkout", "-q", "-b", "inner")
    repo.commit(f"AI line\n\n{CLAUDE}\n", {"a.py": "A = 0\nB = 1\n"}, date=DAY)
    repo.commit("Human line\n", {"a.py": "A = 0\nB = 1\nC = 2\n"}, date=DAY)
    repo.git("checkout", "-q", "-b", "outer", base)
    repo.git("merge", "-q", "--squash", "inner")
    repo.commit(f"Inner (#3)\n\n---------\n\n{CLAUDE}\n", committer=GITHUB, date=DAY)
    repo.commit("Outer human line\n", {"a.py": "A = 0\nB = 1\nC = 2\nD = 3\n"}, date=DAY)
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--squash", "outer")
    squash = repo.commit(f"Outer (#4)\n\n---------\n\n{CLAUDE}\n", committer=GITHUB, date=DAY)
    repo.git("update-ref", "refs/pull/3/head", "refs/heads/inner")
    repo.git("update-ref", "refs/pull/4/head", "refs/heads/outer")
    repo.git("branch", "-q", "-D", "inner", "outer")
    (answer,) = doc(repo, "explain", squash)["commits"]
    assert answer["lines"]["ai_attributed_lines"] == 1  # B = 1, not C (human in #3) or D
    (record,) = answer["provenance"]["line_records"]
    assert [(s["start"], s["end"]) for s in record["files"]["a.py"]] == [(2, 2)]


def test_lines_follow_a_file_the_pull_request_renamed(repo: GitRepo) -> None:
    repo.commit("Initial\n", {"a.py": "A = 0\n"}, date=DAY)
    repo.git("checkout", "-q", "-b", "feature")
    body = "def helper(value):\n    return value * 2\n\n\nLIMIT = 10\n"
    repo.commit(f"Add helper\n\n{CLAUDE}\n", {"old_name.py": body}, date=DAY)
    repo.git("mv", "old_name.py", "new_name.py")
    repo.commit("Rename, add a line\n", {"new_name.py": body + "EXTRA = 1\n"}, date=DAY)
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--squash", "feature")
    squash = repo.commit(f"Helper (#5)\n\n---------\n\n{CLAUDE}\n", committer=GITHUB, date=DAY)
    repo.git("update-ref", "refs/pull/5/head", "refs/heads/feature")
    repo.git("branch", "-q", "-D", "feature")
    (answer,) = doc(repo, "explain", squash)["commits"]
    (record,) = answer["provenance"]["line_records"]
    assert [(s["start"], s["end"]) for s in record["files"]["new_name.py"]] == [(1, 5)]
    assert answer["lines"]["ai_attributed_lines"] == 5  # not EXTRA, written after the rename


@pytest.mark.parametrize("name", ["stats", "explain", "blame", "check", "decay", "incident-tools"])
def test_signoff_schema_prints_the_version_commands_print(name: str) -> None:
    newest = subprocess.run(
        [sys.executable, "-m", "signoff", "schema", name], capture_output=True, text=True
    )
    assert newest.returncode == 0, newest.stderr
    version = schema_version(name)
    assert json.loads(newest.stdout)["$id"].endswith(f"/{name}-v{version}.json")
    old = subprocess.run(
        [sys.executable, "-m", "signoff", "schema", f"{name}-v1"], capture_output=True, text=True
    )
    assert json.loads(old.stdout)["$id"].endswith(f"/{name}-v1.json")  # documented until retired


def unmarked_squash_merge(repo: GitRepo, tmp_path: Path, *, fetch: bool = True) -> tuple[str, str]:
    """PR #8: an agent's commit (Claude) and a human's, squash-merged by someone who wrote a
    fresh message without any trailer; the PR head served as `refs/pull/8/head`.
    Returns (squash, agent's commit)."""
    repo.commit("Initial\n", {"app.py": BASE}, date=DAY)
    repo.git("checkout", "-q", "-b", "feature")
    agent = repo.commit(f"Add parse\n\n{CLAUDE}\n", {"app.py": BASE + "\n\n" + PARSE}, date=DAY)
    repo.commit("Add run\n", {"app.py": BASE + "\n\n" + PARSE + RUN}, date=DAY)
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--squash", "feature")
    squash = repo.commit("Parsing and a runner (#8)\n", committer=GITHUB, date=DAY)
    forge = tmp_path / "forge.git"
    repo.git("clone", "-q", "--bare", str(repo.path), str(forge))
    repo.git("--git-dir", str(forge), "update-ref", "refs/pull/8/head", "refs/heads/feature")
    repo.git("branch", "-q", "-D", "feature")
    if fetch:
        repo.git("fetch", "-q", str(forge), "refs/pull/8/head:refs/pull/8/head")
    return squash, agent


def test_a_squash_without_a_marker_is_mapped_when_its_pr_commits_were_ai(
    repo: GitRepo, tmp_path: Path
) -> None:
    squash, _ = unmarked_squash_merge(repo, tmp_path)
    ai_lines = len(PARSE.splitlines()) + 2  # the agent's commit added PARSE and two blank lines
    human_lines = len(RUN.splitlines())
    for answer in (
        doc(repo, "explain", squash)["commits"][0],
        doc(repo, "explain", squash, "--no-index")["commits"][0],
    ):
        prov = answer["provenance"]
        # known only from a PR commit's commit-level marker (all its lines given to the AI)
        assert (prov["status"], prov["confidence"]) == ("ai", "weak")
        assert prov["markers"] == []  # the commit itself carries none
        assert prov["reason"].startswith("no AI marker on this commit; PR #8:")
        assert (
            f"{ai_lines} of the {ai_lines} from PR commits with only a commit-level"
            in (prov["reason"])
        )
        assert [t["tool"] for t in prov["tools"]] == ["claude-code"]
        (record,) = prov["line_records"]
        assert record["source"] == "pr-commits" and record["confidence"] == "weak"
        assert record["derivation"].startswith("this commit carries no AI marker")
        assert record["derivation"].endswith(
            f"(0 AI lines from their line records, {ai_lines} from commits with only a "
            "commit-level marker)"
        )
        # AI lines from the record; nothing counted as lines of an AI-assisted commit
        assert answer["lines"]["ai_attributed_lines"] == ai_lines
        assert answer["lines"]["ai_assisted_unrecorded_lines"] == 0
        assert answer["lines"]["added"] == ai_lines + human_lines
    stats = doc(repo, "stats")
    assert (stats["ai_attributed_lines"], stats["ai_assisted_unrecorded_lines"]) == (ai_lines, 0)
    assert [t["tool"] for t in stats["by_tool"]] == ["claude-code"]


def test_a_squash_without_a_marker_stays_unknown_when_its_pr_commits_were_not_ai(
    repo: GitRepo, tmp_path: Path
) -> None:
    repo.commit("Initial\n", {"app.py": BASE}, date=DAY)
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("Add parse\n", {"app.py": BASE + "\n\n" + PARSE}, date=DAY)
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--squash", "feature")
    squash = repo.commit("Parsing (#9)\n", committer=GITHUB, date=DAY)
    repo.git("update-ref", "refs/pull/9/head", "refs/heads/feature")
    repo.git("branch", "-q", "-D", "feature")
    prov = doc(repo, "explain", squash)["commits"][0]["provenance"]
    assert (prov["status"], prov["line_records"]) == ("unknown", [])


def test_pull_heads_fetched_after_indexing_map_a_squash_without_a_marker(
    repo: GitRepo, tmp_path: Path
) -> None:
    squash, _ = unmarked_squash_merge(repo, tmp_path, fetch=False)
    assert doc(repo, "explain", squash)["commits"][0]["provenance"]["status"] == "unknown"
    repo.git("fetch", "-q", str(tmp_path / "forge.git"), "refs/pull/8/head:refs/pull/8/head")
    assert doc(repo, "index")["squashes_mapped"] == 1
    assert doc(repo, "explain", squash)["commits"][0]["provenance"]["status"] == "ai"
    assert doc(repo, "index")["squashes_mapped"] == 0  # the same heads are not walked again


def test_a_squash_without_a_marker_mapped_from_pr_line_records_is_medium(
    repo: GitRepo, tmp_path: Path
) -> None:
    repo.commit("Initial\n", {"calc.py": "X = 1\n"}, date=DAY)
    repo.git("checkout", "-q", "-b", "feature")
    noted = repo.commit("Add total\n", {"calc.py": "X = 1\n" + LOOP}, date=DAY)
    repo.git("notes", "--ref=ai", "add", "-F", "-", noted, input=gitai_note(noted, "3-4").encode())
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--squash", "feature")
    squash = repo.commit("Totals (#5)\n", committer=GITHUB, date=DAY)
    repo.git("update-ref", "refs/pull/5/head", "refs/heads/feature")
    repo.git("branch", "-q", "-D", "feature")
    (answer,) = doc(repo, "explain", squash)["commits"]
    prov = answer["provenance"]
    assert (prov["status"], prov["confidence"]) == ("ai", "medium")
    assert [t["tool"] for t in prov["tools"]] == ["cursor"]
    assert prov["line_records"][0]["derivation"].endswith(
        "(2 AI lines from their line records, 0 from commits with only a commit-level marker)"
    )
    assert (
        answer["lines"]["ai_attributed_lines"],
        answer["lines"]["ai_assisted_unrecorded_lines"],
    ) == (2, 0)


def test_squashes_mapped_in_groups_answer_as_one_at_a_time(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An index build maps squash commits in groups (`map_squashes`): per commit, the same
    provenance as mapping it alone, for a mapped squash, a squash whose PR commit lost a blob,
    one whose head reaches too far back and one whose head is not fetched."""
    from signoff.provenance import squash as squash_module
    from signoff.provenance.detect import detect
    from signoff.provenance.squash import map_squashes, mapped_provenance, pull_heads

    _, mapped, _ = squash_merge(repo, tmp_path)
    for n, number in enumerate((11, 12, 13)):
        repo.git("checkout", "-q", "-b", f"pr{number}")
        for k in range(3):
            repo.commit(
                f"Step {k}\n\n{CLAUDE}\n", {f"p{number}.py": f"v{number} = {k}\n" * (k + 2)}
            )
        repo.git("update-ref", f"refs/pull/{number}/head", "HEAD")
        repo.git("checkout", "-q", "main")
        repo.git("merge", "-q", "--squash", f"pr{number}")
        repo.commit(f"PR {n} (#{number})\n\n{CLAUDE}\n", committer=GITHUB, date=DAY)
        repo.git("branch", "-q", "-D", f"pr{number}")
    repo.commit(f"Not fetched (#99)\n\n{CLAUDE}\n", {"z.py": "z = 1\n"}, committer=GITHUB)
    # PR 12's first commit lost the blob it wrote: its squash says so
    first = repo.git("rev-list", "--reverse", "refs/pull/12/head").split()[-3]
    lost = repo.git("rev-parse", f"{first}:p12.py").strip()
    (repo.path / ".git" / "objects" / lost[:2] / lost[2:]).unlink()
    monkeypatch.setattr(squash_module, "MAX_PR_COMMITS", 3)
    repo.git("update-ref", "refs/pull/13/head", "refs/pull/13/head~0")
    far = repo.git("rev-list", "--max-parents=0", "HEAD").strip()
    repo.git("checkout", "-q", "-b", "far", far)
    for k in range(4):
        repo.commit(f"Old {k}\n", {f"old{k}.py": "o\n"})
    repo.git("checkout", "-q", "main")
    repo.git("update-ref", "refs/pull/13/head", "refs/heads/far")
    monkeypatch.setattr(squash_module, "_GROUP", 2)  # several groups, two at a time

    git = Repo.discover(repo.path)
    commits = [c for c in iter_commits(git, ["main"]) if pr_number(c.subject) is not None]

    def detect_one(c: Any) -> Any:
        return detect(c)

    grouped = map_squashes(git, commits, detect_one, pull_heads(git))
    alone = {c.sha: mapped_provenance(git, [c], detect_one)[c.sha] for c in commits}
    assert grouped == alone
    by_subject = {c.subject: grouped[c.sha] for c in commits}
    assert by_subject[read_commit(git, mapped).subject].line_records
    assert any("could not be read" in p for p in by_subject["PR 1 (#12)"].problems)
    assert any("adds more than 3 commits" in p for p in by_subject["PR 2 (#13)"].problems)
    assert by_subject["PR 0 (#11)"].line_records
    assert not by_subject["Not fetched (#99)"].line_records
