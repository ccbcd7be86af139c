"""Edits made through agents' shell tools: each agent's documented shell payload through
`signoff checkpoint`, then a real commit through the hooks, with the exact line ranges."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from signoff.recording import agents, checkpoint, shell, worklog
from tests import agent_payloads as payloads
from tests.gitrepo import GitRepo
from tests.test_attribute import commit, gitdir, hooked, line_doc, spans

__all__ = ["hooked"]  # the fixture, imported for pytest

CLAUDE = "claude-code/None/8c35adc1-5f0e-4c55-a1c4-3f3e0c1b9d11"


@pytest.fixture(autouse=True)
def _no_agent_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for signal in agents.SIGNALS:
        for name in (signal.session_var, signal.model_var):
            if name:
                monkeypatch.delenv(name, raising=False)


def hook(repo: GitRepo, agent: str, payload: dict[str, Any], event: str | None = None) -> None:
    argv = ["--agent", agent] + (["--event", event] if event else [])
    assert checkpoint.main(argv, json.dumps(payload).encode(), cwd=str(repo.path)) == 0


def bash(repo: GitRepo, event: str, command: str = "sed -i s/b/B/ f.py") -> None:
    hook(
        repo,
        "claude-code",
        payloads.claude_code(event, str(repo.path), "Bash", {"command": command}),
    )


def shell_records(repo: GitRepo) -> list[tuple[str, str, str | None, str]]:
    found, problems = worklog.read(gitdir(repo))
    assert problems == []
    return [(str(r["event"]), str(r["path"]), r["blob"], str(r["source"])) for r in found]  # type: ignore[misc]


def blob(repo: GitRepo, text: str) -> str:
    path = repo.path / ".blob-tmp"
    path.write_text(text)
    try:
        return repo.git("hash-object", "--no-filters", str(path)).strip()
    finally:
        path.unlink()


def errors(repo: GitRepo) -> list[str]:
    return [str(e["error"]) for e in worklog.read_errors(gitdir(repo))]


def test_claude_code_bash_records_pre_and_post_of_each_changed_file(hooked: GitRepo) -> None:
    hooked.commit("f\n", {"f.py": "a\nb\n", "g.py": "g\n"})
    hooked.write("g.py", "g\nhuman before the command\n")  # dirty, untouched by the command
    bash(hooked, "pre")
    hooked.write("f.py", "a\nB\n")
    hooked.write("new.txt", "generated\n")
    bash(hooked, "post")
    assert shell_records(hooked) == [
        ("pre", "f.py", blob(hooked, "a\nb\n"), "shell"),
        ("post", "f.py", blob(hooked, "a\nB\n"), "shell"),
        ("pre", "new.txt", None, "shell"),
        ("post", "new.txt", blob(hooked, "generated\n"), "shell"),
    ]
    assert errors(hooked) == []
    hooked.write("f.py", "a\nB\nhuman after\n")
    commit(hooked, "x")
    doc = line_doc(hooked)
    assert spans(doc, "f.py") == [(2, 2, "ai", CLAUDE), (3, 3, "human", None)]
    assert spans(doc, "new.txt") == [(1, 1, "ai", CLAUDE)]
    assert "g.py" not in doc["files"]  # no checkpoint of g.py: commit-level provenance only


def test_a_human_edit_before_the_command_stays_human(hooked: GitRepo) -> None:
    hooked.commit("f\n", {"f.py": "a\nb\n"})
    root = str(hooked.path)
    edit = {"file_path": f"{root}/f.py", "old_string": "a", "new_string": "a2"}
    hook(hooked, "claude-code", payloads.claude_code("pre", root, "Edit", edit))
    hooked.write("f.py", "a2\nb\n")
    hook(hooked, "claude-code", payloads.claude_code("post", root, "Edit", edit))
    hooked.write("f.py", "a2\nb\nhuman\n")  # the human, between the agent's two tool calls
    bash(hooked, "pre")
    hooked.write("f.py", "a2\nB\nhuman\n")
    bash(hooked, "post")
    commit(hooked, "x")
    assert spans(line_doc(hooked), "f.py") == [
        (1, 2, "ai", CLAUDE),
        (3, 3, "human", None),
    ]


def test_a_long_command_leaves_its_changes_unknown(hooked: GitRepo) -> None:
    hooked.commit("f\n", {"f.py": "a\nb\n"})
    bash(hooked, "pre")
    pending = next((Path(gitdir(hooked)) / "signoff/capture/shell").glob("pending-*.json"))
    doc = json.loads(pending.read_text())
    doc["at"] -= shell.SHELL_WINDOW + 5  # the command started long ago
    pending.write_text(json.dumps(doc))
    hooked.write("f.py", "a\nB\n")
    bash(hooked, "post")
    commit(hooked, "x")
    doc = line_doc(hooked)
    assert spans(doc, "f.py") == [(2, 2, "unknown", None)]
    assert any("shell command" in s for s in doc["line_record"]["approximations"])


def test_another_edit_inside_the_commands_window_makes_it_unknown(hooked: GitRepo) -> None:
    hooked.commit("f\n", {"f.py": "a\nb\nc\n"})
    root = str(hooked.path)
    bash(hooked, "pre", "long-running-codegen")
    # a second agent edits f.py while the command runs (its own pre and post, both inside)
    other = ("gemini-cli", "write_file", {"file_path": f"{root}/f.py", "content": "..."})
    hook(hooked, other[0], payloads.gemini_cli("pre", root, other[1], other[2]))
    hooked.write("f.py", "A\nb\nc\n")
    hook(hooked, other[0], payloads.gemini_cli("post", root, other[1], other[2]))
    hooked.write("f.py", "A\nb\nC\n")  # the command (or a human: nobody can tell)
    bash(hooked, "post", "long-running-codegen")
    commit(hooked, "x")
    gemini = "gemini-cli/None/c0ffee00-1234-4bcd-8e9f-001122334455"
    assert spans(line_doc(hooked), "f.py") == [(1, 1, "ai", gemini), (3, 3, "unknown", None)]


def test_a_post_without_its_pre_snapshot_is_unknown_and_reported(hooked: GitRepo) -> None:
    hooked.commit("f\n", {"f.py": "a\nb\n"})
    bash(hooked, "pre", "true")
    bash(hooked, "post", "true")  # a first command: the state is known now
    hooked.write("f.py", "a\nB\n")
    bash(hooked, "post")  # its pre hook never ran
    commit(hooked, "x")
    assert spans(line_doc(hooked), "f.py") == [(2, 2, "unknown", None)]
    assert any("without its own before-snapshot" in e for e in errors(hooked))


def test_a_command_that_changes_nothing_records_nothing(hooked: GitRepo) -> None:
    hooked.write("README", "hello\ndirty\n")
    bash(hooked, "pre", "ls")
    bash(hooked, "post", "ls")
    assert shell_records(hooked) == []
    assert list((Path(gitdir(hooked)) / "signoff/capture/shell").glob("pending-*")) == []


def test_a_command_that_deletes_and_restores(hooked: GitRepo) -> None:
    hooked.commit("f\n", {"f.py": "a\nb\n", "gone.py": "x\n"})
    hooked.write("f.py", "a\nb\nhuman\n")
    bash(hooked, "pre", "git checkout f.py && rm gone.py")
    hooked.write("f.py", "a\nb\n")
    (hooked.path / "gone.py").unlink()
    bash(hooked, "post", "git checkout f.py && rm gone.py")
    assert shell_records(hooked) == [
        ("pre", "f.py", blob(hooked, "a\nb\nhuman\n"), "shell"),
        ("post", "f.py", blob(hooked, "a\nb\n"), "shell"),
        ("pre", "gone.py", blob(hooked, "x\n"), "shell"),
        ("post", "gone.py", None, "shell"),
    ]


def test_a_commit_inside_the_command_reads_the_old_head(hooked: GitRepo) -> None:
    hooked.commit("f\n", {"f.py": "a\n", "h.py": "h\n"})
    bash(hooked, "pre", "sed ... && git commit -am wip")
    hooked.write("h.py", "h\nchanged\n")
    hooked.git("commit", "-q", "--no-verify", "--allow-empty", "-m", "moved HEAD")
    bash(hooked, "post", "sed ... && git commit -am wip")
    assert shell_records(hooked) == [
        ("pre", "h.py", blob(hooked, "h\n"), "shell"),
        ("post", "h.py", blob(hooked, "h\nchanged\n"), "shell"),
    ]


@pytest.mark.parametrize(
    ("agent", "make", "event"),
    [
        (
            "gemini-cli",
            lambda root, e: payloads.gemini_cli(e, root, "run_shell_command", {"command": "x"}),
            None,
        ),
        ("codex", lambda root, e: payloads.codex_shell(e, root, "sed -i s/b/B/ f.py"), None),
        ("cursor", lambda root, e: payloads.cursor_tool(e, root, "Shell", {"command": "x"}), None),
        ("cursor", lambda root, e: payloads.cursor_shell_execution(e, root, "x"), None),
        ("copilot", lambda root, e: payloads.copilot_cli(root, "bash", {"command": "x"}), "pre"),
        (
            "copilot",
            lambda root, e: payloads.copilot_vscode(e, root, "run_in_terminal", {"command": "x"}),
            None,
        ),
    ],
)
def test_each_agents_shell_payload(hooked: GitRepo, agent: str, make: Any, event: Any) -> None:
    hooked.commit("f\n", {"f.py": "a\nb\n"})
    root = str(hooked.path)
    hook(hooked, agent, make(root, "pre"), event and "pre")
    hooked.write("f.py", "a\nB\n")
    hook(hooked, agent, make(root, "post"), event and "post")
    assert errors(hooked) == []
    assert shell_records(hooked) == [
        ("pre", "f.py", blob(hooked, "a\nb\n"), "shell"),
        ("post", "f.py", blob(hooked, "a\nB\n"), "shell"),
    ]
    found, _ = worklog.read(gitdir(hooked))
    assert {r["agent"] for r in found} == {agent}


def test_generic_protocol_shell(hooked: GitRepo) -> None:
    hooked.commit("f\n", {"f.py": "a\n"})
    hook(hooked, "my-agent", {"event": "pre", "shell": True, "session": "s"})
    hooked.write("f.py", "a\nb\n")
    hook(hooked, "my-agent", {"event": "post", "shell": True, "session": "s"})
    commit(hooked, "x")
    assert spans(line_doc(hooked), "f.py") == [(2, 2, "ai", "my-agent/None/s")]


def gemini_shell(repo: GitRepo, event: str) -> None:
    root = str(repo.path)
    hook(
        repo, "gemini-cli", payloads.gemini_cli(event, root, "run_shell_command", {"command": "x"})
    )


GEMINI = "gemini-cli/None/c0ffee00-1234-4bcd-8e9f-001122334455"


def test_two_calls_of_one_session_at_once_are_unknown(hooked: GitRepo) -> None:
    """Gemini CLI sends no tool call id: two commands of one session overlap under one key."""
    hooked.commit("f\n", {"f.py": "a\n"})
    gemini_shell(hooked, "pre")
    gemini_shell(hooked, "pre")  # a second command starts before the first ended
    hooked.write("f.py", "a\nb\n")
    gemini_shell(hooked, "post")
    gemini_shell(hooked, "post")  # its snapshot was taken by the first post
    commit(hooked, "x")
    assert spans(line_doc(hooked), "f.py") == [(2, 2, "unknown", None)]
    assert any("overlapping calls" in e for e in errors(hooked))


def test_a_declined_commands_snapshot_is_replaced_after_the_window(hooked: GitRepo) -> None:
    hooked.commit("f\n", {"f.py": "a\n"})
    gemini_shell(hooked, "pre")  # the user declined: no post ever comes
    pending = next((Path(gitdir(hooked)) / "signoff/capture/shell").glob("pending-*.json"))
    doc = json.loads(pending.read_text())
    doc["at"] -= shell.SHELL_WINDOW + 1
    pending.write_text(json.dumps(doc))
    gemini_shell(hooked, "pre")  # the next command
    hooked.write("f.py", "a\nb\n")
    gemini_shell(hooked, "post")
    commit(hooked, "x")
    assert spans(line_doc(hooked), "f.py") == [(2, 2, "ai", GEMINI)]
    assert errors(hooked) == []


def test_large_files_are_left_out_of_snapshots(
    hooked: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shell, "MAX_FILE", 100)
    hooked.commit("f\n", {"f.py": "a\n"})
    bash(hooked, "pre", "make data")
    hooked.write("data.csv", "x" * 200 + "\n")
    hooked.write("f.py", "a\nb\n")
    bash(hooked, "post", "make data")
    assert [(e, p) for e, p, _, _ in shell_records(hooked)] == [("pre", "f.py"), ("post", "f.py")]


def test_a_stash_pop_by_the_agent_is_not_the_agents_writing(hooked: GitRepo) -> None:
    hooked.commit("f\n", {"f.py": "a\n"})
    hooked.write("f.py", "a\nthe human's work in progress\n")
    hooked.git("stash", "-q")
    bash(hooked, "pre", "git stash pop")
    hooked.git("stash", "pop", "-q")
    bash(hooked, "post", "git stash pop")
    commit(hooked, "x")
    doc = line_doc(hooked)
    assert spans(doc, "f.py") == [(2, 2, "unknown", None)]
    assert any("moved HEAD or the stash" in s for s in doc["line_record"]["approximations"])


def test_a_merge_by_the_agent_is_not_the_agents_writing(hooked: GitRepo) -> None:
    hooked.commit("f\n", {"f.py": "a\n"})
    hooked.git("checkout", "-q", "-b", "other")
    hooked.commit("other\n", {"f.py": "a\nfrom the other branch\n"})
    hooked.git("checkout", "-q", "main")
    hooked.commit("main\n", {"f.py": "a\nfrom main\n"})
    bash(hooked, "pre", "git merge other")
    merged = subprocess.run(["git", "merge", "-q", "other"], cwd=hooked.path, env=hooked.env)
    assert merged.returncode != 0  # a conflict: markers in f.py
    bash(hooked, "post", "git merge other")
    found, _ = worklog.read(gitdir(hooked))
    posts = [r for r in found if r["event"] == "post"]
    assert [r["path"] for r in posts] == ["f.py"]
    assert "merged" in str(posts[0]["unsure"])


def test_a_post_without_a_pre_keeps_the_lines_its_own_new_text_shows(hooked: GitRepo) -> None:
    """Cursor's afterFileEdit when the content before cannot be rebuilt: the edit's new strings
    are the evidence; other changed lines are unknown."""
    hooked.commit("f\n", {"f.py": "a\nx = 1\n"})
    root = str(hooked.path)
    hooked.write("f.py", "a\nx = 1\ntyped by someone\nx = 1\n")  # "x = 1" twice: ambiguous
    edits = [{"old_string": "y = 2", "new_string": "x = 1"}]
    hook(hooked, "cursor", payloads.cursor_after_file_edit(root, f"{root}/f.py", edits))
    commit(hooked, "x")
    doc = line_doc(hooked)
    cursor = "cursor/claude-4.5-sonnet/conv-5d2f"
    assert spans(doc, "f.py") == [(3, 3, "unknown", None), (4, 4, "ai", cursor)]
    assert any("edit's own new text" in s for s in doc["line_record"]["approximations"])


def test_the_shell_hooks_stay_import_light(hooked: GitRepo) -> None:
    """A shell call's two hooks in a bare interpreter: no json, re, subprocess or typing."""
    src = Path(checkpoint.__file__).resolve().parents[2]
    pre = payloads.claude_code("pre", str(hooked.path), "Bash", {"command": "x"})
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(src)!r})\n"
        "from signoff.recording.checkpoint import main\n"
        f"main(['--agent', 'claude-code'], {json.dumps(pre).encode()!r}, light=True)\n"
        f"main(['--agent', 'claude-code'], {json.dumps(pre).replace('PreToolUse', 'PostToolUse').encode()!r}, light=True)\n"
        "print(sorted(m for m in ('json', 're', 'subprocess', 'typing') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script],
        cwd=hooked.path,
        env=hooked.env,
        capture_output=True,
        text=True,
    )
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "[]", "")
    assert errors(hooked) == []
