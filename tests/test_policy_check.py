"""Every verdict `signoff policy check` gives, each from a registry that differs from a passing one
by exactly the fault under test."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from signoff.policy import RULES, check_policy, load_policy_file
from tests.policy_fixtures import TODAY, base, dump, judge, load, rules, workflow

Mutation = Callable[[dict[str, Any]], None]
ROOT = Path(__file__).resolve().parent.parent


def test_the_base_registry_ships() -> None:
    report = judge()
    assert report.findings == []
    assert report.verdict == "ship"
    assert not report.blocks


def _set(ident: str, key: str, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        workflow(data, ident)[key] = value

    return mutate


def _drop(ident: str, key: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        del workflow(data, ident)[key]

    return mutate


def _condition(ident: str, name: str, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        conditions = workflow(data, ident)["conditions"]
        if value is None:
            del conditions[name]
        else:
            conditions[name] = value

    return mutate


def _person(ident: str, **changes: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        person = next(p for p in data["people"] if p["id"] == ident)
        person.update(changes)

    return mutate


def _both(*mutations: Mutation) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        for m in mutations:
            m(data)

    return mutate


BLOCKING: list[tuple[str, Mutation, str]] = [
    # the Accountable cell
    ("blank accountable", _set("payments", "accountable", None), "accountable.blank"),
    ("empty string accountable", _set("payments", "accountable", "  "), "accountable.blank"),
    ("missing accountable key", _drop("payments", "accountable"), "accountable.blank"),
    ("team accountable", _set("payments", "accountable", "core"), "accountable.team"),
    ("list of two", _set("payments", "accountable", ["ada", "grace"]), "accountable.several"),
    (
        "two names in one string",
        _set("payments", "accountable", "ada, grace"),
        "accountable.several",
    ),
    (
        "ai tool accountable",
        _set("payments", "accountable", "claude-code"),
        "accountable.not-human",
    ),
    ("undefined accountable", _set("payments", "accountable", "adaa"), "ref.undefined"),
    ("accountable left", _person("ada", left="2026-01-31"), "accountable.left"),
    ("accountable leaves today", _person("ada", left=TODAY.isoformat()), "accountable.left"),
    # the five conditions
    (
        "context unmet",
        _condition("payments", "context", {"met": False}),
        "accountable.condition-unmet",
    ),
    (
        "time unmet with evidence",
        _condition("payments", "time", {"met": False, "evidence": "on three rotations"}),
        "accountable.condition-unmet",
    ),
    (
        "authority not stated",
        _condition("payments", "authority", None),
        "accountable.condition-missing",
    ),
    ("no conditions at all", _drop("payments", "conditions"), "accountable.condition-missing"),
    # escalation
    ("no escalation", _set("payments", "escalation", []), "escalation.missing"),
    (
        "escalates to self",
        _set("payments", "escalation", [{"person": "ada", "respond_within": "1h"}]),
        "escalation.loop",
    ),
    (
        "person twice",
        _set(
            "payments",
            "escalation",
            [
                {"person": "grace", "respond_within": "1h"},
                {"person": "margaret", "respond_within": "1h"},
                {"person": "grace", "respond_within": "1h"},
            ],
        ),
        "escalation.loop",
    ),
    (
        "workflow cycle",
        _both(
            _set("payments", "escalation", [{"workflow": "everything", "respond_within": "1h"}]),
            _set("everything", "escalation", [{"workflow": "payments", "respond_within": "1h"}]),
        ),
        "escalation.loop",
    ),
    (
        "dangling escalation person",
        _set("payments", "escalation", [{"person": "nobody", "respond_within": "1h"}]),
        "ref.undefined",
    ),
    (
        "dangling escalation workflow",
        _set("payments", "escalation", [{"workflow": "nowhere", "respond_within": "1h"}]),
        "ref.undefined",
    ),
    (
        "escalation to a team",
        _set("payments", "escalation", [{"person": "core", "respond_within": "1h"}]),
        "escalation.team",
    ),
    (
        "escalation reaches someone who left",
        _person("margaret", left="2025-12-31"),
        "escalation.left",
    ),
    # references elsewhere
    ("dangling responsible", _set("payments", "responsible", ["ghost"]), "ref.undefined"),
    ("dangling consulted", _set("payments", "consulted", ["ghost"]), "ref.undefined"),
    (
        "dangling paged",
        _set("payments", "incident_path", {"paged": ["ghost"], "authority": "x"}),
        "ref.undefined",
    ),
    (
        "team member undefined",
        lambda d: d["teams"][0]["members"].append("ghost"),
        "ref.undefined",
    ),
    (
        "team member is a team",
        lambda d: d["teams"][0]["members"].append("core"),
        "ref.kind",
    ),
    ("incident path pages someone who left", _person("hedy", left="2026-01-01"), "incident.left"),
    (
        "critical workflow without incident path",
        _drop("payments", "incident_path"),
        "incident.missing",
    ),
    # ids
    (
        "duplicate person id",
        lambda d: d["people"].append({"id": "ada", "name": "Another Ada"}),
        "id.duplicate",
    ),
    (
        "person and team share an id",
        lambda d: d["teams"].append({"id": "grace"}),
        "id.duplicate",
    ),
    (
        "duplicate workflow id",
        lambda d: d["workflows"].insert(0, dict(workflow(d, "everything"))),
        "id.duplicate",
    ),
    # bars
    (
        "workflow loosens min approvals",
        _set("payments", "acceptance_bar", {"min_approvals": 1}),
        "bar.loosened",
    ),
    (
        "workflow drops accountable approval",
        _set("payments", "acceptance_bar", {"require_accountable_approval": False}),
        "bar.loosened",
    ),
    (
        "workflow raises the size limit",
        _set("payments", "acceptance_bar", {"max_reviewable_lines": 5000}),
        "bar.loosened",
    ),
    # tools and governance
    ("tool without owner", lambda d: d["ai_tools"][0].pop("owner"), "tool.no-owner"),
    ("tool owner left", _person("ada", left="2026-02-01"), "tool.no-owner"),
    ("tool owner undefined", lambda d: d["ai_tools"][0].update(owner="ghost"), "ref.undefined"),
    ("no governance", lambda d: d.pop("governance"), "governance.no-owner"),
    ("policy owner left", _person("margaret", left="2026-02-01"), "governance.no-owner"),
    (
        "policy not governed",
        lambda d: (d["workflows"].pop(), d["workflows"].pop(0), d["governance"].pop("workflow")),
        "governance.not-governed",
    ),
    (
        "policy owned by a later workflow",
        lambda d: d["workflows"].append({**workflow(d, "everything"), "id": "late-catch-all"}),
        "governance.not-governed",
    ),
    (
        "governance names an undefined workflow",
        lambda d: d["governance"].update(workflow="polcy"),
        "ref.undefined",
    ),
]


@pytest.mark.parametrize(("case", "mutate", "rule"), BLOCKING, ids=[c for c, _, _ in BLOCKING])
def test_do_not_ship(case: str, mutate: Mutation, rule: str) -> None:
    report = judge(mutate)
    assert rule in rules(report), [f.message for f in report.findings]
    assert report.verdict == "do-not-ship"
    finding = next(f for f in report.findings if f.rule == rule)
    assert finding.blocks
    assert finding.file == "signoff.yaml"
    assert finding.line is not None and finding.column is not None
    assert finding.fix


WARNINGS: list[tuple[str, Mutation, str]] = [
    ("accountable leaves soon", _person("ada", left="2026-03-20"), "accountable.leaving"),
    (
        "met without evidence",
        _condition("payments", "incentive", {"met": True}),
        "accountable.condition-no-evidence",
    ),
    ("no error budget", _drop("payments", "error_budget"), "budget.missing"),
    (
        "low tier without incident path",
        _drop("everything", "incident_path"),
        "incident.missing-low",
    ),
    (
        "required role nobody holds",
        _set("payments", "acceptance_bar", {"reviewer_roles": ["dba"]}),
        "bar.role-unheld",
    ),
    (
        "high tier with no approvals",
        lambda d: d["tiers"].pop("high"),
        "bar.no-approvals",
    ),
    (
        "tiers inverted",
        lambda d: d["tiers"].update(high={"min_approvals": 3}),
        "tiers.inverted",
    ),
    (
        "shared email",
        _person("grace", emails=["grace@example.com", "ADA@example.com"]),
        "person.email-duplicate",
    ),
    (
        "boundary without approvers",
        lambda d: d["ai_boundary"][0].update(exception_approvers=[]),
        "boundary.no-approvers",
    ),
    (
        "governance owner differs from the policy workflow's accountable",
        lambda d: d["governance"].update(policy_owner="hedy"),
        "governance.owner-mismatch",
    ),
]


@pytest.mark.parametrize(("case", "mutate", "rule"), WARNINGS, ids=[c for c, _, _ in WARNINGS])
def test_warnings_do_not_block(case: str, mutate: Mutation, rule: str) -> None:
    report = judge(mutate)
    assert rule in rules(report), [f.message for f in report.findings]
    finding = next(f for f in report.findings if f.rule == rule)
    assert finding.severity == "warn"
    assert not [f for f in report.findings if f.blocks], [f.message for f in report.findings]
    assert report.verdict == "ship"


def test_unmet_condition_names_the_condition_and_its_line() -> None:
    def mutate(d: dict[str, Any]) -> None:
        workflow(d, "payments")["conditions"]["time"] = {"met": False, "evidence": "no budget"}

    report = judge(mutate)
    finding = next(f for f in report.findings if f.rule == "accountable.condition-unmet")
    assert "time" in finding.message and "Ada Lovelace" in finding.message
    assert "no budget" in finding.message
    assert finding.subject == "workflow payments"
    lines = dump(_mutated(mutate)).splitlines()
    assert "met: false" in lines[finding.line - 1]  # type: ignore[operator]


def _mutated(mutate: Mutation) -> dict[str, Any]:
    data = base()
    mutate(data)
    return data


def test_team_accountable_skips_condition_noise() -> None:
    report = judge(_set("payments", "accountable", "core"))
    assert "accountable.condition-unmet" not in rules(report)
    assert any("needs one named accountable" in f.message for f in report.findings)


def test_loop_through_workflows_is_reported_where_it_closes() -> None:
    report = judge(
        _both(
            _set("payments", "escalation", [{"workflow": "everything", "respond_within": "1h"}]),
            _set("everything", "escalation", [{"workflow": "payments", "respond_within": "1h"}]),
        )
    )
    loops = [f for f in report.findings if f.rule == "escalation.loop"]
    assert loops
    assert any("payments -> everything -> payments" in f.message for f in loops)


def test_exceptions_expired_unauthorized_and_dangling() -> None:
    ok = {
        "schema": "signoff/exception/v1",
        "boundary": "auth",
        "paths": ["/auth/fixtures/"],
        "approver": "ada",
        "reason": "generated fixtures",
        "expires": "2026-04-30",
    }
    assert judge(exceptions=[(".signoff/exceptions/fixtures.yaml", ok)]).verdict == "ship"

    expired = judge(exceptions=[(".signoff/exceptions/old.yaml", {**ok, "expires": "2026-02-28"})])
    finding = next(f for f in expired.findings if f.rule == "exception.expired")
    assert finding.file == ".signoff/exceptions/old.yaml"
    text = dump({**ok, "expires": "2026-02-28"}).splitlines()
    assert text[finding.line - 1].startswith("expires:")  # type: ignore[operator]
    assert finding.subject == "exception old"
    assert expired.verdict == "do-not-ship"
    # the last day is still valid
    assert judge(exceptions=[("e.yaml", {**ok, "expires": TODAY.isoformat()})]).verdict == "ship"

    unauthorized = judge(exceptions=[("e.yaml", {**ok, "approver": "grace"})])
    assert "exception.unauthorized" in rules(unauthorized)
    dangling = judge(exceptions=[("e.yaml", {**ok, "boundary": "crypto", "approver": "ghost"})])
    assert [f.rule for f in dangling.findings].count("ref.undefined") == 2

    inline = judge(lambda d: d.update(exceptions=[{**ok, "id": "inline", "expires": "2025-01-01"}]))
    finding = next(f for f in inline.findings if f.rule == "exception.expired")
    assert finding.file == "signoff.yaml" and finding.subject == "exception inline"

    twice = judge(
        lambda d: d.update(exceptions=[{**ok, "id": "same"}]),
        exceptions=[(".signoff/exceptions/same.yaml", ok)],
    )
    assert "exception.duplicate" in rules(twice)


def test_coverage_uncovered_and_not_run() -> None:
    def no_catch_all(d: dict[str, Any]) -> None:
        d["workflows"].pop(0)

    report = judge(
        no_catch_all,
        ai_paths=[
            ("payments/api.py", "a" * 40),
            ("tools/gen.py", "b" * 40),
            ("tools/gen.py", "c" * 40),
        ],
    )
    uncovered = [f for f in report.findings if f.rule == "coverage.uncovered"]
    assert [f.subject for f in uncovered] == ["path tools/gen.py"]
    assert "bbbbbbbbbb" in uncovered[0].message
    assert report.ai_paths_checked == 2
    assert report.verdict == "do-not-ship"

    data = base()
    skipped = check_policy(load(data), coverage_unavailable="index missing", today=TODAY)
    not_run = [f for f in skipped.findings if f.rule == "coverage.not-run"]
    assert not_run and "index missing" in not_run[0].message
    assert skipped.verdict == "ship"  # said plainly, as a warning
    assert skipped.to_json()["coverage"] == {"ran": False, "ai_touched_paths": None}


def test_as_of_date_changes_the_verdict() -> None:
    leaving = _person("ada", left="2026-06-30")
    assert judge(leaving, today=date(2026, 3, 1)).verdict == "ship"
    assert judge(leaving, today=date(2026, 7, 1)).verdict == "do-not-ship"


def test_every_rule_is_documented() -> None:
    doc = (ROOT / "docs" / "policy.md").read_text()
    missing = [rule for rule in RULES if f"`{rule}`" not in doc]
    assert not missing


def test_the_example_registry_ships() -> None:
    policy = load_policy_file(ROOT / "examples" / "signoff.yaml")
    report = check_policy(policy, ai_paths=[], today=TODAY)
    assert [f.message for f in report.findings] == []
    assert len(policy.document.workflows) >= 3


def test_report_json_shape() -> None:
    report = judge(_set("payments", "accountable", None))
    doc = report.to_json()
    assert doc["verdict"] == "do-not-ship"
    assert doc["counts"]["block"] >= 1
    row = next(w for w in doc["workflows"] if w["id"] == "payments")
    assert row == {
        "id": "payments",
        "tier": "critical",
        "accountable": None,
        "accountable_status": "blank",
        "verdict": "do-not-ship",
        "blocking_rules": ["accountable.blank"],
    }
    finding = doc["findings"][0]
    assert set(finding) == {
        "rule",
        "severity",
        "file",
        "line",
        "column",
        "subject",
        "message",
        "fix",
    }
