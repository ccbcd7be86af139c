"""Concurrent commits keep every note: each commit ends with exactly its own record."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from signoff.git.notes import read_notes
from signoff.git.repo import Repo
from signoff.recording.hooks import PENDING_TTL, SCRATCH_PREFIX
from signoff.recording.install import install
from tests.gitrepo import GitRepo
from tests.tools import tool

AGENT_VARS = ("CLAUDECODE", "GEMINI_CLI", "CODEX_THREAD_ID", "CURSOR_AGENT", "SIGNOFF_AI")


def _records(repo: GitRepo) -> dict[str, list[str]]:
    """commit -> the `commit` field of every Signoff document noted on it."""
    out: dict[str, list[str]] = {}
    for sha, blobs in read_notes(Repo(repo.path), "signoff").items():
        for blob in blobs:
            for line in blob.decode().splitlines():
                if line.strip():
                    out.setdefault(sha, []).append(json.loads(line)["commit"])
    return out


def _hooked(repo: GitRepo) -> dict[str, str]:
    """`repo` with a first commit and Signoff's hooks, its environment free of agent markers
    (each process sets its own); returns that environment."""
    env = {k: v for k, v in repo.env.items() if k not in AGENT_VARS}
    repo.env = env
    repo.commit("base\n", {"README": "hello\n"})
    install(Repo(repo.path))
    return env


def _append_in_parallel(repo: GitRepo, shas: list[str]) -> None:
    """One process per commit, all released at once, each appending its note."""
    code = (
        "import sys, time, os\n"
        "from signoff.recording.hooks import append_note\n"
        "sha, start = sys.argv[1], float(sys.argv[2])\n"
        "time.sleep(max(0.0, start - time.time()))\n"
        'doc = \'{"schema":"signoff/provenance/v1","commit":"%s","status":"ai","tools":[]}\' % sha\n'
        "append_note(sha, doc.encode(), os.getcwd(), dict(os.environ))\n"
    )
    start = time.time() + 1.5
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, sha, str(start)],
            cwd=repo.path,
            env=repo.env,
            stderr=subprocess.PIPE,
        )
        for sha in shas
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()


def test_a_direct_race_loses_no_note(repo: GitRepo) -> None:
    shas = [repo.commit(f"c{n}\n", {"f": str(n)}) for n in range(16)]
    for round_ in range(3):  # many rounds: every round appends one more record per commit
        _append_in_parallel(repo, shas)
        records = _records(repo)
        assert {sha: records.get(sha) for sha in shas} == {
            sha: [sha] * (round_ + 1) for sha in shas
        }
    assert repo.git("for-each-ref", SCRATCH_PREFIX) == ""  # no scratch ref left behind


def test_agents_committing_in_two_worktrees_at_once_keep_every_record(
    repo: GitRepo, tmp_path: Path
) -> None:
    env = _hooked(repo)
    other = tmp_path / "other"
    repo.git("worktree", "add", "-q", "-b", "other", str(other))
    script = (
        'i=0; while [ $i -lt 12 ]; do echo "$i" > "f-$1"; git add -A; '
        'git commit -q -m "agent $1 $i" || exit 1; i=$((i + 1)); done'
    )
    agent = {**env, "CLAUDECODE": "1"}
    procs = [
        subprocess.Popen(["sh", "-c", script, "sh", name], cwd=where, env=agent)
        for name, where in (("main", repo.path), ("other", other))
    ]
    for proc in procs:
        assert proc.wait(timeout=300) == 0
    commits = repo.git("rev-list", "main", "other", "--not", "main~12").split()
    commits = [c for c in commits if c] + repo.git("rev-list", "other~12..other").split()
    commits = list(dict.fromkeys(commits))
    assert len(commits) == 24
    records = _records(repo)
    assert {c: records.get(c) for c in commits} == {c: [c] for c in commits}


def test_a_leftover_pending_note_never_lands_on_a_later_commit(repo: GitRepo) -> None:
    env = _hooked(repo)
    human = repo.commit("a human change\n", {"human.txt": "typed by a person\n"})
    tree = repo.git("rev-parse", "HEAD^{tree}").strip()
    parent = repo.git("rev-parse", "HEAD^").strip()
    folder = repo.path / ".git" / "signoff"
    folder.mkdir(exist_ok=True)
    leftover = '{"schema":"signoff/provenance/v1","commit":"@SIGNOFF_COMMIT@","status":"ai"}\n'
    # The installed post-commit names its git process by $PPID: run it from this process, as
    # if an agent's failed commit had left notes behind under the very same pid.
    pid = os.getpid()
    other_tree = folder / f"pending-{pid}-{'0' * 40}-{parent}"
    other_parent = folder / f"pending-{pid}-{tree}-{'0' * 40}"
    stale = folder / f"pending-{pid}-{tree}-{parent}"
    hook = repo.path / ".git" / "hooks" / "post-commit"

    def run_hook() -> None:
        proc = subprocess.run([str(hook)], cwd=repo.path, env=env, capture_output=True)
        assert proc.returncode == 0, proc.stderr

    other_tree.write_text(leftover)  # prepared for another tree: not this commit's
    run_hook()
    assert human not in _records(repo)
    other_parent.write_text(leftover)  # the same tree on another parent (an amend's)
    run_hook()
    assert human not in _records(repo)
    stale.write_text(leftover)  # the same tree and parent, but left long ago by a failed commit
    old = time.time() - PENDING_TTL - 60
    os.utime(stale, (old, old))
    run_hook()
    assert human not in _records(repo)  # unknown stays unknown: never "ai" on a human commit
    # older than the commit's message: left before this commit began
    message = repo.path / ".git" / "COMMIT_EDITMSG"
    stale.write_text(leftover)
    os.utime(stale, (message.stat().st_mtime - 5, message.stat().st_mtime - 5))
    run_hook()
    assert human not in _records(repo)
    # the same from Python (linked worktrees, hook managers): same pid, other tree, other
    # parent, stale
    from signoff.recording.hooks import post_commit

    for path, mtime in ((other_tree, time.time()), (other_parent, time.time()), (stale, old)):
        path.write_text(leftover)
        os.utime(path, (mtime, mtime))
        report = post_commit(cwd=str(repo.path), env={**env, "SIGNOFF_GIT_PID": str(pid)})
        assert report["note_written"] is False
        assert not path.exists()  # this git process's bundles go, used or not
    assert human not in _records(repo)
    # and the control: a fresh note prepared for this tree and parent is taken, by sh...
    stale.write_text(leftover)
    run_hook()
    assert _records(repo)[human] == [human]
    # ...as by Python
    again = repo.commit("another human change\n", {"human.txt": "typed again\n"})
    key = f"{repo.git('rev-parse', 'HEAD^{tree}').strip()}-{human}"
    (folder / f"pending-{pid}-{key}").write_text(leftover)
    report = post_commit(cwd=str(repo.path), env={**env, "SIGNOFF_GIT_PID": str(pid)})
    assert report["note_written"] is True and report["from"] == "commit-msg"
    assert _records(repo)[again] == [again]


def test_a_hung_notes_push_never_holds_up_git_push(repo: GitRepo, tmp_path: Path) -> None:
    env = {k: v for k, v in repo.env.items() if k not in AGENT_VARS}
    repo.env = env
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(origin)], check=True, env=env)
    # the server hangs on any push that carries notes (a stalled server, a prompt nobody sees)
    pids = tmp_path / "hung-pids"
    hook = origin / "hooks" / "pre-receive"
    hook.write_text(
        f'#!/bin/sh\nif grep -q refs/notes/; then echo $$ >> "{pids}"; sleep 120; fi\nexit 0\n'
    )
    hook.chmod(0o755)
    repo.commit("base\n", {"README": "hello\n"})
    repo.git("remote", "add", "origin", str(origin))
    install(Repo(repo.path))
    repo.git("config", "signoff.pushNotesWait", "1")
    repo.git("config", "signoff.pushNotesTimeout", "4")
    sha = repo.commit("agent work\n", {"a.txt": "a\n"}, env={"CLAUDECODE": "1"})
    assert _records(repo)[sha] == [sha]
    started = time.monotonic()
    proc = subprocess.run(
        ["git", "push", "origin", "main"], cwd=repo.path, env=env, capture_output=True, text=True
    )
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    assert elapsed < 8, f"git push took {elapsed:.1f}s"
    assert "goes on in the background" in proc.stderr
    branch = subprocess.run(
        ["git", "rev-parse", "main"], cwd=origin, env=env, capture_output=True, text=True
    )
    assert branch.stdout.strip() == sha  # the branch landed without waiting for the notes
    # ...and the background push is killed, with the git processes it started, at its limit
    deadline = time.monotonic() + 30
    log = repo.path / ".git" / "signoff" / "notes-push.log"
    while time.monotonic() < deadline and "killed after 4s" not in (
        log.read_text() if log.exists() else ""
    ):
        time.sleep(0.2)
    assert "killed after 4s" in log.read_text()
    hung = [int(p) for p in pids.read_text().split()]
    time.sleep(0.5)
    for pid in hung:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue  # gone
        assert state == "Z", f"the server side hook {pid} still runs (state {state})"


AMENDS = (
    'cd "$1" && echo start > amend.txt && git add amend.txt && '
    'CLAUDECODE=1 git commit -q -m "amend base" || exit 1; i=0; while [ $i -lt 6 ]; do '
    'echo "$i" >> amend.txt; git add amend.txt; '
    'CLAUDECODE=1 git commit -q --amend -m "amended $i" || exit 1; i=$((i + 1)); done'
)
COMMITS = (
    'cd "$1" && i=0; while [ $i -lt 8 ]; do echo "$i" > plain.txt; git add plain.txt; '
    'CLAUDECODE=1 git commit -q -m "agent $i" || exit 1; i=$((i + 1)); done'
)
FIXUPS = (
    'cd "$1" && for n in 1 2; do echo "w$n" > "fx$n.txt"; git add "fx$n.txt"; '
    'CLAUDECODE=1 git commit -q -m "work $n" || exit 1; done; for n in 1 2; do '
    'echo "fix$n" >> "fx$n.txt"; git add "fx$n.txt"; '
    'GEMINI_CLI=1 git commit -q -m "fixup! work $n" || exit 1; done; '
    "GIT_SEQUENCE_EDITOR=true GIT_EDITOR=true git rebase -q -i --autosquash HEAD~4"
)


def test_an_amend_a_commit_and_a_fixup_rebase_racing_keep_each_record_where_it_belongs(
    repo: GitRepo, tmp_path: Path
) -> None:
    """Three worktrees at once, hooks installed: one amends its commit six times, one commits
    eight times, one commits two changes and two fixups and runs `rebase -i --autosquash`.
    Each plain commit ends with exactly its own record; the amended commit with its own and
    its predecessors' (post-rewrite copies notes on); each squashed commit with the records of
    its change and its fixup; no record lands on another worktree's commit."""
    env = _hooked(repo)
    trees = {name: tmp_path / name for name in ("amend", "commit", "fixup")}
    for name, where in trees.items():
        repo.git("worktree", "add", "-q", "-b", name, str(where))
    procs = [
        subprocess.Popen(["sh", "-c", script, "sh", str(trees[name])], env=env)
        for name, script in (("amend", AMENDS), ("commit", COMMITS), ("fixup", FIXUPS))
    ]
    for proc in procs:
        assert proc.wait(timeout=600) == 0
    records = _records(repo)

    def reflog(branch: str) -> set[str]:
        return set(repo.git("log", "-g", "--format=%H", f"refs/heads/{branch}").split())

    plain = repo.git("rev-list", "commit", "--not", "main").split()
    assert len(plain) == 8
    amended = repo.git("rev-parse", "amend").strip()
    squashed = repo.git("rev-list", "fixup", "--not", "main").split()
    assert len(squashed) == 2
    assert repo.git("for-each-ref", SCRATCH_PREFIX) == ""
    # never a record on another worktree's commit, whatever the interleaving
    for sha in plain:
        assert records.get(sha) in (None, [sha])
    assert set(records.get(amended, [])) <= reflog("amend")
    for sha in squashed:
        assert set(records.get(sha, [])) <= reflog("fixup")
    # nothing lost: post-rewrite copies notes by compare-and-swap, where git's own copy
    # (notes.rewriteRef) moved the ref blind and once lost a plain commit's record here
    assert all(sha in records for sha in plain), [sha for sha in plain if sha not in records]
    assert len(records[amended]) == 7, records[amended]
    assert all(len(records.get(sha, [])) == 2 for sha in squashed)
    assert records[amended].count(amended) == 1
    for sha in squashed:
        tools = repo.git("notes", "--ref=signoff", "show", sha)
        assert "claude-code" in tools and "gemini-cli" in tools


def _stalled_rewrite(repo: GitRepo, where: Path, args: list[str], env: dict[str, str]) -> list[str]:
    """Run `git *args` in worktree `where` with every open of refs/notes/signoff's lock by that
    git process itself stalled for a second (strace fault injection; its hooks run at full
    speed), while another worktree commits until it ends. Returns those commits."""
    strace = tool("strace")
    lock = os.path.realpath(repo.path / ".git" / "refs" / "notes" / "signoff.lock")
    proc = subprocess.Popen(
        [strace, "-qq", "-o", os.devnull, "-e", "trace=openat", "-P", lock,
         "-e", "inject=openat:delay_enter=1000000", "git", *args],
        cwd=where, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    other = repo.path.parent / f"{repo.path.name}-other"
    repo.git("worktree", "add", "-q", "-b", "other", str(other))
    made = 0
    while proc.poll() is None or made < 3:
        (other / "other.txt").write_text(f"{made}\n")
        for step in (["add", "other.txt"], ["commit", "-q", "-m", f"other {made}"]):
            subprocess.run(["git", *step], cwd=other, env={**env, "CLAUDECODE": "1"}, check=True)
        made += 1
    assert proc.wait() == 0, proc.stderr.read() if proc.stderr else ""
    return repo.git("rev-list", "other", "--not", "main").split()


def test_a_stalled_amend_loses_no_record_another_worktree_writes(
    repo: GitRepo, tmp_path: Path
) -> None:
    """git's own notes copy (`notes.rewriteRef`) read the notes, then moved the ref without
    compare-and-swap: with its ref update stalled a second, it lost 6 of 80 records another
    worktree wrote meanwhile. The post-rewrite hook copies by compare-and-swap instead."""
    env = _hooked(repo)
    where = tmp_path / "rewrite"
    repo.git("worktree", "add", "-q", "-b", "rewrite", str(where))
    for step in (["add", "a.txt"], ["commit", "-q", "-m", "agent"]):
        (where / "a.txt").write_text("one\n")
        subprocess.run(["git", *step], cwd=where, env={**env, "CLAUDECODE": "1"}, check=True)
    first = repo.git("rev-parse", "rewrite").strip()
    (where / "a.txt").write_text("two\n")
    subprocess.run(["git", "add", "a.txt"], cwd=where, env=env, check=True)
    others = _stalled_rewrite(
        repo, where, ["commit", "-q", "--amend", "-m", "amended"], {**env, "GEMINI_CLI": "1"}
    )
    records = _records(repo)
    assert [sha for sha in others if records.get(sha) != [sha]] == []
    amended = repo.git("rev-parse", "rewrite").strip()
    assert records[amended] == [amended, first]  # its own record, then the one it replaced


def test_a_stalled_rebase_loses_no_record_another_worktree_writes(
    repo: GitRepo, tmp_path: Path
) -> None:
    """The same for `rebase -i --autosquash`, whose notes copy runs as the rebase ends."""
    env = _hooked(repo)
    where = tmp_path / "rewrite"
    repo.git("worktree", "add", "-q", "-b", "rewrite", str(where))
    for text, message, agent in (("one\n", "work", "CLAUDECODE"), ("two\n", "fixup! work",
                                                                    "GEMINI_CLI")):  # fmt: skip
        (where / "a.txt").write_text(text)
        subprocess.run(["git", "add", "a.txt"], cwd=where, env=env, check=True)
        subprocess.run(["git", "commit", "-q", "-m", message], cwd=where, env={**env, agent: "1"},
                       check=True)  # fmt: skip
    olds = repo.git("rev-list", "--reverse", "rewrite", "--not", "main").split()
    others = _stalled_rewrite(
        repo, where, ["rebase", "-q", "-i", "--autosquash", "main"],
        {**env, "GIT_SEQUENCE_EDITOR": "true", "GIT_EDITOR": "true"},
    )  # fmt: skip
    records = _records(repo)
    assert [sha for sha in others if records.get(sha) != [sha]] == []
    squashed = repo.git("rev-parse", "rewrite").strip()
    assert records[squashed] == olds  # both records, oldest first


def test_git_itself_never_moves_the_notes_ref_on_a_rewrite(repo: GitRepo) -> None:
    """Every update of refs/notes/signoff during amend, rebase and squash is Signoff's own
    compare-and-swap (its reflog says who moved it), and the notes still follow."""
    _hooked(repo)
    repo.git("config", "core.logAllRefUpdates", "always")
    agent = {"CLAUDECODE": "1"}
    one = repo.commit("one\n", {"a.txt": "1\n"}, env=agent)
    two = repo.commit("two\n", {"b.txt": "2\n"}, env=agent)
    repo.git("commit", "-q", "--amend", "-m", "two, amended", env=agent)
    amended = repo.head()
    fixup = repo.commit("fixup! one\n", {"a.txt": "1\n1\n"}, env=agent)
    repo.git("rebase", "-q", "-i", "--autosquash", "HEAD~3",
             env={"GIT_SEQUENCE_EDITOR": "true", "GIT_EDITOR": "true"})  # fmt: skip
    moves = repo.git("reflog", "show", "--format=%gs", "refs/notes/signoff").splitlines()
    assert moves and not [m for m in moves if m.startswith("notes:")], moves
    records = _records(repo)
    squashed, rebased = repo.git("rev-list", "--reverse", "HEAD~2..HEAD").split()
    assert records[squashed] == [one, fixup]
    assert records[rebased] == [amended, two]
