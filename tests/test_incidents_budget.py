"""Error budgets over time (an injected clock), and the gate they drive."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from signoff.gate.check import GateOptions, check
from signoff.gate.findings import GateFinding
from signoff.incidents.budget import BudgetStatus, budget_report
from signoff.incidents.ops import link, open_incident, resolve
from tests.gitrepo import GitRepo
from tests.incident_fixtures import AI_TRAILERS, HUMAN_TRAILERS, World, at, build
from tests.policy_fixtures import dump


def _web_ai(w: World, name: str, day: str) -> str:
    return w.git.commit(
        f"AI web change {name}" + AI_TRAILERS,
        {f"web/{name}.py": f"X = '{name}'\n"},
        date=f"{day}T08:00:00+00:00",
    )


def _incident(w: World, title: str, started: str, target: str, minutes: int = 5) -> str:
    inc = open_incident(w.repo, title, "sev2", at(started), impact_minutes=minutes)
    link(w.repo, inc.id, [target])
    return inc.id


def _status(w: World, when: str, workflow: str) -> BudgetStatus:
    (status,) = budget_report(w.repo, at(when), workflows=[workflow], use_index=False)
    return status


def test_budget_crosses_every_state_and_recovers(repo: GitRepo) -> None:
    """`everything` tolerates 3 AI-connected incidents in 30 days."""
    w = build(repo)
    a, b, c = (_web_ai(w, n, "2026-01-04") for n in ("a", "b", "c"))
    _incident(w, "one", "2026-01-05T14:00:00", a)
    _incident(w, "two", "2026-01-06T14:00:00", b)
    _incident(w, "human", "2026-01-07T14:00:00", w.human_commit)  # not-ai: spends nothing
    _incident(w, "unmarked", "2026-01-07T15:00:00", w.unknown_commit)  # unknown: listed only
    _incident(w, "three", "2026-01-22T14:00:00", c)

    assert _status(w, "2026-01-04T00:00:00", "everything").state == "ok"
    s = _status(w, "2026-01-07T00:00:00", "everything")
    assert (s.state, s.incidents, s.burn_rate > 2) == ("at-risk", 2, True)
    s = _status(w, "2026-01-15T00:00:00", "everything")  # 2 of 3 spent, but the burn cooled
    assert (s.state, s.incidents, s.burn_rate) == ("ok", 2, 0.0)
    assert [x.incident for x in s.unknown] == ["INC-0004"]
    s = _status(w, "2026-01-22T15:00:00", "everything")
    assert (s.state, s.incidents) == ("exhausted", 3)
    assert s.recovers_at == at("2026-02-04T14:00:00")  # INC-0001 leaves the 30-day window
    assert _status(w, "2026-02-04T13:59:00", "everything").state == "exhausted"
    assert _status(w, "2026-02-04T14:00:00", "everything").state != "exhausted"
    assert _status(w, "2026-03-01T00:00:00", "everything").to_json()["consumed"] == {
        "incidents": 0,
        "impact_minutes": 0,
    }


def test_impact_minutes_spend_the_payments_budget(repo: GitRepo) -> None:
    """`payments` tolerates 15 impact minutes; one 90-minute AI incident spends it."""
    w = build(repo)
    inc = open_incident(w.repo, "pay", "sev1", at("2026-01-05T14:00:00"))
    link(w.repo, inc.id, [w.ai_commit])
    assert _status(w, "2026-01-05T14:30:00", "payments").state == "ok"  # open, no minutes yet
    resolve(w.repo, inc.id, at("2026-01-05T15:30:00"))
    s = _status(w, "2026-01-06T00:00:00", "payments")
    assert (s.state, s.minutes) == ("exhausted", 90)
    assert _status(w, "2026-01-06T00:00:00", "everything").incidents == 0  # last match wins


# -- the gate -----------------------------------------------------------------------------


def _spent_payments(repo: GitRepo) -> World:
    """main: policy, AI payments commit, and a committed 90-minute AI incident on it."""
    w = build(repo)
    inc = open_incident(w.repo, "pay", "sev1", at("2026-01-05T14:00:00"))
    link(w.repo, inc.id, [w.ai_commit])
    resolve(w.repo, inc.id, at("2026-01-05T15:30:00"))
    repo.commit("Record INC-0001" + HUMAN_TRAILERS, date="2026-01-06T09:00:00+00:00")
    return w


def _gate(w: World, trailers: str, today: date = date(2026, 1, 10)) -> list[GateFinding]:
    git = w.git
    git.git("checkout", "-q", "-b", "change", "main")
    git.commit(
        "Raise the timeout" + AI_TRAILERS + trailers,
        {"payments/config.py": "RETRIES = 3\nTIMEOUT_S = 2.0\nREGION = 'staging'\n"},
        date="2026-01-09T09:00:00+00:00",
    )
    result = check(w.repo, GateOptions(base="main", head="change", scan=False, today=today))
    git.git("checkout", "-q", "main")
    return [f for f in result.findings if f.rule.startswith("budget.")]


def test_gate_blocks_ai_change_while_budget_is_spent(repo: GitRepo) -> None:
    w = _spent_payments(repo)
    (f,) = _gate(w, "")
    assert f.rule == "budget.exhausted" and f.blocks
    assert "90 of 15 impact minutes" in f.message and "INC-0001" in f.message
    assert "Fixes-Incident" in f.fix


def test_gate_lets_a_declared_fix_through(repo: GitRepo) -> None:
    w = _spent_payments(repo)
    (f,) = _gate(w, "Fixes-Incident: INC-0001\n")
    assert f.rule == "budget.exhausted" and not f.blocks
    assert "declared fix of INC-0001" in f.message


def test_gate_refuses_a_fix_of_an_unrecorded_incident(repo: GitRepo) -> None:
    w = _spent_payments(repo)
    (f,) = _gate(w, "Fixes-Incident: INC-0404\n")
    assert f.blocks and "INC-0404, which is not a recorded incident" in f.message


def test_gate_passes_once_the_budget_recovers(repo: GitRepo) -> None:
    w = _spent_payments(repo)
    assert _gate(w, "", today=date(2026, 1, 5) + timedelta(days=31)) == []


def _override(repo: GitRepo, approver: str) -> None:
    body = {
        "schema": "signoff/budget-override/v1",
        "workflow": "payments",
        "approver": approver,
        "reason": "hotfix train for the provider migration",
        "expires": "2026-01-31",
    }
    repo.commit(
        "Budget override" + HUMAN_TRAILERS,
        {".signoff/budget-overrides/migration.yaml": dump(body)},
        date="2026-01-08T09:00:00+00:00",
    )


def test_override_by_a_named_owner_lifts_the_block(repo: GitRepo) -> None:
    w = _spent_payments(repo)
    _override(repo, "grace")  # on the payments escalation chain
    (f,) = _gate(w, "")
    assert (f.rule, f.blocks, f.exception) == ("budget.override-used", False, "migration")


def test_override_by_someone_else_does_not_count(repo: GitRepo) -> None:
    w = _spent_payments(repo)
    _override(repo, "hedy")  # not the accountable, not on the chain
    (f,) = _gate(w, "")
    assert f.blocks and "neither the accountable nor on the escalation chain" in f.message


def test_a_broken_record_on_the_base_warns_instead_of_wedging_the_gate(repo: GitRepo) -> None:
    w = _spent_payments(repo)
    repo.commit(
        "Broken record" + HUMAN_TRAILERS,
        {".signoff/incidents/INC-0002.yaml": "schema: signoff/incident/v1\nid: INC-0002\n"},
        date="2026-01-07T09:00:00+00:00",
    )
    (f,) = _gate(w, "")
    assert (f.rule, f.severity, f.blocks) == ("budget.inactive", "warn", False)
    assert ".signoff/incidents/INC-0002.yaml" in f.message and "not enforced" in f.fix


def test_budget_override_command_refuses_anyone_but_a_named_owner(repo: GitRepo) -> None:
    from signoff.errors import SignoffError
    from signoff.incidents.ops import record_override
    from tests.test_incidents_cli import doc, signoff

    w = _spent_payments(repo)
    jan8 = date(2026, 1, 8)
    for who, wf, words in (("hedy", "payments", "may not"), ("ada", "nope", "not a workflow")):
        with pytest.raises(SignoffError, match=words):
            record_override(w.repo, wf, who, "r", date(2026, 1, 31), today=jan8)
    made = record_override(w.repo, "payments", "ada", "migration", date(2026, 1, 31), today=jan8)
    assert made.id == "OVR-0001"
    repo.commit("Record override" + HUMAN_TRAILERS, date="2026-01-08T10:00:00+00:00")
    (f,) = _gate(w, "")
    assert (f.rule, f.blocks, f.exception) == ("budget.override-used", False, "OVR-0001")

    args = ("budget-override", "payments", "--reason", "x", "--expires", "2099-01-31")
    assert doc(repo, *args, "--as", "ada")["override"]["id"] == "OVR-0002"
    assert signoff(repo, *args, "--as", "hedy").returncode == 2
