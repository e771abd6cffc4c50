"""Turning JetStream's max-deliveries advisories into dead letters.

When a consumer has a `max_deliver` and a message exhausts it, the server gives the message up and
publishes an advisory, nothing more. The `NIANBAO_ADVISORIES` stream (shared.bus) keeps those
advisories, so one is not lost while no process listens; every service process drains them through
one shared durable consumer and publishes a dead letter for each, with the original event fetched
back from the stream by its sequence number. Dead-letter ids are deterministic, so an advisory
handled twice (a crash before its ack) yields one dead letter.

`settle()` gives up on its own with `max_deliver=-1`, so advisories only appear when an operator
sets a limit on a consumer (or for a replay consumer killed mid-way with a limit of its own).
"""

from __future__ import annotations

import json
import logging

from faststream.nats import NatsBroker
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig
from nats.js.errors import NotFoundError

from shared.bus import (
    ADVISORY_STREAM,
    MAX_DELIVERIES_ADVISORIES,
    STREAM_NAME,
)
from shared.clock import Clock
from shared.consume import dead_letter
from shared.metrics import DEAD_LETTERS

log = logging.getLogger("nianbao.advisories")
ADVISORY_DURABLE = "advisories"


def service_of(consumer: str) -> str:
    """The service a consumer belongs to: `store`, or `replay-store-3f2a…` for a replay's."""
    if consumer.startswith("replay-"):
        return consumer.split("-")[1]
    return consumer


async def collect_advisories(js: JetStreamContext, broker: NatsBroker, clock: Clock) -> int:
    """Publish a dead letter for every waiting max-deliveries advisory; returns how many."""
    sub = await js.pull_subscribe(
        MAX_DELIVERIES_ADVISORIES,
        durable=ADVISORY_DURABLE,
        stream=ADVISORY_STREAM,
        config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, ack_wait=60, max_deliver=-1),
    )
    handled = 0
    try:
        while True:
            try:
                batch = await sub.fetch(32, timeout=1.0)
            except TimeoutError:
                return handled
            for msg in batch:
                await _dead_letter_for(js, broker, clock, msg.data)
                await msg.ack()
                handled += 1
    finally:
        await sub.unsubscribe()


async def _dead_letter_for(
    js: JetStreamContext, broker: NatsBroker, clock: Clock, payload: bytes
) -> None:
    advisory = json.loads(payload)
    if advisory.get("stream") != STREAM_NAME:
        return
    consumer = str(advisory.get("consumer", "unknown"))
    service = service_of(consumer)
    seq = int(advisory.get("stream_seq", 0))
    deliveries = int(advisory.get("deliveries", 0))
    try:
        original = await js.get_msg(STREAM_NAME, seq)
        subject, data = original.subject or "unknown", original.data or b""
        event_id = (original.headers or {}).get("Nats-Msg-Id")
    except NotFoundError:  # aged out of the stream before anyone looked
        subject, data, event_id = "unknown", b"", None
    await dead_letter(
        broker,
        service=service,
        subject=subject,
        data=data,
        reason=(
            f"JetStream gave up after {deliveries} deliveries (max_deliver of consumer "
            f"{consumer}); stream sequence {seq}"
        ),
        error_type="MaxDeliveriesExceeded",
        deliveries=deliveries,
        clock=clock,
        original_event_id=event_id,
    )
    DEAD_LETTERS.labels(service, "advisory").inc()
    log.warning(
        "dead-lettered from a max-deliveries advisory",
        extra={"fields": {"service": service, "subject": subject, "event_id": event_id}},
    )
