"""Git AI notes and Agent Trace records, attached to real commits and read back through git.

Every note here has the shape the real tools write (the Git AI standard v3.0.0 and its
legacy key styles; the Agent Trace 0.1.0 schema and the reference hook's records), so these
tests pin what Signoff reads from them, exactly. The property tests at the end feed both
parsers arbitrary bytes and near-miss documents: they must never raise.
"""

from __future__ import annotations

import json
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signoff.git import Repo
from signoff.git.log import read_commit
from signoff.git.notes import read_notes
from signoff.provenance.foreign import (
    MAX_LINE,
    parse_agent_trace,
    parse_gitai_note,
    read_agent_traces,
    tool_id,
    trace_model,
    trace_session,
)
from signoff.provenance.model import LineRecord, LineSpan, Marker, NoteReading, ToolUse
from tests.gitrepo import GitRepo

PY = "".join(f"line {i}\n" for i in range(1, 61))


def M(
    detector: str,
    kind: str,
    tool: str | None,
    confidence: str,
    evidence: str,
    model: str | None = None,
    session: str | None = None,
) -> Marker:
    return Marker(detector, kind, tool, "note", confidence, evidence, model, session)  # type: ignore[arg-type]


def gitai_note(attestations: str, metadata: dict[str, Any]) -> str:
    """A note laid out as Git AI writes it: attestation lines, `---`, pretty JSON."""
    return attestations + "---\n" + json.dumps(metadata, indent=2)


def annotate(repo: GitRepo, ref: str, sha: str, note: str | bytes) -> list[bytes]:
    """Attach a note for real and read it back the way the index does."""
    data = note if isinstance(note, bytes) else note.encode()
    repo.git("notes", f"--ref={ref}", "add", "-f", "-F", "-", sha, input=data)
    return read_notes(Repo.discover(repo.path), ref)[sha]


# -- Git AI: the current format ---------------------------------------------------------

CLAUDE = ToolUse("claude-code", "claude-sonnet-4-5-20250514", "conv_abc123")
CURSOR_OLD = ToolUse("cursor", "gpt-4", "6ef2299e-a67f-432b-aa80-3d2fb4d28999")


def mixed_format_note(sha: str) -> str:
    """Sessions, a known human and a legacy prompt in one note (git-ai >= 1.4.0)."""
    return gitai_note(
        "src/main.py\n"
        "  s_c9883b05a2487d::t_9f8e7d6c5b4a32 1-10,15\n"
        "  s_c9883b05a2487d::t_a1b2c3d4e5f678 30-35\n"
        "  h_31dce776f88375 40-50\n"
        '"docs/read me.md"\n'
        "  abcd1234abcd1234 1-3\n",
        {
            "schema_version": "authorship/3.0.0",
            "git_ai_version": "1.4.5",
            "base_commit_sha": sha,
            "prompts": {
                "abcd1234abcd1234": {
                    "agent_id": {
                        "tool": "cursor",
                        "id": "6ef2299e-a67f-432b-aa80-3d2fb4d28999",
                        "model": "gpt-4",
                    },
                    "human_author": "Ada Lovelace <ada@example.com>",
                    "total_additions": 3,
                    "total_deletions": 0,
                    "accepted_lines": 3,
                    "overriden_lines": 0,
                }
            },
            "humans": {"h_31dce776f88375": {"author": "Ada Lovelace <ada@example.com>"}},
            "sessions": {
                "s_c9883b05a2487d": {
                    "agent_id": {
                        "tool": "claude",
                        "id": "conv_abc123",
                        "model": "claude-sonnet-4-5-20250514",
                    },
                    "human_author": "ada@example.com",
                    "custom_attributes": {"team": "payments"},
                }
            },
        },
    )


def test_gitai_current_format_from_a_real_note(repo: GitRepo) -> None:
    sha = repo.commit("Add main", {"src/main.py": PY, "docs/read me.md": "a\nb\nc\n"})
    [blob] = annotate(repo, "ai", sha, mixed_format_note(sha))

    reading = parse_gitai_note(blob, sha)

    assert reading == NoteReading(
        markers=[
            M(
                "git-ai.authorship-log",
                "ai",
                "claude-code",
                "strong",
                "Git AI authorship log: 17 lines in 1 file by claude "
                "(claude-sonnet-4-5-20250514), session conv_abc123",
                "claude-sonnet-4-5-20250514",
                "conv_abc123",
            ),
            M(
                "git-ai.authorship-log",
                "ai",
                "cursor",
                "strong",
                "Git AI authorship log: 3 lines in 1 file by cursor (gpt-4), "
                "session 6ef2299e-a67f-432b-aa80-3d2fb4d28999",
                "gpt-4",
                "6ef2299e-a67f-432b-aa80-3d2fb4d28999",
            ),
        ],
        tools=[CLAUDE, CURSOR_OLD],
        line_records=[
            LineRecord(
                "git-ai",
                {
                    "src/main.py": (
                        LineSpan(1, 10, CLAUDE),
                        LineSpan(15, 15, CLAUDE),
                        LineSpan(30, 35, CLAUDE),
                        LineSpan(40, 50, None),
                    ),
                    "docs/read me.md": (LineSpan(1, 3, CURSOR_OLD),),
                },
            )
        ],
        problems=[],
    )
    assert reading.line_records[0].counts() == (20, 11)
    assert reading.line_records[0].tool_for("src/main.py", 12) == (False, None)


def test_gitai_note_written_with_m_flag_reads_the_same(repo: GitRepo) -> None:
    """`git notes add -m` tidies whitespace; the indentation the format needs survives."""
    sha = repo.commit("Add main", {"src/main.py": PY})
    note = gitai_note(
        "src/main.py\n  abcd1234abcd1234 2-4\n",
        {
            "schema_version": "authorship/3.0.0",
            "base_commit_sha": sha,
            "prompts": {
                "abcd1234abcd1234": {
                    "agent_id": {"tool": "codex", "id": "sess-1", "model": "gpt-5-codex"},
                    "human_author": None,
                    "total_additions": 3,
                    "total_deletions": 0,
                    "accepted_lines": 3,
                    "overriden_lines": 0,
                }
            },
        },
    )
    repo.git("notes", "--ref=ai", "add", "-m", note, sha)
    [blob] = read_notes(Repo.discover(repo.path), "ai")[sha]
    reading = parse_gitai_note(blob, sha)
    use = ToolUse("codex", "gpt-5-codex", "sess-1")
    assert reading.line_records == [LineRecord("git-ai", {"src/main.py": (LineSpan(2, 4, use),)})]
    assert reading.tools == [use]
    assert reading.problems == []


# -- Git AI: legacy key styles and versions ---------------------------------------------


def test_gitai_v1_0_note_with_seven_char_keys_and_messages(repo: GitRepo) -> None:
    """git-ai 1.0.0-1.0.17: 7-character prompt hashes, `messages` transcripts, no version."""
    sha = repo.commit("Add parser", {"src/parser.ts": PY})
    note = gitai_note(
        "src/parser.ts\n  c9883b0 1-2,5,7-9\n  e5be5f8 20-22\n",
        {
            "schema_version": "authorship/3.0.0",
            "base_commit_sha": sha,
            "prompts": {
                "c9883b0": {
                    "agent_id": {
                        "tool": "cursor",
                        "id": "session_123",
                        "model": "claude-4-sonnet",
                    },
                    "human_author": None,
                    "messages": [
                        {"type": "user", "text": "add a parser", "timestamp": None},
                        {"type": "assistant", "text": "Done.", "timestamp": None},
                    ],
                    "total_additions": 8,
                    "total_deletions": 0,
                    "accepted_lines": 6,
                    "overriden_lines": 2,
                },
                "e5be5f8": {
                    "agent_id": {"tool": "claude", "id": "c0ffee", "model": "default"},
                    "human_author": "Ada Lovelace <ada@example.com>",
                    "messages": [],
                },
            },
        },
    )
    [blob] = annotate(repo, "ai", sha, note)
    cursor = ToolUse("cursor", "claude-4-sonnet", "session_123")
    claude = ToolUse("claude-code", None, "c0ffee")  # model "default" names no model
    assert parse_gitai_note(blob, sha) == NoteReading(
        markers=[
            M(
                "git-ai.authorship-log",
                "ai",
                "cursor",
                "strong",
                "Git AI authorship log: 6 lines in 1 file by cursor (claude-4-sonnet), "
                "session session_123",
                "claude-4-sonnet",
                "session_123",
            ),
            M(
                "git-ai.authorship-log",
                "ai",
                "claude-code",
                "strong",
                "Git AI authorship log: 3 lines in 1 file by claude (default), session c0ffee",
                None,
                "c0ffee",
            ),
        ],
        tools=[cursor, claude],
        line_records=[
            LineRecord(
                "git-ai",
                {
                    "src/parser.ts": (
                        LineSpan(1, 2, cursor),
                        LineSpan(5, 5, cursor),
                        LineSpan(7, 9, cursor),
                        LineSpan(20, 22, claude),
                    )
                },
            )
        ],
        problems=[],
    )


def test_gitai_v1_3_note_with_sixteen_char_keys_and_known_humans(repo: GitRepo) -> None:
    """git-ai 1.0.22-1.3.x: 16-character bare keys, stats, messages_url, `h_` humans."""
    sha = repo.commit("Tune retry", {"src/retry.go": PY})
    note = gitai_note(
        "src/retry.go\n  866dabf162e96bcb 6,8-9\n  h_8f14e45fceea16 10-12\n",
        {
            "schema_version": "authorship/3.0.0",
            "git_ai_version": "1.3.2",
            "base_commit_sha": sha,
            "prompts": {
                "866dabf162e96bcb": {
                    "agent_id": {
                        "tool": "github-copilot",
                        "id": "9a1f",
                        "model": "gpt-4.1",
                    },
                    "human_author": "Ada Lovelace <ada@example.com>",
                    "messages_url": "https://usegitai.com/cas/abc",
                    "total_additions": 5,
                    "total_deletions": 1,
                    "accepted_lines": 3,
                    "overriden_lines": 2,
                }
            },
            "humans": {"h_8f14e45fceea16": {"author": "Ada Lovelace <ada@example.com>"}},
        },
    )
    [blob] = annotate(repo, "ai", sha, note)
    copilot = ToolUse("copilot", "gpt-4.1", "9a1f")
    reading = parse_gitai_note(blob, sha)
    assert reading.line_records == [
        LineRecord(
            "git-ai",
            {
                "src/retry.go": (
                    LineSpan(6, 6, copilot),
                    LineSpan(8, 9, copilot),
                    LineSpan(10, 12, None),
                )
            },
        )
    ]
    assert [m.tool for m in reading.markers] == ["copilot"]
    assert reading.problems == []


def test_gitai_future_overridden_spelling_and_extra_fields_are_accepted() -> None:
    """Errata E-001 renames `overriden_lines` in v4; unknown fields are never an error."""
    note = gitai_note(
        "a.py\n  abcd1234abcd1234 1\n",
        {
            "schema_version": "authorship/3.0.0",
            "base_commit_sha": "",
            "prompts": {
                "abcd1234abcd1234": {
                    "agent_id": {"tool": "windsurf", "id": "w1", "model": "swe-1"},
                    "overridden_lines": 0,
                    "future_field": {"x": 1},
                }
            },
            "future_map": {},
        },
    )
    reading = parse_gitai_note(note.encode(), "0" * 40)
    assert reading.tools == [ToolUse("windsurf", "swe-1", "w1")]
    assert reading.problems == []


def test_gitai_pre_release_json_log_is_named_not_read() -> None:
    """authorship/2.0.0 lived under refs/ai/authorship, never as a note; Git AI dropped it."""
    legacy = {
        "files": {"abc.ts": [[[1, 5, [12, 34]], "e1cb90d1"]]},
        "authors": {"e1cb90d1": {"username": "Ada", "email": "ada@example.com"}},
        "prompts": {},
        "schema_version": "authorship/2.0.0",
        "base_commit_sha": "",
    }
    reading = parse_gitai_note(json.dumps(legacy).encode(), "0" * 40)
    assert reading == NoteReading(
        problems=[
            "Git AI note: a pre-release JSON authorship log (authorship/2.0.0); these were "
            "stored under refs/ai/authorship before Git AI 1.0 and Git AI itself no longer "
            "reads them; its lines are not read"
        ]
    )


def test_gitai_other_schema_version_is_read_with_a_problem() -> None:
    note = gitai_note(
        "a.py\n  abcd1234abcd1234 1-2\n",
        {
            "schema_version": "authorship/3.1.0",
            "base_commit_sha": "",
            "prompts": {"abcd1234abcd1234": {"agent_id": {"tool": "amp", "id": "T-1"}}},
        },
    )
    reading = parse_gitai_note(note.encode(), "0" * 40)
    assert reading.tools == [ToolUse("amp", None, "T-1")]
    assert reading.problems == [
        "Git AI note: schema_version is 'authorship/3.1.0', not 'authorship/3.0.0'; "
        "read as authorship/3.0.0"
    ]


# -- Git AI: what a note without AI lines means -----------------------------------------


def test_gitai_note_with_no_lines_and_no_sessions_says_nothing(repo: GitRepo) -> None:
    """Git AI leaves untracked lines out: an empty log is no evidence of a human."""
    sha = repo.commit("Human edit", {"a.py": "x = 1\n"})
    note = gitai_note(
        "", {"schema_version": "authorship/3.0.0", "base_commit_sha": sha, "prompts": {}}
    )
    [blob] = annotate(repo, "ai", sha, note)
    assert parse_gitai_note(blob, sha) == NoteReading()


def test_gitai_sessions_without_lines_are_ambiguous(repo: GitRepo) -> None:
    """An agent whose lines were all deleted or rewritten took part, but wrote no line."""
    sha = repo.commit("Remove dead code", {"a.py": "x = 1\n"})
    note = gitai_note(
        "",
        {
            "schema_version": "authorship/3.0.0",
            "base_commit_sha": sha,
            "prompts": {
                "abcd1234abcd1234": {
                    "agent_id": {"tool": "claude", "id": "c1", "model": "claude-opus-4-5"},
                    "total_additions": 0,
                    "total_deletions": 40,
                    "accepted_lines": 0,
                    "overriden_lines": 0,
                }
            },
        },
    )
    [blob] = annotate(repo, "ai", sha, note)
    assert parse_gitai_note(blob, sha) == NoteReading(
        markers=[
            M(
                "git-ai.session-without-lines",
                "ambiguous",
                "claude-code",
                "medium",
                "Git AI authorship log records claude (claude-opus-4-5), session c1 "
                "but attributes no committed line to it",
                "claude-opus-4-5",
                "c1",
            )
        ]
    )


def test_gitai_only_known_human_lines_give_human_spans() -> None:
    note = gitai_note(
        "a.py\n  h_31dce776f88375 1-4\n",
        {
            "schema_version": "authorship/3.0.0",
            "base_commit_sha": "",
            "prompts": {},
            "humans": {"h_31dce776f88375": {"author": "Ada Lovelace <ada@example.com>"}},
        },
    )
    reading = parse_gitai_note(note.encode(), "0" * 40)
    assert reading == NoteReading(
        line_records=[LineRecord("git-ai", {"a.py": (LineSpan(1, 4, None),)})]
    )


# -- Git AI: damaged and inconsistent notes ----------------------------------------------


def test_gitai_dangling_keys() -> None:
    """AI keys without a record stay AI (the prefix says so); human keys without one do not."""
    note = gitai_note(
        "a.py\n  s_aaaaaaaaaaaaaa::t_bbbbbbbbbbbbbb 1-2\n  h_cccccccccccccc 3-4\n",
        {"schema_version": "authorship/3.0.0", "base_commit_sha": "", "prompts": {}},
    )
    reading = parse_gitai_note(note.encode(), "0" * 40)
    unknown = ToolUse("unspecified")
    assert reading.line_records == [LineRecord("git-ai", {"a.py": (LineSpan(1, 2, unknown),)})]
    assert reading.problems == [
        "Git AI note: AI key 's_aaaaaaaaaaaaaa' has no record in the metadata; its lines "
        "count as AI with the tool unknown",
        "Git AI note: attestation line 3: known-human key 'h_cccccccccccccc' has no author "
        "record; its lines are not counted as human",
    ]


def test_gitai_later_entries_win_where_ranges_overlap() -> None:
    note = gitai_note(
        "a.py\n  abcd1234abcd1234 1-10\n  h_31dce776f88375 4-6\n",
        {
            "schema_version": "authorship/3.0.0",
            "base_commit_sha": "",
            "prompts": {"abcd1234abcd1234": {"agent_id": {"tool": "cursor", "id": "x"}}},
            "humans": {"h_31dce776f88375": {"author": "Ada <ada@example.com>"}},
        },
    )
    cursor = ToolUse("cursor", None, "x")
    [record] = parse_gitai_note(note.encode(), "0" * 40).line_records
    assert record.files == {
        "a.py": (LineSpan(1, 3, cursor), LineSpan(4, 6, None), LineSpan(7, 10, cursor))
    }
    assert record.counts() == (7, 3)


def test_gitai_note_for_another_commit_is_read_with_a_warning(repo: GitRepo) -> None:
    """A note copied over a rewrite (notes.rewriteRef) still names the old commit."""
    old = repo.commit("Add a", {"a.py": PY})
    repo.git("commit", "--amend", "-q", "-m", "Add a (amended)")
    new = repo.head()
    note = gitai_note(
        "a.py\n  abcd1234abcd1234 1-2\n",
        {
            "schema_version": "authorship/3.0.0",
            "base_commit_sha": old,
            "prompts": {"abcd1234abcd1234": {"agent_id": {"tool": "cursor", "id": "x"}}},
        },
    )
    [blob] = annotate(repo, "ai", new, note)
    reading = parse_gitai_note(blob, new)
    assert reading.tools == [ToolUse("cursor", None, "x")]
    assert reading.problems == [
        f"Git AI note: base_commit_sha {old[:15]}… is not this commit: the note was computed "
        f"for another commit and copied here, so line numbers may not match"
    ]


def test_gitai_bad_ranges_are_skipped_and_the_rest_read() -> None:
    note = gitai_note(
        "a.py\n  abcd1234abcd1234 0,3-1,-4,x,99999999999999999999,2-3,20000000,7\n",
        {
            "schema_version": "authorship/3.0.0",
            "base_commit_sha": "",
            "prompts": {"abcd1234abcd1234": {"agent_id": {"tool": "cursor", "id": "x"}}},
        },
    )
    reading = parse_gitai_note(note.encode(), "0" * 40)
    cursor = ToolUse("cursor", None, "x")
    assert reading.line_records == [
        LineRecord("git-ai", {"a.py": (LineSpan(2, 3, cursor), LineSpan(7, 7, cursor))})
    ]
    where = "Git AI note: attestation line 2"
    assert reading.problems == [
        f"{where}: range 0 skipped, line numbers start at 1",
        f"{where}: range 3-1 skipped, it ends before it starts",
        f"{where}: '-4' is not a line or line range; skipped",
        f"{where}: 'x' is not a line or line range; skipped",
        f"{where}: '99999999999999999999' is not a line or line range; skipped",
        f"{where}: range 20000000 skipped, it goes beyond line 10,000,000, past any real file",
    ]


def test_gitai_corrupt_metadata_keeps_the_ai_lines() -> None:
    note = b'a.py\n  s_c9883b05a2487d::t_9f8e7d6c5b4a32 1-3\n---\n{"schema_version": '
    reading = parse_gitai_note(note, "0" * 40)
    assert reading.line_records == [
        LineRecord("git-ai", {"a.py": (LineSpan(1, 3, ToolUse("unspecified")),)})
    ]
    assert reading.problems[0].startswith("Git AI note: metadata is not valid JSON (")
    assert reading.markers[0].kind == "ai"


def test_gitai_non_utf8_path_is_reported_and_read(repo: GitRepo) -> None:
    sha = repo.commit("Add", {"a.py": PY})
    note = (
        b"caf\xe9.py\n  abcd1234abcd1234 1\n---\n"
        + json.dumps(
            {
                "schema_version": "authorship/3.0.0",
                "base_commit_sha": sha,
                "prompts": {"abcd1234abcd1234": {"agent_id": {"tool": "cursor", "id": "x"}}},
            }
        ).encode()
    )
    [blob] = annotate(repo, "ai", sha, note)
    reading = parse_gitai_note(blob, sha)
    assert list(reading.line_records[0].files) == ["caf\ufffd.py"]
    assert reading.problems == ["Git AI note: not valid UTF-8; undecodable bytes were replaced"]


def test_tool_id_names() -> None:
    assert tool_id("claude") == "claude-code"
    assert tool_id("github-copilot") == "copilot"
    assert tool_id("github-copilot-cli") == "copilot"
    assert tool_id("cursor-agent") == "cursor"
    assert tool_id("gemini") == "gemini-cli"
    assert tool_id("droid") == "factory-droid"
    assert tool_id("codex-cloud") == "codex"
    assert tool_id("opencode") == "opencode"
    assert tool_id("unknown") == "unspecified"
    assert tool_id("") == "unspecified"


# -- Agent Trace -------------------------------------------------------------------------


def trace(sha: str, files: list[Any], **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "version": "0.1.0",
        "id": "550e8400-e29b-41d4-a716-446655440000",
        "timestamp": "2026-01-23T14:30:00Z",
        "vcs": {"type": "git", "revision": sha},
        "tool": {"name": "cursor", "version": "2.4.0"},
        "files": files,
    }
    record.update(extra)
    return record


def test_agent_trace_from_a_real_note(repo: GitRepo) -> None:
    sha = repo.commit("Parser", {"src/parser.ts": PY, "src/helpers.ts": PY})
    record = trace(
        sha,
        [
            {
                "path": "src/parser.ts",
                "conversations": [
                    {
                        "url": "https://api.cursor.com/v1/conversations/12345",
                        "contributor": {
                            "type": "ai",
                            "model_id": "anthropic/claude-opus-4-5-20251101",
                        },
                        "ranges": [
                            {"start_line": 42, "end_line": 50, "content_hash": "murmur3:9f2e8a1b"},
                            # an agent handoff: this range is another model's
                            {
                                "start_line": 51,
                                "end_line": 55,
                                "contributor": {"type": "ai", "model_id": "openai/gpt-4o"},
                            },
                        ],
                        "related": [
                            {"type": "session", "url": "https://api.cursor.com/v1/sessions/67890"}
                        ],
                    },
                    {
                        "contributor": {"type": "human"},
                        "ranges": [{"start_line": 1, "end_line": 5}],
                    },
                ],
            },
            {
                "path": "src/helpers.ts",
                "conversations": [
                    {
                        "url": "https://api.cursor.com/v1/conversations/777",
                        "contributor": {"type": "mixed", "model_id": "openai/gpt-4o"},
                        "ranges": [{"start_line": 10, "end_line": 25}],
                    },
                    {
                        "contributor": {"type": "unknown"},
                        "ranges": [{"start_line": 30, "end_line": 31}],
                    },
                ],
            },
        ],
        metadata={"confidence": 0.95, "dev.cursor": {"workspace_id": "ws-abc123"}},
    )
    [blob] = annotate(repo, "agent-trace", sha, json.dumps(record, indent=2))
    assert read_agent_traces(Repo.discover(repo.path)) == {sha: [blob]}

    opus = ToolUse("cursor", "claude-opus-4-5-20251101", "12345")
    gpt = ToolUse("cursor", "gpt-4o", "12345")
    mixed = ToolUse("cursor", "gpt-4o", "777")
    assert parse_agent_trace(blob, sha) == NoteReading(
        markers=[
            M(
                "agent-trace.ai",
                "ai",
                "cursor",
                "strong",
                "Agent Trace: ai contributor cursor (anthropic/claude-opus-4-5-20251101), "
                "conversation 12345, 1 range in 1 file",
                "claude-opus-4-5-20251101",
                "12345",
            ),
            M(
                "agent-trace.ai",
                "ai",
                "cursor",
                "strong",
                "Agent Trace: ai contributor cursor (openai/gpt-4o), conversation 12345, "
                "1 range in 1 file",
                "gpt-4o",
                "12345",
            ),
            M(
                "agent-trace.mixed",
                "ai",
                "cursor",
                "medium",
                "Agent Trace: mixed contributor cursor (openai/gpt-4o), conversation 777, "
                "1 range in 1 file",
                "gpt-4o",
                "777",
            ),
            M(
                "agent-trace.unknown",
                "ambiguous",
                "cursor",
                "weak",
                "Agent Trace: unknown contributor cursor, 1 range in 1 file",
            ),
        ],
        tools=[opus, gpt, mixed],
        line_records=[
            LineRecord(
                "agent-trace",
                {
                    "src/parser.ts": (
                        LineSpan(1, 5, None),
                        LineSpan(42, 50, opus),
                        LineSpan(51, 55, gpt),
                    ),
                    # mixed and unknown lines are neither AI nor human spans
                },
            )
        ],
        problems=[],
    )


def test_agent_trace_only_records_for_this_commit_are_used(repo: GitRepo) -> None:
    parent = repo.commit("Base", {"a.py": PY})
    sha = repo.commit("Change", {"a.py": PY + "more\n"})
    ai = [
        {
            "path": "a.py",
            "conversations": [
                {"contributor": {"type": "ai"}, "ranges": [{"start_line": 1, "end_line": 2}]}
            ],
        }
    ]
    records = [
        trace(sha[:12], ai, id="short-revision"),  # an abbreviated id names the commit too
        trace(parent, ai, id="edit-time"),  # the reference hook's pre-commit HEAD
        {k: v for k, v in trace(sha, ai, id="no-vcs").items() if k != "vcs"},
        trace(sha, ai, id="jj", vcs={"type": "jj", "revision": "kkmpptxz"}),
    ]
    [blob] = annotate(repo, "agent-trace", sha, json.dumps(records))
    reading = parse_agent_trace(blob, sha)
    cursor = ToolUse("cursor")
    assert reading.line_records == [LineRecord("agent-trace", {"a.py": (LineSpan(1, 2, cursor),)})]
    assert reading.problems == [
        f"Agent Trace: record edit-time describes revision {parent[:15]}…, not commit "
        f"{sha[:12]}: its line numbers refer to that revision's files; not read",
        f"Agent Trace: record no-vcs has no vcs revision, so its ranges cannot be tied to "
        f"commit {sha[:12]}; not read",
        "Agent Trace: record jj is for vcs 'jj', not git; not read",
    ]


def test_agent_trace_json_lines_and_reference_hook_records() -> None:
    """The reference hook: version "1.0", file:// transcripts, pseudo-files for shell runs."""
    sha = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0"
    edit = {
        "version": "1.0",
        "id": "1",
        "timestamp": "2026-01-25T10:00:00Z",
        "vcs": {"type": "git", "revision": sha},
        "tool": {"name": "claude-code"},
        "files": [
            {
                "path": "./src/app.ts",
                "conversations": [
                    {
                        "url": "file:///home/ada/.claude/projects/app/0b6c3f1e-5d2a.jsonl",
                        "contributor": {"type": "ai", "model_id": "anthropic/claude-opus-4-5"},
                        "ranges": [{"start_line": 3, "end_line": 9}],
                    }
                ],
            }
        ],
        "metadata": {"session_id": "0b6c3f1e-5d2a", "tool_name": "Edit"},
    }
    shell = {
        **edit,
        "id": "2",
        "files": [
            {
                "path": ".shell-history",
                "conversations": [
                    {"contributor": {"type": "ai"}, "ranges": [{"start_line": 1, "end_line": 1}]}
                ],
            }
        ],
    }
    blob = (json.dumps(edit) + "\n" + json.dumps(shell) + "\n").encode()
    use = ToolUse("claude-code", "claude-opus-4-5", "0b6c3f1e-5d2a")
    reading = parse_agent_trace(blob, sha)
    assert reading.line_records == [
        LineRecord("agent-trace", {"src/app.ts": (LineSpan(3, 9, use),)})
    ]
    assert reading.tools == [use]
    assert reading.problems == []


def test_agent_trace_human_never_wins_over_ai() -> None:
    sha = "ab" * 20
    record = trace(
        sha,
        [
            {
                "path": "a.py",
                "conversations": [
                    {"contributor": {"type": "ai"}, "ranges": [{"start_line": 5, "end_line": 8}]},
                    {
                        "contributor": {"type": "human"},
                        "ranges": [{"start_line": 1, "end_line": 10}],
                    },
                    {
                        "contributor": {"type": "mixed"},
                        "ranges": [{"start_line": 10, "end_line": 10}],
                    },
                ],
            }
        ],
    )
    reading = parse_agent_trace(json.dumps(record).encode(), sha)
    cursor = ToolUse("cursor")
    assert reading.line_records == [
        LineRecord(
            "agent-trace",
            {"a.py": (LineSpan(1, 4, None), LineSpan(5, 8, cursor), LineSpan(9, 9, None))},
        )
    ]
    assert reading.problems == [
        "Agent Trace: 5 lines claimed by a human contributor are also claimed as ai, mixed "
        "or unknown; they are not counted as human"
    ]


def test_agent_trace_bad_fields_are_reported_and_the_rest_read() -> None:
    sha = "cd" * 20
    record = trace(
        sha,
        [
            {"path": "/abs/x.py", "conversations": []},
            {"path": "../up.py", "conversations": []},
            {"conversations": []},
            "not a file",
            {"path": "b.py", "conversations": "nope"},
            {
                "path": "a.py",
                "conversations": [
                    {
                        "contributor": {"type": "ai", "model_id": 42},
                        "ranges": [
                            {"start_line": 3, "end_line": 1},
                            {"start_line": -2, "end_line": 4},
                            {"start_line": True, "end_line": 4},
                            {"start_line": 1.5, "end_line": 4},
                            {"start_line": "1", "end_line": "4"},
                            {"start_line": 1, "end_line": 10**40},
                            {"start_line": 1, "end_line": 2 * MAX_LINE},
                            {"start_line": 6, "end_line": 7},
                        ],
                    },
                    {
                        "contributor": {"type": "robot"},
                        "ranges": [{"start_line": 9, "end_line": 9}],
                    },
                    {"contributor": "ai", "ranges": [{"start_line": 9, "end_line": 9}]},
                    {"ranges": None},
                ],
            },
        ],
        version=3,
        tool="cursor",
    )
    reading = parse_agent_trace(json.dumps(record).encode(), sha)
    unspecified = ToolUse("unspecified")
    assert reading.line_records == [
        LineRecord("agent-trace", {"a.py": (LineSpan(6, 7, unspecified),)})
    ]
    rec = "Agent Trace: record 550e8400-e29b-41d4-a716-446655440000"
    conv = f"{rec} file 6 (a.py) conversation"
    assert reading.problems == [
        f"{rec} has no readable version; read as 0.1.0",
        f"{rec} file 1: path '/abs/x.py' is absolute, not relative to the repository; skipped",
        f"{rec} file 2: path '../up.py' leaves the repository; skipped",
        f"{rec} file 3: a file entry has no path; skipped",
        f"{rec} file 4 is not an object; skipped",
        f"{rec} file 5 (b.py) has no conversations list; skipped",
        f"{conv} 1 range 1: 3-1 skipped, it ends before it starts",
        f"{conv} 1 range 2: -2-4 skipped, line numbers start at 1",
        f"{conv} 1 range 3: start_line and end_line must be integers; skipped",
        f"{conv} 1 range 4: start_line and end_line must be integers; skipped",
        f"{conv} 1 range 5: start_line and end_line must be integers; skipped",
        f"{conv} 1 range 6: start_line and end_line must be integers; skipped",
        "Agent Trace: 4 more problems not shown",
    ]


def test_agent_trace_contributors_without_a_known_type_are_not_attributed() -> None:
    sha = "cd" * 20
    record = trace(
        sha,
        [
            {
                "path": "a.py",
                "conversations": [
                    {
                        "contributor": {"type": "robot"},
                        "ranges": [{"start_line": 1, "end_line": 1}],
                    },
                    {"contributor": "ai", "ranges": [{"start_line": 2, "end_line": 2}]},
                    {"ranges": [{"start_line": 3, "end_line": 3}]},
                    {"ranges": None},
                ],
            }
        ],
    )
    reading = parse_agent_trace(json.dumps(record).encode(), sha)
    assert reading.line_records == []
    conv = "Agent Trace: record 550e8400-e29b-41d4-a716-446655440000 file 1 (a.py) conversation"
    assert reading.problems == [
        f"{conv} 1: contributor type 'robot' is not one of ai, human, mixed, unknown; "
        f"its ranges are not attributed",
        f"{conv} 2: contributor has no type; its ranges are not attributed",
        f"{conv} 4 has no ranges list; skipped",
    ]
    assert reading.markers == [
        M(
            "agent-trace.unknown",
            "ambiguous",
            "cursor",
            "weak",
            "Agent Trace: unknown contributor cursor, 3 ranges in 1 file",
        )
    ]


def test_agent_trace_garbage_is_a_problem_not_an_error() -> None:
    assert parse_agent_trace(b"", "0" * 40).problems == ["Agent Trace: the record is empty"]
    assert (
        parse_agent_trace(b"{", "0" * 40)
        .problems[0]
        .startswith("Agent Trace: the record is not valid JSON (")
    )
    assert parse_agent_trace(b"[1, null]", "0" * 40).problems == [
        "Agent Trace: item 1 is not a JSON object; skipped",
        "Agent Trace: item 2 is not a JSON object; skipped",
    ]
    deep = b"[" * 100_000 + b"]" * 100_000
    assert parse_agent_trace(deep, "0" * 40).problems == [
        "Agent Trace: the record is JSON nested too deeply"
    ]


def test_agent_trace_names() -> None:
    assert trace_model("anthropic/claude-opus-4-5-20251101") == "claude-opus-4-5-20251101"
    assert trace_model("gpt-4o") == "gpt-4o"
    assert trace_model("openrouter/anthropic/claude-sonnet-4") == "claude-sonnet-4"
    assert trace_session("https://api.cursor.com/v1/conversations/12345") == "12345"
    assert trace_session("https://example.com") is None
    assert trace_session("file:///tmp/transcripts/abc-123.jsonl") == "abc-123"
    assert trace_session("conv_42") == "conv_42"
    assert trace_session(7) is None


# -- where Agent Trace records live ------------------------------------------------------


def test_read_agent_traces_without_notes_is_empty(repo: GitRepo) -> None:
    repo.commit("a", {"a.py": "x\n"})
    repo.write(".agent-trace/traces.jsonl", "{}\n")  # edit-time records are not read
    assert read_agent_traces(Repo.discover(repo.path)) == {}


def test_read_agent_traces_reads_remote_copies_in_constant_git_calls(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    shas = [repo.commit(f"c{i}", {"a.py": f"{i}\n"}) for i in range(30)]
    for sha in shas[:20]:
        repo.git("notes", "--ref=agent-trace", "add", "-m", json.dumps(trace(sha, [])), sha)
    # a colleague's records, fetched to the conventional remote-notes location
    repo.git("update-ref", "refs/notes/remotes/origin/agent-trace", "refs/notes/agent-trace")
    repo.git("notes", "--ref=agent-trace", "add", "-m", json.dumps(trace(shas[25], [])), shas[25])

    calls: list[tuple[str, ...]] = []
    real_run = Repo.run

    def counting(self: Repo, *args: str, **kwargs: Any) -> bytes:
        calls.append(args)
        return real_run(self, *args, **kwargs)

    monkeypatch.setattr(Repo, "run", counting)
    found = read_agent_traces(Repo.discover(repo.path))
    assert set(found) == {*shas[:20], shas[25]}
    assert all(len(blobs) == 1 for blobs in found.values())
    assert len(calls) <= 6  # for-each-ref, rev-parse and notes list per ref, one cat-file


# -- combined with every other trace (detect) --------------------------------------------


def _detect() -> Any:
    try:
        import signoff.provenance.markers  # noqa: F401
        from signoff.provenance.detect import detect
    except ImportError as exc:
        pytest.skip(f"signoff.provenance.detect is not importable yet ({exc}); written in parallel")
    return detect


def test_detect_combines_foreign_records(repo: GitRepo) -> None:
    detect = _detect()
    r = Repo.discover(repo.path)

    sha = repo.commit("Add main", {"src/main.py": PY, "docs/read me.md": "a\nb\nc\n"})
    [blob] = annotate(repo, "ai", sha, mixed_format_note(sha))
    prov = detect(read_commit(r, sha), ai_notes=[blob])
    assert prov.status == "mixed"
    assert prov.confidence == "strong"
    assert {t.tool for t in prov.tools} == {"claude-code", "cursor"}
    assert prov.line_records[0].source == "git-ai"

    human = repo.commit("Typed by hand", {"b.py": "x\n"})
    only_human = gitai_note(
        "b.py\n  h_31dce776f88375 1\n",
        {
            "schema_version": "authorship/3.0.0",
            "base_commit_sha": human,
            "prompts": {},
            "humans": {"h_31dce776f88375": {"author": "Ada Lovelace <ada@example.com>"}},
        },
    )
    [blob] = annotate(repo, "ai", human, only_human)
    assert detect(read_commit(r, human), ai_notes=[blob]).status == "human"

    silent = repo.commit("No AI lines", {"c.py": "x\n"})
    empty = gitai_note(
        "", {"schema_version": "authorship/3.0.0", "base_commit_sha": silent, "prompts": {}}
    )
    [blob] = annotate(repo, "ai", silent, empty)
    assert detect(read_commit(r, silent), ai_notes=[blob]).status == "unknown"

    traced = repo.commit("Traced", {"d.py": PY})
    record = trace(
        traced,
        [
            {
                "path": "d.py",
                "conversations": [
                    {"contributor": {"type": "ai"}, "ranges": [{"start_line": 1, "end_line": 3}]}
                ],
            }
        ],
    )
    [blob] = annotate(repo, "agent-trace", traced, json.dumps(record))
    prov = detect(read_commit(r, traced), agent_traces=[blob])
    assert prov.status == "ai"
    assert [t.tool for t in prov.tools] == ["cursor"]


# -- properties: never raise -------------------------------------------------------------

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COMMIT = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0"

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(max_size=20)
    | st.sampled_from(["ai", "human", "mixed", "unknown", "git", COMMIT, COMMIT[:9]]),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
trace_keys = st.sampled_from(
    [
        "version",
        "id",
        "vcs",
        "type",
        "revision",
        "tool",
        "name",
        "files",
        "path",
        "conversations",
        "contributor",
        "model_id",
        "ranges",
        "start_line",
        "end_line",
        "url",
    ]
)
trace_like = st.recursive(
    st.none()
    | st.integers(-5, 30)
    | st.sampled_from(["ai", "human", "mixed", "git", COMMIT, "a.py"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(trace_keys, inner, max_size=6),
    max_leaves=40,
)
attestation_lines = st.lists(
    st.one_of(
        st.sampled_from(["a.py", '"b c.py"', "---", "", "  ", '"']),
        st.builds(
            lambda key, ranges: f"  {key} {ranges}",
            st.sampled_from(["abcd1234abcd1234", "s_aa::t_bb", "h_cc", "", "x"]),
            st.text(alphabet="0123456789-,x ", max_size=16),
        ),
        st.text(max_size=30),
    ),
    max_size=12,
)


def _well_formed(reading: NoteReading) -> None:
    assert all(isinstance(p, str) for p in reading.problems)
    for record in reading.line_records:
        for spans in record.files.values():
            assert spans
            for before, after in pairwise(spans):
                assert before.end < after.start
            for span in spans:
                assert 1 <= span.start <= span.end <= MAX_LINE
        record.to_json()
    for marker in reading.markers:
        marker.to_json()


@PROPERTY
@given(st.binary(max_size=2000))
def test_gitai_never_raises_on_bytes(blob: bytes) -> None:
    _well_formed(parse_gitai_note(blob, COMMIT))


@PROPERTY
@given(attestation_lines, json_values)
def test_gitai_never_raises_on_near_misses(lines: list[str], metadata: Any) -> None:
    text = "\n".join(lines) + "\n---\n" + json.dumps(metadata)
    _well_formed(parse_gitai_note(text.encode(), COMMIT))


@PROPERTY
@given(
    attestation_lines,
    st.dictionaries(
        st.sampled_from(["prompts", "sessions", "humans", "schema_version", "base_commit_sha"]),
        json_values,
    ),
)
def test_gitai_never_raises_on_odd_metadata(lines: list[str], metadata: dict[str, Any]) -> None:
    text = "\n".join(lines) + "\n---\n" + json.dumps(metadata)
    _well_formed(parse_gitai_note(text.encode(), COMMIT))


@PROPERTY
@given(st.binary(max_size=2000))
def test_agent_trace_never_raises_on_bytes(blob: bytes) -> None:
    _well_formed(parse_agent_trace(blob, COMMIT))


@PROPERTY
@given(trace_like)
def test_agent_trace_never_raises_on_near_misses(document: Any) -> None:
    _well_formed(parse_agent_trace(json.dumps(document).encode(), COMMIT))


@PROPERTY
@given(json_values)
def test_agent_trace_never_raises_on_any_json(document: Any) -> None:
    _well_formed(parse_agent_trace(json.dumps(document).encode(), COMMIT))
