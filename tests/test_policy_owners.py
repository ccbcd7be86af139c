"""Ownership semantics: the last matching workflow owns a path; restrictions (tier, bar, AI
boundary) all apply and the strictest wins; escalation chains resolve across workflows."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from signoff.policy import Policy, accountable_for, owners_for
from signoff.policy.match import matching_workflows, owner_of
from signoff.policy.model import PolicyDocument
from signoff.policy.patterns import PatternSet, pattern_problem
from signoff.policy.registry import Origin
from signoff.policy.yamlsafe import SourceMap
from tests.policy_fixtures import TODAY, base, load, workflow


def _policy(mutate: Any = None, exceptions: Any = ()) -> Any:
    data = base()
    if mutate is not None:
        mutate(data)
    return load(data, list(exceptions))


def _one(policy: Any, path: str) -> Any:
    return owners_for(policy, [path], today=TODAY)[0]


def test_last_matching_workflow_owns_the_path() -> None:
    policy = _policy()
    assert _one(policy, "README.md").ownership.workflow.id == "everything"
    owner = _one(policy, "payments/api.py")
    assert owner.ownership.workflow.id == "payments"
    assert owner.matched == ["everything", "payments"]
    assert owner.tier == "critical"  # the strictest of low and critical
    assert _one(policy, "README.md").tier == "low"
    assert _one(policy, "signoff.yaml").ownership.workflow.id == "policy"


def test_order_decides_ownership() -> None:
    def catch_all_last(d: dict[str, Any]) -> None:
        d["workflows"].append(d["workflows"].pop(0))

    owner = _one(_policy(catch_all_last), "payments/api.py")
    assert owner.ownership.workflow.id == "everything"
    assert owner.matched == ["payments", "everything"]


def test_strictest_tier_and_bar_apply_whoever_owns_the_path() -> None:
    def catch_all_last(d: dict[str, Any]) -> None:
        everything = d["workflows"].pop(0)
        everything["acceptance_bar"] = {"min_approvals": 1, "checks": ["ci/lint"]}
        d["workflows"].append(everything)

    owner = _one(_policy(catch_all_last), "payments/api.py")
    assert owner.ownership.workflow.id == "everything"  # the last match owns it...
    assert owner.tier == "critical"  # ...but payments' critical tier still applies
    bar = owner.bar
    assert bar.min_approvals == 2
    assert bar.require_accountable_approval is True
    assert bar.reviewer_roles == ("security-reviewer",)
    assert bar.checks == ("ci/lint",)
    assert bar.max_reviewable_lines == 300


def test_workflow_tightens_tier_lists_add() -> None:
    def tighten(d: dict[str, Any]) -> None:
        workflow(d, "payments")["acceptance_bar"] = {
            "min_approvals": 3,
            "reviewer_roles": ["payments-reviewer"],
            "max_reviewable_lines": 100,
        }
        d["people"][1]["roles"] = ["payments-reviewer"]

    bar = _one(_policy(tighten), "payments/x.py").bar
    assert bar.min_approvals == 3
    assert bar.reviewer_roles == ("security-reviewer", "payments-reviewer")
    assert bar.max_reviewable_lines == 100


def test_a_loosening_bar_does_not_loosen() -> None:
    def loosen(d: dict[str, Any]) -> None:
        workflow(d, "payments")["acceptance_bar"] = {
            "min_approvals": 0,
            "require_accountable_approval": False,
            "max_reviewable_lines": 10_000,
        }

    bar = _one(_policy(loosen), "payments/x.py").bar
    assert (bar.min_approvals, bar.require_accountable_approval, bar.max_reviewable_lines) == (
        2,
        True,
        300,
    )


def test_every_matching_boundary_applies() -> None:
    def boundaries(d: dict[str, Any]) -> None:
        d["ai_boundary"].append(
            {"id": "secrets", "paths": ["*.pem"], "reason": "keys", "exception_approvers": ["ada"]}
        )

    policy = _policy(boundaries)
    assert _one(policy, "src/app.py").ai.allowed is True
    only_one = _one(policy, "auth/login.py").ai
    assert only_one.allowed is False and only_one.blocking.boundary.id == "auth"  # type: ignore[union-attr]
    both = _one(policy, "auth/keys/server.pem").ai
    assert {h.boundary.id for h in both.hits} == {"auth", "secrets"}


def test_exception_lifts_a_boundary_only_within_scope_and_time() -> None:
    record = {
        "boundary": "auth",
        "paths": ["/auth/fixtures/"],
        "approver": "ada",
        "reason": "fixtures",
        "expires": "2026-03-31",
    }
    policy = _policy(exceptions=[(".signoff/exceptions/fixtures.yaml", record)])
    lifted = _one(policy, "auth/fixtures/users.json").ai
    assert lifted.allowed is True and lifted.hits[0].exception == "fixtures"
    assert _one(policy, "auth/login.py").ai.allowed is False
    later = owners_for(policy, ["auth/fixtures/users.json"], today=TODAY.replace(month=4))[0]
    assert later.ai.allowed is False  # expired: the boundary is back

    unauthorized = _policy(exceptions=[("e.yaml", {**record, "approver": "grace"})])
    assert _one(unauthorized, "auth/fixtures/users.json").ai.allowed is False

    def second_boundary(d: dict[str, Any]) -> None:
        d["ai_boundary"].append(
            {"id": "json", "paths": ["*.json"], "reason": "data", "exception_approvers": ["ada"]}
        )

    # an exception lifts its own boundary only; the other still forbids AI there
    two = _policy(second_boundary, exceptions=[("e.yaml", record)])
    assert _one(two, "auth/fixtures/users.json").ai.allowed is False


def test_escalation_chain_follows_workflow_levels() -> None:
    def via_workflow(d: dict[str, Any]) -> None:
        workflow(d, "payments")["escalation"] = [
            {"person": "grace", "respond_within": "15m"},
            {"workflow": "policy", "respond_within": "1h"},
        ]

    owner = _one(_policy(via_workflow), "payments/x.py")
    chain = owner.to_json()["escalation"]
    assert [(c["person"]["id"], c["respond_within"], c["via_workflow"]) for c in chain] == [
        ("grace", "15m", None),
        ("margaret", "1h", "policy"),
        ("hedy", "1d", "policy"),
    ]


def test_uncovered_and_blocking_paths_say_so() -> None:
    def narrow(d: dict[str, Any]) -> None:
        d["workflows"].pop(0)
        workflow(d, "payments")["conditions"]["time"] = {"met": False, "evidence": "overloaded"}

    policy = _policy(narrow)
    uncovered = _one(policy, "docs/readme.md")
    assert uncovered.verdict == "uncovered" and uncovered.ownership is None
    blocked = _one(policy, "payments/x.py").to_json()
    assert blocked["verdict"] == "do-not-ship"
    assert [b["rule"] for b in blocked["blocking"]] == ["accountable.condition-unmet"]


def test_accountable_for_groups_a_change_by_workflow() -> None:
    def narrow(d: dict[str, Any]) -> None:
        d["workflows"].pop(0)

    groups = accountable_for(
        _policy(narrow),
        ["payments/a.py", "signoff.yaml", "payments/b.py", "docs/x.md", "auth/y.py"],
        today=TODAY,
    )
    assert [(g.to_json()["workflow"], g.paths) for g in groups] == [
        ("payments", ["payments/a.py", "payments/b.py"]),
        ("policy", ["signoff.yaml"]),
        (None, ["docs/x.md", "auth/y.py"]),
    ]
    last = groups[-1].to_json()
    assert last["verdict"] == "uncovered" and last["ai_forbidden"] == ["auth/y.py"]
    first = groups[0].to_json()
    assert first["accountable"]["name"] == "Ada Lovelace"
    assert [e["person"]["id"] for e in first["escalation"]] == ["grace", "margaret"]


def test_paths_are_normalized() -> None:
    policy = _policy()
    assert _one(policy, "./payments/x.py").path == "payments/x.py"
    assert _one(policy, "/payments/x.py").ownership.workflow.id == "payments"


_SEG = st.sampled_from(["a", "b", "src", "x.py", "docs", "*", "**", "*.py", "?"])


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.lists(_SEG, min_size=1, max_size=3)
        .map("/".join)
        .flatmap(lambda body: st.sampled_from([body, "/" + body, body + "/", "/" + body + "/"])),
        min_size=1,
        max_size=6,
    ),
    st.lists(st.sampled_from(["a", "b", "src", "x.py", "docs"]), min_size=1, max_size=4).map(
        "/".join
    ),
)
def test_the_root_prefilter_never_changes_which_workflows_match(
    patterns: list[str], path: str
) -> None:
    patterns = [p for p in patterns if pattern_problem(p) is None]
    if not patterns:
        return

    def add(d: dict[str, Any]) -> None:
        template = workflow(d, "payments")
        for i, pattern in enumerate(patterns):
            d["workflows"].append({**template, "id": f"w{i}", "paths": [pattern]})

    data = base()
    add(data)
    # built without YAML, to keep the property test fast
    policy = Policy(PolicyDocument.model_validate(data), Origin("signoff.yaml", SourceMap()))
    brute = [
        w.id for w in policy.document.workflows if PatternSet(w.paths).first_match(path) is not None
    ]
    assert [m.workflow.id for m in matching_workflows(policy, path)] == brute
    owner = owner_of(policy, path)
    assert (owner.workflow.id if owner else None) == (brute[-1] if brute else None)
