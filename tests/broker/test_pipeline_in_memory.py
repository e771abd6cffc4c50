"""The services wired on FastStream's in-memory broker: extract → store → notify, and settling.

The same cases run against a real nats-server in tests/integration/test_pipeline_nats.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from faststream.nats import JStream, NatsBroker, TestNatsBroker
from sqlalchemy import select

from services.extract import app as extract_app
from services.extract.service import ExtractService
from services.notify import app as notify_app
from services.notify.service import NotifyService
from services.store import app as store_app
from services.store.db.models import Filing
from services.store.service import StoreService
from shared.blobs import MemoryBlobStore
from shared.bus import STREAM_NAME, publish_event, publish_raw
from shared.events import DOCUMENT_FETCHED, DocumentFetched, Event, stable_id
from tests import factories
from tests.conftest import FakeClock
from tests.unit.test_extract_seeds import SEEDS as SEEDS_DIR

pytestmark = pytest.mark.broker


class FakeMailer:
    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    async def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


def build(sessions, clock: FakeClock):  # type: ignore[no-untyped-def]
    broker = NatsBroker()
    blobs = MemoryBlobStore()
    mailer = FakeMailer()

    async def publish(subject: str, event: Event) -> None:
        await publish_event(broker, subject, event)

    async def publish_serialised(subject: str, event_id: str, payload: str) -> None:
        await publish_raw(broker, subject, event_id, payload)

    store = StoreService(sessions=sessions, publish=publish_serialised, clock=clock)
    store.sync_agencies(factories.sources())
    notify = NotifyService(sessions=sessions, mailer=mailer, clock=clock)
    notify.subscribe("reader@example.org", regions=["530000"])
    extract_app.register(broker, ExtractService(blobs=blobs, publish=publish, clock=clock), clock)
    store_app.register(broker, store, clock)
    notify_app.register(broker, notify, clock)
    return broker, blobs, mailer, store


async def fetched_event(blobs: MemoryBlobStore, backfill: bool = False) -> DocumentFetched:
    content = (SEEDS_DIR / "003_270951ed5cca0aaf.txt").read_bytes()
    key = await blobs.put(content)
    url = "https://kjj.km.gov.cn/xxgk/fzzf/202503/t20250306_1.html"
    return DocumentFetched(
        event_id=stable_id("document.fetched", url, key),
        occurred_at=datetime(2025, 3, 7, tzinfo=UTC),
        source_id="km-kjj#0",
        agency_id="km-kjj",
        agency_name="昆明市科学技术局",
        region_code="530100",
        url=url,
        list_url=None,
        content_type="text/plain; charset=utf-8",
        declared_charset="utf-8",
        blob_key=key,
        sha256=key,
        size=len(content),
        fetched_at=datetime(2025, 3, 7, tzinfo=UTC),
        title_hint="市科技局关于2024年法治政府建设工作情况的报告",
        backfill=backfill,
    )


async def test_a_fetched_report_is_extracted_stored_and_mailed_once(
    migrated_sessions, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    clock.now = datetime(2025, 1, 1, tzinfo=UTC)
    broker, blobs, mailer, store = build(migrated_sessions, clock)
    clock.now = datetime(2025, 3, 7, 9, tzinfo=UTC)
    event = await fetched_event(blobs)
    async with TestNatsBroker(broker) as test_broker:
        await test_broker.publish(
            event.model_dump_json(), DOCUMENT_FETCHED, headers={"Nats-Msg-Id": event.event_id}
        )
        await test_broker.publish(
            event.model_dump_json(), DOCUMENT_FETCHED, headers={"Nats-Msg-Id": event.event_id}
        )
    with store.sessions() as session:
        filing = session.scalars(select(Filing)).one()
    assert (filing.agency_name, filing.report_year, str(filing.published)) == (
        "昆明市科学技术局",
        2024,
        "2025-03-06",
    )
    assert [m["To"] for m in mailer.sent] == ["reader@example.org"]


async def test_backfill_is_stored_but_not_mailed(migrated_sessions, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    broker, blobs, mailer, store = build(migrated_sessions, clock)
    event = await fetched_event(blobs, backfill=True)
    async with TestNatsBroker(broker) as test_broker:
        await test_broker.publish(event.model_dump_json(), DOCUMENT_FETCHED)
    with store.sessions() as session:
        assert session.scalars(select(Filing)).one().backfill is True
    assert mailer.sent == []


async def test_an_invalid_event_is_dead_lettered_with_its_reason(
    migrated_sessions, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    broker, _, _, _ = build(migrated_sessions, clock)
    letters: list[dict] = []

    @broker.subscriber("nianbao.dlq.extract.v1", stream=JStream(STREAM_NAME, declare=False))
    async def on_dead_letter(body: dict) -> None:
        letters.append(body)

    async with TestNatsBroker(broker) as test_broker:
        await test_broker.publish(b'{"event_id": "x"}', DOCUMENT_FETCHED)
    assert len(letters) == 1
    assert letters[0]["error_type"] == "InvalidEvent"
    assert letters[0]["original_subject"] == DOCUMENT_FETCHED
    assert letters[0]["original_data"] == '{"event_id": "x"}'


async def test_a_missing_blob_is_dead_lettered(migrated_sessions, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    broker, _, _, _ = build(migrated_sessions, clock)
    event = await fetched_event(MemoryBlobStore())  # bytes never reached this store
    letters: list[dict] = []

    @broker.subscriber("nianbao.dlq.extract.v1", stream=JStream(STREAM_NAME, declare=False))
    async def on_dead_letter(body: dict) -> None:
        letters.append(body)

    async with TestNatsBroker(broker) as test_broker:
        await test_broker.publish(event.model_dump_json(), DOCUMENT_FETCHED)
    assert [letter["error_type"] for letter in letters] == ["BlobMissing"]
