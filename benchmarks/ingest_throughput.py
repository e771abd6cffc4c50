"""Pages per second sustained across many hosts at once, politeness on.

A fixture portal in a child process answers on HOSTS loopback addresses (127.0.1.1, ...), each a
site with one list page and PAGES report pages. Ingest crawls every site at once with the default
manners (1 request per second and 1 in flight per host) through the process-local gate or the
NATS gate (`--gate nats`, with an embedded nats-server). The run is bounded (`--seconds`, at most
60). Printed: requests per second (all, and the steady middle of the run), how many sources
finished, and the smallest gap between two requests to one host as the portal saw it.

    python benchmarks/ingest_throughput.py [--hosts 500] [--pages 20] [--gate local|nats]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import contextlib

from services.demo_portal.hosts import HostsPortal, html
from services.ingest.fetcher import PoliteFetcher
from services.ingest.gate import HostGate, LocalHostGate, NatsHostGate
from services.ingest.service import IngestService
from services.ingest.settings import IngestSettings
from services.ingest.state import MemoryCrawlState
from shared.blobs import MemoryBlobStore
from shared.events import Event
from shared.sources import AgencySpec, SourceSpec

MAX_SECONDS = 60.0


def addresses(count: int) -> list[str]:
    return [f"127.0.{1 + i // 250}.{1 + i % 250}" for i in range(count)]


def serve(hosts: list[str], pages: int, pipe: Connection) -> None:
    """The child process: serve every site until told to stop, then report the gaps per host."""
    portal = HostsPortal(hosts)
    portal.start()
    for n, host in enumerate(hosts):
        rows = "".join(
            f'<li><a href="/xxgk/2024{p % 12 + 1:02d}/t2024{p % 12 + 1:02d}10_{p}.html">'
            f"某单位{n}第{p}号 {2000 + p}年法治政府建设年度报告</a><span>2024-03-{p % 28 + 1:02d}</span></li>"
            for p in range(pages)
        )
        portal.add(host, "/xxgk/index.html", html(f"<html><body><ul>{rows}</ul></body></html>"))
        for p in range(pages):
            body = f"<html><body><h1>报告 {n}-{p}</h1>{'正文。' * 800}</body></html>"
            target = f"/xxgk/2024{p % 12 + 1:02d}/t2024{p % 12 + 1:02d}10_{p}.html"
            portal.add(host, target, html(body))
    pipe.send(portal.port)
    pipe.recv()  # stop
    gaps: list[float] = []
    for host in hosts:
        times = [hit.at for hit in portal.requests(host)]
        gaps += [b - a for a, b in itertools.pairwise(times)]
    pipe.send({"requests": len(portal.requests()), "min_gap": min(gaps) if gaps else None})
    portal.stop()


async def crawl(port: int, hosts: list[str], gate: HostGate, seconds: float) -> dict[str, Any]:
    settings = IngestSettings(
        allow_private_networks=True, max_retries=1, max_connections=len(hosts) * 2
    )
    fetcher = PoliteFetcher(settings, gate=gate)
    published = 0

    async def publish(subject: str, event: Event) -> None:
        nonlocal published
        published += 1

    agencies = [
        AgencySpec(
            id=f"site-{n}",
            name=f"单位{n}",
            sources=(SourceSpec(list_url=f"http://{host}:{port}/xxgk/index.html"),),
        )
        for n, host in enumerate(hosts)
    ]
    service = IngestService(
        fetcher,
        MemoryBlobStore(),
        MemoryCrawlState(),
        publish,
        clock=lambda: datetime.now(UTC),
        concurrency=len(hosts),  # every host at once: the per-host gate is the only brake
    )
    samples: list[int] = []
    done = 0

    def finished(_checked: object) -> None:
        nonlocal done
        done += 1

    async def sample() -> None:
        while True:
            await asyncio.sleep(1.0)
            samples.append(fetcher.requests)

    sampler = asyncio.create_task(sample())
    started = time.monotonic()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(service.crawl_many([(a, 0) for a in agencies], finished), seconds)
    elapsed = time.monotonic() - started
    sampler.cancel()
    await fetcher.close()
    per_second = [b - a for a, b in itertools.pairwise([0, *samples])]
    middle = per_second[len(per_second) // 4 : max(len(per_second) * 3 // 4, 1)]
    return {
        "elapsed": elapsed,
        "requests": fetcher.requests,
        "published": published,
        "sources_done": done,
        "overall_rate": fetcher.requests / elapsed,
        "steady_rate": statistics.median(middle) if middle else 0.0,
    }


async def with_gate(kind: str, port: int, hosts: list[str], seconds: float) -> dict[str, Any]:
    if kind == "local":
        return await crawl(port, hosts, LocalHostGate(), seconds)
    import nats

    from shared.embedded_nats import EmbeddedNats

    with tempfile.TemporaryDirectory() as tmp, EmbeddedNats(Path(tmp) / "nats") as server:
        nc = await nats.connect(server.url)
        try:
            gate = NatsHostGate(nc.jetstream())
            result = await crawl(port, hosts, gate, seconds)
            result["gate_conflicts"] = gate.conflicts
            return result
        finally:
            await nc.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=500)
    parser.add_argument("--pages", type=int, default=20, help="report pages per site")
    parser.add_argument("--gate", choices=["local", "nats"], default="local")
    parser.add_argument("--seconds", type=float, default=45.0)
    args = parser.parse_args()
    seconds = min(args.seconds, MAX_SECONDS)
    hosts = addresses(args.hosts)
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(hosts, args.pages, child), daemon=True)
    server.start()
    port = parent.recv()
    try:
        result = asyncio.run(with_gate(args.gate, port, hosts, seconds))
    finally:
        parent.send("stop")
        seen = parent.recv()
        server.join(timeout=10)
    ideal = args.hosts * 1.0
    print(f"hosts {args.hosts}, {args.pages} report pages each, gate {args.gate}, 1 req/s per host")
    print(
        f"ran {result['elapsed']:.1f} s: {result['requests']} requests, "
        f"{result['published']} documents published, {result['sources_done']} sources finished"
    )
    print(
        f"pages/s overall {result['overall_rate']:.0f}, steady {result['steady_rate']:.0f} "
        f"(the politeness ceiling is {ideal:.0f})"
    )
    print(
        f"portal saw {seen['requests']} requests; smallest gap between two requests to one "
        f"host {seen['min_gap']:.3f} s"
    )
    if "gate_conflicts" in result:
        print(f"NATS gate: {result['gate_conflicts']} lost optimistic writes (retried)")


if __name__ == "__main__":
    main()
