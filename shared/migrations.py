"""Running a service's Alembic migrations programmatically (`nianbao db upgrade`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from shared.db import normalise_url


def alembic_config(script_location: Path, database_url: str) -> Config:
    """An Alembic config for one service's migrations, without an alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["database_url"] = normalise_url(database_url)
    return config


def upgrade(script_location: Path, database_url: str, revision: str = "head") -> None:
    """Bring one service's tables to `revision`."""
    command.upgrade(alembic_config(script_location, database_url), revision)
