"""Recording at commit time: real `git commit`s through the installed hooks, with agent env."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from signoff.git.log import read_commit
from signoff.git.notes import read_notes
from signoff.git.repo import Repo
from signoff.provenance.markers import TOOL_ALIASES, find_markers
from signoff.provenance.model import ToolUse
from signoff.provenance.notes import parse_signoff_notes
from signoff.recording import agents
from signoff.recording.agents import AgentUse, decide, detect_agent, parse_declaration
from signoff.recording.install import install
from tests.gitrepo import GitRepo

COMMITTER = "Ada Lovelace <ada@example.com>"
SCHEMAS = Path(__file__).resolve().parent.parent / "docs" / "schemas"


def validated(name: str, text: str) -> dict[str, Any]:
    """A command's --json output, checked against docs/schemas/<name>-v1.json."""
    doc: dict[str, Any] = json.loads(text)
    jsonschema.validate(doc, json.loads((SCHEMAS / f"{name}-v1.json").read_text()))
    return doc


def agent_variables() -> set[str]:
    names = {"AI_AGENT", "AGENT", "SIGNOFF_AI", "CLAUDE_CODE_ENTRYPOINT"}
    for s in agents.SIGNALS:
        names |= {n for n in (s.var, s.also, s.session_var, s.model_var) if n}
    return names


def scrubbed(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k not in agent_variables()}


@pytest.fixture
def hooked(repo: GitRepo) -> Iterator[GitRepo]:
    """A repository with Signoff's hooks installed and one human commit."""
    repo.env = scrubbed(repo.env)
    repo.commit("base\n", {"README": "hello\n"})
    install(Repo(repo.path))
    yield repo


def trailers(repo: GitRepo, rev: str = "HEAD") -> list[str]:
    out = repo.git("log", "-1", "--format=%(trailers:only,unfold)", rev)
    return [line for line in out.splitlines() if line]


def note_docs(repo: GitRepo, rev: str = "HEAD") -> list[dict[str, object]]:
    sha = repo.git("rev-parse", rev).strip()
    blobs = read_notes(Repo(repo.path), "signoff").get(sha, [])
    docs: list[dict[str, object]] = []
    for blob in blobs:
        docs += [json.loads(line) for line in blob.decode().splitlines() if line.strip()]
    return docs


def commit_raw(
    repo: GitRepo, message: bytes, env: dict[str, str] | None = None, *args: str
) -> subprocess.CompletedProcess[bytes]:
    """`git commit` as a person would run it (hooks and their stderr included)."""
    (repo.path / "work.txt").write_text(os.urandom(4).hex())
    repo.git("add", "-A")
    return subprocess.run(
        ["git", "commit", "-q", "-F", "-", *args],
        cwd=repo.path,
        input=message,
        capture_output=True,
        env={**repo.env, **(env or {})},
    )


# -- agent detection (pure) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "tool", "model", "session"),
    [
        ({"CLAUDECODE": "1"}, "claude-code", None, None),
        (
            {
                "CLAUDECODE": "1",
                "ANTHROPIC_MODEL": "claude-opus-4-5",
                "CLAUDE_CODE_SESSION_ID": "s1",
            },
            "claude-code",
            "claude-opus-4-5",
            "s1",
        ),
        ({"AI_AGENT": "claude-code_2-1-263_agent"}, "claude-code", None, None),
        ({"CODEX_THREAD_ID": "0199a213-81c0"}, "codex", None, "0199a213-81c0"),
        ({"CODEX_SANDBOX": "seatbelt"}, "codex", None, None),
        ({"CODEX_SANDBOX_NETWORK_DISABLED": "1"}, "codex", None, None),
        ({"CURSOR_AGENT": "1"}, "cursor", None, None),
        (
            {"GEMINI_CLI": "1", "GEMINI_MODEL": "gemini-2.5-pro"},
            "gemini-cli",
            "gemini-2.5-pro",
            None,
        ),
        ({"QWEN_CODE": "1", "QWEN_CODE_SESSION_ID": "q1"}, "qwen-code", None, "q1"),
        ({"COPILOT_CLI": "1", "COPILOT_AGENT_SESSION_ID": "c1"}, "copilot", None, "c1"),
        ({"COPILOT_AGENT_JOB_ID": "182-1"}, "copilot", None, None),
        ({"AMP_CURRENT_THREAD_ID": "T-42"}, "amp", None, "T-42"),
        ({"AGENT": "amp"}, "amp", None, None),
        ({"GOOSE_TERMINAL": "1", "AGENT": "goose"}, "goose", None, None),
        ({"OPENCODE": "1", "AGENT": "1"}, "opencode", None, None),
        ({"OPENCODE": "1", "KILO_PID": "42"}, "kilo-code", None, None),
        ({"CLINE_ACTIVE": "true"}, "cline", None, None),
        ({"WINDSURF_CASCADE_TERMINAL": "1"}, "windsurf", None, None),
        ({"AUGMENT_AGENT": "1"}, "augment", None, None),
        ({"CRUSH": "1"}, "crush", None, None),
        ({"GIT_AUTHOR_NAME": "Ada Lovelace (aider)"}, "aider", None, None),
        ({"AI_AGENT": "github_copilot_vscode_agent"}, "copilot", None, None),
        ({"AI_AGENT": "devin@1"}, "devin", None, None),
    ],
)
def test_detects_each_agent_from_its_own_variables(
    env: dict[str, str], tool: str, model: str | None, session: str | None
) -> None:
    found = detect_agent(env)
    assert found is not None
    assert found[0] == AgentUse(tool, model, session)
    assert "=" in found[1]


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"CLAUDECODE": "0"},
        {"CLAUDECODE": ""},
        {"AGENT": "1"},
        {"AGENT": "jenkins"},
        {"CURSOR_TRACE_ID": "abc"},  # every Cursor terminal, humans' too
        {"CODEIUM_EDITOR_APP_ROOT": "/x"},  # Windsurf installation, not Cascade
        {"GIT_COMMITTER_NAME": "Ada (aider)"},  # aider committed the human's own edits
        {"KILO_PID": "42"},
        {"ANTHROPIC_MODEL": "claude-opus-4-5"},  # a model setting alone is no agent
    ],
)
def test_no_agent_without_an_agent_signal(env: dict[str, str]) -> None:
    assert detect_agent(env) is None
    assert decide(env=env) is None


def test_inner_agent_wins_over_an_inherited_claudecode() -> None:
    found = detect_agent({"CLAUDECODE": "1", "CODEX_THREAD_ID": "t-1"})
    assert found is not None and found[0].tool == "codex"


def test_environment_values_cannot_inject_trailers() -> None:
    env = {"CLAUDECODE": "1", "CLAUDE_CODE_SESSION_ID": "abc\nSigned-off-by: Mallory <m@x>"}
    found = detect_agent(env)
    assert found is not None
    assert found[0].session == "abc Signed-off-by: Mallory <m@x>"
    assert "\n" not in (found[0].session or "")


def test_declarations() -> None:
    assert parse_declaration("none") == ()
    assert parse_declaration("Human") == ()
    assert parse_declaration("Claude Code/Claude Opus 4.5") == (
        AgentUse("claude-code", "claude-opus-4-5"),
    )
    assert parse_declaration("codex/gpt-5, cursor") == (
        AgentUse("codex", "gpt-5"),
        AgentUse("cursor"),
    )
    assert parse_declaration(" / ") is None


def test_explicit_declaration_beats_detection_and_keeps_the_session() -> None:
    env = {"CLAUDECODE": "1", "CLAUDE_CODE_SESSION_ID": "s9", "SIGNOFF_AI": "claude-code/opus"}
    decision = decide(env=env)
    assert decision is not None
    assert (decision.source, decision.tools) == (
        "SIGNOFF_AI",
        (AgentUse("claude-code", "opus", "s9"),),
    )
    flagged = decide(env=env, flag="none")
    assert flagged is not None and (flagged.status, flagged.source) == ("human", "flag")


def test_precedence_trailer_then_detection_then_config() -> None:
    said_none = decide(env={}, trailers=[("AI-Assisted", "none")])
    assert said_none is not None and said_none.status == "human"
    # ...but a written `none` never erases an agent's environment: recorded, with the conflict
    over_env = decide(env={"CLAUDECODE": "1"}, trailers=[("AI-Assisted", "none")])
    assert over_env is not None and (over_env.status, over_env.source) == ("ai", "env")
    assert over_env.conflict
    merged = decide(env={"CLAUDECODE": "1"}, trailers=[("AI-assisted", "cursor/gpt-5")])
    assert merged is not None and [t.tool for t in merged.tools] == ["claude-code", "cursor"]
    configured = decide(env={}, config=lambda: "copilot")
    assert configured is not None and (configured.source, configured.tools) == (
        "config",
        (AgentUse("copilot"),),
    )
    assert decide(env={"CURSOR_AGENT": "1"}, config=lambda: "none") is not None


def test_tool_names_agree_with_the_marker_table() -> None:
    for alias, tool in agents.TOOL_ALIASES.items():
        if alias in TOOL_ALIASES:
            assert TOOL_ALIASES[alias] == tool, alias


# -- through real commits -----------------------------------------------------------------------


def test_claude_code_commit_gets_trailers_and_a_note(hooked: GitRepo) -> None:
    env = {
        "CLAUDECODE": "1",
        "CLAUDE_CODE_SESSION_ID": "sess-7",
        "ANTHROPIC_MODEL": "claude-opus-4-5",
    }
    sha = hooked.commit("Add feature\n\nBody.\n", {"app.py": "x = 1\n"}, env=env)
    assert trailers(hooked) == [
        "AI-Assisted: claude-code/claude-opus-4-5",
        "AI-Session: sess-7",
        f"Accepted-by: {COMMITTER}",
    ]
    [doc] = note_docs(hooked)
    assert doc["commit"] == sha and doc["status"] == "ai" and doc["recorded_by"] == "hook"
    assert doc["tools"] == [
        {"tool": "claude-code", "model": "claude-opus-4-5", "session": "sess-7"}
    ]
    assert doc["detection"] == {"source": "env", "evidence": "CLAUDECODE=1"}
    assert doc["accepted_by"] == {"name": "Ada Lovelace", "email": "ada@example.com"}
    # the trailers are the ones the marker table reads
    detectors = {m.detector for m in find_markers(read_commit(Repo(hooked.path), sha))}
    assert {"signoff.ai-assisted", "signoff.ai-session"} <= detectors


def test_detect_reads_what_the_hooks_recorded(hooked: GitRepo) -> None:
    detect = pytest.importorskip("signoff.provenance.detect")
    sha = hooked.commit("agent\n", {"a.py": "a\n"}, env={"CODEX_THREAD_ID": "th-1"})
    r = Repo(hooked.path)
    prov = detect.detect(read_commit(r, sha), read_notes(r, "signoff")[sha])
    assert prov.status == "ai" and prov.confidence == "strong"
    assert prov.tools == (ToolUse("codex", None, "th-1"),)
    assert str(prov.accepted_by) == COMMITTER
    assert any(m.detector == "signoff.note" and m.source == "hook" for m in prov.markers)


@pytest.mark.parametrize(
    ("env", "expect"),
    [
        ({"CURSOR_AGENT": "1"}, "AI-Assisted: cursor"),
        (
            {"GEMINI_CLI": "1", "GEMINI_MODEL": "gemini-2.5-pro"},
            "AI-Assisted: gemini-cli/gemini-2.5-pro",
        ),
        ({"AMP_CURRENT_THREAD_ID": "T-abc"}, "AI-Session: T-abc"),
        ({"AI_AGENT": "crush"}, "AI-Assisted: crush"),
    ],
)
def test_other_agents_through_real_commits(
    hooked: GitRepo, env: dict[str, str], expect: str
) -> None:
    hooked.commit("change\n", {"f.txt": json.dumps(env)}, env=env)
    assert expect in trailers(hooked)
    assert note_docs(hooked)[0]["status"] == "ai"


def test_human_commit_records_nothing(hooked: GitRepo) -> None:
    hooked.commit("plain human change\n", {"h.txt": "h\n"})
    assert trailers(hooked) == []
    assert note_docs(hooked) == []


def test_signoff_ai_none_declares_a_human_change(hooked: GitRepo) -> None:
    sha = hooked.commit(
        "by hand\n", {"h.txt": "h\n"}, env={"SIGNOFF_AI": "none", "CLAUDECODE": "1"}
    )
    assert trailers(hooked) == ["AI-Assisted: none"]
    [doc] = note_docs(hooked)
    assert doc["status"] == "human" and doc["tools"] == []
    assert doc["detection"] == {"source": "SIGNOFF_AI", "evidence": "SIGNOFF_AI=none"}
    reading = parse_signoff_notes(read_notes(Repo(hooked.path), "signoff")[sha], sha)
    assert [m.kind for m in reading.markers] == ["human"]


def test_signoff_ai_names_the_tool_over_detection(hooked: GitRepo) -> None:
    hooked.commit("x\n", {"x": "1"}, env={"SIGNOFF_AI": "codex/gpt-5", "CLAUDECODE": "1"})
    assert trailers(hooked)[0] == "AI-Assisted: codex/gpt-5"
    assert not any("claude" in t for t in trailers(hooked))


def test_existing_trailers_are_not_duplicated(hooked: GitRepo) -> None:
    message = (
        "Fix\n\nAI-assisted: claude-code\nAccepted-by: Grace Hopper <grace@example.com>\n"
        "Signed-off-by: Ada Lovelace <ada@example.com>\n"
    )
    hooked.commit(message, {"f": "1"}, env={"CLAUDECODE": "1", "CLAUDE_CODE_SESSION_ID": "s2"})
    got = trailers(hooked)
    assert sum(t.lower().startswith("ai-assisted") for t in got) == 1
    assert sum(t.lower().startswith("accepted-by") for t in got) == 1
    assert "AI-Session: s2" in got
    assert note_docs(hooked)[0]["accepted_by"] == {
        "name": "Grace Hopper",
        "email": "grace@example.com",
    }


def test_written_none_never_erases_the_agent_environment(hooked: GitRepo) -> None:
    # An agent can write `AI-Assisted: none` and someone's `Accepted-by:` into its own message:
    # the message stays as written, and a note records what the environment showed.
    message = "Mine\n\nAI-Assisted: none\nAccepted-by: Grace Hopper <grace@example.com>\n"
    for pid in ("4242", None):  # prepared by commit-msg, and re-derived by post-commit
        env = {"CLAUDECODE": "1"} | ({"SIGNOFF_GIT_PID": pid} if pid else {})
        hooked.commit(message, {"f": pid or "x"}, env=env)
        assert trailers(hooked) == [
            "AI-Assisted: none",
            "Accepted-by: Grace Hopper <grace@example.com>",
        ]
        [doc] = note_docs(hooked)
        assert doc["status"] == "ai"
        assert doc["detection"] == {
            "source": "env",
            "evidence": "CLAUDECODE=1; the message says AI-Assisted: none",
        }
        accepted = doc["accepted_by"]
        assert isinstance(accepted, dict) and accepted["email"] != "grace@example.com"


def test_config_declares_a_default_tool(hooked: GitRepo) -> None:
    hooked.git("config", "signoff.ai", "copilot")
    hooked.commit("with inline completions\n", {"f": "1"})
    assert trailers(hooked)[0] == "AI-Assisted: copilot"
    assert note_docs(hooked)[0]["detection"] == {
        "source": "config",
        "evidence": "signoff.ai=copilot",
    }


def test_bot_committer_is_not_an_accepter(hooked: GitRepo) -> None:
    bot = ("Copilot", "198982749+Copilot@users.noreply.github.com")
    hooked.commit(
        "agent work\n", {"f": "1"}, committer=bot, author=bot, env={"COPILOT_AGENT_JOB_ID": "j"}
    )
    assert not any(t.startswith("Accepted-by") for t in trailers(hooked))
    assert note_docs(hooked)[0]["accepted_by"] is None


def test_aider_commit_without_commit_msg_is_still_noted(hooked: GitRepo) -> None:
    """aider commits with --no-verify (no commit-msg hook); post-commit still records it."""
    aider = ("Ada Lovelace (aider)", "ada@example.com")
    (hooked.path / "a.py").write_text("print(1)\n")
    hooked.git("add", "-A")
    hooked.git(
        "commit", "-q", "--no-verify", "-m", "feat: aider change",
        env={"GIT_AUTHOR_NAME": aider[0], "GIT_AUTHOR_EMAIL": aider[1]},
    )  # fmt: skip
    assert trailers(hooked) == []
    [doc] = note_docs(hooked)
    assert doc["tools"] == [{"tool": "aider", "model": None, "session": None}]
    assert doc["accepted_by"] == {"name": "Test User", "email": "test@example.com"}


def test_merge_commit_is_left_alone(hooked: GitRepo) -> None:
    hooked.git("checkout", "-q", "-b", "side")
    hooked.commit("side\n", {"side.txt": "s\n"})
    hooked.git("checkout", "-q", "main")
    hooked.commit("main\n", {"main.txt": "m\n"})
    hooked.git("merge", "-q", "--no-ff", "-m", "Merge side", "side", env={"CLAUDECODE": "1"})
    assert trailers(hooked) == []
    assert note_docs(hooked) == []


def test_fixup_commit_gets_a_note_but_no_trailers(hooked: GitRepo) -> None:
    hooked.commit("target\n", {"t": "1"})
    hooked.commit("fixup! target\n", {"t": "2"}, env={"CURSOR_AGENT": "1"})
    assert trailers(hooked) == []
    assert note_docs(hooked)[0]["tools"] == [{"tool": "cursor", "model": None, "session": None}]


def test_note_survives_amend(hooked: GitRepo) -> None:
    old = hooked.commit("agent work\n", {"f": "1"}, env={"CLAUDECODE": "1"})
    (hooked.path / "f").write_text("2")
    hooked.git("add", "-A")
    hooked.git("commit", "-q", "--amend", "--no-edit")
    new = hooked.head()
    assert new != old
    [doc] = note_docs(hooked)
    assert doc["status"] == "ai" and doc["commit"] == old
    assert trailers(hooked)[0] == "AI-Assisted: claude-code"


def test_amend_by_another_agent_keeps_both_documents(hooked: GitRepo) -> None:
    hooked.commit("agent work\n", {"f": "1"}, env={"CLAUDECODE": "1"})
    hooked.git("commit", "-q", "--amend", "--no-edit", env={"CODEX_THREAD_ID": "t1"})
    tools = sorted(str(d["tools"][0]["tool"]) for d in note_docs(hooked))  # type: ignore[index]
    assert tools == ["claude-code", "codex"]


def test_notes_survive_rebase(hooked: GitRepo) -> None:
    hooked.git("checkout", "-q", "-b", "feature")
    first = hooked.commit("feature 1\n", {"feature.txt": "1\n"}, env={"CLAUDECODE": "1"})
    hooked.commit("feature 2\n", {"feature2.txt": "2\n"}, env={"CURSOR_AGENT": "1"})
    hooked.git("checkout", "-q", "main")
    hooked.commit("main moves\n", {"main.txt": "m\n"})
    hooked.git("checkout", "-q", "feature")
    hooked.git("rebase", "-q", "main", env={"CLAUDECODE": "1"})
    assert hooked.git("rev-parse", "HEAD~1").strip() != first
    assert note_docs(hooked, "HEAD~1")[0]["commit"] == first
    assert [d["tools"] for d in note_docs(hooked, "HEAD~1")] == [
        [{"tool": "claude-code", "model": None, "session": None}]
    ]
    assert note_docs(hooked)[0]["tools"] == [{"tool": "cursor", "model": None, "session": None}]


def test_interactive_squash_keeps_both_documents_readable(hooked: GitRepo) -> None:
    hooked.commit("one\n", {"one.txt": "1\n"}, env={"CLAUDECODE": "1"})
    hooked.commit("two\n", {"two.txt": "2\n"}, env={"CODEX_THREAD_ID": "t-2"})
    hooked.git(
        "rebase", "-q", "-i", "HEAD~2",
        env={"GIT_SEQUENCE_EDITOR": "sed -i -e '2s/^pick/squash/'", "GIT_EDITOR": "true"},
    )  # fmt: skip
    assert hooked.git("log", "--format=%s", "-2").splitlines() == ["one", "base"]
    sha = hooked.head()
    reading = parse_signoff_notes(read_notes(Repo(hooked.path), "signoff")[sha], sha)
    assert reading.problems == []
    assert sorted(t.tool for t in reading.tools) == ["claude-code", "codex"]


def test_cherry_pick_carries_the_note(hooked: GitRepo) -> None:
    hooked.git("checkout", "-q", "-b", "side")
    picked = hooked.commit("side work\n", {"side.txt": "s\n"}, env={"CURSOR_AGENT": "1"})
    hooked.git("checkout", "-q", "main")
    hooked.git("cherry-pick", picked, env={"CLAUDECODE": "1"})
    [doc] = note_docs(hooked)
    assert doc["commit"] == picked and doc["tools"][0]["tool"] == "cursor"  # type: ignore[index]


def test_non_utf8_commit_message(hooked: GitRepo) -> None:
    message = "Caf\xe9 cr\xe8me\n\nCorps du message.\n".encode("latin-1")
    proc = commit_raw(hooked, message, {"CLAUDECODE": "1"})
    assert proc.returncode == 0, proc.stderr
    # git itself stores a message that is not UTF-8 as if it were Latin-1, re-encoded
    assert hooked.git("log", "-1", "--format=%s") == "Café crème\n"
    raw = subprocess.run(
        ["git", "cat-file", "commit", "HEAD"], cwd=hooked.path, capture_output=True, check=True
    ).stdout
    assert b"AI-Assisted: claude-code" in raw and b"Accepted-by:" in raw
    assert note_docs(hooked)[0]["status"] == "ai"
    assert b"signoff: warning" not in proc.stderr


def test_declared_commit_encoding_is_kept(hooked: GitRepo) -> None:
    hooked.git("config", "i18n.commitEncoding", "ISO-8859-1")
    proc = commit_raw(hooked, "R\xe9sum\xe9\n".encode("latin-1"), {"CURSOR_AGENT": "1"})
    assert proc.returncode == 0, proc.stderr
    assert (
        hooked.git("-c", "i18n.logOutputEncoding=UTF-8", "log", "-1", "--format=%s") == "Résumé\n"
    )
    raw = subprocess.run(
        ["git", "cat-file", "commit", "HEAD"], cwd=hooked.path, capture_output=True, check=True
    ).stdout
    assert b"encoding ISO-8859-1" in raw and b"R\xe9sum\xe9" in raw
    assert "AI-Assisted: cursor" in trailers(hooked)


# -- failures inside Signoff never block git ----------------------------------------------------


def test_post_commit_failure_warns_and_the_commit_stands(hooked: GitRepo) -> None:
    lock = hooked.path / ".git" / "refs" / "notes" / "signoff.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text("")
    before = hooked.head()
    proc = commit_raw(hooked, b"agent work\n", {"CLAUDECODE": "1"})
    assert proc.returncode == 0
    assert hooked.head() != before
    errors = proc.stderr.decode()
    assert "signoff: warning: post-commit" in errors and "provenance not recorded" in errors
    assert "AI-Assisted: claude-code" in trailers(hooked)
    assert note_docs(hooked) == []


def test_broken_installation_warns_and_commits(hooked: GitRepo) -> None:
    hook = hooked.path / ".git" / "hooks" / "commit-msg"
    text = hook.read_text()
    hook.write_text(text.replace("signoff_path='", "signoff_path='/nonexistent"))
    proc = commit_raw(hooked, b"agent work\n", {"CLAUDECODE": "1"})
    assert proc.returncode == 0
    assert "signoff: warning: cannot load Signoff" in proc.stderr.decode()
    hook.write_text(text.replace("signoff_python='", "signoff_python='/nonexistent"))
    proc = commit_raw(hooked, b"more work\n", {"CLAUDECODE": "1"})
    assert proc.returncode == 0
    assert "is missing; provenance not recorded" in proc.stderr.decode()


def test_cli_hook_failure_warns_and_exits_zero(hooked: GitRepo) -> None:
    hooked.commit("work\n", {"f": "1"})
    lock = hooked.path / ".git" / "refs" / "notes" / "signoff.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text("")
    proc = signoff_cli(hooked, "hook", "post-commit", "--ai", "cursor", "--json")
    assert proc.returncode == 0
    assert "signoff: warning: post-commit" in proc.stderr
    assert "error" in validated("hook", proc.stdout)


# -- the pre-commit framework path (through the CLI) --------------------------------------------


def signoff_cli(
    repo: GitRepo, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "signoff", *args],
        cwd=repo.path,
        capture_output=True,
        text=True,
        env={**repo.env, **(env or {})},
    )


def test_cli_hooks_with_flags(hooked: GitRepo, tmp_path: Path) -> None:
    message = tmp_path / "COMMIT_EDITMSG"
    message.write_text("Subject\n\nBody\n")
    proc = signoff_cli(hooked, "hook", "commit-msg", str(message), "--ai", "cursor/gpt-5", "--json")
    assert proc.returncode == 0, proc.stderr
    report = validated("hook", proc.stdout)
    assert report["schema"] == "signoff/hook/v1"
    assert report["decision"]["source"] == "flag"
    who = "Test User <test@example.com>"  # the configured identity: no GIT_COMMITTER_* here
    assert report["trailers_added"] == ["AI-Assisted: cursor/gpt-5", f"Accepted-by: {who}"]
    assert message.read_text().endswith(f"AI-Assisted: cursor/gpt-5\nAccepted-by: {who}\n")
    hooked.commit("by the framework\n", {"f": "1"})
    proc = signoff_cli(hooked, "hook", "post-commit", "--human", "--json")
    assert validated("hook", proc.stdout)["note_written"] is True
    assert note_docs(hooked)[0]["status"] == "human"


def test_note_prepared_by_commit_msg_survives_the_sh_hand_over(hooked: GitRepo) -> None:
    session = 'a*b%c\\d "q" @SIGNOFF_COMMIT@?'
    sha = hooked.commit(
        "x\n", {"f": "1"}, env={"CLAUDECODE": "1", "CLAUDE_CODE_SESSION_ID": session}
    )
    [doc] = note_docs(hooked)
    assert doc["commit"] == sha
    assert doc["tools"] == [{"tool": "claude-code", "model": None, "session": session}]
    # taken: the script empties the bundle (no process), the next commit-msg removes it
    [taken] = (hooked.path / ".git" / "signoff").glob("pending-*")
    assert taken.stat().st_size == 0
    hooked.commit("y\n", {"f": "2"}, env={"CLAUDECODE": "1"})
    assert not taken.exists()


def test_a_stale_prepared_note_is_never_attached(hooked: GitRepo) -> None:
    folder = hooked.path / ".git" / "signoff"
    folder.mkdir(exist_ok=True)
    stale = folder / "pending-1"
    stale.write_text('{"schema":"signoff/provenance/v1","commit":"@SIGNOFF_COMMIT@","status":"ai"}')
    os.utime(stale, (0, 0))
    hooked.commit("human\n", {"f": "1"})
    assert note_docs(hooked) == []
    hooked.commit("agent\n", {"f": "2"}, env={"CURSOR_AGENT": "1"})
    assert [d["tools"] for d in note_docs(hooked)] == [
        [{"tool": "cursor", "model": None, "session": None}]
    ]
    assert not stale.exists()  # cleared by the next commit-msg that prepared a note


def test_linked_worktree_commits_are_recorded(hooked: GitRepo, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    hooked.git("worktree", "add", "-q", "-b", "wt", str(tree))
    other = GitRepo(tree, hooked.env)
    sha = other.commit("in a worktree\n", {"w.txt": "w\n"}, env={"GEMINI_CLI": "1"})
    assert "AI-Assisted: gemini-cli" in trailers(other)
    [doc] = note_docs(hooked, sha)
    assert doc["commit"] == sha
    assert not list((hooked.path / ".git" / "worktrees").glob("*/signoff/pending-*"))


def test_only_a_hooks_folder_outside_the_repository_is_called_shared(
    repo: GitRepo, tmp_path: Path
) -> None:
    """A linked worktree's hooks live in the common git folder, outside its work tree: that
    is this repository's own folder, not one shared with other repositories."""
    repo.commit("base\n", {"README": "hello\n"})
    linked = tmp_path / "linked"
    repo.git("worktree", "add", "-q", "-b", "side", str(linked))
    assert install(Repo(linked))["shared_hooks_dir"] is False
    assert install(Repo(repo.path))["shared_hooks_dir"] is False
    elsewhere = tmp_path / "team-hooks"
    elsewhere.mkdir()
    repo.git("config", "core.hooksPath", str(elsewhere))
    assert install(Repo(linked))["shared_hooks_dir"] is True
