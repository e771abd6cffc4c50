"""The deliveries outbox: which rows are due, leasing one for sending, and recording the outcome.

A row moves `pending → sending → sent`, or back to `pending` with a later `next_attempt_at`
after a transient failure, or to `failed` (permanent, or still failing after GIVE_UP_AFTER), or to
`cancelled` (unsubscribed before it went out). Claiming is one conditional UPDATE, so two
senders (replicas) never both claim a row; the claim holds a lease (`lease_owner`,
`lease_until`) longer than a send can take (SEND_TIMEOUT).

A row still `sending` after its lease expired belongs to a sender that died between claiming
and recording. Deliberate choice: such a row is sent again (same Message-ID). The sender may
have died before the server accepted the message (then nothing is duplicated) or after (then the
reader gets a second copy with the same Message-ID, which mail clients can fold). The opposite
choice, giving up on the row, would silently lose an alert, which is the worse failure here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from services.notify import core
from services.notify.db.models import Delivery
from shared.backoff import backoff_delay

RETRY_BACKOFF = (30, 60, 120, 300, 600, 900)  # seconds; then every 15 minutes, for days
GIVE_UP_AFTER = timedelta(days=3)
SEND_TIMEOUT = timedelta(minutes=2)  # hard bound on one send (connect, TLS, login, DATA)
LEASE = timedelta(minutes=5)  # must exceed SEND_TIMEOUT, so a live sender never loses its row


@dataclass(frozen=True)
class Outgoing:
    """A claimed delivery, with what is needed to send it."""

    id: int
    recipient: str
    subject: str
    text: str
    html: str
    message_id: str
    headers: dict[str, str]
    recovered: bool  # claimed from an expired lease: an earlier attempt was interrupted


def enqueue(
    session: Session,
    *,
    subscription_id: int,
    recipient: str,
    alert_id: str,
    kind: str,
    email: core.Email,
    now: datetime,
    domain: str,
) -> Delivery:
    """Add a pending delivery of `email`, due now, with its stable Message-ID.

    (subscription, alert) is unique in the table: a second enqueue of the same alert to the
    same subscription fails the transaction instead of mailing twice.
    """
    delivery = Delivery(
        subscription_id=subscription_id,
        alert_id=alert_id,
        alert_kind=kind,
        message_id=core.message_id(subscription_id, alert_id, domain),
        recipient=recipient,
        subject_line=email.subject,
        body_text=email.text,
        body_html=email.html,
        headers=email.headers,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(delivery)
    return delivery


def _due_condition(now: datetime) -> Any:
    return or_(
        and_(
            Delivery.status == "pending",
            or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
        ),
        and_(Delivery.status == "sending", Delivery.lease_until < now),
    )


def due_ids(session: Session, now: datetime, limit: int) -> list[int]:
    """Rows that may be claimed now, oldest first."""
    return list(
        session.scalars(
            select(Delivery.id).where(_due_condition(now)).order_by(Delivery.id).limit(limit)
        )
    )


def claim(session: Session, delivery_id: int, owner: str, now: datetime) -> Outgoing | None:
    """Lease one row for sending, or None when another sender got it first or it is not due."""
    before = session.get(Delivery, delivery_id)
    if before is None:
        return None
    recovered = before.status == "sending"
    result = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, _due_condition(now))
        .values(
            status="sending",
            lease_owner=owner,
            lease_until=now + LEASE,
            attempts=Delivery.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    session.refresh(before)
    return Outgoing(
        id=before.id,
        recipient=before.recipient,
        subject=before.subject_line,
        text=before.body_text,
        html=before.body_html,
        message_id=before.message_id,
        headers=dict(before.headers or {}),
        recovered=recovered,
    )


def mark_sent(session: Session, delivery_id: int, owner: str, now: datetime) -> bool:
    """Record that the server accepted the message; False if the lease was lost meanwhile."""
    result = session.execute(
        update(Delivery)
        .where(
            Delivery.id == delivery_id,
            Delivery.status == "sending",
            Delivery.lease_owner == owner,
        )
        .values(status="sent", sent_at=now, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def mark_failed(
    session: Session, delivery_id: int, owner: str, now: datetime, error: str, *, permanent: bool
) -> str | None:
    """Record a failed attempt: retry later with backoff, or give up. Returns the new status."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.status != "sending" or delivery.lease_owner != owner:
        return None
    delivery.last_error = error[:2000]
    delivery.lease_until = None
    if permanent or now - delivery.created_at > GIVE_UP_AFTER:
        delivery.status = "failed"
    else:
        delay = backoff_delay(RETRY_BACKOFF, delivery.attempts)
        delivery.status = "pending"
        delivery.next_attempt_at = now + timedelta(seconds=delay)
    return delivery.status


def counts(session: Session) -> dict[str, int]:
    """Deliveries by status."""
    rows = session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all()
    return {status: int(n) for status, n in rows}
