"""`signoff attest-provenance RANGE`: one signed in-toto Statement per change.

The predicate holds the provenance answer (AI or not, tools, accepted by), the review trailers,
the accountable named by the policy in force at that commit, and the digests of the evidence,
so an auditor can verify it offline with nothing but the public key and a clone.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from signoff import __version__
from signoff.audit.digests import (
    commit_sha256,
    exception_records,
    incident_records,
    incidents_naming,
    note_digests,
    pinned,
    policy_digests,
)
from signoff.audit.dsse import sign_envelope
from signoff.audit.statement import PREDICATE_SCHEMA, build_statement
from signoff.batches import batched
from signoff.errors import SignoffError
from signoff.git.log import Commit, iter_commits
from signoff.git.repo import Repo
from signoff.query.lookup import ProvenanceLookup
from signoff.review.evidence import review_trailers


def range_commits(repo: Repo, revs: Sequence[str]) -> list[Commit]:
    """A plain revision names one commit; a range (`A..B`, `^A B`) every commit git log lists."""
    if not revs:
        raise SignoffError("no revision given", "pass a commit or a range such as main~20..main")
    is_range = len(revs) > 1 or any(".." in r or r.startswith("^") for r in revs)
    if not is_range:
        sha = repo.require_commit(revs[0])
        return list(iter_commits(repo, [sha], numstat=True, extra=["--no-walk"]))
    for rev in revs:
        for part in rev.lstrip("^").split(".."):
            if part and part != "." and repo.resolve(part.strip(".")) is None:
                raise SignoffError(f"{part!r} is not a commit", "check the name with git log")
    return list(iter_commits(repo, list(revs), numstat=True))


def attest(
    repo: Repo, revs: Sequence[str], key: Ed25519PrivateKey, *, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Signed DSSE envelopes, one per commit of `revs`, oldest first."""
    commits = list(reversed(range_commits(repo, revs)))
    if not commits:
        return []
    policies = policy_digests(repo, [c.sha for c in commits])
    return sign_commits(repo, commits, key, _accountability(repo, commits, policies), now=now)


def commits_by_id(repo: Repo, shas: Sequence[str]) -> list[Commit]:
    """Commits in the order given, read in batches (no diffs)."""
    out: list[Commit] = []
    for batch in batched(shas, 1000):
        out += iter_commits(repo, batch, extra=["--no-walk=unsorted"])
    return out


def sign_commits(
    repo: Repo,
    commits: Sequence[Commit],
    key: Ed25519PrivateKey,
    accountability: dict[str, dict[str, Any]],
    *,
    changes: dict[str, dict[str, Any]] | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """One signed statement per commit; `changes` adds the audit's record of each change."""
    shas = [c.sha for c in commits]
    digests = commit_sha256(repo, shas)
    notes = note_digests(repo, shas)
    policies = policy_digests(repo, shas)
    incidents = incident_records(repo)
    exceptions = pinned(exception_records(repo))
    when = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with ProvenanceLookup(repo) as lookup:
        provenance = lookup.many(shas)
    envelopes = []
    for commit in commits:
        predicate: dict[str, Any] = {
            "schema": PREDICATE_SCHEMA,
            "commit": {
                "id": commit.sha,
                "parents": list(commit.parents),
                "author": commit.author.to_json(),
                "authored_at": commit.author_date,
                "committer": commit.committer.to_json(),
                "committed_at": commit.commit_date,
                "subject": commit.subject,
            },
            "provenance": provenance[commit.sha].to_json(),
            "review": [r.to_json() for r in review_trailers(commit)],
            "accountability": accountability.get(commit.sha),
            "evidence": {
                "notes": notes.get(commit.sha, []),
                "policy": policies.get(commit.sha),
                "incidents": incidents_naming(incidents, commit.sha),
                # every one at HEAD, so one added after attesting is told apart too
                "exceptions": exceptions,
            },
            "generator": {"name": "signoff", "version": __version__},
            "attested_at": when,
        }
        if changes is not None and commit.sha in changes:
            predicate["change"] = changes[commit.sha]
        statement = build_statement(commit.sha, digests[commit.sha], predicate)
        payload = json.dumps(statement, sort_keys=True, separators=(",", ":")).encode()
        envelopes.append(sign_envelope(payload, key))
    return envelopes


def _accountability(
    repo: Repo, commits: list[Commit], policies: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Who the policy committed at each change names accountable for its paths."""
    from datetime import date

    from signoff.policy import PolicyError, accountable_for, load_policy

    loaded: dict[str, Any] = {}
    out: dict[str, dict[str, Any]] = {}
    for commit in commits:
        digest = policies.get(commit.sha)
        if digest is None:
            out[commit.sha] = {"policy": None, "workflows": [], "problem": "no signoff.yaml"}
            continue
        blob = digest["gitBlob"]
        if blob not in loaded:
            try:
                loaded[blob] = load_policy(repo, commit.sha)
            except PolicyError as exc:
                loaded[blob] = str(exc).splitlines()[0] if str(exc) else "invalid policy"
        policy = loaded[blob]
        if isinstance(policy, str):
            out[commit.sha] = {"policy": blob, "workflows": [], "problem": policy}
            continue
        paths = _paths(repo, commit)
        day = date.fromisoformat(commit.commit_date[:10])
        groups = accountable_for(policy, paths, today=day)
        out[commit.sha] = {
            "policy": blob,
            "workflows": [g.to_json() for g in groups],
            "problem": None,
        }
    return out


def _paths(repo: Repo, commit: Commit) -> list[str]:
    """Paths a change touched; for a merge, what it brought in over its first parent (git log
    gives a merge no file list of its own)."""
    if len(commit.parents) < 2:
        return [f.path for f in commit.files or ()]
    out = repo.run("diff", "--name-only", "-z", "--no-renames", commit.parents[0], commit.sha)
    return [p for p in out.decode("utf-8", "surrogateescape").split("\x00") if p]
