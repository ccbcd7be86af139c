"""Ownership decay and understanding attestations on a real repository."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from signoff.errors import SignoffError
from signoff.git import Repo
from signoff.incidents.decay import attest, decay
from tests.gitrepo import GitRepo
from tests.incident_fixtures import AI_TRAILERS, HUMAN_TRAILERS, World, build
from tests.policy_fixtures import base, dump

DAY = date(2026, 3, 1)


def _web_ai(w: World) -> None:
    w.git.commit("AI web" + AI_TRAILERS, {"web/ai.py": "A = 1\nB = 2\nC = 3\nD = 4\nE = 5\n"})


def test_unattested_ai_code_is_listed_most_critical_first(repo: GitRepo) -> None:
    w = build(repo)
    _web_ai(w)
    rows = decay(w.repo, today=DAY)
    assert [(r.path, r.tier, r.decayed_lines) for r in rows] == [
        # commit-level markers only: (AI-attributed, in AI-assisted commits without a record)
        ("payments/config.py", "critical", (0, 3)),  # critical beats the larger low-tier file
        ("web/ai.py", "low", (0, 5)),
    ]
    assert rows[0].reasons == {"nobody attested": {"ai_assisted_unrecorded": 3}}
    assert [r.path for r in decay(w.repo, today=DAY, min_tier="high")] == ["payments/config.py"]
    assert [r.path for r in decay(w.repo, today=DAY, workflows=["everything"])] == ["web/ai.py"]
    assert rows[0].accepters == ["Grace Hopper <grace@example.com>"]


def test_attestation_covers_code_up_to_its_commit_only(repo: GitRepo) -> None:
    w = build(repo)
    record = attest(w.repo, "payments/", "ada", today=DAY, note="read with the provider docs")
    assert (record.id, record.path, record.person) == ("ATT-0001", "payments/", "ada")
    repo.commit("Record attestation" + HUMAN_TRAILERS)
    assert [r.path for r in decay(w.repo, today=DAY)] == []
    repo.commit(
        "AI adds a flag" + AI_TRAILERS,
        {"payments/config.py": "RETRIES = 3\nTIMEOUT_S = 0.1\nREGION = 'staging'\nFAST = True\n"},
    )
    (row,) = decay(w.repo, today=DAY)
    assert (row.path, row.lines, row.decayed_lines) == (
        "payments/config.py",
        {"ai_assisted_unrecorded": 4},
        (0, 1),
    )
    assert row.attested_by == ["Ada Lovelace"]


def test_leavers_neither_own_nor_attest(repo: GitRepo) -> None:
    w = build(repo)
    attest(w.repo, "payments/config.py", "hedy", today=DAY)
    gone = base()
    for person in gone["people"]:
        if person["id"] in ("grace", "hedy"):
            person["left"] = "2026-02-01"
    repo.commit("Grace and Hedy left" + HUMAN_TRAILERS, {"signoff.yaml": dump(gone)})
    (row,) = decay(w.repo, today=DAY)
    assert row.reasons == {"accepter Grace Hopper left 2026-02-01": {"ai_assisted_unrecorded": 3}}
    assert row.attested_by == []


def test_attest_refuses_what_it_cannot_stand_behind(repo: GitRepo) -> None:
    w = build(repo)
    with pytest.raises(SignoffError, match="not a person"):
        attest(w.repo, "payments/config.py", "nobody", today=DAY)
    with pytest.raises(SignoffError, match="not tracked"):
        attest(w.repo, "payments/nope.py", "ada", today=DAY)
    with pytest.raises(SignoffError, match="matches no person"):
        attest(w.repo, "payments/config.py", None, today=DAY)  # test@example.com is nobody


def test_decay_and_attest_commands(repo: GitRepo) -> None:
    from tests.test_incidents_cli import doc, signoff

    build(repo)
    before = doc(repo, "decay", "--as-of", "2026-03-01")
    assert before["schema"] == "signoff/decay/v2" and before["total"] == 1
    made = doc(repo, "attest", "payments", "--as", "ada")
    assert made["attestation"]["path"] == "payments/"
    assert doc(repo, "decay", "--as-of", "2026-03-01")["total"] == 0
    bad = signoff(repo, "attest", "payments", "--as", "ghost")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_decay_counts_ai_attributed_lines_apart_from_unrecorded_ones(repo: GitRepo) -> None:
    """A Git AI note names 2 of the web file's 5 lines: those are AI-attributed lines."""
    w = build(repo)
    sha = w.git.commit("Web file\n", {"web/noted.py": "A = 1\nB = 2\nC = 3\nD = 4\nE = 5\n"})
    meta = {
        "schema_version": "authorship/3.0.0",
        "base_commit_sha": sha,
        "prompts": {
            "abcd1234abcd1234": {
                "agent_id": {"tool": "cursor", "id": "s-1", "model": "gpt-5"},
                "human_author": "Grace Hopper <grace@example.com>",
                "total_additions": 2,
                "total_deletions": 0,
                "accepted_lines": 2,
                "overriden_lines": 0,
            }
        },
    }
    note = "web/noted.py\n  abcd1234abcd1234 2-3\n---\n" + json.dumps(meta)
    repo.git("notes", "--ref=ai", "add", "-F", "-", sha, input=note.encode())
    rows = {r.path: r for r in decay(w.repo, today=DAY)}
    noted = rows["web/noted.py"]
    assert noted.lines == {"ai_attributed": 2} and noted.decayed_lines == (2, 0)
    assert rows["payments/config.py"].lines == {"ai_assisted_unrecorded": 3}
    doc = noted.to_json()
    assert (doc["ai_attributed_lines"], doc["ai_assisted_unrecorded_lines"]) == (2, 0)
    assert (doc["decayed_ai_attributed_lines"], doc["decayed_ai_assisted_unrecorded_lines"]) == (
        2,
        0,
    )


def test_files_attested_as_they_are_at_head_are_not_blamed(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = build(repo)
    _web_ai(w)
    attest(w.repo, "payments/", "ada", today=DAY)
    repo.commit("Record attestation" + HUMAN_TRAILERS)  # touches only .signoff/
    trace = tmp_path / "trace"
    monkeypatch.setenv("GIT_TRACE", str(trace))

    def blamed() -> list[str]:
        lines = [line for line in trace.read_text().splitlines() if " blame " in line]
        trace.write_text("")
        return sorted(line.rsplit(" ", 1)[-1].strip("'") for line in lines)

    traced = Repo.discover(repo.path)  # its git processes see GIT_TRACE
    assert [r.path for r in decay(traced, today=DAY)] == ["web/ai.py"]
    assert blamed() == ["web/ai.py"]  # payments/config.py is attested as it is now
    # once the file changes after the attestation, it is blamed again (its new line decays)
    repo.commit("AI adds a flag" + AI_TRAILERS, {"payments/config.py": "RETRIES = 3\nFAST = 1\n"})
    rows = {r.path: r.decayed_lines for r in decay(traced, today=DAY)}
    assert rows["payments/config.py"] == (0, 1)
    assert "payments/config.py" in blamed()


def test_the_blame_cache_keeps_each_lines_origin_in_runs(repo: GitRepo) -> None:
    from signoff.git.blame import blame
    from signoff.store.blame_cache import BlameCache

    repo.commit("One", {"a.py": "a\nb\nc\n"})
    repo.commit("Two", {"a.py": "a\nB\nc\nd\n", "b.py": "x\n"})
    repo.commit("Move", {"a.py": "a\nB\n", "c.py": "c\nd\n" + "y\n" * 3})
    r = Repo.discover(repo.path)
    lines, _ = blame(r, "c.py", rev="HEAD")
    with BlameCache(r) as cache:
        cache.put("blob", "c.py", lines)
        back = cache.get("blob", "c.py")
        stored = cache.conn.execute("SELECT lines FROM blame").fetchone()[0]
    assert back is not None
    assert [(b.line, b.commit, b.orig_line, b.orig_path, b.boundary) for b in back] == [
        (b.line, b.commit, b.orig_line, b.orig_path, b.boundary) for b in lines
    ]
    assert len(json.loads(stored)) < len(lines)  # runs, not one entry per line
