"""The commit hooks' hand-over: commit-msg attributes the staged lines and prepares the note and
the working log's `commit` records; post-commit writes them in sh, without starting Python.
Each way out is tested with real commits through the installed hooks: the bundle used, the
fallbacks (`--no-verify`, an amend, no flock), a stale bundle ignored, an aborted commit."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from signoff.git.hooks import committer_ident, read_head, read_settings
from signoff.git.repo import Repo
from signoff.recording import worklog
from signoff.recording.hooks import committer
from signoff.recording.install import install
from tests.gitrepo import GitRepo
from tests.test_attribute import AI_S1, agent_edit, docs, gitdir, line_doc, lines, spans
from tests.test_recording import scrubbed

AGENT = {"CLAUDECODE": "1", "CLAUDE_CODE_SESSION_ID": "s1"}


@pytest.fixture
def hooked(repo: GitRepo) -> Iterator[GitRepo]:
    repo.env = scrubbed(repo.env)
    repo.commit("base\n", {"README": "hello\n"})
    install(Repo(repo.path))
    repo.git("config", "signoff.captureBudget", "600000")
    yield repo


def no_python_in_post_commit(repo: GitRepo) -> None:
    """Point the installed post-commit at an interpreter that does not exist: if it needed
    Python, it would say so on stderr and record nothing."""
    hook = repo.path / ".git" / "hooks" / "post-commit"
    text = hook.read_text()
    start = text.index("signoff_python=")
    end = text.index("\n", start)
    hook.write_text(text[:start] + "signoff_python=/nonexistent/python" + text[end:])


def git_commit(repo: GitRepo, *args: str, env: dict[str, str] | None = None) -> str:
    """`git add -A` and `git commit ARGS` through the hooks; returns git's stderr."""
    repo.git("add", "-A")
    proc = subprocess.run(
        ["git", "commit", "-q", *args],
        cwd=repo.path,
        env={**repo.env, **(env or {})},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stderr


def commit_records(repo: GitRepo) -> list[tuple[str, str]]:
    records, problems = worklog.read(gitdir(repo))
    assert not problems
    return [(str(r["path"]), str(r["commit"])) for r in records if r["event"] == "commit"]


def bundles(repo: GitRepo) -> list[Path]:
    return sorted((repo.path / ".git" / "signoff").glob("pending-*"))


def test_the_prepared_bundle_is_written_without_python(hooked: GitRepo) -> None:
    agent_edit(hooked, "app.py", lines(3))
    hooked.write("app.py", lines(3) + "typed by the human\n")
    no_python_in_post_commit(hooked)
    err = git_commit(hooked, "-m", "by the agent", env=AGENT)
    assert "signoff" not in err  # no warning: post-commit never needed Python
    sha = hooked.head()
    [doc] = docs(hooked)
    assert doc["commit"] == sha
    assert doc["detection"] == {"source": "env", "evidence": "CLAUDECODE=1"}
    assert spans(doc, "app.py") == [(1, 3, "ai", AI_S1), (4, 4, "human", None)]
    assert doc["line_record"]["complete"] is True
    assert commit_records(hooked) == [("app.py", sha)]
    [taken] = bundles(hooked)
    assert taken.stat().st_size == 0  # emptied: taken
    # the next agent commit's commit-msg clears it, and the next replay starts at the record
    agent_edit(hooked, "app.py", lines(3) + "typed by the human\nagent again\n")
    git_commit(hooked, "-m", "again", env=AGENT)
    assert not taken.exists()
    assert spans(line_doc(hooked), "app.py") == [(5, 5, "ai", AI_S1)]


def test_a_commit_with_nothing_to_record_is_settled_in_sh(hooked: GitRepo) -> None:
    """commit-msg ran (an agent variable is set) but names no agent and no file has a
    checkpoint: an empty note, so post-commit writes nothing and needs no Python."""
    agent_edit(hooked, "elsewhere.py", "a\n")
    git_commit(hooked, "-m", "agent", env=AGENT)
    hooked.write("human.txt", "typed\n")
    no_python_in_post_commit(hooked)
    err = git_commit(hooked, "-m", "human", env={"AGENT": "1"})
    assert "signoff" not in err
    assert docs(hooked) == []


def test_no_verify_falls_back_to_post_commit(hooked: GitRepo) -> None:
    agent_edit(hooked, "app.py", lines(3))
    hooked.write("app.py", lines(3) + "typed by the human\n")
    git_commit(hooked, "--no-verify", "-m", "by the agent", env=AGENT)
    sha = hooked.head()
    [doc] = docs(hooked)  # commit-msg skipped: no trailers, the note decided in post-commit
    assert "AI-Assisted" not in hooked.git("log", "-1", "--format=%B")
    assert doc["detection"] == {"source": "env", "evidence": "CLAUDECODE=1"}
    assert spans(doc, "app.py") == [(1, 3, "ai", AI_S1), (4, 4, "human", None)]
    assert commit_records(hooked) == [("app.py", sha)]
    assert bundles(hooked) == []


def test_an_amend_is_attributed_by_post_commit(hooked: GitRepo) -> None:
    """commit-msg cannot tell an amend: it attributes against HEAD, which is not the amended
    commit's parent; post-commit sees the parent differ and attributes itself."""
    agent_edit(hooked, "f.py", lines(3))
    first_err = git_commit(hooked, "-m", "one", env=AGENT)
    assert "signoff" not in first_err
    agent_edit(hooked, "f.py", lines(3) + "agent 4\n")
    git_commit(hooked, "--amend", "-m", "one, amended", env=AGENT)
    sha = hooked.head()
    own = [d for d in docs(hooked) if d["commit"] == sha]
    assert [spans(d, "f.py") for d in own] == [[(1, 4, "ai", AI_S1)]]
    assert bundles(hooked) == []  # the amend's mismatched bundle was removed, not used


def test_without_flock_python_writes_the_prepared_bundle(hooked: GitRepo, tmp_path: Path) -> None:
    """The records are appended under the working log's lock: a system without flock(1) hands
    the prepared bundle to Python, which writes the same note and records."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("git", "sh", "grep", "cat"):
        found = shutil.which(tool)
        assert found
        (bin_dir / tool).symlink_to(found)
    agent_edit(hooked, "app.py", lines(2))
    git_commit(hooked, "-m", "agent", env={**AGENT, "PATH": str(bin_dir)})
    sha = hooked.head()
    [doc] = docs(hooked)
    assert spans(doc, "app.py") == [(1, 2, "ai", AI_S1)]
    assert commit_records(hooked) == [("app.py", sha)]
    assert bundles(hooked) == []  # Python removes what it took


def test_an_aborted_commit_leaves_nothing(hooked: GitRepo) -> None:
    agent_edit(hooked, "f.py", lines(3))
    lock = hooked.path / ".git" / "refs" / "heads" / "main.lock"
    lock.write_text("")  # git cannot move the branch: the commit fails after commit-msg
    hooked.git("add", "-A")
    proc = subprocess.run(
        ["git", "commit", "-q", "-m", "fails"],
        cwd=hooked.path,
        env={**hooked.env, **AGENT},
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0
    assert hooked.git("rev-list", "--count", "HEAD").strip() == "1"
    assert hooked.git("for-each-ref", "refs/notes").strip() == ""  # no note anywhere
    assert commit_records(hooked) == []  # the working log is as it was
    [left] = bundles(hooked)  # inert: its git process is gone
    lock.unlink()
    git_commit(hooked, "-m", "works", env=AGENT)
    [doc] = docs(hooked)
    assert spans(doc, "f.py") == [(1, 3, "ai", AI_S1)]
    assert commit_records(hooked) == [("f.py", hooked.head())]
    assert not left.exists()  # cleared by the next commit-msg


def test_a_stale_bundle_for_the_same_tree_and_parent_is_ignored(hooked: GitRepo) -> None:
    """An aborted agent commit left a bundle; a human then commits exactly that content on the
    same parent, and (as if the pid came round again) post-commit runs under that pid: the
    bundle is older than the commit's message, so the human commit gets its own record."""
    agent_edit(hooked, "f.py", lines(3))
    lock = hooked.path / ".git" / "refs" / "heads" / "main.lock"
    lock.write_text("")
    hooked.git("add", "-A")
    subprocess.run(
        ["git", "commit", "-q", "-m", "fails"],
        cwd=hooked.path,
        env={**hooked.env, **AGENT},
        capture_output=True,
    )
    lock.unlink()
    [left] = bundles(hooked)
    hooked.git("-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "human")
    _, tree, parent = left.name.split("-", 1)[1].split("-")
    assert tree == hooked.git("rev-parse", "HEAD^{tree}").strip()
    assert parent == hooked.git("rev-parse", "HEAD^").strip()
    reused = left.with_name(f"pending-{os.getpid()}-{tree}-{parent}")
    left.rename(reused)
    message = hooked.path / ".git" / "COMMIT_EDITMSG"
    os.utime(reused, (message.stat().st_mtime - 2, message.stat().st_mtime - 2))
    # run as git runs it, with this process as its parent ($PPID)
    hook = hooked.path / ".git" / "hooks" / "post-commit"
    proc = subprocess.run([str(hook)], cwd=hooked.path, env=hooked.env, capture_output=True)
    assert proc.returncode == 0, proc.stderr
    [doc] = docs(hooked)
    # attributed for the human commit itself, not the agent's prepared note
    assert doc["detection"]["source"] == "capture"
    assert spans(doc, "f.py") == [(1, 3, "ai", AI_S1)]
    assert not reused.exists()


# -- fewer git processes: answers read without git must be git's ------------------------------


@pytest.mark.parametrize(
    ("env", "config"),
    [
        ({}, {}),
        ({"GIT_COMMITTER_NAME": "Env Name", "GIT_COMMITTER_EMAIL": "env@example.com"}, {}),
        ({"EMAIL": "fallback@example.com", "GIT_CONFIG_GLOBAL": ""}, {"user.name": "Local"}),
        ({}, {"user.name": "Ann O'Neil", "user.email": "ann@example.com"}),
        ({}, {"user.name": " Spaced  Name. "}),  # git trims: left to git var
        ({}, {"committer.name": "Newer Git"}),  # committer.* only newer gits read
        ({"GIT_COMMITTER_NAME": ""}, {}),  # empty: git's own error or default
    ],
)
def test_the_committer_from_config_is_the_one_git_var_gives(
    hooked: GitRepo, tmp_path: Path, env: dict[str, str], config: dict[str, str]
) -> None:
    for key, value in config.items():
        hooked.git("config", key, value)
    full = {**hooked.env, **env}
    if full["GIT_CONFIG_GLOBAL"] == "":  # no global identity
        (tmp_path / "empty").write_text("")
        full["GIT_CONFIG_GLOBAL"] = str(tmp_path / "empty")
    settings = read_settings(str(hooked.path), full)
    try:
        expected = committer(str(hooked.path), full)
    except OSError:  # git var refuses this identity: so must the shortcut
        assert committer_ident(full, settings) is None
        return
    assert str(committer(str(hooked.path), full, settings)) == str(expected)


def test_head_read_from_files_is_what_git_says(hooked: GitRepo, tmp_path: Path) -> None:
    where = gitdir(hooked)

    def git_head(repo: GitRepo) -> str:
        return repo.git("rev-parse", "HEAD").strip()

    assert read_head(where) == git_head(hooked)  # a loose branch ref
    hooked.git("pack-refs", "--all")
    assert read_head(where) == git_head(hooked)  # packed
    hooked.git("checkout", "-q", "--detach")
    assert read_head(where) == git_head(hooked)  # detached
    hooked.git("checkout", "-q", "main")
    hooked.git("worktree", "add", "-q", "-b", "wt", str(tmp_path / "wt"))
    linked = GitRepo(tmp_path / "wt", hooked.env)
    assert read_head(gitdir(linked)) == git_head(linked)  # a linked worktree's branch
    hooked.git("checkout", "-q", "--orphan", "unborn")
    assert read_head(where) is None  # no commit yet: ask git


@pytest.mark.parametrize("how", ["--all", "--only"])
def test_commit_all_and_only_are_attributed_on_the_index_git_commits(
    hooked: GitRepo, how: str
) -> None:
    """`git commit -a` and `git commit PATH` give the hooks a temporary index
    (GIT_INDEX_FILE): commit-msg attributes what is committed, not the index on disk."""
    hooked.commit("files\n", {"a.py": lines(2), "b.py": lines(2)})
    agent_edit(hooked, "a.py", lines(2) + "agent a\n")
    agent_edit(hooked, "b.py", lines(2) + "agent b\n")
    no_python_in_post_commit(hooked)
    args = ["-m", "x", "--", "a.py"] if how == "--only" else ["-a", "-m", "x"]
    proc = subprocess.run(
        ["git", "commit", "-q", *args],
        cwd=hooked.path,
        env={**hooked.env, **AGENT},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0 and "signoff" not in proc.stderr, proc.stderr
    doc = line_doc(hooked)
    assert spans(doc, "a.py") == [(3, 3, "ai", AI_S1)]
    assert ("b.py" in doc["files"]) == (how == "--all")
    assert [p for p, _ in commit_records(hooked)] == (
        ["a.py", "b.py"] if how == "--all" else ["a.py"]
    )


def test_a_failed_preparation_leaves_the_work_to_post_commit(
    hooked: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """commit-msg could not leave its bundle (a full disk, say): the commit and its trailers
    go ahead and post-commit attributes and writes the note itself."""
    from signoff.recording import hooks

    def fail(*args: object) -> str:
        raise OSError("No space left on device")

    agent_edit(hooked, "f.py", lines(2))
    hooked.git("add", "-A")
    message = hooked.path / ".git" / "COMMIT_EDITMSG"
    message.write_text("work\n")
    env = {**hooked.env, **AGENT, "SIGNOFF_GIT_PID": str(os.getpid())}
    monkeypatch.setattr(hooks, "_write_pending", fail)
    report = hooks.commit_msg(str(message), cwd=str(hooked.path), env=env)
    assert report["prepare_error"] == "OSError: No space left on device"
    assert report["trailers_added"][0] == "AI-Assisted: claude-code"
    hooked.git("-c", "core.hooksPath=/dev/null", "commit", "-q", "-F", str(message))
    report = hooks.post_commit(cwd=str(hooked.path), env=env)
    assert report["note_written"] is True and report["from"] == "capture"
    assert spans(line_doc(hooked), "f.py") == [(1, 2, "ai", AI_S1)]
    assert commit_records(hooked) == [("f.py", hooked.head())]


SCRATCH = "refs/notes/signoff-append/"


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="the sh sweep needs /proc")
def test_the_sh_post_commit_removes_only_dead_writers_scratch_refs(hooked: GitRepo) -> None:
    """A note write killed part-way leaves its scratch ref; the next commit's post-commit, in
    sh, removes it when its writer (named by pid) is gone, and keeps a live writer's."""
    base = hooked.head()
    done = subprocess.Popen(["true"])
    done.wait()
    live = subprocess.Popen(["sleep", "60"])
    try:
        names = {
            f"{SCRATCH}{done.pid}-1-0": False,  # Python's names: <pid>-<thread>-<attempt>
            f"{SCRATCH}{done.pid}-3": False,  # sh's: <pid>-<n>
            f"{SCRATCH}{live.pid}-2-1": True,
            f"{SCRATCH}{live.pid}-0": True,
        }
        for name in names:
            hooked.git("update-ref", name, base)
        agent_edit(hooked, "app.py", lines(3))
        no_python_in_post_commit(hooked)
        err = git_commit(hooked, "-m", "by the agent", env=AGENT)
        assert "signoff" not in err  # settled in sh
        [doc] = docs(hooked)
        assert doc["commit"] == hooked.head()
        left = set(hooked.git("for-each-ref", "--format=%(refname)", SCRATCH).split())
        assert left == {name for name, kept in names.items() if kept}
    finally:
        live.kill()
        live.wait()
