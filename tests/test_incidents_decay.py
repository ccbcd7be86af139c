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


# -- how lines are traced: moves by default, copies when asked ---------------------------------

AI_CODE = "".join(
    f"def handler_{n}(request):\n    return respond(request, code={n})\n" for n in range(8)
)


def test_a_renamed_ai_file_is_still_found(repo: GitRepo) -> None:
    """An AI file a human later renamed: the file at HEAD was never touched by the AI commit
    under its own name, and its lines are still the AI commit's."""
    w = build(repo)
    repo.commit("AI handlers" + AI_TRAILERS, {"web/handlers.py": AI_CODE})
    repo.git("mv", "web/handlers.py", "web/routes.py")
    repo.commit("Rename" + HUMAN_TRAILERS)
    rows = {r.path: r for r in decay(w.repo, today=DAY)}
    assert rows["web/routes.py"].lines == {"ai_assisted_unrecorded": 16}


def test_copies_follows_code_moved_between_files(repo: GitRepo) -> None:
    """A human moves AI code into another file: by default (blame -M -w) the moved lines are
    the human commit's; with `copies` (-M -C -w) they keep the AI commit that wrote them."""
    from signoff.incidents.decay import DecayRun

    w = build(repo)
    repo.commit("AI handlers" + AI_TRAILERS, {"web/handlers.py": AI_CODE + "X = 1\n"})
    repo.commit(
        "Move the handlers" + HUMAN_TRAILERS,
        {"web/handlers.py": "X = 1\n", "web/moved.py": AI_CODE},
    )
    moves, copies = DecayRun(), DecayRun()
    by_moves = {r.path: r.lines for r in decay(w.repo, today=DAY, run=moves)}
    by_copies = {r.path: r.lines for r in decay(w.repo, today=DAY, copies=True, run=copies)}
    assert "web/moved.py" not in by_moves
    assert by_copies["web/moved.py"] == {"ai_assisted_unrecorded": 16}
    assert (moves.blame, copies.blame) == ("git blame -M -w", "git blame -M -C -w")
    # moves blames what an AI-assisted commit touched; copies every file at HEAD
    assert moves.files < copies.files == len(repo.git("ls-files").split())
    # a second run reads every blame from the cache (kept apart per method)
    again = DecayRun()
    assert {r.path: r.lines for r in decay(w.repo, today=DAY, copies=True, run=again)} == by_copies
    assert (again.blamed, again.cached) == (0, copies.blamed)


def test_decay_json_says_how_it_was_answered(repo: GitRepo) -> None:
    from tests.test_incidents_cli import doc

    build(repo)
    first = doc(repo, "decay", "--as-of", "2026-03-01")
    assert first["method"]["name"] == "moves" and first["method"]["blame"] == "git blame -M -w"
    assert first["method"]["commit_graph"] == "written"
    assert first["totals"]["decayed_ai_assisted_unrecorded_lines"] == 3
    second = doc(repo, "decay", "--as-of", "2026-03-01", "--copies")
    assert second["method"]["name"] == "copies" and second["method"]["commit_graph"] == "present"
    assert second["files"] == first["files"]


def test_decayed_ai_lines_are_the_records_ai_and_ai_modified_lines(repo: GitRepo) -> None:
    """Where a line record exists, its `ai` and `ai-modified` lines decay and its `human` and
    `unknown` lines do not, even though the commit is AI-assisted; the commit-level measure is
    only for commits without a record."""
    from signoff.provenance.notes import build_note
    from tests.test_line_use import CLAUDE

    w = build(repo)
    text = "".join(f"v{n} = {n}\n" for n in range(1, 9))
    sha = repo.commit("Agent edit" + AI_TRAILERS, {"web/recorded.py": text})
    note = build_note(
        status="mixed",
        tools=[CLAUDE],
        accepted_by=None,
        recorded_by="hook",
        commit=sha,
        files={
            "web/recorded.py": [
                (1, 3, 0, "ai", None),
                (4, 4, 0, "ai-modified", None),
                (5, 6, None, "human", None),
                (7, 8, None, "unknown", None),
            ]
        },
        line_record={"complete": True, "reason": None},
    )
    repo.git("notes", "--ref=signoff", "append", "-F", "-", sha, input=note)
    rows = {r.path: r for r in decay(w.repo, today=DAY)}
    row = rows["web/recorded.py"]
    assert row.lines == {"ai_attributed": 4} and row.decayed_lines == (4, 0)
    assert row.decayed_kinds == {"ai": 3, "ai-modified": 1}
    assert row.to_json()["decayed_ai_attributed_by_kind"] == {"ai": 3, "ai-modified": 1}
    assert rows["payments/config.py"].decayed_lines == (0, 3)  # no record: the commit level


def test_incremental_blame_gives_the_same_origins_as_porcelain(repo: GitRepo) -> None:
    from signoff.git.blame import BlameRun

    repo.commit("One", {"a.py": "a\nb\nc\n"})
    repo.commit("Two", {"a.py": "a\nB\nc\nd\n"})
    repo.git("mv", "a.py", "b.py")
    repo.commit("Rename", {"b.py": "a\nB\nc\nd\ne\n"})
    r = Repo.discover(repo.path)
    for copies in (True, False):
        porcelain, commits = BlameRun(r, "b.py", rev="HEAD", copies=copies).result()
        bare, bare_commits = BlameRun(r, "b.py", rev="HEAD", copies=copies, text=False).result()
        assert [(b.line, b.commit, b.orig_line, b.orig_path, b.boundary) for b in bare] == [
            (b.line, b.commit, b.orig_line, b.orig_path, b.boundary) for b in porcelain
        ]
        assert {b.orig_path for b in bare} == {"a.py", "b.py"}
        assert bare_commits == commits


def test_commit_graph_is_written_once_and_never_in_a_shallow_clone(
    repo: GitRepo, tmp_path: Path
) -> None:
    import subprocess

    from signoff.git.history import commit_graph

    for i in range(3):
        repo.commit(f"c{i}", {"f.py": f"{i}\n"})
    r = Repo.discover(repo.path)
    assert commit_graph(r, write=False) == "absent"
    assert commit_graph(r, write=True) == "written"
    assert commit_graph(r, write=True) == "present"
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone)], check=True
    )
    assert commit_graph(Repo.discover(clone), write=True).startswith("absent (a shallow clone")
