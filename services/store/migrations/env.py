"""Alembic environment of store: its own tables, under its own version table."""

from services.store.db.models import Base
from shared.migrations import run_environment

run_environment(Base.metadata, "alembic_version_store")
