"""Notify's use cases: turn alert events into delivery rows, then send the rows.

Matching writes one delivery per (subscription, alert) in the same transaction as the inbox row
of the event, so a replay finds the rows already there and adds none. Sending is separate: a
delivery is marked sent right after the SMTP server accepts it. The one window where a crash can
still duplicate a message is between that acceptance and the commit of "sent" (milliseconds); the
stable Message-ID lets mail clients fold such a duplicate.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from services.notify import core
from services.notify.db.models import Delivery, NotifyInbox, Subscription
from services.notify.mailer import Mailer, build_message
from shared.clock import Clock, as_utc
from shared.db import run_sync, unit_of_work
from shared.errors import ConfigurationError, PermanentError, TransientError
from shared.events import Event, FilingOverdue, FilingRecorded
from shared.logs import log_fields

log = logging.getLogger("nianbao.notify")

EMAIL_PATTERN = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
RETRY_BACKOFF = (30, 60, 120, 300, 600, 900)  # seconds; then every 15 minutes, for days
GIVE_UP_AFTER = timedelta(days=3)


def validate_email(address: str) -> str:
    """A normalised address, or ConfigurationError saying why it is not one."""
    address = address.strip()
    if len(address) > 254 or not EMAIL_PATTERN.match(address) or any(c in address for c in "\r\n"):
        raise ConfigurationError(f"not a valid email address: {address!r}")
    local, domain = address.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


@dataclass
class NotifyService:
    """Notify's use cases, bound to its database, a mailer and a clock."""

    sessions: sessionmaker[Session]
    mailer: Mailer | None
    clock: Clock
    sender: str = "nianbao@localhost"
    public_url: str | None = None

    def __post_init__(self) -> None:
        self._send_lock = asyncio.Lock()

    # ---- subscriptions ------------------------------------------------------------------------
    def subscribe(
        self,
        email: str,
        *,
        regions: list[str] | None = None,
        agencies: list[str] | None = None,
        kinds: list[str] | None = None,
        keywords: list[str] | None = None,
        alerts: list[str] | None = None,
        mode: str = "instant",
    ) -> Subscription:
        """Create or update the subscription of an address (CLI-made ones are trusted)."""
        address = validate_email(email)
        with unit_of_work(self.sessions) as session:
            sub = session.scalar(select(Subscription).where(Subscription.email == address))
            if sub is None:
                sub = Subscription(email=address, created_at=self.clock())
                session.add(sub)
            elif not sub.active:
                sub.created_at = self.clock()
            sub.regions = regions or []
            sub.agencies = agencies or []
            sub.kinds = kinds or []
            sub.keywords = keywords or []
            sub.alerts = alerts or ["new", "overdue"]
            sub.mode = mode
            sub.active = True
            sub.confirmed = True
            sub.unsubscribed_at = None
            session.flush()
            return sub

    def unsubscribe(self, email: str) -> bool:
        """Deactivate an address's subscription; False if it had none."""
        address = validate_email(email)
        with unit_of_work(self.sessions) as session:
            sub = session.scalar(select(Subscription).where(Subscription.email == address))
            if sub is None or not sub.active:
                return False
            sub.active = False
            sub.unsubscribed_at = self.clock()
            return True

    def subscriptions(self) -> list[Subscription]:
        """Every active subscription."""
        with unit_of_work(self.sessions) as session:
            return list(
                session.scalars(
                    select(Subscription)
                    .where(Subscription.active.is_(True))
                    .order_by(Subscription.id)
                )
            )

    # ---- events -------------------------------------------------------------------------------
    async def handle_filing_recorded(self, event: FilingRecorded) -> None:
        """Queue the emails a newly recorded filing calls for (none for backfill)."""
        await run_sync(
            lambda: self._queue(event, core.alert_from_recorded(event), "filing.recorded")
        )
        await self.send_due()

    async def handle_filing_overdue(self, event: FilingOverdue) -> None:
        """Queue the emails an overdue obligation calls for."""
        await run_sync(lambda: self._queue(event, core.alert_from_overdue(event), "filing.overdue"))
        await self.send_due()

    def _queue(self, event: Event, alert: core.Alert | None, subject: str) -> int:
        now = self.clock()
        with unit_of_work(self.sessions) as session:
            if session.get(NotifyInbox, event.event_id) is not None:
                return 0
            session.add(NotifyInbox(event_id=event.event_id, subject=subject, processed_at=now))
            if alert is None:
                return 0
            queued = 0
            for sub in session.scalars(
                select(Subscription).where(
                    Subscription.active.is_(True), Subscription.confirmed.is_(True)
                )
            ):
                view = core.SubscriptionView(
                    id=sub.id,
                    email=sub.email,
                    created_at=as_utc(sub.created_at),
                    regions=tuple(sub.regions),
                    agencies=tuple(sub.agencies),
                    kinds=tuple(sub.kinds),
                    keywords=tuple(sub.keywords),
                    alerts=tuple(sub.alerts),
                )
                if not core.matches(view, alert):
                    continue
                exists = session.scalar(
                    select(Delivery.id).where(
                        Delivery.subscription_id == sub.id, Delivery.alert_id == alert.alert_id
                    )
                )
                if exists is not None:
                    continue
                unsubscribe = (
                    f"{self.public_url.rstrip('/')}/unsubscribe?email={sub.email}"
                    if self.public_url
                    else None
                )
                email = core.render(alert, unsubscribe)
                session.add(
                    Delivery(
                        subscription_id=sub.id,
                        alert_id=alert.alert_id,
                        alert_kind=alert.kind,
                        message_id=core.message_id(sub.id, alert.alert_id),
                        recipient=sub.email,
                        subject_line=email.subject,
                        body_text=email.text,
                        body_html=email.html,
                        status="pending",
                        attempts=0,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
                queued += 1
            return queued

    # ---- sending ------------------------------------------------------------------------------
    async def send_due(self, limit: int = 200) -> int:
        """Send the deliveries that are due; returns how many were sent."""
        if self.mailer is None:
            return 0
        async with self._send_lock:
            due = await run_sync(lambda: self._due(limit))
            sent = 0
            for delivery_id, recipient, subject, text, html_body, msg_id in due:
                message = build_message(
                    sender=self.sender,
                    recipient=recipient,
                    subject=subject,
                    text=text,
                    html=html_body,
                    message_id=msg_id,
                    headers={},
                )
                try:
                    await self.mailer.send(message)
                except TransientError as exc:
                    await run_sync(self._failed, delivery_id, str(exc), permanent=False)
                    log.warning("mail deferred: %s", exc, extra=log_fields(delivery=delivery_id))
                    break  # the server is down: the others would fail the same way
                except PermanentError as exc:
                    await run_sync(self._failed, delivery_id, str(exc), permanent=True)
                    log.warning(
                        "mail failed for good: %s", exc, extra=log_fields(delivery=delivery_id)
                    )
                    continue
                await run_sync(self._sent, delivery_id)
                sent += 1
            return sent

    def _due(self, limit: int) -> list[tuple[int, str, str, str, str, str]]:
        now = self.clock()
        with unit_of_work(self.sessions) as session:
            rows = session.scalars(
                select(Delivery)
                .where(Delivery.status == "pending")
                .order_by(Delivery.id)
                .limit(limit)
            ).all()
            return [
                (d.id, d.recipient, d.subject_line, d.body_text, d.body_html, d.message_id)
                for d in rows
                if d.next_attempt_at is None or as_utc(d.next_attempt_at) <= now
            ]

    def _sent(self, delivery_id: int) -> None:
        with unit_of_work(self.sessions) as session:
            delivery = session.get(Delivery, delivery_id)
            if delivery is not None:
                delivery.status = "sent"
                delivery.sent_at = self.clock()
                delivery.attempts += 1

    def _failed(self, delivery_id: int, error: str, *, permanent: bool) -> None:
        now = self.clock()
        with unit_of_work(self.sessions) as session:
            delivery = session.get(Delivery, delivery_id)
            if delivery is None:
                return
            delivery.attempts += 1
            delivery.last_error = error[:2000]
            if permanent or now - as_utc(delivery.created_at) > GIVE_UP_AFTER:
                delivery.status = "failed"
                return
            delay = RETRY_BACKOFF[min(delivery.attempts - 1, len(RETRY_BACKOFF) - 1)]
            delivery.next_attempt_at = now + timedelta(seconds=delay)

    def pending_count(self) -> int:
        """Deliveries not yet sent nor failed for good."""
        with unit_of_work(self.sessions) as session:
            return int(
                session.scalar(
                    select(func.count()).select_from(Delivery).where(Delivery.status == "pending")
                )
                or 0
            )

    def counts(self) -> dict[str, int]:
        """Deliveries by status."""
        with unit_of_work(self.sessions) as session:
            rows = session.execute(
                select(Delivery.status, func.count()).group_by(Delivery.status)
            ).all()
            return {status: int(n) for status, n in rows}

    async def run_delivery_loop(self, interval: float = 15.0) -> None:
        """Retry due deliveries forever (cancel to stop): mail outages delay mail, never lose it."""
        while True:
            try:
                await self.send_due()
            except TransientError as exc:
                log.warning("delivery loop: %s", exc)
            await asyncio.sleep(interval)
