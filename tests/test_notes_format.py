"""Signoff's note format: what `build_note` writes, and what the reader makes of any note."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signoff.git.log import Person
from signoff.git.notes import read_notes, write_note
from signoff.git.repo import Repo
from signoff.provenance.model import ToolUse
from signoff.provenance.notes import SCHEMA, build_note, parse_signoff_notes, split_documents
from tests.gitrepo import GitRepo

SCHEMAS = Path(__file__).resolve().parent.parent / "docs" / "schemas"
SCHEMA_FILE = SCHEMAS / "provenance-note-v1.json"
SHA = "0123456789abcdef0123456789abcdef01234567"
CLAUDE = ToolUse("claude-code", "claude-opus-4-5", "sess-1")
ADA = Person("Ada Lovelace", "ada@example.com")


def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text())
    return loaded


def ai_note(**overrides: Any) -> bytes:
    args: dict[str, Any] = {
        "status": "ai",
        "tools": [CLAUDE],
        "accepted_by": ADA,
        "recorded_by": "hook",
        "detection": {"source": "env", "evidence": "CLAUDECODE=1"},
        "commit": SHA,
    }
    args.update(overrides)
    return build_note(**args)


# -- writing ------------------------------------------------------------------------------------


def test_built_note_is_one_json_line_valid_against_the_schema() -> None:
    blob = ai_note(files={"app.py": [(1, 4, 0), (5, 5, None)]})
    assert blob.endswith(b"\n") and blob.count(b"\n") == 1
    doc = json.loads(blob)
    jsonschema.validate(doc, schema())
    assert doc["schema"] == SCHEMA
    assert doc["tools"] == [CLAUDE.to_json()]
    assert doc["accepted_by"] == {"name": "Ada Lovelace", "email": "ada@example.com"}
    assert doc["files"]["app.py"][1] == {"start": 5, "end": 5, "author": "human", "tool": None}
    assert doc["detection"] == {"source": "env", "evidence": "CLAUDECODE=1"}


@pytest.mark.parametrize(
    "overrides",
    [
        {"status": "human", "tools": [], "detection": {"source": "SIGNOFF_AI", "evidence": "none"}},
        {"status": "mixed", "recorded_by": "cli", "detection": None},
        {"status": "unknown", "tools": [], "accepted_by": None, "commit": None},
        {"detection": {"source": "config", "evidence": None}},
        {"detection": {"source": "trailer", "evidence": "AI-Assisted: cursor"}},
    ],
)
def test_every_variant_validates(overrides: dict[str, Any]) -> None:
    jsonschema.validate(json.loads(ai_note(**overrides)), schema())


@settings(max_examples=60, deadline=None)
@given(
    name=st.text(min_size=1, max_size=30).filter(lambda s: s.strip()),
    tool=st.text(min_size=1, max_size=20),
    model=st.none() | st.text(max_size=20),
    spans=st.lists(st.tuples(st.integers(1, 500), st.integers(0, 50)), max_size=4),
)
def test_any_names_round_trip_through_json_and_schema(
    name: str, tool: str, model: str | None, spans: list[tuple[int, int]]
) -> None:
    files = {"f.py": [(s, s + n, 0) for s, n in spans]} if spans else None
    blob = ai_note(tools=[ToolUse(tool, model)], accepted_by=Person(name, "x@y"), files=files)
    doc = json.loads(blob)
    jsonschema.validate(doc, schema())
    assert blob.count(b"\n") == 1
    clean = name.encode("utf-8", "replace").decode("utf-8")
    assert doc["accepted_by"]["name"] == clean


def test_schema_rejects_what_the_reader_would_reject() -> None:
    doc = json.loads(ai_note())
    for broken in (
        {**doc, "status": "robot"},
        {**doc, "schema": "signoff/provenance/v2"},
        {**doc, "tools": [{"tool": "x"}]},
        {**doc, "recorded_at": "yesterday"},
        {**doc, "files": {"a": [{"start": 0, "end": 1, "author": "ai", "tool": 0}]}},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, schema())


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"status": "maybe"}, "status"),
        ({"recorded_by": "robot"}, "recorded_by"),
        ({"files": {"a.py": [(3, 2, 0)]}}, "1-based"),
        ({"files": {"a.py": [(1, 2, 5)]}}, "tool index"),
        ({"detection": {"source": "guess", "evidence": "x"}}, "detection"),
    ],
)
def test_build_note_refuses_bad_input(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ai_note(**overrides)


# -- reading ------------------------------------------------------------------------------------


def test_ai_note_from_the_hook_is_a_strong_hook_marker() -> None:
    reading = parse_signoff_notes([ai_note(files={"app.py": [(2, 3, 0)]})], SHA)
    assert reading.problems == []
    [marker] = reading.markers
    assert (marker.kind, marker.source, marker.confidence) == ("ai", "hook", "strong")
    assert ToolUse(marker.tool or "", marker.model, marker.session) == CLAUDE
    assert "CLAUDECODE=1" in marker.evidence
    assert reading.tools == [CLAUDE]
    assert reading.accepted_by == ADA
    [record] = reading.line_records
    assert record.source == "signoff"
    assert record.tool_for("app.py", 2) == (True, CLAUDE)
    assert record.tool_for("app.py", 4) == (False, None)


def test_cli_note_is_a_note_marker_and_human_is_human() -> None:
    reading = parse_signoff_notes([ai_note(recorded_by="cli")], SHA)
    assert reading.markers[0].source == "note"
    human = parse_signoff_notes([ai_note(status="human", tools=[])], SHA)
    assert [(m.kind, m.tool) for m in human.markers] == [("human", None)]
    assert human.tools == []


def test_unknown_status_declares_nothing() -> None:
    reading = parse_signoff_notes([ai_note(status="unknown", tools=[])], SHA)
    assert reading.markers == [] and reading.accepted_by is None and reading.problems == []


@pytest.mark.parametrize("separator", [b"", b"\n", b"\n\n"])
def test_several_documents_in_one_note_are_all_read(separator: bytes) -> None:
    first = ai_note()
    second = ai_note(tools=[ToolUse("cursor")], accepted_by=Person("Bo", "bo@example.com"))
    reading = parse_signoff_notes([first + separator + second], SHA)
    assert reading.problems == []
    assert [m.tool for m in reading.markers] == ["claude-code", "cursor"]


def test_sorted_lines_from_a_cat_sort_uniq_merge_still_parse() -> None:
    docs = [ai_note(), ai_note(tools=[ToolUse("codex")]), ai_note(status="human", tools=[])]
    merged = b"\n".join(sorted(set(b"\n".join(docs).split(b"\n"))))
    reading = parse_signoff_notes([merged], SHA)
    assert reading.problems == []
    assert sorted(m.tool or "-" for m in reading.markers) == ["-", "claude-code", "codex"]


def test_identical_documents_count_once() -> None:
    blob = ai_note()
    reading = parse_signoff_notes([blob + blob, blob], SHA)
    assert len(reading.markers) == 1


def test_latest_accepter_wins() -> None:
    older = json.loads(ai_note())
    older["recorded_at"] = "2020-01-01T00:00:00Z"
    newer = json.loads(ai_note(accepted_by=Person("Bo", "bo@example.com")))
    blob = (json.dumps(newer) + "\n" + json.dumps(older) + "\n").encode()
    assert parse_signoff_notes([blob], SHA).accepted_by == Person("Bo", "bo@example.com")


@pytest.mark.parametrize(
    ("junk", "expect"),
    [
        (b"{not json at all\n", "not JSON"),
        (b'{"schema": "signoff/provenance/v9", "status": "ai"}\n', "schema"),
        (b'{"status": "ai"}\n', "no schema field"),
        (b"[1, 2, 3]\n", "a list, not an object"),
        (b'{"schema": "signoff/provenance/v1", "status": 7}\n', "status"),
        (b'{"schema": "signoff/provenance/v1", "status": "ai", "tools": "claude"}\n', "tools"),
        (
            b'{"schema": "signoff/provenance/v1", "status": "ai", "tools": [{"model": "x"}]}\n',
            "no tool name",
        ),
        (
            b'{"schema": "signoff/provenance/v1", "status": "human", "accepted_by": "Ada"}\n',
            "accepted_by",
        ),
        (
            b'{"schema": "signoff/provenance/v1", "status": "ai", "tools": [{"tool": "a"}],'
            b' "files": {"x.py": [{"start": 0, "end": 2, "author": "ai", "tool": 0}]}}\n',
            "1-based",
        ),
        (
            b'{"schema": "signoff/provenance/v1", "status": "ai", "tools": [{"tool": "a"}],'
            b' "files": ["x.py"]}\n',
            "files",
        ),
        (b"\x00\xff\xfe\x89PNG\r\n\x1a\n", "not UTF-8"),
    ],
)
def test_corrupt_note_is_reported_and_the_rest_still_read(junk: bytes, expect: str) -> None:
    reading = parse_signoff_notes([junk + ai_note()], SHA)
    assert any(expect in p for p in reading.problems), reading.problems
    assert any(m.tool == "claude-code" for m in reading.markers)
    assert all(p.startswith(f"Signoff note on {SHA[:12]}") for p in reading.problems)


def test_ai_range_without_a_valid_tool_is_kept_as_unspecified() -> None:
    blob = (
        b'{"schema": "signoff/provenance/v1", "status": "ai", "tools": [{"tool": "a"},'
        b' {"tool": "b"}], "files": {"x.py": [{"start": 1, "end": 2, "author": "ai", "tool": 9}]}}'
    )
    reading = parse_signoff_notes([blob], SHA)
    assert reading.line_records[0].tool_for("x.py", 1) == (True, ToolUse("unspecified"))
    assert any("no listed tool" in p for p in reading.problems)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.binary(max_size=50))
def test_no_input_makes_the_reader_raise(noise: bytes, tail: bytes) -> None:
    parse_signoff_notes([noise, ai_note() + tail, b"{" + noise], SHA)
    split_documents(noise)


# -- through real git ---------------------------------------------------------------------------


def test_note_round_trips_through_git_and_append_keeps_both(repo: GitRepo) -> None:
    sha = repo.commit("first\n", {"a.txt": "a\n"})
    r = Repo(repo.path)
    write_note(r, "refs/notes/signoff", sha, ai_note(commit=sha))
    human = ai_note(commit=sha, status="human", tools=[])
    write_note(r, "refs/notes/signoff", sha, human, append=True)
    blobs = read_notes(r, "signoff")[sha]
    reading = parse_signoff_notes(blobs, sha)
    assert reading.problems == []
    assert sorted(m.kind for m in reading.markers) == ["ai", "human"]


def test_corrupt_note_in_git_does_not_stop_detection(repo: GitRepo) -> None:
    detect = pytest.importorskip("signoff.provenance.detect")
    from signoff.git.log import read_commit

    sha = repo.commit("first\n", {"a.txt": "a\n"})
    repo.git("notes", "--ref=signoff", "add", "-m", "{this is not json", sha)
    r = Repo(repo.path)
    prov = detect.detect(read_commit(r, sha), read_notes(r, "signoff")[sha])
    assert prov.status == "unknown"
    assert any("not JSON" in p for p in prov.problems)


def test_a_900_kb_note_of_garbage_lines_is_read_in_one_pass() -> None:
    good = build_note(
        status="ai", tools=[ToolUse("claude-code")], accepted_by=None, recorded_by="hook"
    )
    garbage = b"not json at all, line after line\n" * 27_000 + b'{"x": 1\n' * 5_000
    reading = parse_signoff_notes([garbage + good + b"[" * 50_000 + b"\n"], "a" * 40)
    assert [(m.kind, m.tool) for m in reading.markers] == [("ai", "claude-code")]
    assert len(reading.problems) == 13  # twelve named lines and one count of the rest
    assert reading.problems[0].endswith(
        "line 1 is not JSON (Expecting value); that line is ignored"
    )
    assert reading.problems[-1].endswith("31989 more lines are not JSON and were ignored")


def test_a_document_spread_over_lines_is_still_read() -> None:
    blob = b'{"schema": "signoff/provenance/v1",\n  "status": "human"}\n\n' + build_note(
        status="ai", tools=[ToolUse("cursor")], accepted_by=None, recorded_by="cli"
    )
    reading = parse_signoff_notes([blob], "a" * 40)
    assert [m.kind for m in reading.markers] == ["human", "ai"]
    assert reading.problems == []


def test_a_five_thousand_digit_number_is_a_problem_not_a_crash() -> None:
    huge = b"9" * 5000
    blob = (
        b'{"schema": "signoff/provenance/v1", "status": "ai", "tools": [{"tool": "x"}], '
        b'"files": {"a.py": [{"start": ' + huge + b', "end": 2, "author": "ai", "tool": 0}]}}\n'
    )
    reading = parse_signoff_notes([blob], "a" * 40)
    assert reading.markers == []
    assert reading.problems == [
        "Signoff note on aaaaaaaaaaaa: line 1 is not JSON (a number of 5000 digits "
        "(at most 19)); that line is ignored"
    ]


def test_concurrent_note_writers_each_keep_their_note(repo: GitRepo) -> None:
    """`signoff notes add` and `check --record` from several jobs at once: every note stays
    (plain `git notes` moves the ref without compare-and-swap and loses some, or dies on the
    ref lock)."""
    from concurrent.futures import ThreadPoolExecutor

    shas = [repo.commit(f"c{i}\n", {f"f{i}.txt": f"{i}\n"}) for i in range(24)]
    git = Repo(repo.path)

    def write(i: int) -> None:
        write_note(git, "refs/notes/race", shas[i], f"note {i}".encode(), append=i % 2 == 0)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(len(shas))))
    notes = read_notes(git, "race")
    assert {sha: [b.strip() for b in blobs] for sha, blobs in notes.items()} == {
        sha: [f"note {i}".encode()] for i, sha in enumerate(shas)
    }
    leftovers = repo.git("for-each-ref", "refs/notes/signoff-append/").strip()
    assert leftovers == ""


def test_a_replacing_note_write_replaces(repo: GitRepo) -> None:
    sha = repo.commit("one\n", {"a.txt": "a\n"})
    git = Repo(repo.path)
    write_note(git, "refs/notes/x", sha, b"first")
    write_note(git, "refs/notes/x", sha, b"second")
    write_note(git, "refs/notes/x", sha, b"third", append=True)
    (blob,) = read_notes(git, "x")[sha]
    assert blob.split() == [b"second", b"third"]
