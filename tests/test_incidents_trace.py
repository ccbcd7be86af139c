"""The decision chain across a policy change, and the postmortem's named control."""

from __future__ import annotations

import re
from pathlib import Path

from signoff.incidents.ops import link, open_incident, resolve, update
from signoff.incidents.postmortem import actions, postmortem_html, postmortem_markdown
from signoff.incidents.store import get_incident
from signoff.incidents.trace import trace
from tests.gitrepo import GitRepo
from tests.incident_fixtures import AI_TRAILERS, HUMAN_TRAILERS, World, at, build
from tests.policy_fixtures import base, dump

NOW = at("2026-02-01T00:00:00")


def _pay_incident(w: World, target: str, started: str = "2026-01-05T14:00:00") -> str:
    inc = open_incident(w.repo, "Payments down", "sev1", at(started), categories=["config"])
    link(w.repo, inc.id, [target])
    resolve(w.repo, inc.id, at(started).replace(hour=15, minute=30))
    return inc.id


def test_trace_shows_owner_then_and_now_across_a_policy_change(repo: GitRepo) -> None:
    w = build(repo)
    changed = base()
    pay = next(x for x in changed["workflows"] if x["id"] == "payments")
    pay["accountable"] = "margaret"
    pay["escalation"] = [{"person": "hedy", "respond_within": "1h"}]
    repo.commit("Hand payments to Margaret" + HUMAN_TRAILERS, {"signoff.yaml": dump(changed)})
    inc = _pay_incident(w, w.ai_commit)
    t = trace(w.repo, get_incident(w.repo, inc), now=NOW, use_index=False)
    doc = t.to_json()
    (change,) = doc["changes"]
    assert change["generated_by"] == [{"tool": "claude-code", "model": "opus", "session": None}]
    assert change["accepted_by"]["email"] == "grace@example.com"
    assert change["owners_then"]["paths"][0]["accountable"]["name"] == "Ada Lovelace"
    assert change["owners_now"]["paths"][0]["accountable"]["name"] == "Margaret Hamilton"
    assert change["owners_then"]["policy_rev"] == w.policy_commit  # the branch it landed on
    assert change["owners_now"]["paths"][0]["escalation"][0]["person"]["name"] == "Hedy Lamarr"
    assert change["owners_now"]["paths"][0]["incident_path"]["authority"] == (
        "roll back and freeze deploys"
    )
    assert change["gate"] == {"recorded": False, "result": None, "note": change["gate"]["note"]}
    assert "no gate evidence was recorded" in change["gate"]["note"]
    assert doc["label"] == "ai-connected"
    md = postmortem_markdown(t)
    assert "**Owner then** of `payments/config.py`: Ada Lovelace" in md
    assert "**Owner now** of `payments/config.py`: Margaret Hamilton" in md


def test_named_control_is_no_owner_when_nothing_covered_the_path(repo: GitRepo) -> None:
    early = base()
    early["workflows"] = [x for x in early["workflows"] if x["id"] != "everything"]
    w = build(repo, early)
    web = repo.commit("AI search page" + AI_TRAILERS, {"web/search.py": "Q = 'x'\n"})
    repo.commit("Cover everything" + HUMAN_TRAILERS, {"signoff.yaml": dump(base())})
    inc = open_incident(w.repo, "Search broken", "sev2", at("2026-01-06T10:00:00"))
    link(w.repo, inc.id, [web])
    t = trace(w.repo, get_incident(w.repo, inc.id), now=NOW, use_index=False)
    assert t.primary is not None and t.primary.control == "no-owner"
    md = postmortem_markdown(t)
    section = md.split("## Which control let it through")[1].split("##")[0]
    assert "No owner: no workflow covered the path" in section
    assert "web/search.py" in section
    assert "Grace" not in section  # the gate is named, not the person who accepted it
    first = next(a for a in actions(t) if a.source == "no-owner")
    assert first.owner == "Margaret Hamilton"  # governance.policy_owner


def test_named_control_is_the_ignored_budget(repo: GitRepo) -> None:
    w = build(repo)
    _pay_incident(w, w.ai_commit)  # 90 minutes: spends the 15-minute payments budget
    repo.commit("Record INC-0001" + HUMAN_TRAILERS, date="2026-01-06T10:00:00+00:00")
    later = repo.commit(
        "AI retry tweak" + AI_TRAILERS,
        {"payments/retry.py": "BACKOFF = 0\n"},
        date="2026-01-08T10:00:00+00:00",
    )
    second = _pay_incident(w, later, "2026-01-09T14:00:00")
    t = trace(w.repo, get_incident(w.repo, second), now=NOW, use_index=False)
    assert t.primary is not None and t.primary.control == "budget-ignored"
    assert "INC-0001" in t.primary.why
    controls = [g.control for g in t.gaps]
    assert "review-unevidenced" in controls and "missing-scanner" not in controls
    # every action has exactly one named owner, never blank
    for a in actions(t):
        assert a.owner and a.owner_id, a


def test_a_declared_fix_is_not_an_ignored_budget(repo: GitRepo) -> None:
    w = build(repo)
    _pay_incident(w, w.ai_commit)
    repo.commit("Record INC-0001" + HUMAN_TRAILERS, date="2026-01-06T10:00:00+00:00")
    fix = repo.commit(
        "AI fix" + AI_TRAILERS + "Fixes-Incident: INC-0001\n",
        {"payments/config.py": "RETRIES = 3\nTIMEOUT_S = 2\nREGION = 'prod'\n"},
        date="2026-01-08T10:00:00+00:00",
    )
    second = _pay_incident(w, fix, "2026-01-09T14:00:00")
    t = trace(w.repo, get_incident(w.repo, second), now=NOW, use_index=False)
    assert "budget-ignored" not in [g.control for g in t.gaps]


def test_human_incident_has_no_ai_control(repo: GitRepo) -> None:
    w = build(repo)
    inc = open_incident(w.repo, "web", "sev3", at("2026-01-06T10:00:00"))
    link(w.repo, inc.id, [w.human_commit])
    t = trace(w.repo, get_incident(w.repo, inc.id), now=NOW, use_index=False)
    assert t.connection.label == "not-ai"
    assert t.gaps == []


def test_postmortem_html_is_standalone_and_escaped(repo: GitRepo) -> None:
    w = build(repo)
    inc = _pay_incident(w, w.ai_commit)
    update(
        w.repo,
        inc,
        {"summary": "<script>alert(1)</script> config pointed at staging"},
        action=("Diff staging and production config in CI", "ada", "2026-02-15"),
    )
    t = trace(w.repo, get_incident(w.repo, inc), now=NOW, use_index=False)
    page = postmortem_html(t)
    assert page.startswith("<!doctype html>") and "</html>" in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert not re.search(r"(src|href)=\"https?:", page)
    assert "<table>" in page and "Diff staging and production config in CI" in page
    md = postmortem_markdown(t)
    for heading in (
        "Summary",
        "Impact",
        "Timeline",
        "Which control let it through",
        "Contributing factors",
        "Decision chain",
        "What went well",
        "Action items",
    ):
        assert f"## {heading}" in md


# -- recorded gate results (saved `signoff check --json`) ----------------------------------


def _checked_merge(repo: GitRepo, w: World, path: str, name: str) -> tuple[str, Path]:
    """An AI change on a branch, judged by the real gate (saved as CI would), then merged."""
    import json
    from datetime import date

    from signoff.gate.check import GateOptions, check

    repo.git("checkout", "-q", "-b", name, "main")
    sha = repo.commit("AI change " + name + AI_TRAILERS, {path: f"V = '{name}'\n"})
    result = check(w.repo, GateOptions(base="main", head=name, scan=False, today=date(2026, 1, 9)))
    saved = repo.path.parent / f"check-{name}.json"
    saved.write_text(json.dumps({"schema": "signoff/check/v2", **result.to_json()}, default=str))
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", f"Merge {name}", name)
    return sha, saved


def test_a_blocked_gate_that_was_merged_past_is_the_named_control(repo: GitRepo) -> None:
    from signoff.incidents.gate_evidence import read_gate_evidence

    w = build(repo)
    sha, saved = _checked_merge(repo, w, "payments/limits.py", "limits")  # critical: no reviews
    inc = _pay_incident(w, sha, "2026-01-10T14:00:00")
    t = trace(w.repo, get_incident(w.repo, inc), now=NOW, gate_evidence=read_gate_evidence([saved]))
    (change,) = t.to_json()["changes"]
    assert change["gate"]["recorded"] is True and change["gate"]["result"] == "blocked"
    assert t.primary is not None and t.primary.control == "gate-overridden"
    assert "review.no-evidence" in t.primary.why
    assert "no-gate-evidence" not in [g.control for g in t.gaps]
    assert "**Gate at merge:** blocked (blocking: review.no-evidence" in postmortem_markdown(t)


def test_a_passing_gate_leaves_the_bar_itself_as_the_gap(repo: GitRepo) -> None:
    from signoff.incidents.gate_evidence import read_gate_evidence

    w = build(repo)
    sha, saved = _checked_merge(repo, w, "web/search.py", "search")  # low tier: nothing required
    inc = open_incident(w.repo, "search", "sev3", at("2026-01-10T14:00:00"), categories=["logic"])
    link(w.repo, inc.id, [sha])
    evidence = read_gate_evidence([saved])
    t = trace(w.repo, get_incident(w.repo, inc.id), now=NOW, gate_evidence=evidence)
    assert [g.control for g in t.gaps] == ["bar-insufficient"]
    assert "the gate passed it" in t.gaps[0].why
    (action,) = [a for a in actions(t) if a.source == "bar-insufficient"]
    assert action.owner == "Ada Lovelace"  # claude-code's owner updates its checklist
    assert "logic" in action.title


def test_gate_evidence_must_be_a_check_document(repo: GitRepo, tmp_path: Path) -> None:
    import pytest

    from signoff.errors import SignoffError
    from signoff.incidents.gate_evidence import read_gate_evidence

    bad = tmp_path / "x.json"
    bad.write_text('{"schema": "signoff/explain/v1"}')
    with pytest.raises(SignoffError, match="not a signoff/check/v2 document"):
        read_gate_evidence([bad])
    bad.write_text("{nope")
    with pytest.raises(SignoffError, match="not a readable JSON document"):
        read_gate_evidence([bad])


def test_stale_approvals_in_gate_evidence_are_named(repo: GitRepo) -> None:
    import json

    from signoff.incidents.gate_evidence import read_gate_evidence

    w = build(repo)
    sha, saved = _checked_merge(repo, w, "web/cart.py", "cart")
    doc = json.loads(saved.read_text())
    doc["findings"].append(
        {
            "rule": "review.stale",
            "severity": "note",
            "blocks": False,
            "message": "approval by bob was given before the last push",
        }
    )
    saved.write_text(json.dumps(doc))
    inc = open_incident(w.repo, "cart", "sev3", at("2026-01-10T14:00:00"))
    link(w.repo, inc.id, [sha])
    t = trace(
        w.repo, get_incident(w.repo, inc.id), now=NOW, gate_evidence=read_gate_evidence([saved])
    )
    assert [g.control for g in t.gaps] == ["stale-approval"]
    assert "bob" not in t.gaps[0].why  # the gap names the control, not the reviewer


def test_review_below_the_critical_bar_is_named_with_reasons(repo: GitRepo) -> None:
    w = build(repo)
    sha = repo.commit(
        "AI payments change"
        + AI_TRAILERS
        + "Approved-by: Ada Lovelace <ada@example.com>\n"
        + "Approved-by: Grace Hopper <grace@example.com>\n",  # the accepter: does not count
        {"payments/fees.py": "FEE = 0\n"},
        author=("Grace Hopper", "grace@example.com"),
    )
    inc = _pay_incident(w, sha, "2026-01-06T14:00:00")
    t = trace(w.repo, get_incident(w.repo, inc), now=NOW, use_index=False)
    (change,) = t.changes
    assert change.bar == "not-met"
    assert change.bar_reasons[:2] == [
        "1 independent approval(s) of 2 required",
        "1 self-approval(s) did not count",
    ]
    assert t.primary is not None and t.primary.control == "review-below-bar"


def test_the_traced_incident_never_counts_against_its_own_change(repo: GitRepo) -> None:
    """A rebase can date a commit after the incident it caused; that is not an ignored budget."""
    w = build(repo)
    late = repo.commit(
        "AI rebased change" + AI_TRAILERS,
        {"payments/late.py": "L = 1\n"},
        date="2026-01-20T10:00:00+00:00",
    )
    inc = _pay_incident(w, late, "2026-01-10T14:00:00")
    t = trace(w.repo, get_incident(w.repo, inc), now=NOW, use_index=False)
    assert "budget-ignored" not in [g.control for g in t.gaps]


def test_approvals_on_the_pull_request_merge_count(repo: GitRepo) -> None:
    policy = base()
    web = next(x for x in policy["workflows"] if x["id"] == "everything")
    web["acceptance_bar"] = {"min_approvals": 1}
    w = build(repo, policy)
    repo.git("checkout", "-q", "-b", "feature", "main")
    sha = repo.commit("AI ledger" + AI_TRAILERS, {"web/ledger.py": "L = 1\n"})
    repo.git("checkout", "-q", "main")
    message = "Merge pull request #42 from x/feature\n\nApproved-by: Hedy Lamarr <hedy@example.com>"
    repo.git("merge", "-q", "--no-ff", "-m", message, "feature")
    inc = open_incident(w.repo, "ledger", "sev3", at("2026-01-10T14:00:00"))
    link(w.repo, inc.id, [sha])
    t = trace(w.repo, get_incident(w.repo, inc.id), now=NOW, use_index=False)
    (change,) = t.changes
    assert [r.person.name for r in change.reviews] == ["Hedy Lamarr"]
    assert change.merge is not None and change.merge.pull_request == "#42"
    assert (change.bar, change.bar_reasons) == ("met", ["1 independent approval(s) of 1 required"])
    assert "review-unevidenced" not in [g.control for g in t.gaps]


def test_recorded_gate_results_pick_the_run_on_the_head_that_merged(repo: GitRepo) -> None:
    """First push blocked, second push passed and merged: the trace shows the pass."""
    import json
    from datetime import date

    from signoff.gate.check import GateOptions, check
    from signoff.gate.record import record_result
    from signoff.incidents.gate_evidence import recorded_gate_evidence

    w = build(repo)
    repo.git("checkout", "-q", "-b", "pr", "main")
    sha = repo.commit("AI cart" + AI_TRAILERS, {"payments/cart.py": "C = 1\n"})
    opts = GateOptions(base="main", head="pr", scan=False, today=date(2026, 1, 9))
    first = check(w.repo, opts)
    assert first.verdict == "blocked"  # critical tier, no review evidence
    record_result(
        w.repo,
        json.loads(json.dumps({"schema": "signoff/check/v2", **first.to_json()}, default=str)),
    )
    repo.commit(
        "Review"
        + HUMAN_TRAILERS
        + "Approved-by: Margaret Hamilton <mh@example.com>\nApproved-by: Hedy Lamarr <hedy@example.com>\n",
        allow_empty=True,
    )
    second = json.loads(
        json.dumps({"schema": "signoff/check/v2", **check(w.repo, opts).to_json()}, default=str)
    )
    second["verdict"] = "pass"  # as if the forge reviews satisfied every rule on this head
    second["findings"] = []
    record_result(w.repo, second)
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge pull request #9 from x/pr", "pr")
    inc = _pay_incident(w, sha, "2026-01-10T14:00:00")
    evidence = recorded_gate_evidence(w.repo)
    assert len(evidence) == 2
    blocked_last = sorted(evidence, key=lambda e: e.verdict == "blocked")  # order must not matter
    t = trace(w.repo, get_incident(w.repo, inc), now=NOW, gate_evidence=blocked_last)
    (change,) = t.changes
    assert change.gate is not None and change.gate.verdict == "pass"
    assert change.gate.head == second["changeset"]["head"]
    assert "gate-overridden" not in [g.control for g in t.gaps]
