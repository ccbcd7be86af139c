"""The error-budget rule: a workflow whose budget is spent blocks further AI-assisted changes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from signoff.gate.changeset import ChangeSet
from signoff.gate.findings import GATE_RULES, GateFinding
from signoff.git.repo import Repo
from signoff.policy import PathOwner, Policy


def budget_findings(
    repo: Repo,
    policy: Policy | None,
    cs: ChangeSet,
    owners: Mapping[str, PathOwner],
    ai_paths: Sequence[str],
    today: date,
) -> list[GateFinding]:
    """Until incident records exist in this version, say plainly that the rule is inactive."""
    if policy is None or not ai_paths:
        return []
    budgeted = sorted(
        {
            o.ownership.workflow.id
            for p in ai_paths
            if (o := owners.get(p)) and o.ownership and o.ownership.workflow.error_budget
        }
    )
    if not budgeted:
        return []
    return [
        GateFinding(
            "budget.inactive",
            "note",
            "error budgets of " + ", ".join(budgeted) + " are not evaluated: incident records "
            "are not built yet, so no budget can be spent",
            fix=GATE_RULES["budget.inactive"][2],
        )
    ]
