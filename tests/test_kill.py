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


@pytest.mark.parametrize("nth", [1, 3, 6])
def test_a_killed_audit_out_never_leaves_a_partial_file(repo: GitRepo, nth: int) -> None:
    """Each file of the pack is replaced whole; a run killed between files leaves a pack whose
    manifest names what no longer matches, and the next run writes a pack that verifies."""
    repo.commit("base\n", {"app.py": "a = 1\n"}, date="2026-01-05T10:00:00")
    repo.commit("agent" + CLAUDE, {"app.py": "a = 2\n"}, date="2026-01-06T10:00:00")
    out = repo.path.parent / "pack"
    audit = ("audit", "--since", "2026-01-01", "--until", "2026-01-31", "--out", str(out))
    assert run_signoff(repo, *audit).returncode == 0
    assert verify_manifest(out) == []
    repo.commit("later" + CLAUDE, {"app.py": "a = 3\n"}, date="2026-01-07T10:00:00")
    killed(repo, "replace", nth, *audit)
    for problem in verify_manifest(out):
        assert problem.endswith("changed since the pack was written"), problem
    for name in ("population.json", "audit.json"):
        json.loads((out / name).read_text())  # whole files: the old one or the new one
    assert run_signoff(repo, *audit).returncode == 0
    assert verify_manifest(out) == []
