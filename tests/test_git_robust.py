"""No repository is refused: missing objects, partial and shallow clones, forged framing,
a read-only `.git`. Every shape is a real repository built here, every command really run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from signoff.git import Repo
from signoff.git.log import CountGaps, iter_commits
from signoff.store.index import update_index
from tests.gitrepo import GitRepo, run_signoff

GEMINI = ("gemini-code-assist[bot]", "176961590+gemini-code-assist[bot]@users.noreply.github.com")
COAUTHOR = f"Co-authored-by: {GEMINI[0]} <{GEMINI[1]}>"


def _history(repo: GitRepo, n: int = 6) -> list[str]:
    """A history of `n` commits, every other one AI-assisted, each adding lines to its file."""
    shas = []
    for i in range(n):
        body = "".join(f"line {j} of change {i}\n" for j in range(i + 3))
        trailer = f"\n\n{COAUTHOR}\n" if i % 2 else "\n"
        files = {f"src/f{i}.py": body, "src/all.py": f"all {i}\n" + body}
        shas.append(repo.commit(f"change {i}{trailer}", files))
    return shas


def _blob(repo: GitRepo, sha: str, path: str) -> str:
    return repo.git("rev-parse", f"{sha}:{path}").strip()


def _objects(repo: GitRepo) -> int:
    """How many objects the store holds (loose and packed): grows on any fetch."""
    out = repo.git("count-objects", "-v")
    fields = dict(line.split(": ") for line in out.splitlines())
    return int(fields["count"]) + int(fields["in-pack"])


def _ok(repo: GitRepo, *args: str) -> subprocess.CompletedProcess[str]:
    res = run_signoff(repo, *args)
    assert res.returncode == 0, (args, res.stdout, res.stderr)
    assert "Traceback" not in res.stderr, res.stderr
    return res


def _clone(src: GitRepo, dest: Path, *args: str) -> GitRepo:
    subprocess.run(
        ["git", "clone", "-q", *args, f"file://{src.path}", str(dest)],
        check=True,
        env=src.env,
        capture_output=True,
    )
    return GitRepo(dest, src.env)


# A blob missing from the store costs the counts of the commits whose diff reads it: the one
# that wrote that version of src/all.py and the next, which changed it. (A version still in the
# work tree is not missing to git: it reads the file there.)


@pytest.fixture
def loose_missing(repo: GitRepo) -> tuple[GitRepo, list[str]]:
    """A repository that lost the (loose) blob of src/all.py as the third commit wrote it."""
    shas = _history(repo)
    blob = _blob(repo, shas[2], "src/all.py")
    (repo.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    return repo, shas


@pytest.fixture
def packed_missing(repo: GitRepo) -> tuple[GitRepo, list[str]]:
    """A repository in one pack without the blob of src/all.py as the fourth commit wrote it."""
    shas = _history(repo)
    repo.git("repack", "-a", "-d", "-q")
    blob = _blob(repo, shas[3], "src/all.py")
    listing = repo.git("rev-list", "--objects", "--all").splitlines()
    keep = "".join(line.split()[0] + "\n" for line in listing if not line.startswith(blob))
    pack_dir = repo.path / ".git" / "objects" / "pack"
    old = list(pack_dir.iterdir())
    repo.git("pack-objects", "-q", str(pack_dir / "pack"), input=keep.encode())
    for path in old:
        path.unlink()
    assert not repo.path.joinpath(".git/objects", blob[:2], blob[2:]).exists()
    return repo, shas


@pytest.mark.parametrize("shape", ["loose_missing", "packed_missing"])
def test_missing_objects_cost_only_their_commits_counts(
    shape: str, request: pytest.FixtureRequest
) -> None:
    repo, shas = request.getfixturevalue(shape)
    broken = shas[2:4] if shape == "loose_missing" else shas[3:5]
    # git itself refuses this history
    assert (
        subprocess.run(
            ["git", "log", "--numstat"], cwd=repo.path, capture_output=True, env=repo.env
        ).returncode
        != 0
    )
    gaps = CountGaps()
    commits = list(iter_commits(Repo.discover(repo.path), numstat=True, gaps=gaps))
    assert [c.sha for c in commits] == shas[::-1]
    for commit in commits:
        assert commit.stats_missing == (commit.sha in broken)
        if commit.sha not in broken:
            assert commit.files and {f.path for f in commit.files} >= {"src/all.py"}
    assert gaps.commits == 2
    [reason] = gaps.reasons
    assert "objects missing" in reason

    index = json.loads(_ok(repo, "index", "--json").stdout)
    assert index["commits_without_line_counts"] == 2
    assert list(index["line_counts_missing_reasons"]) == [reason]
    stats = json.loads(_ok(repo, "stats", "--json").stdout)
    assert stats["commits"] == 6 and stats["commits_without_line_counts"] == 2
    assert stats["ai_commits"] == 3
    assert list(stats["line_counts_missing_reasons"]) == [reason]
    text = _ok(repo, "stats").stdout
    assert text.count("objects missing") == 1  # the reason is said once
    for args in (
        ["explain", broken[0], "--json"],
        ["explain", "--no-index", broken[1], "--json"],
        ["explain", "HEAD~5..HEAD", "--json"],
        ["explain", "--no-index", "HEAD~5..HEAD", "--json"],
        ["audit", "--since", "2025-12-01", "--until", "2026-01-02"],
    ):
        _ok(repo, *args)
    one = json.loads(_ok(repo, "explain", "--no-index", shas[1], "--json").stdout)
    assert one["commits"][0]["provenance"]["status"] == "ai"


def test_blame_of_a_file_whose_history_lost_a_blob_says_so(repo: GitRepo) -> None:
    text = ""
    for i in range(4):
        text += f"line {i}\n"
        repo.commit(f"grow {i}", {"grow.py": text, "other.py": f"{i}\n"})
    blob = _blob(repo, "HEAD~2", "grow.py")
    (repo.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    res = run_signoff(repo, "blame", "grow.py")
    assert res.returncode == 2, res
    assert "Traceback" not in res.stderr
    assert "grow.py" in res.stderr and "missing" in res.stderr
    _ok(repo, "blame", "other.py")  # other files still answer


def test_blame_follows_copies_only_where_the_objects_are_there(repo: GitRepo) -> None:
    """`-C` reads the other files a commit changed; one of those lost from the clone (a
    snapshot's large binary) no longer refuses this file: it is blamed without copy search,
    and the answer says so."""
    from signoff.git.blame import BlameRun

    repo.commit("one", {"a.py": "alpha one\nalpha two\n", "b.py": "beta one two three\n"})
    added = (
        "this is a considerably longer line of newly added code number one\n"
        "and another considerably longer line of newly added code number two\n"
    )
    repo.commit("two", {"a.py": "alpha one\nalpha two\n" + added, "b.py": "changed b\n"})
    blob = _blob(repo, "HEAD~1", "b.py")
    (repo.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    git = Repo.discover(repo.path)
    run = BlameRun(git, "a.py", rev="HEAD")
    lines, _ = run.result()
    assert len(lines) == 4
    assert run.degraded is not None and "copied from other files" in run.degraded
    assert "-C" not in run.args and "-M" in run.args
    res = _ok(repo, "blame", "a.py")
    assert "considerably longer" in res.stdout


@pytest.fixture
def blobless(repo: GitRepo, tmp_path: Path) -> tuple[GitRepo, GitRepo, list[str]]:
    shas = _history(repo, 8)
    shas.append(repo.commit("only a new file", {"src/new.py": "1\n2\n"}))
    repo.git("config", "uploadpack.allowFilter", "true")
    repo.git("config", "uploadpack.allowAnySHA1InWant", "true")
    clone = _clone(repo, tmp_path / "blobless", "--filter=blob:none")
    assert clone.git("config", "remote.origin.promisor").strip() == "true"
    return repo, clone, shas


def test_blobless_clone_answers_provenance_without_fetching(
    blobless: tuple[GitRepo, GitRepo, list[str]],
) -> None:
    source, clone, shas = blobless
    before = _objects(clone)
    assert Repo.discover(clone.path).promisor_remote() == "origin"
    index = json.loads(_ok(clone, "index", "--json").stdout)
    assert index["partial_clone_remote"] == "origin"
    # only the checkout's blobs are here: a commit is counted when all its blobs are
    assert index["commits_without_line_counts"] == 8
    [reason] = index["line_counts_missing_reasons"]
    assert "partial clone" in reason and "--fetch-missing" in reason
    stats = json.loads(_ok(clone, "stats", "--json").stdout)
    assert stats["ai_commits"] == 4 and stats["commits"] == 9
    assert stats["lines_added"] == 2  # the one commit whose contents are all here
    for args in (
        ["explain", shas[1], "--json"],
        ["explain", "--no-index", shas[1], "--json"],
        ["explain", "HEAD~8..HEAD"],
        ["explain", "--no-index", "HEAD~8..HEAD"],
        ["blame", "src/new.py"],
        ["audit", "--since", "2025-12-01", "--until", "2026-01-02"],
    ):
        _ok(clone, *args)
    assert _objects(clone) == before, "a command fetched objects from the promisor remote"

    # asked explicitly, the contents are fetched and every commit is counted
    index = json.loads(_ok(clone, "index", "--rebuild", "--fetch-missing", "--json").stdout)
    assert index["commits_without_line_counts"] == 0
    assert _objects(clone) > before
    # ...and the two line measures are the full repository's (the `-w` recount included)
    full = json.loads(_ok(source, "stats", "--json").stdout)
    stats = json.loads(_ok(clone, "stats", "--json").stdout)
    for key in ("lines_added", "ai_assisted_unrecorded_lines", "ai_attributed_lines"):
        assert stats[key] == full[key], key


def test_blobless_clone_never_fetches_even_without_its_remote(
    blobless: tuple[GitRepo, GitRepo, list[str]],
) -> None:
    source, clone, shas = blobless
    shutil.rmtree(source.path)  # any fetch attempt now fails loudly
    stats = json.loads(_ok(clone, "stats", "--json").stdout)
    assert stats["commits"] == 9
    res = _ok(clone, "explain", shas[3], "--json")
    assert json.loads(res.stdout)["commits"][0]["provenance"]["status"] == "ai"


def test_shallow_clone_says_where_history_ends(repo: GitRepo, tmp_path: Path) -> None:
    shas = _history(repo, 6)
    clone = _clone(repo, tmp_path / "shallow", "--depth=2")
    text = _ok(clone, "index").stdout
    assert "history ends at 1 commit" in text and "git fetch --deepen" in text
    stats = json.loads(_ok(clone, "stats", "--json").stdout)
    assert stats["commits"] == 2 and stats["shallow"] is True
    assert "--unshallow" in stats["shallow_advice"]
    for args in (["explain", shas[0]], ["explain", "--no-index", shas[0]]):
        res = _ok(clone, *args)
        assert "unknown (not in this clone)" in res.stdout
        assert "--deepen" in res.stdout + res.stderr
    doc = json.loads(_ok(clone, "explain", shas[0], "--json").stdout)
    assert doc["commits"] == [] and doc["target"]["kind"] == "absent"
    [answer] = doc["not_in_clone"]
    assert answer["commit"] == shas[0] and answer["status"] == "unknown"
    assert "not in this clone" in answer["reason"] and "--deepen" in answer["reason"]
    _ok(clone, "explain", "HEAD~1..HEAD")
    # a range from a commit behind the cut walks what the clone holds, and says so
    doc = json.loads(_ok(clone, "explain", f"{shas[0]}..HEAD", "--json").stdout)
    assert [c["commit"] for c in doc["commits"]] == shas[:3:-1]
    assert [a["commit"] for a in doc["not_in_clone"]] == [shas[0]]
    _ok(clone, "audit", "--since", "2025-12-01", "--until", "2026-01-02")
    _ok(clone, "blame", "src/f5.py")


@pytest.mark.parametrize(
    "forgery",
    [
        lambda real: b"\x1e" + real.encode() + b"\x00" * 3,
        lambda real: b"\x1e" + b"a" * 64,
        lambda real: b"\x1e" + real.encode(),
    ],
)
def test_a_message_cannot_forge_a_record_boundary(repo: GitRepo, forgery: object) -> None:
    first = repo.commit("base", {"a.py": "a\n"})
    assert callable(forgery)
    payload: bytes = forgery(first)
    message = b"change\n\nsee " + payload.replace(b"\x00", b"") + b" here\n\n" + COAUTHOR.encode()
    sha = repo.commit(message, {"b.py": "1\n2\n3\n"})
    r = Repo.discover(repo.path)
    commits = list(iter_commits(r, numstat=True))
    assert [c.sha for c in commits] == [sha, first]
    assert commits[0].files is not None
    assert [(f.path, f.added) for f in commits[0].files] == [("b.py", 3)]
    assert commits[0].message.startswith("change")
    stats = json.loads(_ok(repo, "stats", "--json").stdout)
    assert stats["commits"] == 2 and stats["lines_added"] == 4
    assert stats["ai_assisted_unrecorded_lines"] == 3  # a co-author trailer: no line record


def test_file_names_cannot_forge_a_count_boundary(repo: GitRepo) -> None:
    odd = "x\nsignoff-0123456789abcdef0123456789abcdef\n\tweird.py"
    sha = repo.commit("odd names", {odd: "1\n2\n", "plain.py": "1\n"})
    [commit] = iter_commits(Repo.discover(repo.path), numstat=True)
    assert commit.sha == sha and commit.files is not None
    assert sorted((f.path, f.added) for f in commit.files) == [("plain.py", 1), (odd, 2)]


def _read_only_runner() -> list[str]:
    """Run a command unable to write where its user cannot: root ignores file modes, so as
    root the capabilities that bypass them are dropped for the child."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a read-only .git cannot be made real")
    caps = "-dac_override,-dac_read_search,-fowner"
    return [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}"]


def _lock(repo: GitRepo) -> Iterator[GitRepo]:
    git_dir = repo.path / ".git"
    modes = {}
    for path in [git_dir, *git_dir.rglob("*")]:
        modes[path] = path.stat().st_mode
        os.chmod(path, path.stat().st_mode & ~0o222)
    yield repo
    for path, mode in modes.items():
        os.chmod(path, mode)


@pytest.fixture
def read_only(repo: GitRepo) -> Iterator[GitRepo]:
    _history(repo, 4)
    yield from _lock(repo)


@pytest.fixture
def read_only_indexed(repo: GitRepo) -> Iterator[GitRepo]:
    _history(repo, 4)
    _ok(repo, "index")
    yield from _lock(repo)


def _run_read_only(
    repo: GitRepo, *args: str, tmp: Path | None = None
) -> subprocess.CompletedProcess[str]:
    import sys

    probe = subprocess.run(
        [*_read_only_runner(), "touch", str(repo.path / ".git" / "probe")], capture_output=True
    )
    assert probe.returncode != 0, "the .git folder is writable: this test would prove nothing"
    res = subprocess.run(
        [*_read_only_runner(), sys.executable, "-m", "signoff", *args],
        cwd=repo.path,
        capture_output=True,
        text=True,
        env={**repo.env, **({"TMPDIR": str(tmp)} if tmp else {})},
    )
    assert res.returncode == 0, res
    assert "Traceback" not in res.stderr
    return res


@pytest.mark.parametrize(
    "args",
    [
        ["index"],
        ["stats"],
        ["stats", "--json"],
        ["explain", "HEAD"],
        ["explain", "HEAD~2..HEAD", "--json"],
        ["blame", "src/all.py"],
        ["audit", "--since", "2025-12-01", "--until", "2026-01-02"],
    ],
)
def test_read_only_git_dir_falls_back_to_a_temporary_index(
    read_only: GitRepo, args: list[str]
) -> None:
    scratch = read_only.path.parent / "tmp"
    scratch.mkdir()
    res = _run_read_only(read_only, *args, tmp=scratch)
    notes = [line for line in res.stderr.splitlines() if "cannot be written" in line]
    assert len(notes) == 1, res.stderr
    assert not (read_only.path / ".git" / "signoff").exists()
    assert list(scratch.iterdir()) == []  # the temporary index is gone with the run


def test_read_only_git_dir_with_an_index_uses_a_copy_of_it(read_only_indexed: GitRepo) -> None:
    index = read_only_indexed.path / ".git" / "signoff" / "index.sqlite"
    before = index.read_bytes()
    res = _run_read_only(read_only_indexed, "stats", "--json")
    assert json.loads(res.stdout)["commits"] == 4
    [note] = [line for line in res.stderr.splitlines() if "cannot be written" in line]
    assert "a copy of its index" in note
    assert index.read_bytes() == before


def test_index_build_reports_gaps_through_the_library(
    loose_missing: tuple[GitRepo, list[str]],
) -> None:
    repo, _ = loose_missing
    update = update_index(Repo.discover(repo.path))
    assert update.gaps.commits == 2
    again = update_index(Repo.discover(repo.path))  # warm: the stored reason is kept
    assert again.gaps.reasons == update.gaps.reasons


def test_many_missing_objects_switch_to_checking_each_commit_first(repo: GitRepo) -> None:
    """Past a few failures each commit's blobs are checked before git is asked to diff it:
    the answers are the same as failing commit by commit."""
    versions = []
    for i in range(50):
        if i % 2 == 0:
            repo.commit(f"f {i}", {"f.txt": f"version {i}\n" * 3})
            versions.append(_blob(repo, "HEAD", "f.txt"))
        else:
            repo.commit(f"g {i}", {f"g{i}.txt": f"g {i}\n"})
    # and one old commit lost its tree: git cannot even list what it changed
    tree = repo.git("rev-parse", "HEAD~44^{tree}").strip()
    assert repo.git("log", "-1", "--format=%s", "HEAD~44").strip() == "g 5"
    for oid in [*versions[:-1], tree]:
        (repo.path / ".git" / "objects" / oid[:2] / oid[2:]).unlink()
    gaps = CountGaps()
    commits = list(iter_commits(Repo.discover(repo.path), numstat=True, gaps=gaps))
    missing = {c.subject for c in commits if c.stats_missing}
    assert missing == {f"f {i}" for i in range(0, 50, 2)} | {"g 5"}
    counted = [c for c in commits if not c.stats_missing]
    assert all(c.files and c.files[0].added == 1 for c in counted)
    assert gaps.commits == 26 and len(gaps.reasons) == 1


def test_bare_repository_answers_for_head_and_its_history(repo: GitRepo, tmp_path: Path) -> None:
    shas = _history(repo, 3)
    bare = _clone(repo, tmp_path / "bare.git", "--bare")
    doc = json.loads(_ok(bare, "explain", "HEAD", "--json").stdout)
    assert doc["target"]["kind"] == "commit" and doc["commits"][0]["commit"] == shas[-1]
    assert json.loads(_ok(bare, "stats", "--json").stdout)["commits"] == 3


def test_a_long_walk_past_a_missing_blob_from_the_command_line(repo: GitRepo) -> None:
    """Hundreds of commits after the one git cannot diff: the count pass restarts past it
    while ids are still being written to the git that stopped (a broken pipe, not a death)."""
    script = []
    for i in range(1, 901):
        body = f"v{i}\n".encode()
        script.append(
            f"commit refs/heads/main\nmark :{i}\n"
            f"committer Dev <dev@example.com> {1_700_000_000 + i} +0000\n"
            f"data {len(f'c{i}')}\nc{i}\n" + (f"from :{i - 1}\n" if i > 1 else "")
        )
        script.append(f"M 100644 inline f.txt\ndata {len(body)}\n{body.decode()}\n")
    repo.git("fast-import", "--quiet", input="".join(script).encode())
    repo.git("reset", "-q", "--hard", "main")
    lost = repo.git("rev-parse", "main~3:f.txt").strip()
    repo.git("repack", "-a", "-d", "-q")
    listing = repo.git("rev-list", "--objects", "--all").splitlines()
    keep = "".join(line.split()[0] + "\n" for line in listing if not line.startswith(lost))
    pack_dir = repo.path / ".git" / "objects" / "pack"
    old = list(pack_dir.iterdir())
    repo.git("pack-objects", "-q", str(pack_dir / "pack"), input=keep.encode())
    for path in old:
        path.unlink()
    index = json.loads(_ok(repo, "index", "--json").stdout)
    assert index["added"] == 900 and index["commits_without_line_counts"] == 2
    stats = json.loads(_ok(repo, "stats", "--json").stdout)
    assert stats["lines_added"] == 898  # each commit but the two adds one line


def test_whitespace_counts_beside_a_walk_degrade_per_commit(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The `-w` recount of AI-assisted commits runs beside the walk: counts come back for every
    commit sent (also when more are sent than the window holds), a re-indent is not counted,
    and a commit whose blob is gone is left out while the others are counted."""
    from signoff.git import log as log_module
    from signoff.git.log import WhitespaceCounts

    monkeypatch.setattr(log_module, "_WINDOW", 2)
    body = "".join(f"    line {j}\n" for j in range(4))
    shas = [repo.commit("base", {"a.py": body})]
    shas.append(repo.commit("reindent", {"a.py": body.replace("    ", "  ") + "new\n"}))
    shas.append(repo.commit("lost", {"b.py": "b\n", "a.py": body + "x\n"}))
    # (b.py changes again: a version still in the work tree is not missing to git)
    shas.append(repo.commit("later", {"c.py": "c1\nc2\n", "b.py": "b2\n"}))
    shas.append(repo.commit("edit", {"c.py": "c1\nc3\nc4\n"}))
    lost = _blob(repo, shas[2], "b.py")
    (repo.path / ".git" / "objects" / lost[:2] / lost[2:]).unlink()
    counts = WhitespaceCounts(Repo.discover(repo.path))
    for sha in shas[1:]:
        counts.send(sha)
    # the commit that wrote the lost blob and the one that changed it next have no count
    assert counts.finish() == {shas[1]: 1, shas[4]: 2}
