"""Note format revision 2 (line kinds, range hashes, completeness, derivation) and the working log."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from signoff.provenance.model import ToolUse
from signoff.provenance.notes import (
    REVISION,
    build_note,
    merge_records,
    parse_signoff_notes,
    range_hash,
)
from signoff.recording import worklog
from tests.gitrepo import GitRepo

SCHEMA_FILE = (
    Path(__file__).resolve().parent.parent / "docs" / "schemas" / "provenance-note-v1.json"
)
SHA = "0123456789abcdef0123456789abcdef01234567"
OLD = "89abcdef0123456789abcdef0123456789abcdef"
CLAUDE = ToolUse("claude-code", "claude-opus-4-5", "sess-1")


def note(commit: str = SHA, **overrides: Any) -> bytes:
    args: dict[str, Any] = {
        "status": "ai",
        "tools": [CLAUDE],
        "accepted_by": None,
        "recorded_by": "hook",
        "commit": commit,
    }
    args.update(overrides)
    return build_note(**args)


def test_revision_2_note_validates_and_reads_back_every_kind() -> None:
    digest = range_hash(["def f():", "    return 1"])
    blob = note(
        files={
            "app.py": [
                (1, 2, 0, "ai", digest),
                (3, 3, 0, "ai-modified", None),
                (4, 4, None, "human", None),
                (5, 6, None, "unknown", None),
            ]
        },
        line_record={"complete": False, "reason": "the commit hook ran out of time"},
    )
    doc = json.loads(blob)
    jsonschema.validate(doc, json.loads(SCHEMA_FILE.read_text()))
    assert doc["revision"] == REVISION
    [record] = parse_signoff_notes([blob], SHA).line_records
    spans = record.files["app.py"]
    assert [(s.start, s.end, s.author) for s in spans] == [
        (1, 2, "ai"),
        (3, 3, "ai-modified"),
        (4, 4, "human"),
        (5, 6, "unknown"),
    ]
    assert spans[0].hash == digest and spans[1].tool == CLAUDE and spans[3].tool is None
    assert record.kind_counts() == {"ai": 2, "ai-modified": 1, "human": 1, "unknown": 2}
    assert record.counts() == (3, 1)  # unknown is neither AI nor human
    assert record.ai_spans() == {"app.py": [(1, 2), (3, 3)]}
    assert not record.complete and record.gaps == ("the commit hook ran out of time",)
    assert record.tool_for("app.py", 5) == (False, None)  # unknown says nothing
    assert record.tool_for("app.py", 4) == (True, None)


def test_range_hash_ignores_line_endings_but_not_content() -> None:
    assert range_hash(["a", "b"]) == range_hash(["a", "b"])
    assert range_hash(["a", "b"]) != range_hash(["a", "b "])
    assert len(range_hash([])) == 16


@pytest.mark.parametrize(
    ("span", "message"),
    [
        ((1, 1, None, "ai", None), "need a tool index"),
        ((1, 1, 0, "human", None), "need a tool index"),
        ((1, 1, 0, "robot", None), "author must be one of"),
    ],
)
def test_writer_refuses_inconsistent_spans(span: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        note(files={"a.py": [span]})


def test_two_records_of_one_commit_merge_by_range_later_wins() -> None:
    first = note(files={"a.py": [(1, 10, 0, "ai", None)]})
    second = note(
        files={"a.py": [(4, 5, None, "human", None), (20, 22, None, "unknown", None)]},
        tools=[CLAUDE],
    ).replace(b'"recorded_at":"', b'"recorded_at":"9')  # recorded later
    [record] = parse_signoff_notes([first + second], SHA).line_records
    assert [(s.start, s.end, s.author) for s in record.files["a.py"]] == [
        (1, 3, "ai"),
        (4, 5, "human"),
        (6, 10, "ai"),
        (20, 22, "unknown"),
    ]


def test_unknown_never_erases_what_another_record_knew() -> None:
    known = parse_signoff_notes([note(files={"a.py": [(3, 4, 0, "ai", None)]})], SHA)
    unsure = parse_signoff_notes([note(files={"a.py": [(1, 6, None, "unknown", None)]})], SHA)
    merged = merge_records([*known.line_records, *unsure.line_records])
    assert [(s.start, s.end, s.author) for s in merged.files["a.py"]] == [
        (1, 2, "unknown"),
        (3, 4, "ai"),
        (5, 6, "unknown"),
    ]


def test_ranges_recorded_for_this_commit_win_over_ranges_git_copied_from_a_predecessor() -> None:
    copied = note(commit=OLD, files={"a.py": [(1, 3, 0, "ai", None)]})
    carried = note(
        files={"a.py": [(2, 4, 0, "ai", None)]}, derived={"method": "amend", "from": [OLD]}
    )
    [record] = parse_signoff_notes([copied + b"\n" + carried], SHA).line_records
    assert [(s.start, s.end) for s in record.files["a.py"]] == [(2, 4)]
    assert record.derivation == f"carried over amend from {OLD[:12]} by content"
    [only_copied] = parse_signoff_notes([copied], SHA).line_records
    assert only_copied.confidence == "medium"
    assert "line numbers not re-mapped" in (only_copied.derivation or "")


def test_a_revision_1_note_still_reads_as_before() -> None:
    old = (
        b'{"schema":"signoff/provenance/v1","commit":null,"status":"ai","tools":[{"tool":"codex",'
        b'"model":null,"session":null}],"accepted_by":null,"recorded_by":"cli","recorded_at":'
        b'"2026-01-01T00:00:00Z","signoff_version":"0.1.0","files":{"a.py":[{"start":1,"end":2,'
        b'"author":"ai","tool":0},{"start":3,"end":3,"author":"human","tool":null}]}}\n'
    )
    reading = parse_signoff_notes([old], SHA)
    [record] = reading.line_records
    assert record.counts() == (2, 1) and record.complete and not reading.problems


# -- the working log ------------------------------------------------------------------------------


def _append_many(git_dir: str, name: str, n: int) -> None:
    for i in range(n):
        worklog.append(git_dir, [worklog.make_record("post", name, "ab" * 20, agent="codex", at=i)])


def test_concurrent_appends_and_a_prune_lose_nothing(repo: GitRepo) -> None:
    git_dir = str(repo.path / ".git")
    worklog.append(git_dir, [worklog.make_record("pre", "old.py", None, at=1.0)])
    procs = [
        multiprocessing.get_context("fork").Process(
            target=_append_many, args=(git_dir, f"f{i}", 150)
        )
        for i in range(3)
    ]
    for p in procs:
        p.start()
    dropped = worklog.prune(git_dir, lambda r: r["path"] != "old.py")
    for p in procs:
        p.join()
    records, problems = worklog.read(git_dir)
    assert dropped == 1 and not problems
    assert sorted({r["path"] for r in records}) == ["f0", "f1", "f2"]
    assert len(records) == 450


def test_a_torn_or_foreign_line_is_skipped_and_reported(repo: GitRepo) -> None:
    git_dir = str(repo.path / ".git")
    worklog.append(git_dir, [worklog.make_record("post", "a.py", "ab" * 20, agent="cursor")])
    log = Path(worklog.capture_dir(git_dir)) / worklog.LOG_NAME
    with log.open("ab") as f:
        f.write(b'{"v":1,"event":"post","pa\n{"v":9,"event":"post","path":"x","at":1}\n')
    worklog.append(git_dir, [worklog.make_record("pre", "b.py", None, agent="cursor")])
    records, problems = worklog.read(git_dir)
    assert [r["path"] for r in records] == ["a.py", "b.py"]
    assert problems == [
        "log.jsonl line 2 is not JSON; skipped",
        "log.jsonl line 3 has format 9, not 1; skipped",
    ]


@pytest.mark.parametrize("path", ["", "/etc/passwd", "a/../../b", "a\\b"])
def test_a_record_outside_the_repository_is_refused(path: str) -> None:
    with pytest.raises(ValueError, match="repository-relative"):
        worklog.make_record("post", path, None)


def test_errors_are_kept_for_agent_status(repo: GitRepo) -> None:
    git_dir = str(repo.path / ".git")
    worklog.write_error(git_dir, "payload was not JSON", agent="gemini-cli")
    [entry] = worklog.read_errors(git_dir)
    assert entry["error"] == "payload was not JSON" and entry["agent"] == "gemini-cli"
