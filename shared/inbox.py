"""The inbox: event ids a service has processed, claimed in the transaction of their effect.

A redelivered or replayed event finds its id here and changes nothing, so "at least once"
delivery has its effect once. Each service keeps its own inbox table (`store_inbox`,
`notify_inbox`): the columns come from `InboxColumns`, the table name from the service's model.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.db import UtcDateTime


class InboxColumns:
    """The columns of an inbox table (a declarative mixin: `class X(InboxColumns, Base)`)."""

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject: Mapped[str] = mapped_column(String(200))
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime())


def claim(
    session: Session, inbox: type[InboxColumns], event_id: str, subject: str, now: datetime
) -> bool:
    """Write the inbox row of an event; False if it was processed before (a redelivery or replay).

    The row is flushed at once, so two transactions claiming the same id collide on the primary
    key and one of them rolls back with its effect.
    """
    if session.get(inbox, event_id) is not None:
        return False
    session.add(inbox(event_id=event_id, subject=subject, processed_at=now))  # type: ignore[call-arg]
    session.flush()
    return True
