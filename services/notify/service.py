"""Notify's event use cases, and the one object that composes notify's parts.

Matching writes one delivery per (subscription, alert) (daily subscribers: one digest item) in
the same transaction as the inbox row of the event, so a replay finds the rows already there and
adds none. Sending is separate (`sending.py`, through the outbox lease of `outbox.py`);
subscriptions, digests, links and rendering each have a module of their own, and
`NotifyService` gives the CLI, the web pages and the runtime one face over them.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from services.notify import core, outbox, rendering, tokens
from services.notify.db.models import Delivery, DigestItem, NotifyInbox, Subscription
from services.notify.digests import DIGEST_HOUR, Digests
from services.notify.links import LinkSigner
from services.notify.mailer import Mailer
from services.notify.sending import Sender
from services.notify.subscriptions import Filters, Subscriptions, clean_filters
from shared import inbox
from shared.clock import Clock
from shared.db import run_sync, unit_of_work
from shared.errors import TransientError
from shared.events import Event, FilingOverdue, FilingRecorded

log = logging.getLogger("nianbao.notify")


def _view(sub: Subscription) -> core.SubscriptionView:
    return core.SubscriptionView(
        id=sub.id,
        email=sub.email,
        created_at=sub.confirmed_at or sub.created_at,
        regions=tuple(sub.regions),
        agencies=tuple(sub.agencies),
        kinds=tuple(sub.kinds),
        keywords=tuple(sub.keywords),
        alerts=tuple(sub.alerts),
        mode=sub.mode,
    )


def _known(session: Session, subscription_id: int, alert_id: str) -> bool:
    """Whether the alert already went (or waits) to this subscription, in either mode."""
    in_deliveries = session.scalar(
        select(Delivery.id).where(
            Delivery.subscription_id == subscription_id, Delivery.alert_id == alert_id
        )
    )
    in_digests = session.scalar(
        select(DigestItem.id).where(
            DigestItem.subscription_id == subscription_id, DigestItem.alert_id == alert_id
        )
    )
    return in_deliveries is not None or in_digests is not None


@dataclass
class NotifyService:
    """Notify's use cases, bound to its database, a mailer and a clock."""

    sessions: sessionmaker[Session]
    mailer: Mailer | None
    clock: Clock
    sender: str = "nianbao@localhost"
    public_url: str | None = None
    secret_key: str | None = None  # unset: a key generated once and kept in the database
    digest_hour: int = DIGEST_HOUR

    def __post_init__(self) -> None:
        domain = self.sender.rpartition("@")[2] or "nianbao.local"
        self.links = LinkSigner(self.sessions, self.clock, self.public_url, self.secret_key)
        self.subscribers = Subscriptions(self.sessions, self.clock, self.links, domain)
        self.digests = Digests(self.sessions, self.clock, self.links, domain, self.digest_hour)
        self.outgoing = Sender(self.sessions, self.clock, self.sender)
        self._domain = domain

    # ---- events -------------------------------------------------------------------------------
    async def handle_filing_recorded(self, event: FilingRecorded) -> None:
        """Queue the emails a newly recorded filing calls for (none for backfill)."""
        await self._handle(event, core.alert_from_recorded(event), "filing.recorded")

    async def handle_filing_overdue(self, event: FilingOverdue) -> None:
        """Queue the emails an overdue obligation calls for."""
        await self._handle(event, core.alert_from_overdue(event), "filing.overdue")

    async def _handle(self, event: Event, alert: core.Alert | None, subject: str) -> None:
        try:
            await run_sync(self._queue, event, alert, subject)
        except IntegrityError as exc:  # another replica queued the same alert concurrently
            raise TransientError(
                f"concurrent queueing: {exc.orig}", event_id=event.event_id
            ) from exc
        # The event's effect is committed; sending now only saves the loop's wait. When another
        # handler is already sending, leave it to that one and the loop: waiting for the lock
        # here would hold this message's ack for as long as the mail server is slow.
        if self.outgoing.lock.locked():
            return
        try:
            await self.send_due()
        except Exception:
            log.exception("sending right after queueing failed; the delivery loop retries")

    def _queue(self, event: Event, alert: core.Alert | None, subject: str) -> int:
        now = self.clock()
        self.links.load_key()
        with unit_of_work(self.sessions) as session:
            if not inbox.claim(session, NotifyInbox, event.event_id, subject, now):
                return 0
            if alert is None:
                return 0
            queued = 0
            for sub in session.scalars(
                select(Subscription).where(
                    Subscription.active.is_(True), Subscription.confirmed.is_(True)
                )
            ):
                if not core.matches(_view(sub), alert) or _known(session, sub.id, alert.alert_id):
                    continue
                if sub.mode == "daily":
                    session.add(
                        DigestItem(
                            subscription_id=sub.id,
                            alert_id=alert.alert_id,
                            day=core.local_day(now),
                            alert=core.alert_to_json(alert),
                            created_at=now,
                        )
                    )
                else:
                    outbox.enqueue(
                        session,
                        subscription_id=sub.id,
                        recipient=sub.email,
                        alert_id=alert.alert_id,
                        kind=alert.kind,
                        email=rendering.render(alert, self.links.links_for(sub)),
                        now=now,
                        domain=self._domain,
                    )
                queued += 1
            return queued

    # ---- subscriptions (subscriptions.py) -----------------------------------------------------
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
        filters = clean_filters(
            regions=regions or (),
            agencies=agencies or (),
            kinds=kinds or (),
            keywords=keywords or (),
            alerts=alerts or (),
            mode=mode,
        )
        return self.subscribers.subscribe(email, filters)

    def request_subscription(self, email: str, filters: Filters) -> None:
        """An HTTP subscription, unconfirmed until its confirmation link is followed."""
        self.subscribers.request(email, filters)

    def confirm(self, token: str) -> bool:
        """Confirm a subscription; False when already confirmed. InvalidToken when not valid."""
        return self.subscribers.confirm(token)

    def unsubscribe_target(self, token: str) -> tokens.TokenClaims:
        """The claims of a valid unsubscribe token naming an existing subscription."""
        return self.subscribers.unsubscribe_target(token)

    def unsubscribe_with_token(self, token: str) -> bool:
        """Unsubscribe the address a token was made for; InvalidToken when not valid."""
        claims = self.subscribers.unsubscribe_target(token)
        return self.subscribers.unsubscribe(claims.email, claims.subscription_id)

    def unsubscribe(self, email: str) -> bool:
        """Deactivate an address's subscription; False if it had none."""
        return self.subscribers.unsubscribe(email)

    def subscriptions(self) -> list[Subscription]:
        """Every active subscription (including those awaiting confirmation)."""
        return self.subscribers.active()

    def subscribed_after(self, moment: datetime) -> list[Subscription]:
        """Active subscriptions that took effect after `moment` (a clock played back in time)."""
        return self.subscribers.taking_effect_after(moment)

    # ---- links, digests, sending --------------------------------------------------------------
    def signing_key(self) -> bytes:
        """The key the email links are signed with."""
        return self.links.signing_key()

    def check_token(self, token: str, purpose: str) -> tokens.TokenClaims:
        """The claims of a valid token (for pages that show a form before acting)."""
        return self.links.check(token, purpose)

    def digest_alerts(self, token: str) -> tuple[str, list[core.Alert]]:
        """The full list behind a digest's "see more" link: (digest key, alerts)."""
        return self.digests.alerts_behind(token)

    def build_digests(self) -> int:
        """Write today's digest for every daily subscriber with alerts from earlier days."""
        return self.digests.build()

    async def send_due(self, limit: int = 200) -> int:
        """Send the deliveries that are due; returns how many were sent."""
        return await self.outgoing.send_due(self.mailer, limit)

    def counts(self) -> dict[str, int]:
        """Deliveries by status."""
        return self.outgoing.counts()

    def pending_count(self) -> int:
        """Deliveries not yet sent nor failed for good."""
        by_status = self.counts()
        return by_status.get("pending", 0) + by_status.get("sending", 0)

    async def run_delivery_loop(self, interval: float = 15.0) -> None:
        """Build digests and send due deliveries forever (cancel to stop).

        Mail outages delay mail, never lose it; an unexpected error is logged and the loop goes on.
        """
        while True:
            try:
                await run_sync(self.build_digests)
                await self.send_due()
            except TransientError as exc:
                log.warning("delivery loop: %s", exc)
            except Exception:
                log.exception("delivery loop: unexpected error")
            await asyncio.sleep(interval)
