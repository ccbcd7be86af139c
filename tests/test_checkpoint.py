"""`signoff checkpoint`: each agent's documented hook payload -> exact working-log records.

Real repositories, real `git hash-object -w`; the expected blob ids are computed by git from the
content the file had at each moment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from signoff.recording import agents, checkpoint, worklog
from signoff.recording.agent_install import hook_command
from tests import agent_payloads as payloads
from tests.gitrepo import GitRepo, run_signoff


@pytest.fixture
def work(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """A repository with a committed source file; no agent variables from this machine."""
    for signal in agents.SIGNALS:
        for name in (signal.session_var, signal.model_var):
            if name:
                monkeypatch.delenv(name, raising=False)
    repo.commit("base\n", {"src/app.py": "a = 1\nb = 2\n", "old.py": "gone soon\n"})
    return repo


def run(
    repo: GitRepo,
    agent: str | None,
    payload: Any,
    *,
    event: str | None = None,
    cwd: Path | None = None,
) -> None:
    argv = (["--agent", agent] if agent else []) + (["--event", event] if event else [])
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    assert checkpoint.main(argv, data, cwd=str(cwd or repo.path)) == 0


def git_dir(repo: GitRepo) -> str:
    return str(repo.path / ".git")


def records(repo: GitRepo, gitdir: str | None = None) -> list[dict[str, Any]]:
    found, problems = worklog.read(gitdir or git_dir(repo))
    assert problems == []
    out = []
    for r in found:
        r = dict(r)
        assert isinstance(r.pop("at"), float)
        out.append(r)
    return out


def errors(repo: GitRepo, gitdir: str | None = None) -> list[str]:
    return [str(e["error"]) for e in worklog.read_errors(gitdir or git_dir(repo))]


def blob(repo: GitRepo, content: str | bytes) -> str:
    data = content.encode() if isinstance(content, str) else content
    sha = subprocess.run(
        ["git", "hash-object", "--stdin"], input=data, capture_output=True, cwd=repo.path
    ).stdout.decode()
    return sha.strip()


def stored(repo: GitRepo, sha: str) -> bytes:
    return subprocess.run(
        ["git", "cat-file", "blob", sha], capture_output=True, cwd=repo.path, check=True
    ).stdout


def rec(event: str, path: str, sha: str | None, agent: str, **fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "v": 1,
        "event": event,
        "path": path,
        "blob": sha,
        "agent": agent,
        "session": None,
        "model": None,
        "tool_call": None,
        "commit": None,
        "source": "hook",
    }
    out.update(fields)
    return out


# -- each agent's documented payload ------------------------------------------------------------


def test_claude_code_edit_and_new_file(work: GitRepo) -> None:
    root = str(work.path)
    app = f"{root}/src/app.py"
    edit = {"file_path": app, "old_string": "b = 2", "new_string": "b = 3"}
    run(work, "claude-code", payloads.claude_code("pre", root, "Edit", edit))
    work.write("src/app.py", "a = 1\nb = 3\n")
    run(work, "claude-code", payloads.claude_code("post", root, "Edit", edit))
    write = {"file_path": f"{root}/src/new.py", "content": "print('hi')\n"}
    run(work, "claude-code", payloads.claude_code("pre", root, "Write", write))
    work.write("src/new.py", "print('hi')\n")
    run(work, "claude-code", payloads.claude_code("post", root, "Write", write))
    who = {"session": "8c35adc1-5f0e-4c55-a1c4-3f3e0c1b9d11", "tool_call": "toolu_01ABCDEF"}
    assert records(work) == [
        rec("pre", "src/app.py", blob(work, "a = 1\nb = 2\n"), "claude-code", **who),
        rec("post", "src/app.py", blob(work, "a = 1\nb = 3\n"), "claude-code", **who),
        rec("pre", "src/new.py", None, "claude-code", **who),
        rec("post", "src/new.py", blob(work, "print('hi')\n"), "claude-code", **who),
    ]
    # the content is in the object store, not only hashed
    assert stored(work, blob(work, "a = 1\nb = 3\n")) == b"a = 1\nb = 3\n"
    assert errors(work) == []


def test_model_and_session_from_the_agents_own_variables(
    work: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = str(work.path)
    monkeypatch.setenv("ANTHROPIC_MODEL", "claude-opus-4-1")
    monkeypatch.setenv("COPILOT_AGENT_SESSION_ID", "copilot-77")
    edit = {"file_path": f"{root}/src/app.py"}
    run(work, "claude-code", payloads.claude_code("pre", root, "Edit", edit))
    run(work, "copilot", payloads.copilot_cli(root, "edit", {"path": "src/app.py"}), event="pre")
    run(work, "cursor-agent", {"event": "pre", "paths": ["src/app.py"], "model": "given"})
    assert [(r["agent"], r["model"], r["session"]) for r in records(work)] == [
        ("claude-code", "claude-opus-4-1", "8c35adc1-5f0e-4c55-a1c4-3f3e0c1b9d11"),
        ("copilot", None, "copilot-77"),
        ("cursor", "given", None),
    ]


def test_claude_code_read_tool_records_nothing(work: GitRepo) -> None:
    root = str(work.path)
    run(work, "claude-code", payloads.claude_code("pre", root, "Read", {"file_path": "x"}))
    run(work, "claude-code", payloads.claude_code("pre", root, "Bash", {"command": "ls"}))
    assert records(work) == [] and errors(work) == []


PATCH = """*** Begin Patch
*** Update File: src/app.py
@@
 a = 1
-b = 2
+b = 5
*** Add File: src/added.py
+x = 1
*** Delete File: old.py
*** Update File: src/app2.py
*** Move to: src/moved.py
@@
-z
+zz
*** End Patch
"""


def test_codex_apply_patch_add_update_delete_move(work: GitRepo) -> None:
    root = str(work.path)
    work.commit("more\n", {"src/app2.py": "z\n"})
    run(work, "codex", payloads.codex("pre", root, PATCH))
    work.write("src/app.py", "a = 1\nb = 5\n")
    work.write("src/added.py", "x = 1\n")
    (work.path / "old.py").unlink()
    (work.path / "src/app2.py").unlink()
    work.write("src/moved.py", "zz\n")
    run(work, "codex", payloads.codex("post", root, PATCH))
    who = {
        "session": "019a3c2e-7b1d-7f00-9c1e-2b5a6d0e4f11",
        "model": "gpt-5-codex",
        "tool_call": "call_7Yh2",
    }
    assert records(work) == [
        rec("pre", "src/app.py", blob(work, "a = 1\nb = 2\n"), "codex", **who),
        rec("pre", "src/added.py", None, "codex", **who),
        rec("pre", "old.py", blob(work, "gone soon\n"), "codex", **who),
        rec("pre", "src/app2.py", blob(work, "z\n"), "codex", **who),
        rec("pre", "src/moved.py", None, "codex", **who),
        rec("post", "src/app.py", blob(work, "a = 1\nb = 5\n"), "codex", **who),
        rec("post", "src/added.py", blob(work, "x = 1\n"), "codex", **who),
        rec("post", "old.py", None, "codex", **who),
        rec("post", "src/app2.py", None, "codex", **who),
        rec("post", "src/moved.py", blob(work, "zz\n"), "codex", **who),
    ]


def test_codex_patch_through_the_shell(work: GitRepo) -> None:
    root = str(work.path)
    payload = payloads.codex("pre", root, "")
    payload["tool_name"] = "Bash"
    payload["tool_input"] = {"command": "apply_patch <<'EOF'\n" + PATCH + "EOF\n"}
    run(work, "codex", payload)
    payload["tool_input"] = {"command": "cargo test"}
    run(work, "codex", payload)
    assert [(r["event"], r["path"]) for r in records(work)] == [
        ("pre", "src/app.py"),
        ("pre", "src/added.py"),
        ("pre", "old.py"),
        ("pre", "src/app2.py"),
        ("pre", "src/moved.py"),
    ]
    assert errors(work) == []


def test_gemini_cli_replace(work: GitRepo) -> None:
    root = str(work.path)
    args = {"file_path": f"{root}/src/app.py", "old_string": "a = 1", "new_string": "a = 0"}
    run(work, "gemini-cli", payloads.gemini_cli("pre", root, "replace", args))
    work.write("src/app.py", "a = 0\nb = 2\n")
    run(work, "gemini-cli", payloads.gemini_cli("post", root, "replace", args))
    who = {"session": "c0ffee00-1234-4bcd-8e9f-001122334455"}
    assert records(work) == [
        rec("pre", "src/app.py", blob(work, "a = 1\nb = 2\n"), "gemini-cli", **who),
        rec("post", "src/app.py", blob(work, "a = 0\nb = 2\n"), "gemini-cli", **who),
    ]


CURSOR_PATCH = """*** Begin Patch
*** Update File: src/app.py
@@
-b = 2
+b = 8
*** End Patch
"""


def test_cursor_pre_and_post_tool_use(work: GitRepo) -> None:
    root = str(work.path)
    write = {"file_path": f"{root}/src/new.py", "contents": "n = 1\n"}
    run(work, "cursor", payloads.cursor_tool("pre", root, "Write", write))
    work.write("src/new.py", "n = 1\n")
    run(work, "cursor", payloads.cursor_tool("post", root, "Write", write))
    run(work, "cursor", payloads.cursor_tool("pre", root, "ApplyPatch", {"patch": CURSOR_PATCH}))
    work.write("src/app.py", "a = 1\nb = 8\n")
    run(work, "cursor", payloads.cursor_tool("post", root, "ApplyPatch", {"patch": CURSOR_PATCH}))
    run(work, "cursor", payloads.cursor_tool("pre", root, "Delete", {"path": "old.py"}))
    (work.path / "old.py").unlink()
    run(work, "cursor", payloads.cursor_tool("post", root, "Delete", {"path": "old.py"}))
    run(work, "cursor", payloads.cursor_tool("pre", root, "Read", {"path": "src/app.py"}))
    run(work, "cursor", payloads.cursor_tool("pre", root, "Shell", {"command": "ls"}))
    who = {"session": "conv-5d2f", "model": "gpt-5", "tool_call": "tool_9f"}
    assert records(work) == [
        rec("pre", "src/new.py", None, "cursor", **who),
        rec("post", "src/new.py", blob(work, "n = 1\n"), "cursor", **who),
        rec("pre", "src/app.py", blob(work, "a = 1\nb = 2\n"), "cursor", **who),
        rec("post", "src/app.py", blob(work, "a = 1\nb = 8\n"), "cursor", **who),
        rec("pre", "old.py", blob(work, "gone soon\n"), "cursor", **who),
        rec("post", "old.py", None, "cursor", **who),
    ]
    assert errors(work) == []


def test_cursor_after_file_edit_rebuilds_the_content_before(work: GitRepo) -> None:
    root = str(work.path)
    work.write("src/app.py", "one\nTWO\n3\n")  # the agent's edit, already on disk
    edits = [
        {"old_string": "two", "new_string": "TWO"},
        {"old_string": "three", "new_string": "3"},
    ]
    run(work, "cursor", payloads.cursor_after_file_edit(root, f"{root}/src/app.py", edits))
    who = {"session": "conv-5d2f", "model": "claude-4.5-sonnet", "tool_call": "gen-81aa"}
    before = blob(work, "one\ntwo\nthree\n")
    assert records(work) == [
        rec("pre", "src/app.py", before, "cursor", **who),
        rec("post", "src/app.py", blob(work, "one\nTWO\n3\n"), "cursor", **who),
    ]
    assert stored(work, before) == b"one\ntwo\nthree\n"


def test_cursor_ambiguous_edit_records_only_after(work: GitRepo) -> None:
    root = str(work.path)
    work.write("src/app.py", "x\nx\n")  # "x" is there twice: which one was "y" is not known
    edits = [{"old_string": "y", "new_string": "x"}]
    run(work, "cursor", payloads.cursor_after_file_edit(root, f"{root}/src/app.py", edits))
    who = {"session": "conv-5d2f", "model": "claude-4.5-sonnet", "tool_call": "gen-81aa"}
    after = rec("post", "src/app.py", blob(work, "x\nx\n"), "cursor", **who)
    after["evidence"] = blob(work, "x")  # the edit's new text: which changed lines are its own
    assert records(work) == [after]


def test_copilot_cli_tool_args_string_and_event_from_the_command(work: GitRepo) -> None:
    root = str(work.path)
    args = {"path": "src/app.py", "old_str": "a = 1", "new_str": "a = 9"}
    run(work, "copilot", payloads.copilot_cli(root, "edit", args), event="pre")
    work.write("src/app.py", "a = 9\nb = 2\n")
    run(work, "copilot", payloads.copilot_cli(root, "edit", args), event="post")
    run(work, "copilot", payloads.copilot_cli(root, "view", {"path": "src/app.py"}), event="pre")
    run(work, "copilot", payloads.copilot_cli(root, "bash", {"command": "ls"}), event="pre")
    assert records(work) == [
        rec("pre", "src/app.py", blob(work, "a = 1\nb = 2\n"), "copilot"),
        rec("post", "src/app.py", blob(work, "a = 9\nb = 2\n"), "copilot"),
    ]
    assert errors(work) == []


def test_copilot_cli_snake_case_shape(work: GitRepo) -> None:
    root = str(work.path)
    args = {"path": f"{root}/src/made.py", "file_text": "m = 1\n"}
    run(work, "copilot", payloads.copilot_cli_snake_case("pre", root, "create", args))
    work.write("src/made.py", "m = 1\n")
    run(work, "copilot", payloads.copilot_cli_snake_case("post", root, "create", args))
    who = {"session": "copilot-session-1"}
    assert records(work) == [
        rec("pre", "src/made.py", None, "copilot", **who),
        rec("post", "src/made.py", blob(work, "m = 1\n"), "copilot", **who),
    ]


def test_copilot_vscode_shape(work: GitRepo) -> None:
    root = str(work.path)
    args = {"filePath": f"{root}/src/app.py", "oldString": "b = 2", "newString": "b = 4"}
    run(work, "copilot", payloads.copilot_vscode("pre", root, "replace_string_in_file", args))
    who = {"session": "vscode-session-42", "tool_call": "tool-123"}
    assert records(work) == [
        rec("pre", "src/app.py", blob(work, "a = 1\nb = 2\n"), "copilot", **who)
    ]


def test_generic_protocol_any_agent_relative_to_cwd(work: GitRepo) -> None:
    payload = {
        "event": "post",
        "paths": ["app.py", "../docs/new.md"],
        "session": "s-1",
        "model": "some-model",
        "tool_call": "c-7",
    }
    run(work, "Aider", payload, cwd=work.path / "src")
    who = {"session": "s-1", "model": "some-model", "tool_call": "c-7", "source": "generic"}
    assert records(work) == [
        rec("post", "src/app.py", blob(work, "a = 1\nb = 2\n"), "aider", **who),
        rec("post", "docs/new.md", None, "aider", **who),
    ]


def test_binary_and_large_files_record_the_blob(work: GitRepo) -> None:
    data = bytes(range(256)) * 4096  # 1 MiB with NUL bytes
    work.write("bin/data.bin", data)
    run(work, "x", {"event": "post", "paths": ["bin/data.bin"]})
    [record] = records(work)
    assert record["blob"] == blob(work, data)
    assert stored(work, str(record["blob"])) == data


def test_worktree_keeps_its_own_log(work: GitRepo, tmp_path: Path) -> None:
    other = tmp_path / "wt"
    work.git("worktree", "add", "-q", str(other))
    (other / "src/app.py").write_text("a = 1\nb = 2\nc = 3\n")
    run(work, "x", {"event": "post", "paths": ["src/app.py"]}, cwd=other)
    wt_git = work.git("-C", str(other), "rev-parse", "--absolute-git-dir").strip()
    assert [r["blob"] for r in records(work, wt_git)] == [blob(work, "a = 1\nb = 2\nc = 3\n")]
    assert records(work) == []


# -- what must be refused, and never fail the agent ---------------------------------------------


@pytest.mark.parametrize(
    ("agent", "data", "event", "expected"),
    [
        ("claude-code", b"", None, "no hook payload"),
        ("claude-code", b"{not json", None, "not JSON"),
        ("claude-code", b"[1, 2]", None, "not an object"),
        ("claude-code", b'{"a": NaN}', None, "not JSON"),
        ("claude-code", b'{"tool_name": "Edit"} trailing', None, "not JSON"),
        ("aider", b'{"event": "sideways", "paths": []}', None, '"event" must be'),
        ("aider", b'{"event": "pre", "paths": "src/app.py"}', None, '"paths" must be a list'),
        (
            "claude-code",
            b'{"hook_event_name": "Notification", "tool_name": "Edit"}',
            None,
            "pass --event",
        ),
        ("copilot", b'{"toolName": "edit", "toolArgs": "{oops"}', "pre", "is not JSON"),
        ("claude-code", b"{}", "sideways", "--event must be pre or post"),
    ],
)
def test_garbage_is_logged_never_raised(
    work: GitRepo, agent: str, data: bytes, event: str | None, expected: str
) -> None:
    run(work, agent, data, event=event)
    assert records(work) == []
    [error] = errors(work)
    assert expected in error
    entry = worklog.read_errors(git_dir(work))[0]
    assert entry["agent"] == (agent if event != "sideways" else None)


def test_paths_outside_the_repository_are_refused(work: GitRepo, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("no\n")
    os.symlink(outside, work.path / "link")
    payload = {
        "event": "post",
        "paths": [
            str(outside / "secret.txt"),
            "../outside/secret.txt",
            "link/secret.txt",
            ".git/config",
            "src/app.py",
        ],
    }
    run(work, "x", payload)
    assert [r["path"] for r in records(work)] == ["src/app.py"]
    [error] = errors(work)
    assert error.count("outside the repository") == 3
    assert "inside the git directory" in error


def test_non_utf8_path_is_refused(work: GitRepo) -> None:
    name = os.fsdecode(b"caf\xe9.txt")
    (work.path / name).write_text("x\n")
    run(work, "x", {"event": "post", "paths": [name]})
    assert records(work) == []
    [error] = errors(work)
    assert "not valid UTF-8" in error and "caf\\xe9.txt" in error


def test_directory_is_refused(work: GitRepo) -> None:
    run(work, "x", {"event": "post", "paths": ["src"]})
    assert records(work) == []
    assert "not a regular file" in errors(work)[0]


def test_outside_any_repository_writes_nothing(tmp_path: Path) -> None:
    payload = json.dumps({"event": "post", "paths": ["f.txt"]}).encode()
    (tmp_path / "f.txt").write_text("x\n")
    assert checkpoint.main(["--agent", "x"], payload, cwd=str(tmp_path)) == 0
    assert checkpoint.main(["--agent", "x"], b"garbage", cwd=str(tmp_path)) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]


def test_patch_paths() -> None:
    assert checkpoint.patch_paths(PATCH) == [
        "src/app.py",
        "src/added.py",
        "old.py",
        "src/app2.py",
        "src/moved.py",
    ]
    assert checkpoint.patch_paths("no patch here") == []


# -- the real commands, as agents run them ------------------------------------------------------


def test_installed_hook_command_is_silent_and_exits_0(work: GitRepo) -> None:
    root = str(work.path)
    edit = {"file_path": f"{root}/src/app.py", "old_string": "a", "new_string": "b"}
    for data in (json.dumps(payloads.claude_code("pre", root, "Edit", edit)).encode(), b"junk"):
        proc = subprocess.run(
            ["sh", "-c", hook_command("claude-code", "pre")],
            input=data,
            capture_output=True,
            cwd=work.path,
            env=work.env,
        )
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"", b"")
    assert [r["event"] for r in records(work)] == ["pre"]
    assert len(errors(work)) == 1


def test_missing_interpreter_does_nothing_successfully(work: GitRepo) -> None:
    command = hook_command("claude-code", "pre", python="/nonexistent/python3")
    proc = subprocess.run(["sh", "-c", command], input=b"{}", capture_output=True, cwd=work.path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"", b"")


def test_console_script_fast_path(work: GitRepo) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "signoff", "checkpoint", "--agent", "my-agent"],
        input=json.dumps({"event": "pre", "paths": ["src/app.py"]}),
        capture_output=True,
        text=True,
        cwd=work.path,
        env=work.env,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    bad = run_signoff(work, "checkpoint", "--agent", "my-agent", "--bogus")
    assert (bad.returncode, bad.stdout, bad.stderr) == (0, "", "")
    assert [r["agent"] for r in records(work)] == ["my-agent"]
    assert "unknown argument '--bogus'" in errors(work)[0]
    helped = run_signoff(work, "checkpoint", "--help")
    assert helped.returncode == 0 and "--agent" in helped.stdout


def test_concurrent_hooks_lose_no_record(work: GitRepo) -> None:
    """Agents launch matching hooks concurrently (Codex does): every record arrives whole."""
    command = hook_command("aider", "post")
    procs = []
    for i in range(8):
        work.write(f"src/f{i}.py", f"x = {i}\n")
        data = json.dumps({"event": "post", "paths": [f"src/f{i}.py"], "tool_call": str(i)})
        proc = subprocess.Popen(
            ["sh", "-c", command],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=work.path,
            env=work.env,
        )
        procs.append((proc, data.encode()))
    for proc, data in procs:
        out, err = proc.communicate(data)
        assert (proc.returncode, out, err) == (0, b"", b"")
    got = {r["tool_call"]: r["blob"] for r in records(work)}
    assert got == {str(i): blob(work, f"x = {i}\n") for i in range(8)}


def test_errors_go_to_the_repository_named_by_repo(work: GitRepo, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    argv = ["--agent", "x", "--repo", str(work.path)]
    assert checkpoint.main(argv, b"{broken", cwd=str(elsewhere)) == 0
    assert "not JSON" in errors(work)[0]
    assert sorted(p.name for p in elsewhere.iterdir()) == []


def test_git_failing_is_kept_as_an_error(work: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_OBJECT_DIRECTORY", str(work.path / "no" / "such" / "objects"))
    run(work, "x", {"event": "post", "paths": ["src/app.py"]})
    monkeypatch.delenv("GIT_OBJECT_DIRECTORY")
    assert records(work) == []
    assert "git hash-object failed" in errors(work)[0]
