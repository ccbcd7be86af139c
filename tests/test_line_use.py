"""Answers from line records (issue 10, "Use"): blame, explain, stats, gate, diff, Agent Trace.

Every history is real: commits with revision-2 Signoff notes (`build_note(files=...)` appended
with `git notes append`, the format the capture hooks write), a commit whose record is
incomplete, and an AI-assisted commit with no record at all. Answers are read through the real
console entry point and validated against their schemas.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from signoff.provenance.model import ToolUse
from signoff.provenance.notes import build_note, range_hash
from tests.gitrepo import GitRepo, run_signoff
from tests.gitrepo import schema_doc as doc

SCHEMAS = Path(__file__).resolve().parent.parent / "docs" / "schemas"
CLAUDE = ToolUse("claude-code", "claude-opus-4-5", "sess-1")
CODEX = ToolUse("codex", "gpt-5-codex", "sess-9")
TRAILER = "\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n"

BASE = "import os\nimport sys\n"
APP = BASE + "".join(f"line{n} = {n}\n" for n in range(3, 9))


def add_note(repo: GitRepo, sha: str, status: str = "mixed", **kw: Any) -> None:
    """A revision-2 note on `sha`, appended as the commit hook appends it."""
    blob = build_note(
        status=status,
        tools=kw.pop("tools", [CLAUDE]),
        accepted_by=None,
        recorded_by="hook",
        commit=sha,
        **kw,
    )
    repo.git("notes", "--ref=signoff", "append", "-F", "-", sha, input=blob)


def lines_of(text: str, start: int, end: int) -> list[str]:
    return text.splitlines()[start - 1 : end]


@pytest.fixture
def recorded(repo: GitRepo) -> dict[str, str]:
    """base (no marker); c2 with a line record of every kind; c3 AI-assisted without a record;
    c4 whose record the hook could not finish."""
    ids = {"base": repo.commit("base\n", {"app.py": BASE})}
    ids["c2"] = repo.commit("agent edit\n", {"app.py": APP})
    add_note(
        repo,
        ids["c2"],
        files={
            "app.py": [
                (3, 4, 0, "ai", range_hash(lines_of(APP, 3, 4))),
                (5, 5, 0, "ai-modified", None),
                (6, 6, None, "human", None),
                (7, 8, None, "unknown", None),
            ]
        },
        line_record={"complete": True, "reason": None},
    )
    ids["c3"] = repo.commit("trailer only" + TRAILER, {"lib.py": "a = 1\nb = 2\nc = 3\n"})
    ids["c4"] = repo.commit("hook out of time\n", {"x.py": "x = 1\ny = 2\n"})
    add_note(
        repo,
        ids["c4"],
        status="ai",
        line_record={"complete": False, "reason": "the commit hook ran out of its 500 ms budget"},
    )
    return ids


def test_blame_shows_each_kind_with_tool_model_and_session(
    repo: GitRepo, recorded: dict[str, str]
) -> None:
    lines = doc(repo, "blame", "app.py")["lines"]
    got = [(x["line"], x["author"], x["line_kind"], x["line_source"]) for x in lines]
    assert got == [
        (1, "unknown", None, None),
        (2, "unknown", None, None),
        (3, "ai", "ai", "signoff"),
        (4, "ai", "ai", "signoff"),
        (5, "ai", "ai-modified", "signoff"),
        (6, "human", "human", "signoff"),
        (7, "unknown", "unknown", "signoff"),
        (8, "unknown", "unknown", "signoff"),
    ]
    assert lines[4]["tool"] == {
        "tool": "claude-code",
        "model": "claude-opus-4-5",
        "session": "sess-1",
    }
    assert lines[5]["tool"] is None and lines[6]["tool"] is None
    text = run_signoff(repo, "blame", "app.py").stdout.splitlines()
    assert text[0].split()[:5] == ["commit", "author", "tool", "session", "source"]
    row5 = text[5].split()
    assert row5[1:5] == ["ai-modified", "claude-code/claude-opus-4-5", "sess-1", "signoff"]
    assert text[6].split()[1:4] == ["human", "-", "-"]


def test_explain_line_names_the_kind(repo: GitRepo, recorded: dict[str, str]) -> None:
    data = doc(repo, "explain", "app.py:5-7")
    assert [x["line_kind"] for x in data["lines"]] == ["ai-modified", "human", "unknown"]
    assert data["summary"]["line_kinds"] == {"ai-modified": 1, "human": 1, "unknown": 1}
    out = run_signoff(repo, "explain", "app.py:5").stdout
    assert "app.py:5 ai-modified claude-code/claude-opus-4-5 (session sess-1)" in out
    assert "the record names: ai 2, ai-modified 1, human 1, unknown 2" in out
    out = run_signoff(repo, "explain", recorded["c4"]).stdout
    assert "signoff line record incomplete: the commit hook ran out of its 500 ms budget" in out
    [c4] = doc(repo, "explain", recorded["c4"])["commits"]
    assert c4["provenance"]["line_records"][0]["complete"] is False
    assert c4["lines"]["line_record"] is None  # an empty record covers no line


def test_stats_counts_kinds_and_lists_lost_and_incomplete_records(
    repo: GitRepo, recorded: dict[str, str]
) -> None:
    data = doc(repo, "stats")
    assert data["line_kinds"] == {"ai": 2, "ai-modified": 1, "human": 1, "unknown": 2}
    # the two measures stay apart: 3 AI-attributed lines (ai + ai-modified) from the record,
    # 3 + 2 lines in the AI-assisted commits without one
    assert data["ai_attributed_lines"] == 3
    assert data["ai_assisted_unrecorded_lines"] == 5
    cov = data["capture_coverage"]
    assert (cov["ai_commits"], cov["ai_commits_with_line_record"]) == (3, 1)
    assert (cov["ai_commit_lines"], cov["ai_commit_lines_with_line_record"]) == (11, 6)
    gaps = data["capture_gaps"]
    assert (gaps["lost"], gaps["incomplete"]) == (1, 1)
    by_commit = {g["commit"]: (g["state"], g["reason"]) for g in gaps["commits"]}
    assert by_commit[recorded["c4"]] == (
        "incomplete",
        "the commit hook ran out of its 500 ms budget",
    )
    state, why = by_commit[recorded["c3"]]
    assert state == "lost" and "only commit-level markers (trailer" in why
    assert recorded["c2"] not in by_commit
    [tool] = [t for t in data["by_tool"] if t["tool"] == "claude-code"]
    # ai lines by the span's tool; human and unknown lines of the commits it assisted
    assert tool["line_kinds"] == {"ai": 2, "ai-modified": 1, "human": 1, "unknown": 2}
    [model] = [m for m in data["by_model"] if m["model"] == "claude-opus-4-5"]
    assert model["line_kinds"]["ai-modified"] == 1
    [month] = data["by_month"]
    assert month["month"] == "2026-01" and month["line_kinds"]["ai"] == 2
    text = run_signoff(repo, "stats").stdout
    assert "line kinds (line records): ai 2, ai-modified 1, human 1, unknown 2" in text
    assert "AI-assisted commits without a line record: 1" in text and "incomplete: 1" in text


def test_stats_gap_list_is_limited_but_counts_are_not(
    repo: GitRepo, recorded: dict[str, str]
) -> None:
    gaps = doc(repo, "stats", "--gaps", "1")["capture_gaps"]
    assert (gaps["lost"], gaps["incomplete"], len(gaps["commits"])) == (1, 1, 1)
    assert gaps["commits"][0]["commit"] == recorded["c4"]  # newest first


def test_index_picks_up_a_record_appended_later(repo: GitRepo, recorded: dict[str, str]) -> None:
    assert doc(repo, "stats")["capture_gaps"]["lost"] == 1
    add_note(repo, recorded["c3"], files={"lib.py": [(1, 3, 0, "ai", None)]})
    data = doc(repo, "stats")
    assert data["capture_gaps"]["lost"] == 0
    assert data["line_kinds"]["ai"] == 5


CALL = "    return subprocess.call(cmd, shell=True)\n"
RUN = "import subprocess\n" + "".join(f"\n\ndef {f}(cmd):\n{CALL}" for f in "abcd")


def test_gate_scans_ai_and_ai_modified_lines_never_human_ones(repo: GitRepo) -> None:
    """Lines 2-5 ai, 6-9 ai-modified, 10-13 human, 14-17 unknown (each function calls a shell)."""
    from datetime import date

    from signoff.gate.check import GateOptions, check
    from signoff.git import Repo

    repo.commit("base\n", {"run.py": "import subprocess\n"})
    repo.git("checkout", "-q", "-b", "feature")
    head = repo.commit("agent session\n", {"run.py": RUN})
    add_note(
        repo,
        head,
        files={
            "run.py": [
                (2, 5, 0, "ai", None),
                (6, 9, 0, "ai-modified", None),
                (10, 13, None, "human", None),
                (14, 17, None, "unknown", None),
            ]
        },
    )
    result = check(Repo.discover(repo.path), GateOptions(base="main", today=date(2026, 3, 1)))
    scan = {f.start_line: f.message for f in result.findings if f.rule == "scan.finding"}
    assert result.scan is not None and result.scan["scanners"]["bandit"]["ran"]
    # the human line 13 is never scanned; the unknown line 17 falls back to commit level
    assert sorted(scan) == [5, 9, 17]
    assert "on AI-attributed lines (line record)" in scan[5]
    assert "on AI-modified lines" in scan[9]
    assert "its line record leaves unknown" in scan[17]
    [f] = result.changeset.to_json()["files"]
    assert (f["ai_attributed_added"], f["ai_assisted_unrecorded_added"]) == (8, 4)


def test_diff_gutter_names_each_added_line(repo: GitRepo, recorded: dict[str, str]) -> None:
    data = doc(repo, "diff", recorded["c2"])
    assert data["base"] == recorded["base"] and data["head"] == recorded["c2"]
    [f] = data["files"]
    added = [(x["new_line"], x["author"], x["line_kind"]) for x in f["lines"] if x["op"] == "+"]
    assert added == [
        (3, "ai", "ai"),
        (4, "ai", "ai"),
        (5, "ai", "ai-modified"),
        (6, "human", "human"),
        (7, "unknown", "unknown"),
        (8, "unknown", "unknown"),
    ]
    context = [x for x in f["lines"] if x["op"] == " "]
    assert [x["content"] for x in context] == ["import os", "import sys"]
    assert data["summary"]["ai_attributed_lines"] == 3
    assert data["summary"]["line_kinds"] == {"ai": 2, "ai-modified": 1, "human": 1, "unknown": 2}
    text = run_signoff(repo, "diff", recorded["c2"]).stdout
    assert "\x1b[" not in text  # piped: no colour
    rows = {line.split("|", 1)[1]: line.split()[:3] for line in text.splitlines() if "|+" in line}
    assert rows["+line5 = 5"] == [recorded["c2"][:10], "ai-modified", "claude-code/claude-opus-4-5"]
    assert rows["+line6 = 6"][1] == "human"


def test_diff_of_a_range_and_a_root_commit(repo: GitRepo, recorded: dict[str, str]) -> None:
    data = doc(repo, "diff", f"{recorded['base']}..HEAD")
    by_path = {f["path"]: f for f in data["files"]}
    assert set(by_path) == {"app.py", "lib.py", "x.py"}
    assert by_path["lib.py"]["by_kind"] == {"ai-assisted-commit": 3}  # a trailer, no record
    assert by_path["x.py"]["by_kind"] == {"unknown": 2}  # the record the hook gave up on
    assert data["summary"]["ai_assisted_unrecorded_lines"] == 3
    root = doc(repo, "diff", recorded["base"])
    assert root["base"] is None and root["files"][0]["added"] == 2
    bad = run_signoff(repo, "diff", "no-such-rev")
    assert bad.returncode == 2 and "fix:" in bad.stderr and "Traceback" not in bad.stderr


def test_agent_trace_export_import_round_trip(
    repo: GitRepo, recorded: dict[str, str], tmp_path: Path
) -> None:
    c2 = recorded["c2"]
    out = tmp_path / "trace.json"
    done = run_signoff(repo, "export", "agent-trace", c2, "-o", str(out))
    assert done.returncode == 0, done.stderr
    record = json.loads(out.read_text())
    schema = json.loads((SCHEMAS / "agent-trace-record-v1.json").read_text())
    jsonschema.validate(record, schema)
    assert record["vcs"] == {"type": "git", "revision": c2}
    assert record["tool"] == {"name": "claude-code"}
    assert record["metadata"]["session_id"] == "sess-1"
    [app] = record["files"]
    by_type = {c["contributor"]["type"]: c for c in app["conversations"]}
    assert by_type["ai"]["contributor"]["model_id"] == "claude-opus-4-5"
    assert by_type["ai"]["ranges"] == [
        {
            "start_line": 3,
            "end_line": 4,
            "content_hash": f"signoff-sha256-16:{range_hash(lines_of(APP, 3, 4))}",
        }
    ]
    assert by_type["mixed"]["ranges"] == [{"start_line": 5, "end_line": 5}]
    assert by_type["human"]["ranges"] == [{"start_line": 6, "end_line": 6}]
    assert by_type["unknown"]["ranges"] == [{"start_line": 7, "end_line": 8}]
    # our own reader of foreign records reads it: ai and human lines, mixed as an AI marker
    from signoff.provenance.foreign import parse_agent_trace

    reading = parse_agent_trace(out.read_bytes(), c2)
    assert not reading.problems
    [foreign] = reading.line_records
    assert foreign.kind_counts() == {"ai": 2, "ai-modified": 0, "human": 1, "unknown": 0}
    assert reading.tools[0] == CLAUDE

    before = doc(repo, "blame", "app.py")["lines"]
    repo.git("notes", "--ref=signoff", "remove", c2)
    assert doc(repo, "blame", "app.py")["lines"][4]["line_kind"] is None  # the record is gone
    imported = doc(repo, "import", "agent-trace", str(out))
    assert imported["commits"] == [
        {
            "commit": c2,
            "line_kinds": {"ai": 2, "ai-modified": 1, "human": 1, "unknown": 2},
            "problems": [],
        }
    ]
    after = doc(repo, "blame", "app.py")["lines"]
    keys = ("line", "author", "line_kind", "tool", "line_source")
    assert [{k: x[k] for k in keys} for x in after] == [{k: x[k] for k in keys} for x in before]
    note = repo.git("notes", "--ref=signoff", "show", c2)
    assert json.loads(note)["derived"] == {"method": "import", "from": []}
    explained = doc(repo, "explain", c2)["commits"][0]["provenance"]["line_records"][0]
    assert explained["derivation"] == "imported from an Agent Trace record"
    again = tmp_path / "again.json"
    assert run_signoff(repo, "export", "agent-trace", c2, "-o", str(again)).returncode == 0
    second = json.loads(again.read_text())
    # the same record, except that the import hashed every range (the hook hashed one)
    for conv in second["files"][0]["conversations"]:
        for r in conv["ranges"]:
            want = range_hash(lines_of(APP, r["start_line"], r["end_line"]))
            assert r.pop("content_hash") == f"signoff-sha256-16:{want}"
    for conv in record["files"][0]["conversations"]:
        for r in conv["ranges"]:
            r.pop("content_hash", None)
    assert {**second, "id": None} == {**record, "id": None}
    third = tmp_path / "third.json"
    assert run_signoff(repo, "export", "agent-trace", c2, "-o", str(third)).returncode == 0
    assert json.loads(third.read_text())["id"] == json.loads(again.read_text())["id"]


def test_agent_trace_import_refuses_what_it_cannot_anchor(
    repo: GitRepo, recorded: dict[str, str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    for text, fix in (
        ('{"version": "0.1.0", "files": []}', "vcs.revision"),
        ('{"vcs": {"type": "git", "revision": "' + "ab" * 20 + '"}, "files": []}', "fetch"),
        ("not json", "JSON"),
    ):
        bad.write_text(text)
        out = run_signoff(repo, "import", "agent-trace", str(bad))
        assert out.returncode == 2 and fix in out.stderr and "Traceback" not in out.stderr
    huge = tmp_path / "huge.jsonl"
    with huge.open("wb") as fh:
        fh.truncate(65 * 1024 * 1024)  # sparse: 65 MB of zero bytes, read at most 64 MB + 1
    out = run_signoff(repo, "import", "agent-trace", str(huge))
    assert out.returncode == 2 and "larger than 64 MB" in out.stderr and "fix:" in out.stderr
    assert "Traceback" not in out.stderr
    # a range past the end of the file is skipped and said, the rest imported
    record = {
        "version": "0.1.0",
        "vcs": {"type": "git", "revision": recorded["c3"]},
        "tool": {"name": "cursor"},
        "files": [
            {
                "path": "lib.py",
                "conversations": [
                    {
                        "contributor": {"type": "ai", "model_id": "openai/gpt-5"},
                        "ranges": [
                            {"start_line": 1, "end_line": 2},
                            {"start_line": 3, "end_line": 9},
                        ],
                    }
                ],
            }
        ],
    }
    bad.write_text(json.dumps(record))
    [result] = doc(repo, "import", "agent-trace", str(bad))["commits"]
    assert result["line_kinds"] == {"ai": 2}
    assert result["problems"] == [f"lib.py has 3 lines at {recorded['c3'][:12]}; range 3-9 skipped"]
    lines = doc(repo, "blame", "lib.py")["lines"]
    assert [x["line_kind"] for x in lines] == ["ai", "ai", "unknown"]
    assert lines[0]["tool"]["tool"] == "cursor" and lines[0]["tool"]["model"] == "gpt-5"


def test_export_agent_trace_of_a_commit_without_a_record_says_why(
    repo: GitRepo, recorded: dict[str, str]
) -> None:
    out = run_signoff(repo, "export", "agent-trace", recorded["c3"])
    assert out.returncode == 2 and "no line record" in out.stderr and "fix:" in out.stderr


def test_audit_pack_reports_capture_coverage_and_lost_records(
    repo: GitRepo, recorded: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "pack"
    done = run_signoff(
        repo, "audit", "--since", "2026-01-01", "--until", "2026-01-31", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((out / "audit.json").read_text())
    jsonschema.validate(report, json.loads((SCHEMAS / "audit-v1.json").read_text()))
    lines = report["metrics"]["lines"]
    cov = lines["capture_coverage"]
    assert (cov["ai_commits_with_line_record"], cov["ai_commits"]) == (1, 3)
    assert (cov["ai_commit_lines_with_line_record"], cov["ai_commit_lines"]) == (6, 11)
    gaps = lines["capture_gaps"]
    assert (gaps["lost"], gaps["incomplete"]) == (1, 1)
    assert {g["commit"]: g["state"] for g in gaps["commits"]} == {
        recorded["c3"]: "lost",
        recorded["c4"]: "incomplete",
    }
    assert gaps["reasons"]["the commit hook ran out of its 500 ms budget"] == 1
    population = json.loads((out / "population.json").read_text())["changes"]
    [c4] = [c for c in population if c["id"] == recorded["c4"]]
    assert c4["capture_gaps"][0]["state"] == "incomplete"
    html = (out / "report.html").read_text()
    assert "<h2>Line capture</h2>" in html and "ran out of its 500 ms budget" in html
    assert "AI-assisted commits without a line record: 1; incomplete: 1" in done.stdout


def test_stats_kinds_count_only_the_lines_a_commit_added(repo: GitRepo) -> None:
    """A Git AI note attributes whole files: on a commit that changes one line of a three-line
    file, or deletes a file, the record names lines the commit did not add."""
    repo.commit("base\n", {"lib.py": "a = 1\nb = 2\nc = 3\n", "old.py": "x = 1\n"})
    edit = repo.commit("agent edit\n", {"lib.py": "a = 1\nb = 20\nc = 3\n"})
    add_note(repo, edit, status="ai", files={"lib.py": [(1, 3, 0, "ai", None)]})
    repo.git("rm", "-q", "old.py")
    gone = repo.commit("delete\n")
    add_note(repo, gone, status="ai", files={"lib.py": [(1, 3, 0, "ai", None)]})
    data = doc(repo, "stats")
    assert data["line_kinds"]["ai"] == 1
    assert data["ai_attributed_lines"] == 1  # the same cap as the AI-attributed measure


def test_diff_colours_only_our_own_styles(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a terminal the gutter and lines are coloured; a control character in the data is
    shown as an escape, never sent raw."""
    from signoff.cli.diff import render
    from signoff.git import Repo
    from signoff.query.diff import attributed_diff

    repo.commit("base\n", {"a.py": "x = 1\n"})
    sha = repo.commit("agent" + TRAILER, {"a.py": "x = 1\ny = '\x1b[2J'\n"})
    view = attributed_diff(Repo.discover(repo.path), sha)
    render(view, colour=True)
    out = capsys.readouterr().out
    assert "\x1b[35mai-assisted-commit" in out and "\x1b[32m+y = '\\x1b[2J'" in out
    assert "\x1b[2J" not in out
    render(view, colour=False)
    assert "\x1b" not in capsys.readouterr().out


def test_stats_kinds_per_tool_count_a_commit_once_whatever_its_models(repo: GitRepo) -> None:
    repo.commit("base\n", {"a.py": "a = 1\n"})
    sha = repo.commit("two models\n", {"a.py": "a = 1\nb = 2\nc = 3\nd = 4\n"})
    sonnet = ToolUse("claude-code", "claude-sonnet-4-5", "sess-2")
    add_note(
        repo,
        sha,
        tools=[CLAUDE, sonnet],
        files={"a.py": [(2, 2, 0, "ai", None), (3, 3, 1, "ai", None), (4, 4, None, "human", None)]},
    )
    data = doc(repo, "stats")
    [tool] = data["by_tool"]
    assert tool["line_kinds"] == {"ai": 2, "ai-modified": 0, "human": 1, "unknown": 0}
    models = {m["model"]: m["line_kinds"] for m in data["by_model"]}
    assert models["claude-opus-4-5"]["ai"] == 1 and models["claude-sonnet-4-5"]["ai"] == 1
    assert models["claude-opus-4-5"]["human"] == 1  # the human line of a commit it assisted


def test_diff_of_a_range_asks_git_for_the_merge_base_once(
    repo: GitRepo, recorded: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from signoff.git import Repo
    from signoff.query.diff import attributed_diff

    asked: list[tuple[str, ...]] = []
    real = Repo.run

    def run(self: Repo, *args: str, **kwargs: Any) -> bytes:
        if "merge-base" in args:
            asked.append(args)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Repo, "run", run)
    view = attributed_diff(Repo.discover(repo.path), f"{recorded['base']}..HEAD", use_index=False)
    assert len(asked) == 1 and view.base == repo.git("rev-parse", recorded["base"]).strip()
    assert {f.path for f in view.files} == {"app.py", "lib.py", "x.py"}
