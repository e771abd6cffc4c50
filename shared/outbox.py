"""The outbox: events to publish, written in the transaction of the effect that caused them.

A service that must publish an event as a consequence of a database change cannot do both
atomically; instead it writes the event as an outbox row with the change (`enqueue`) and a
`Relay` publishes the rows after the commit. A crash in between leaves the rows for the next
relay, and the events' deterministic ids (`Nats-Msg-Id`) make a second publish harmless.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import String, Text, bindparam, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from shared.clock import Clock
from shared.db import UtcDateTime, insert_unless_present, run_sync, unit_of_work
from shared.events import Event

RawPublisher = Callable[[str, str, str], Awaitable[None]]  # subject, event_id, payload
RELAY_BATCH = 500  # rows published per relay; the rest wait for the next one


class OutboxColumns:
    """The columns of an outbox table (a declarative mixin: `class X(OutboxColumns, Base)`)."""

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject: Mapped[str] = mapped_column(String(200))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)


def enqueue(
    session: Session, outbox: type[OutboxColumns], subject: str, event: Event, now: datetime
) -> None:
    """Write `event` to be published on `subject` once this transaction commits (once per id)."""
    insert_unless_present(
        session,
        outbox,
        {
            "event_id": event.event_id,
            "subject": subject,
            "payload": event.model_dump_json(),
            "created_at": now,
            "published_at": None,
        },
        key="event_id",
    )


class Relay:
    """Publishes an outbox's unpublished rows; safe to run concurrently and repeatedly."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        outbox: type[OutboxColumns],
        publish: RawPublisher,
        clock: Clock,
    ) -> None:
        self.sessions = sessions
        self.outbox = outbox
        self.publish = publish
        self.clock = clock
        self._lock = asyncio.Lock()
        self._next: asyncio.Future[int] | None = None
        # Built once and run on the unit of work's connection: every event is followed by a
        # relay, and building them and running them through the ORM cost more than the queries.
        self._select_pending = (
            select(outbox.event_id, outbox.subject, outbox.payload)
            .where(outbox.published_at.is_(None))
            .order_by(outbox.created_at)
            .limit(bindparam("limit"))
        )
        self._mark_sent = (
            update(outbox)
            .where(outbox.event_id.in_(bindparam("event_ids", expanding=True)))
            .values(published_at=bindparam("now"))
        )

    async def relay(self, limit: int = RELAY_BATCH) -> int:
        """Publish up to `limit` rows not yet published; returns how many were read.

        Rows are marked in one transaction after their publishes, also when a publish fails
        midway (those before it are marked, the rest wait for the next relay).
        """
        async with self._lock:
            return await self._relay(limit)

    async def after_commit(self) -> None:
        """Relay what this caller committed, sharing one relay with the callers alongside it.

        Callers join the next relay that has not read the outbox yet: its read comes after
        their commits, so it publishes their events; its failure is theirs (they are retried).
        """
        if self._next is None:
            self._next = asyncio.ensure_future(self._relay_next())
        await asyncio.shield(self._next)

    def pending_count(self) -> int:
        """How many events wait to be published (for `--once` and readiness)."""
        with unit_of_work(self.sessions) as session:
            count = session.scalar(
                select(func.count())
                .select_from(self.outbox)
                .where(self.outbox.published_at.is_(None))
            )
            return int(count or 0)

    async def _relay_next(self) -> int:
        async with self._lock:
            self._next = None  # callers from now on committed after the read below
            return await self._relay(RELAY_BATCH)

    async def _relay(self, limit: int) -> int:
        rows = await run_sync(self._pending, limit)
        published: list[str] = []
        try:
            for event_id, subject, payload in rows:
                await self.publish(subject, event_id, payload)
                published.append(event_id)
        finally:
            if published:
                await run_sync(self._mark_published, published)
        return len(rows)

    def _pending(self, limit: int) -> list[tuple[str, str, str]]:
        with unit_of_work(self.sessions) as session:
            rows = session.connection().execute(self._select_pending, {"limit": limit})
            return [(event_id, subject, payload) for event_id, subject, payload in rows]

    def _mark_published(self, event_ids: list[str]) -> None:
        with unit_of_work(self.sessions) as session:
            session.connection().execute(
                self._mark_sent, {"event_ids": event_ids, "now": self.clock()}
            )
