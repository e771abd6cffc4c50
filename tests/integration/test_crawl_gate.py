"""Politeness across replicas: two fetchers, each with its own NATS connection, share one host gate.

The fixture portal logs the arrival time of every request, robots.txt included, so the spacing
is measured where it matters: at the portal.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import nats
import pytest
from nats.aio.client import Client

from services.demo_portal.hosts import HostsPortal, Reply, html
from services.ingest.fetcher import PoliteFetcher
from services.ingest.gate import HostGate, LocalHostGate, NatsHostGate
from services.ingest.settings import IngestSettings
from shared.embedded_nats import EmbeddedNats

pytestmark = pytest.mark.integration

HOST = "127.0.0.31"
PAGES = 4  # per replica


@pytest.fixture(scope="module")
def portal() -> Iterator[HostsPortal]:
    with HostsPortal([HOST]) as served:
        for n in range(PAGES * 2):
            served.add(HOST, f"/fast/{n}.html", html(f"<p>{n}</p>"))
            served.add(HOST, f"/slow/{n}.html", Reply(body=b"<p>slow</p>", delay=0.25))
        yield served


@pytest.fixture
async def connections(nats_server: EmbeddedNats) -> AsyncIterator[list[Client]]:
    made = [await nats.connect(nats_server.url) for _ in range(2)]
    yield made
    for nc in made:
        await nc.close()


async def run_replicas(gates: list[HostGate], urls: list[list[str]], **limits: float) -> None:
    settings = IngestSettings(allow_private_networks=True, max_retries=0)
    fetchers = [PoliteFetcher(settings, gate=gate) for gate in gates]
    try:
        await asyncio.gather(
            *(
                fetcher.fetch(url, **limits)  # type: ignore[arg-type]
                for fetcher, mine in zip(fetchers, urls, strict=True)
                for url in mine
            )
        )
    finally:
        for fetcher in fetchers:
            await fetcher.close()


def gaps_since(portal: HostsPortal, start: int) -> list[float]:
    times = [hit.at for hit in portal.requests(HOST)[start:]]
    return [b - a for a, b in itertools.pairwise(times)]


async def test_spacing_holds_across_two_replicas(
    portal: HostsPortal, connections: list[Client]
) -> None:
    gates: list[HostGate] = [NatsHostGate(nc.jetstream()) for nc in connections]
    start = len(portal.requests())
    urls = [
        [portal.url(HOST, f"/fast/{n}.html") for n in range(r * PAGES, (r + 1) * PAGES)]
        for r in range(2)
    ]
    await run_replicas(gates, urls, min_delay=0.2, max_in_flight=1)

    targets = [hit.target for hit in portal.requests(HOST)[start:]]
    # Each replica reads robots.txt once, then its pages: every one of them through the gate.
    assert sorted(targets) == sorted(
        ["/robots.txt"] * 2 + [u[-len("/fast/0.html") :] for r in urls for u in r]
    )
    gaps = gaps_since(portal, start)
    assert len(gaps) == 2 * PAGES + 1
    assert min(gaps) >= 0.2 - 0.01, gaps
    # Both replicas were at work at once: had they run one after the other, the second
    # robots.txt would come after the first replica's pages.
    second_robots = [i for i, t in enumerate(targets) if t == "/robots.txt"][1]
    assert second_robots < 1 + PAGES, targets


async def test_one_in_flight_holds_across_two_replicas(
    portal: HostsPortal, connections: list[Client]
) -> None:
    gates: list[HostGate] = [NatsHostGate(nc.jetstream()) for nc in connections]
    urls = [
        [portal.url(HOST, f"/slow/{n}.html") for n in range(r * 2, r * 2 + 2)] for r in range(2)
    ]
    start = len(portal.requests())
    await run_replicas(gates, urls, min_delay=0.0, max_in_flight=1)
    slow = [hit.at for hit in portal.requests(HOST)[start:] if hit.target.startswith("/slow/")]
    assert len(slow) == 4
    gaps = [b - a for a, b in itertools.pairwise(slow)]
    # A slow answer takes 0.25 s; the next request may only start after it ended.
    assert min(gaps) >= 0.25 - 0.01, gaps


async def test_without_a_shared_gate_the_replicas_would_collide(portal: HostsPortal) -> None:
    """The control: two process-local gates do not see each other (what NATS fixes)."""
    start = len(portal.requests())
    urls = [
        [portal.url(HOST, f"/fast/{n}.html") for n in range(r * 2, r * 2 + 2)] for r in range(2)
    ]
    await run_replicas([LocalHostGate(), LocalHostGate()], urls, min_delay=0.2, max_in_flight=1)
    assert min(gaps_since(portal, start)) < 0.1


async def test_a_dead_replicas_lease_expires(connections: list[Client]) -> None:
    dead = NatsHostGate(connections[0].jetstream(), lease_seconds=0.6)
    alive = NatsHostGate(connections[1].jetstream(), lease_seconds=0.6)
    held = dead.slot("portal.example.gov.cn", 0.0, 1)
    await held.__aenter__()  # and never leaves: the replica died holding its slot
    began = time.monotonic()
    async with alive.slot("portal.example.gov.cn", 0.0, 1):
        waited = time.monotonic() - began
    assert 0.4 <= waited < 2.0


async def test_racing_replicas_lose_writes_and_try_again(connections: list[Client]) -> None:
    gates = [NatsHostGate(nc.jetstream()) for nc in connections]
    entered: list[float] = []

    async def take(gate: NatsHostGate) -> None:
        async with gate.slot("race.example.gov.cn", 0.05, 1):
            entered.append(time.monotonic())

    await asyncio.gather(*(take(gate) for gate in gates for _ in range(5)))
    entered.sort()
    assert len(entered) == 10
    assert min(b - a for a, b in itertools.pairwise(entered)) >= 0.05 - 0.01
    assert sum(g.conflicts for g in gates) >= 1  # the optimistic writes did collide


class CountingBucket:
    """A key-value bucket that counts the calls the gate makes on it."""

    def __init__(self, kv: Any) -> None:
        self.kv = kv
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        self.calls[name] += 1
        return getattr(self.kv, name)


async def test_one_replica_writes_twice_per_request_and_reads_only_when_it_must(
    connections: list[Client],
) -> None:
    gate = NatsHostGate(connections[0].jetstream())
    counting = CountingBucket(await gate._bucket())
    gate._kv = counting
    host = "steady.example.gov.cn"
    for _ in range(5):
        async with gate.slot(host, 0.0, 1):
            pass
    # The first take reads (and creates); after that every change is written against the
    # revision this replica wrote last, with no read.
    assert counting.calls == {"get": 1, "create": 1, "update": 9}

    # Another replica writes in between: the stale write fails, the gate reads and goes on.
    other = NatsHostGate(connections[1].jetstream())
    async with other.slot(host, 0.0, 1):
        pass
    counting.calls.clear()
    async with gate.slot(host, 0.0, 1):
        pass
    assert counting.calls == {"update": 3, "get": 1}
    assert gate.conflicts == 0  # a stale memory is not a lost race

    # The key left the bucket (its TTL): the remembered revision no longer matches anything.
    await counting.kv.purge(NatsHostGate.key(host))
    async with gate.slot(host, 0.0, 1):
        pass
    record, _revision = await gate._read(counting.kv, NatsHostGate.key(host))
    assert record.leases == {}  # taken and released again, nothing left behind
