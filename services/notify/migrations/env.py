"""Alembic environment of notify: the URL comes from the app's settings, never from a file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from services.notify.db.models import Base
from shared.db import make_engine
from shared.settings import CommonSettings

VERSION_TABLE = "alembic_version_notify"


def _own_tables_only(name: str | None, type_: str, parent_names: object) -> bool:
    # Several services share one database; each manages only the tables of its own metadata.
    return type_ != "table" or name in Base.metadata.tables


def _run(connection: Connection) -> None:
    context.configure(
        include_name=_own_tables_only,
        connection=connection,
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copy
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    config = context.config
    url = config.attributes.get("database_url") or CommonSettings().resolved_database_url()
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported: run `nianbao db upgrade`")
run_migrations_online()
