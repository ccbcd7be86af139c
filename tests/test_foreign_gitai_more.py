"""Git AI shapes met on its own history: `human` keys, test presets, pre-1.0 refs.

Notes are attached to real commits and read back through git, as the index reads them.
"""

from __future__ import annotations

import json
from typing import Any

from signoff.git import Repo
from signoff.git.log import read_commit
from signoff.provenance.detect import detect
from signoff.provenance.foreign import (
    legacy_gitai_notes,
    parse_agent_trace,
    parse_gitai_note,
    read_gitai_notes,
)
from signoff.provenance.model import LineSpan, ToolUse
from signoff.query.lookup import ProvenanceLookup
from tests.gitrepo import GitRepo

PY = "".join(f"line {i}\n" for i in range(1, 61))


def note(attestations: str, sha: str, prompts: dict[str, Any]) -> bytes:
    metadata = {"schema_version": "authorship/3.0.0", "base_commit_sha": sha, "prompts": prompts}
    return (attestations + "---\n" + json.dumps(metadata, indent=2)).encode()


def agent(tool: str, model: str = "claude-sonnet-4-5", session: str = "c1") -> dict[str, Any]:
    return {"agent_id": {"tool": tool, "id": session, "model": model}}


def test_human_key_counts_human_lines_so_the_commit_is_mixed(repo: GitRepo) -> None:
    sha = repo.commit("Parser", {"src/p.py": PY})
    blob = note("src/p.py\n  human 1-4,9\n  abcd123 5-8\n", sha, {"abcd123": agent("claude")})
    repo.git("notes", "--ref=ai", "add", "-F", "-", sha, input=blob)
    [stored] = read_gitai_notes(Repo.discover(repo.path))[sha]

    reading = parse_gitai_note(stored, sha)
    [record] = reading.line_records
    assert record.files["src/p.py"] == (
        LineSpan(1, 4, None),
        LineSpan(5, 8, ToolUse("claude-code", "claude-sonnet-4-5", "c1")),
        LineSpan(9, 9, None),
    )
    assert reading.problems == []
    commit = read_commit(Repo.discover(repo.path), sha)
    prov = detect(commit, ai_notes=[stored])
    assert prov.status == "mixed"
    assert prov.reason == "line-level record: 4 AI lines, 5 human lines"


def test_test_preset_lines_are_not_ai_lines(repo: GitRepo) -> None:
    sha = repo.commit("Fixture", {"src/p.py": PY})
    blob = note(
        "src/p.py\n  aaaa111 1-10\n  bbbb222 11-12\n",
        sha,
        {"aaaa111": agent("mock_ai", "unknown"), "bbbb222": agent("test-agent", "x", "t2")},
    )
    reading = parse_gitai_note(blob, sha)
    assert reading.line_records == []
    assert [(m.detector, m.kind, m.confidence) for m in reading.markers] == [
        ("git-ai.test-preset", "ambiguous", "weak"),
        ("git-ai.test-preset", "ambiguous", "weak"),
    ]
    assert "10 lines by Git AI's test preset 'mock_ai'" in reading.markers[0].evidence
    prov = detect(read_commit(Repo.discover(repo.path), sha), ai_notes=[blob])
    assert prov.status == "unknown"


def test_test_preset_beside_a_real_tool_leaves_the_real_tool(repo: GitRepo) -> None:
    sha = repo.commit("Both", {"src/p.py": PY})
    blob = note(
        "src/p.py\n  aaaa111 1-10\n  cccc333 20-22\n",
        sha,
        {"aaaa111": agent("mock_ai", "unknown"), "cccc333": agent("cursor", "gpt-5")},
    )
    prov = detect(read_commit(Repo.discover(repo.path), sha), ai_notes=[blob])
    assert prov.status == "ai"
    assert prov.confidence == "strong"
    assert [t.tool for t in prov.tools] == ["cursor"]
    [record] = prov.line_records
    assert record.counts() == (3, 0)


def test_legacy_authorship_refs_are_read(repo: GitRepo) -> None:
    old = repo.commit("Old", {"src/p.py": PY})
    new = repo.commit("New", {"src/q.py": PY})
    legacy = note("src/p.py\n  abcd123 1-3\n", old, {"abcd123": agent("cursor", "gpt-5-codex")})
    oid = repo.git("hash-object", "-w", "--stdin", input=legacy).strip()
    repo.git("update-ref", f"refs/ai/authorship/{old}", oid)
    current = note("src/q.py\n  eeee555 1-2\n", new, {"eeee555": agent("claude")})
    repo.git("notes", "--ref=ai", "add", "-F", "-", new, input=current)
    r = Repo.discover(repo.path)

    assert read_gitai_notes(r) == {old: [legacy], new: [current + b"\n"]}  # notes add a newline
    assert legacy_gitai_notes(r, [old, new]) == {old: [legacy]}
    with ProvenanceLookup(r, use_index=False) as lookup:
        prov = lookup.get(old)
    assert prov.status == "ai"
    assert [t.tool for t in prov.tools] == ["cursor"]
    with ProvenanceLookup(r) as lookup:  # the index reads them too
        assert lookup.get(old).status == "ai"


def trace(sha: str, version: str, tool: dict[str, Any]) -> bytes:
    record = {
        "version": version,
        "id": "r1",
        "timestamp": "2026-01-23T14:30:00Z",
        "vcs": {"type": "git", "revision": sha},
        "tool": tool,
        "files": [
            {
                "path": "src/p.py",
                "conversations": [
                    {"contributor": {"type": "ai"}, "ranges": [{"start_line": 1, "end_line": 2}]}
                ],
            }
        ],
    }
    return json.dumps(record).encode()


def test_agent_trace_versions_and_optional_tool_version() -> None:
    sha = "a" * 40
    for version in ("0.1", "0.1.0", "1.2"):
        reading = parse_agent_trace(trace(sha, version, {"name": "cursor"}), sha)
        assert reading.problems == [], version
        assert [t.tool for t in reading.tools] == ["cursor"]
    reading = parse_agent_trace(trace(sha, "v1", {"name": "cursor"}), sha)
    assert reading.problems == ["Agent Trace: record r1 has no readable version; read as 0.1.0"]


def test_pre_release_json_logs_give_their_ai_lines(repo: GitRepo) -> None:
    sha = repo.commit("Workflow", {"ci.yml": PY})
    legacy = {
        "files": {
            "ci.yml": {
                "file": "ci.yml",
                "authors": [
                    {"author": "Claude", "lines": [48, [5, 6], [14, 16]], "agent_metadata": None},
                    {"author": "Aidan Cunniffe", "lines": [[1, 4]], "agent_metadata": None},
                    {"author": "o3", "lines": [30], "agent_metadata": None},
                ],
            }
        },
        "schema_version": "authorship/0.0.1",
    }
    blob = json.dumps(legacy).encode()
    oid = repo.git("hash-object", "-w", "--stdin", input=blob).strip()
    repo.git("update-ref", f"refs/ai/authorship/{sha}", oid)
    [stored] = read_gitai_notes(Repo.discover(repo.path))[sha]

    reading = parse_gitai_note(stored, sha)
    [record] = reading.line_records
    assert record.files["ci.yml"] == (
        LineSpan(5, 6, ToolUse("claude-code")),
        LineSpan(14, 16, ToolUse("claude-code")),
        LineSpan(30, 30, ToolUse("unspecified", "o3")),
        LineSpan(48, 48, ToolUse("claude-code")),
    )
    assert record.counts() == (7, 0)  # the person's entry is inferred: not human lines
    assert [(m.detector, m.confidence, m.tool) for m in reading.markers] == [
        ("git-ai.pre-release-log", "medium", "claude-code"),
        ("git-ai.pre-release-log", "medium", "unspecified"),
    ]
    assert len(reading.problems) == 1


def test_git_ai_remote_copies_are_read(repo: GitRepo) -> None:
    sha = repo.commit("Parser", {"src/p.py": PY})
    blob = note("src/p.py\n  abcd123 1-2\n", sha, {"abcd123": agent("claude")})
    repo.git("notes", "--ref=refs/notes/ai-remote/origin", "add", "-F", "-", sha, input=blob)
    r = Repo.discover(repo.path)
    assert read_gitai_notes(r) == {sha: [blob + b"\n"]}
    with ProvenanceLookup(r, use_index=False) as lookup:
        assert lookup.get(sha).status == "ai"
    with ProvenanceLookup(r) as lookup:
        assert lookup.get(sha).status == "ai"
