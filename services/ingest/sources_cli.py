"""`nianbao sources discover URL`: propose the sources of a portal, read from its home page."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from services.ingest.discovery.portal import Discovery, append_to_sources, discover, proposal_yaml
from services.ingest.fetcher import PoliteFetcher
from services.ingest.settings import IngestSettings
from shared.cli import friendly_errors
from shared.errors import ConfigurationError


@click.group()
def sources() -> None:
    """The sources file: where agencies publish."""


@sources.command("discover")
@click.argument("url")
@click.option("--depth", type=click.IntRange(1, 4), default=2, show_default=True)
@click.option("--max-pages", type=click.IntRange(1, 500), default=50, show_default=True)
@click.option("--id", "agency_id", help="The agency id to propose (default: from the host).")
@click.option(
    "--min-delay",
    type=click.FloatRange(0.0, 60.0),
    default=1.0,
    show_default=True,
    help="Seconds between two requests to the portal.",
)
@click.option(
    "--write",
    "write",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append the proposal to this sources file (created if absent) after validating it.",
)
@friendly_errors
def sources_discover(
    url: str,
    depth: int,
    max_pages: int,
    agency_id: str | None,
    min_delay: float,
    write: Path | None,
) -> None:
    """Read a portal politely from URL (robots.txt, per-host limits) and print sources YAML.

    Columns are found by their link text, their ColumnName/ColumnType metadata and report-like
    item titles; each comes with its evidence (column name, sample titles) as YAML comments.
    """
    found = asyncio.run(_run(url, depth, max_pages, min_delay))
    for error in found.errors:
        click.echo(f"nianbao: {error}", err=True)
    if not found.columns:
        click.echo(
            f"nianbao: no report column found in {found.pages_read} pages of {url} "
            f"(try --depth 3 or --max-pages 100)",
            err=True,
        )
        raise SystemExit(1)
    proposal = proposal_yaml(found, agency_id)
    if write is None:
        click.echo("agencies:\n" + proposal, nl=False)
        return
    try:
        existing = write.read_text(encoding="utf-8") if write.exists() else ""
    except OSError as exc:
        raise ConfigurationError(f"cannot read sources file {write}: {exc.strerror}") from exc
    combined = append_to_sources(existing, proposal, str(write))
    try:
        write.write_text(combined, encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot write sources file {write}: {exc.strerror}") from exc
    click.echo(f"{len(found.columns)} source(s) appended to {write}")


async def _run(url: str, depth: int, max_pages: int, min_delay: float) -> Discovery:
    fetcher = PoliteFetcher(IngestSettings())
    try:
        return await discover(fetcher, url, depth=depth, max_pages=max_pages, min_delay=min_delay)
    finally:
        await fetcher.close()


COMMANDS: list[click.Command] = [sources]
