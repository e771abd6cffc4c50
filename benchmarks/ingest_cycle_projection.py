"""Can one ingest replica finish a national crawl cycle? A measured cost and a projection.

Run from the repository root: PYTHONPATH=. python benchmarks/ingest_cycle_projection.py

1. Measures the crawler's CPU cost per request: ingest alone (no other service consuming)
   crawls a generated portal of 1,000 report pages on loopback, with the in-process gate and
   with the gate shared through NATS KV (what `nianbao service ingest` uses).
2. Projects the cycle time for 100,000 sources on 15,000 hosts with the default politeness
   (1 request/s and 1 in flight per host): each crawl of a source reads its list pages and sends
   a conditional GET for each report-like link, so REQUESTS_PER_CRAWL requests; the crawl is
   bounded by CPU (the measured cost), by latency (sources crawled at once × 1 request in flight
   each / the portal's answer time), and by the per-host limit.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from services.ingest.gate import NatsHostGate
from services.runtime import AppSettings, build, shutdown
from shared.embedded_nats import EmbeddedNats
from shared.logs import configure_logging
from shared.sources import parse_sources
from tests.faults.portal import GeneratedPortal, PortalServer

SOURCES = 100_000
HOSTS = 15_000
REQUESTS_PER_CRAWL = 8  # ~2 list pages + ~6 report-like links (conditional GETs)
CYCLE_HOURS = 6.0
LATENCY_SECONDS = 0.5  # a government portal's answer time, as seen from a crawler in China
CONCURRENCY = (8, 64)  # NIANBAO_CRAWL_CONCURRENCY: the old default, and the default


async def cost_per_request(shared_gate: bool) -> float:
    """CPU seconds the ingest process spends per HTTP request."""
    portal = GeneratedPortal.build(100, range(2014, 2024))
    server = PortalServer(portal)
    base_url = server.start()
    with tempfile.TemporaryDirectory() as tmp:
        nats_server = EmbeddedNats(Path(tmp) / "nats")
        nats_server.start()
        sources = parse_sources(portal.sources_yaml(base_url, interval_hours=6))
        settings = AppSettings(
            data_dir=Path(tmp),
            nats_url=nats_server.url,
            allow_private_networks=True,
            crawl_concurrency=8,
        )
        parts = await build(settings, nats_server.url, ("ingest",), sources)
        try:
            assert parts.ingest is not None
            if shared_gate:
                parts.ingest.fetcher.gate = NatsHostGate(parts.js)
            cpu, wall = time.process_time(), time.perf_counter()
            await parts.ingest.crawl_all(sources)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            requests = parts.ingest.fetcher.requests
        finally:
            await shutdown(parts)
            nats_server.stop()
            server.stop()
    print(
        f"  {'NATS KV gate' if shared_gate else 'in-process gate'}: {requests} requests in {wall:.1f} s, "
        f"{cpu / requests * 1000:.1f} ms CPU each, {requests / wall:.0f} requests/s"
    )
    return max(cpu / requests, wall / requests)


def main() -> None:
    configure_logging("WARNING")
    print("measured on a loopback portal (1,000 report pages, 100 sources):")
    asyncio.run(cost_per_request(shared_gate=False))
    shared = asyncio.run(cost_per_request(shared_gate=True))
    needed = SOURCES * REQUESTS_PER_CRAWL
    print(
        f"\nprojection: {SOURCES:,} sources on {HOSTS:,} hosts, {REQUESTS_PER_CRAWL} requests per crawl, "
        f"{needed:,} requests per cycle; portal answer time {LATENCY_SECONDS} s"
    )
    per_host = needed / HOSTS
    print(
        f"per-host limit: {per_host:.0f} requests per host per cycle at most 1/s: "
        f"{per_host / 3600:.2f} h, never the bound"
    )
    for concurrency in CONCURRENCY:
        for replicas in (1, 2, 4):
            latency_rate = replicas * concurrency / LATENCY_SECONDS
            cpu_rate = replicas / shared  # `nianbao service ingest` shares its gate through NATS
            hours = needed / min(latency_rate, cpu_rate) / 3600
            bound = "latency" if latency_rate < cpu_rate else "CPU"
            verdict = (
                f"fits, headroom {CYCLE_HOURS / hours:.1f}×"
                if hours <= CYCLE_HOURS
                else "does NOT fit"
            )
            print(
                f"  concurrency {concurrency:3d}, {replicas} replica(s): {hours:5.1f} h per cycle "
                f"({bound}-bound): {verdict} in {CYCLE_HOURS:.0f} h"
            )


if __name__ == "__main__":
    main()
