"""Notify's tables: subscriptions, the deliveries outbox, digest items, and its inbox.

A delivery row exists once per (subscription, alert) (for a digest: per (subscription, day)): it
is written before any attempt to send, so neither a replay nor a crash can make a second one.
A daily subscriber's alert is a digest item (unique per (subscription, alert)) until the digest
that lists it is written; the item then points at that digest's delivery.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import NAMING_CONVENTION, UtcDateTime
from shared.inbox import InboxColumns


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class NotifyInbox(InboxColumns, Base):
    """An alert event notify has processed (matched and queued)."""

    __tablename__ = "notify_inbox"


class Subscription(Base):
    """Who wants which alerts: filters are lists, empty meaning "all"."""

    __tablename__ = "subscriptions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    regions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    agencies: Mapped[list[Any]] = mapped_column(JSON, default=list)
    kinds: Mapped[list[Any]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[Any]] = mapped_column(JSON, default=list)
    alerts: Mapped[list[Any]] = mapped_column(JSON, default=list)  # new, overdue
    mode: Mapped[str] = mapped_column(String(10), default="instant")
    confirmed: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    origin: Mapped[str] = mapped_column(
        String(10), default="cli", server_default="cli"
    )  # cli | http
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Delivery(Base):
    """One email for one (subscription, alert): the outbox of notify."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("subscription_id", "alert_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    alert_id: Mapped[str] = mapped_column(String(64), index=True)
    alert_kind: Mapped[str] = mapped_column(String(20))  # new | overdue | correction
    message_id: Mapped[str] = mapped_column(String(200))
    recipient: Mapped[str] = mapped_column(String(320))
    subject_line: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # pending | sending (leased by one sender until lease_until) | sent | failed | cancelled
    status: Mapped[str] = mapped_column(String(20), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    headers: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # List-Unsubscribe and the like
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(32))


class DigestItem(Base):
    """One alert waiting for (or listed in) a daily subscriber's digest."""

    __tablename__ = "digest_items"
    __table_args__ = (UniqueConstraint("subscription_id", "alert_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    alert_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)  # the day (China time) the alert was queued
    alert: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id"), index=True)


class NotifyKey(Base):
    """A signing key generated once when NIANBAO_SECRET_KEY is unset (shared by replicas)."""

    __tablename__ = "notify_keys"
    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
