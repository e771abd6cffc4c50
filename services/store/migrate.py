"""The store's migrations (its own version table, so services migrate independently)."""

from __future__ import annotations

from pathlib import Path

from shared import migrations

MIGRATIONS = Path(__file__).parent / "migrations"


def upgrade(database_url: str) -> list[str]:
    """Create or upgrade the store's tables; the migrations applied."""
    return migrations.upgrade(MIGRATIONS, database_url)
