"""Paths git quotes or pads (spaces, tabs, quotes, backslashes, non-ASCII) in diffs and the gate."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from signoff.git import Repo
from signoff.git.diff import diff_added_lines, quote_path
from tests.gitrepo import GitRepo

CLAUDE = "\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n"
ODD = ["with space.py", "tab\there.py", 'quote"s.py', "back\\slash.py", "héllo wörld.py"]
BODY = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"


def test_quote_path_follows_git() -> None:
    assert quote_path(b"a/plain name.py") == b"a/plain name.py"
    assert quote_path(b'a/t\tq"b\\') == b'"a/t\\tq\\"b\\\\"'
    assert quote_path(b"a/\x01") == b'"a/\\001"'
    assert quote_path("a/é".encode()) == "a/é".encode()  # core.quotePath=false


def test_added_lines_keep_every_path_verbatim(repo: GitRepo) -> None:
    long = "".join(f"line {i}\n" for i in range(20))
    repo.commit("base\n", {"keep me.txt": long, "gone file.txt": "x\n"})
    base = repo.head()
    repo.git("mv", "keep me.txt", "renamed ünïcode.txt")
    repo.git("rm", "-q", "gone file.txt")
    repo.commit("odd\n", {**dict.fromkeys(ODD, BODY), "renamed ünïcode.txt": long + "added\n"})
    files = {f.path: f for f in diff_added_lines(Repo.discover(repo.path), [base, "HEAD"])}
    assert set(files) == {*ODD, "renamed ünïcode.txt", "gone file.txt"}
    assert all(files[p].added[5] == "    return subprocess.call(cmd, shell=True)" for p in ODD)
    renamed = files["renamed ünïcode.txt"]
    assert renamed.old_path == "keep me.txt" and renamed.added == {21: "added"}
    assert files["gone file.txt"].deleted and not files["gone file.txt"].added


def test_config_that_changes_diff_output_is_ignored(repo: GitRepo) -> None:
    repo.commit("base\n", {"a.txt": "a\n"})
    base = repo.head()
    repo.commit("two\n", {"dir/b c.txt": "b\n"})
    for key, value in [("diff.noprefix", "true"), ("diff.mnemonicPrefix", "true")]:
        repo.git("config", key, value)
    repo.git("config", "diff.relative", "true")
    files = diff_added_lines(Repo.discover(repo.path), [base, "HEAD"])
    assert [(f.path, f.added) for f in files] == [("dir/b c.txt", {1: "b"})]


def _check(repo: GitRepo, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "signoff", "check", "--json", *args],
        cwd=repo.path,
        capture_output=True,
        text=True,
        env={**repo.env, **env},
    )


@pytest.mark.parametrize("staged", [False, True])
def test_gate_scans_odd_paths(repo: GitRepo, staged: bool) -> None:
    repo.commit("base\n", {"README.md": "readme\n"})
    repo.git("checkout", "-q", "-b", "feature")
    for path in ODD:
        repo.write(path, BODY)
    repo.git("add", "-A")
    if staged:
        out = _check(repo, "--staged", "--scanner", "bandit", CLAUDECODE="1")
    else:
        repo.git("commit", "-q", "-m", "odd paths" + CLAUDE)
        out = _check(repo, "--base", "main", "--scanner", "bandit")
    assert out.returncode in (0, 1), out.stderr
    doc = json.loads(out.stdout)
    flagged = {f["path"] for f in doc["findings"] if f["rule"].startswith("scan.")}
    assert flagged == set(ODD), doc["findings"]
