"""Notify's use cases: subscriptions, turning alert events into deliveries, sending them.

Matching writes one delivery per (subscription, alert) (daily subscribers: one digest item) in
the same transaction as the inbox row of the event, so a replay finds the rows already there and
adds none. Sending is separate and goes through the outbox lease (`outbox.py`): a row is marked
`sending` with a lease before the SMTP conversation and `sent` right after the server accepts
the message. The one window where a crash can still duplicate an email is between that
acceptance and the commit of `sent`; such a row is re-sent when its lease expires, with the same
Message-ID.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from services.notify import core, outbox, tokens
from services.notify.db.models import Delivery, DigestItem, NotifyInbox, NotifyKey, Subscription
from services.notify.mailer import Mailer, build_message
from shared import inbox
from shared.clock import Clock
from shared.db import run_sync, unit_of_work
from shared.errors import ConfigurationError, PermanentError, TransientError
from shared.events import REPORT_KINDS, Event, FilingOverdue, FilingRecorded
from shared.logs import log_fields
from shared.metrics import EMAILS_FAILED, EMAILS_SENT
from shared.regions import regions as region_table

log = logging.getLogger("nianbao.notify")
T = TypeVar("T")

_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_TLD = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CONFIRM_VALID = timedelta(days=7)
CONFIRM_INTERVAL = timedelta(hours=1)  # at most one confirmation email per address per hour
DIGEST_HOUR = 8  # digests of the previous day(s) go out from 08:00 China time
MARK_SENT_RETRIES = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)  # seconds; the database may blink
# Re-exported for callers that knew them here.
RETRY_BACKOFF = outbox.RETRY_BACKOFF
GIVE_UP_AFTER = outbox.GIVE_UP_AFTER


def validate_email(address: str) -> str:
    """A normalised address (lower-cased, IDN domain as punycode), or ConfigurationError.

    Accepts the dot-atom addresses real mailboxes use; refuses quoted local parts, IP literals,
    control characters, consecutive dots and single-label domains.
    """
    raw = address
    address = address.strip()
    problem = None
    if not address or any(ord(c) < 33 or ord(c) == 127 for c in address) or "@" not in address:
        problem = "not an address"
    else:
        local, domain = address.rsplit("@", 1)
        try:
            domain = domain.rstrip(".").encode("idna").decode("ascii").lower()
        except UnicodeError:
            domain = ""
        labels = domain.split(".")
        if not _LOCAL.match(local) or len(local) > 64:
            problem = "bad local part"
        elif len(labels) < 2 or not all(_LABEL.match(lb) for lb in labels):
            problem = "bad domain"
        elif not _TLD.match(labels[-1]) or len(domain) > 253:
            problem = "bad top-level domain"
        elif len(local) + 1 + len(domain) > 254:
            problem = "too long"
        else:
            # Lower-cased whole: local parts are case-sensitive in theory, never in practice, and
            # Reader@ and reader@ as two subscriptions would mail one mailbox twice.
            return f"{local.lower()}@{domain}"
    raise ConfigurationError(f"not a valid email address ({problem}): {raw!r}")


@dataclass(frozen=True)
class Filters:
    """What a subscription asks for, validated; empty lists mean "all"."""

    regions: list[str]
    agencies: list[str]
    kinds: list[str]
    keywords: list[str]
    alerts: list[str]
    mode: str

    def describe(self) -> dict[str, Any]:
        """The filters as the confirmation email shows them."""
        return {
            "regions": [f"{c} {region_table().full_name(c) or ''}".strip() for c in self.regions],
            "agencies": self.agencies,
            "kinds": self.kinds,
            "keywords": self.keywords,
            "alerts": self.alerts,
            "mode": {"instant": "即时", "daily": "每日汇总"}[self.mode],
        }


def clean_filters(
    *,
    regions: Sequence[str] = (),
    agencies: Sequence[str] = (),
    kinds: Sequence[str] = (),
    keywords: Sequence[str] = (),
    alerts: Sequence[str] = (),
    mode: str = "instant",
) -> Filters:
    """Validated filters: regions by code or name (云南省 → 530000), known kinds and alert types."""
    table = region_table() if regions else None
    resolved = [table.resolve(r) for r in regions] if table else []
    bad_kinds = set(kinds) - set(REPORT_KINDS)
    if bad_kinds:
        raise ConfigurationError(f"unknown report kind(s): {sorted(bad_kinds)}")
    wanted = list(dict.fromkeys(a.strip() for a in alerts if a.strip())) or list(core.ALERT_TYPES)
    if set(wanted) - set(core.ALERT_TYPES):
        raise ConfigurationError("alerts are new, overdue or new,overdue")
    if mode not in core.MODES:
        raise ConfigurationError("mode is instant or daily")
    words = [k.strip() for k in keywords if k.strip()]
    for value in [*agencies, *words]:
        if len(value) > 100 or core.header_safe(value, 100) != value:
            raise ConfigurationError(f"invalid filter value {value!r}")
    if max(len(resolved), len(agencies), len(kinds), len(words)) > 50:
        raise ConfigurationError("at most 50 values per filter")
    return Filters(
        regions=list(dict.fromkeys(resolved)),
        agencies=list(dict.fromkeys(agencies)),
        kinds=list(dict.fromkeys(kinds)),
        keywords=list(dict.fromkeys(words)),
        alerts=wanted,
        mode=mode,
    )


def _ref(sub: Subscription) -> str:
    """The generation of a subscription request: confirm tokens of earlier ones do not apply."""
    return str((sub.created_at - _EPOCH) // timedelta(microseconds=1))


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
        self._send_lock = asyncio.Lock()
        self._key: bytes | None = self.secret_key.encode("utf-8") if self.secret_key else None
        self._owner = uuid.uuid4().hex  # this sender's lease identity

    # ---- keys and links -----------------------------------------------------------------------
    def signing_key(self) -> bytes:
        """NIANBAO_SECRET_KEY, or a random key created once in the database (all replicas)."""
        if self._key is None:
            try:
                with unit_of_work(self.sessions) as session:
                    row = session.get(NotifyKey, "signing")
                    if row is None:
                        row = NotifyKey(
                            name="signing", value=secrets.token_urlsafe(48), created_at=self.clock()
                        )
                        session.add(row)
                    value = row.value
            except IntegrityError:  # another replica created it first
                with unit_of_work(self.sessions) as session:
                    value = session.get_one(NotifyKey, "signing").value
            self._key = value.encode("utf-8")
        return self._key

    def _load_key(self) -> None:
        # Before a transaction that signs links: loading the key opens a transaction of its own.
        if self.public_url:
            self.signing_key()

    def _link(self, path: str, token: str) -> str | None:
        if not self.public_url:
            return None
        return f"{self.public_url.rstrip('/')}/{path}?token={token}"

    def _links(self, sub: Subscription, digest_key: str | None = None) -> core.Links:
        if not self.public_url:
            return core.Links()
        key = self.signing_key()
        unsubscribe = self._link("unsubscribe", tokens.sign(key, "unsubscribe", sub.email, sub.id))
        see_more = None
        if digest_key:
            see_more = self._link(
                "digest", tokens.sign(key, "digest", sub.email, sub.id, ref=digest_key)
            )
        return core.Links(unsubscribe=unsubscribe, see_more=see_more)

    def _domain(self) -> str:
        return self.sender.rpartition("@")[2] or "nianbao.local"

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
        filters = clean_filters(
            regions=regions or (),
            agencies=agencies or (),
            kinds=kinds or (),
            keywords=keywords or (),
            alerts=alerts or (),
            mode=mode,
        )
        now = self.clock()
        with unit_of_work(self.sessions) as session:
            sub = session.scalar(select(Subscription).where(Subscription.email == address))
            if sub is None:
                sub = Subscription(email=address, created_at=now)
                session.add(sub)
            elif not sub.active or not sub.confirmed:
                sub.created_at = now
            self._apply(sub, filters)
            sub.origin = "cli"
            sub.active = True
            if not sub.confirmed:
                sub.confirmed = True
                sub.confirmed_at = now
            sub.unsubscribed_at = None
            session.flush()
            return sub

    @staticmethod
    def _apply(sub: Subscription, filters: Filters) -> None:
        sub.regions = filters.regions
        sub.agencies = filters.agencies
        sub.kinds = filters.kinds
        sub.keywords = filters.keywords
        sub.alerts = filters.alerts
        sub.mode = filters.mode

    def request_subscription(self, email: str, filters: Filters) -> None:
        """An HTTP subscription: unconfirmed until the link in the confirmation email is followed.

        The answer never says whether the address is known. A confirmed subscription is left as
        it is (a stranger must not change or silence it), and an address gets at most one
        confirmation email per CONFIRM_INTERVAL, so the form cannot be used to flood a mailbox.
        """
        address = validate_email(email)
        if not self.public_url:  # checked first: the link cannot be made, nothing to write
            raise ConfigurationError("HTTP subscriptions need NIANBAO_PUBLIC_URL")
        now = self.clock()
        self._load_key()
        with unit_of_work(self.sessions) as session:
            sub = session.scalar(select(Subscription).where(Subscription.email == address))
            if sub is not None and sub.active and sub.confirmed:
                return
            if sub is not None:
                recent = session.scalar(
                    select(Delivery.id).where(
                        Delivery.subscription_id == sub.id,
                        Delivery.alert_kind == "confirm",
                        Delivery.created_at > now - CONFIRM_INTERVAL,
                    )
                )
                if recent is not None:
                    return
            else:
                sub = Subscription(email=address, created_at=now)
                session.add(sub)
            sub.created_at = now
            self._apply(sub, filters)
            sub.origin = "http"
            sub.active = True
            sub.confirmed = False
            sub.confirmed_at = None
            sub.unsubscribed_at = None
            session.flush()
            token = tokens.sign(
                self.signing_key(),
                "confirm",
                sub.email,
                sub.id,
                ref=_ref(sub),
                expires=now + CONFIRM_VALID,
            )
            url = self._link("confirm", token)
            if url is None:
                raise ConfigurationError("HTTP subscriptions need NIANBAO_PUBLIC_URL")
            email_ = core.render_confirmation(url, filters.describe())
            alert_id = f"confirm:{_ref(sub)}"
            session.add(
                self._delivery(sub.id, sub.email, alert_id, "confirm", email_, now, headers={})
            )

    def confirm(self, token: str) -> bool:
        """Confirm a subscription; False when already confirmed. InvalidToken when not valid."""
        now = self.clock()
        claims = tokens.verify(self.signing_key(), token, "confirm", now)
        with unit_of_work(self.sessions) as session:
            sub = session.get(Subscription, claims.subscription_id)
            if sub is None or sub.email != claims.email or _ref(sub) != claims.ref:
                raise tokens.InvalidToken("this confirmation link was replaced or withdrawn")
            if not sub.active:
                raise tokens.InvalidToken("this subscription was cancelled")
            if sub.confirmed:
                return False
            sub.confirmed = True
            sub.confirmed_at = now
            return True

    def check_token(self, token: str, purpose: str) -> tokens.TokenClaims:
        """The claims of a valid token (for pages that show a form before acting)."""
        return tokens.verify(self.signing_key(), token, purpose, self.clock())

    def unsubscribe_target(self, token: str) -> tokens.TokenClaims:
        """The claims of a valid unsubscribe token naming an existing subscription."""
        claims = self.check_token(token, "unsubscribe")
        with unit_of_work(self.sessions) as session:
            sub = session.get(Subscription, claims.subscription_id)
            if sub is None or sub.email != claims.email:
                raise tokens.InvalidToken("this link belongs to no subscription")
        return claims

    def unsubscribe_with_token(self, token: str) -> bool:
        """Unsubscribe the address a token was made for; InvalidToken when not valid."""
        claims = self.unsubscribe_target(token)
        return self._unsubscribe(claims.email, claims.subscription_id)

    def unsubscribe(self, email: str) -> bool:
        """Deactivate an address's subscription; False if it had none."""
        return self._unsubscribe(validate_email(email), None)

    def _unsubscribe(self, address: str, subscription_id: int | None) -> bool:
        now = self.clock()
        with unit_of_work(self.sessions) as session:
            sub = session.scalar(select(Subscription).where(Subscription.email == address))
            if sub is None or (subscription_id is not None and sub.id != subscription_id):
                return False
            if not sub.active:
                return False
            sub.active = False
            sub.unsubscribed_at = now
            # Nothing more goes out: mail still waiting is cancelled, digest items dropped.
            session.execute(
                update(Delivery)
                .where(Delivery.subscription_id == sub.id, Delivery.status == "pending")
                .values(status="cancelled")
            )
            session.execute(
                delete(DigestItem).where(
                    DigestItem.subscription_id == sub.id, DigestItem.delivery_id.is_(None)
                )
            )
            return True

    def subscriptions(self) -> list[Subscription]:
        """Every active subscription (including those awaiting confirmation)."""
        with unit_of_work(self.sessions) as session:
            return list(
                session.scalars(
                    select(Subscription)
                    .where(Subscription.active.is_(True))
                    .order_by(Subscription.id)
                )
            )

    def subscribed_after(self, moment: datetime) -> list[Subscription]:
        """Active subscriptions that took effect after `moment` (a clock played back in time)."""
        with unit_of_work(self.sessions) as session:
            subs = session.scalars(
                select(Subscription)
                .where(Subscription.active.is_(True), Subscription.confirmed.is_(True))
                .order_by(Subscription.id)
            )
            return [sub for sub in subs if (sub.confirmed_at or sub.created_at) > moment]

    def digest_alerts(self, token: str) -> tuple[str, list[core.Alert]]:
        """The full list behind a digest's "see more" link: (digest key, alerts)."""
        claims = self.check_token(token, "digest")
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

    # ---- events -------------------------------------------------------------------------------
    async def handle_filing_recorded(self, event: FilingRecorded) -> None:
        """Queue the emails a newly recorded filing calls for (none for backfill)."""
        alert = core.alert_from_recorded(event)
        await self._handle(event, alert, "filing.recorded")

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
        if self._send_lock.locked():
            return
        try:
            await self.send_due()
        except Exception:
            log.exception("sending right after queueing failed; the delivery loop retries")

    def _queue(self, event: Event, alert: core.Alert | None, subject: str) -> int:
        now = self.clock()
        self._load_key()
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
                view = core.SubscriptionView(
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
                if not core.matches(view, alert) or self._known(session, sub.id, alert.alert_id):
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
                    email = core.render(alert, self._links(sub))
                    session.add(
                        self._delivery(sub.id, sub.email, alert.alert_id, alert.kind, email, now)
                    )
                queued += 1
            return queued

    @staticmethod
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

    def _delivery(
        self,
        subscription_id: int,
        recipient: str,
        alert_id: str,
        kind: str,
        email: core.Email,
        now: datetime,
        headers: dict[str, str] | None = None,
    ) -> Delivery:
        return Delivery(
            subscription_id=subscription_id,
            alert_id=alert_id,
            alert_kind=kind,
            message_id=core.message_id(subscription_id, alert_id, self._domain()),
            recipient=recipient,
            subject_line=email.subject,
            body_text=email.text,
            body_html=email.html,
            headers=email.headers if headers is None else headers,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )

    # ---- digests ------------------------------------------------------------------------------
    def build_digests(self) -> int:
        """Write today's digest for every daily subscriber with alerts from earlier days.

        A digest is one delivery keyed (subscription, `digest:<day>`), so there is at most one a
        day; it takes every item queued before today that no digest lists yet, in the same
        transaction. An item that arrives late for a digest already built waits for the next.
        """
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
                built += self._build_digest(subscription_id, today, now)
            except IntegrityError:
                log.info("digest already built by another replica", extra=log_fields())
        return built

    def _build_digest(self, subscription_id: int, today: Any, now: datetime) -> int:
        key = core.digest_alert_id(today)
        self._load_key()
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
            email = core.render_digest(day, alerts, self._links(sub, key), region_table().full_name)
            delivery = self._delivery(sub.id, sub.email, key, "digest", email, now)
            session.add(delivery)
            session.flush()
            for item in items:
                item.delivery_id = delivery.id
            return 1

    # ---- sending ------------------------------------------------------------------------------
    async def send_due(self, limit: int = 200) -> int:
        """Send the deliveries that are due; returns how many were sent."""
        if self.mailer is None:
            return 0
        async with self._send_lock:
            ids = await run_sync(self._in_uow, lambda s: outbox.due_ids(s, self.clock(), limit))
            sent = 0
            for delivery_id in ids:
                outgoing = await run_sync(
                    self._in_uow,
                    lambda s, i=delivery_id: outbox.claim(s, i, self._owner, self.clock()),
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
                    await self._send(outgoing)
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

    async def _send(self, outgoing: outbox.Outgoing) -> None:
        assert self.mailer is not None
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
            await asyncio.wait_for(self.mailer.send(message), outbox.SEND_TIMEOUT.total_seconds())
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
        for delay in (*MARK_SENT_RETRIES, None):
            try:
                recorded = await run_sync(
                    self._in_uow,
                    lambda s: outbox.mark_sent(s, delivery_id, self._owner, self.clock()),
                )
            except TransientError:
                if delay is None:
                    raise
                await asyncio.sleep(delay)
                continue
            if not recorded:
                log.warning("sent, but the lease was lost", extra=log_fields(delivery=delivery_id))
            return

    def _failed(self, delivery_id: int, error: str, permanent: bool) -> None:
        with unit_of_work(self.sessions) as session:
            outbox.mark_failed(
                session, delivery_id, self._owner, self.clock(), error, permanent=permanent
            )

    def _in_uow(self, work: Callable[[Session], T]) -> T:
        with unit_of_work(self.sessions) as session:
            return work(session)

    def pending_count(self) -> int:
        """Deliveries not yet sent nor failed for good."""
        by_status = self.counts()
        return by_status.get("pending", 0) + by_status.get("sending", 0)

    def counts(self) -> dict[str, int]:
        """Deliveries by status."""
        return self._in_uow(outbox.counts)

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
