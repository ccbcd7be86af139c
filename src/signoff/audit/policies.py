"""Which `signoff.yaml` was in force for each change, and the snapshots an auditor asks for.

A change is judged by the policy its target branch held just before it landed (its first
parent), the same rule the gate uses, so a change can never be measured by the rules it itself
introduced. Versions are the first-parent commits that touched the policy or its exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from signoff.audit.digests import blob_ids, sha256_hex
from signoff.git.notes import cat_blobs
from signoff.git.repo import Repo
from signoff.layout import POLICY_FILE
from signoff.policy import Policy, PolicyError, load_policy
from signoff.policy.accountable import Accountable, classify
from signoff.policy.bars import EffectiveBar, strictest, workflow_bar
from signoff.policy.match import ai_verdict, matching_workflows, strictest_tier
from signoff.policy.model import Workflow


@dataclass(frozen=True, slots=True)
class PathRule:
    """What a policy version says about one path, independent of the day."""

    owner: Workflow | None
    tier: str | None
    bar: EffectiveBar


@dataclass
class PolicyVersion:
    """One version of the policy on the branch: the commit that made it, and the loaded policy."""

    commit: str
    position: int  # index on the first-parent line, oldest = 0
    blob: str | None
    sha256: str | None
    policy: Policy | None
    problem: str | None
    _rules: dict[str, PathRule] = field(default_factory=dict, repr=False)
    _accountables: dict[tuple[str, date], Accountable] = field(default_factory=dict, repr=False)
    _in_boundary: dict[str, bool] = field(default_factory=dict, repr=False)

    def rule(self, path: str) -> PathRule:
        found = self._rules.get(path)
        if found is None:
            assert self.policy is not None
            matches = matching_workflows(self.policy, path)
            bars = [workflow_bar(self.policy.document, m.workflow) for m in matches]
            found = PathRule(
                matches[-1].workflow if matches else None, strictest_tier(matches), strictest(bars)
            )
            self._rules[path] = found
        return found

    def accountable(self, workflow: Workflow, day: date) -> Accountable:
        key = (workflow.id, day)
        found = self._accountables.get(key)
        if found is None:
            assert self.policy is not None
            found = classify(self.policy, workflow, day)
            self._accountables[key] = found
        return found

    def exceptions_for(self, path: str, day: date) -> tuple[list[str], list[str]]:
        """(exceptions that lifted a boundary for AI on `path`, boundaries it broke unlifted)."""
        if self.policy is None or not self.policy.boundary_patterns:
            return [], []
        inside = self._in_boundary.get(path)
        if inside is None:
            inside = any(p.first_match(path) is not None for _, p in self.policy.boundary_patterns)
            self._in_boundary[path] = inside
        if not inside:
            return [], []
        verdict = ai_verdict(self.policy, path, day)
        used = [h.exception for h in verdict.hits if h.exception]
        broken = [h.boundary.id for h in verdict.hits if h.exception is None]
        return used, broken

    @cached_property
    def people_by_email(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.policy is not None:
            for person in self.policy.document.people:
                for email in person.emails:
                    out.setdefault(email.lower(), person)
        return out


def policy_versions(
    repo: Repo, commits: list[str], position: dict[str, int]
) -> list[PolicyVersion]:
    """Load each version of the policy made by `commits` (first-parent commits, oldest first)."""
    ids = blob_ids(repo, (f"{sha}:{POLICY_FILE}" for sha in commits))
    contents = cat_blobs(repo, set(ids.values()))
    versions = []
    for sha in commits:
        blob = ids.get(f"{sha}:{POLICY_FILE}")
        policy: Policy | None = None
        problem: str | None = None
        if blob is None:
            problem = f"{POLICY_FILE} was removed"
        else:
            try:
                policy = load_policy(repo, sha)
            except PolicyError as exc:
                problem = f"{POLICY_FILE} did not load: {str(exc).splitlines()[0]}"
        digest = sha256_hex(contents[blob]) if blob and blob in contents else None
        versions.append(PolicyVersion(sha, position[sha], blob, digest, policy, problem))
    return versions


def in_force(versions: list[PolicyVersion], position: int) -> PolicyVersion | None:
    """The version in force for a change at `position`: the last one made strictly before it."""
    found = None
    for version in versions:
        if version.position < position:
            found = version
        else:
            break
    return found
