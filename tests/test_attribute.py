"""Line records at commit time: agents' checkpoints in the working log replayed against real
commits made through the installed hooks, with the exact line ranges asserted after each flow."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from signoff.git.notes import read_notes
from signoff.git.repo import Repo
from signoff.provenance.foreign import parse_gitai_note
from signoff.provenance.notes import parse_signoff_notes, range_hash
from signoff.recording import worklog
from signoff.recording.attribute import (
    AI,
    AI_MODIFIED,
    HUMAN,
    UNKNOWN,
    attribute_commit,
    carry,
    opcodes,
    replay,
)
from signoff.recording.commit_lines import prune, write_gitai_note
from signoff.recording.install import install
from tests import agent_payloads as payloads
from tests.gitrepo import GitRepo, run_signoff
from tests.test_recording import scrubbed

SCHEMA = json.loads(
    (Path(__file__).resolve().parent.parent / "docs/schemas/provenance-note-v1.json").read_text()
)
OPUS = ("claude-code", "claude-opus-4-5", "s1")


@pytest.fixture(params=["post-commit", "commit-msg"])
def hooked(repo: GitRepo, request: pytest.FixtureRequest) -> Iterator[GitRepo]:
    """A repository with Signoff's hooks installed and one human commit.

    Every flow runs both ways the hooks attribute lines: in post-commit (a human commit:
    commit-msg exits in sh, post-commit starts Python), and in commit-msg, which hands
    post-commit a prepared bundle written in sh. `AGENT=1` names no agent (the decision stays a
    human's) but is a variable the installed commit-msg starts Python for.
    """
    repo.env = scrubbed(repo.env)
    if request.param == "commit-msg":
        repo.env["AGENT"] = "1"
    repo.commit("base\n", {"README": "hello\n"})
    install(Repo(repo.path))
    # a loaded test machine must not run the hook out of its time budget (tested on its own)
    repo.git("config", "signoff.captureBudget", "600000")
    yield repo


def gitdir(repo: GitRepo) -> str:
    """The per-worktree git directory, where the working log lives."""
    return repo.git("rev-parse", "--absolute-git-dir").strip()


def checkpoint(
    repo: GitRepo, event: str, path: str, tool: tuple[str, str | None, str | None] = OPUS
) -> None:
    """What `signoff checkpoint` records: the file's content as a blob id, and the agent."""
    exists = (repo.path / path).exists()
    blob = repo.git("hash-object", "-w", path).strip() if exists else None
    agent, model, session = tool
    worklog.append(
        gitdir(repo),
        [worklog.make_record(event, path, blob, agent=agent, model=model, session=session)],
    )


def agent_edit(
    repo: GitRepo, path: str, content: str, tool: tuple[str, str | None, str | None] = OPUS
) -> None:
    checkpoint(repo, "pre", path, tool)
    repo.write(path, content)
    checkpoint(repo, "post", path, tool)


def lines(n: int, prefix: str = "line") -> str:
    return "".join(f"{prefix} {i}\n" for i in range(1, n + 1))


def docs(repo: GitRepo, rev: str = "HEAD") -> list[dict[str, Any]]:
    sha = repo.git("rev-parse", rev).strip()
    out: list[dict[str, Any]] = []
    for blob in read_notes(Repo(repo.path), "signoff").get(sha, []):
        out += [json.loads(line) for line in blob.decode().splitlines() if line.strip()]
    for doc in out:
        jsonschema.validate(doc, SCHEMA)
    return out


def line_doc(repo: GitRepo, rev: str = "HEAD") -> dict[str, Any]:
    [doc] = [d for d in docs(repo, rev) if "files" in d or "line_record" in d]
    return doc


def spans(doc: dict[str, Any], path: str) -> list[tuple[int, int, str, str | None]]:
    """(start, end, author, tool/model/session) of each range of `path`."""
    tools = doc["tools"]
    out = []
    for s in doc["files"].get(path, []):
        tool = tools[s["tool"]] if s["tool"] is not None else None
        label = f"{tool['tool']}/{tool['model']}/{tool['session']}" if tool else None
        out.append((s["start"], s["end"], s["author"], label))
    return out


def file_lines(repo: GitRepo, path: str, rev: str = "HEAD") -> list[str]:
    return repo.git("show", f"{rev}:{path}").splitlines()


def commit(repo: GitRepo, message: str, env: dict[str, str] | None = None) -> str:
    """`git add -A` and a real `git commit` through the hooks (a human at the terminal)."""
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", message, env=env)
    return repo.head()


AI_S1 = "claude-code/claude-opus-4-5/s1"


# -- the replay on its own -----------------------------------------------------------------------


def test_carry_pairs_a_human_change_of_an_ai_line_and_keeps_reindents() -> None:
    tool = OPUS
    old = ["a", "b", "c"]
    labels = [(AI, tool), (AI, tool), None]
    new = ["a", "B!", "  c", "d"]
    assert carry(labels, old, new, mode=HUMAN) == [
        (AI, tool),
        (AI_MODIFIED, tool),
        None,  # only re-indented: still the base line
        (HUMAN, None),
    ]


def test_opcodes_cut_the_common_head_and_tail() -> None:
    a = [f"{i}" for i in range(5000)]
    b = [*a[:2500], "new", *a[2500:]]
    assert opcodes(a, b) == [
        ("equal", 0, 2500, 0, 2500),
        ("insert", 2500, 2500, 2500, 2501),
        ("equal", 2500, 5000, 2501, 5001),
    ]


@given(
    st.lists(st.sampled_from("abcde"), max_size=14),
    st.lists(st.sampled_from("abcde"), max_size=14),
)
def test_opcodes_rebuild_the_new_lines_from_the_old(a: list[str], b: list[str]) -> None:
    rebuilt: list[str] = []
    at_a = at_b = 0
    for tag, i1, i2, j1, j2 in opcodes(a, b):
        assert (i1, j1) == (at_a, at_b)
        if tag == "equal":
            assert a[i1:i2] == b[j1:j2]
        rebuilt += b[j1:j2]
        at_a, at_b = i2, j2
    assert (at_a, at_b) == (len(a), len(b)) and rebuilt == b
    labels = carry([None] * len(a), a, b, mode=HUMAN)
    assert len(labels) == len(b)
    assert sum(label is None for label in labels) <= len(a)


def test_replay_without_a_checkpoint_says_nothing() -> None:
    records = [{"event": "commit", "path": "f", "blob": "b1"}]
    contents = {"b1": ["x"]}
    assert replay(records, "b1", ["x", "y"], lambda b: contents[b] if b else []) is None


def test_replay_labels_unobserved_changes_unknown() -> None:
    contents = {"b0": ["a"], "b1": ["a", "h"], "b2": ["a", "h", "ai"]}
    records = [
        {"event": "pre", "path": "f", "blob": "b1", "agent": "codex"},
        {"event": "post", "path": "f", "blob": "b2", "agent": "codex"},
    ]
    labels = replay(records, "b0", ["a", "h", "ai", "typed"], lambda b: contents[b] if b else [])
    assert labels == [
        None,
        (UNKNOWN, None),
        (AI, ("codex", None, None)),
        (HUMAN, None),
    ]


# -- commits through the hooks ------------------------------------------------------------------


def test_agent_lines_human_edit_and_human_insertion(hooked: GitRepo) -> None:
    agent_edit(hooked, "app.py", lines(5))
    text = (hooked.path / "app.py").read_text().splitlines()
    text[1] = "line 2 changed by the human"
    text.append("typed by the human")
    hooked.write("app.py", "\n".join(text) + "\n")
    sha = commit(hooked, "feature")  # a human commit: no agent in the environment
    doc = line_doc(hooked)
    assert spans(doc, "app.py") == [
        (1, 1, "ai", AI_S1),
        (2, 2, "ai-modified", AI_S1),
        (3, 5, "ai", AI_S1),
        (6, 6, "human", None),
    ]
    assert doc["status"] == "mixed" and doc["commit"] == sha
    assert doc["detection"]["source"] == "capture"
    assert doc["line_record"]["complete"] is True
    assert doc["accepted_by"] == {"name": "Test User", "email": "test@example.com"}
    committed = file_lines(hooked, "app.py")
    assert doc["files"]["app.py"][2]["hash"] == range_hash(committed[2:5])
    # the reader sees the kinds, with the session and model
    reading = parse_signoff_notes([json.dumps(doc).encode()], sha)
    [record] = reading.line_records
    assert record.kind_counts() == {"ai": 4, "ai-modified": 1, "human": 1, "unknown": 0}
    assert record.span_for("app.py", 2).tool.session == "s1"  # type: ignore[union-attr]


def test_agent_commit_keeps_one_document_with_the_environment_decision(hooked: GitRepo) -> None:
    agent_edit(hooked, "app.py", lines(3))
    commit(hooked, "by the agent", env={"CLAUDECODE": "1", "CLAUDE_CODE_SESSION_ID": "s1"})
    [doc] = docs(hooked)
    assert doc["status"] == "ai"
    assert doc["detection"] == {"source": "env", "evidence": "CLAUDECODE=1"}
    assert spans(doc, "app.py") == [(1, 3, "ai", AI_S1)]
    assert [t["tool"] for t in doc["tools"]] == ["claude-code"]


def test_edits_before_the_first_checkpoint_are_unknown(hooked: GitRepo) -> None:
    hooked.write("README", "hello\nbefore the agent\n")
    agent_edit(hooked, "README", "hello\nbefore the agent\nby the agent\n")
    commit(hooked, "x")
    assert spans(line_doc(hooked), "README") == [(2, 2, "unknown", None), (3, 3, "ai", AI_S1)]


def test_a_post_without_a_pre_is_unknown_never_the_agents_nor_the_humans(
    hooked: GitRepo,
) -> None:
    hooked.commit("f\n", {"f.py": "a\n"})
    agent_edit(hooked, "f.py", "a\nb\n", ("cursor", None, "c1"))
    hooked.write("f.py", "a\nb\nhuman\nc\n")  # typed before the agent's next edit...
    checkpoint(hooked, "post", "f.py", ("cursor", None, "c1"))  # ...which sent no `pre`
    commit(hooked, "x")
    doc = line_doc(hooked)
    # b had its pre: the agent's; `human` and `c` changed with no evidence of who: unknown
    assert spans(doc, "f.py") == [(2, 2, "ai", "cursor/None/c1"), (3, 4, "unknown", None)]
    [sentence] = doc["line_record"]["approximations"]
    assert sentence.startswith("f.py: cursor recorded no content before an edit")
    assert "unknown" in sentence


def test_a_post_without_a_pre_right_after_a_commit_is_unknown(hooked: GitRepo) -> None:
    hooked.commit("f\n", {"f.py": "a\n"})
    hooked.write("f.py", "a\nb\n")
    checkpoint(hooked, "post", "f.py", ("cursor", None, "c1"))
    commit(hooked, "x")
    assert spans(line_doc(hooked), "f.py") == [(2, 2, "unknown", None)]


def test_a_linked_worktree_keeps_its_own_working_log(hooked: GitRepo, tmp_path: Path) -> None:
    hooked.git("worktree", "add", "-q", str(tmp_path / "wt"), "-b", "wt")
    linked = GitRepo(tmp_path / "wt", hooked.env)
    agent_edit(linked, "f.py", "a\n")
    linked.write("f.py", "a\nhuman\n")
    commit(linked, "in the linked worktree")
    assert spans(line_doc(linked), "f.py") == [(1, 1, "ai", AI_S1), (2, 2, "human", None)]
    assert not os.path.exists(os.path.join(hooked.path, ".git", "signoff", "capture", "log.jsonl"))


def test_files_without_checkpoints_get_no_ranges(hooked: GitRepo) -> None:
    agent_edit(hooked, "a.py", "a\n")
    hooked.write("b.py", "typed\n")
    commit(hooked, "x")
    doc = line_doc(hooked)
    assert set(doc["files"]) == {"a.py"}


def test_only_added_lines_are_recorded(hooked: GitRepo) -> None:
    hooked.commit("f\n", {"f.py": lines(4)})
    agent_edit(hooked, "f.py", lines(4).replace("line 2\n", "line 2 by the agent\n") + "    \n")
    hooked.write("f.py", (hooked.path / "f.py").read_text().replace("line 4", "  line 4"))
    commit(hooked, "x")
    # line 4 only re-indented: not added (`git diff -w`); a new blank line is added
    assert spans(line_doc(hooked), "f.py") == [(2, 2, "ai", AI_S1), (5, 5, "ai", AI_S1)]


def test_commit_records_start_the_next_replay(hooked: GitRepo) -> None:
    agent_edit(hooked, "f.py", lines(3))
    first = commit(hooked, "one")
    records, problems = worklog.read(gitdir(hooked))
    assert not problems
    assert [(r["event"], r["commit"]) for r in records if r["path"] == "f.py"][-1] == (
        "commit",
        first,
    )
    hooked.write("f.py", lines(3) + "human\n")
    commit(hooked, "two")
    # the second commit's file had no checkpoint since the first: no ranges, no line note
    assert all("files" not in d for d in docs(hooked))
    agent_edit(hooked, "f.py", lines(3) + "human\nagent\n", ("codex", None, "t2"))
    commit(hooked, "three")
    assert spans(line_doc(hooked), "f.py") == [(5, 5, "ai", "codex/None/t2")]


def test_two_sessions_in_one_file(hooked: GitRepo) -> None:
    agent_edit(hooked, "f.py", "a\n")
    agent_edit(hooked, "f.py", "a\nb\n", ("codex", "gpt-5", "t9"))
    commit(hooked, "x")
    doc = line_doc(hooked)
    assert spans(doc, "f.py") == [(1, 1, "ai", AI_S1), (2, 2, "ai", "codex/gpt-5/t9")]


def test_ai_line_the_agent_rewrites_stays_ai_and_human_line_it_rewrites_is_ai(
    hooked: GitRepo,
) -> None:
    agent_edit(hooked, "f.py", "a\nb\n")
    hooked.write("f.py", "a\nb\nhuman\n")
    agent_edit(hooked, "f.py", "a\nB\nHUMAN by agent\n", ("codex", None, None))
    commit(hooked, "x")
    assert spans(line_doc(hooked), "f.py") == [
        (1, 1, "ai", AI_S1),
        (2, 3, "ai", "codex/None/None"),
    ]


def test_large_file_with_repeated_lines(hooked: GitRepo) -> None:
    """3,000 lines where `}` and blank lines repeat: the diff is split at unique lines first."""
    body = "".join(f"fn f{i}() {{\n    call({i});\n}}\n\n" for i in range(750))
    hooked.commit("big\n", {"big.rs": body})
    text = body.splitlines()
    for at in (2900, 2000, 1000, 10):
        text.insert(at, f"    // agent {at}")
    agent_edit(hooked, "big.rs", "\n".join(text) + "\n")
    text.insert(1500, "    // typed by the human")
    hooked.write("big.rs", "\n".join(text) + "\n")
    commit(hooked, "x")
    assert spans(line_doc(hooked), "big.rs") == [
        (11, 11, "ai", AI_S1),
        (1002, 1002, "ai", AI_S1),
        (1501, 1501, "human", None),
        (2004, 2004, "ai", AI_S1),
        (2905, 2905, "ai", AI_S1),
    ]


def test_claude_code_payloads_through_signoff_checkpoint(hooked: GitRepo) -> None:
    """The documented PreToolUse / PostToolUse payloads on `signoff checkpoint`'s standard
    input, a human edit on top, a commit: the exact ranges, with the session."""

    def hook(event: str, tool: str, tool_input: dict[str, Any]) -> None:
        payload = payloads.claude_code(event, str(hooked.path), tool, tool_input)
        proc = subprocess.run(
            [sys.executable, "-m", "signoff", "checkpoint", "--agent", "claude-code"],
            cwd=hooked.path,
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            env={**hooked.env, "ANTHROPIC_MODEL": "claude-opus-4-5"},
        )
        assert proc.returncode == 0 and not proc.stderr, proc.stderr

    path = str(hooked.path / "svc.py")
    hook("pre", "Write", {"file_path": path, "content": lines(4)})
    hooked.write("svc.py", lines(4))
    hook("post", "Write", {"file_path": path, "content": lines(4)})
    edit = {"file_path": path, "old_string": "line 4\n", "new_string": "line 4\nline 5\n"}
    hook("pre", "Edit", edit)
    hooked.write("svc.py", lines(5))
    hook("post", "Edit", edit)
    hooked.write("svc.py", lines(5).replace("line 3", "line 3 by hand") + "typed\n")
    commit(hooked, "service")
    doc = line_doc(hooked)
    session = payloads.claude_code("pre", "", "Write", {})["session_id"]
    agent = f"claude-code/claude-opus-4-5/{session}"
    assert spans(doc, "svc.py") == [
        (1, 2, "ai", agent),
        (3, 3, "ai-modified", agent),
        (4, 5, "ai", agent),
        (6, 6, "human", None),
    ]


# -- workflows ----------------------------------------------------------------------------------


def test_reset_soft_then_recommit(hooked: GitRepo) -> None:
    agent_edit(hooked, "f.py", lines(3))
    hooked.write("f.py", lines(3) + "human\n")
    commit(hooked, "one")
    hooked.git("reset", "--soft", "HEAD^")
    commit(hooked, "again")
    assert spans(line_doc(hooked), "f.py") == [(1, 3, "ai", AI_S1), (4, 4, "human", None)]


def test_reset_mixed_then_recommit_with_more_edits(hooked: GitRepo) -> None:
    agent_edit(hooked, "f.py", lines(3))
    commit(hooked, "one")
    hooked.git("reset", "-q", "--mixed", "HEAD^")
    agent_edit(hooked, "f.py", lines(3) + "more\n", ("codex", None, "t2"))
    commit(hooked, "again")
    assert spans(line_doc(hooked), "f.py") == [(1, 3, "ai", AI_S1), (4, 4, "ai", "codex/None/t2")]


def test_amend_records_the_amended_commit_by_content(hooked: GitRepo) -> None:
    agent_edit(hooked, "f.py", lines(3))
    first = commit(hooked, "one")
    hooked.write("f.py", lines(3) + "human\n")
    hooked.git("add", "-A")
    hooked.git("commit", "-q", "--amend", "-m", "one, amended")
    sha = hooked.head()
    own = [d for d in docs(hooked) if d["commit"] == sha]
    # the line typed after the first commit, before any checkpoint, was not observed
    assert [spans(d, "f.py") for d in own] == [[(1, 3, "ai", AI_S1), (4, 4, "unknown", None)]]
    # git copied the first commit's document too; the reader takes the one recorded for `sha`
    blobs = read_notes(Repo(hooked.path), "signoff")[sha]
    [record] = parse_signoff_notes(blobs, sha).line_records
    assert record.derivation is None and record.kind_counts()["unknown"] == 1
    assert any(d["commit"] == first for d in docs(hooked))


def test_stash_and_pop(hooked: GitRepo) -> None:
    hooked.commit("f\n", {"f.py": lines(2)})
    agent_edit(hooked, "f.py", lines(2) + "agent\n")
    hooked.git("stash", "-q")
    hooked.write("other.txt", "unrelated\n")
    commit(hooked, "meanwhile")
    hooked.git("stash", "pop", "-q")
    hooked.write("f.py", lines(2) + "agent\nhuman\n")
    commit(hooked, "popped")
    assert spans(line_doc(hooked), "f.py") == [(3, 3, "ai", AI_S1), (4, 4, "human", None)]


def test_git_mv_and_rename_with_edits(hooked: GitRepo) -> None:
    hooked.commit("f\n", {"old.py": lines(10)})
    agent_edit(hooked, "old.py", lines(10) + "agent 11\n")
    hooked.git("mv", "old.py", "new.py")
    hooked.write("new.py", lines(10) + "agent 11\nhuman 12\n")
    commit(hooked, "renamed")
    assert hooked.git("show", "--name-status", "--format=", "HEAD").startswith("R")
    assert spans(line_doc(hooked), "new.py") == [(11, 11, "ai", AI_S1), (12, 12, "human", None)]
    # the agent keeps editing under the new name
    agent_edit(hooked, "new.py", lines(10) + "agent 11\nhuman 12\nagent 13\n")
    hooked.git("mv", "new.py", "newer.py")
    commit(hooked, "again")
    assert spans(line_doc(hooked), "newer.py") == [(13, 13, "ai", AI_S1)]


def test_merge_squash(hooked: GitRepo) -> None:
    hooked.commit("f\n", {"f.py": lines(3)})
    hooked.git("checkout", "-q", "-b", "feature")
    agent_edit(hooked, "f.py", lines(3) + "agent 4\n")
    commit(hooked, "one")
    hooked.write("f.py", lines(3) + "agent 4\nhuman 5\n")
    agent_edit(hooked, "f.py", lines(3) + "agent 4\nhuman 5\nagent 6\n", ("codex", None, "t"))
    commit(hooked, "two")
    hooked.git("checkout", "-q", "main")
    hooked.write("g.py", "main moved on\n")
    commit(hooked, "main")
    hooked.git("merge", "--squash", "-q", "feature")
    commit(hooked, "squashed")
    assert spans(line_doc(hooked), "f.py") == [
        (4, 4, "ai", AI_S1),
        (5, 5, "unknown", None),  # typed after commit "one", before any checkpoint: unobserved
        (6, 6, "ai", "codex/None/t"),
    ]


def test_after_a_merge_old_records_do_not_speak_for_new_lines(hooked: GitRepo) -> None:
    agent_edit(hooked, "f.py", lines(3))
    commit(hooked, "agent")
    hooked.git("checkout", "-q", "-b", "side")
    hooked.write("f.py", lines(3) + "side\n")
    commit(hooked, "side")
    hooked.git("checkout", "-q", "main")
    hooked.write("g.py", "g\n")
    commit(hooked, "main")
    hooked.git("merge", "-q", "--no-ff", "-m", "merge", "side")
    hooked.write("f.py", lines(3) + "side\nafter the merge\n")
    commit(hooked, "after")
    # no checkpoint since f.py was last committed: no ranges, commit-level provenance only
    assert all("files" not in d for d in docs(hooked))


def test_cherry_pick_carries_the_record_by_content(hooked: GitRepo) -> None:
    hooked.commit("f\n", {"f.py": lines(6)})
    hooked.git("checkout", "-q", "-b", "side")
    agent_edit(hooked, "f.py", lines(6).replace("line 5\n", "line 5\nagent a\nagent b\n"))
    picked = commit(hooked, "side work")
    hooked.git("checkout", "-q", "main")
    hooked.commit("top\n", {"f.py": "new first line\n" + lines(6)})
    hooked.git("cherry-pick", picked)
    mine = [d for d in docs(hooked) if d["commit"] == hooked.head()]
    [doc] = mine
    assert doc["derived"] == {"method": "cherry-pick", "from": [picked]}
    assert spans(doc, "f.py") == [(7, 8, "ai", AI_S1)]
    assert doc["files"]["f.py"][0]["hash"] == range_hash(["agent a", "agent b"])


def test_human_edit_after_the_agent_is_ai_modified_across_sessions(hooked: GitRepo) -> None:
    agent_edit(hooked, "f.py", "def f():\n    return 1\n")
    hooked.write("f.py", "def f():\n    return 2\n")
    agent_edit(hooked, "f.py", "def f():\n    return 2\n\n\ndef g():\n    pass\n")
    commit(hooked, "x")
    assert spans(line_doc(hooked), "f.py") == [
        (1, 1, "ai", AI_S1),
        (2, 2, "ai-modified", AI_S1),
        (3, 6, "ai", AI_S1),
    ]


# -- budget, errors, pruning, Git AI ----------------------------------------------------------------


def test_over_budget_the_commit_goes_through_incomplete(hooked: GitRepo) -> None:
    hooked.git("config", "signoff.captureBudget", "0")
    agent_edit(hooked, "f.py", "a\n")
    sha = commit(hooked, "x")
    assert hooked.head() == sha
    doc = line_doc(hooked)
    assert doc["line_record"]["complete"] is False
    assert "time budget of 0 ms" in doc["line_record"]["reason"]
    assert "files" not in doc or not doc["files"]
    # the commit records are still written: the next replay starts here
    records, _ = worklog.read(gitdir(hooked))
    assert records[-1]["event"] == "commit" and records[-1]["commit"] == sha


def test_missing_checkpoint_content_is_a_gap_not_a_guess(hooked: GitRepo) -> None:
    worklog.append(
        gitdir(hooked),
        [worklog.make_record("pre", "f.py", "1" * 40, agent="codex")],
    )
    hooked.write("f.py", "x\n")
    checkpoint(hooked, "post", "f.py", ("codex", None, None))
    commit(hooked, "x")
    doc = line_doc(hooked)
    assert doc["line_record"]["complete"] is False
    assert "missing" in doc["line_record"]["reason"]


def test_prune_keeps_unused_records(hooked: GitRepo) -> None:
    agent_edit(hooked, "used.py", "a\n")
    commit(hooked, "x")
    agent_edit(hooked, "pending.py", "b\n")  # never committed
    now = 10**10  # far in the future: everything is old
    dropped = prune(gitdir(hooked), 14, now=now)
    records, _ = worklog.read(gitdir(hooked))
    kept = [(r["event"], r["path"]) for r in records]
    assert ("pre", "pending.py") in kept and ("post", "pending.py") in kept
    assert ("pre", "used.py") not in kept
    assert ("commit", "used.py") in kept  # the latest commit record of a path stays
    assert dropped == 2


def test_git_ai_note_round_trips_through_our_reader(hooked: GitRepo) -> None:
    hooked.git("config", "signoff.writeGitAiNotes", "true")
    agent_edit(hooked, "my app.py", lines(4))
    hooked.write("my app.py", lines(4).replace("line 2", "line 2 human") + "typed\n")
    sha = commit(hooked, "x")
    raw = read_notes(Repo(hooked.path), "ai")[sha]
    reading = parse_gitai_note(raw[0], sha)
    assert not reading.problems
    [record] = reading.line_records
    assert [(s.start, s.end, s.author) for s in record.files["my app.py"]] == [
        (1, 1, "ai"),
        (3, 4, "ai"),
    ]
    tool = record.files["my app.py"][0].tool
    assert tool is not None
    assert (tool.tool, tool.model, tool.session) == ("claude-code", "claude-opus-4-5", "s1")
    metadata = json.loads(raw[0].decode().split("---\n", 1)[1])
    # the prompt key is Git AI's own for this session: SHA-256 of "claude:s1", 16 hex digits
    assert list(metadata["prompts"]) == [hashlib.sha256(b"claude:s1").hexdigest()[:16]]
    [prompt] = metadata["prompts"].values()
    assert prompt["accepted_lines"] == 3 and prompt["overriden_lines"] == 1


def test_git_ai_note_never_replaces_one_git_ai_wrote(hooked: GitRepo) -> None:
    agent_edit(hooked, "f.py", "a\n")
    sha = commit(hooked, "x")
    assert sha not in read_notes(Repo(hooked.path), "ai")  # not asked for
    theirs = b"f.py\n  abcdef0123456789 1\n---\n{}\n"
    hooked.git("notes", "--ref=ai", "add", "-F", "-", sha, input=theirs)
    result = attribute_commit(
        sha, hooked.head() + "^", cwd=str(hooked.path), env=hooked.env, gitdir=gitdir(hooked)
    )
    assert result is not None and result.files
    assert write_gitai_note(sha, result, str(hooked.path), hooked.env) == "a Git AI note exists"
    assert read_notes(Repo(hooked.path), "ai")[sha] == [theirs]


def test_init_sets_and_uninstall_removes_the_git_ai_setting(hooked: GitRepo) -> None:
    proc = run_signoff(hooked, "init", "--write-git-ai-notes", "--json")
    assert proc.returncode == 0, proc.stderr
    assert hooked.git("config", "signoff.writeGitAiNotes").strip() == "true"
    assert run_signoff(hooked, "init", "--uninstall").returncode == 0
    assert "writegitainotes" not in hooked.git("config", "--list").lower()
