"""The ingest process's memory with many sources registered (scheduler state).

Builds a sources file of SOURCES agencies (one list page each, on as many hosts), parses it as
`nianbao` does, and runs the ingest scheduler (`IngestService.run_schedule`) for a few seconds,
long enough for it to compute every source's next crawl. Every source was "crawled a moment
ago", so nothing fires: the figure is what registering the sources costs, not crawling them.
Printed: the resident set size (VmRSS) after imports, after parsing, while scheduling, and the
per-source increment.

    python benchmarks/ingest_memory.py [--sources 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml

from services.ingest.crawl_schedule import source_refs
from services.ingest.fetcher import PoliteFetcher
from services.ingest.service import IngestService
from services.ingest.settings import IngestSettings
from services.ingest.state import MemoryCrawlState, SourceState
from shared.blobs import MemoryBlobStore
from shared.events import Event
from shared.sources import parse_sources


def rss_mib() -> float:
    """This process's resident set size in MiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def sources_yaml(count: int) -> str:
    agencies = [
        {
            "id": f"agency-{n:05d}",
            "name": f"某市第{n}局",
            "region_code": "440600",
            "expects": ["法治政府建设年度报告", "政府信息公开工作年度报告"],
            "sources": [
                {
                    "list_url": f"https://dept{n}.example.gov.cn/zwgk/fzzfjs/index.html",
                    "max_pages": 20,
                    "interval_hours": 6,
                }
            ],
        }
        for n in range(count)
    ]
    return yaml.safe_dump({"agencies": agencies}, allow_unicode=True)


async def schedule(count: int) -> tuple[float, float]:
    text = sources_yaml(count)
    sources = parse_sources(text)
    del text
    parsed = rss_mib()
    now = datetime.now(UTC)
    state = MemoryCrawlState()
    for agency, index in source_refs(sources):
        state.sources[agency.source_id(index)] = SourceState(last_started=now, ever_ok=True)

    async def publish(subject: str, event: Event) -> None:
        raise AssertionError("nothing is due")

    fetcher = PoliteFetcher(IngestSettings())
    service = IngestService(fetcher, MemoryBlobStore(), state, publish, lambda: datetime.now(UTC))
    stop = asyncio.Event()
    runner = asyncio.create_task(service.run_schedule(sources, stop))
    await asyncio.sleep(3.0)  # one pass over every source, then the scheduler's wait
    scheduling = rss_mib()
    stop.set()
    await runner
    await fetcher.close()
    return parsed, scheduling


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=10_000)
    args = parser.parse_args()
    start = rss_mib()
    parsed, scheduling = asyncio.run(schedule(args.sources))
    print(f"{args.sources} sources")
    print(
        f"RSS after imports {start:.1f} MiB, after parsing the sources {parsed:.1f} MiB, "
        f"scheduler running {scheduling:.1f} MiB"
    )
    per_source = (scheduling - start) * 1024 / args.sources
    print(
        f"sources and scheduler state: {scheduling - start:.1f} MiB, {per_source:.1f} KiB a source"
    )


if __name__ == "__main__":
    main()
