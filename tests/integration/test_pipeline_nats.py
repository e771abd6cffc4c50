"""All four services on a real nats-server (JetStream) and a real database, crawling the demo portal.

The demo's five seed reports must come out with the labelled agency, year, kind and publication
date; a second crawl, and a restart of every service, must add nothing.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.demo_portal.server import DemoPortal
from services.demo_portal.sources import demo_sources_yaml, seed_labels
from services.runtime import (
    SERVICES,
    AppSettings,
    Components,
    build,
    migrate_database,
    shutdown,
    wait_until_idle,
)
from services.store.db.models import Document, Filing, OutboxEntry
from services.store.queries import list_filings
from shared.embedded_nats import EmbeddedNats
from shared.sources import parse_sources

pytestmark = pytest.mark.integration


@pytest.fixture
def portal() -> AsyncIterator[str]:
    with DemoPortal() as base_url:
        yield base_url


@pytest.fixture
def settings(nats_server: EmbeddedNats, database_url: str, tmp_path: Path) -> AppSettings:
    migrate_database(database_url)
    return AppSettings(
        data_dir=tmp_path,
        nats_url=nats_server.url,
        database_url=database_url,
        allow_private_networks=True,
        now="2025-06-01",
    )


async def run_once(settings: AppSettings, base_url: str) -> tuple[Components, list]:
    sources = parse_sources(demo_sources_yaml(base_url))
    parts = await build(settings, settings.nats_url or "", SERVICES, sources)
    assert parts.ingest is not None
    checks = await parts.ingest.crawl_all(sources)
    assert await wait_until_idle(parts, limit_seconds=60)
    return parts, checks


def expected_filings() -> list[dict]:
    labels = {k: v for k, v in seed_labels().items() if not k.startswith("_")}
    return sorted(
        (
            {
                "agency": v["agency"],
                "region_code": v["region"]["code"],
                "kind": v["kind"],
                "report_year": v["report_year"],
                "published": v["published"],
                "title": v["title"],
            }
            for v in labels.values()
        ),
        key=lambda row: row["agency"],
    )


async def test_the_demo_reports_are_found_extracted_and_stored_once(
    settings: AppSettings, portal: str
) -> None:
    parts, checks = await run_once(settings, portal)
    try:
        assert [c.status for c in checks] == ["ok"] * 6
        assert parts.store is not None
        every = list_filings(parts.store.sessions)
        rows = [r for r in every if "/km-gov/" not in r["url"]]
        # The city's multi-agency column: each report on the record of the agency it names.
        assert sorted(r["agency_id"] for r in every if r not in rows) == [
            "gov-530102",
            "gov-530103",
            "km-gov",
        ]
        got = sorted(
            (
                {
                    k: r[k]
                    for k in ("agency", "region_code", "kind", "report_year", "published", "title")
                }
                for r in rows
            ),
            key=lambda row: row["agency"],
        )
        assert got == expected_filings()
        assert all(r["backfill"] for r in rows)  # first crawl: history, not news
        with parts.store.sessions() as session:
            documents = session.scalar(select(func.count()).select_from(Document))
            assert (
                session.scalar(
                    select(func.count())
                    .select_from(OutboxEntry)
                    .where(OutboxEntry.published_at.is_(None))
                )
                == 0
            )
        assert documents == sum(c.fetched for c in checks)
        dead = await parts.js.stream_info("NIANBAO", subjects_filter="nianbao.dlq.>")
        assert not dead.state.subjects
    finally:
        await shutdown(parts)

    # A restart of every service and a second crawl: nothing new, nothing duplicated.
    parts, checks = await run_once(settings, portal)
    try:
        assert sum(c.fetched for c in checks) == 0
        assert sum(c.unchanged for c in checks) == documents
        assert parts.store is not None
        with parts.store.sessions() as session:
            assert session.scalar(select(func.count()).select_from(Filing)) == 8
            assert session.scalar(select(func.count()).select_from(Document)) == documents
    finally:
        await shutdown(parts)


async def test_each_service_has_one_durable_pull_consumer(
    settings: AppSettings, portal: str
) -> None:
    parts, _ = await run_once(settings, portal)
    try:
        names = {c.name: c.config for c in await parts.js.consumers_info("NIANBAO")}
        assert set(names) == {"extract", "store", "notify"}
        assert names["store"].filter_subjects == [
            "nianbao.report.extracted.v1",
            "nianbao.source.checked.v1",
        ]
        assert {
            str(getattr(info.ack_policy, "value", info.ack_policy)) for info in names.values()
        } == {"explicit"}
        recorded = await parts.js.stream_info(
            "NIANBAO", subjects_filter="nianbao.filing.recorded.v1"
        )
        assert json.loads(json.dumps(recorded.state.subjects)) == {"nianbao.filing.recorded.v1": 8}
    finally:
        await shutdown(parts)
