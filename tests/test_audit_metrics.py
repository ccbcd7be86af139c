"""Metric definitions pinned on a hand-built history where every right answer is known.

| change | status            | accepter | accountable        | approvals | tier     |
| c1     | ai                | Bob      | ada (ok)           | 2 (roles) | critical |
| c2     | ai (agent)        | none     | ada (ok)           | 0         | critical |
| c3     | human (note)      | Bob      | ada (ok)           | 1         | critical |
| c4     | unknown           | -        | uncovered          | 0         | none     |
| c5     | mixed, undetermined (merge of ai + unknown) | Grace | ada | 2 (roles) | critical |
| c6     | ai                | Grace    | team (invalid) + uncovered src/helper.py | 0 | low |
| c7     | unknown (policy v2)| -       | uncovered          | 1         | none     |
| c8     | ai (under v2)     | Bob      | grace (ok)         | 0         | low      |
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jsonschema
import pytest

from signoff.audit.metrics import compute_metrics
from signoff.audit.pack import AuditOptions, AuditResult, run_audit
from signoff.audit.period import parse_period
from signoff.git.repo import Repo
from tests.audit_history import POLICY, build
from tests.gitrepo import GitRepo


@pytest.fixture
def audited(repo: GitRepo) -> tuple[dict[str, str], AuditResult]:
    ids = build(repo)
    options = AuditOptions(parse_period("2026-01-01", "2026-01-31"), sample=3, seed=11)
    return ids, run_audit(Repo.discover(repo.path), options)


def test_population_is_the_first_parent_line_in_the_period(audited: tuple) -> None:
    ids, result = audited
    pop = result.population
    assert [c.id for c in pop.changes] == [
        ids[k] for k in ("c8", "c7", "c6", "c5", "c4", "c3", "c2", "c1")
    ]
    assert pop.completeness.complete and pop.completeness.git == 8
    merge = next(c for c in pop.changes if c.id == ids["c5"])
    assert merge.kind == "merge" and merge.pull_request == "#7"
    assert merge.members == [ids["side2"], ids["side1"]] or merge.members == [
        ids["side1"],
        ids["side2"],
    ]
    assert merge.status == "mixed" and not merge.determined
    assert sorted(p.email for p in merge.approvers) == ["ada@example.com", "hedy@example.com"]
    assert sorted(merge.paths) == ["payments/a.py", "payments/b.py"]


def test_traceability_coverage(audited: tuple) -> None:
    m = compute_metrics(audited[1].population)["headline"]["traceability_coverage"]
    assert (m["numerator"], m["denominator"], m["value"]) == (5, 8, 0.625)
    assert "unknown" in m["definition"]["numerator"]


def test_attribution_clarity(audited: tuple) -> None:
    ids, result = audited
    m = compute_metrics(result.population)["headline"]["attribution_clarity"]
    assert (m["numerator"], m["denominator"]) == (3, 5)
    by_id = {c.id: c for c in result.population.changes}
    assert not by_id[ids["c2"]].accepted_complete  # an agent committed with no human on record
    assert not by_id[ids["c6"]].accountable_valid  # a team is not accountable
    assert by_id[ids["c8"]].accountable_valid  # policy v2 named grace before c8 landed


def test_review_depth_per_tier(audited: tuple) -> None:
    m = compute_metrics(audited[1].population)
    head = m["headline"]["review_depth"]
    assert (head["numerator"], head["denominator"]) == (2, 4)
    critical = m["review_depth_by_tier"]["critical"]
    assert critical["changes"] == 4
    assert critical["median_approvals"] == 1.5
    roles = critical["required_roles"]
    assert (roles["numerator"], roles["denominator"]) == (2, 4)
    # c1: 1 line / 2 reviewers; c3: 1 / 1; c5: 2 / 2; c2 had no reviewer
    assert critical["median_changed_lines_per_reviewer"] == 1.0
    assert critical["approved_after_last_push"]["value"] is None
    assert "forge" in critical["time_to_approval"]["unavailable"]
    assert m["review_depth_by_tier"]["low"]["changes"] == 2
    assert m["review_depth_by_tier"]["none"]["changes"] == 2


def test_ownership_coverage_and_decay(audited: tuple) -> None:
    m = compute_metrics(audited[1].population)
    cov = m["ownership_coverage"]
    assert (cov["numerator"], cov["denominator"]) == (5, 6)  # src/helper.py is nobody's
    decay = m["ownership_decay"]
    assert (decay["numerator"], decay["denominator"]) == (3, 5)  # Bob left; c2 had no accepter


def test_policy_snapshots_cover_every_version_in_force(audited: tuple, repo: GitRepo) -> None:
    ids, result = audited
    snaps = result.report["policy_snapshots"]
    assert [s["commit"] for s in snaps] == [ids["v1"], ids["c7"]]
    assert [s["changed_in_period"] for s in snaps] == [False, True]
    assert snaps[1]["approved_by"] == [{"name": "Ada Lovelace", "email": "ada@example.com"}]
    text = POLICY.format(docs_accountable="grace").encode()
    assert snaps[1]["sha256"] == hashlib.sha256(text).hexdigest()
    assert snaps[0]["workflows"] == ["payments", "docs"]


def test_sample_is_reproducible_and_carries_decision_chains(repo: GitRepo, audited: tuple) -> None:
    _, result = audited
    again = run_audit(
        Repo.discover(repo.path),
        AuditOptions(parse_period("2026-01-01", "2026-01-31"), sample=3, seed=11),
    )
    first, second = result.report["sample"], again.report["sample"]
    assert [c["change"] for c in first["changes"]] == [c["change"] for c in second["changes"]]
    assert len(first["changes"]) == 3
    chain = first["changes"][0]
    assert set(chain) >= {
        "generated_by",
        "accepted_by",
        "reviewed_by",
        "approved_by",
        "gated_by",
        "landed",
    }
    assert (
        chain["gated_by"]["gate_result"] is None
        and "not recorded" in chain["gated_by"]["gate_result_note"]
    )
    other = run_audit(
        Repo.discover(repo.path),
        AuditOptions(parse_period("2026-01-01", "2026-01-31"), sample=3, seed=12),
    ).report["sample"]
    assert other["seed"] == 12


def test_an_empty_period_has_no_ratios(repo: GitRepo) -> None:
    build(repo)
    result = run_audit(
        Repo.discover(repo.path), AuditOptions(parse_period("2024-01-01", "2024-01-31"))
    )
    head = result.report["metrics"]["headline"]
    assert all(r["value"] is None and r["denominator"] == 0 for r in head.values())
    assert result.population.completeness.complete


BOUNDARY_POLICY = """\
schema: signoff/policy/v1
people:
  - {id: ada, name: Ada Lovelace, emails: [ada@example.com]}
workflows:
  - id: all
    description: Everything.
    paths: ["*"]
    tier: moderate
    accountable: ada
ai_boundary:
  - id: secrets
    paths: [/secrets/]
    reason: Key handling stays human-written.
    exception_approvers: [ada]
"""
EXCEPTION = """\
schema: signoff/exception/v1
boundary: secrets
paths: [/secrets/rotate.py]
approver: ada
reason: Mechanical rename, reviewed line by line.
expires: 2026-01-10
"""
CLAUDE = "\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n"


def test_exceptions_used_expired_and_boundary_breaches(repo: GitRepo) -> None:
    repo.commit(
        "policy\n",
        {"signoff.yaml": BOUNDARY_POLICY, ".signoff/exceptions/EXC-1.yaml": EXCEPTION},
        date="2025-12-01T10:00:00+00:00",
    )
    used = repo.commit(
        "rotate" + CLAUDE, {"secrets/rotate.py": "r = 1\n"}, date="2026-01-05T10:00:00+00:00"
    )
    late = repo.commit(
        "rotate again" + CLAUDE, {"secrets/rotate.py": "r = 2\n"}, date="2026-01-15T10:00:00+00:00"
    )
    outside = repo.commit(
        "keys" + CLAUDE, {"secrets/keys.py": "k = 1\n"}, date="2026-01-06T10:00:00+00:00"
    )
    repo.commit("human\n", {"secrets/keys.py": "k = 2\n"}, date="2026-01-07T10:00:00+00:00")
    result = run_audit(
        Repo.discover(repo.path), AuditOptions(parse_period("2026-01-01", "2026-01-31"))
    )
    by_id = {c.id: c for c in result.population.changes}
    assert by_id[used].exceptions_used == ["EXC-1"] and by_id[used].boundary_breaches == []
    assert by_id[late].boundary_breaches == ["secrets"]  # the exception had expired
    assert by_id[outside].boundary_breaches == ["secrets"]  # outside its scope
    exc = result.report["metrics"]["exceptions"]
    assert exc["used"] == [{"id": "EXC-1", "changes": 1}]
    assert exc["expired"] == ["EXC-1"]
    assert exc["records"][0]["approver"] == "ada"
    assert exc["ai_boundary_breaches"]["changes"] == 2


def _attestation(repo: GitRepo, name: str, path: str, commit: str, person: str) -> None:
    record = (
        "schema: signoff/attestation/v1\n"
        f"path: {path}\ncommit: {commit}\nperson: {person}\nattested: 2026-02-03\n"
    )
    repo.commit(
        f"attest {path}\n",
        {f".signoff/attestations/{name}.yaml": record},
        date="2026-02-03T10:00:00+00:00",
    )


def test_understanding_attestations_stop_ownership_decay(repo: GitRepo) -> None:
    ids = build(repo)
    _attestation(repo, "ATT-0001", "docs/", ids["c8"], "grace")  # current: counts
    _attestation(repo, "ATT-0002", "payments/", ids["c2"], "bob")  # left: does not count
    result = run_audit(
        Repo.discover(repo.path), AuditOptions(parse_period("2026-01-01", "2026-01-31"))
    )
    decay = result.report["metrics"]["ownership_decay"]
    assert (decay["numerator"], decay["denominator"]) == (2, 5)  # c8 is answered for now
    assert "signoff attest" in decay["definition"]["numerator"]


def _bundle(ids: dict[str, str]) -> dict[str, object]:
    """The forge's record of pull request #7: one approval on the merged head, one stale."""
    data = Path(__file__).resolve().parent / "data" / "forge" / "github" / "bundle.json"
    bundle = json.loads(data.read_text())
    bundle["pull"]["number"] = 7
    bundle["pull"]["head"]["sha"] = ids["side2"]
    first, second = bundle["commits"]
    first["sha"], second["sha"] = ids["side1"], ids["side2"]
    first["commit"]["committer"]["date"] = "2026-01-05T12:00:00Z"
    second["commit"]["committer"]["date"] = "2026-01-05T13:00:00Z"
    second["parents"] = [{"sha": ids["side1"]}]
    stale, current = bundle["reviews"]
    stale["commit_id"], stale["submitted_at"] = ids["side1"], "2026-01-05T12:30:00Z"
    current["commit_id"], current["submitted_at"] = ids["side2"], "2026-01-05T15:00:00Z"
    return bundle


def test_forge_reviews_give_the_figures_git_cannot(repo: GitRepo, tmp_path: Path) -> None:
    ids = build(repo)
    (tmp_path / "pr-7.json").write_text(json.dumps(_bundle(ids)))
    options = AuditOptions(parse_period("2026-01-01", "2026-01-31"), reviews=tmp_path)
    result = run_audit(Repo.discover(repo.path), options)
    merge = next(c for c in result.population.changes if c.id == ids["c5"])
    assert merge.forge is not None
    assert (merge.forge["current_approvals"], merge.forge["stale_approvals"]) == (1, 1)
    assert merge.forge["hours_to_approval"] == 2.0  # head committed 13:00, approved 15:00
    critical = result.report["metrics"]["review_depth_by_tier"]["critical"]
    after = critical["approved_after_last_push"]
    assert (after["numerator"], after["denominator"]) == (1, 1)
    assert critical["time_to_approval"]["value"] == 2.0
    assert result.report["forge_reviews"] == {
        "records": 1,
        "changes_naming_a_pull_request": 1,
        "matched": 1,
        "squashes_mapped": 0,  # a merged pull request, not a squash commit
    }
    low = result.report["metrics"]["review_depth_by_tier"]["low"]
    assert "--reviews" in low["approved_after_last_push"]["unavailable"]
    schema = json.loads((Path(__file__).parent.parent / "docs/schemas/audit-v1.json").read_text())
    jsonschema.validate(json.loads(json.dumps(result.report, default=str)), schema)


def test_sampled_changes_are_re_gated_and_labelled_so(repo: GitRepo) -> None:
    ids = build(repo)
    options = AuditOptions(parse_period("2026-01-01", "2026-01-31"), sample=8, seed=1)
    sample = run_audit(Repo.discover(repo.path), options).report["sample"]
    chains = {c["change"]: c["gated_by"] for c in sample["changes"]}
    agent = chains[ids["c2"]]["gate_re_evaluated"]  # AI, critical tier, no approval at all
    assert agent["verdict"] == "blocked" and agent["blocking"]
    assert agent["policy_rev"] == ids["c1"]  # judged by the policy of its base
    assert "not the verdict recorded at merge time" in agent["note"]
    assert chains[ids["c2"]]["gate_result"] is None


def test_ownership_decay_by_line_measure(repo: GitRepo) -> None:
    """A line record's `ai` and `ai-modified` lines are AI-attributed lines; its `human` lines
    are neither measure; a commit without a record counts under the commit-level measure."""
    from signoff.provenance.notes import build_note
    from tests.test_line_use import CLAUDE

    ids = build(repo)
    before = run_audit(
        Repo.discover(repo.path), AuditOptions(parse_period("2026-01-01", "2026-01-31"))
    ).report["metrics"]["ownership_decay"]["by_measure"]
    assert before["ai_attributed"]["changes"] == 0  # no line record anywhere yet
    unrecorded = before["ai_assisted_unrecorded"]
    assert unrecorded["changes"] == 5 and unrecorded["decayed_changes"] == 3
    assert 0 < unrecorded["decayed_lines"] < unrecorded["lines"]
    # c2 (an agent's commit nobody accepted) gets a record: its first line ai-modified, any
    # other line human
    shown = repo.git("show", "--numstat", "--format=", ids["c2"])
    path = shown.split()[2]
    added = int(shown.split()[0])
    note = build_note(
        status="mixed",
        tools=[CLAUDE],
        accepted_by=None,
        recorded_by="hook",
        commit=ids["c2"],
        files={
            path: [(1, 1, 0, "ai-modified", None)]
            + ([(2, added, None, "human", None)] if added > 1 else [])
        },
        line_record={"complete": True, "reason": None},
    )
    repo.git("notes", "--ref=signoff", "append", "-F", "-", ids["c2"], input=note)
    after = run_audit(
        Repo.discover(repo.path), AuditOptions(parse_period("2026-01-01", "2026-01-31"))
    ).report["metrics"]["ownership_decay"]["by_measure"]
    assert after["ai_attributed"] == {
        "changes": 1,
        "decayed_changes": 1,
        "lines": 1,
        "decayed_lines": 1,
        "changes_without_counts": 0,
    }
    assert after["ai_assisted_unrecorded"]["changes"] == 4
    assert after["ai_assisted_unrecorded"]["lines"] == unrecorded["lines"] - added
