"""Replay re-delivers stored events through a consumer of its own: replaying the store adds
nothing, and replaying extract after an upgrade records exactly what the upgrade changed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.demo_portal.server import DemoPortal
from services.demo_portal.sources import demo_sources_yaml
from services.extract import service as extract_service
from services.ops.replay import ReplayRequest
from services.ops.runner import run_replay
from services.runtime import (
    SERVICES,
    AppSettings,
    Components,
    build,
    migrate_database,
    shutdown,
    wait_until_idle,
)
from services.store.db.models import Document, Filing, InboxEntry
from shared.bus import STREAM_NAME
from shared.embedded_nats import EmbeddedNats
from shared.sources import parse_sources

pytestmark = pytest.mark.integration


@pytest.fixture
async def pipeline(
    nats_server: EmbeddedNats, database_url: str, tmp_path: Path
) -> AsyncIterator[tuple[AppSettings, Components]]:
    migrate_database(database_url)
    settings = AppSettings(
        data_dir=tmp_path,
        nats_url=nats_server.url,
        database_url=database_url,
        allow_private_networks=True,
        now="2025-06-01",
    )
    with DemoPortal() as base_url:
        sources = parse_sources(demo_sources_yaml(base_url))
        parts = await build(settings, nats_server.url, SERVICES, sources)
        try:
            assert parts.ingest is not None
            await parts.ingest.crawl_all(sources)
            assert await wait_until_idle(parts, limit_seconds=60)
            yield settings, parts
        finally:
            await shutdown(parts)


def counts(parts: Components) -> tuple[int, int, int]:
    assert parts.store is not None
    with parts.store.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(Document)) or 0,
            session.scalar(select(func.count()).select_from(Filing)) or 0,
            session.scalar(select(func.count()).select_from(InboxEntry)) or 0,
        )


async def test_replaying_the_store_changes_nothing_and_live_consumers_keep_their_place(
    pipeline: tuple[AppSettings, Components],
) -> None:
    settings, parts = pipeline
    before = counts(parts)
    durable_before = await parts.js.consumer_info(STREAM_NAME, "store")
    dry = await run_replay(settings, ReplayRequest("store", from_seq=1, dry_run=True))
    result = await run_replay(settings, ReplayRequest("store", from_seq=1))
    assert before[0] > 0
    assert dry.replayed == result.replayed == before[2]  # every event the store ever processed
    assert (result.acked, result.dead_lettered) == (result.replayed, 0)
    assert (result.new_filings, result.changed_filings) == (0, 0)
    assert counts(parts) == before
    durable_after = await parts.js.consumer_info(STREAM_NAME, "store")
    assert durable_after.delivered.stream_seq == durable_before.delivered.stream_seq
    names = {c.name for c in await parts.js.consumers_info(STREAM_NAME)}
    assert names == {"extract", "store", "notify"}  # the replay's own consumer is gone


async def test_replaying_extract_after_an_upgrade_records_what_changed(
    pipeline: tuple[AppSettings, Components], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, parts = pipeline
    documents, filings, _ = counts(parts)
    same = await run_replay(settings, ReplayRequest("extract", from_seq=1))
    assert (same.replayed, same.new_filings, same.changed_filings) == (documents, 0, 0)

    # "Upgrade": a new version that dates one report a year earlier (a new filing).
    original = extract_service.extract_document
    moved: list[str] = []

    def upgraded(document: extract_service.Document, **options: object) -> object:
        extraction = original(document, **options)
        if extraction.is_annual_report and extraction.report_year and not moved:
            moved.append(document.url)
            return extraction.model_copy(update={"report_year": extraction.report_year - 1})
        return extraction

    monkeypatch.setattr(extract_service, "EXTRACTOR_VERSION", "test-upgrade")
    monkeypatch.setattr(extract_service, "extract_document", upgraded)
    result = await run_replay(settings, ReplayRequest("extract", from_seq=1))
    assert result.replayed == documents
    assert (result.new_filings, result.changed_filings) == (1, 0)
    assert result.recorded[0].url == moved[0]
    assert counts(parts)[1] == filings + 1


async def test_replay_needs_exactly_one_start(pipeline: tuple[AppSettings, Components]) -> None:
    from shared.errors import ConfigurationError

    settings, _ = pipeline
    with pytest.raises(ConfigurationError, match="exactly one of --since"):
        await run_replay(settings, ReplayRequest("store"))
    with pytest.raises(ConfigurationError, match=r"does not consume nianbao\.filing"):
        await run_replay(
            settings, ReplayRequest("store", from_seq=1, subject="nianbao.filing.recorded.v1")
        )
