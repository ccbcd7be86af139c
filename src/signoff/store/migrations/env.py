"""Alembic's entry: runs on the connection `signoff db upgrade` hands it (never its own URL)."""

from __future__ import annotations

from alembic import context

from signoff.store.models import Base

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
