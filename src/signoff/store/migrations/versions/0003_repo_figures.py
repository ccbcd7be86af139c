"""Stored dashboard figures per repository (all history, per month, per day)

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "repo_figures",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("repo_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("grain", sa.String(length=8), nullable=False),
        sa.Column("bucket", sa.String(length=10), nullable=False),
        sa.Column("computed_at", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("document", DOCUMENT, nullable=False),
        sa.Column("series", DOCUMENT, nullable=False),
        sa.Column("detail", DOCUMENT, nullable=False),
        sa.Column("unowned", DOCUMENT, nullable=False),
        sa.ForeignKeyConstraint(["repo_id"], ["repositories.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("repo_id", "grain", "bucket"),
    )


def downgrade() -> None:
    op.drop_table("repo_figures")
