"""Subscriptions: addresses and filters checked, double opt-in, confirming and unsubscribing.

A subscription made on the command line is trusted; one made over HTTP stays unconfirmed until
the link in its confirmation email is followed, and nothing else is mailed to it before then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import email_validator
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from services.notify import core, outbox, rendering, tokens
from services.notify.db.models import Delivery, DigestItem, Subscription
from services.notify.links import LinkSigner
from shared.clock import Clock
from shared.db import unit_of_work
from shared.errors import ConfigurationError
from shared.events import REPORT_KINDS
from shared.regions import regions as region_table

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CONFIRM_VALID = timedelta(days=7)
CONFIRM_INTERVAL = timedelta(hours=1)  # at most one confirmation email per address per hour
MAX_LOCAL_PART = 64  # RFC 5321, 4.5.3.1.1


def validate_email(address: str) -> str:
    """A normalised address (lower-cased, IDN domain as punycode), or ConfigurationError.

    Checked by `email-validator` without DNS: dot-atom addresses as real mailboxes use them;
    quoted local parts, IP literals, non-ASCII local parts (which need SMTPUTF8), control
    characters, consecutive dots and single-label domains are refused.
    """
    try:
        checked = email_validator.validate_email(
            address.strip(), check_deliverability=False, allow_smtputf8=False
        )
    except email_validator.EmailNotValidError as exc:
        raise ConfigurationError(f"not a valid email address ({exc}): {address!r}") from None
    if len(checked.local_part) > MAX_LOCAL_PART:
        raise ConfigurationError(f"not a valid email address (local part too long): {address!r}")
    # Lower-cased whole: local parts are case-sensitive in theory, never in practice, and
    # Reader@ and reader@ as two subscriptions would mail one mailbox twice.
    return f"{checked.local_part.lower()}@{checked.ascii_domain}"


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

    def apply_to(self, sub: Subscription) -> None:
        """Write these filters onto a subscription row."""
        sub.regions = self.regions
        sub.agencies = self.agencies
        sub.kinds = self.kinds
        sub.keywords = self.keywords
        sub.alerts = self.alerts
        sub.mode = self.mode


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


def request_ref(sub: Subscription) -> str:
    """The generation of a subscription request: confirm tokens of earlier ones do not apply."""
    return str((sub.created_at - _EPOCH) // timedelta(microseconds=1))


@dataclass
class Subscriptions:
    """The subscription use cases, bound to notify's database, the link signer and a clock."""

    sessions: sessionmaker[Session]
    clock: Clock
    links: LinkSigner
    mail_domain: str

    def subscribe(self, email: str, filters: Filters) -> Subscription:
        """Create or update the subscription of an address (CLI-made ones are trusted)."""
        address = validate_email(email)
        now = self.clock()
        with unit_of_work(self.sessions) as session:
            sub = session.scalar(select(Subscription).where(Subscription.email == address))
            if sub is None:
                sub = Subscription(email=address, created_at=now)
                session.add(sub)
            elif not sub.active or not sub.confirmed:
                sub.created_at = now
            filters.apply_to(sub)
            sub.origin = "cli"
            sub.active = True
            if not sub.confirmed:
                sub.confirmed = True
                sub.confirmed_at = now
            sub.unsubscribed_at = None
            session.flush()
            return sub

    def request(self, email: str, filters: Filters) -> None:
        """An HTTP subscription: unconfirmed until the link in the confirmation email is followed.

        The answer never says whether the address is known. A confirmed subscription is left as
        it is (a stranger must not change or silence it), and an address gets at most one
        confirmation email per CONFIRM_INTERVAL, so the form cannot be used to flood a mailbox.
        """
        address = validate_email(email)
        if not self.links.public_url:  # checked first: the link cannot be made, nothing to write
            raise ConfigurationError("HTTP subscriptions need NIANBAO_PUBLIC_URL")
        now = self.clock()
        self.links.load_key()
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
            filters.apply_to(sub)
            sub.origin = "http"
            sub.active = True
            sub.confirmed = False
            sub.confirmed_at = None
            sub.unsubscribed_at = None
            session.flush()
            url = self.links.confirm_link(sub, request_ref(sub), now + CONFIRM_VALID)
            if url is None:
                raise ConfigurationError("HTTP subscriptions need NIANBAO_PUBLIC_URL")
            outbox.enqueue(
                session,
                subscription_id=sub.id,
                recipient=sub.email,
                alert_id=f"confirm:{request_ref(sub)}",
                kind="confirm",
                email=rendering.render_confirmation(url, filters.describe()),
                now=now,
                domain=self.mail_domain,
            )

    def confirm(self, token: str) -> bool:
        """Confirm a subscription; False when already confirmed. InvalidToken when not valid."""
        now = self.clock()
        claims = self.links.check(token, "confirm")
        with unit_of_work(self.sessions) as session:
            sub = session.get(Subscription, claims.subscription_id)
            if sub is None or sub.email != claims.email or request_ref(sub) != claims.ref:
                raise tokens.InvalidToken("this confirmation link was replaced or withdrawn")
            if not sub.active:
                raise tokens.InvalidToken("this subscription was cancelled")
            if sub.confirmed:
                return False
            sub.confirmed = True
            sub.confirmed_at = now
            return True

    def unsubscribe_target(self, token: str) -> tokens.TokenClaims:
        """The claims of a valid unsubscribe token naming an existing subscription."""
        claims = self.links.check(token, "unsubscribe")
        with unit_of_work(self.sessions) as session:
            sub = session.get(Subscription, claims.subscription_id)
            if sub is None or sub.email != claims.email:
                raise tokens.InvalidToken("this link belongs to no subscription")
        return claims

    def unsubscribe(self, email: str, subscription_id: int | None = None) -> bool:
        """Deactivate an address's subscription; False if it had none (or it was already off).

        With `subscription_id` (from a link), only that subscription of the address.
        """
        address = validate_email(email)
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

    def active(self) -> list[Subscription]:
        """Every active subscription (including those awaiting confirmation)."""
        with unit_of_work(self.sessions) as session:
            return list(
                session.scalars(
                    select(Subscription)
                    .where(Subscription.active.is_(True))
                    .order_by(Subscription.id)
                )
            )

    def taking_effect_after(self, moment: datetime) -> list[Subscription]:
        """Active subscriptions that took effect after `moment` (a clock played back in time)."""
        with unit_of_work(self.sessions) as session:
            subs = session.scalars(
                select(Subscription)
                .where(Subscription.active.is_(True), Subscription.confirmed.is_(True))
                .order_by(Subscription.id)
            )
            return [sub for sub in subs if (sub.confirmed_at or sub.created_at) > moment]
