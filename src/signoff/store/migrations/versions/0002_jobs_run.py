"""Jobs that run: leases, retries with backoff, artifacts; metrics snapshots; query indexes

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("run_after", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("lease_until", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("max_attempts", sa.Integer(), nullable=False, server_default="5")
        )
        batch_op.add_column(sa.Column("error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("requested_by", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("artifact", sa.LargeBinary(), nullable=True))
        batch_op.create_index("ix_jobs_claimable", ["status", "run_after"], unique=False)
    op.create_table(
        "metrics_snapshots",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("scope", sa.String(length=100), nullable=False),
        sa.Column("computed_at", sa.String(length=40), nullable=False),
        sa.Column("document", DOCUMENT, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("metrics_snapshots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_metrics_snapshots_scope"), ["scope"], unique=False)
    # stats group a repository's commits by status and sum the two line measures: this index
    # answers them without reading the (large) records; the second gives a repository's newest
    # commits (its page) without sorting all of them
    with op.batch_alter_table("commits", schema=None) as batch_op:
        # every commits index leads with repo_id: one fewer to maintain on each insert
        batch_op.drop_index("ix_commits_repo_id")
        batch_op.create_index(
            "ix_commits_repo_status",
            ["repo_id", "ai_status", "ai_lines", "unrecorded_lines"],
            unique=False,
        )
        batch_op.create_index(
            "ix_commits_repo_committed", ["repo_id", "committed_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("commits", schema=None) as batch_op:
        batch_op.drop_index("ix_commits_repo_committed")
        batch_op.drop_index("ix_commits_repo_status")
        batch_op.create_index("ix_commits_repo_id", ["repo_id"], unique=False)
    with op.batch_alter_table("metrics_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_metrics_snapshots_scope"))
    op.drop_table("metrics_snapshots")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_claimable")
        for name in (
            "artifact",
            "requested_by",
            "error",
            "max_attempts",
            "lease_until",
            "run_after",
        ):
            batch_op.drop_column(name)
