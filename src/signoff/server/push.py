"""`signoff push --server URL`: send a repository's new records to the organisation's server.

What is sent is what the CLI already answers: commit records are `signoff export` rows
(`export_rows`), gate results are the recorded `signoff check` notes (`recorded_results`),
incidents are the repository's incident records, the budget is `signoff budget`'s report, the
policy is `signoff.yaml` as committed at the tip. Incremental: only commits after the tip the
server holds for the branch; when that tip is not an ancestor of ours the branch was rewritten,
and the whole history is sent (the server keeps what it has, stores what is new, and records the
rewrite). Commits travel in batches of `batch_size`, each stored in one transaction; the branch
tip moves with the last batch only, so an interrupted push leaves stored records complete and the
next push resends the rest.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from signoff.batches import batched
from signoff.errors import SignoffError
from signoff.git.log import Commit
from signoff.git.repo import Repo
from signoff.layout import POLICY_FILE
from signoff.review.evidence import MergeEvidence
from signoff.server.client import Client, ServerError
from signoff.store.wire import PUSH_SCHEMA

BATCH = 1000


def repository_name(explicit: str | None, environ: dict[str, str] | None = None) -> str:
    """The repository's name on the server: given, or the CI system's (GitHub, GitLab)."""
    env = os.environ if environ is None else environ
    name = explicit or env.get("GITHUB_REPOSITORY") or env.get("CI_PROJECT_PATH")
    if not name:
        raise SignoffError(
            "which repository is this on the server?",
            "give --repository ORG/NAME (in GitHub Actions and GitLab CI it is read from the job)",
        )
    return name


def api_path(name: str, tail: str) -> str:
    return f"/api/v1/repos/{urllib.parse.quote(name, safe='/')}/{tail}"


def current_ref(repo: Repo, explicit: str | None) -> str:
    if explicit:
        return explicit if explicit.startswith("refs/") else f"refs/heads/{explicit}"
    out = repo.run("symbolic-ref", "-q", "HEAD", check=False).decode().strip()
    if out:
        return out
    for key in ("GITHUB_REF", "CI_COMMIT_REF_NAME"):
        value = os.environ.get(key)
        if value:
            return value if value.startswith("refs/") else f"refs/heads/{value}"
    return "HEAD"


@dataclass
class PushResult:
    repository: str
    ref: str
    tip: str
    batches: int = 0
    sent: int = 0
    stored: dict[str, int] = field(default_factory=dict)
    rewritten: bool = False

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


class MergesOnBranch:
    """How each pushed commit reached the branch, as `signoff explain SHA` answers it
    (`merge_evidence`): its own pull request marker, else the merge on the tip's first-parent
    line that brought it in. One `git rev-list` for the whole range, not git per commit."""

    def __init__(self, repo: Repo, tip: str, revs: list[str]) -> None:
        from signoff.audit.population import _Graph, assign_members, first_parent_line

        parents: dict[str, list[str]] = {}
        for row in repo.run("rev-list", "--parents", *revs, "--").decode().splitlines():
            sha, *ps = row.split()
            parents[sha] = ps
        graph = _Graph(parents, {})
        self._brought_by = assign_members(graph, first_parent_line(graph, tip), set())[1]
        self._repo = repo
        self._merges: dict[str, Commit] | None = None

    def __call__(self, commit: Commit) -> MergeEvidence | None:
        from signoff.review.evidence import pull_request_of

        own = pull_request_of(commit)
        if own:
            return MergeEvidence(
                commit.sha, own, commit.subject, commit.committer, commit.commit_date
            )
        merge_sha = self._brought_by.get(commit.sha)
        if merge_sha is None:
            return None  # committed straight onto the branch, or the branch's own merge
        if self._merges is None:  # every merge read at once, on first need
            from signoff.git.log import iter_commits

            wanted = sorted(set(self._brought_by.values()))
            self._merges = {
                c.sha: c for c in iter_commits(self._repo, wanted, extra=["--no-walk=unsorted"])
            }
        merge = self._merges[merge_sha]
        return MergeEvidence(
            merge.sha, pull_request_of(merge), merge.subject, merge.committer, merge.commit_date
        )


def _extras(repo: Repo, tip: str) -> dict[str, Any]:
    """Gate results, incidents, policy text and budget report, as the CLI reads them."""
    from signoff.gate.record import recorded_results
    from signoff.incidents.budget import budget_report
    from signoff.incidents.store import load_incidents, to_plain
    from signoff.policy import PolicyError

    extras: dict[str, Any] = {
        "gate_results": [{"sha": sha, "record": doc} for sha, doc in recorded_results(repo)],
        "incidents": [to_plain(i) for i in load_incidents(repo, tip)],
        "policy": None,
        "budget": None,
    }
    text = repo.run("cat-file", "blob", f"{tip}:{POLICY_FILE}", check=False)
    if text:
        extras["policy"] = {"sha": tip, "text": text.decode("utf-8", "replace")}
        try:
            statuses = budget_report(repo, datetime.now(timezone.utc), rev=tip)
        except (PolicyError, SignoffError):
            statuses = []
        if statuses:
            extras["budget"] = {
                "sha": tip,
                "record": {"workflows": [s.to_json() for s in statuses]},
            }
    return extras


def push(
    repo: Repo,
    client: Client,
    name: str,
    *,
    ref: str | None = None,
    batch_size: int = BATCH,
    progress: Callable[[int], None] | None = None,
) -> PushResult:
    """Send what the server lacks for `ref` (default: the current branch) of `repo`."""
    from signoff.query.export import export_rows

    client.require_token()
    tip = repo.head()
    if tip is None:
        raise SignoffError("this repository has no commits yet", "make a first commit, then push")
    ref_name = current_ref(repo, ref)
    known = client.get(api_path(name, "refs")).get("refs", {})
    old = known.get(ref_name)
    rewritten = False
    revs = [tip]
    if old == tip:
        revs = []
    elif old is not None:
        if not repo.succeeds("merge-base", "--is-ancestor", old, tip):
            rewritten = True  # the server's tip is not in our history: a rewritten branch
        if repo.succeeds("cat-file", "-e", f"{old}^{{commit}}"):
            # the server holds old's whole history (a tip moves only after all of it is
            # stored), so only what old cannot reach is new, rewritten or not
            revs = [f"{old}..{tip}"]
        # else: a clone without the old tip (a fresh CI clone after a force-push) sends all
    result = PushResult(name, ref_name, tip, rewritten=rewritten)
    merge_of = MergesOnBranch(repo, tip, revs) if revs else None
    rows = export_rows(repo, revs, merge_of=merge_of) if revs else iter(())
    extras = _extras(repo, tip)
    for batch in batched(rows, batch_size):
        result.batches += 1
        body: dict[str, Any] = {"schema": PUSH_SCHEMA, "commits": batch, "final": False}
        result.sent += len(batch)
        answer = _post(client, name, body)
        _add(result.stored, answer)
        if progress is not None:
            progress(result.sent)
    final = {
        "schema": PUSH_SCHEMA,
        "commits": [],
        "final": True,
        "ref": ref_name,
        "old_tip": old,
        "new_tip": tip,
        "rewritten": rewritten,
        **extras,
    }
    _add(result.stored, _post(client, name, final))
    return result


def _post(client: Client, name: str, body: dict[str, Any]) -> dict[str, Any]:
    try:
        answer = client.post(api_path(name, "push"), body)
    except ServerError as exc:
        if exc.status == 409:
            raise SignoffError(exc.message, "run `signoff push` again") from None
        raise
    return answer if isinstance(answer, dict) else {}


def _add(total: dict[str, int], answer: dict[str, Any]) -> None:
    for key in ("commits", "gate_results", "incidents", "policy_snapshots", "budget_states"):
        value = answer.get(key)
        if isinstance(value, int):
            total[key] = total.get(key, 0) + value
