"""`backoff_delay`: a schedule's entry per failed attempt, its last entry from then on."""

from __future__ import annotations

import pytest

from shared.backoff import backoff_delay

pytestmark = pytest.mark.unit

SCHEDULE = (1.0, 2.0, 4.0, 30.0)


@pytest.mark.parametrize(
    ("attempt", "delay"),
    [(1, 1.0), (2, 2.0), (3, 4.0), (4, 30.0), (5, 30.0), (1000, 30.0), (0, 1.0), (-3, 1.0)],
)
def test_each_attempt_waits_its_entry_then_the_last(attempt: int, delay: float) -> None:
    assert backoff_delay(SCHEDULE, attempt) == delay


def test_integer_schedules_give_seconds_as_floats() -> None:
    delay = backoff_delay((30, 60), 2)
    assert delay == 60.0
    assert isinstance(delay, float)


def test_an_empty_schedule_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one delay"):
        backoff_delay((), 1)
