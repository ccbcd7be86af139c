"""API tokens: scopes (read, ingest, admin) and optional per-repository grants.

The secret is shown once, when created; the database keeps only its SHA-256, so a copy of the
database lets nobody call the API. `admin` implies the other scopes; a token granted named
repositories can neither read nor write any other.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.errors import SignoffError
from signoff.store import auditlog
from signoff.store.db import now_iso
from signoff.store.models import Token

SCOPES = ("read", "ingest", "admin")
PREFIX = "signoff_"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Grant:
    """What a presented token may do."""

    token_id: int
    name: str
    scopes: frozenset[str]
    repositories: frozenset[str] | None  # None: every repository

    @property
    def actor(self) -> str:
        return f"token:{self.token_id}:{self.name}"

    def allows(self, scope: str, repository: str | None = None) -> bool:
        if scope not in self.scopes and "admin" not in self.scopes:
            return False
        if self.repositories is None:
            return True
        # organisation-wide questions (repository None) need a token for every repository
        return repository is not None and repository in self.repositories

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.token_id,
            "name": self.name,
            "scopes": sorted(self.scopes),
            "repositories": None if self.repositories is None else sorted(self.repositories),
        }


def create_token(
    session: Session,
    name: str,
    scopes: list[str],
    repositories: list[str] | None,
    actor: str = "cli",
) -> tuple[str, Grant]:
    """A new token; returns (secret, grant). The secret is not stored."""
    bad = [s for s in scopes if s not in SCOPES]
    if bad or not scopes:
        raise SignoffError(
            f"unknown scope {bad[0]!r}" if bad else "a token needs at least one scope",
            f"give --scope with one of: {', '.join(SCOPES)}",
        )
    if not name.strip():
        raise SignoffError("a token needs a name", "give --name, e.g. --name ci-payments")
    secret = PREFIX + secrets.token_urlsafe(32)
    row = Token(
        name=name,
        secret_sha256=digest(secret),
        scopes=sorted(set(scopes)),
        repositories=sorted(set(repositories)) if repositories else None,
        created_at=now_iso(),
        revoked_at=None,
    )
    session.add(row)
    session.flush()
    grant = _grant(row)
    auditlog.append(session, actor, "token.create", f"token:{row.id}", grant.to_json())
    return secret, grant


def revoke_token(session: Session, token_id: int, actor: str = "cli") -> None:
    row = session.get(Token, token_id)
    if row is None:
        raise SignoffError(f"no token {token_id}", "list them with `signoff server token list`")
    if row.revoked_at is None:
        row.revoked_at = now_iso()
        auditlog.append(session, actor, "token.revoke", f"token:{row.id}", {})


def list_tokens(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(select(Token).order_by(Token.id)).scalars()
    return [
        {**_grant(r).to_json(), "created_at": r.created_at, "revoked_at": r.revoked_at}
        for r in rows
    ]


def authenticate(session: Session, secret: str) -> Grant | None:
    """The grant of a live token, or None for an unknown or revoked one."""
    row = session.execute(
        select(Token).where(Token.secret_sha256 == digest(secret))
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    return _grant(row)


def _grant(row: Token) -> Grant:
    return Grant(
        row.id,
        row.name,
        frozenset(row.scopes or []),
        None if row.repositories is None else frozenset(row.repositories),
    )
