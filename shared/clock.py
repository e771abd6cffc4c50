"""The one clock: real time, or the `NIANBAO_NOW` override frozen at a chosen moment.

An override is a fixed point in simulated time plus the real time elapsed since the process
started, so that "first seen" timestamps stay ordered while deadlines are judged at the chosen date.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def make_clock(now: datetime | None) -> Clock:
    """A clock starting at `now` (when given) and advancing with real time."""
    if now is None:
        return system_clock
    start = time.monotonic()
    anchored = now if now.tzinfo else now.replace(tzinfo=UTC)

    def simulated() -> datetime:
        return anchored + timedelta(seconds=time.monotonic() - start)

    return simulated


def as_utc(moment: datetime) -> datetime:
    """A timezone-aware datetime, for values that bypass `UtcDateTime` (raw aggregates)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
