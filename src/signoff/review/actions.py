"""What a GitHub Actions run is judging: the base branch of its event, for the action's steps.

`github.base_ref` is set only on `pull_request` and `pull_request_target`; a review event
(`pull_request_review`) and a merge queue (`merge_group`) carry the base in their payload only.
`python -m signoff.review.actions` prints `ref=` and `sha=` lines for `$GITHUB_OUTPUT`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from signoff import jsonsafe
from signoff.errors import SignoffError
from signoff.files import read_prefix

HEADS = "refs/heads/"


@dataclass(frozen=True, slots=True)
class EventBase:
    """The branch a change goes into and, when the event names it, that branch's commit."""

    ref: str
    sha: str | None = None


def event_base(event: Mapping[str, Any], env: Mapping[str, str]) -> EventBase | None:
    """The base of a pull request, review or merge-queue event; None for other events."""
    pull = event.get("pull_request")
    if isinstance(pull, dict) and isinstance(pull.get("base"), dict):
        base = pull["base"]
        ref = base.get("ref")
        if isinstance(ref, str) and ref:
            sha = base.get("sha")
            return EventBase(ref, sha if isinstance(sha, str) and sha else None)
    group = event.get("merge_group")
    if isinstance(group, dict) and isinstance(group.get("base_ref"), str):
        sha = group.get("base_sha")
        return EventBase(
            group["base_ref"].removeprefix(HEADS), sha if isinstance(sha, str) and sha else None
        )
    if env.get("GITHUB_BASE_REF"):
        return EventBase(env["GITHUB_BASE_REF"])
    return None


def resolve(env: Mapping[str, str]) -> EventBase:
    """The base the action judges against: its `base` input, else the event's base."""
    given = env.get("INPUT_BASE", "").strip()
    event: Any = {}
    path = env.get("GITHUB_EVENT_PATH")
    if path:
        try:
            event = jsonsafe.loads(read_prefix(path, jsonsafe.DEFAULT.max_bytes))
        except OSError as exc:
            raise SignoffError(
                f"{path}: cannot read the Actions event ({exc.strerror or 'unreadable'})"
            ) from None
        except jsonsafe.JsonProblem as exc:
            raise SignoffError(
                f"{path}: the Actions event is not usable JSON ({jsonsafe.problem_text(exc)})"
            ) from None
    found = event_base(event if isinstance(event, dict) else {}, env)
    if given:
        return EventBase(
            given.removeprefix(HEADS), found.sha if found and found.ref == given else None
        )
    if found is None:
        name = env.get("GITHUB_EVENT_NAME", "this event")
        raise SignoffError(
            f"{name} has no base branch to compare against",
            "run on pull_request, pull_request_review, pull_request_target or merge_group, "
            "or set the action's `base` input",
        )
    return found


def main(env: Mapping[str, str] | None = None) -> int:
    try:
        base = resolve(os.environ if env is None else env)
    except SignoffError as exc:
        sys.stderr.write(f"error: {exc.message}\n" + (f"  fix: {exc.hint}\n" if exc.hint else ""))
        return 2
    sys.stdout.write(f"ref={base.ref}\nsha={base.sha or ''}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
