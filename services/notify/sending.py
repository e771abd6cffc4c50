"""Sending: the due deliveries of the outbox, one SMTP conversation each, outcome recorded.

A row is leased (`outbox.claim`) before the conversation and marked `sent` right after the
server accepts the message. The one window where a crash can still duplicate an email is
between that acceptance and the commit of `sent`; such a row is re-sent when its lease expires,
with the same Message-ID. Marking `sent` is retried for a while for that reason: a database
that blinks then costs a wait, not a second email.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from services.notify import outbox
from services.notify.mailer import Mailer, build_message
from shared.backoff import backoff_delay
from shared.clock import Clock
from shared.db import run_sync, unit_of_work
from shared.errors import PermanentError, TransientError
from shared.logs import log_fields
from shared.metrics import EMAILS_FAILED, EMAILS_SENT

log = logging.getLogger("nianbao.notify")
T = TypeVar("T")
MARK_SENT_RETRIES = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)  # seconds; the database may blink


@dataclass
class Sender:
    """Sends the outbox's due deliveries; one sending pass at a time per process."""

    sessions: sessionmaker[Session]
    clock: Clock
    sender: str
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)
    owner: str = field(default_factory=lambda: uuid.uuid4().hex, init=False)  # lease identity

    async def send_due(self, mailer: Mailer | None, limit: int = 200) -> int:
        """Send the deliveries that are due through `mailer`; returns how many were sent."""
        if mailer is None:
            return 0
        async with self.lock:
            ids = await run_sync(self._in_uow, lambda s: outbox.due_ids(s, self.clock(), limit))
            sent = 0
            for delivery_id in ids:
                outgoing = await run_sync(
                    self._in_uow,
                    lambda s, i=delivery_id: outbox.claim(s, i, self.owner, self.clock()),
                )
                if outgoing is None:
                    continue  # another sender has it, or it was cancelled meanwhile
                fields = log_fields(delivery=delivery_id)
                if outgoing.recovered:
                    log.warning(
                        "re-sending a delivery whose earlier attempt was interrupted "
                        "(a duplicate is possible, with the same Message-ID)",
                        extra=fields,
                    )
                try:
                    await self._send(mailer, outgoing)
                except TransientError as exc:
                    await run_sync(self._failed, delivery_id, str(exc), False)
                    log.warning("mail deferred: %s", exc, extra=fields)
                    break  # the server is down: the others would fail the same way
                except PermanentError as exc:
                    await run_sync(self._failed, delivery_id, str(exc), True)
                    log.warning("mail failed for good: %s", exc, extra=fields)
                    continue
                await self._mark_sent(delivery_id)
                sent += 1
            return sent

    async def _send(self, mailer: Mailer, outgoing: outbox.Outgoing) -> None:
        message = build_message(
            sender=self.sender,
            recipient=outgoing.recipient,
            subject=outgoing.subject,
            text=outgoing.text,
            html=outgoing.html,
            message_id=outgoing.message_id,
            headers=outgoing.headers,
        )
        try:
            await asyncio.wait_for(mailer.send(message), outbox.SEND_TIMEOUT.total_seconds())
        except TimeoutError as exc:
            EMAILS_FAILED.labels("transient").inc()
            raise TransientError("sending took longer than the send timeout") from exc
        except TransientError:
            EMAILS_FAILED.labels("transient").inc()
            raise
        except PermanentError:
            EMAILS_FAILED.labels("permanent").inc()
            raise
        EMAILS_SENT.inc()

    async def _mark_sent(self, delivery_id: int) -> None:
        """Record "sent" at once; retried for a while, because a failure here means a resend."""
        for attempt in itertools.count(1):
            try:
                recorded = await run_sync(
                    self._in_uow,
                    lambda s: outbox.mark_sent(s, delivery_id, self.owner, self.clock()),
                )
            except TransientError:
                if attempt > len(MARK_SENT_RETRIES):
                    raise
                await asyncio.sleep(backoff_delay(MARK_SENT_RETRIES, attempt))
                continue
            if not recorded:
                log.warning("sent, but the lease was lost", extra=log_fields(delivery=delivery_id))
            return

    def _failed(self, delivery_id: int, error: str, permanent: bool) -> None:
        with unit_of_work(self.sessions) as session:
            outbox.mark_failed(
                session, delivery_id, self.owner, self.clock(), error, permanent=permanent
            )

    def _in_uow(self, work: Callable[[Session], T]) -> T:
        with unit_of_work(self.sessions) as session:
            return work(session)

    def counts(self) -> dict[str, int]:
        """Deliveries by status."""
        return self._in_uow(outbox.counts)
