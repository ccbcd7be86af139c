"""Line records kept through rewrites: amend, rebase (squash, fixup, reorder, split), pull
--rebase, through the installed post-rewrite hook; abort paths write nothing."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from signoff.git.repo import Repo
from signoff.recording.carry import map_record
from signoff.recording.install import install
from tests.carrying import CLAUDE, CODEX, lines, own_documents, ranges, record
from tests.gitrepo import GitRepo


@pytest.fixture
def hooked(repo: GitRepo) -> Iterator[GitRepo]:
    repo.commit("base\n", {"README": "hello\n", "f.txt": lines(4, "base")})
    install(Repo(repo.path))
    yield repo


def rebase_i(repo: GitRepo, script: str, *args: str) -> None:
    """`git rebase -i` with the todo list replaced by `script` (a sed program)."""
    repo.git(
        "rebase", "-q", "-i", *args,
        env={"GIT_SEQUENCE_EDITOR": f"sed -i -e '{script}'", "GIT_EDITOR": "true"},
    )  # fmt: skip


def notes_tip(repo: GitRepo) -> str:
    return repo.git("rev-parse", "refs/notes/signoff").strip()


def test_amend_without_edits_keeps_the_exact_ranges(hooked: GitRepo) -> None:
    old = hooked.commit("agent\n", {"a.py": lines(5)})
    record(hooked, old, {"a.py": [(2, 4, "ai")]})
    hooked.git("commit", "-q", "--amend", "-m", "agent, reworded")
    new = hooked.head()
    assert new != old
    assert ranges(hooked) == {"a.py": [(2, 4, "ai", "claude-code")]}
    [doc] = own_documents(hooked)
    assert doc["derived"] == {"method": "amend", "from": [old]}
    assert doc["revision"] == 2 and doc["line_record"]["complete"] is True  # type: ignore[index]


def test_amend_with_edits_moves_kept_lines_and_drops_changed_ones(hooked: GitRepo) -> None:
    old = hooked.commit("agent\n", {"a.py": lines(5)})
    record(hooked, old, {"a.py": [(1, 5, "ai")]})
    text = lines(5).splitlines(keepends=True)
    text[2] = "line 3 changed by hand\n"
    hooked.write("a.py", "# header\n" + "".join(text))
    hooked.git("commit", "-q", "-a", "--amend", "--no-edit")
    # old 1-2 -> 2-3; old 3 was changed: dropped, never guessed; old 4-5 -> 5-6
    assert ranges(hooked) == {"a.py": [(2, 3, "ai", "claude-code"), (5, 6, "ai", "claude-code")]}
    [doc] = own_documents(hooked)
    assert doc["line_record"]["dropped_lines"] == 1  # type: ignore[index]
    assert doc["line_record"]["carried_lines"] == 4  # type: ignore[index]


def test_a_line_only_reindented_keeps_its_label(hooked: GitRepo) -> None:
    old = hooked.commit("agent\n", {"a.py": "def f():\n    return 1\nx = f()\n"})
    record(hooked, old, {"a.py": [(1, 3, "ai")]})
    hooked.write("a.py", "def f():\n        return 1\nx = f()\n")  # re-indented by hand
    hooked.git("commit", "-q", "-a", "--amend", "--no-edit")
    # as `blame -w` has it: the same line, still the agent's (the hash is the new content's)
    assert ranges(hooked) == {"a.py": [(1, 3, "ai", "claude-code")]}


def test_amend_that_renames_the_file_follows_it(hooked: GitRepo) -> None:
    old = hooked.commit("agent\n", {"a.py": lines(8)})
    record(hooked, old, {"a.py": [(3, 6, "ai"), (7, 7, "human")]})
    hooked.git("mv", "a.py", "b.py")
    hooked.write("b.py", lines(8) + "tail\n")
    hooked.git("add", "-A")
    hooked.git("commit", "-q", "--amend", "--no-edit")
    assert ranges(hooked) == {"b.py": [(3, 6, "ai", "claude-code"), (7, 7, "human", None)]}


def test_rebase_onto_moved_upstream_shifts_the_ranges(hooked: GitRepo) -> None:
    hooked.git("checkout", "-q", "-b", "feature")
    a = hooked.commit("feature\n", {"f.txt": lines(4, "base") + lines(3, "ai")})
    record(hooked, a, {"f.txt": [(5, 7, "ai")]})
    hooked.git("checkout", "-q", "main")
    hooked.commit("main moves\n", {"f.txt": "top 1\ntop 2\n" + lines(4, "base")})
    hooked.git("checkout", "-q", "feature")
    hooked.git("rebase", "-q", "main")
    assert ranges(hooked) == {"f.txt": [(7, 9, "ai", "claude-code")]}
    assert own_documents(hooked)[0]["derived"] == {"method": "rebase", "from": [a]}


def test_reorder_keeps_each_commits_lines(hooked: GitRepo) -> None:
    a = hooked.commit("a\n", {"f.txt": lines(4, "base") + lines(2, "from a")})
    record(hooked, a, {"f.txt": [(5, 6, "ai")]})
    b = hooked.commit("b\n", {"g.txt": lines(3, "from b")})
    record(hooked, b, {"g.txt": [(1, 3, "ai")]}, tools=(CODEX,))
    rebase_i(hooked, "1{h;d};2{p;x}", "HEAD~2")
    assert hooked.git("log", "--format=%s", "-2").splitlines() == ["a", "b"]
    assert ranges(hooked, "HEAD~1") == {"g.txt": [(1, 3, "ai", "codex")]}
    assert ranges(hooked, "HEAD") == {"f.txt": [(5, 6, "ai", "claude-code")]}
    # both records were written in one notes commit, after the copies git made (kept)
    for rev, old in (("HEAD~1", b), ("HEAD", a)):
        text = hooked.git("notes", "--ref=refs/notes/signoff", "show", rev)
        docs = [json.loads(line) for line in text.splitlines() if line.strip()]
        assert [d["commit"] for d in docs] == [old, hooked.git("rev-parse", rev).strip()]


def test_squash_lays_later_records_over_earlier_ones(hooked: GitRepo) -> None:
    a = hooked.commit("a\n", {"n.py": lines(4, "a")})
    record(hooked, a, {"n.py": [(1, 4, "ai")]})
    text = lines(4, "a").splitlines(keepends=True)
    text[1] = "a 2 rewritten\n"
    b = hooked.commit("b\n", {"n.py": "".join(text) + "b 5\n"})
    # b rewrote line 2 by hand and its agent added line 5
    record(hooked, b, {"n.py": [(2, 2, "human"), (5, 5, "ai")]}, tools=(CODEX,))
    rebase_i(hooked, "2s/^pick/squash/", "HEAD~2")
    assert hooked.git("log", "--format=%s", "-2").splitlines()[1] == "base"
    assert ranges(hooked) == {
        "n.py": [
            (1, 1, "ai", "claude-code"),
            (2, 2, "human", None),
            (3, 4, "ai", "claude-code"),
            (5, 5, "ai", "codex"),
        ]
    }
    [doc] = own_documents(hooked)
    assert doc["derived"] == {"method": "squash", "from": [a, b]}
    assert doc["status"] == "ai"  # what both sources declared
    tools = [t["tool"] for t in doc["tools"]]  # type: ignore[union-attr]
    assert tools == ["claude-code", "codex"]


def test_autosquashed_fixup_merges_into_its_target(hooked: GitRepo) -> None:
    a = hooked.commit("work\n", {"w.py": lines(3, "w")})
    record(hooked, a, {"w.py": [(1, 3, "ai")]})
    hooked.commit("between\n", {"other.txt": "x\n"})
    fix = hooked.commit("fixup! work\n", {"w.py": lines(3, "w") + "w fix\n"})
    record(hooked, fix, {"w.py": [(4, 4, "ai")]}, tools=(CODEX,))
    hooked.git(
        "rebase", "-q", "-i", "--autosquash", "HEAD~3",
        env={"GIT_SEQUENCE_EDITOR": "true", "GIT_EDITOR": "true"},
    )  # fmt: skip
    assert hooked.git("log", "--format=%s", "-3").splitlines() == ["between", "work", "base"]
    assert ranges(hooked, "HEAD~1") == {
        "w.py": [(1, 3, "ai", "claude-code"), (4, 4, "ai", "codex")]
    }
    assert ranges(hooked) == {}


def test_split_gives_each_part_the_lines_it_added(hooked: GitRepo) -> None:
    a = hooked.commit("both\n", {"x.py": lines(2, "x"), "y.py": lines(3, "y")})
    record(hooked, a, {"x.py": [(1, 2, "ai")], "y.py": [(1, 3, "ai")]})
    later = hooked.commit("later\n", {"z.txt": "z\n"})
    record(hooked, later, {"z.txt": [(1, 1, "human")]})
    rebase_i(hooked, "1s/^pick/edit/", "HEAD~2")
    hooked.git("reset", "-q", "HEAD^")
    hooked.git("add", "x.py")
    hooked.git("commit", "-q", "-m", "x part")
    hooked.git("add", "y.py")
    hooked.git("commit", "-q", "-m", "y part")
    hooked.git("rebase", "--continue", env={"GIT_EDITOR": "true"})
    assert hooked.git("log", "--format=%s", "-4").splitlines() == [
        "later", "y part", "x part", "base",
    ]  # fmt: skip
    assert ranges(hooked, "HEAD~2") == {"x.py": [(1, 2, "ai", "claude-code")]}
    assert ranges(hooked, "HEAD~1") == {"y.py": [(1, 3, "ai", "claude-code")]}
    assert ranges(hooked) == {"z.txt": [(1, 1, "human", None)]}


def test_pull_rebase_carries_local_records(hooked: GitRepo, tmp_path: Path) -> None:
    bare = tmp_path / "origin.git"
    hooked.git("init", "-q", "--bare", str(bare))
    hooked.git("remote", "add", "origin", str(bare))
    hooked.git("push", "-q", "origin", "main")
    other = GitRepo(tmp_path / "other", hooked.env)
    subprocess.run(["git", "clone", "-q", str(bare), str(other.path)], check=True, env=hooked.env)
    other.commit("upstream\n", {"f.txt": "up 1\nup 2\nup 3\n" + lines(4, "base")})
    other.git("push", "-q", "origin", "main")
    hooked.git("branch", "-q", "--set-upstream-to=origin/main")
    mine = hooked.commit("mine\n", {"f.txt": lines(4, "base") + lines(2, "mine")})
    record(hooked, mine, {"f.txt": [(5, 6, "ai")]})
    hooked.git("pull", "-q", "--rebase")
    assert hooked.git("log", "--format=%s", "-2").splitlines() == ["mine", "upstream"]
    assert ranges(hooked) == {"f.txt": [(8, 9, "ai", "claude-code")]}


def test_rebase_abort_writes_nothing(hooked: GitRepo) -> None:
    hooked.git("checkout", "-q", "-b", "feature")
    a = hooked.commit("feature\n", {"f.txt": lines(4, "base") + "mine\n"})
    record(hooked, a, {"f.txt": [(5, 5, "ai")]})
    hooked.git("checkout", "-q", "main")
    hooked.commit("conflicting\n", {"f.txt": lines(4, "base") + "theirs\n"})
    hooked.git("checkout", "-q", "feature")
    before = notes_tip(hooked)
    proc = subprocess.run(
        ["git", "rebase", "main"], cwd=hooked.path, env=hooked.env, capture_output=True
    )
    assert proc.returncode != 0  # stopped on the conflict
    hooked.git("rebase", "--abort")
    assert notes_tip(hooked) == before
    assert hooked.head() == a


def test_amend_while_a_rebase_is_stopped_is_carried_once_the_rebase_ends(
    hooked: GitRepo,
) -> None:
    a = hooked.commit("a\n", {"a.py": lines(3)})
    record(hooked, a, {"a.py": [(1, 3, "ai")]})
    hooked.commit("b\n", {"b.py": "b\n"})
    rebase_i(hooked, "1s/^pick/edit/", "HEAD~2")
    before = notes_tip(hooked)
    hooked.write("a.py", "# top\n" + lines(3))
    hooked.git("commit", "-q", "-a", "--amend", "--no-edit")
    # nothing is written while the rebase is stopped (an abort leaves nothing behind)
    assert notes_tip(hooked) == before
    hooked.git("rebase", "--continue", env={"GIT_EDITOR": "true"})
    assert ranges(hooked, "HEAD~1") == {"a.py": [(2, 4, "ai", "claude-code")]}
    # the rebase's list names the amended commit: a's note was copied on, then the mapped record
    note = hooked.git("notes", "--ref=signoff", "show", "HEAD~1")
    assert note.count(f'"commit":"{a}"') == 1


def test_failed_amend_writes_nothing(hooked: GitRepo) -> None:
    a = hooked.commit("a\n", {"a.py": lines(3)})
    record(hooked, a, {"a.py": [(1, 3, "ai")]})
    before = notes_tip(hooked)
    chained = hooked.path / ".git" / "hooks" / "commit-msg.pre-signoff"
    chained.write_text("#!/bin/sh\necho 'rejected by policy' >&2\nexit 1\n")
    chained.chmod(0o755)
    proc = subprocess.run(
        ["git", "commit", "--amend", "-m", "new words"],
        cwd=hooked.path, env=hooked.env, capture_output=True,
    )  # fmt: skip
    assert proc.returncode != 0
    assert hooked.head() == a and notes_tip(hooked) == before


def test_a_range_whose_hash_does_not_match_is_dropped(hooked: GitRepo) -> None:
    old = hooked.commit("agent\n", {"a.py": lines(6)})
    record(hooked, old, {"a.py": [(1, 2, "ai")]})
    # a record whose hash was made for other content: it does not describe this file
    hooked.write("a.py", lines(6))
    doc = own_documents(hooked)[0]
    doc["files"]["a.py"][0]["hash"] = "0" * 16  # type: ignore[index]
    import json

    hooked.git(
        "notes",
        "--ref=refs/notes/signoff",
        "add",
        "-f",
        "-F",
        "-",
        old,
        input=(json.dumps(doc) + "\n").encode(),
    )
    record(hooked, old, {"a.py": [(4, 5, "ai")]})
    hooked.git("commit", "-q", "--amend", "-m", "again")
    assert ranges(hooked) == {"a.py": [(4, 5, "ai", "claude-code")]}


def test_map_record_by_hand(hooked: GitRepo) -> None:
    """The library call attribute uses for cherry-pick and merge --squash."""
    a = hooked.commit("a\n", {"a.py": lines(3)})
    record(hooked, a, {"a.py": [(1, 3, "ai")]}, tools=(CLAUDE,))
    hooked.git("checkout", "-q", "-b", "side", "HEAD~1")
    hooked.commit("side\n", {"a.py": "# side\n" + lines(3)})
    result = map_record(
        [a], hooked.head(), method="cherry-pick", cwd=str(hooked.path), env=hooked.env
    )
    # the side commit added these lines too: mapped 1-3 -> 2-4
    assert result.carried == 3 and result.dropped == 0 and result.note is not None
    assert b'"method":"cherry-pick"' in result.note


def test_the_hooks_light_reader_skips_what_is_not_a_one_line_document() -> None:
    from signoff.recording.carry import note_documents

    blob = (
        b'{"a":1}\n\nnot json\n{"b":[1,2.5,null,true,"x"]}\n{"cut":\n'
        + b'{"n":' + b"9" * 5000 + b"}\n"
        + b"{\"a\":" * 100_000 + b"\n"
        + b'{"c":NaN}\n{"d":2} trailing\n\xff\xfe\n'
    )  # fmt: skip
    assert note_documents(blob) == [{"a": 1}, {"b": [1, 2.5, None, True, "x"]}]
