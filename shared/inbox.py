"""The inbox: event ids a service has processed, claimed in the transaction of their effect.

A redelivered or replayed event finds its id here and changes nothing, so "at least once"
delivery has its effect once. Each service keeps its own inbox table (`store_inbox`,
`notify_inbox`): the columns come from `InboxColumns`, the table name from the service's model.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.dialects import postgresql, sqlite
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

    One `INSERT … ON CONFLICT DO NOTHING` both tests and claims the id: no lookup first and no
    flush of the unit of work (this runs once per event, so it is the pipeline's hot path). A
    transaction claiming an id that another one claimed but has not committed waits for it
    (PostgreSQL's unique index; SQLite has one writer at a time): if that one commits, this claim
    finds the row and the event is skipped; if it rolls back, this claim wins.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # RETURNING says whether the row was written: through the session, PostgreSQL's rowcount is
    # -1 either way, which made every redelivery look new there.
    claimed = session.execute(
        insert(inbox)
        .values(event_id=event_id, subject=subject, processed_at=now)
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(inbox.event_id)
    )
    return claimed.first() is not None
