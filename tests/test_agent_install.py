"""`signoff agent install|uninstall|status`: merged into the agents' own hook files, foreign
hooks and settings kept, and a round trip that leaves the file as it was."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from signoff.errors import SignoffError
from signoff.recording import agent_install
from signoff.recording.agent_install import AGENTS, MARKER, install, status, uninstall
from tests import agent_payloads as payloads
from tests.gitrepo import GitRepo, run_signoff

SCHEMAS = Path(__file__).resolve().parent.parent / "docs" / "schemas"

# Hooks and settings a user already has, in each agent's documented file shape.
FOREIGN: dict[str, dict[str, Any]] = {
    "claude-code": {
        "permissions": {"allow": ["Bash(ls:*)"]},
        "hooks": {
            "PreToolUse": [
                {"matcher": "Bash", "hooks": [{"type": "command", "command": "./guard.sh"}]}
            ],
            "Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}],
        },
    },
    "codex": {
        "hooks": {
            "PostToolUse": [
                {"matcher": "Bash", "hooks": [{"type": "command", "command": "python3 log.py"}]}
            ]
        }
    },
    "gemini-cli": {
        "general": {"vimMode": True},
        "hooks": {
            "BeforeTool": [
                {
                    "matcher": "run_shell_command",
                    "hooks": [{"name": "sec", "type": "command", "command": "./sec.sh"}],
                }
            ]
        },
    },
    "cursor": {
        "version": 1,
        "hooks": {"afterFileEdit": [{"command": "./hooks/format.sh"}], "stop": [{"command": "x"}]},
    },
    "copilot": {
        "version": 1,
        "hooks": {"preToolUse": [{"type": "command", "bash": "./audit.sh", "timeoutSec": 5}]},
    },
}


def validated(name: str, text: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(text)
    jsonschema.validate(doc, json.loads((SCHEMAS / f"{name}-v1.json").read_text()))
    return doc


def ours(doc: dict[str, Any]) -> dict[str, int]:
    """How many Signoff entries each event of a hook file holds."""
    counts: dict[str, int] = {}
    for key, entries in doc.get("hooks", {}).items():
        for entry in entries:
            inner = entry.get("hooks", [entry])
            counts[key] = counts.get(key, 0) + sum(
                MARKER in (h.get("command") or h.get("bash") or "") for h in inner
            )
    return {k: v for k, v in counts.items() if v}


@pytest.mark.parametrize("agent", sorted(FOREIGN))
def test_round_trip_keeps_foreign_hooks(repo: GitRepo, agent: str) -> None:
    spec = AGENTS[agent]
    path = repo.path / spec.repo_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(FOREIGN[agent], indent=4))
    path.chmod(0o600)

    first = install(agent, root=repo.path)
    assert first["action"] == "installed" and first["path"] == str(path)
    doc = json.loads(path.read_text())
    assert ours(doc) == {key: 1 for key, _, _ in spec.events}
    for key, value in FOREIGN[agent].items():
        if key != "hooks":
            assert doc[key] == value  # other settings untouched
    for event, entries in FOREIGN[agent]["hooks"].items():
        assert doc["hooks"][event][: len(entries)] == entries  # theirs first, unchanged
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    assert install(agent, root=repo.path)["action"] == "unchanged"
    again = uninstall(agent, root=repo.path)
    assert again["action"] == "removed" and again["removed"] == len(spec.events)
    assert json.loads(path.read_text()) == FOREIGN[agent]
    assert uninstall(agent, root=repo.path)["action"] == "not installed"


@pytest.mark.parametrize("agent", sorted(AGENTS))
def test_install_creates_and_uninstall_deletes(repo: GitRepo, agent: str) -> None:
    path = repo.path / AGENTS[agent].repo_file
    assert not path.exists()
    install(agent, root=repo.path)
    doc = json.loads(path.read_text())
    if AGENTS[agent].style in ("cursor", "copilot"):
        assert next(iter(doc)) == "version" and doc["version"] == 1
    assert uninstall(agent, root=repo.path)["action"].startswith("removed, file deleted")
    assert not path.exists()


def test_an_older_command_is_updated_in_place(repo: GitRepo) -> None:
    install("claude-code", root=repo.path, python="/old/python3")
    path = repo.path / ".claude/settings.local.json"
    assert "/old/python3" in path.read_text()
    assert install("claude-code", root=repo.path)["action"] == "updated"
    text = path.read_text()
    assert "/old/python3" not in text and ours(json.loads(text)) == {
        "PreToolUse": 1,
        "PostToolUse": 1,
    }


def test_uninstall_keeps_a_foreign_hook_in_the_same_group(repo: GitRepo) -> None:
    path = repo.path / ".codex/hooks.json"
    install("codex", root=repo.path)
    doc = json.loads(path.read_text())
    doc["hooks"]["PreToolUse"][0]["hooks"].append({"type": "command", "command": "./mine.sh"})
    path.write_text(json.dumps(doc))
    uninstall("codex", root=repo.path)
    assert json.loads(path.read_text()) == {
        "hooks": {
            "PreToolUse": [
                {
                    "matcher": "apply_patch|Bash",
                    "hooks": [{"type": "command", "command": "./mine.sh"}],
                }
            ]
        }
    }


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('{"hooks": {}, // a comment\n}', "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"hooks": []}', '"hooks" is not an object'),
        ('{"hooks": {"PreToolUse": {}}}', '"hooks.PreToolUse" is not a list'),
    ],
)
def test_a_file_that_is_not_a_hook_file_is_left_alone(repo: GitRepo, text: str, why: str) -> None:
    path = repo.path / ".claude/settings.local.json"
    path.parent.mkdir()
    path.write_text(text)
    with pytest.raises(SignoffError) as caught:
        install("claude-code", root=repo.path)
    assert why in caught.value.message
    assert path.read_text() == text
    result = run_signoff(repo, "agent", "install", "claude-code")
    assert result.returncode == 2 and why in result.stderr and "Traceback" not in result.stderr
    assert path.read_text() == text


def test_unknown_agent_is_a_clear_error(repo: GitRepo) -> None:
    result = run_signoff(repo, "agent", "install", "notepad")
    assert result.returncode == 2
    assert "no hook installer for 'notepad'" in result.stderr and "generic" in result.stderr


def test_user_scope_follows_home_and_agent_variables(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "CODEX_HOME": str(tmp_path / "codex-home")}
    result = run_signoff(repo, "agent", "install", "all", "--user", "--json", env=env)
    assert result.returncode == 0, result.stderr
    doc = validated("agent-install", result.stdout)
    assert {r["agent"]: r["path"] for r in doc["results"]} == {
        "claude-code": str(home / ".claude/settings.json"),
        "codex": str(tmp_path / "codex-home/hooks.json"),
        "gemini-cli": str(home / ".gemini/settings.json"),
        "cursor": str(home / ".cursor/hooks.json"),
        "copilot": str(home / ".copilot/hooks/signoff.json"),
    }
    assert not (repo.path / ".claude").exists()
    removed = run_signoff(repo, "agent", "uninstall", "all", "--user", "--json", env=env)
    assert {r["action"] for r in validated("agent-uninstall", removed.stdout)["results"]} == {
        "removed, file deleted (nothing else in it)"
    }
    assert not any(p.is_file() for p in home.rglob("*"))


def test_installed_file_runs_checkpoint_end_to_end(repo: GitRepo) -> None:
    repo.commit("base\n", {"app.py": "x = 1\n"})
    assert run_signoff(repo, "agent", "install", "claude-code").returncode == 0
    settings = json.loads((repo.path / ".claude/settings.local.json").read_text())
    [group] = settings["hooks"]["PreToolUse"]
    assert group["matcher"] == "Write|Edit|MultiEdit|NotebookEdit|Bash"
    command = group["hooks"][0]["command"]
    payload = payloads.claude_code(
        "pre", str(repo.path), "Edit", {"file_path": str(repo.path / "app.py")}
    )
    proc = subprocess.run(
        ["sh", "-c", command],
        input=json.dumps(payload).encode(),
        capture_output=True,
        cwd=repo.path,
        env=repo.env,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"", b"")
    log = (repo.path / ".git/signoff/capture/log.jsonl").read_text().splitlines()
    assert [json.loads(line)["path"] for line in log] == ["app.py"]


def test_status_reports_installs_checkpoints_and_errors(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("base\n", {"app.py": "x = 1\n"})
    env = {"HOME": str(tmp_path / "home")}
    run_signoff(repo, "agent", "install", "claude-code", "cursor", env=env)
    settings = repo.path / ".claude/settings.local.json"
    doc = json.loads(settings.read_text())
    del doc["hooks"]["PostToolUse"]  # someone removed half of it by hand
    settings.write_text(json.dumps(doc))
    good = {"event": "pre", "paths": ["app.py"]}
    for data in (json.dumps(good), "not json"):
        subprocess.run(
            [sys.executable, "-m", "signoff", "checkpoint", "--agent", "claude-code"],
            input=data,
            text=True,
            cwd=repo.path,
            env={**repo.env, **env},
            check=True,
        )
    result = run_signoff(repo, "agent", "status", "--json", env=env)
    report = validated("agent-status", result.stdout)
    rows = {r["agent"]: r for r in report["agents"]}
    assert set(rows) == set(AGENTS)
    claude_repo = rows["claude-code"]["places"][0]
    assert claude_repo["scope"] == "repo" and claude_repo["events"] == ["PreToolUse"]
    assert "missing PostToolUse" in claude_repo["problem"]
    assert rows["cursor"]["installed"] and not rows["codex"]["installed"]
    assert "no pre-edit hook" in rows["cursor"]["capture"]
    assert [(c["agent"], c["pre"], c["post"]) for c in report["checkpoints"]] == [
        ("claude-code", 1, 0)
    ]
    assert report["errors"]["count"] == 1
    assert "not JSON" in report["errors"]["recent"][0]["error"]
    assert report["commit_hooks"]["installed"] is False
    text = run_signoff(repo, "agent", "status", env=env).stdout
    assert "1 checkpoint error(s)" in text and "not JSON" in text
    assert "git commit hooks: not installed" in text
    assert run_signoff(repo, "init", env=env).returncode == 0
    report = validated("agent-status", run_signoff(repo, "agent", "status", "--json").stdout)
    assert report["commit_hooks"]["installed"] is True
    assert "Cursor (cursor): installed" in text


def test_status_reads_a_worktrees_own_log(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("base\n", {"app.py": "x = 1\n"})
    other = tmp_path / "wt"
    repo.git("worktree", "add", "-q", str(other))
    for where in (other, repo.path):
        subprocess.run(
            [sys.executable, "-m", "signoff", "checkpoint", "--agent", "codex"],
            input=json.dumps({"event": "pre", "paths": ["app.py"]}),
            text=True,
            cwd=where,
            env=repo.env,
            check=True,
        )
    subprocess.run(
        [sys.executable, "-m", "signoff", "checkpoint", "--agent", "codex"],
        input=json.dumps({"event": "post", "paths": ["app.py"]}),
        text=True,
        cwd=other,
        env=repo.env,
        check=True,
    )
    result = subprocess.run(
        [sys.executable, "-m", "signoff", "agent", "status", "--json"],
        capture_output=True,
        text=True,
        cwd=other,
        env=repo.env,
    )
    report = validated("agent-status", result.stdout)
    assert [(c["agent"], c["pre"], c["post"]) for c in report["checkpoints"]] == [("codex", 1, 1)]
    assert "/worktrees/" in report["worklog"]


def test_status_outside_a_repository(tmp_path: Path, repo: GitRepo) -> None:
    outside = tmp_path / "nowhere"
    outside.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "signoff", "agent", "status", "--json"],
        capture_output=True,
        text=True,
        cwd=outside,
        env={**repo.env, "HOME": str(tmp_path)},
    )
    report = validated("agent-status", result.stdout)
    assert "worklog" not in report and "commit_hooks" not in report
    assert all([p["scope"] for p in r["places"]] == ["user"] for r in report["agents"])


def test_status_library_counts_other_hooks(repo: GitRepo) -> None:
    path = repo.path / ".cursor/hooks.json"
    path.parent.mkdir()
    path.write_text(json.dumps(FOREIGN["cursor"]))
    install("cursor", root=repo.path)
    [row] = status(["cursor"], root=repo.path)["agents"]
    place = row["places"][0]
    assert place["installed"] and place["other_hooks"] == 2
    assert place["events"] == ["postToolUse", "preToolUse"]


def test_hook_command_quotes_paths() -> None:
    command = agent_install.hook_command("codex", "post", python="/opt/it's here/python")
    assert "'/opt/it'\\''s here/python'" in command
    assert command.endswith("--agent codex --event post")


def test_status_says_where_shell_edits_are_captured(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("base\n", {"app.py": "x = 1\n"})
    env = {"HOME": str(tmp_path / "home")}
    run_signoff(repo, "agent", "install", "claude-code", "gemini-cli", "cursor", env=env)
    # a Gemini CLI install written before shell capture: its matcher has no shell tool
    gemini = repo.path / ".gemini/settings.json"
    doc = json.loads(gemini.read_text())
    for key in ("BeforeTool", "AfterTool"):
        doc["hooks"][key][0]["matcher"] = "write_file|replace"
    gemini.write_text(json.dumps(doc))
    report = validated(
        "agent-status", run_signoff(repo, "agent", "status", "--json", env=env).stdout
    )
    rows = {r["agent"]: r["shell_edits"] for r in report["agents"]}
    assert rows["claude-code"] == {
        "captured": True,
        "detail": "captured: Bash PreToolUse/PostToolUse snapshots",
    }
    assert rows["cursor"]["captured"] is True
    assert "afterFileEdit only" in rows["cursor"]["detail"]  # where Cursor has no shell hook
    assert rows["gemini-cli"]["captured"] is False
    assert "signoff agent install gemini-cli again" in rows["gemini-cli"]["detail"]
    assert rows["codex"]["captured"] is False and rows["codex"]["detail"].startswith(
        "not installed"
    )
    text = run_signoff(repo, "agent", "status", env=env).stdout
    assert "shell edits: captured: Bash" in text
    assert "not captured: the hooks in" in " ".join(text.split())
