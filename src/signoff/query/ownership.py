"""The accountable owner of a change: now (the policy in force today) and then (at the commit).

On the day a team adopts Signoff every line predates `signoff.yaml`, so "who was accountable
then" is "no policy then" for all of history; "who is accountable now" still has an answer, from
the policy in the work tree. `explain` and `owners` show both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from signoff.git.objects import object_ids
from signoff.git.repo import Repo
from signoff.layout import POLICY_FILE

if TYPE_CHECKING:
    from signoff.policy.registry import Policy

NO_POLICY_HINT = "accountable owners appear once a registry exists (signoff init --from-codeowners)"


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


def _no_policy_then(rev: str | None) -> Ownership:
    return Ownership(
        False,
        f"no policy then: {POLICY_FILE} is not committed at {rev[:10] if rev else 'HEAD'}; "
        + NO_POLICY_HINT,
        rev,
    )


def ownership_for(repo: Repo, paths: list[str], *, rev: str | None) -> Ownership:
    """Accountable owners for `paths` under the signoff.yaml committed at `rev` (then)."""
    at = rev or "HEAD"
    if not repo.succeeds("cat-file", "-e", f"{at}:{POLICY_FILE}"):
        return _no_policy_then(rev)
    return _from_policy(repo, paths, at)


def policy_now_rev(repo: Repo) -> str | None:
    """Where the policy in force now lives: None for the work tree, "HEAD" in a bare repository,
    "" when there is none."""
    if (repo.root / POLICY_FILE).is_file():
        return None
    if repo.root == repo.git_dir and repo.succeeds("cat-file", "-e", f"HEAD:{POLICY_FILE}"):
        return "HEAD"
    return ""


_NO_POLICY_NOW = Ownership(
    False, f"no policy now: no {POLICY_FILE} in the work tree; " + NO_POLICY_HINT
)


class OwnershipBatch:
    """Ownership then and now for many commits: one git process to find which commits carry a
    policy, each distinct policy loaded once (keyed by its blob and exceptions tree ids)."""

    def __init__(self, repo: Repo, shas: Sequence[str]) -> None:
        from signoff.layout import EXCEPTIONS_DIR

        self.repo = repo
        self._key: dict[str, str] = {}
        blobs = object_ids(repo, [f"{sha}:{POLICY_FILE}" for sha in shas])
        found = [(sha, blob) for sha, blob in zip(shas, blobs, strict=True) if blob]
        if found:  # the exceptions beside a policy are part of it
            trees = object_ids(repo, [f"{sha}:{EXCEPTIONS_DIR}" for sha, _ in found])
            for (sha, blob), tree in zip(found, trees, strict=True):
                self._key[sha] = f"{blob}:{tree or ''}"
        self._policies: dict[str, Policy | str] = {}
        self._now_rev = policy_now_rev(repo)
        self._now: Policy | str | None = None

    def then(self, sha: str, paths: list[str]) -> Ownership:
        key = self._key.get(sha)
        if key is None:
            return _no_policy_then(sha)
        if key not in self._policies:
            self._policies[key] = _load(self.repo, sha)
        return _owners(self._policies[key], paths, sha)

    def now(self, paths: list[str]) -> Ownership:
        if self._now_rev == "":
            return _NO_POLICY_NOW
        if self._now is None:
            self._now = _load(self.repo, self._now_rev)
        return _owners(self._now, paths, self._now_rev)


def accountable_then(repo: Repo, paths: list[str]) -> dict[str, tuple[str | None, Ownership]]:
    """For each path: the last commit that changed it, and who was accountable at that commit
    (`None, no policy` for a path no commit has touched)."""
    last: dict[str, str | None] = {}
    for path in paths:
        out = repo.run(
            "log", "-1", "--format=%H", "--end-of-options", "HEAD", "--", path, check=False
        )
        last[path] = out.decode().strip() or None
    shas = list(dict.fromkeys(sha for sha in last.values() if sha))
    batch = OwnershipBatch(repo, shas)
    never = Ownership(False, "no commit has changed this path yet: there is no then")
    return {path: (sha, batch.then(sha, [path]) if sha else never) for path, sha in last.items()}


def _load(repo: Repo, rev: str | None) -> Policy | str:
    """The policy at `rev` (the work tree when None), or why it cannot be read."""
    from signoff.policy.findings import PolicyError
    from signoff.policy.load import load_policy

    try:
        return load_policy(repo, rev)
    except PolicyError as exc:
        first = exc.findings[0] if exc.findings else None
        where = f" ({first.where()}: {first.message})" if first else ""
        at = rev[:10] if rev else "the work tree"
        return f"the policy at {at} cannot be read{where}"


def _owners(policy: Policy | str, paths: list[str], rev: str | None) -> Ownership:
    """Owners of `paths` (grouped by workflow) under `policy`, or why there is no policy."""
    from signoff.policy.resolve import accountable_for

    if isinstance(policy, str):
        return Ownership(True, policy, rev)
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


def _from_policy(repo: Repo, paths: list[str], rev: str | None) -> Ownership:
    return _owners(_load(repo, rev), paths, rev)
