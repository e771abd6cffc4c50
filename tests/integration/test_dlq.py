"""Dead letters: listed with their reason, shown whole, redriven once; and JetStream's
max-deliveries advisories become dead letters even when nobody listened at the time."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from nats.js.api import AckPolicy, ConsumerConfig

from services.ops.advisories import collect_advisories
from services.ops.dlq import get_letter, list_letters, redrive
from services.runtime import AppSettings, Components, build, migrate_database, shutdown
from services.store.db.models import InboxEntry
from shared.bus import ADVISORY_STREAM, STREAM_NAME, publish_event, publish_raw
from shared.consume import dead_letter
from shared.embedded_nats import EmbeddedNats
from shared.events import SOURCE_CHECKED
from tests.factories import source_checked, sources

pytestmark = pytest.mark.integration


@pytest.fixture
async def store_process(
    nats_server: EmbeddedNats, database_url: str, tmp_path: Path
) -> AsyncIterator[Components]:
    migrate_database(database_url)
    settings = AppSettings(data_dir=tmp_path, nats_url=nats_server.url, database_url=database_url)
    parts = await build(settings, nats_server.url, ("store",), sources())
    yield parts
    await shutdown(parts)


async def until(predicate: object, seconds: float = 20.0) -> None:
    for _ in range(int(seconds * 10)):
        if await predicate():  # type: ignore[operator]
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not met in time")


async def test_an_invalid_event_is_listed_shown_and_redriven_once(
    store_process: Components,
) -> None:
    js = store_process.js
    await publish_raw(store_process.broker, SOURCE_CHECKED, "bad-event-1", '{"event_id": "x"}')

    async def one_letter() -> bool:
        return len(await list_letters(js)) == 1

    await until(one_letter)
    [item] = await list_letters(js, "store")
    assert item.letter.service == "store"
    assert item.letter.original_subject == SOURCE_CHECKED
    assert item.letter.original_event_id == "bad-event-1"
    assert item.letter.error_type == "InvalidEvent"
    assert item.redriven_at is None
    assert await list_letters(js, "notify") == []
    shown = await get_letter(js, item.id)
    assert json.loads(shown.letter.original_data) == {"event_id": "x"}

    first = await redrive(js, letter_id=item.id)
    second = await redrive(js, service="store", letter_id=item.id)
    assert (first.redriven, first.already) == ([item.id], [])
    assert (second.redriven, second.already) == ([], [item.id])
    [again] = [x for x in await list_letters(js) if x.id == item.id]
    assert again.redriven_at is not None
    # The redriven message went back to its subject once (and, still invalid, failed again).
    stored = await js.stream_info(STREAM_NAME, subjects_filter=SOURCE_CHECKED)
    assert stored.state.subjects == {SOURCE_CHECKED: 2}

    async def two_letters() -> bool:
        return len(await list_letters(js, "store")) == 2

    await until(two_letters)


async def test_a_redriven_letter_whose_cause_is_fixed_is_processed(
    store_process: Components,
) -> None:
    """A letter left by a bug fixed since: redriving it gets the event processed by the store."""
    js = store_process.js
    event = source_checked()
    await dead_letter(
        store_process.broker,
        service="store",
        subject=SOURCE_CHECKED,
        data=event.model_dump_json().encode(),
        reason="unexpected error after 5 deliveries: KeyError('bug')",
        error_type="KeyError",
        deliveries=5,
        clock=store_process.clock,
        original_event_id=event.event_id,
    )
    [item] = await list_letters(js, "store")
    assert store_process.store is not None
    sessions = store_process.store.sessions

    def processed() -> bool:
        with sessions() as session:
            return session.get(InboxEntry, event.event_id) is not None

    assert not processed()
    assert (await redrive(js, service="store")).redriven == [item.id]

    async def done() -> bool:
        return processed()

    await until(done)


async def test_max_deliveries_advisories_are_kept_and_become_dead_letters(
    store_process: Components,
) -> None:
    js = store_process.js
    event = source_checked()
    await publish_event(store_process.broker, "nianbao.test.limited.v1", event)
    # An operator-limited consumer that gives up after one delivery, with nobody collecting.
    await js.add_consumer(
        STREAM_NAME,
        ConsumerConfig(
            durable_name="limited",
            filter_subject="nianbao.test.limited.v1",
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=0.5,
            max_deliver=1,
        ),
    )
    sub = await js.pull_subscribe_bind(consumer="limited", stream=STREAM_NAME)
    [msg] = await sub.fetch(1, timeout=5)
    assert msg.metadata.num_delivered == 1  # never acked: the server gives up after ack_wait

    async def kept() -> bool:
        info = await js.stream_info(ADVISORY_STREAM)
        return info.state.messages == 1

    await until(kept)
    assert await collect_advisories(js, store_process.broker, store_process.clock) == 1
    assert await collect_advisories(js, store_process.broker, store_process.clock) == 0

    async def letter() -> bool:
        return len(await list_letters(js, "limited")) == 1

    await until(letter)
    [item] = await list_letters(js, "limited")
    assert item.letter.error_type == "MaxDeliveriesExceeded"
    assert item.letter.original_event_id == event.event_id
    assert item.letter.original_subject == "nianbao.test.limited.v1"
    assert "after 1 deliveries" in item.letter.reason
