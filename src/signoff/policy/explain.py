"""The accountable owner of a change for `signoff explain`, under a given policy.

`signoff.query.ownership` loads the policy committed at a revision ("who was accountable then",
what a postmortem needs) and the policy in force now (the work tree's), and asks here who owns
the paths under each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from signoff.git.repo import Repo
from signoff.policy.findings import PolicyError
from signoff.policy.load import load_policy
from signoff.policy.resolve import accountable_for

if TYPE_CHECKING:
    from signoff.policy.registry import Policy
    from signoff.query.ownership import Ownership


def load_for_ownership(repo: Repo, rev: str | None) -> Policy | str:
    """The policy at `rev` (the work tree when None), or why it cannot be read."""
    try:
        return load_policy(repo, rev)
    except PolicyError as exc:
        first = exc.findings[0] if exc.findings else None
        where = f" ({first.where()}: {first.message})" if first else ""
        at = rev[:10] if rev else "the work tree"
        return f"the policy at {at} cannot be read{where}"


def ownership_under(policy: Policy, paths: list[str], rev: str | None) -> Ownership:
    """Owners of `paths` (grouped by workflow) under `policy`."""
    from signoff.query.ownership import Ownership

    groups = accountable_for(policy, paths)
    owners = []
    for group in groups:
        own = group.ownership
        data = group.to_json()
        data["accountable_person"] = data["accountable"]
        data["accountable"] = (
            own.accountable.describe() if own else "NO WORKFLOW COVERS THESE PATHS"
        )
        data["escalation"] = [
            f"{link.person.name} ({link.respond_within})" for link in (own.chain if own else [])
        ]
        if own is None:
            data["verdict"] = "DO NOT SHIP: no workflow covers these paths"
        elif own.blocking:
            data["verdict"] = "DO NOT SHIP: " + "; ".join(f.rule for f in own.blocking)
        else:
            data["verdict"] = None
        owners.append(data)
    if not paths:
        message = "the change touches no files"
    elif all(g.ownership is None for g in groups):
        message = "no workflow in the policy covers these paths"
    elif policy.rev:
        message = f"policy at {policy.rev[:10]}"
    else:
        message = "policy in the work tree"
    return Ownership(True, message, rev, owners)
