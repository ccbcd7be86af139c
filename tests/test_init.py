"""`signoff init`: hooks installed without clobbering, notes configured and shared by clones."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from signoff.git.notes import read_notes
from signoff.git.repo import Repo
from signoff.provenance.notes import parse_signoff_notes
from signoff.recording.install import HOOKS, install, uninstall
from signoff.recording.sync import fetch_refspec
from tests.gitrepo import GitRepo
from tests.test_recording import scrubbed, trailers, validated


def signoff(
    repo: GitRepo, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "signoff", *args],
        cwd=repo.path,
        capture_output=True,
        text=True,
        env={**repo.env, **(env or {})},
    )


def config_all(repo: GitRepo, key: str) -> list[str]:
    proc = subprocess.run(
        ["git", "config", "--local", "--get-all", key],
        cwd=repo.path,
        capture_output=True,
        text=True,
        env=repo.env,
    )
    return proc.stdout.splitlines()


def write_hook(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


@pytest.fixture
def base(repo: GitRepo) -> GitRepo:
    repo.env = scrubbed(repo.env)
    repo.commit("base\n", {"README": "hello\n"})
    return repo


# -- installing ---------------------------------------------------------------------------------


def test_init_installs_hooks_and_configures_notes(base: GitRepo, tmp_path: Path) -> None:
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True, env=base.env)
    base.git("remote", "add", "origin", str(origin))
    proc = signoff(base, "init", "--json")
    assert proc.returncode == 0, proc.stderr
    report = validated("init", proc.stdout)
    assert report["schema"] == "signoff/init/v1" and report["action"] == "install"
    hooks_dir = base.path / ".git" / "hooks"
    for name in HOOKS:
        hook = hooks_dir / name
        assert os.access(hook, os.X_OK)
        assert "signoff-managed-hook" in hook.read_text()
    assert [h["action"] for h in report["recording"]["hooks"]] == ["installed"] * len(HOOKS)
    # the post-rewrite hook copies notes by compare-and-swap: git's own copy is not asked for
    for key in ("notes.rewriteRef", "notes.rewrite.amend", "notes.rewrite.rebase"):
        assert config_all(base, key) == []
    assert config_all(base, "notes.rewriteMode") == []
    assert config_all(base, "notes.signoff.mergeStrategy") == ["cat_sort_uniq"]
    assert fetch_refspec("origin") in config_all(base, "remote.origin.fetch")
    assert "+refs/heads/*:refs/remotes/origin/*" in config_all(base, "remote.origin.fetch")


def test_init_prints_what_it_configured(base: GitRepo) -> None:
    proc = signoff(base, "init")
    assert proc.returncode == 0, proc.stderr
    for text in ("commit-msg", "post-commit", "pre-push", "post-rewrite", "mergeStrategy"):
        assert text in proc.stdout


def test_no_hooks_configures_notes_only(base: GitRepo) -> None:
    proc = signoff(base, "init", "--no-hooks", "--json")
    assert proc.returncode == 0, proc.stderr
    assert validated("init", proc.stdout)["recording"]["hooks"] == []
    assert not (base.path / ".git" / "hooks" / "commit-msg").exists()
    # no Signoff post-rewrite hook may run: git copies the notes on amend and rebase
    assert config_all(base, "notes.rewriteRef") == ["refs/notes/signoff"]
    assert config_all(base, "notes.rewriteMode") == ["concatenate"]
    assert config_all(base, "notes.rewrite.amend") == ["true"]


def test_init_with_hooks_takes_back_git_s_notes_copy(base: GitRepo) -> None:
    """An older init (or `--no-hooks`) asked git to copy notes; init with hooks gives that back,
    restoring what the user had, and a later `--no-hooks` asks again."""
    base.git("config", "notes.rewriteMode", "overwrite")
    base.git("config", "notes.rewrite.amend", "true")
    install(Repo(base.path), hooks=False)
    assert config_all(base, "notes.rewriteRef") == ["refs/notes/signoff"]
    assert config_all(base, "notes.rewriteMode") == ["concatenate"]
    report = install(Repo(base.path))
    changed = {c["key"]: c["action"] for c in report["config"]}
    assert changed["notes.rewriteRef"] == "removed"
    assert changed["notes.rewriteMode"] == "restored"
    assert changed["notes.rewrite.rebase"] == "unset"
    assert "notes.rewrite.amend" not in changed  # was the user's: left alone
    assert config_all(base, "notes.rewriteRef") == []
    assert config_all(base, "notes.rewriteMode") == ["overwrite"]
    assert config_all(base, "notes.rewrite.amend") == ["true"]
    assert config_all(base, "notes.rewrite.rebase") == []
    install(Repo(base.path), hooks=False)
    assert config_all(base, "notes.rewriteRef") == ["refs/notes/signoff"]
    uninstall(Repo(base.path))
    assert config_all(base, "notes.rewriteRef") == []
    assert config_all(base, "notes.rewriteMode") == ["overwrite"]
    assert config_all(base, "notes.rewrite.rebase") == []


def test_init_over_an_older_install_says_why_git_s_notes_copy_went(base: GitRepo) -> None:
    install(Repo(base.path), hooks=False)  # what an older init configured
    proc = signoff(base, "init")
    assert proc.returncode == 0, proc.stderr
    assert "notes.rewriteRef = refs/notes/signoff  removed" in proc.stdout
    assert "post-rewrite hook copies the notes now" in proc.stdout
    again = signoff(base, "init")
    assert "notes.rewrite" not in again.stdout and "copies the notes now" not in again.stdout


def test_init_is_idempotent(base: GitRepo) -> None:
    first = install(Repo(base.path))
    scripts = {n: (base.path / ".git" / "hooks" / n).read_text() for n in HOOKS}
    second = install(Repo(base.path))
    assert [h["action"] for h in second["hooks"]] == ["unchanged"] * len(HOOKS)
    assert {c["action"] for c in second["config"]} == {"unchanged"}
    assert {n: (base.path / ".git" / "hooks" / n).read_text() for n in HOOKS} == scripts
    assert config_all(base, "notes.mergeStrategy") == []
    assert config_all(base, "notes.signoff.mergeStrategy") == ["cat_sort_uniq"]
    assert first["config"] != second["config"]
    assert not list((base.path / ".git" / "hooks").glob("*.pre-signoff"))


def test_existing_config_values_are_kept_and_restored(base: GitRepo) -> None:
    base.git("config", "--add", "notes.rewriteRef", "refs/notes/commits")
    base.git("config", "notes.rewriteMode", "overwrite")
    base.git("config", "notes.rewrite.amend", "true")
    report = install(Repo(base.path), hooks=False)
    assert config_all(base, "notes.rewriteRef") == ["refs/notes/commits", "refs/notes/signoff"]
    assert config_all(base, "notes.rewriteMode") == ["concatenate"]
    changed = {c["key"]: c["action"] for c in report["config"]}
    assert changed["notes.rewriteMode"] == "changed from overwrite"
    assert changed["notes.rewrite.amend"] == "unchanged"
    uninstall(Repo(base.path))
    assert config_all(base, "notes.rewriteRef") == ["refs/notes/commits"]
    assert config_all(base, "notes.rewriteMode") == ["overwrite"]
    assert config_all(base, "notes.rewrite.amend") == ["true"]  # was the user's: kept
    assert config_all(base, "notes.rewrite.rebase") == []  # was init's: removed
    assert config_all(base, "notes.signoff.mergeStrategy") == []


def test_core_hooks_path_is_respected(base: GitRepo) -> None:
    base.git("config", "core.hooksPath", ".githooks")
    install(Repo(base.path))
    assert (base.path / ".githooks" / "commit-msg").exists()
    assert not (base.path / ".git" / "hooks" / "commit-msg").exists()
    base.commit("agent\n", {"f": "1"}, env={"CLAUDECODE": "1"})
    assert "AI-Assisted: claude-code" in trailers(base)


# -- chaining existing hooks ----------------------------------------------------------------------


def test_existing_hooks_are_chained_and_still_run(base: GitRepo) -> None:
    hooks = base.path / ".git" / "hooks"
    ran = base.path / ".git" / "ran.log"
    write_hook(
        hooks / "commit-msg",
        f'echo commit-msg >> "{ran}"\n'
        'git interpret-trailers --in-place --trailer "Reviewed-by: Linter <l@example.com>" "$1"\n',
    )
    write_hook(hooks / "post-commit", f'echo post-commit >> "{ran}"\n')
    write_hook(hooks / "pre-push", f'echo "pre-push $1" >> "{ran}"\ncat >> "{ran}"\n')
    write_hook(hooks / "post-rewrite", f'echo "post-rewrite $1" >> "{ran}"\ncat >> "{ran}"\n')
    report = install(Repo(base.path))
    assert [h["action"] for h in report["hooks"]] == ["installed, existing hook chained"] * 4
    assert (hooks / "commit-msg.pre-signoff").exists()

    base.commit("agent change\n", {"f": "1"}, env={"CLAUDECODE": "1"})
    got = trailers(base)
    assert "Reviewed-by: Linter <l@example.com>" in got and "AI-Assisted: claude-code" in got
    assert ran.read_text().splitlines() == ["commit-msg", "post-commit"]

    origin = base.path.parent / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True, env=base.env)
    base.git("push", "-q", str(origin), "main")
    log = ran.read_text()
    assert f"pre-push {origin}" in log and "refs/heads/main" in log

    # post-rewrite: the chained hook still gets git's `OLD NEW` lines
    old = base.head()
    base.git("commit", "-q", "--amend", "-m", "reworded")
    assert f"post-rewrite amend\n{old} {base.head()}" in ran.read_text()


def test_failing_chained_commit_msg_still_fails_the_commit(base: GitRepo) -> None:
    write_hook(base.path / ".git" / "hooks" / "commit-msg", 'echo "policy says no" >&2\nexit 1\n')
    install(Repo(base.path))
    before = base.git("rev-parse", "HEAD")
    (base.path / "f").write_text("1")
    base.git("add", "-A")
    proc = subprocess.run(
        ["git", "commit", "-q", "-m", "nope"],
        cwd=base.path,
        capture_output=True,
        text=True,
        env={**base.env, "CLAUDECODE": "1"},
    )
    assert proc.returncode != 0
    assert "policy says no" in proc.stderr
    assert base.git("rev-parse", "HEAD") == before


def test_uninstall_restores_the_original_hooks_and_keeps_notes(base: GitRepo) -> None:
    original = "echo mine\n"
    write_hook(base.path / ".git" / "hooks" / "post-commit", original)
    install(Repo(base.path))
    base.commit("agent\n", {"f": "1"}, env={"CURSOR_AGENT": "1"})
    proc = signoff(base, "init", "--uninstall", "--json")
    assert proc.returncode == 0, proc.stderr
    report = validated("init", proc.stdout)["recording"]
    actions = {h["hook"]: h["action"] for h in report["hooks"]}
    assert actions["post-commit"] == "removed, original hook restored"
    assert actions["commit-msg"] == "removed"
    hooks = base.path / ".git" / "hooks"
    assert (hooks / "post-commit").read_text() == "#!/bin/sh\n" + original
    assert not (hooks / "commit-msg").exists() and not (hooks / "post-commit.pre-signoff").exists()
    assert config_all(base, "notes.rewriteRef") == []
    assert read_notes(Repo(base.path), "signoff")  # notes are data: never removed
    base.commit("after uninstall\n", {"f": "2"}, env={"CURSOR_AGENT": "1"})
    assert trailers(base) == []


def test_init_refuses_to_clobber_two_foreign_hooks(base: GitRepo) -> None:
    hooks = base.path / ".git" / "hooks"
    write_hook(hooks / "commit-msg", "exit 0\n")
    write_hook(hooks / "commit-msg.pre-signoff", "exit 0\n")
    proc = signoff(base, "init")
    assert proc.returncode == 2
    assert "merge them" in proc.stderr + proc.stdout
    assert "signoff" not in (hooks / "commit-msg").read_text()


def test_a_refused_post_rewrite_hook_leaves_git_s_notes_copy(base: GitRepo) -> None:
    """Two foreign post-rewrite hooks: init installs the others and says to merge them, and git
    keeps copying the notes on amend and rebase meanwhile (nothing of ours would)."""
    hooks = base.path / ".git" / "hooks"
    write_hook(hooks / "post-rewrite", "exit 0\n")
    write_hook(hooks / "post-rewrite.pre-signoff", "exit 0\n")
    install(Repo(base.path), hooks=False)  # what an older init configured
    proc = signoff(base, "init")
    assert proc.returncode == 2 and "merge them" in proc.stderr + proc.stdout
    assert "signoff" in (hooks / "post-commit").read_text()
    assert config_all(base, "notes.rewriteRef") == ["refs/notes/signoff"]
    assert config_all(base, "notes.rewriteMode") == ["concatenate"]
    sha = base.commit("work", {"a.txt": "a\n"})
    added = signoff(base, "notes", "add", sha, "--ai", "claude-code/claude-opus-4-5")
    assert added.returncode == 0, added.stderr
    base.git("commit", "-q", "--amend", "-m", "work, amended")
    amended = base.git("rev-parse", "HEAD").strip()
    assert amended != sha
    assert base.git("notes", "--ref=signoff", "show", amended).strip()


# -- sharing notes ------------------------------------------------------------------------------


@pytest.fixture
def clones(base: GitRepo, tmp_path: Path) -> tuple[GitRepo, GitRepo, Path]:
    origin = tmp_path / "origin.git"
    subprocess.run(
        ["git", "init", "-q", "--bare", "-b", "main", str(origin)], check=True, env=base.env
    )
    base.git("remote", "add", "origin", str(origin))
    base.git("push", "-q", "origin", "main")
    other = GitRepo(tmp_path / "other", dict(base.env))
    subprocess.run(["git", "clone", "-q", str(origin), str(other.path)], check=True, env=base.env)
    for clone in (base, other):
        assert signoff(clone, "init").returncode == 0
    return base, other, origin


def origin_notes(origin: Path) -> dict[str, list[bytes]]:
    return read_notes(Repo(origin), "signoff")


def test_two_clones_push_without_losing_each_others_notes(
    clones: tuple[GitRepo, GitRepo, Path],
) -> None:
    a, b, origin = clones
    x = a.commit("from a\n", {"a.txt": "a\n"}, env={"CLAUDECODE": "1"})
    a.git("push", "-q", "origin", "main")  # pre-push also pushes the notes
    assert set(origin_notes(origin)) == {x}

    y = b.commit("from b\n", {"b.txt": "b\n"}, env={"CODEX_THREAD_ID": "t-9"})
    # b's notes diverged from origin's: the hook's push is rejected, merged, retried
    b.git("push", "-q", "origin", "HEAD:refs/heads/b-work")
    assert set(origin_notes(origin)) == {x, y}

    # a plain fetch copies the remote notes aside and never clobbers the local ref
    local_before = a.git("rev-parse", "refs/notes/signoff")
    a.git("fetch", "-q", "origin")
    assert a.git("rev-parse", "refs/notes/signoff") == local_before
    assert y in read_notes(Repo(a.path), "signoff")

    proc = signoff(a, "notes", "sync", "--json")
    assert proc.returncode == 0, proc.stderr
    result = validated("notes-sync", proc.stdout)
    assert result["schema"] == "signoff/notes-sync/v1" and result["remote"] == "origin"
    mine = subprocess.run(
        ["git", "notes", "--ref=signoff", "list"],
        cwd=a.path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert x in mine and y in mine


def test_sync_merges_notes_both_clones_wrote_on_one_commit(
    clones: tuple[GitRepo, GitRepo, Path],
) -> None:
    a, b, origin = clones
    shared = a.git("rev-parse", "HEAD").strip()
    assert signoff(a, "notes", "add", shared, "--ai", "cursor").returncode == 0
    assert signoff(b, "notes", "add", shared, "--human").returncode == 0
    for clone in (a, b, a):
        proc = signoff(clone, "notes", "sync", "--json")
        assert proc.returncode == 0, proc.stderr
    for where in (origin, a.path, b.path):
        blobs = read_notes(Repo(where), "signoff")[shared]
        reading = parse_signoff_notes(blobs, shared)
        assert sorted(m.kind for m in reading.markers) == ["ai", "human"], where
        assert reading.problems == []


def test_fetch_works_before_anyone_pushed_notes(base: GitRepo, tmp_path: Path) -> None:
    origin = tmp_path / "empty.git"
    subprocess.run(
        ["git", "init", "-q", "--bare", "-b", "main", str(origin)], check=True, env=base.env
    )
    base.git("remote", "add", "origin", str(origin))
    base.git("push", "-q", "--no-verify", "origin", "main")
    install(Repo(base.path))
    base.git("fetch", "-q", "origin")  # an exact notes refspec would fail here
    proc = signoff(base, "notes", "sync", "--json")
    assert proc.returncode == 0, proc.stderr
    assert validated("notes-sync", proc.stdout)["fetched"] is False


def test_pre_push_skips_its_own_notes_push(base: GitRepo) -> None:
    proc = signoff(base, "hook", "pre-push", "origin", "--json", env={"SIGNOFF_NOTES_PUSH": "1"})
    assert proc.returncode == 0
    assert "Signoff's own notes push" in validated("hook", proc.stdout)["skipped"]


def test_push_notes_can_be_switched_off(clones: tuple[GitRepo, GitRepo, Path]) -> None:
    a, _, origin = clones
    a.git("config", "signoff.pushNotes", "false")
    a.commit("from a\n", {"a.txt": "a\n"}, env={"CLAUDECODE": "1"})
    a.git("push", "-q", "origin", "main")
    assert origin_notes(origin) == {}


def test_notes_add_and_show(base: GitRepo) -> None:
    proc = signoff(
        base,
        "notes",
        "add",
        "HEAD",
        "--ai",
        "claude-code/claude-opus-4-5",
        "--session",
        "s1",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    note = validated("notes-add", proc.stdout)["note"]
    assert note["recorded_by"] == "cli" and note["detection"]["source"] == "flag"
    shown = validated("notes-show", signoff(base, "notes", "show", "--json").stdout)
    assert shown["documents"] == [note] and shown["problems"] == []
    bad = signoff(base, "notes", "add", "HEAD", "--ai", "x", "--human")
    assert bad.returncode == 2 and "either --ai" in bad.stderr
