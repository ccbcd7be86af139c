"""Drafting AI-boundary exceptions: a reviewed record under `.signoff/exceptions/`.

The draft is only a file; it takes effect once it is merged (reviewed like code) into the branch
the gate reads its policy from, and only if its approver may approve for that boundary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from signoff.errors import SignoffError
from signoff.files import write_atomic
from signoff.git.repo import Repo
from signoff.policy import EXCEPTIONS_DIR, Policy
from signoff.policy.model import ID_PATTERN

_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class ExceptionDraft:
    path: Path
    text: str
    warnings: list[str]


def draft_exception(
    repo: Repo,
    policy: Policy | None,
    *,
    boundary: str | None,
    paths: list[str],
    reason: str,
    approver: str | None,
    days: int = 14,
    requested_by: str | None = None,
    today: date | None = None,
    exception_id: str | None = None,
) -> ExceptionDraft:
    """Write a draft exception file and say what still has to happen for it to count."""
    if not paths:
        raise SignoffError("an exception needs a scope", "name the paths: --path /crypto/keys.py")
    if not reason.strip():
        raise SignoffError(
            "an exception needs a reason", "say why AI assistance is safe here: --reason"
        )
    if not 1 <= days <= 90:
        raise SignoffError(
            f"{days} days is not a time box", "exceptions last 1 to 90 days: --days 14"
        )
    for option, value in (
        ("--id", exception_id),
        ("--boundary", boundary),
        ("--approver", approver),
    ):
        _check_id(option, value)
    warnings: list[str] = []
    rule = policy.boundaries.get(boundary) if policy and boundary else None
    if policy is not None and boundary is not None and rule is None:
        known = ", ".join(sorted(policy.boundaries)) or "none defined"
        raise SignoffError(f"no AI boundary {boundary!r} in the policy", f"use one of: {known}")
    if rule is not None and approver and approver not in rule.exception_approvers:
        warnings.append(
            f"{approver} may not approve exceptions to {boundary!r}; allowed: "
            + (", ".join(rule.exception_approvers) or "nobody")
        )
    if approver is None:
        if boundary is None:
            allowed = "the accountable of the workflow owning these paths, or the policy owner"
        else:
            allowed = ", ".join(rule.exception_approvers) if rule else "see signoff.yaml"
        warnings.append(f"no approver named yet: one of {allowed} must approve (edit `approver:`)")
    start = today or date.today()
    ident = (
        exception_id
        or _SLUG.sub("-", f"{boundary}-{start.isoformat()}-{paths[0]}".lower()).strip("-")[:60]
    )
    lines = [
        "schema: signoff/exception/v1",
        f"id: {ident}",
        *([f"boundary: {boundary}"] if boundary else ["kind: suppression"]),
        "paths:",
        *[f"  - {_quote(p)}" for p in paths],
        f"approver: {approver or 'TODO'}",
        f"reason: {_quote(reason.strip())}",
    ]
    if requested_by:
        lines.append(f"requested_by: {requested_by}")
    lines += [
        f"granted: {start.isoformat()}",
        f"expires: {(start + timedelta(days=days)).isoformat()}",
    ]
    text = "\n".join(lines) + "\n"
    target = repo.root / EXCEPTIONS_DIR / f"{ident}.yaml"
    if target.exists():
        raise SignoffError(
            f"{target} already exists", "pick another --id, or edit the existing file"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        write_atomic(target, text, exclusive=True)
    except FileExistsError:
        raise SignoffError(
            f"{target} was created by someone else just now", "pick another --id"
        ) from None
    return ExceptionDraft(target, text, warnings)


_ID = re.compile(ID_PATTERN.removesuffix("$"))
_ID_MAX = 64


def _check_id(option: str, value: str | None) -> None:
    """Ids become file names and YAML scalars: refuse anything that could escape either."""
    if value is None or (len(value) <= _ID_MAX and _ID.fullmatch(value)):
        return
    shown = value if value.isprintable() else repr(value)
    raise SignoffError(
        f"{option} {shown[:80]} is not an id",
        f"use letters, digits, '.', '_' or '-' (starting with a letter or digit, at most "
        f"{_ID_MAX} characters), e.g. {option} crypto-keys-2026",
    )


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
