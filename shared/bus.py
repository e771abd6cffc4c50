"""The bus: the one stream, the consumers, and publishing with deterministic ids.

Every event lives on one JetStream stream (`NIANBAO`, subjects `nianbao.>`), kept for replay. Each
service reads through one durable pull consumer filtered on its input subjects; pull consumers
let replicas share the work. Acks are manual and come after the effect is committed; what each
outcome of a use case does to its message is decided in one place, `shared.settle`.

A second stream, `NIANBAO_ADVISORIES`, keeps JetStream's max-deliveries advisories for the
`NIANBAO` stream, so that a message given up by the server (when an operator sets a
`max_deliver`) is still turned into a dead letter even if no process was listening at the time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from faststream.nats import NatsBroker
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from shared.errors import TransientError
from shared.events import Event
from shared.metrics import (
    CONSUMER_ACK_PENDING,
    CONSUMER_PENDING,
)

log = logging.getLogger("nianbao.bus")

STREAM_NAME = "NIANBAO"
STREAM_SUBJECTS = ["nianbao.>"]
BLOB_BUCKET = "nianbao-documents"
DUPLICATE_WINDOW = timedelta(minutes=10)
ACK_WAIT_SECONDS = 60.0  # a crashed consumer's messages come back after this
ADVISORY_STREAM = "NIANBAO_ADVISORIES"
MAX_DELIVERIES_ADVISORIES = f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{STREAM_NAME}.>"
DRAIN_SECONDS = 25.0  # what a stopping process gives in-flight messages; k8s grace is longer


def stream_config(replicas: int = 1) -> StreamConfig:
    """The stream definition: file storage, kept a year so operators can replay."""
    return StreamConfig(
        name=STREAM_NAME,
        subjects=STREAM_SUBJECTS,
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        max_age=365 * 24 * 3600,
        duplicate_window=DUPLICATE_WINDOW.total_seconds(),
        num_replicas=replicas,
    )


def advisory_stream_config(replicas: int = 1) -> StreamConfig:
    """The stream that keeps max-deliveries advisories until they are turned into dead letters."""
    return StreamConfig(
        name=ADVISORY_STREAM,
        subjects=[MAX_DELIVERIES_ADVISORIES],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        max_age=90 * 24 * 3600,
        num_replicas=replicas,
    )


async def ensure_stream(js: JetStreamContext, replicas: int | None = None) -> None:
    """Create the streams, or bring existing ones to the current definition.

    `replicas=None` keeps the replica count a stream already has (a service starting up must not
    scale down the three replicas that `nianbao nats provision --replicas 3` set); a new stream
    then gets one.
    """
    for make in (stream_config, advisory_stream_config):
        name = make().name
        assert name is not None
        try:
            info = await js.stream_info(name)
        except NotFoundError:
            await js.add_stream(make(replicas or 1))
            continue
        keep = info.config.num_replicas or 1
        await js.update_stream(make(replicas or keep))


async def publish_event(broker: NatsBroker, subject: str, event: Event) -> None:
    """Publish an event to the stream with its id as `Nats-Msg-Id`, so retries are dropped."""
    await publish_raw(broker, subject, event.event_id, event.model_dump_json())


async def publish_raw(broker: NatsBroker, subject: str, event_id: str, payload: str) -> None:
    """Publish an already serialised event (from an outbox) under its deterministic id.

    Raises TransientError when NATS does not confirm: the caller's own message is then retried,
    and the retry publishes the same id, which JetStream drops if the first publish did land.
    """
    try:
        await broker.publish(
            payload.encode("utf-8"),
            subject,
            headers={"Nats-Msg-Id": event_id, "content-type": "application/json"},
            correlation_id=event_id,
            stream=STREAM_NAME,
            timeout=10.0,
        )
    except Exception as exc:  # nats-py raises several unrelated types for "not confirmed"
        raise TransientError(
            f"publish to {subject} not confirmed: {exc!r}", event_id=event_id
        ) from exc


async def update_consumer_gauges(js: JetStreamContext, consumers: Iterable[str]) -> None:
    """Refresh the lag gauges (`nianbao_consumer_pending`, `_ack_pending`) of some consumers."""
    for name in consumers:
        try:
            info = await js.consumer_info(STREAM_NAME, name)
        except NotFoundError:
            continue
        CONSUMER_PENDING.labels(name).set(info.num_pending or 0)
        CONSUMER_ACK_PENDING.labels(name).set(info.num_ack_pending or 0)
