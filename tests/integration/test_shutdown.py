"""A stopping service finishes the messages it has in flight before it lets go of NATS."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest

from shared.bus import (
    DRAIN_SECONDS,
    STREAM_NAME,
    ensure_stream,
    publish_event,
)
from shared.connect import broker_for
from shared.consume import Route, subscribe_service
from shared.embedded_nats import EmbeddedNats
from shared.events import SOURCE_CHECKED, SourceChecked
from shared.settings import CommonSettings
from tests.factories import source_checked

pytestmark = pytest.mark.integration


async def test_stop_waits_for_the_slow_message_in_flight_and_acks_it(
    nats_server: EmbeddedNats,
) -> None:
    broker = broker_for(CommonSettings(), nats_server.url)
    await broker.connect()
    js = broker.connection.jetstream()
    await ensure_stream(js)
    started = asyncio.Event()
    finished: list[str] = []

    async def slow(event: SourceChecked) -> None:
        started.set()
        await asyncio.sleep(2.0)
        finished.append(event.event_id)

    subscribe_service(
        broker, "store", {SOURCE_CHECKED: Route(SourceChecked, slow)}, lambda: datetime.now(UTC)
    )
    await broker.start()
    event = source_checked()
    await publish_event(broker, SOURCE_CHECKED, event)
    await asyncio.wait_for(started.wait(), 10)

    begun = time.monotonic()
    await broker.stop()  # what shutdown() does on SIGTERM
    took = time.monotonic() - begun

    assert finished == [event.event_id]  # the handler was not cancelled mid-way
    assert 1.0 < took < DRAIN_SECONDS
    checker = broker_for(CommonSettings(), nats_server.url)
    await checker.connect()
    try:
        info = await checker.connection.jetstream().consumer_info(STREAM_NAME, "store")
        assert (info.num_pending, info.num_ack_pending, info.delivered.stream_seq) == (0, 0, 1)
        assert info.ack_floor.stream_seq == 1  # acked, not left for redelivery
    finally:
        await checker.stop()
