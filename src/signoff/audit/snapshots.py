"""Policy snapshots: every version of `signoff.yaml` in force during the period, with its hash
and who made and approved the change (an auditor's "show me the rules as they were")."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from signoff.audit.population import Change, Population
from signoff.git.log import read_commit
from signoff.git.repo import Repo
from signoff.layout import POLICY_FILE
from signoff.review.evidence import review_trailers


def policy_snapshots(
    repo: Repo, population: Population, changed: dict[str, Change] | None = None
) -> list[dict[str, Any]]:
    """`changed`: the changes that made a version in force in the period (`versions_changed`),
    when an earlier pass collected them; otherwise one pass over the population finds them."""
    by_id = changed if changed is not None else versions_changed(population, population.changes)
    out = []
    for version in population.period_versions:
        commit = read_commit(repo, version.commit)
        change = by_id.get(version.commit)
        if change is not None:
            approvers = [p.to_json() for p in change.approvers]
            reviews = change.reviews
            pull_request = change.pull_request
        else:  # in force when the period began: read its own trailers
            reviews = [r.to_json() for r in review_trailers(commit)]
            approvers = [r.person.to_json() for r in review_trailers(commit) if r.kind != "tested"]
            pull_request = None
        out.append(
            {
                "commit": version.commit,
                "in_force_from": commit.commit_date,
                "changed_in_period": change is not None,
                "author": commit.author.to_json(),
                "committer": commit.committer.to_json(),
                "subject": commit.subject,
                "pull_request": pull_request,
                "approved_by": approvers,
                "reviews": reviews,
                "path": POLICY_FILE,
                "git_blob": version.blob,
                "sha256": version.sha256,
                "loaded": version.policy is not None,
                "problem": version.problem,
                "workflows": [w.id for w in version.policy.document.workflows]
                if version.policy
                else [],
                "exceptions": [e.id for e in version.policy.exceptions] if version.policy else [],
            }
        )
    return out


def versions_changed(population: Population, changes: Iterable[Change]) -> dict[str, Change]:
    """The changes among `changes` that brought a version of the policy in force in the period."""
    wanted = {v.commit for v in population.period_versions}
    return {c.id: c for c in changes if c.id in wanted}
