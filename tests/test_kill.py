"""SIGKILL at exact points of a write: the previous state stays whole, the next run answers as a
clean run would.

The command runs in a real process whose `os.fsync`, `os.replace`, `os.link` or git
process start (`subprocess` or `os.posix_spawnp`) is wrapped to send the process SIGKILL on its Nth call: the kill lands at that
point every time (a timer would mostly miss a write that takes a millisecond).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from signoff.audit.pack import verify_manifest
from tests.gitrepo import GitRepo, run_signoff

KILLER = """
import os, signal, subprocess, sys
point, nth = sys.argv[1], int(sys.argv[2])
calls = [0]
def wrap(real):
    def call(*args, **kwargs):
        calls[0] += 1
        if calls[0] == nth:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)
    return call
if point == "git":  # both ways Signoff starts git: Repo (subprocess), note writes (posix_spawnp)
    subprocess.Popen.__init__ = wrap(subprocess.Popen.__init__)
    os.posix_spawnp = wrap(os.posix_spawnp)
else:
    setattr(os, point, wrap(getattr(os, point)))
sys.argv = ["signoff", *sys.argv[3:]]
from signoff.cli.entry import run
run()
"""
CLAUDE = "\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n"


def killed(repo: GitRepo, point: str, nth: int, *args: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, point, str(nth), *args],
        cwd=repo.path,
        env=repo.env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == -signal.SIGKILL, (point, nth, proc.returncode, proc.stderr[-1500:])


def _incidents(repo: GitRepo) -> dict[str, str]:
    folder = repo.path / ".signoff" / "incidents"
    return {p.name: p.read_text() for p in folder.glob("*.yaml")} if folder.exists() else {}


OPEN = ("incident", "open", "Checkout down", "--id", "INC-0001", "--started", "2026-01-01T10:00")


@pytest.mark.parametrize(("point", "nth"), [("fsync", 1), ("link", 1)])
def test_a_killed_incident_open_leaves_no_record_or_a_whole_one(
    repo: GitRepo, point: str, nth: int
) -> None:
    repo.commit("base\n", {"app.py": "a = 1\n"})
    killed(repo, point, nth, *OPEN)
    assert _incidents(repo) == {}  # killed before the record was linked into place
    assert run_signoff(repo, *OPEN).returncode == 0
    listing = run_signoff(repo, "incident", "list", "--json")
    assert listing.returncode == 0 and json.loads(listing.stdout)["incidents"][0]["id"] == (
        "INC-0001"
    )


@pytest.mark.parametrize(("point", "nth"), [("fsync", 1), ("replace", 1)])
def test_a_killed_incident_update_leaves_the_previous_record(
    repo: GitRepo, point: str, nth: int
) -> None:
    repo.commit("base\n", {"app.py": "a = 1\n"})
    assert run_signoff(repo, *OPEN).returncode == 0
    before = _incidents(repo)
    update = ("incident", "update", "INC-0001", "--event", "rolled back")
    killed(repo, point, nth, *update)
    assert _incidents(repo) == before
    assert run_signoff(repo, *update).returncode == 0
    after = _incidents(repo)["INC-0001.yaml"]
    assert "rolled back" in after and after.startswith(before["INC-0001.yaml"][:40])


@pytest.mark.parametrize("nth", [4, 5, 6, 7])  # the 4th..7th git process: the write
def test_a_killed_note_write_keeps_the_notes_ref_whole(repo: GitRepo, nth: int) -> None:
    """Killed at each git process of the compare-and-swap write (read the ref, write the
    scratch note, read it, the `update-ref --stdin` transaction): the notes ref is the old one
    or the new one; a later write and every answer are those of a clean run (a scratch ref a
    kill leaves behind is no evidence and changes no answer)."""
    repo.commit("base\n", {"app.py": "a = 1\n"})
    head = repo.commit("agent" + CLAUDE, {"app.py": "a = 2\n"})
    add = ("notes", "add", "--ai", "claude-code/claude-opus-4-5", head)
    before = repo.git("for-each-ref", "refs/notes/signoff")
    killed(repo, "git", nth, *add)
    if repo.git("for-each-ref", "refs/notes/signoff") == before:
        assert run_signoff(repo, *add).returncode == 0  # killed before the swap: write again
    # either way: exactly one whole note, and the answer of a clean run
    note = repo.git("notes", "--ref=signoff", "show", head).strip().splitlines()
    assert len(note) == 1 and json.loads(note[0])["status"] == "ai"
    answer = json.loads(run_signoff(repo, "explain", head, "--json").stdout)
    prov = answer["commits"][0]["provenance"]
    assert prov["status"] == "ai" and prov["problems"] == []
    assert "claude-opus-4-5" in json.dumps(prov["tools"])
    # a scratch ref the kill left is removed by the next write
    other = repo.commit("more" + CLAUDE, {"app.py": "a = 3\n"})
    assert run_signoff(repo, "notes", "add", "--ai", "claude-code", other).returncode == 0
    assert repo.git("for-each-ref", SCRATCH) == ""


SCRATCH = "refs/notes/signoff-append/"


def test_the_next_note_write_removes_only_dead_writers_scratch_refs(repo: GitRepo) -> None:
    """Named by pid (Python `<pid>-<thread>-<attempt>`, sh `<pid>-<n>`): a dead process's go,
    a running process's stay however old they look (it may be mid-write)."""
    base = repo.commit("base\n", {"app.py": "a = 1\n"})
    head = repo.commit("agent" + CLAUDE, {"app.py": "a = 2\n"})
    done = subprocess.Popen(["true"])
    done.wait()
    live = subprocess.Popen(["sleep", "60"])
    try:
        names = {
            f"{SCRATCH}{done.pid}-1-0": False,
            f"{SCRATCH}{done.pid}-3": False,
            f"{SCRATCH}{live.pid}-2-1": True,
            f"{SCRATCH}{live.pid}-0": True,
        }
        for name in names:
            repo.git("update-ref", name, base)
        assert run_signoff(repo, "notes", "add", "--ai", "claude-code", head).returncode == 0
        left = set(repo.git("for-each-ref", "--format=%(refname)", SCRATCH).split())
        assert left == {name for name, kept in names.items() if kept}
    finally:
        live.kill()
        live.wait()
    other = repo.commit("more" + CLAUDE, {"app.py": "a = 3\n"})
    assert run_signoff(repo, "notes", "add", "--ai", "claude-code", other).returncode == 0
    assert repo.git("for-each-ref", SCRATCH) == ""  # its writer ended: gone at the next write


AUDIT = ("audit", "--since", "2026-01-01", "--until", "2026-01-31", "--out")
SAME = ("population.json", "population.csv", "metrics.json", "policy-snapshots.json")


def _pack(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize(
    ("point", "nth", "after"),
    [
        # (the process dies just before its Nth call of the function)
        ("fsync", 1, False),  # the first file of the new pack written, not yet synced
        ("fsync", 6, False),  # half of the new pack written
        ("rename", 1, False),  # the new pack complete, the previous one not yet moved aside
        ("rename", 2, False),  # the previous pack moved aside, the new one not yet in place
        ("fsync", 13, True),  # swapped in, the previous pack not yet removed
        ("rmdir", 1, True),  # the previous pack's files removed, its folder not
    ],
)
def test_a_killed_audit_out_leaves_the_previous_pack_whole(
    repo: GitRepo, tmp_path: Path, point: str, nth: int, after: bool
) -> None:
    """The new pack is written beside the folder and swapped in by renames: killed anywhere,
    the folder holds the previous pack or the new one, each whole and verifying (between the
    two renames the next run first puts the previous one back); the next run writes what a
    clean run writes, and nothing is left beside the folder but its lock file."""
    repo.commit("base\n", {"app.py": "a = 1\n"}, date="2026-01-05T10:00:00")
    repo.commit("agent" + CLAUDE, {"app.py": "a = 2\n"}, date="2026-01-06T10:00:00")
    out = tmp_path / "pack"
    assert run_signoff(repo, *AUDIT, str(out)).returncode == 0
    before = _pack(out)
    repo.commit("later" + CLAUDE, {"app.py": "a = 3\n"}, date="2026-01-07T10:00:00")
    killed(repo, point, nth, *AUDIT, str(out))
    if point == "rename" and nth == 2:
        assert not out.exists()  # the only moment: the previous pack sits beside it, whole
        assert verify_manifest(tmp_path / ".pack.signoff-old") == []
        assert _pack(tmp_path / ".pack.signoff-old") == before
    else:
        assert verify_manifest(out) == []
        now = _pack(out)
        assert (now == before) != after
        assert now["audit.json"] != before["audit.json"] or not after
    assert run_signoff(repo, *AUDIT, str(out)).returncode == 0
    assert verify_manifest(out) == []
    clean = tmp_path / "clean"
    assert run_signoff(repo, *AUDIT, str(clean)).returncode == 0
    again, fresh = _pack(out), _pack(clean)
    assert set(again) == set(fresh) and all(again[n] == fresh[n] for n in SAME)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".pack")) == [
        ".pack.signoff-lock"
    ]


@pytest.mark.parametrize(
    ("strays", "said"),
    [
        ({"notes.txt": "mine"}, "holds no evidence pack"),
        ({"manifest.json": "not json"}, "holds no evidence pack"),
        ({"sub/x.txt": "mine"}, "holds no evidence pack"),
    ],
)
def test_audit_out_refuses_a_folder_that_is_not_a_pack(
    repo: GitRepo, tmp_path: Path, strays: dict[str, str], said: str
) -> None:
    repo.commit("base\n", {"app.py": "a = 1\n"}, date="2026-01-05T10:00:00")
    out = tmp_path / "mine"
    for name, text in strays.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text)
    refused = run_signoff(repo, *AUDIT, str(out))
    assert refused.returncode == 2 and said in refused.stderr and "fix:" in refused.stderr
    assert "Traceback" not in refused.stderr
    for name, text in strays.items():
        assert (out / name).read_text() == text  # never deleted


def test_audit_out_refuses_a_pack_folder_with_files_it_does_not_name(
    repo: GitRepo, tmp_path: Path
) -> None:
    repo.commit("base\n", {"app.py": "a = 1\n"}, date="2026-01-05T10:00:00")
    out = tmp_path / "pack"
    assert run_signoff(repo, *AUDIT, str(out)).returncode == 0
    (out / "my-notes.md").write_text("keep me")
    (out / "extra").mkdir()
    before = _pack(out / "extra") | {"notes": (out / "my-notes.md").read_bytes()}
    refused = run_signoff(repo, *AUDIT, str(out))
    assert refused.returncode == 2, refused.stderr
    assert "does not name (extra, my-notes.md)" in refused.stderr and "fix:" in refused.stderr
    assert _pack(out / "extra") | {"notes": (out / "my-notes.md").read_bytes()} == before
    (out / "my-notes.md").unlink()
    (out / "extra").rmdir()
    assert run_signoff(repo, *AUDIT, str(out)).returncode == 0  # a pack alone is replaced
    assert verify_manifest(out) == []
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_signoff(repo, *AUDIT, str(empty)).returncode == 0  # an empty folder is used
    assert verify_manifest(empty) == []
