"""The inbox: event ids a service has processed, claimed in the transaction of their effect.

A redelivered or replayed event finds its id here and changes nothing, so "at least once"
delivery has its effect once. Each service keeps its own inbox table (`store_inbox`,
`notify_inbox`): the columns come from `InboxColumns`, the table name from the service's model.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.db import UtcDateTime, insert_unless_present


class InboxColumns:
    """The columns of an inbox table (a declarative mixin: `class X(InboxColumns, Base)`)."""

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject: Mapped[str] = mapped_column(String(200))
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime())


def claim(
    session: Session, inbox: type[InboxColumns], event_id: str, subject: str, now: datetime
) -> bool:
    """Write the inbox row of an event; False if it was processed before (a redelivery or replay).

    The test and the claim are one statement (`insert_unless_present`): a transaction claiming an
    id that another one claimed but has not committed waits for it; if that one commits, this
    claim finds the row and the event is skipped; if it rolls back, this claim wins.
    """
    return insert_unless_present(
        session,
        inbox,
        {"event_id": event_id, "subject": subject, "processed_at": now},
        key="event_id",
    )
