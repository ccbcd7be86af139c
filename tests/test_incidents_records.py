"""Incident records: open, link, update, resolve on a real repository; bad files named precisely."""

from __future__ import annotations

import pytest

from signoff.incidents.classify import connect
from signoff.incidents.ops import link, open_incident, resolve, update
from signoff.incidents.store import RecordError, get_incident, load_incidents
from signoff.query.lookup import ProvenanceLookup
from tests.gitrepo import GitRepo
from tests.incident_fixtures import at, build


def test_open_link_update_resolve_round_trip(repo: GitRepo) -> None:
    w = build(repo)
    inc = open_incident(
        w.repo,
        "Payments timing out",
        "sev1",
        at("2026-01-05T14:00:00"),
        categories=["config"],
        services=["payments-api"],
    )
    assert inc.id == "INC-0001"
    link(w.repo, inc.id, [w.ai_commit, "payments/config.py:2"], note="timeout too low")
    update(
        w.repo,
        inc.id,
        {"categories": "dependency", "summary": "Retries hammered the provider"},
        event=(at("2026-01-05T14:10:00"), "paged payments on-call"),
        action=("Add a staging/production config diff check", "ada", "2026-02-01"),
    )
    resolve(w.repo, inc.id, at("2026-01-05T15:30:00"))
    again = get_incident(w.repo, inc.id)
    assert again.status == "resolved"
    assert again.minutes == 90
    assert again.categories == ["config", "dependency"]
    assert [s.target for s in again.suspects] == [w.ai_commit, "payments/config.py:2"]
    assert again.suspects[1].commits == [w.ai_commit]
    assert again.actions[0].owner == "ada"
    assert open_incident(w.repo, "second", "sev3", at("2026-01-06T00:00:00")).id == "INC-0002"
    assert [i.id for i in load_incidents(w.repo)] == ["INC-0001", "INC-0002"]


def test_comments_survive_an_update(repo: GitRepo) -> None:
    w = build(repo)
    inc = open_incident(w.repo, "t", "sev2", at("2026-01-05T14:00:00"))
    path = w.git.path / ".signoff/incidents" / f"{inc.id}.yaml"
    path.write_text(path.read_text().replace("title: t", "title: t  # reviewed by ada"))
    update(w.repo, inc.id, {"summary": "s"})
    assert "# reviewed by ada" in path.read_text()


def test_labels_ai_human_unknown(repo: GitRepo) -> None:
    w = build(repo)
    ids = []
    for title, target in (("ai", w.ai_commit), ("human", w.human_commit), ("?", w.unknown_commit)):
        inc = open_incident(w.repo, title, "sev2", at("2026-01-05T14:00:00"))
        link(w.repo, inc.id, [target])
        ids.append(inc.id)
    empty = open_incident(w.repo, "nothing linked", "sev4", at("2026-01-05T14:00:00"))
    with ProvenanceLookup(w.repo, use_index=False) as lookup:
        labels = [connect(w.repo, get_incident(w.repo, i), lookup) for i in [*ids, empty.id]]
    assert [c.label for c in labels] == ["ai-connected", "not-ai", "unknown", "unknown"]
    assert "claude-code/opus" in labels[0].reasons[0]
    assert "unknown is not human" in labels[2].reasons[0]
    assert labels[0].ai_paths == ["payments/config.py"]


def test_line_suspect_uses_the_lines_author(repo: GitRepo) -> None:
    w = build(repo)
    inc = open_incident(w.repo, "web", "sev2", at("2026-01-05T14:00:00"))
    link(w.repo, inc.id, ["web/app.py:1-2"])
    with ProvenanceLookup(w.repo, use_index=False) as lookup:
        conn = connect(w.repo, get_incident(w.repo, inc.id), lookup)
    assert conn.label == "not-ai"
    assert conn.changes[0].paths == ("web/app.py",)


def _write(repo: GitRepo, name: str, text: str) -> None:
    repo.write(f".signoff/incidents/{name}", text)


GOOD_HEAD = "schema: signoff/incident/v1\nid: INC-0009\ntitle: x\n"


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        (GOOD_HEAD + "severity: sev9\nstarted: 2026-01-01T00:00:00Z\n", 4, "sev1"),
        (GOOD_HEAD + "severity: sev1\nstarted: 2026-01-01T00:00:00\n", 5, "UTC offset"),
        (
            GOOD_HEAD + "severity: sev1\nstarted: 2026-01-01T00:00Z\nimpact: 5\n",
            6,
            "impact_minutes",
        ),
        (GOOD_HEAD + "severity: sev1\n  started: [\n", 5, "invalid YAML"),
        (GOOD_HEAD + "severity: sev1\n", 1, "started"),
        (
            GOOD_HEAD + "severity: sev1\nstarted: 2026-01-02T00:00:00Z\n"
            "status: resolved\nresolved: 2026-01-01T00:00:00Z\n",
            1,
            "check the times",
        ),
    ],
)
def test_malformed_incident_names_file_line_and_fix(
    repo: GitRepo, body: str, line: int, words: str
) -> None:
    w = build(repo)
    _write(repo, "INC-0009.yaml", body)
    with pytest.raises(RecordError) as err:
        load_incidents(w.repo)
    f = err.value.findings[0]
    assert f.file == ".signoff/incidents/INC-0009.yaml"
    assert f.line == line, err.value.message
    assert words in (f.message + " " + f.fix), err.value.message


def test_id_must_match_file_name(repo: GitRepo) -> None:
    w = build(repo)
    _write(repo, "INC-0001.yaml", GOOD_HEAD + "severity: sev1\nstarted: 2026-01-01T00:00:00Z\n")
    with pytest.raises(RecordError, match="does not match the file name"):
        load_incidents(w.repo)


def test_a_bad_edit_never_reaches_the_file(repo: GitRepo) -> None:
    w = build(repo)
    inc = open_incident(w.repo, "t", "sev2", at("2026-01-05T14:00:00"))
    path = w.git.path / ".signoff/incidents" / f"{inc.id}.yaml"
    before = path.read_text()
    with pytest.raises(RecordError):
        update(w.repo, inc.id, {"severity": "catastrophic"})
    assert path.read_text() == before


def test_a_commit_missing_from_this_clone_makes_the_label_unknown(repo: GitRepo) -> None:
    w = build(repo)
    ghost = "0123456789abcdef0123456789abcdef01234567"
    _write(
        repo,
        "INC-0001.yaml",
        "schema: signoff/incident/v1\nid: INC-0001\ntitle: x\nseverity: sev2\n"
        f"started: 2026-01-05T00:00:00Z\nsuspects:\n  - target: {ghost}\n    commits: [{ghost}]\n"
        f"  - target: web/app.py:1\n    commits: [{ghost}]\n    path: web/app.py\n"
        f"    lines: '1'\n    rev: {ghost}\n",
    )
    with ProvenanceLookup(w.repo, use_index=False) as lookup:
        conn = connect(w.repo, get_incident(w.repo, "INC-0001"), lookup)
    assert conn.label == "unknown"
    assert conn.reasons == ["0123456789: linked commit not found in this repository"]


def test_trace_of_a_change_made_before_any_policy(repo: GitRepo) -> None:
    from signoff.incidents.trace import trace

    early = repo.commit("AI first" + "\n\nAI-Assisted: claude-code\n", {"app.py": "X = 1\n"})
    w = build(repo)
    inc = open_incident(w.repo, "old code", "sev3", at("2026-01-05T14:00:00"))
    link(w.repo, inc.id, [early])
    t = trace(w.repo, get_incident(w.repo, inc.id), use_index=False)
    assert t.primary is not None and t.primary.control == "no-policy"
    assert t.changes[0].then.problem == f"no signoff.yaml at {early[:10]}"
    assert t.changes[0].now.paths[0].ownership is not None  # covered today by `everything`


@pytest.mark.parametrize(
    ("owner", "words"), [("core", "is a team"), ("ghost", "not a person"), ("", "not a person")]
)
def test_action_owner_is_one_named_person(repo: GitRepo, owner: str, words: str) -> None:
    from signoff.errors import SignoffError

    w = build(repo)
    inc = open_incident(w.repo, "t", "sev2", at("2026-01-05T14:00:00"))
    with pytest.raises(SignoffError, match=words):
        update(w.repo, inc.id, {}, action=("Fix the bar", owner, None))


def test_linking_a_merge_suspects_the_commits_it_brought_in(repo: GitRepo) -> None:
    w = build(repo)
    repo.git("checkout", "-q", "-b", "feature", "main")
    a = repo.commit("one" + "\n\nAI-Assisted: claude-code\n", {"web/a.py": "A = 1\n"})
    b = repo.commit("two" + "\n\nAI-Assisted: none\n", {"web/b.py": "B = 1\n"})
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge pull request #7 from x/feature", "feature")
    merge = repo.head()
    inc = open_incident(w.repo, "t", "sev2", at("2026-01-05T14:00:00"))
    record = link(w.repo, inc.id, [merge])
    assert record.suspects[0].target == merge
    assert sorted(record.suspects[0].commits) == sorted([a, b])


def test_unlink_removes_a_suspect_and_refuses_unknown_targets(repo: GitRepo) -> None:
    from signoff.errors import SignoffError
    from signoff.incidents.ops import unlink

    w = build(repo)
    inc = open_incident(w.repo, "t", "sev2", at("2026-01-05T14:00:00"))
    link(w.repo, inc.id, [w.ai_commit, w.human_commit])
    after = unlink(w.repo, inc.id, [w.ai_commit])
    assert [s.target for s in after.suspects] == [w.human_commit]
    with pytest.raises(SignoffError, match="is not linked"):
        unlink(w.repo, inc.id, [w.ai_commit])
    assert unlink(w.repo, inc.id, [w.human_commit]).suspects == []


def test_creating_never_overwrites_a_record_written_meanwhile(repo: GitRepo) -> None:
    from signoff.errors import SignoffError
    from signoff.incidents.model import INCIDENT_SCHEMA, Incident
    from signoff.incidents.store import incident_path, write_record

    w = build(repo)
    path = incident_path(w.repo, "INC-0001")

    def racing(data: dict[str, object]) -> None:
        # another responder's record lands between our check and our write
        _write(
            repo,
            "INC-0001.yaml",
            GOOD_HEAD.replace("0009", "0001") + "severity: sev1\nstarted: 2026-01-01T00:00:00Z\n",
        )
        data.update(
            {
                "schema": INCIDENT_SCHEMA,
                "id": "INC-0001",
                "title": "mine",
                "severity": "sev2",
                "started": "2026-01-02T00:00:00Z",
            }
        )

    with pytest.raises(SignoffError, match="created by someone else"):
        write_record(path, Incident, INCIDENT_SCHEMA, racing, create=True)
    assert "title: x" in path.read_text()
    assert [p.name for p in path.parent.iterdir()] == ["INC-0001.yaml"]  # no temp file left
