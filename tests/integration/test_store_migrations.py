"""The store's migrations on SQLite and PostgreSQL: every revision upgrades from the one before,
keeps the data, matches the models, and downgrades back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from services.store.db.models import Base
from services.store.migrate import MIGRATIONS
from shared.db import make_engine
from shared.migrations import alembic_config

pytestmark = pytest.mark.integration
VERSION_TABLE = "alembic_version_store"  # env.py cannot be imported outside Alembic


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config(MIGRATIONS, "sqlite://"))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def _current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE}
        ).get_current_revision()


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_revisions_form_one_line_from_0001() -> None:
    assert _revisions() == ["0001", "0002", "0003", "0004", "0005"]


def test_an_empty_database_upgrades_step_by_step_keeping_its_data(
    database_url: str, engine: Engine
) -> None:
    config = alembic_config(MIGRATIONS, database_url)
    revisions = _revisions()
    command.upgrade(config, revisions[0])
    assert _current(engine) == "0001"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO agencies (id, name, aliases, expects, origin) "
                "VALUES ('km-kjj', '昆明市科学技术局', '[]', '[]', 'sources')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO filings (id, agency_id, agency_name, kind, report_year, url, "
                "first_seen, last_seen, version, content_hash, backfill, summary) VALUES "
                "('f1', 'km-kjj', '昆明市科学技术局', '法治政府建设年度报告', 2024, 'https://a/1', "
                "'2025-03-07 08:00:00', '2025-03-07 08:00:00', 1, 'h', false, '{}')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO documents (url, url_hash, sha256, first_seen, last_seen, is_report, "
                "kind, report_year, title, extractor_version, extraction, filing_id) VALUES "
                "('https://a/1', 'u1', 's', '2025-03-07 08:00:00', '2025-03-07 08:00:00', true, "
                "'法治政府建设年度报告', 2024, 't', '1', "
                "'{\"text\": \"开展学法12次 行政复议\"}', 'f1')"
            )
        )
    for revision in revisions[1:]:
        command.upgrade(config, revision)
        assert _current(engine) == revision
    assert {"agency_aliases", "filing_search", "filing_tables"} <= _tables(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM agencies")).scalar_one() == "昆明市科学技术局"
        # Filings stored before the index existed are searchable after the upgrade.
        assert conn.execute(text("SELECT filing_id FROM filing_search")).scalar_one() == "f1"
        assert "行政" in conn.execute(text("SELECT tokens FROM filing_search")).scalar_one()


def test_head_matches_the_models(database_url: str, engine: Engine) -> None:
    command.upgrade(alembic_config(MIGRATIONS, database_url), "head")
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "version_table": VERSION_TABLE,
                "compare_type": True,
                "include_name": lambda name, type_, _: (
                    type_ != "table" or name in Base.metadata.tables
                ),
            },
        )
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_to_nothing_and_up_again(database_url: str, engine: Engine) -> None:
    config = alembic_config(MIGRATIONS, database_url)
    command.upgrade(config, "head")
    for revision in reversed(_revisions()[:-1]):
        command.downgrade(config, revision)
        assert _current(engine) == revision
    assert "agency_aliases" not in _tables(engine)
    assert "filing_search" not in _tables(engine)
    assert "filing_tables" not in _tables(engine)
    command.downgrade(config, "base")
    assert _tables(engine) & set(Base.metadata.tables) == set()
    command.upgrade(config, "head")
    assert _current(engine) == _revisions()[-1]
    assert set(Base.metadata.tables) | {"filing_search"} <= _tables(engine)
