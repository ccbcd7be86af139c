"""Outcomes of AI changes on real histories: line durability against human lines in the same
paths, and reverts and fixes linked back to the session that wrote the lines."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from signoff.git import Repo
from signoff.incidents.outcomes import measure_outcomes
from tests.gitrepo import GitRepo, run_signoff

CLAUDE = "\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n"
HUMAN = ("Grace Hopper", "grace@example.com")
NONE = "\n\nAI-Assisted: none\n"


def note(repo: GitRepo, sha: str, files: dict[str, list[dict[str, object]]], session: str) -> None:
    doc = {
        "schema": "signoff/provenance/v1",
        "commit": sha,
        "status": "ai",
        "tools": [{"tool": "cursor", "model": "gpt-5", "session": session}],
        "recorded_by": "cli",
        "files": files,
    }
    repo.git("notes", "--ref=signoff", "add", "-F", "-", sha, input=json.dumps(doc).encode())


def lines(prefix: str, n: int) -> str:
    return "".join(f"{prefix}_{i} = {i}\n" for i in range(n))


def test_ai_lines_rewritten_within_a_week_are_not_durable(repo: GitRepo) -> None:
    repo.commit(
        "human base" + NONE,
        {"app/core.py": lines("H", 10)},
        author=HUMAN,
        date="2026-01-01T10:00:00+00:00",
    )
    body = lines("H", 10) + lines("AI", 10)
    ai = repo.commit("ai rates\n", {"app/core.py": body}, date="2026-01-02T10:00:00+00:00")
    note(
        repo, ai, {"app/core.py": [{"start": 11, "end": 20, "author": "ai", "tool": 0}]}, "sess-42"
    )
    # five days later a human rewrites six of the AI lines
    rewritten = lines("H", 10) + lines("AI", 4) + lines("REDONE", 6)
    repo.commit(
        "rewrite rates" + NONE,
        {"app/core.py": rewritten},
        author=HUMAN,
        date="2026-01-07T10:00:00+00:00",
    )
    repo.commit(
        "later\n",
        {"app/core.py": rewritten + "TAIL = 1\n"},
        author=HUMAN,
        date="2026-02-01T10:00:00+00:00",
    )
    repo.commit(
        "much later" + NONE, {"other.txt": "x\n"}, author=HUMAN, date="2026-05-01T10:00:00+00:00"
    )
    out = measure_outcomes(Repo.discover(repo.path)).to_json()
    ai30 = out["durability"]["ai_attributed"]["30d"]
    assert (ai30["numerator"], ai30["denominator"]) == (4, 10)
    human30 = out["durability"]["human"]["30d"]
    # the first 10 declared-human lines all stand; the 6 rewritten lines (human) too
    assert (human30["numerator"], human30["denominator"]) == (16, 16)
    unknown = out["durability"]["unknown"]["30d"]  # the undeclared commit: apart, not human
    assert (unknown["numerator"], unknown["denominator"]) == (1, 1)
    tool = out["by_tool"]["cursor/gpt-5"]
    assert tool["ai_attributed"]["90d"]["numerator"] == 4
    assert tool["human"]["30d"]["denominator"] == 16  # the human baseline in app/core.py
    # the rewrite is not a "fix" commit: no revert recorded
    assert out["reverted"]["numerator"] == 0 and out["reverted"]["denominator"] == 1


def test_a_revert_is_linked_to_its_session(repo: GitRepo) -> None:
    repo.commit(
        "base\n", {"app/pay.py": lines("P", 5)}, author=HUMAN, date="2026-02-01T10:00:00+00:00"
    )
    ai = repo.commit(
        "add retries\n",
        {"app/pay.py": lines("P", 5) + lines("RETRY", 3)},
        date="2026-02-02T10:00:00+00:00",
    )
    note(repo, ai, {"app/pay.py": [{"start": 6, "end": 8, "author": "ai", "tool": 0}]}, "sess-7")
    repo.git(
        "revert",
        "--no-edit",
        ai,
        env={
            "GIT_AUTHOR_DATE": "2026-02-04T10:00:00+00:00",
            "GIT_COMMITTER_DATE": "2026-02-04T10:00:00+00:00",
        },
    )
    ai2 = repo.commit(
        "clamp" + CLAUDE,
        {"app/pay.py": lines("P", 5) + "LIMIT = 3\n"},
        date="2026-02-10T10:00:00+00:00",
    )
    repo.commit(
        "Fix the limit\n",
        {"app/pay.py": lines("P", 5) + "LIMIT = 4\n"},
        author=HUMAN,
        date="2026-02-12T10:00:00+00:00",
    )
    repo.commit(
        "Fix typo in readme\n", {"README": "x\n"}, author=HUMAN, date="2026-02-13T10:00:00+00:00"
    )
    out = measure_outcomes(Repo.discover(repo.path)).to_json()
    reverted = {r["commit"]: r for r in out["reverted"]["changes"]}
    assert reverted[ai]["kind"] == "revert" and reverted[ai]["session"] == "sess-7"
    assert (reverted[ai]["tool"], reverted[ai]["model"], reverted[ai]["days"]) == (
        "cursor",
        "gpt-5",
        2.0,
    )
    assert reverted[ai2]["kind"] == "fix" and reverted[ai2]["tool"] == "claude-code"
    assert (out["reverted"]["numerator"], out["reverted"]["denominator"]) == (2, 2)
    # nothing is 30 days old yet at the tip: durability is not measured, not 0% or 100%
    assert out["durability"]["ai_attributed"]["30d"] == {
        "numerator": 0,
        "denominator": 0,
        "value": None,
    }


def test_incident_tools_gains_the_outcome_rates(repo: GitRepo) -> None:
    repo.commit("base" + NONE, {"app/pay.py": lines("P", 5)}, author=HUMAN)
    ai = repo.commit("add retries\n", {"app/pay.py": lines("P", 5) + lines("RETRY", 3)})
    note(repo, ai, {"app/pay.py": [{"start": 6, "end": 8, "author": "ai", "tool": 0}]}, "sess-7")
    when = "2026-01-01T01:00:00+00:00"
    repo.git("revert", "--no-edit", ai, env={"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when})
    done = run_signoff(repo, "incident", "tools", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    schema = json.loads(
        (Path(__file__).parent.parent / "docs/schemas/incident-tools-v2.json").read_text()
    )
    jsonschema.validate(doc, schema)
    cursor = next(t for t in doc["tools"] if t["tool"] == "cursor")
    assert cursor["outcomes"]["reverted_or_fixed"] == 1
    assert cursor["outcomes"]["reverted_changes"][0]["session"] == "sess-7"
    assert cursor["outcomes"]["ai_commits_measured"] == 1
    table = run_signoff(repo, "incident", "tools")
    assert "1 of 1" in table.stdout
    off = json.loads(run_signoff(repo, "incident", "tools", "--json", "--no-outcomes").stdout)
    assert all(t["outcomes"] is None for t in off["tools"])


def test_reverts_count_by_ancestry_through_merges_and_within_the_window(repo: GitRepo) -> None:
    """A commit on another line of history that names the AI commit is not its revert; the
    revert after the merge is (3 days, not the 1 day of the impostor); a revert past the
    window is not counted."""

    def on(day: str) -> dict[str, str]:
        return {
            "GIT_AUTHOR_DATE": f"{day}T10:00:00+00:00",
            "GIT_COMMITTER_DATE": f"{day}T10:00:00+00:00",
        }

    repo.commit(
        "base\n", {"app/pay.py": lines("P", 3)}, author=HUMAN, date="2026-02-01T10:00:00+00:00"
    )
    main = repo.git("branch", "--show-current").strip()
    repo.git("checkout", "-q", "-b", "side")
    ai = repo.commit(
        "add retries" + CLAUDE,
        {"app/pay.py": lines("P", 3) + lines("R", 2)},
        date="2026-02-02T10:00:00+00:00",
    )
    repo.git("checkout", "-q", main)
    repo.commit(
        f"Unrelated\n\nThis reverts commit {ai}.\n",
        {"README": "x\n"},
        author=HUMAN,
        date="2026-02-03T10:00:00+00:00",
    )
    repo.git("merge", "-q", "--no-ff", "-m", "merge side", "side", env=on("2026-02-04"))
    repo.git("revert", "--no-edit", ai, env=on("2026-02-05"))
    late = repo.commit(
        "clamp" + CLAUDE,
        {"app/pay.py": lines("P", 3) + "LIMIT = 3\n"},
        date="2026-02-06T10:00:00+00:00",
    )
    repo.git("revert", "--no-edit", late, env=on("2026-03-20"))
    out = measure_outcomes(Repo.discover(repo.path)).to_json()
    reverted = {r["commit"]: r for r in out["reverted"]["changes"]}
    assert set(reverted) == {ai}
    assert reverted[ai]["kind"] == "revert" and reverted[ai]["days"] == 3.0
    assert (out["reverted"]["numerator"], out["reverted"]["denominator"]) == (1, 2)
