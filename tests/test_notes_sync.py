"""Sharing notes: union of two people's records, concurrent pushes to one remote, a plain fetch
that never overwrites, a sync merge racing a commit, and a server that refuses notes pushes."""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path

import pytest

from signoff.git.notes import read_notes
from signoff.git.repo import Repo
from signoff.provenance.notes import build_note
from signoff.recording.hooks import append_note
from signoff.recording.install import install
from signoff.recording.sync import SyncError, sync_notes
from tests.carrying import CODEX, lines, ranges, record
from tests.gitrepo import GitRepo, run_signoff

ROUNDS = 12


@pytest.fixture
def clones(repo: GitRepo, tmp_path: Path) -> tuple[GitRepo, GitRepo, Path]:
    """Two clones of one bare remote, both set up by `signoff init`."""
    origin = tmp_path / "origin.git"
    repo.git("init", "-q", "--bare", "-b", "main", str(origin))
    repo.commit("base\n", {"f.txt": lines(6, "base")})
    repo.git("remote", "add", "origin", str(origin))
    repo.git("push", "-q", "origin", "main")
    other = GitRepo(tmp_path / "other", dict(repo.env))
    subprocess.run(["git", "clone", "-q", str(origin), str(other.path)], check=True, env=repo.env)
    for clone in (repo, other):
        install(Repo(clone.path))
    return repo, other, origin


def documents(where: Path) -> dict[str, list[str]]:
    """commit -> the `commit` field of every document in its notes (local and fetched)."""
    out: dict[str, list[str]] = {}
    for sha, blobs in read_notes(Repo(where), "signoff").items():
        for blob in blobs:
            for line in blob.decode().splitlines():
                if line.strip():
                    out.setdefault(sha, []).append(json.loads(line)["tag"])
    return out


def tagged(sha: str, tag: str) -> bytes:
    """A minimal document, tagged so the test can count it wherever it ends up."""
    doc = json.loads(build_note(status="ai", tools=[], accepted_by=None, recorded_by="cli",
                                commit=sha))  # fmt: skip
    doc["tag"] = tag
    return (json.dumps(doc, separators=(",", ":")) + "\n").encode()


def local_tip(clone: GitRepo) -> str:
    return clone.git("rev-parse", "refs/notes/signoff").strip()


def test_two_records_of_one_commit_both_stay_and_merge_by_range(
    clones: tuple[GitRepo, GitRepo, Path],
) -> None:
    a, b, origin = clones
    shared = a.head()
    record(a, shared, {"f.txt": [(1, 2, "ai")]})
    record(b, shared, {"f.txt": [(4, 5, "ai")]}, tools=(CODEX,))
    for clone in (a, b, a):
        sync_notes(None, cwd=str(clone.path), env=clone.env)
    want = {"f.txt": [(1, 2, "ai", "claude-code"), (4, 5, "ai", "codex")]}
    for clone in (a, b):
        clone.git("fetch", "-q", "origin")
        assert ranges(clone, shared) == want
    # both documents sit in the one note on the remote, one line each
    [blob] = read_notes(Repo(origin), "signoff")[shared]
    assert len(blob.decode().splitlines()) == 2


def test_a_plain_fetch_never_overwrites_local_records(
    clones: tuple[GitRepo, GitRepo, Path],
) -> None:
    a, b, _ = clones
    shared = a.head()
    mine = b.commit("b's own\n", {"b.txt": lines(3, "b")})
    record(b, mine, {"b.txt": [(1, 3, "ai")]})
    record(b, shared, {"f.txt": [(6, 6, "human")]})
    record(a, shared, {"f.txt": [(1, 3, "ai")]})
    sync_notes(None, cwd=str(a.path), env=a.env)  # the remote now has a's record
    before = local_tip(b)
    b.git("fetch", "-q", "origin")
    b.git("fetch", "-q", "--all", "--prune")
    b.git("pull", "-q", "--rebase", "origin", "main")
    assert local_tip(b) == before  # fetches wrote beside the local ref, never on it
    assert ranges(b, shared) == {"f.txt": [(1, 3, "ai", "claude-code"), (6, 6, "human", None)]}
    assert ranges(b, "HEAD") == {"b.txt": [(1, 3, "ai", "claude-code")]}


def test_concurrent_syncs_to_one_remote_lose_no_record(
    clones: tuple[GitRepo, GitRepo, Path],
) -> None:
    a, b, origin = clones
    written: list[str] = []
    errors: list[BaseException] = []

    def work(clone: GitRepo, name: str, gate: threading.Barrier) -> None:
        try:
            for n in range(ROUNDS):
                sha = clone.commit(f"{name} {n}\n", {f"{name}.txt": f"{n}\n"})
                append_note(sha, tagged(sha, f"{name}-{n}"), str(clone.path), clone.env)
                written.append(f"{name}-{n}")
                gate.wait(timeout=60)  # both clones push at the same moment, every round
                sync_notes(None, cwd=str(clone.path), env=clone.env, prompt=False)
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)
            gate.abort()

    gate = threading.Barrier(2)
    threads = [threading.Thread(target=work, args=(c, n, gate)) for c, n in ((a, "a"), (b, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not errors, errors
    for clone in (a, b):  # whoever pushed last, one more round brings everybody level
        sync_notes(None, cwd=str(clone.path), env=clone.env)
    on_remote = {tag for tags in documents(origin).values() for tag in tags}
    assert on_remote == set(written) and len(written) == 2 * ROUNDS
    for clone in (a, b):
        assert {t for tags in documents(clone.path).values() for t in tags} == set(written)


def _bulk_notes(clone: GitRepo, shas: list[str], tag: str) -> None:
    """One notes commit that sets a note on each of `shas` (fast-import: thousands at once)."""
    ref = "refs/notes/signoff"
    has = clone.git("for-each-ref", ref).strip()
    head = f"commit {ref}\ncommitter T <t@example.com> 0 +0000\ndata 5\nbulk\n"
    parts = [head + (f"from {ref}^0\n" if has else "")]
    for sha in shas:
        doc = tagged(sha, f"{tag}-{sha}")
        parts.append(f"N inline {sha}\ndata {len(doc)}\n{doc.decode()}")
    clone.git("fast-import", "--quiet", input="".join(parts).encode())


def test_a_commit_during_a_sync_merge_keeps_its_note(
    clones: tuple[GitRepo, GitRepo, Path],
) -> None:
    """`git notes merge` alone moves the ref unchecked: a note written meanwhile was lost."""
    a, b, _ = clones
    # thousands of commits whose notes both sides then change: the merge takes a while
    stream = "".join(
        f"commit refs/heads/many\ncommitter T <t@example.com> {n} +0000\ndata 2\nc\n"
        for n in range(3000)
    )
    b.git("fast-import", "--quiet", input=stream.encode())
    many = b.git("rev-list", "refs/heads/many").split()
    b.git("push", "-q", "--no-verify", "origin", "many")
    a.git("fetch", "-q", "origin", "many:many")
    _bulk_notes(b, many, "first")
    sync_notes(None, cwd=str(b.path), env=b.env)
    sync_notes(None, cwd=str(a.path), env=a.env)
    _bulk_notes(b, many, "theirs")
    sync_notes(None, cwd=str(b.path), env=b.env)
    _bulk_notes(a, many, "ours")
    syncing = threading.Event()
    local: list[str] = []
    errors: list[BaseException] = []

    def writer() -> None:  # commits land while the merge runs
        try:
            syncing.wait(timeout=60)
            for n in range(5):
                sha = a.commit(f"a {n}\n", {"a.txt": f"{n}\n"})
                append_note(sha, tagged(sha, f"a-{n}"), str(a.path), a.env)
                local.append(f"a-{n}")
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    syncing.set()
    result = sync_notes(None, cwd=str(a.path), env=a.env)
    thread.join(timeout=120)
    assert not errors, errors
    assert result["merged"] == "merged (cat_sort_uniq)" and result["pushed"] is True
    tags = {t for tags in documents(a.path).values() for t in tags}
    assert set(local) <= tags and len(local) == 5
    first = many[0]
    assert {f"theirs-{first}", f"ours-{first}"} <= tags


def test_a_server_that_refuses_notes_pushes(clones: tuple[GitRepo, GitRepo, Path]) -> None:
    a, _, origin = clones
    hook = origin / "hooks" / "pre-receive"
    hook.write_text(
        "#!/bin/sh\n"
        "while read old new ref; do\n"
        '  case "$ref" in refs/notes/*) echo "notes are not allowed here" >&2; exit 1;; esac\n'
        "done\n"
    )
    hook.chmod(0o755)
    sha = a.commit("agent work\n", {"a.txt": "a\n"}, env={"CLAUDECODE": "1"})
    before = local_tip(a)
    proc = subprocess.run(
        ["git", "push", "origin", "main"], cwd=a.path, env=a.env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    # the branch landed; the user is told why the notes did not; nothing local is lost
    assert subprocess.run(["git", "rev-parse", "main"], cwd=origin, capture_output=True,
                          text=True).stdout.strip() == sha  # fmt: skip
    assert "signoff: warning: notes not pushed to origin" in proc.stderr
    assert "refused refs/notes/signoff (pre-receive hook declined)" in proc.stderr
    assert "signoff.pushNotes false" in proc.stderr
    assert local_tip(a) == before and sha in read_notes(Repo(a.path), "signoff")
    assert (
        "refs/notes/signoff"
        not in subprocess.run(
            ["git", "for-each-ref"], cwd=origin, capture_output=True, text=True
        ).stdout
    )
    # by hand: a clear error, exit 2
    cli = run_signoff(a, "notes", "sync")
    assert cli.returncode == 2
    assert "refused refs/notes/signoff" in cli.stderr + cli.stdout
    with pytest.raises(SyncError, match="kept locally"):
        sync_notes("origin", cwd=str(a.path), env=a.env)
    assert local_tip(a) == before
