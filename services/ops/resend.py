"""`replay --service notify --resend`: send again the emails that replayed alerts already caused.

Re-sending is never a side effect: it needs the explicit flag, it goes to the recipients of the
existing deliveries only (no subscriber who did not get the alert the first time), and each
delivery is re-sent at most once per replay run: only deliveries sent before the run started are
put back in the queue, and the re-sent copy gets a Message-ID of its own (the same one would be
folded into the first copy by mail clients).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from services.notify import core
from services.notify.db.models import Delivery
from shared.clock import Clock
from shared.consume import Route
from shared.db import run_sync, unit_of_work
from shared.events import FILING_OVERDUE, FILING_RECORDED, FilingOverdue, FilingRecorded


def alert_id_of(event: Any) -> str | None:
    """The alert an input event of notify raises (None: a backfill filing raises none)."""
    if isinstance(event, FilingRecorded):
        alert = core.alert_from_recorded(event)
        return alert.alert_id if alert else None
    if isinstance(event, FilingOverdue):
        return core.alert_from_overdue(event).alert_id
    return None


def requeue_sent(
    sessions: sessionmaker[Session], alert_id: str, run_id: str, started: datetime, now: datetime
) -> int:
    """Put the deliveries of an alert sent before `started` back in the queue; returns how many."""
    with unit_of_work(sessions) as session:
        rows = session.scalars(
            select(Delivery).where(
                Delivery.alert_id == alert_id,
                Delivery.status == "sent",
                Delivery.sent_at < started,
            )
        ).all()
        for delivery in rows:
            delivery.status = "pending"
            delivery.next_attempt_at = now
            delivery.message_id = core.message_id(
                delivery.subscription_id, f"{alert_id}:resend:{run_id}"
            )
        return len(rows)


def resending_routes(
    routes: Mapping[str, Route],
    sessions: sessionmaker[Session],
    send_due: Callable[[], Awaitable[int]],
    clock: Clock,
    run_id: str,
    counter: list[int],
) -> dict[str, Route]:
    """Notify's routes, each followed by re-queuing the alert's earlier deliveries and sending."""
    started = clock()

    def wrap(route: Route) -> Route:
        async def handle(event: Any) -> None:
            await route.handle(event)  # an event never processed is matched and queued as usual
            alert_id = alert_id_of(event)
            if alert_id is None:
                return
            counter[0] += await run_sync(requeue_sent, sessions, alert_id, run_id, started, clock())
            await send_due()

        return Route(route.model, handle)

    return {
        subject: wrap(route) if subject in (FILING_RECORDED, FILING_OVERDUE) else route
        for subject, route in routes.items()
    }
