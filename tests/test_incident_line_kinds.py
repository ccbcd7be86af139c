"""Incident AI-connection labels from line kinds where a line record exists, and from the
commit-level rule only where none does; the two measures apart in the JSON and postmortem."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from signoff.git.repo import Repo
from signoff.incidents.classify import connect_all
from signoff.incidents.ops import link, open_incident
from signoff.incidents.postmortem import postmortem_json
from signoff.incidents.store import get_incident, load_incidents
from signoff.incidents.trace import trace
from tests.carrying import record
from tests.gitrepo import GitRepo, run_signoff
from tests.incident_fixtures import at

SCHEMAS = Path(__file__).resolve().parent.parent / "docs" / "schemas"
CLAUDE_TRAILER = "Co-authored-by: Claude <noreply@anthropic.com>"


def history(repo: GitRepo) -> dict[str, str]:
    """Four AI-assisted commits (the trailer): one whose record says the human wrote its lines,
    one with ai and ai-modified lines, one whose record leaves its lines unknown, one with no
    record at all."""
    repo.commit("base\n", {"a.py": "a = 0\n"})
    out = {}
    out["human"] = repo.commit(f"h\n\n{CLAUDE_TRAILER}\n", {"h.py": "h1\nh2\n"})
    record(repo, out["human"], {"h.py": [(1, 2, "human")]})
    out["ai"] = repo.commit(f"a\n\n{CLAUDE_TRAILER}\n", {"x.py": "x1\nx2\nx3\n"})
    record(repo, out["ai"], {"x.py": [(1, 1, "ai"), (2, 2, "ai-modified"), (3, 3, "human")]})
    out["unknown"] = repo.commit(f"u\n\n{CLAUDE_TRAILER}\n", {"u.py": "u1\nu2\n"})
    record(repo, out["unknown"], {"u.py": [(1, 2, "unknown")]})
    out["none"] = repo.commit(f"n\n\n{CLAUDE_TRAILER}\n", {"n.py": "n1\nn2\nn3\nn4\n"})
    return out


def labelled(repo: GitRepo, targets: dict[str, list[str]]) -> dict[str, Any]:
    r = Repo.discover(repo.path)
    for n, (title, linked) in enumerate(targets.items(), 1):
        open_incident(r, title, "sev2", at("2026-01-11T10:00:00"), incident_id=f"INC-00{n}")
        link(r, f"INC-00{n}", linked)
    return {i.title: c for i, c in connect_all(r, load_incidents(r))}


def test_commit_suspects_are_judged_by_their_line_records(repo: GitRepo) -> None:
    c = history(repo)
    got = labelled(
        repo,
        {
            "human lines": [c["human"]],
            "ai lines": [c["ai"]],
            "unknown lines": [c["unknown"]],
            "no record": [c["none"]],
        },
    )
    # an AI-assisted commit whose record says a human wrote the implicated lines: not AI
    assert got["human lines"].label == "not-ai"
    [h] = got["human lines"].changes
    assert (h.basis, h.author, h.line_kinds["human"]) == ("line-record", "human", 2)
    assert "none of them to AI" in got["human lines"].reasons[0]
    assert got["ai lines"].label == "ai-connected"
    [a] = got["ai lines"].changes
    assert a.line_kinds == {"ai": 1, "ai-modified": 1, "human": 1, "unknown": 0}
    assert "1 ai, 1 ai-modified, 1 human" in got["ai lines"].reasons[0]
    # a record that leaves the lines unknown: unknown, never human, never a commit-level "ai"
    assert got["unknown lines"].label == "unknown"
    assert got["unknown lines"].changes[0].line_kinds["unknown"] == 2
    # no record: the commit-level rule, said so, counted apart
    assert got["no record"].label == "ai-connected"
    [n] = got["no record"].changes
    assert (n.basis, n.line_kinds, n.commit_level_lines) == ("commit-level", None, 4)
    assert "no line record: commit level (4 lines)" in got["no record"].reasons[0]


def test_both_measures_apart_in_json_and_postmortem(repo: GitRepo) -> None:
    c = history(repo)
    # x.py:1-2 came from c["ai"], linked whole too: its lines are counted once
    labelled(repo, {"both": [c["ai"], c["none"], "x.py:1-2"]})
    r = Repo.discover(repo.path)
    shown = run_signoff(repo, "incident", "show", "INC-001", "--json")
    assert shown.returncode == 0, shown.stderr
    doc = json.loads(shown.stdout)
    jsonschema.validate(doc, json.loads((SCHEMAS / "incident-v1.json").read_text()))
    measures = doc["connection"]["measures"]
    assert measures == {
        "line_record": {
            "commits": 1,
            "line_kinds": {"ai": 1, "ai-modified": 1, "human": 1, "unknown": 0},
            "ai_lines": 2,
        },
        "commit_level": {"commits": 1, "ai_assisted_commit_lines": 4},
    }
    assert len(doc["connection"]["changes"]) == 3
    changes = {
        ch["commit"]: ch for ch in doc["connection"]["changes"] if ch["suspect"] != "x.py:1-2"
    }
    assert changes[c["ai"]]["basis"] == "line-record"
    assert (
        changes[c["ai"]]["ai_lines"] == 2 and changes[c["ai"]]["ai_assisted_commit_lines"] is None
    )
    assert changes[c["none"]]["basis"] == "commit-level"
    assert changes[c["none"]]["line_kinds"] is None
    assert changes[c["none"]]["ai_assisted_commit_lines"] == 4
    pm = postmortem_json(trace(r, get_incident(r, "INC-001")))
    assert pm["measures"] == measures
    assert "line records of 1 commit(s): 1 ai, 1 ai-modified, 1 human, 0 unknown" in pm["markdown"]
    assert "4 lines in them (never added to the above)" in pm["markdown"]
    traced = run_signoff(repo, "incident", "trace", "INC-001", "--json")
    assert traced.returncode == 0, traced.stderr
    tdoc = json.loads(traced.stdout)
    jsonschema.validate(tdoc, json.loads((SCHEMAS / "incident-trace-v1.json").read_text()))
    assert tdoc["measures"] == measures
    post = run_signoff(repo, "postmortem", "INC-001", "--json")
    assert post.returncode == 0, post.stderr
    pdoc = json.loads(post.stdout)
    jsonschema.validate(pdoc, json.loads((SCHEMAS / "postmortem-v1.json").read_text()))
    assert pdoc["measures"] == measures


def test_line_suspects_count_the_records_kinds(repo: GitRepo) -> None:
    c = history(repo)
    got = labelled(repo, {"modified": ["x.py:2-3"], "unrecorded": ["n.py:1-2"]})
    [m] = got["modified"].changes
    assert m.commit.sha == c["ai"]
    assert m.line_kinds == {"ai": 0, "ai-modified": 1, "human": 1, "unknown": 0}
    assert got["modified"].label == "ai-connected"
    [u] = got["unrecorded"].changes
    assert (u.basis, u.commit_level_lines) == ("commit-level", 2)
