"""The per-host gate's decisions (pure) and the process-local gate."""

from __future__ import annotations

import asyncio
import time

import pytest

from services.ingest.gate import HostLeases, LocalHostGate, admit, release

pytestmark = pytest.mark.unit


def test_an_empty_host_admits_at_once_and_sets_the_next_start() -> None:
    granted, wait = admit(HostLeases(), "a", now=100.0, min_delay=1.0, max_in_flight=1)
    assert wait == 0.0
    assert granted == HostLeases(next_at=101.0, leases={"a": 100.0 + 120.0})


def test_a_host_in_its_delay_says_how_long_to_wait() -> None:
    record = HostLeases(next_at=101.0, leases={})
    assert admit(record, "b", now=100.25, min_delay=1.0, max_in_flight=1) == (None, 0.75)


def test_a_full_host_waits_for_a_lease_and_polls_for_releases() -> None:
    record = HostLeases(next_at=0.0, leases={"a": 100.1, "b": 160.0})
    granted, wait = admit(record, "c", now=100.0, min_delay=0.0, max_in_flight=2)
    assert granted is None
    assert wait == pytest.approx(0.1)
    # A distant expiry is not slept through: a release by another replica must be noticed.
    granted, wait = admit(
        HostLeases(leases={"a": 160.0}), "c", now=100.0, min_delay=0.0, max_in_flight=1
    )
    assert (granted, wait) == (None, 0.25)


def test_an_expired_lease_of_a_dead_replica_frees_its_slot() -> None:
    record = HostLeases(next_at=50.0, leases={"dead": 99.0})
    granted, wait = admit(record, "c", now=100.0, min_delay=1.0, max_in_flight=1, lease_seconds=5)
    assert wait == 0.0
    assert granted == HostLeases(next_at=101.0, leases={"c": 105.0})


def test_release_drops_the_lease_and_the_expired_ones_and_spaces_from_the_end() -> None:
    record = HostLeases(next_at=101.0, leases={"a": 200.0, "b": 200.0, "old": 50.0})
    # Released early (the answer was quick): the spacing from the start still holds.
    assert release(record, "a", 100.0, 0.5) == HostLeases(next_at=101.0, leases={"b": 200.0})
    # Released late (a slow answer): the next request waits min_delay after the end.
    assert release(record, "a", 103.0, 1.0) == HostLeases(next_at=104.0, leases={"b": 200.0})


@pytest.mark.parametrize("data", [b"", b"not json", b"[1,2]", b'{"leases": 3}', None])
def test_an_unreadable_record_counts_as_empty(data: bytes | None) -> None:
    assert HostLeases.decode(data) == HostLeases()


def test_records_round_trip() -> None:
    record = HostLeases(next_at=12.5, leases={"x": 13.0})
    assert HostLeases.decode(record.encode()) == record


async def test_local_gate_spaces_starts_and_caps_concurrency_per_host() -> None:
    gate = LocalHostGate()
    starts: dict[str, list[float]] = {"a": [], "b": []}
    in_flight = {"a": 0, "b": 0}
    peak = {"a": 0, "b": 0}

    async def request(host: str) -> None:
        async with gate.slot(host, 0.05, 2):
            starts[host].append(time.monotonic())
            in_flight[host] += 1
            peak[host] = max(peak[host], in_flight[host])
            await asyncio.sleep(0.12)
            in_flight[host] -= 1

    began = time.monotonic()
    await asyncio.gather(*(request(h) for h in "ab" for _ in range(4)))
    for host in "ab":
        gaps = [b - a for a, b in zip(starts[host], starts[host][1:], strict=False)]
        assert len(gaps) == 3
        assert min(gaps) >= 0.05 - 0.005
        assert peak[host] == 2
    # Hosts do not wait for each other: both finished in about the time of one.
    assert time.monotonic() - began < 0.6
