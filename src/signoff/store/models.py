"""The server's schema: one set of tables for SQLite and PostgreSQL (SQLAlchemy 2).

Unlike the per-clone index (a cache rebuilt from git), these rows are what an organisation's
repositories pushed and what the forge told us: the server keeps them. Documents are stored as
the library wrote them (`record`, JSON) beside the few columns queries filter on, so an answer
read back is the answer the CLI would print. Changes go through alembic migrations
(`store/migrations/`), never `create_all`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Document = JSON().with_variant(JSONB(), "postgresql")
# SQLite's INTEGER PRIMARY KEY is its rowid (64 bits already); PostgreSQL gets a BIGINT identity
Id = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    pass


class Repository(Base):
    """A repository of the organisation, named like the forge names it (`org/name`)."""

    __tablename__ = "repositories"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    # a clone on the server's disk, when there is one: file:line questions need its blobs
    path: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(40))


class Ref(Base):
    """The tip of a branch as last pushed."""

    __tablename__ = "refs"
    __table_args__ = (UniqueConstraint("repo_id", "ref"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"), index=True)
    ref: Mapped[str] = mapped_column(String(500))
    tip: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[str] = mapped_column(String(40))


class RefUpdate(Base):
    """Every move of a ref, with whether the old tip was left out of the new history (rewritten)."""

    __tablename__ = "ref_updates"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"), index=True)
    ref: Mapped[str] = mapped_column(String(500))
    old_tip: Mapped[str | None] = mapped_column(String(64))
    new_tip: Mapped[str] = mapped_column(String(64))
    rewritten: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[str] = mapped_column(String(40))


class CommitRecord(Base):
    """A commit's provenance as `signoff export` describes it (incl. its line measures)."""

    __tablename__ = "commits"
    __table_args__ = (
        UniqueConstraint("repo_id", "sha"),
        Index(
            "ix_commits_repo_status",
            "repo_id",
            "ai_status",
            "is_merge",
            "ai_lines",
            "unrecorded_lines",
        ),
        Index("ix_commits_repo_committed", "repo_id", "committed_at"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    # no index of its own: the unique (repo_id, sha) and both indexes above lead with it
    repo_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"))
    sha: Mapped[str] = mapped_column(String(64))
    committed_at: Mapped[str | None] = mapped_column(String(40), index=True)
    ai_status: Mapped[str] = mapped_column(String(20))
    # more than one parent: stats and figures leave merges out, as `signoff stats` does; None
    # when the pushed record did not list its parents (not known: counted as a commit)
    is_merge: Mapped[bool | None] = mapped_column(Boolean)
    tools: Mapped[Any] = mapped_column(Document)
    accepted_by: Mapped[str | None] = mapped_column(Text)
    # the two measures, never added: lines a line record attributes to AI, and added lines of
    # AI-assisted commits without a line record
    ai_lines: Mapped[int | None] = mapped_column(Integer)
    unrecorded_lines: Mapped[int | None] = mapped_column(Integer)
    record: Mapped[Any] = mapped_column(Document)


class GateResult(Base):
    """A recorded `signoff check` result (from refs/notes/signoff-checks)."""

    __tablename__ = "gate_results"
    __table_args__ = (UniqueConstraint("repo_id", "sha", "digest"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"), index=True)
    sha: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))
    blocked: Mapped[bool | None] = mapped_column(Boolean)
    record: Mapped[Any] = mapped_column(Document)


class Incident(Base):
    """An incident record as the repository holds it under .signoff/incidents."""

    __tablename__ = "incidents"
    __table_args__ = (UniqueConstraint("repo_id", "incident_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"), index=True)
    incident_id: Mapped[str] = mapped_column(String(200))
    digest: Mapped[str] = mapped_column(String(64))
    record: Mapped[Any] = mapped_column(Document)


class PolicySnapshot(Base):
    """signoff.yaml as it stood at a pushed commit (kept once per distinct text)."""

    __tablename__ = "policy_snapshots"
    __table_args__ = (UniqueConstraint("repo_id", "digest"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64))
    sha: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    pushed_at: Mapped[str] = mapped_column(String(40))


class BudgetState(Base):
    """The error-budget report (`signoff budget --json`) as of a push."""

    __tablename__ = "budget_states"
    __table_args__ = (UniqueConstraint("repo_id", "digest"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64))
    sha: Mapped[str] = mapped_column(String(64))
    record: Mapped[Any] = mapped_column(Document)
    pushed_at: Mapped[str] = mapped_column(String(40))


class PullRequest(Base):
    """A pull / merge request as the forge last described it (webhooks)."""

    __tablename__ = "pull_requests"
    __table_args__ = (UniqueConstraint("repo_id", "forge", "number"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"), index=True)
    forge: Mapped[str] = mapped_column(String(20))
    number: Mapped[int] = mapped_column(Integer)
    head_sha: Mapped[str | None] = mapped_column(String(64))
    record: Mapped[Any] = mapped_column(Document)
    updated_at: Mapped[str] = mapped_column(String(40))


class Review(Base):
    """One review or approval of a pull request, in the forge's REST shape."""

    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("pull_id", "review_key"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    pull_id: Mapped[int] = mapped_column(ForeignKey("pull_requests.id"), index=True)
    review_key: Mapped[str] = mapped_column(String(300))
    record: Mapped[Any] = mapped_column(Document)


class Token(Base):
    """An API token: only its SHA-256 is kept; scopes read / ingest / admin; optional repo grants."""

    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[Any] = mapped_column(Document)
    repositories: Mapped[Any] = mapped_column(Document, nullable=True)  # None: every repository
    created_at: Mapped[str] = mapped_column(String(40))
    revoked_at: Mapped[str | None] = mapped_column(String(40))


class WebhookDelivery(Base):
    """A forge delivery seen once: its id and its body's digest both refuse a second copy."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("forge", "delivery_id"),
        UniqueConstraint("forge", "body_sha256"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    forge: Mapped[str] = mapped_column(String(20))
    delivery_id: Mapped[str] = mapped_column(String(200))
    body_sha256: Mapped[str] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[str] = mapped_column(String(40))


class AuditEntry(Base):
    """The server's append-only log: each row's hash covers its fields and the previous hash."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(Text)
    detail: Mapped[Any] = mapped_column(Document)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """One row: the chain's last id, hash and length. Appending locks it, so the chain is a
    line even with many server processes, and deleting the last entries is detected."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))
    length: Mapped[int] = mapped_column(BigInteger)


class Job(Base):
    """Slow work queued in the database itself, claimed with FOR UPDATE SKIP LOCKED.

    A claim is a lease: `lease_until` passes and the job is claimable again (its worker died).
    A failure is retried after `run_after` (backoff) until `max_attempts`."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_claimable", "status", "run_after"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(100))
    payload: Mapped[Any] = mapped_column(Document)
    status: Mapped[str] = mapped_column(String(20), index=True)  # queued, running, done, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_by: Mapped[str | None] = mapped_column(String(200))
    result: Mapped[Any] = mapped_column(Document, nullable=True)
    created_at: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[str] = mapped_column(String(40))
    run_after: Mapped[str] = mapped_column(String(40), default="")
    lease_until: Mapped[str | None] = mapped_column(String(40))
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    error: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str | None] = mapped_column(String(300))
    # a built file (an audit pack's archive): in the database, so any server process serves it
    artifact: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)


class MetricsSnapshot(Base):
    """An organisation's figures as a job last computed them (the overview reads the newest)."""

    __tablename__ = "metrics_snapshots"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    scope: Mapped[str] = mapped_column(String(100), index=True)  # "organisation"
    computed_at: Mapped[str] = mapped_column(String(40))
    document: Mapped[Any] = mapped_column(Document)


class RepoFigures(Base):
    """A repository's dashboard figures as the figures job last computed them: mergeable parts
    (numerators, denominators, histograms), never final ratios, so pages add up the rows of the
    repositories a viewer may read. One row for all history (`grain` "all"), one per month and
    one per day (a `?since&until` period adds whole months and the days at its edges)."""

    __tablename__ = "repo_figures"
    __table_args__ = (UniqueConstraint("repo_id", "grain", "bucket"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"))
    grain: Mapped[str] = mapped_column(String(8))  # all, month, day
    bucket: Mapped[str] = mapped_column(String(10))  # "", YYYY-MM, YYYY-MM-DD
    computed_at: Mapped[str] = mapped_column(String(40))
    # what the figures were computed from (commit count and last id, policy, budget, tip)
    source: Mapped[str] = mapped_column(String(300))
    # in parts, so a page reads only what it shows: headline counts and line measures; by
    # month, tool and tier; workflows; paths no one owns
    document: Mapped[Any] = mapped_column(Document)
    series: Mapped[Any] = mapped_column(Document)
    detail: Mapped[Any] = mapped_column(Document)
    unowned: Mapped[Any] = mapped_column(Document)
    # all history's row only: {month: [commits, AI-assisted commits]}, merges left out, which
    # the organisation's snapshot sums (None: computed by an older server)
    commit_months: Mapped[Any] = mapped_column(Document, nullable=True)
