"""Ingest's command: `nianbao crawl`, one crawl of some or all sources, now.

`--dry-run` reads only the list pages and prints the candidates they offer; it needs no NATS and
changes nothing. Without it the crawl is the real one: documents go to the object store, events
to the stream, and the per-host limits are shared with any running ingest replica through NATS.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager
from typing import Any

import click

from services.ingest.crawl_schedule import SourceRef, source_refs
from services.ingest.fetcher import PoliteFetcher
from services.ingest.gate import NatsHostGate
from services.ingest.service import Discovery, IngestService
from services.ingest.settings import IngestSettings
from services.ingest.state import MemoryCrawlState, NatsCrawlState
from shared.blobs import MemoryBlobStore, NatsBlobStore
from shared.bus import BLOB_BUCKET, ensure_stream, publish_event
from shared.cli import friendly_errors
from shared.clock import make_clock
from shared.connect import connect_broker, nats_url
from shared.errors import ConfigurationError
from shared.events import Event, SourceChecked
from shared.logs import configure_logging
from shared.sources import SourcesFile, load_sources

PROGRESS_MIN_SOURCES = 2  # one source needs no bar


def select_sources(sources: SourcesFile, wanted: tuple[str, ...]) -> list[SourceRef]:
    """The sources named by agency id (all its sources) or source id (`agency#n`), in file order.

    Every name must match something: a typo must not turn into a crawl of nothing.
    """
    refs = source_refs(sources)
    if not wanted:
        return refs
    unknown = [
        name
        for name in wanted
        if not any(name in (agency.id, agency.source_id(i)) for agency, i in refs)
    ]
    if unknown:
        raise ConfigurationError(f"no source or agency {', '.join(map(repr, unknown))}")
    return [
        (agency, i) for agency, i in refs if agency.id in wanted or agency.source_id(i) in wanted
    ]


@contextmanager
def _progress(total: int, enabled: bool) -> Iterator[Callable[[object], None]]:
    """A progress bar on stderr when asked for (stdout is a terminal); otherwise nothing."""
    if not enabled or total < PROGRESS_MIN_SOURCES:
        yield lambda _done: None
        return
    bar: AbstractContextManager[Any] = click.progressbar(
        length=total, label="crawling", file=sys.stderr, show_pos=True, show_eta=True
    )
    with bar as progress:
        yield lambda _done: progress.update(1)


async def _discover_all(
    service: IngestService, refs: list[SourceRef], on_done: Callable[[object], None]
) -> list[Discovery]:
    semaphore = asyncio.Semaphore(service.concurrency)

    async def one(ref: SourceRef) -> Discovery:
        async with semaphore:
            found = await service.discover(*ref)
        on_done(found)
        return found

    return list(await asyncio.gather(*(one(ref) for ref in refs)))


def _print_discoveries(found: list[Discovery], as_json: bool) -> None:
    for source in found:
        if as_json:
            for item in source.candidates:
                record = {
                    "source_id": source.source_id,
                    "url": item.url,
                    "title": item.title,
                    "date": item.date.isoformat() if item.date else None,
                }
                click.echo(json.dumps(record, ensure_ascii=False))
            continue
        summary = f"{source.source_id}  {source.status}, {source.list_pages} list page(s), "
        click.echo(summary + f"{len(source.candidates)} candidate(s)  {source.list_url}")
        for item in source.candidates:
            shown = item.date.isoformat() if item.date else "----------"
            click.echo(f"  {shown}  {item.title}  {item.url}")
    for source in found:
        if source.status != "ok":
            click.echo(f"nianbao: {source.source_id} {source.status}: {source.reason}", err=True)


def _print_checks(checks: list[SourceChecked], as_json: bool) -> None:
    for check in checks:
        if as_json:
            click.echo(check.model_dump_json())
            continue
        line = (
            f"{check.source_id}  {check.status}: {check.list_pages} list page(s), "
            f"{check.candidates} candidate(s), {check.fetched} fetched, "
            f"{check.unchanged} unchanged, {check.errors} error(s)"
        )
        click.echo(line + (f"  ({check.reason})" if check.reason else ""))


@asynccontextmanager
async def _publishing_service(settings: IngestSettings) -> AsyncIterator[IngestService]:
    """An IngestService on NATS: object store, crawl memory, shared host gate, the stream."""
    async with nats_url(settings) as url:
        broker = await connect_broker(settings, url)
        try:
            js = broker.connection.jetstream()
            await ensure_stream(js)

            async def publish(subject: str, event: Event) -> None:
                await publish_event(broker, subject, event)

            fetcher = PoliteFetcher(settings, gate=NatsHostGate(js))
            try:
                yield IngestService(
                    fetcher=fetcher,
                    blobs=NatsBlobStore(js, BLOB_BUCKET),
                    state=NatsCrawlState(js),
                    publish=publish,
                    clock=make_clock(settings.now),
                    concurrency=settings.crawl_concurrency,
                )
            finally:
                await fetcher.close()
        finally:
            await broker.stop()


async def _nothing(subject: str, event: Event) -> None:
    raise AssertionError(f"a dry run published {subject}")  # discover() never publishes


async def run_crawl(
    settings: IngestSettings, refs: list[SourceRef], *, dry_run: bool, as_json: bool, bar: bool
) -> int:
    """Crawl (or, dry, discover) the sources; print the outcome; 1 if any source was not ok."""
    with _progress(len(refs), bar) as on_done:
        if dry_run:
            fetcher = PoliteFetcher(settings)
            service = IngestService(
                fetcher=fetcher,
                blobs=MemoryBlobStore(),
                state=MemoryCrawlState(),
                publish=_nothing,
                clock=make_clock(settings.now),
                concurrency=settings.crawl_concurrency,
            )
            try:
                found = await _discover_all(service, refs, on_done)
            finally:
                await fetcher.close()
        else:
            async with _publishing_service(settings) as service:
                checks = await service.crawl_many(refs, on_done)
    if dry_run:
        _print_discoveries(found, as_json)
        return 0 if all(f.status == "ok" for f in found) else 1
    _print_checks(checks, as_json)
    return 0 if all(c.status == "ok" for c in checks) else 1


@click.command()
@click.option(
    "--source",
    "wanted",
    multiple=True,
    metavar="ID",
    help="An agency id (all its sources) or a source id (agency#n); repeatable. Default: all.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Read the list pages and print the candidates (url, title, date); publish nothing.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per line.")
@friendly_errors
def crawl(wanted: tuple[str, ...], dry_run: bool, as_json: bool) -> None:
    """Crawl sources of NIANBAO_SOURCES once, now, and print what was found.

    Without --dry-run, documents and events go to NATS (NIANBAO_NATS_URL, or an embedded server
    in the data directory); the exit status is 1 when a source was blocked or failed, or came
    back empty (its list pages gave no items, or no report-like ones where they did before).
    """
    settings = IngestSettings()
    if settings.sources is None:
        raise ConfigurationError("no sources file: set NIANBAO_SOURCES=path/to/sources.yaml")
    refs = select_sources(load_sources(settings.sources), wanted)
    debug = settings.log_level.upper() == "DEBUG"
    configure_logging(settings.log_level if debug else "WARNING", settings.log_json)
    if not dry_run:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    bar = sys.stdout.isatty() and not as_json
    sys.exit(asyncio.run(run_crawl(settings, refs, dry_run=dry_run, as_json=as_json, bar=bar)))


COMMANDS: list[click.Command] = [crawl]
