"""Reading stored events through short-lived consumers of our own.

Operators' commands read the stream without touching the services' durable consumers: each read
creates an ephemeral pull consumer (named, so a lost one can be told apart, and deleted after an
idle minute by the server if the command dies), reads, and deletes it.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import datetime

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from shared.bus import ACK_WAIT_SECONDS, STREAM_NAME

IDLE_CONSUMER_SECONDS = 60.0


def ephemeral_config(
    purpose: str,
    subjects: list[str],
    *,
    since: datetime | None = None,
    from_seq: int | None = None,
    acks: bool = True,
) -> ConsumerConfig:
    """A consumer starting at a time, a sequence number, or the beginning of the stream."""
    if since is not None:
        policy, start_time, start_seq = DeliverPolicy.BY_START_TIME, since, None
    elif from_seq is not None:
        policy, start_time, start_seq = DeliverPolicy.BY_START_SEQUENCE, None, from_seq
    else:
        policy, start_time, start_seq = DeliverPolicy.ALL, None, None
    return ConsumerConfig(
        name=f"{purpose}-{uuid.uuid4().hex[:10]}",
        deliver_policy=policy,
        opt_start_time=start_time,
        opt_start_seq=start_seq,
        filter_subjects=subjects,
        ack_policy=AckPolicy.EXPLICIT if acks else AckPolicy.NONE,
        ack_wait=ACK_WAIT_SECONDS,
        max_deliver=-1,
        max_ack_pending=1000,
        inactive_threshold=IDLE_CONSUMER_SECONDS,
    )


@contextlib.asynccontextmanager
async def ephemeral(
    js: JetStreamContext, config: ConsumerConfig, stream: str = STREAM_NAME
) -> AsyncIterator[tuple[JetStreamContext.PullSubscription, int]]:
    """A pull subscription on a new consumer, with the number of messages it has to deliver."""
    info = await js.add_consumer(stream, config)
    assert config.name is not None
    sub = await js.pull_subscribe_bind(consumer=config.name, stream=stream)
    try:
        yield sub, int(info.num_pending or 0)
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()
        with contextlib.suppress(NotFoundError, Exception):
            await js.delete_consumer(stream, config.name)


async def read_all(
    js: JetStreamContext, subjects: list[str], *, from_seq: int | None = None
) -> AsyncIterator[Msg]:
    """Every stored message on the subjects (from a sequence number on), oldest first, unacked."""
    config = ephemeral_config("read", subjects, from_seq=from_seq, acks=False)
    async with ephemeral(js, config) as (sub, pending):
        remaining = pending
        while remaining > 0:
            try:
                batch = await sub.fetch(min(remaining, 256), timeout=2.0)
            except TimeoutError:
                return
            for msg in batch:
                remaining -= 1
                yield msg
