"""Daily digests: the items a daily subscriber collected, sent as one email a day.

A digest is one delivery keyed (subscription, `digest:<day>`), so there is at most one a day; it
takes, in one transaction, every item queued before today that no digest lists yet. An item that
arrives late for a digest already built waits for the next one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from services.notify import core, outbox, rendering, tokens
from services.notify.db.models import Delivery, DigestItem, Subscription
from services.notify.links import LinkSigner
from shared.clock import Clock
from shared.db import unit_of_work
from shared.logs import log_fields
from shared.regions import regions as region_table

log = logging.getLogger("nianbao.notify")
DIGEST_HOUR = 8  # digests of the previous day(s) go out from 08:00 China time


@dataclass
class Digests:
    """Building digests and showing the full list behind a digest's "see more" link."""

    sessions: sessionmaker[Session]
    clock: Clock
    links: LinkSigner
    mail_domain: str
    digest_hour: int = DIGEST_HOUR

    def build(self) -> int:
        """Write today's digest for every daily subscriber with alerts from earlier days."""
        now = self.clock()
        today = core.local_day(now)
        if now.astimezone(core.CHINA_TIME).hour < self.digest_hour:
            return 0
        with unit_of_work(self.sessions) as session:
            waiting = sorted(
                set(
                    session.scalars(
                        select(DigestItem.subscription_id).where(
                            DigestItem.delivery_id.is_(None), DigestItem.day < today
                        )
                    )
                )
            )
        built = 0
        for subscription_id in waiting:
            try:
                built += self._build_one(subscription_id, today, now)
            except IntegrityError:
                log.info("digest already built by another replica", extra=log_fields())
        return built

    def _build_one(self, subscription_id: int, today: date, now: datetime) -> int:
        key = core.digest_alert_id(today)
        self.links.load_key()
        with unit_of_work(self.sessions) as session:
            sub = session.get(Subscription, subscription_id)
            if sub is None or not sub.active:
                return 0
            exists = session.scalar(
                select(Delivery.id).where(
                    Delivery.subscription_id == sub.id, Delivery.alert_id == key
                )
            )
            if exists is not None:
                return 0
            items = list(
                session.scalars(
                    select(DigestItem)
                    .where(
                        DigestItem.subscription_id == sub.id,
                        DigestItem.delivery_id.is_(None),
                        DigestItem.day < today,
                    )
                    .order_by(DigestItem.id)
                )
            )
            if not items:
                return 0
            alerts = [core.alert_from_json(i.alert) for i in items]
            day = max(i.day for i in items)
            email = rendering.render_digest(
                day, alerts, self.links.links_for(sub, key), region_table().full_name
            )
            delivery = outbox.enqueue(
                session,
                subscription_id=sub.id,
                recipient=sub.email,
                alert_id=key,
                kind="digest",
                email=email,
                now=now,
                domain=self.mail_domain,
            )
            session.flush()
            for item in items:
                item.delivery_id = delivery.id
            return 1

    def alerts_behind(self, token: str) -> tuple[str, list[core.Alert]]:
        """The full list behind a digest's "see more" link: (digest key, alerts)."""
        claims = self.links.check(token, "digest")
        with unit_of_work(self.sessions) as session:
            delivery = session.scalar(
                select(Delivery).where(
                    Delivery.subscription_id == claims.subscription_id,
                    Delivery.alert_id == claims.ref,
                    Delivery.recipient == claims.email,
                )
            )
            if delivery is None:
                raise tokens.InvalidToken("no such digest")
            items = session.scalars(
                select(DigestItem)
                .where(DigestItem.delivery_id == delivery.id)
                .order_by(DigestItem.id)
            )
            return claims.ref, [core.alert_from_json(i.alert) for i in items]
