from __future__ import annotations

import subprocess
from pathlib import Path

from signoff.git import Repo
from signoff.git.log import iter_commits, read_commit
from tests.gitrepo import GitRepo


def test_empty_repository_yields_nothing(repo: GitRepo) -> None:
    assert list(iter_commits(Repo.discover(repo.path))) == []


def test_trailers_are_parsed_by_git_with_repeats(repo: GitRepo) -> None:
    repo.commit(
        "Add parser\n\nBody text\n---\nnot a trailer: here\n\n"
        "Co-authored-by: A <a@x>\nCo-authored-by: B <b@x>\n",
        {"a.txt": "a\n"},
    )
    commit = read_commit(Repo.discover(repo.path), "HEAD")
    assert commit.trailer_values("co-authored-by") == ["A <a@x>", "B <b@x>"]
    assert commit.subject == "Add parser"


def test_numstat_with_rename_binary_and_merge(repo: GitRepo) -> None:
    repo.commit("root", {"a.txt": "one\ntwo\n", "blob.bin": b"\x00\x01\x02"})
    repo.git("checkout", "-q", "-b", "side")
    repo.git("mv", "a.txt", "b.txt")
    repo.commit("rename", {"b.txt": "one\ntwo\nthree\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main work", {"c.txt": "c\n"})
    repo.git("merge", "-q", "--no-ff", "side", "-m", "Merge side")
    commits = list(iter_commits(Repo.discover(repo.path), numstat=True))
    by_subject = {c.subject: c for c in commits}
    assert by_subject["Merge side"].is_merge
    rename = by_subject["rename"].files
    assert rename is not None and rename[0].old_path == "a.txt" and rename[0].path == "b.txt"
    root = {f.path: f for f in by_subject["root"].files or ()}
    assert root["blob.bin"].binary and root["a.txt"].added == 2


def test_non_utf8_message_is_decoded_not_fatal(repo: GitRepo) -> None:
    repo.commit(b"caf\xe9 latin-1 subject\n", {"a": "a\n"})
    commit = read_commit(Repo.discover(repo.path), "HEAD")
    assert commit.subject.startswith("caf")


def test_record_separator_inside_message_is_kept(repo: GitRepo) -> None:
    repo.commit("odd \x1e message\n", {"a": "a\n"})
    repo.commit("next", {"b": "b\n"})
    commits = list(iter_commits(Repo.discover(repo.path)))
    assert [c.subject for c in commits] == ["next", "odd \x1e message"]


def test_stopping_early_ends_the_git_process(repo: GitRepo) -> None:
    for i in range(30):
        repo.commit(f"c{i}\n", {f"f{i}": "x\n"})
    stream = iter_commits(Repo.discover(repo.path), numstat=True)
    first = next(stream)
    stream.close()
    assert first.subject == "c29"


def test_non_utf8_author_name_and_latin1_encoding_header(repo: GitRepo) -> None:
    repo.git("config", "i18n.commitEncoding", "ISO-8859-1")
    repo.commit(b"R\xe9sum\xe9 export\n", {"r.txt": "r\n"}, author=("Jos\xe9", "jose@example.com"))
    commit = read_commit(Repo.discover(repo.path), "HEAD")
    assert commit.subject == "Résumé export"  # git re-encodes to UTF-8 from the header
    assert commit.author.email == "jose@example.com"


def test_shallow_clone_reports_its_cut(repo: GitRepo, tmp_path: Path) -> None:
    for i in range(3):
        repo.commit(f"c{i}\n", {f"f{i}": "x\n"})
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone)], check=True
    )
    r = Repo.discover(clone)
    assert r.shallow_boundary() == [r.head()]
    assert [c.subject for c in iter_commits(r)] == ["c2"]


def test_bare_repository_is_read(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("one\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n", {"a": "a\n"})
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo.path), str(bare)], check=True)
    r = Repo.discover(bare)
    assert r.git_dir == bare.resolve() and r.head() == repo.head()
    assert [c.subject for c in iter_commits(r)] == ["one"]
