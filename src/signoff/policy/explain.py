"""The accountable owner of a change for `signoff explain`, as of the policy at that revision.

`signoff.query.ownership` calls `ownership_from_policy` when a `signoff.yaml` is committed at the
revision; reading the policy of that same revision answers "who was accountable then", which is
what a postmortem needs (not who is accountable today).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from signoff.git.repo import Repo
from signoff.policy.findings import PolicyError
from signoff.policy.load import load_policy
from signoff.policy.resolve import accountable_for

if TYPE_CHECKING:
    from signoff.query.ownership import Ownership


def ownership_from_policy(repo: Repo, paths: list[str], rev: str | None) -> Ownership:
    """Owners of `paths` (grouped by workflow) under the policy committed at `rev` (or HEAD)."""
    from signoff.query.ownership import Ownership

    at = rev or "HEAD"
    try:
        policy = load_policy(repo, at)
    except PolicyError as exc:
        first = exc.findings[0] if exc.findings else None
        where = f" ({first.where()}: {first.message})" if first else ""
        return Ownership(True, f"the policy at {at[:10]} cannot be read{where}", rev)
    groups = accountable_for(policy, paths)
    owners = []
    for group in groups:
        own = group.ownership
        data = group.to_json()
        data["accountable"] = (
            own.accountable.describe() if own else "NO WORKFLOW COVERS THESE PATHS"
        )
        data["accountable_person"] = group.to_json()["accountable"]
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
    else:
        message = f"policy at {policy.rev[:10] if policy.rev else at}"
    return Ownership(True, message, rev, owners)
