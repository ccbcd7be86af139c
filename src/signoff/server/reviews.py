"""Review evidence for `signoff check --server`: the stored pull request, read by the gate's own
forge reader (the same path as `--reviews FILE`, never a second one)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from signoff.errors import SignoffError
from signoff.review.forge import ForgeReview, parse_forge_documents
from signoff.server.client import Client, ServerError
from signoff.server.push import api_path


def pull_number(explicit: int | None, environ: Mapping[str, str] | None = None) -> int:
    """The pull request's number: given, or the CI job's (GitHub's refs/pull/N/merge, GitLab's
    CI_MERGE_REQUEST_IID)."""
    if explicit is not None:
        return explicit
    env = os.environ if environ is None else environ
    ref = env.get("GITHUB_REF", "")
    if ref.startswith("refs/pull/") and ref.split("/")[2].isdigit():
        return int(ref.split("/")[2])
    iid = env.get("CI_MERGE_REQUEST_IID", "")
    if iid.isdigit():
        return int(iid)
    raise SignoffError(
        "which pull request is this?",
        "give --pull N (in GitHub Actions and GitLab CI pipelines for a PR it is read from the job)",
    )


def fetch_review(client: Client, name: str, number: int) -> ForgeReview:
    """The pull request's approvals as the server's webhooks recorded them."""
    path = api_path(name, f"pulls/{number}/review")
    try:
        bundle = client.get(path)
    except ServerError as exc:
        if exc.status == 404:
            raise SignoffError(exc.message, exc.hint) from None
        raise
    return parse_forge_documents([(client.base + path, bundle)])
