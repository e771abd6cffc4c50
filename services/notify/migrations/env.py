"""Alembic environment of notify: its own tables, under its own version table."""

from services.notify.db.models import Base
from shared.migrations import run_environment

run_environment(Base.metadata, "alembic_version_notify")
