"""Running a service's Alembic migrations programmatically (`nianbao db upgrade`)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext, MigrationInfo
from sqlalchemy import Connection, MetaData

from shared.db import make_engine, normalise_url
from shared.settings import CommonSettings


def alembic_config(script_location: Path, database_url: str) -> Config:
    """An Alembic config for one service's migrations, without an alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["database_url"] = normalise_url(database_url)
    return config


def upgrade(script_location: Path, database_url: str, revision: str = "head") -> list[str]:
    """Bring one service's tables to `revision`; the migrations applied (`rev: what it does`)."""
    config = alembic_config(script_location, database_url)
    applied: list[str] = []
    config.attributes["applied"] = applied
    command.upgrade(config, revision)
    return applied


def run_environment(metadata: MetaData, version_table: str) -> None:
    """The body of a service's Alembic `env.py`: online migrations of its own tables only.

    The URL comes from `nianbao db upgrade` (or the settings), never from a file. Several
    services share one database, so each manages only the tables of its own metadata, under a
    version table of its own.
    """

    def own_tables_only(name: str | None, type_: str, parent_names: object) -> bool:
        return type_ != "table" or name in metadata.tables

    applied: list[str] | None = context.config.attributes.get("applied")

    def record(
        ctx: MigrationContext,
        step: MigrationInfo,
        heads: Collection[Any],
        run_args: Mapping[str, Any],
    ) -> None:
        if applied is not None and step.is_upgrade:
            doc = getattr(step.up_revision, "doc", None) or ""
            applied.append(f"{step.up_revision_id}: {doc.strip()}".rstrip(": "))

    def run(connection: Connection) -> None:
        context.configure(
            on_version_apply=record,
            include_name=own_tables_only,
            connection=connection,
            target_metadata=metadata,
            version_table=version_table,
            render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copy
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    if context.is_offline_mode():
        raise SystemExit("offline SQL generation is not supported: run `nianbao db upgrade`")
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    url = config.attributes.get("database_url") or CommonSettings().resolved_database_url()
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            run(conn)
    finally:
        engine.dispose()
