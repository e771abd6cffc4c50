"""Faults, with the four services as separate processes: nothing lost, nothing duplicated.

Each scenario crawls a generated portal (history first: recorded, never mailed), then publishes
one new report per agency while something breaks: services killed with SIGKILL at random
moments, nats-server stopped and restarted, the database cut off, the mail server down for most
of the run. At the end every report is stored exactly once, every alert mailed exactly once
(outside the documented window: a crash between the SMTP server's acceptance and the commit of
"sent", which can only repeat a message with the same Message-ID), nothing is pending or
unacknowledged, and there is no dead letter. `NIANBAO_SOAK=N` makes every phase N times longer.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shared.embedded_nats import EmbeddedNats
from tests.conftest import POSTGRES_URL
from tests.faults.harness import SERVICES, SOAK, Cluster, TcpProxy, wait_for
from tests.faults.portal import GeneratedPortal, PortalServer
from tests.smtp import SmtpServer

pytestmark = [pytest.mark.integration, pytest.mark.faults]

AGENCIES = int(20 * SOAK)
SETTLE_TIMEOUT = 240 * SOAK


@pytest.fixture
async def world(
    tmp_path: Path, database_url: str
) -> AsyncIterator[tuple[Cluster, GeneratedPortal, TcpProxy | None]]:
    portal = GeneratedPortal.build(AGENCIES, range(2021, 2024))
    server = PortalServer(portal)
    base_url = server.start()
    sources = tmp_path / "sources.yaml"
    sources.write_text(portal.sources_yaml(base_url, interval_hours=0.004), encoding="utf-8")
    nats_server = EmbeddedNats(tmp_path / "nats")
    nats_server.start()
    proxy = None
    services_url = database_url
    if database_url.startswith("postgresql"):
        from sqlalchemy.engine import make_url

        url = make_url(database_url)
        proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
        await proxy.start()
        services_url = database_url.replace(
            f"{url.host}:{url.port or 5432}", f"127.0.0.1:{proxy.port}"
        )
    smtp = SmtpServer()
    smtp.start()
    cluster = Cluster(
        workdir=tmp_path,
        nats=nats_server,
        database_url=services_url,
        direct_database_url=database_url,
        sources=sources,
        smtp=smtp,
    )
    cluster.cli("db", "upgrade")
    cluster.cli("subscribe", "all@example.org", now="2025-05-01")
    cluster.cli("subscribe", "yunnan@example.org", "--region", "530000", now="2025-05-01")
    cluster.cli(
        "subscribe", "gov@example.org", "--kind", "政府信息公开工作年度报告", now="2025-05-01"
    )
    try:
        yield cluster, portal, proxy
    finally:
        cluster.stop_all(timeout=10)
        smtp.stop()
        if proxy is not None:
            await proxy.cut()
            proxy.close()
        nats_server.stop()
        server.stop()


async def run_scenario(cluster: Cluster, portal: GeneratedPortal, disrupt) -> None:  # type: ignore[no-untyped-def]
    initial = len(portal.all_reports())
    cluster.start_all()
    history = await wait_for(
        lambda: cluster.sources_checked_ok() == AGENCIES and cluster.filings() == initial,
        within=SETTLE_TIMEOUT,
    )
    assert history, (
        f"history not recorded: {cluster.filings()} of {initial} filings; crashed: {cluster.crashed()}"
    )
    assert cluster.smtp.inbox.messages == []  # backfill is quiet

    added = portal.add_year(2024)
    yunnan = sum(1 for r in added if r.region_code.startswith("53"))
    expected_mail = len(added) + yunnan
    await disrupt()

    async def settled() -> bool:
        if cluster.filings() != initial + len(added):
            return False
        if len({m["Message-ID"] for m in cluster.smtp.inbox.messages}) < expected_mail:
            return False
        state = await cluster.bus_state()
        return all(pending == (0, 0) for pending in state["consumers"].values())

    done = await wait_for(settled, within=SETTLE_TIMEOUT, interval=2)
    state = await cluster.bus_state()
    messages = cluster.smtp.inbox.messages
    ids = Counter(m["Message-ID"] for m in messages)
    assert done, (
        f"filings {cluster.filings()}/{initial + len(added)}, mail {len(ids)}/{expected_mail}, "
        f"bus {state}, crashed {cluster.crashed()}"
    )
    assert len(ids) == expected_mail
    assert Counter(m["To"] for m in {m["Message-ID"]: m for m in messages}.values()) == {
        "all@example.org": len(added),
        "yunnan@example.org": yunnan,
    }
    duplicates = sum(n - 1 for n in ids.values())
    assert duplicates <= cluster.kills["notify"], (
        f"{duplicates} duplicate emails, notify killed {cluster.kills['notify']}x"
    )
    assert state["dead_letters"] == {}
    assert cluster.crashed() == {}  # nothing died on its own
    codes = cluster.stop_all()
    assert codes == dict.fromkeys(SERVICES, 0), cluster.stuck


async def test_services_killed_at_random_moments(world) -> None:  # type: ignore[no-untyped-def]
    cluster, portal, _ = world
    chaos = random.Random(20251121)

    async def disrupt() -> None:
        for _ in range(int(8 * SOAK)):
            name = chaos.choice(SERVICES)
            cluster.kill(name)
            await asyncio.sleep(chaos.uniform(0.2, 1.5))
            cluster.start(name)
            await asyncio.sleep(chaos.uniform(1.0, 4.0))

    await run_scenario(cluster, portal, disrupt)
    assert sum(cluster.kills.values()) == int(8 * SOAK)


async def test_nats_server_stopped_and_restarted(world) -> None:  # type: ignore[no-untyped-def]
    cluster, portal, _ = world

    async def disrupt() -> None:
        await asyncio.sleep(2)
        await asyncio.to_thread(cluster.nats.stop)
        await asyncio.sleep(5 * SOAK)
        await asyncio.to_thread(cluster.nats.start)

    await run_scenario(cluster, portal, disrupt)


@pytest.mark.skipif(
    not POSTGRES_URL, reason="the database outage is played on PostgreSQL through a proxy"
)
async def test_database_unavailable_for_a_while(world) -> None:  # type: ignore[no-untyped-def]
    cluster, portal, proxy = world
    if proxy is None:
        pytest.skip("SQLite has no server to take away")

    async def disrupt() -> None:
        await asyncio.sleep(1)
        await proxy.cut()
        await asyncio.sleep(15 * SOAK)
        await proxy.start()

    await run_scenario(cluster, portal, disrupt)


async def test_mail_server_down_for_most_of_the_run(world) -> None:  # type: ignore[no-untyped-def]
    cluster, portal, _ = world
    cluster.smtp.stop()
    total = len(portal.all_reports()) + AGENCIES

    async def disrupt() -> None:
        assert await wait_for(lambda: cluster.filings() == total, within=SETTLE_TIMEOUT)
        await asyncio.sleep(3)
        assert cluster.smtp.inbox.messages == []
        cluster.smtp.start()

    await run_scenario(cluster, portal, disrupt)
