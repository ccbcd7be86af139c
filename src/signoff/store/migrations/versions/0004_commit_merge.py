"""Which pushed commits are merges (stats and figures leave them out, as the CLI does); each
repository's commits by month in its stored figures (the organisation's snapshot sums them)

Revision ID: 0004
Revises: 0003

Every pushed record is `signoff explain --json`'s commit document, which has always listed the
commit's `parents`, so rows stored before this column existed are filled from it; a record
without a parents list (or one SQLite cannot read as JSON) stays NULL (not known, counted as a
commit).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
FILL = {
    # a record SQLite calls malformed (`NaN`, stored before pushes refused it) stays not known:
    # CASE, as SQLite does not promise to test `json_valid` first in an AND
    "sqlite": "UPDATE commits SET is_merge = json_array_length(record, '$.parents') > 1 "
    "WHERE CASE WHEN json_valid(record) THEN json_type(record, '$.parents') = 'array' END",
    "postgresql": "UPDATE commits SET is_merge = jsonb_array_length(record->'parents') > 1 "
    "WHERE jsonb_typeof(record->'parents') = 'array'",
}


def upgrade() -> None:
    op.add_column("commits", sa.Column("is_merge", sa.Boolean(), nullable=True))
    op.execute(FILL[op.get_bind().dialect.name])
    # stats group a repository's commits by status and merge and sum the two line measures,
    # answered from this index alone (the records are large)
    op.drop_index("ix_commits_repo_status", table_name="commits")
    op.create_index(
        "ix_commits_repo_status",
        "commits",
        ["repo_id", "ai_status", "is_merge", "ai_lines", "unrecorded_lines"],
        unique=False,
    )
    op.add_column("repo_figures", sa.Column("commit_months", DOCUMENT, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("repo_figures", schema=None) as batch_op:
        batch_op.drop_column("commit_months")
    op.drop_index("ix_commits_repo_status", table_name="commits")
    op.create_index(
        "ix_commits_repo_status",
        "commits",
        ["repo_id", "ai_status", "ai_lines", "unrecorded_lines"],
        unique=False,
    )
    with op.batch_alter_table("commits", schema=None) as batch_op:
        batch_op.drop_column("is_merge")
