"""`nianbao agencies list|show` and `nianbao review list`: who must report, and what needs a person."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from services.store.cli import store_sessions
from services.store.registry import LEVELS
from services.store.settings import StoreSettings
from shared.cli import friendly_errors


def _echo_json(row: dict[str, Any]) -> None:
    click.echo(json.dumps(row, ensure_ascii=False))


@click.group()
def agencies() -> None:
    """Known agencies: every county-level-and-up government, plus the sources file's agencies."""


@agencies.command("list")
@click.option(
    "--region", help="A 6-digit 行政区划代码 or a name (云南省); covers what is under it."
)
@click.option("--level", type=click.Choice(LEVELS), help="Only agencies of this level.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header line.")
@friendly_errors
def agencies_list(region: str | None, level: str | None, as_json: bool, as_csv: bool) -> None:
    """List agencies with their region, level, aliases and obligations."""
    from services.store.coverage import AGENCY_COLUMNS, list_agencies
    from services.store.queries import csv_lines, region_prefixes

    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    rows = list_agencies(
        store_sessions(StoreSettings()), region_prefixes=region_prefixes(region), level=level
    )
    if as_json:
        for row in rows:
            _echo_json(row)
        return
    if as_csv:
        for chunk in csv_lines(rows, AGENCY_COLUMNS):
            click.echo(chunk, nl=False)
        return
    for row in rows:
        click.echo(
            f"{row['region_code'] or '-':<6}  {row['level'] or '-':<8}  {row['id']:<14}  "
            f"{row['name']}  ({row['origin']}, {row['sources']} sources)"
        )
    click.echo(f"{len(rows)} agencies")


@agencies.command("show")
@click.argument("key")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@friendly_errors
def agencies_show(key: str, as_json: bool) -> None:
    """One agency, by id, full name, alias or (for a government) region code."""
    from services.store.coverage import show_agency

    row = show_agency(store_sessions(StoreSettings()), key.strip())
    if row is None:
        click.echo(f"nianbao: no agency {key!r} (see `nianbao agencies list`)")
        sys.exit(1)
    if as_json:
        _echo_json(row)
        return
    click.echo(f"{row['name']}  ({row['id']}, {row['origin']})")
    click.echo(f"  region {row['region_code'] or '-'}  level {row['level'] or '-'}")
    click.echo(f"  must publish: {'、'.join(row['expects']) or 'nothing tracked'}")
    if row["aliases"]:
        click.echo(f"  also written: {'、'.join(row['aliases'])}")
    if row["former_names"]:
        click.echo(f"  formerly: {'、'.join(row['former_names'])}")
    click.echo(f"  sources: {row['sources']}")


@click.group()
def review() -> None:
    """Reports of multi-agency columns that could not be attributed to an agency."""


@review.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@friendly_errors
def review_list(as_json: bool) -> None:
    """Reports kept for a person: what the page named, and why no agency fit."""
    from services.store.coverage import review_items

    rows = review_items(store_sessions(StoreSettings()))
    if as_json:
        for row in rows:
            _echo_json(row)
        return
    if not rows:
        click.echo("nothing to review")
        return
    for row in rows:
        click.echo(
            f"{row['report_year'] or '-'}  {row['kind']}  {row['title'] or ''}\n"
            f"      {row['url']}\n      named {row['agency_name'] or '(none)'} at "
            f"{row['region_code'] or '-'}: {row['reason']}"
        )


COMMANDS: list[click.Command] = [agencies, review]
