"""The services wired on the bus: extract → store → notify, and how messages are settled.

Every case is written once and runs twice: on FastStream's in-memory broker, and on a real
nats-server (JetStream) started for the test, where processing is asynchronous and the test
waits for the outcome.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
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
from shared.bus import STREAM_NAME, ensure_stream, publish_event, publish_raw
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


@pytest.fixture(params=["memory", "nats"])
def bus_url(request: pytest.FixtureRequest) -> str | None:
    """None for the in-memory broker, or the URL of a real nats-server of the test's own."""
    if request.param == "memory":
        return None
    return str(request.getfixturevalue("nats_server").url)


@asynccontextmanager
async def running(broker: NatsBroker, url: str | None) -> AsyncIterator[NatsBroker]:
    """The broker, started in memory or against the real server with the stream provisioned."""
    if url is None:
        async with TestNatsBroker(broker) as test_broker:
            yield test_broker
        return
    await broker.connect()
    await ensure_stream(broker.connection.jetstream())
    await broker.start()
    try:
        yield broker
    finally:
        await broker.stop()


async def eventually(check: Callable[[], bool], within: float = 20.0) -> None:
    """Wait for an outcome that the real broker produces asynchronously."""
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out waiting for the outcome"
        await asyncio.sleep(0.1)


def build(sessions, clock: FakeClock, url: str | None = None):  # type: ignore[no-untyped-def]
    broker = NatsBroker(url) if url else NatsBroker()
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


def filings(store: StoreService) -> list[Filing]:
    with store.sessions() as session:
        return list(session.scalars(select(Filing)))


async def publish(broker: NatsBroker, payload: bytes | str, event_id: str | None = None) -> None:
    headers = {"Nats-Msg-Id": event_id} if event_id else None
    await broker.publish(payload, DOCUMENT_FETCHED, stream=STREAM_NAME, headers=headers)


async def test_a_fetched_report_is_extracted_stored_and_mailed_once(  # type: ignore[no-untyped-def]
    migrated_sessions, clock: FakeClock, bus_url: str | None
) -> None:
    clock.now = datetime(2025, 1, 1, tzinfo=UTC)
    broker, blobs, mailer, store = build(migrated_sessions, clock, bus_url)
    clock.now = datetime(2025, 3, 7, 9, tzinfo=UTC)
    event = await fetched_event(blobs)
    async with running(broker, bus_url) as bus:
        await publish(bus, event.model_dump_json(), event.event_id)
        await publish(bus, event.model_dump_json(), event.event_id)  # a publisher's retry
        await eventually(lambda: len(mailer.sent) == 1)
        await asyncio.sleep(0.5)  # room for a wrong second email to arrive
    (filing,) = filings(store)
    assert (filing.agency_name, filing.report_year, str(filing.published)) == (
        "昆明市科学技术局",
        2024,
        "2025-03-06",
    )
    assert [m["To"] for m in mailer.sent] == ["reader@example.org"]


async def test_backfill_is_stored_but_not_mailed(
    migrated_sessions, clock: FakeClock, bus_url: str | None
) -> None:  # type: ignore[no-untyped-def]
    broker, blobs, mailer, store = build(migrated_sessions, clock, bus_url)
    event = await fetched_event(blobs, backfill=True)
    async with running(broker, bus_url) as bus:
        await publish(bus, event.model_dump_json())
        await eventually(lambda: len(filings(store)) == 1)
        await asyncio.sleep(0.5)
    assert filings(store)[0].backfill is True
    assert mailer.sent == []


async def dead_letters_of(
    payload: bytes | str, sessions, clock: FakeClock, bus_url: str | None
) -> list[dict]:  # type: ignore[no-untyped-def]
    broker, _, _, _ = build(sessions, clock, bus_url)
    letters: list[dict] = []

    @broker.subscriber("nianbao.dlq.extract.v1", stream=JStream(STREAM_NAME, declare=False))
    async def on_dead_letter(body: dict) -> None:
        letters.append(body)

    async with running(broker, bus_url) as bus:
        await publish(bus, payload)
        await eventually(lambda: len(letters) >= 1)
    return letters


async def test_an_invalid_event_is_dead_lettered_with_its_reason(  # type: ignore[no-untyped-def]
    migrated_sessions, clock: FakeClock, bus_url: str | None
) -> None:
    letters = await dead_letters_of(b'{"event_id": "x"}', migrated_sessions, clock, bus_url)
    assert len(letters) == 1
    assert letters[0]["error_type"] == "InvalidEvent"
    assert letters[0]["original_subject"] == DOCUMENT_FETCHED
    assert letters[0]["original_data"] == '{"event_id": "x"}'


async def test_a_missing_blob_is_dead_lettered(
    migrated_sessions, clock: FakeClock, bus_url: str | None
) -> None:  # type: ignore[no-untyped-def]
    event = await fetched_event(MemoryBlobStore())  # bytes never reached the services' store
    letters = await dead_letters_of(event.model_dump_json(), migrated_sessions, clock, bus_url)
    assert [letter["error_type"] for letter in letters] == ["BlobMissing"]
