"""Replay: re-deliver a service's stored input events to it, through a consumer of its own.

The replay creates an ephemeral pull consumer filtered on the service's input subjects, starting
at a time or a stream sequence, and settles every message with the service's own routes and the
same `settle` as the live consumers (so failures are retried or dead-lettered the same way). The
live durable consumers keep their position. It stops at the stream's last message as it was when
the replay began (or at `until`), and returns once every message up to there has been settled.

Why it is safe: store and notify skip events already in their inbox, so replaying them adds no
row and queues no mail. Extract's output ids include the extractor version: after an upgrade the
replayed documents yield new `report.extracted` events, which the store records (a new filing,
or a new version of one whose content changed); without an upgrade they are the same ids and are
dropped. Notify re-sends only with `resend=True` (see `services.ops.resend`).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from faststream.nats import NatsBroker
from nats.js import JetStreamContext

from services.ops.streams import ephemeral, ephemeral_config, read_all
from shared.bus import STREAM_NAME
from shared.clock import Clock
from shared.consume import RawSettle, Route, settle_raw
from shared.errors import ConfigurationError
from shared.events import FILING_RECORDED, FilingRecorded


class Progress(Protocol):
    """Where a replay reports how far it is (a progress bar at a terminal)."""

    def start(self, total: int) -> None: ...

    def update(self, done: int) -> None: ...


@dataclass(frozen=True)
class ReplayRequest:
    """What to replay: one service's input events in a range, optionally one subject."""

    service: str
    since: datetime | None = None
    from_seq: int | None = None
    until: datetime | None = None
    subject: str | None = None
    dry_run: bool = False
    resend: bool = False

    def subjects(self, routes: Mapping[str, Route]) -> list[str]:
        """The subjects to read: the service's inputs, or the one asked for if it is one."""
        if self.subject is None:
            return list(routes)
        if self.subject not in routes:
            raise ConfigurationError(
                f"{self.service} does not consume {self.subject}; its subjects: "
                + ", ".join(routes)
            )
        return [self.subject]


@dataclass
class ReplayResult:
    """What a replay went through, and what changed downstream."""

    total: int = 0  # messages in range when the replay started
    replayed: int = 0  # settled: acked or dead-lettered
    acked: int = 0
    dead_lettered: int = 0
    retries: int = 0
    end_seq: int = 0  # the stream's last sequence when the replay began
    resent: int = 0  # notify with resend: deliveries queued to be sent again
    outcomes: dict[int, str] = field(default_factory=dict)
    by_subject: Counter[str] = field(default_factory=Counter)
    recorded: list[FilingRecorded] = field(default_factory=list)

    @property
    def new_filings(self) -> int:
        return sum(1 for event in self.recorded if event.change == "new")

    @property
    def changed_filings(self) -> int:
        return sum(1 for event in self.recorded if event.change == "changed")


async def replay(
    js: JetStreamContext,
    broker: NatsBroker,
    routes: Mapping[str, Route],
    request: ReplayRequest,
    clock: Clock,
    progress: Progress | None = None,
) -> ReplayResult:
    """Re-deliver the stored events in range to the routes; returns when all are settled."""
    if (request.since is None) == (request.from_seq is None):
        raise ConfigurationError("give exactly one of --since TIME and --from-seq N")
    subjects = request.subjects(routes)
    result = ReplayResult()
    result.end_seq = int((await js.stream_info(STREAM_NAME)).state.last_seq or 0)
    config = ephemeral_config(
        f"replay-{request.service}",
        subjects,
        since=request.since,
        from_seq=request.from_seq,
        acks=not request.dry_run,
    )
    async with ephemeral(js, config) as (sub, pending):
        result.total = pending
        if progress is not None:
            progress.start(pending)
        reached_end = pending == 0
        while True:
            waiting_retry = any(outcome == "retry" for outcome in result.outcomes.values())
            if reached_end and not waiting_retry:
                break
            try:
                batch = await sub.fetch(64, timeout=1.0)
            except TimeoutError:
                info = await js.consumer_info(STREAM_NAME, config.name or "")
                reached_end = reached_end or (info.num_pending or 0) == 0
                continue
            for msg in batch:
                seq = int(msg.metadata.sequence.stream)
                stamp = msg.metadata.timestamp
                beyond = seq > result.end_seq or (
                    request.until is not None and stamp is not None and stamp > request.until
                )
                if beyond:
                    reached_end = True
                    if not request.dry_run:
                        await msg.ack()
                    continue
                if seq not in result.outcomes:
                    result.by_subject[msg.subject] += 1
                if request.dry_run:
                    result.outcomes[seq] = "dry-run"
                else:
                    outcome = await settle_raw(
                        broker,
                        msg,
                        RawSettle(msg),
                        service=request.service,
                        routes=routes,
                        clock=clock,
                    )
                    result.outcomes[seq] = outcome
                    result.retries += outcome == "retry"
                if progress is not None:
                    progress.update(sum(1 for o in result.outcomes.values() if o != "retry"))
    result.replayed = sum(1 for o in result.outcomes.values() if o != "retry")
    result.acked = sum(1 for o in result.outcomes.values() if o == "ack")
    result.dead_lettered = sum(1 for o in result.outcomes.values() if o == "dead-lettered")
    return result


async def wait_for_consumer(
    js: JetStreamContext, durable: str, limit_seconds: float = 300.0
) -> bool:
    """Wait until a durable consumer has nothing pending nor unacknowledged, three polls in a row."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_seconds
    quiet = 0
    while loop.time() < deadline:
        info = await js.consumer_info(STREAM_NAME, durable)
        idle = (info.num_pending or 0) == 0 and (info.num_ack_pending or 0) == 0
        quiet = quiet + 1 if idle else 0
        if quiet >= 3:
            return True
        await asyncio.sleep(0.3)
    return False


async def filings_recorded_since(js: JetStreamContext, after_seq: int) -> list[FilingRecorded]:
    """The `filing.recorded` events stored after a stream sequence (what a replay changed)."""
    return [
        FilingRecorded.model_validate_json(msg.data)
        async for msg in read_all(js, [FILING_RECORDED], from_seq=after_seq + 1)
    ]
