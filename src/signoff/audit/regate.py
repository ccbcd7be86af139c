"""Re-running the gate on sampled changes, because the verdict given at merge time is not kept.

Each sampled change is judged as `signoff check` would have judged it: its first parent as the
base, the policy in force there, the change's own day for expiry dates, scanners off (their
versions and rules have moved on since). The result is labelled as a re-evaluation, never as
the recorded verdict.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from signoff.errors import SignoffError, plain
from signoff.git.repo import Repo

NOTE = (
    "re-evaluated by the audit: signoff check over the change against its first parent, with "
    "the policy in force there and scanners off; this is not the verdict recorded at merge time"
)


def regate(repo: Repo, sha: str, day: date) -> dict[str, Any]:
    from signoff.gate.check import GateOptions, check
    from signoff.policy import PolicyError

    parent = repo.resolve(f"{sha}^")
    if parent is None:
        return {"verdict": None, "note": "the first commit: there is no base to judge it against"}
    try:
        result = check(
            repo,
            GateOptions(base=parent, head=sha, scan=False, today=day, environ={}),
        )
    except (SignoffError, PolicyError) as exc:
        return {"verdict": None, "note": f"the gate could not run: {plain(exc)}"}
    return {
        "verdict": result.verdict,
        "blocking": sorted({f.rule for f in result.findings if f.blocks}),
        "findings": len(result.findings),
        "policy_rev": result.policy_rev,
        "note": NOTE,
    }
