"""Notify's migrations: 0001 → 0002 keeps existing subscriptions and deliveries working."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from services.notify.db.models import Delivery, DigestItem, Subscription
from services.notify.migrate import MIGRATIONS
from shared import migrations
from shared.db import make_engine, session_factory

pytestmark = pytest.mark.integration


def test_upgrade_from_0001_keeps_cli_subscriptions_confirmed(database_url: str) -> None:
    migrations.upgrade(MIGRATIONS, database_url, "0001")
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO subscriptions (email, regions, agencies, kinds, keywords, alerts, mode,"
                " confirmed, active, created_at) VALUES ('a@example.org', '[]', '[]', '[]', '[]',"
                " '[\"new\"]', 'instant', :yes, :yes, :at)"
            ),
            {"yes": True, "at": datetime(2025, 1, 2, 3, 4, 5)},
        )
        conn.execute(
            text(
                "INSERT INTO deliveries (subscription_id, alert_id, alert_kind, message_id,"
                " recipient, subject_line, body_text, body_html, status, attempts, created_at)"
                " VALUES (1, 'x', 'new', '<m@x>', 'a@example.org', 's', 't', 'h', 'pending', 0, :at)"
            ),
            {"at": datetime(2025, 1, 2, 3, 4, 5)},
        )
    migrations.upgrade(MIGRATIONS, database_url)
    migrations.upgrade(MIGRATIONS, database_url)  # idempotent
    sessions = session_factory(engine)
    with sessions() as session:
        sub = session.scalars(select(Subscription)).one()
        assert (sub.origin, sub.confirmed) == ("cli", True)
        assert sub.confirmed_at == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
        delivery = session.scalars(select(Delivery)).one()
        assert (delivery.status, delivery.headers, delivery.lease_until) == ("pending", None, None)
        assert session.scalars(select(DigestItem)).all() == []
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT version_num FROM alembic_version_notify")).scalar() == "0002"
        )
    engine.dispose()
