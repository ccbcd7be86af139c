"""The accountable owner of a change, as of the policy in force at a revision."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from signoff.git.repo import Repo
from signoff.layout import POLICY_FILE


@dataclass(frozen=True, slots=True)
class Ownership:
    """Who is accountable for the paths of a change; `policy` False when none is in force."""

    policy: bool
    message: str
    rev: str | None = None
    owners: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "rev": self.rev,
            "message": self.message,
            "owners": self.owners,
        }


def ownership_for(repo: Repo, paths: list[str], *, rev: str | None) -> Ownership:
    """Accountable owners for `paths` under the signoff.yaml committed at `rev`."""
    spec = f"{rev}:{POLICY_FILE}" if rev else f"HEAD:{POLICY_FILE}"
    if not repo.succeeds("cat-file", "-e", spec):
        return Ownership(
            False,
            f"no policy: {POLICY_FILE} is not committed at {rev[:10] if rev else 'HEAD'}; "
            "accountable owners appear once a registry exists (signoff init --from-codeowners)",
            rev,
        )
    return _from_policy(repo, paths, rev)


def _from_policy(repo: Repo, paths: list[str], rev: str | None) -> Ownership:
    from signoff.policy.explain import ownership_from_policy

    return ownership_from_policy(repo, paths, rev)
