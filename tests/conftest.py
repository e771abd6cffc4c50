"""Fixtures shared by every kind of test: databases (SQLite always, PostgreSQL when
NIANBAO_TEST_POSTGRES_URL is set), a real nats-server on a free port, and clocks."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from shared.db import make_engine, normalise_url, session_factory
from shared.embedded_nats import EmbeddedNats

POSTGRES_URL = os.environ.get("NIANBAO_TEST_POSTGRES_URL")
DATABASES = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    assert POSTGRES_URL
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    with admin.connect() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def migrated_sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on a database migrated to head (store and notify tables)."""
    from services.runtime import migrate_database

    migrate_database(database_url)
    engine = make_engine(database_url)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[EmbeddedNats]:
    """A real nats-server with JetStream of the test's own (it starts in well under a second)."""
    server = EmbeddedNats(tmp_path / "nats")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The caller's environment without any NIANBAO_ setting, and a data dir of the test's own."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")}
    clean["NIANBAO_DATA_DIR"] = str(tmp_path / "var")
    return clean
