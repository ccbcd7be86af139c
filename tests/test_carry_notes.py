"""Notes follow rewrites by the post-rewrite hook's own copy (git's `notes.rewriteRef` is not
set): every shape of amend and rebase, foreign and odd note text, other repository layouts."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from signoff.git.repo import Repo
from signoff.recording.install import install
from tests.carrying import CODEX, lines, record
from tests.carrying import ranges as carried_ranges
from tests.gitrepo import GitRepo

SEQ = {"GIT_SEQUENCE_EDITOR": "true", "GIT_EDITOR": "true"}
SIGNOFF = [sys.executable, "-m", "signoff"]


@pytest.fixture
def hooked(repo: GitRepo) -> Iterator[GitRepo]:
    repo.commit("base\n", {"README": "hello\n", "f.txt": lines(4, "base")})
    install(Repo(repo.path))
    yield repo


def note(repo: GitRepo, rev: str = "HEAD") -> bytes:
    """The raw Signoff note on `rev` (empty when there is none)."""
    proc = subprocess.run(
        ["git", "notes", "--ref=refs/notes/signoff", "show", rev],
        cwd=repo.path, env=repo.env, capture_output=True,
    )  # fmt: skip
    return proc.stdout if proc.returncode == 0 else b""


def documents(repo: GitRepo, rev: str = "HEAD") -> list[str]:
    """The `commit` of each Signoff document on `rev`, in note order."""
    return [
        json.loads(line)["commit"]
        for line in note(repo, rev).decode().splitlines()
        if line.startswith("{")
    ]


def ranges(repo: GitRepo, rev: str = "HEAD") -> dict[str, list[tuple[int, int, str, str | None]]]:
    return carried_ranges(repo, rev, foreign=True)  # these notes hold other tools' lines too


def plain(repo: GitRepo, rev: str, text: bytes) -> None:
    """A note another tool (or a person) wrote: raw bytes, no cleanup by git."""
    blob = repo.git("hash-object", "-w", "--stdin", input=text).strip()
    repo.git("notes", "--ref=refs/notes/signoff", "add", "-f", "-C", blob, rev)


def notes_tip(repo: GitRepo) -> str:
    return repo.git("rev-parse", "refs/notes/signoff").strip()


def test_squash_of_three_stacks_every_note_oldest_first_then_the_mapped_record(
    hooked: GitRepo,
) -> None:
    shas = []
    for n, (name, tool) in enumerate((("a", None), ("b", CODEX), ("c", None))):
        sha = hooked.commit(f"{name}\n", {f"{name}.py": lines(2, name)})
        record(hooked, sha, {f"{name}.py": [(1, 2, "ai")]}, **({"tools": (tool,)} if tool else {}))
        plain(hooked, sha, note(hooked, sha) + f"\nReviewed-by: person {n}\n".encode())
        shas.append(sha)
    hooked.git(
        "rebase", "-q", "-i", "HEAD~3",
        env={**SEQ, "GIT_SEQUENCE_EDITOR": "sed -i -e '2,3s/^pick/squash/'"},
    )  # fmt: skip
    new = hooked.head()
    assert documents(hooked) == [*shas, new]
    text = note(hooked).decode()
    assert [text.count(f"Reviewed-by: person {n}") for n in range(3)] == [1, 1, 1]
    assert text.index("person 0") < text.index("person 1") < text.index("person 2")
    assert ranges(hooked) == {
        "a.py": [(1, 2, "ai", "claude-code")],
        "b.py": [(1, 2, "ai", "codex")],
        "c.py": [(1, 2, "ai", "claude-code")],
    }


def test_a_fixup_chain_lands_on_its_target_once(hooked: GitRepo) -> None:
    work = hooked.commit("work\n", {"w.py": lines(2, "w")})
    record(hooked, work, {"w.py": [(1, 2, "ai")]})
    one = hooked.commit("fixup! work\n", {"w.py": lines(3, "w")})
    record(hooked, one, {"w.py": [(3, 3, "ai")]})
    two = hooked.commit("fixup! fixup! work\n", {"w.py": lines(4, "w")})
    record(hooked, two, {"w.py": [(4, 4, "ai")]}, tools=(CODEX,))
    hooked.git("rebase", "-q", "-i", "--autosquash", "HEAD~3", env=SEQ)
    assert hooked.git("log", "--format=%s", "-2").splitlines() == ["work", "base"]
    assert documents(hooked) == [work, one, two, hooked.head()]
    assert ranges(hooked) == {"w.py": [(1, 3, "ai", "claude-code"), (4, 4, "ai", "codex")]}


def test_rebase_r_carries_the_notes_of_merges_and_their_sides(hooked: GitRepo) -> None:
    hooked.git("checkout", "-q", "-b", "topic")
    side = hooked.commit("side\n", {"s.py": lines(2, "s")})
    record(hooked, side, {"s.py": [(1, 2, "ai")]})
    hooked.git("checkout", "-q", "main")
    hooked.git("checkout", "-q", "-b", "work")
    mine = hooked.commit("mine\n", {"m.py": lines(2, "m")})
    record(hooked, mine, {"m.py": [(1, 2, "ai")]})
    hooked.git("merge", "-q", "--no-ff", "-m", "merge topic", "topic")
    merge = hooked.head()
    plain(hooked, merge, b"merge reviewed\n")
    hooked.git("checkout", "-q", "main")
    hooked.commit("upstream\n", {"u.txt": "u\n"})
    hooked.git("checkout", "-q", "work")
    hooked.git("rebase", "-q", "-r", "main", env=SEQ)
    assert hooked.git("rev-list", "--count", "--merges", "main..HEAD").strip() == "1"
    assert note(hooked, "HEAD") == b"merge reviewed\n"
    assert documents(hooked, "HEAD^1")[0] == mine
    assert documents(hooked, "HEAD^2")[0] == side
    assert ranges(hooked, "HEAD^1") == {"m.py": [(1, 2, "ai", "claude-code")]}
    assert ranges(hooked, "HEAD^2") == {"s.py": [(1, 2, "ai", "claude-code")]}


@pytest.mark.parametrize("stop", ["exec", "break"])
def test_an_amend_after_a_pick_in_a_rebase_keeps_the_note(hooked: GitRepo, stop: str) -> None:
    """`exec git commit --amend` (or an amend at a `break`) amends a commit the rebase has
    already listed; the note must follow to the amended commit, not stay on the one it
    replaced."""
    a = hooked.commit("a\n", {"a.py": lines(3)})
    record(hooked, a, {"a.py": [(1, 3, "ai")]})
    plain(hooked, a, note(hooked, a) + b"\nReviewed-by: me\n")
    amend = "git commit -q --amend -m amended"
    if stop == "exec":
        hooked.git("rebase", "-q", "-f", "--exec", amend, "HEAD~1", env=SEQ)
    else:
        hooked.git("rebase", "-q", "-i", "-f", "HEAD~1",
                   env={**SEQ, "GIT_SEQUENCE_EDITOR": "sed -i -e '1a break'"})  # fmt: skip
        hooked.git("commit", "-q", "--amend", "-m", "amended")
        hooked.git("rebase", "--continue", env=SEQ)
    assert hooked.git("log", "--format=%s", "-1").strip() == "amended"
    assert documents(hooked)[0] == a
    assert note(hooked).count(b"Reviewed-by: me") == 1
    assert ranges(hooked) == {"a.py": [(1, 3, "ai", "claude-code")]}


def test_an_amend_at_an_edit_stop_then_abort_writes_nothing(hooked: GitRepo) -> None:
    a = hooked.commit("a\n", {"a.py": lines(3)})
    record(hooked, a, {"a.py": [(1, 3, "ai")]})
    hooked.commit("b\n", {"b.py": "b\n"})
    hooked.git("rebase", "-q", "-i", "HEAD~2",
               env={**SEQ, "GIT_SEQUENCE_EDITOR": "sed -i -e '1s/^pick/edit/'"})  # fmt: skip
    before = notes_tip(hooked)
    hooked.write("a.py", "# top\n" + lines(3))
    hooked.git("commit", "-q", "-a", "--amend", "--no-edit")
    hooked.git("rebase", "--abort")
    assert notes_tip(hooked) == before


def test_amend_with_nothing_changed_copies_a_foreign_note_once(hooked: GitRepo) -> None:
    old = hooked.commit("human\n", {"h.txt": "h\n"})
    plain(hooked, old, b"Tested-on: ci-42\n")
    hooked.git("commit", "-q", "--amend", "--no-edit")
    assert hooked.head() != old
    assert note(hooked) == b"Tested-on: ci-42\n"


def test_no_post_rewrite_copies_nothing_as_git_would_not(hooked: GitRepo) -> None:
    old = hooked.commit("human\n", {"h.txt": "h\n"})
    plain(hooked, old, b"Tested-on: ci-42\n")
    before = notes_tip(hooked)
    hooked.git("commit", "-q", "--amend", "--no-post-rewrite", "-m", "reworded")
    assert note(hooked) == b"" and notes_tip(hooked) == before


def test_a_cherry_pick_during_a_rebase_keeps_its_own_note(hooked: GitRepo) -> None:
    hooked.git("checkout", "-q", "-b", "other")
    picked = hooked.commit("picked\n", {"p.py": lines(2, "p")})
    record(hooked, picked, {"p.py": [(1, 2, "ai")]}, tools=(CODEX,))
    hooked.git("checkout", "-q", "main")
    a = hooked.commit("a\n", {"a.py": lines(3)})
    record(hooked, a, {"a.py": [(1, 3, "ai")]})
    b = hooked.commit("b\n", {"b.py": lines(2, "b")})
    record(hooked, b, {"b.py": [(1, 2, "ai")]})
    hooked.git("rebase", "-q", "-i", "-f", "HEAD~2",
               env={**SEQ, "GIT_SEQUENCE_EDITOR": "sed -i -e '1s/^pick/edit/'"})  # fmt: skip
    hooked.git("cherry-pick", "other")
    hooked.git("rebase", "--continue", env=SEQ)
    assert hooked.git("log", "--format=%s", "-3").splitlines() == ["b", "picked", "a"]
    assert ranges(hooked, "HEAD~1") == {"p.py": [(1, 2, "ai", "codex")]}
    assert documents(hooked, "HEAD~1")[0] == picked
    assert b not in documents(hooked, "HEAD~1")
    assert ranges(hooked) == {"b.py": [(1, 2, "ai", "claude-code")]}
    assert ranges(hooked, "HEAD~2") == {"a.py": [(1, 3, "ai", "claude-code")]}  # the stop's own
    assert picked not in documents(hooked, "HEAD~2")


def test_a_split_and_a_cherry_pick_at_one_stop(hooked: GitRepo) -> None:
    """At an `edit` stop the user splits the commit in two and then cherry-picks another: both
    parts take the stopped commit's record (the lines each added), the pick keeps its own."""
    hooked.git("checkout", "-q", "-b", "other")
    picked = hooked.commit("picked\n", {"p.py": lines(2, "p")})
    record(hooked, picked, {"p.py": [(1, 2, "ai")]}, tools=(CODEX,))
    hooked.git("checkout", "-q", "main")
    a = hooked.commit("a\n", {"a.py": lines(3), "a2.py": lines(2, "x")})
    record(hooked, a, {"a.py": [(1, 3, "ai")], "a2.py": [(1, 2, "ai")]})
    hooked.git("rebase", "-q", "-i", "-f", "HEAD~1",
               env={**SEQ, "GIT_SEQUENCE_EDITOR": "sed -i -e '1s/^pick/edit/'"})  # fmt: skip
    hooked.git("reset", "-q", "HEAD^")
    hooked.git("add", "a.py")
    hooked.git("commit", "-q", "-m", "a, part 1")
    hooked.git("add", "a2.py")
    hooked.git("commit", "-q", "-m", "a, part 2")
    hooked.git("cherry-pick", "other")
    hooked.git("rebase", "--continue", env=SEQ)
    log = hooked.git("log", "--format=%s", "-3").splitlines()
    assert log == ["picked", "a, part 2", "a, part 1"]
    assert ranges(hooked) == {"p.py": [(1, 2, "ai", "codex")]}
    assert a not in documents(hooked)
    assert ranges(hooked, "HEAD~1") == {"a2.py": [(1, 2, "ai", "claude-code")]}
    assert ranges(hooked, "HEAD~2") == {"a.py": [(1, 3, "ai", "claude-code")]}
    assert picked not in documents(hooked, "HEAD~1") + documents(hooked, "HEAD~2")


def test_rebase_apply_carries_the_notes(hooked: GitRepo) -> None:
    a = hooked.commit("a\n", {"a.py": lines(3)})
    record(hooked, a, {"a.py": [(1, 3, "ai")]})
    plain(hooked, a, note(hooked, a) + b"\nReviewed-by: me\n")
    hooked.git("rebase", "-q", "--apply", "-f", "HEAD~1")
    assert hooked.head() != a
    assert documents(hooked) == [a, hooked.head()]
    assert note(hooked).count(b"Reviewed-by: me") == 1
    assert ranges(hooked) == {"a.py": [(1, 3, "ai", "claude-code")]}


@pytest.mark.parametrize(
    "text",
    [
        b"line one\r\nline two\r\n\r\nsecond paragraph\r\n",  # CRLF
        b"  indented\n\n\n\nafter three blank lines\n",
        b"\xff\xfe not utf-8 \x00 with a NUL\n",
    ],
    ids=["crlf", "blank-lines", "binary"],
)
def test_a_foreign_note_is_copied_byte_for_byte(hooked: GitRepo, text: bytes) -> None:
    """git's copy kept another tool's note as it was; ours must too."""
    old = hooked.commit("human\n", {"h.txt": "h\n"})
    plain(hooked, old, text)
    hooked.git("rebase", "-q", "-f", "HEAD~1")
    assert hooked.head() != old
    proc = subprocess.run(
        ["git", "notes", "--ref=refs/notes/signoff", "list", "HEAD"],
        cwd=hooked.path, env=hooked.env, capture_output=True,
    )  # fmt: skip
    assert proc.returncode == 0, "the note was not copied"
    assert note(hooked) == text


def test_a_huge_note_is_copied(hooked: GitRepo) -> None:
    old = hooked.commit("a\n", {"a.py": lines(3)})
    record(hooked, old, {"a.py": [(1, 3, "ai")]})
    big = b"".join(b"log line %d of a long transcript\n" % n for n in range(200_000))
    plain(hooked, old, note(hooked, old) + b"\n" + big)
    hooked.git("commit", "-q", "--amend", "-m", "amended")
    text = note(hooked)
    assert text.count(b"of a long transcript") == 200_000
    assert documents(hooked)[:1] == [old]
    assert ranges(hooked) == {"a.py": [(1, 3, "ai", "claude-code")]}


def test_no_hooks_with_git_s_copy_and_a_manual_hook_copies_once(hooked: GitRepo) -> None:
    """`init --no-hooks` asks git to copy; a hook manager that also runs `signoff hook
    post-rewrite` must not stack the notes again, whatever git's rewrite mode."""
    install(Repo(hooked.path), hooks=False)
    for name in ("post-rewrite", "post-commit", "commit-msg", "pre-push"):
        (hooked.path / ".git" / "hooks" / name).unlink(missing_ok=True)
    manager = hooked.path / ".git" / "hooks" / "post-commit"  # a hook manager's
    manager.write_text(f"#!/bin/sh\nexec {shlex.join(SIGNOFF)} hook post-commit\n")
    manager.chmod(0o755)
    for mode in ("concatenate", "cat_sort_uniq"):
        hooked.git("config", "notes.rewriteMode", mode)
        old = hooked.commit(f"{mode}\n", {f"{mode}.py": lines(3)})
        record(hooked, old, {f"{mode}.py": [(1, 3, "ai")]})
        plain(hooked, old, note(hooked, old) + b"\nReviewed-by: me\nTested-by: ci\n")
        # an agent's amend: post-commit notes the new commit before git copies the old note
        hooked.git("commit", "-q", "--amend", "-m", "amended", env={"CLAUDECODE": "1"})
        new = hooked.head()
        assert note(hooked).count(b"Reviewed-by: me") == 1  # git copied it
        assert documents(hooked).count(new) == 1  # post-commit noted the amend first
        proc = subprocess.run(
            [*SIGNOFF, "hook", "post-rewrite", "amend"],
            cwd=hooked.path, env=hooked.env, input=f"{old} {new}\n".encode(), capture_output=True,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        text = note(hooked)
        assert text.count(b"Reviewed-by: me") == 1, (mode, text)
        assert documents(hooked).count(old) == 1, (mode, text)
        assert ranges(hooked) == {f"{mode}.py": [(1, 3, "ai", "claude-code")]}


def test_sha256_repository_amend_and_rebase(tmp_path: Path, repo: GitRepo) -> None:
    path = tmp_path / "sha256"
    subprocess.run(["git", "init", "-q", "-b", "main", "--object-format=sha256", str(path)],
                   check=True, env=repo.env)  # fmt: skip
    r = GitRepo(path, repo.env)
    r.commit("base\n", {"README": "hi\n"})
    install(Repo(path))
    a = r.commit("a\n", {"a.py": lines(3)})
    assert len(a) == 64
    record(r, a, {"a.py": [(1, 3, "ai")]})
    r.git("commit", "-q", "--amend", "-m", "amended")
    amended = r.head()
    assert documents(r) == [a, amended]
    r.commit("fixup! amended\n", {"a.py": lines(4)})
    r.git("rebase", "-q", "-i", "--autosquash", "HEAD~2", env=SEQ)
    assert documents(r)[:2] == [a, amended]
    assert ranges(r) == {"a.py": [(1, 3, "ai", "claude-code")]}


def test_a_linked_worktree_with_hooks_path_carries_the_notes(
    hooked: GitRepo, tmp_path: Path
) -> None:
    shared = tmp_path / "shared-hooks"
    hooked.git("config", "core.hooksPath", str(shared))
    install(Repo(hooked.path))
    assert (shared / "post-rewrite").exists()
    where = tmp_path / "linked"
    hooked.git("worktree", "add", "-q", "-b", "linked", str(where))
    linked = GitRepo(where, hooked.env)
    a = linked.commit("a\n", {"a.py": lines(3)})
    record(linked, a, {"a.py": [(1, 3, "ai")]})
    linked.commit("fixup! a\n", {"a.py": lines(4)})
    linked.git("rebase", "-q", "-i", "--autosquash", "HEAD~2", env=SEQ)
    linked.git("commit", "-q", "--amend", "-m", "amended")
    assert documents(linked)[0] == a
    assert ranges(linked) == {"a.py": [(1, 3, "ai", "claude-code")]}


def test_the_hook_s_json_report_names_the_copied_notes_as_its_schema_says(
    hooked: GitRepo,
) -> None:
    """`signoff hook post-rewrite --json`: which notes were copied onto which commit, in
    `copied`, a field the hook schema documents (every field of the report is documented)."""
    from tests.test_recording import validated

    old = hooked.commit("a\n", {"a.py": lines(2)})
    plain(hooked, old, b"Reviewed-by: me\n")
    hooked.git("-c", "core.hooksPath=/dev/null", "commit", "-q", "--amend", "-m", "amended")
    new = hooked.head()
    proc = subprocess.run(
        [*SIGNOFF, "hook", "post-rewrite", "amend", "--json"],
        cwd=hooked.path, env=hooked.env, input=f"{old} {new}\n".encode(), capture_output=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    report = validated("hook", proc.stdout.decode())
    assert report["copied"] == [{"target": new, "from": [old]}]
    schema = json.loads((Path(__file__).parent.parent / "docs/schemas/hook-v1.json").read_text())
    assert set(report) <= set(schema["properties"])
    assert note(hooked) == b"Reviewed-by: me\n"


def test_a_missing_blob_still_lets_the_notes_follow(hooked: GitRepo) -> None:
    """Mapping a line record needs the old file's blob; copying the notes does not. With the
    blob gone (a partial clone, a snapshot) the notes still follow, and the hook says why the
    line record was not mapped."""
    a = hooked.commit("a\n", {"a.py": lines(3)})
    record(hooked, a, {"a.py": [(1, 3, "ai")]})
    blob = hooked.git("rev-parse", f"{a}:a.py").strip()
    hooked.write("a.py", "# top\n" + lines(3))
    hooked.git("add", "a.py")
    (hooked.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    proc = subprocess.run(
        ["git", "commit", "-q", "--amend", "--no-edit"],
        cwd=hooked.path, env=hooked.env, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert hooked.head() != a
    assert documents(hooked) == [a]  # the copy, whatever became of the mapping
    assert "Traceback" not in proc.stderr
    assert "notes copied, line records not mapped" in proc.stderr
    assert f"unable to read {blob}" in proc.stderr


def test_an_unknown_rewrite_kind_is_skipped_as_the_schema_says(hooked: GitRepo) -> None:
    from tests.test_recording import validated

    a = hooked.commit("a\n", {"a.py": lines(3)})
    record(hooked, a, {"a.py": [(1, 3, "ai")]})
    proc = subprocess.run(
        [*SIGNOFF, "hook", "post-rewrite", "amned", "--json"],
        cwd=hooked.path, env=hooked.env, input=f"{a} {a}\n", capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    report = validated("hook", proc.stdout)
    assert "amend or rebase" in report["skipped"] and "rewrite" not in report
