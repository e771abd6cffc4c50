"""Consuming: each service's routes, its durable pull consumer, and settling every message.

Acks are manual and come after the effect is committed. `settle` is the single place that
decides what an outcome does to its message:

    handler returns            → ack
    TransientError / unknown   → nak with a growing delay (an unknown error is taken for a bug
                                 after MAX_ATTEMPTS_UNKNOWN deliveries and dead-lettered)
    PermanentError             → dead letter on `nianbao.dlq.<service>.v1`, then term

FastStream's default policy would terminate on any exception, and a nak without a delay would
be redelivered at once. Settling also counts every outcome and its duration (`shared.metrics`).
The same settling serves the live durable consumers (FastStream messages) and the ephemeral
consumers of a replay (raw nats-py messages).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from faststream import AckPolicy
from faststream.nats import ConsumerConfig, JStream, NatsBroker, NatsMessage, PullSub
from nats.aio.msg import Msg
from pydantic import BaseModel, ValidationError

from shared.backoff import backoff_delay
from shared.bus import ACK_WAIT_SECONDS, STREAM_NAME, publish_raw
from shared.clock import Clock
from shared.errors import InvalidEvent, PermanentError, TransientError
from shared.events import DeadLetter, Event, dlq_subject, stable_id
from shared.logs import log_fields
from shared.metrics import DEAD_LETTERS, EVENTS_FAILED, EVENTS_PROCESSED, PROCESSING_SECONDS

log = logging.getLogger("nianbao.bus")

MAX_ATTEMPTS_UNKNOWN = 5
MAX_KEPT_ORIGINAL_BYTES = 256_000  # of a dead-lettered payload
MAX_LETTER_BYTES = 900_000  # under NATS's default max_payload of 1 MiB
RETRY_DELAYS = (2.0, 5.0, 15.0, 30.0, 60.0)


Handler = Callable[[Any], Awaitable[None]]


@dataclass(frozen=True)
class Route:
    """One input subject of a service: the event model to validate against and the use case."""

    model: type[Event]
    handle: Handler


def consumer_config(
    service: str, subjects: list[str], ack_wait: float = ACK_WAIT_SECONDS
) -> ConsumerConfig:
    """The durable pull consumer of a service."""
    return ConsumerConfig(
        durable_name=service,
        filter_subjects=subjects,
        ack_wait=ack_wait,
        max_deliver=-1,  # settle() decides when to give up; transient outages must not lose mail
        max_ack_pending=1000,
    )


async def _undecoded(msg: NatsMessage) -> bytes:
    """Leave the body as bytes: `settle` validates it once against the route's model (FastStream
    would parse every JSON body first, only for the handler to ignore the result)."""
    return msg.body


def subscribe_service(
    broker: NatsBroker,
    service: str,
    routes: Mapping[str, Route],
    clock: Clock,
    batch_size: int = 16,
    ack_wait: float = ACK_WAIT_SECONDS,
    max_workers: int = 1,
) -> None:
    """Register the service's durable pull consumer on the broker, settling every message.

    `max_workers` > 1 settles that many messages at once (each still acked after its own
    effect), for a service whose use cases share work when they overlap (the store's commits).
    """
    subjects = list(routes)

    @broker.subscriber(
        "",
        stream=JStream(STREAM_NAME, declare=False),
        durable=service,
        config=consumer_config(service, subjects, ack_wait),
        pull_sub=PullSub(batch_size=max(batch_size, max_workers), timeout=1.0),
        max_workers=max_workers,
        decoder=_undecoded,
        ack_policy=AckPolicy.MANUAL,
        title=f"{service}: {', '.join(subjects)}",
    )
    async def on_message(msg: NatsMessage) -> None:
        await settle(broker, msg, service=service, routes=routes, clock=clock)


def retry_delay(deliveries: int) -> float:
    """Seconds before the next delivery, growing with the number of deliveries so far."""
    return backoff_delay(RETRY_DELAYS, deliveries)


def decode_event(model: type[BaseModel], data: bytes, subject: str) -> Any:
    """Validate a payload against its model; an invalid one is permanent (it never gets better)."""
    try:
        return model.model_validate_json(data)
    except ValidationError as exc:
        raise InvalidEvent(
            f"invalid {subject} payload: {exc.error_count()} error(s): {exc.errors()[:3]}"
        ) from exc


async def dead_letter(
    broker: NatsBroker,
    *,
    service: str,
    subject: str,
    data: bytes,
    reason: str,
    error_type: str,
    deliveries: int,
    clock: Clock,
    original_event_id: str | None,
) -> None:
    """Publish a dead letter holding the reason and the original payload (cut if too large).

    A letter must fit in one NATS message (1 MiB by default), or it could never be published
    and the message would be retried forever. JSON escaping can make decoded junk six times
    its size, so the kept part is cut until the whole letter fits.
    """
    now = clock()
    keep = min(len(data), MAX_KEPT_ORIGINAL_BYTES)
    while True:
        letter = DeadLetter(
            event_id=stable_id("dlq", service, subject, original_event_id or data.hex()[:4096]),
            occurred_at=now,
            service=service,
            reason=reason[:4000],
            error_type=error_type,
            original_subject=subject,
            original_event_id=original_event_id,
            original_data=data[:keep].decode("utf-8", errors="replace"),
            original_size=len(data),
            original_truncated=keep < len(data),
            deliveries=deliveries,
            failed_at=now,
        )
        payload = letter.model_dump_json()
        if len(payload.encode("utf-8")) <= MAX_LETTER_BYTES or keep == 0:
            break
        keep //= 2
    await publish_raw(broker, dlq_subject(service), letter.event_id, payload)


class Settleable(Protocol):
    """What settling needs of a message: FastStream's NatsMessage, or `RawSettle` for nats-py's."""

    async def ack(self) -> None: ...

    async def nack(self, delay: float | None = None) -> None: ...

    async def reject(self) -> None: ...


class RawSettle:
    """Ack, nak and term on a raw nats-py JetStream message (the consumers of a replay)."""

    def __init__(self, raw: Msg):
        self.raw = raw

    async def ack(self) -> None:
        await self.raw.ack()

    async def nack(self, delay: float | None = None) -> None:
        await self.raw.nak(delay=delay)

    async def reject(self) -> None:
        await self.raw.term()


async def settle(
    broker: NatsBroker,
    msg: NatsMessage,
    *,
    service: str,
    routes: Mapping[str, Route],
    clock: Clock,
) -> str:
    """Run the use case for one message and ack, nak or dead-letter it. Returns the outcome."""
    return await settle_raw(
        broker, msg.raw_message, msg, service=service, routes=routes, clock=clock
    )


async def settle_raw(
    broker: NatsBroker,
    raw: Msg,
    actions: Settleable,
    *,
    service: str,
    routes: Mapping[str, Route],
    clock: Clock,
) -> str:
    """`settle` for any message: the outcome is "ack", "retry" or "dead-lettered"."""
    started = time.perf_counter()
    subject = raw.subject
    try:
        outcome = await _settle(broker, raw, actions, service=service, routes=routes, clock=clock)
    finally:
        # Unknown subjects are folded into one label value: labels stay a closed set.
        label = subject if subject in routes else "other"
        PROCESSING_SECONDS.labels(service, label).observe(time.perf_counter() - started)
    if outcome == "ack":
        EVENTS_PROCESSED.labels(service, label).inc()
    else:
        EVENTS_FAILED.labels(service, label, "retry" if outcome == "retry" else "dead_letter").inc()
    return outcome


async def _settle(
    broker: NatsBroker,
    raw: Msg,
    msg: Settleable,
    *,
    service: str,
    routes: Mapping[str, Route],
    clock: Clock,
) -> str:
    subject = raw.subject
    data: bytes = raw.data or b""
    try:
        deliveries = int(raw.metadata.num_delivered)
    except Exception:  # the in-memory test broker has no JetStream metadata
        deliveries = 1
    event_id = (raw.headers or {}).get("Nats-Msg-Id")
    fields = {"service": service, "subject": subject, "event_id": event_id, "delivery": deliveries}

    async def give_up(reason: str, exc: BaseException) -> str:
        await dead_letter(
            broker,
            service=service,
            subject=subject,
            data=data,
            reason=reason,
            error_type=type(exc).__name__,
            deliveries=deliveries,
            clock=clock,
            original_event_id=event_id,
        )
        DEAD_LETTERS.labels(service, "settle").inc()
        await msg.reject()
        return "dead-lettered"

    try:
        route = routes.get(subject)
        if route is None:
            raise PermanentError(f"{service} has no use case for subject {subject}")
        event = decode_event(route.model, data, subject)
        await route.handle(event)
    except PermanentError as exc:
        log.warning("dead-lettered: %s", exc, extra=log_fields(**fields))
        return await give_up(str(exc), exc)
    except TransientError as exc:
        delay = retry_delay(deliveries)
        log.warning("will retry in %ss: %s", delay, exc, extra=log_fields(**fields))
        await msg.nack(delay=delay)
        return "retry"
    except Exception as exc:
        if deliveries >= MAX_ATTEMPTS_UNKNOWN:
            log.exception(
                "dead-lettered after %s deliveries", deliveries, extra=log_fields(**fields)
            )
            return await give_up(f"unexpected error after {deliveries} deliveries: {exc!r}", exc)
        delay = retry_delay(deliveries)
        log.exception("unexpected error, will retry in %ss", delay, extra=log_fields(**fields))
        await msg.nack(delay=delay)
        return "retry"
    await msg.ack()
    return "ack"
