"""How long to wait before trying again: one rule for every retry loop and redelivery.

A schedule is a tuple of seconds, one entry per failed attempt, its last entry repeated once the
schedule runs out (so a schedule ends where waiting stops growing). Written as data rather than
as a formula, a schedule reads the same in the code, in a log line and in a test.
"""

from __future__ import annotations

from collections.abc import Sequence


def backoff_delay(schedule: Sequence[float], attempt: int) -> float:
    """Seconds to wait after failed attempt number `attempt` (1 for the first failure).

    Attempts past the end of `schedule` wait its last entry; an attempt below 1 (a count that
    has not started) waits the first. An empty schedule is a programming error.
    """
    if not schedule:
        raise ValueError("a backoff schedule needs at least one delay")
    return float(schedule[max(0, min(attempt - 1, len(schedule) - 1))])
