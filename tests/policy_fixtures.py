"""A small, valid registry to mutate in policy tests, and helpers to load and judge it."""

from __future__ import annotations

import copy
import io
from collections.abc import Callable
from datetime import date
from typing import Any

from ruamel.yaml import YAML

from signoff.policy import CheckReport, Policy, check_policy, load_policy_text

TODAY = date(2026, 3, 1)


def met(evidence: str = "recorded") -> dict[str, Any]:
    return {"met": True, "evidence": evidence}


def all_met() -> dict[str, Any]:
    return {c: met() for c in ("context", "authority", "time", "incentive", "escalation")}


def base() -> dict[str, Any]:
    """A registry that passes every rule on TODAY."""
    return copy.deepcopy(
        {
            "schema": "signoff/policy/v1",
            "governance": {"policy_owner": "margaret", "workflow": "policy"},
            "people": [
                {
                    "id": "ada",
                    "name": "Ada Lovelace",
                    "emails": ["ada@example.com"],
                    "roles": ["security-reviewer"],
                },
                {"id": "grace", "name": "Grace Hopper", "emails": ["grace@example.com"]},
                {"id": "margaret", "name": "Margaret Hamilton", "emails": ["mh@example.com"]},
                {"id": "hedy", "name": "Hedy Lamarr", "emails": ["hedy@example.com"]},
            ],
            "teams": [{"id": "core", "name": "Core", "members": ["ada", "grace"]}],
            "ai_tools": [
                {"id": "claude-code", "owner": "ada", "failure_patterns": ["invents config keys"]}
            ],
            "tiers": {
                "critical": {
                    "min_approvals": 2,
                    "require_accountable_approval": True,
                    "reviewer_roles": ["security-reviewer"],
                    "max_reviewable_lines": 300,
                },
                "high": {"min_approvals": 1},
            },
            "workflows": [
                {
                    "id": "everything",
                    "description": "All AI-assisted changes not governed below.",
                    "paths": ["*"],
                    "tier": "low",
                    "accountable": "grace",
                    "conditions": all_met(),
                    "responsible": ["claude-code", "core"],
                    "error_budget": {"window_days": 30, "max_ai_incidents": 3},
                    "escalation": [{"person": "margaret", "respond_within": "1d"}],
                    "incident_path": {"paged": ["grace"], "authority": "revert"},
                },
                {
                    "id": "payments",
                    "description": "AI-assisted changes to payments.",
                    "paths": ["/payments/"],
                    "tier": "critical",
                    "accountable": "ada",
                    "conditions": all_met(),
                    "error_budget": {"window_days": 30, "max_impact_minutes": 15},
                    "escalation": [
                        {"person": "grace", "respond_within": "30m"},
                        {"person": "margaret", "respond_within": "2h"},
                    ],
                    "incident_path": {
                        "paged": ["ada", "core"],
                        "authority": "roll back and freeze deploys",
                        "customer_comms": "hedy",
                    },
                },
                {
                    "id": "policy",
                    "description": "Changes to the policy.",
                    "paths": ["/signoff.yaml", "/.signoff/"],
                    "tier": "high",
                    "accountable": "margaret",
                    "conditions": all_met(),
                    "error_budget": {"window_days": 90, "max_ai_incidents": 0},
                    "escalation": [{"person": "hedy", "respond_within": "1d"}],
                    "incident_path": {"paged": ["margaret"], "authority": "revert"},
                },
            ],
            "ai_boundary": [
                {
                    "id": "auth",
                    "paths": ["/auth/"],
                    "reason": "written by hand",
                    "exception_approvers": ["ada"],
                }
            ],
        }
    )


def dump(data: Any) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    yaml.indent(mapping=2, sequence=4, offset=2)
    buf = io.StringIO()
    yaml.dump(data, buf)
    return buf.getvalue()


def load(
    data: dict[str, Any],
    exceptions: list[tuple[str, dict[str, Any] | str]] = (),  # type: ignore[assignment]
) -> Policy:
    files = [(name, body if isinstance(body, str) else dump(body)) for name, body in exceptions]
    return load_policy_text(dump(data), "signoff.yaml", files)


def judge(
    mutate: Callable[[dict[str, Any]], None] | None = None,
    *,
    exceptions: list[tuple[str, dict[str, Any] | str]] = (),  # type: ignore[assignment]
    ai_paths: list[tuple[str, str]] | None = None,
    today: date = TODAY,
) -> CheckReport:
    data = base()
    if mutate is not None:
        mutate(data)
    return check_policy(
        load(data, exceptions), ai_paths=ai_paths if ai_paths is not None else [], today=today
    )


def rules(report: CheckReport) -> set[str]:
    return {f.rule for f in report.findings}


def workflow(data: dict[str, Any], ident: str) -> dict[str, Any]:
    return next(w for w in data["workflows"] if w["id"] == ident)
