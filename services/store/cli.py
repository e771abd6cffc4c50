"""The store's commands: the read side of the record (`nianbao reports|compliance|export`)."""

from __future__ import annotations

import json
import sys
from datetime import datetime, time, timedelta
from typing import Any

import click
from sqlalchemy.orm import Session, sessionmaker

from services.store.settings import StoreSettings
from shared.cli import friendly_errors
from shared.clock import system_clock
from shared.db import make_engine, session_factory
from shared.events import REPORT_KINDS
from shared.settings import parse_now


def store_sessions(settings: StoreSettings) -> sessionmaker[Session]:
    """Sessions on the configured database."""
    return session_factory(make_engine(settings.resolved_database_url()))


def _echo_json(row: dict[str, Any]) -> None:
    click.echo(json.dumps(row, ensure_ascii=False))


@click.group()
def reports() -> None:
    """Stored filings."""


@reports.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--year", type=int, help="Only reports covering this year.")
@click.option("--agency", help="Only this agency (its id, full name or an alias).")
@click.option("--kind", type=click.Choice(REPORT_KINDS), help="Only this kind of report.")
@friendly_errors
def reports_list(as_json: bool, year: int | None, agency: str | None, kind: str | None) -> None:
    """List stored filings."""
    from services.store.queries import list_filings

    settings = StoreSettings()
    rows = list_filings(store_sessions(settings), year=year, agency=agency, kind=kind)
    if as_json:
        for row in rows:
            _echo_json(row)
        return
    if not rows:
        click.echo("no filings stored yet (run `nianbao up --demo --once` to see some)")
        return
    for row in rows:
        click.echo(_filing_line(row))


@reports.command("show")
@click.argument("filing_id")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@friendly_errors
def reports_show(filing_id: str, as_json: bool) -> None:
    """Show one filing: its URLs, versions, sections, figures and verdict."""
    from services.store.queries import show_filing

    row = show_filing(store_sessions(StoreSettings()), filing_id)
    if row is None:
        click.echo(f"nianbao: no filing {filing_id!r} (ids are in `nianbao reports list --json`)")
        sys.exit(1)
    if as_json:
        _echo_json(row)
        return
    click.echo(_filing_line(row))
    click.echo(f"  id {row['id']}  agency {row['agency_id']}  region {row['region_code'] or '-'}")
    click.echo(f"  deadline {row['deadline'] or 'none'}  verdict {row['status'] or 'not judged'}")
    for url in row["urls"]:
        click.echo(f"  seen at {url}")
    for version in row["versions"]:
        click.echo(f"  version {version['version']} seen {version['seen_at']} at {version['url']}")
    for section in row["sections"]:
        click.echo(f"  § {section}")
    for figure in row["figures"]:
        click.echo(f"  # {figure}")
    if row["missing_elements"]:
        click.echo(f"  missing elements: {'; '.join(row['missing_elements'])}")


@reports.command("search")
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@friendly_errors
def reports_search(query: str, as_json: bool, limit: int) -> None:
    """Full-text search of titles, agencies and report text (every word must match)."""
    from services.store.queries import search_filings

    rows = search_filings(store_sessions(StoreSettings()), query, limit)
    if as_json:
        for row in rows:
            _echo_json(row)
        return
    if not rows:
        click.echo(f"no filing matches {query!r}")
        return
    for row in rows:
        click.echo(_filing_line(row))


def _filing_line(row: dict[str, Any]) -> str:
    on_time = {True: "on time", False: "LATE", None: ""}[row["on_time"]]
    return (
        f"{row['report_year']}  {row['kind']:<14}  {row['agency']:<16}  "
        f"published {row['published'] or 'unknown':<10}  {on_time:<7}  {row['title'] or ''}\n      {row['url']}"
    )


def _now(value: str | None, settings: StoreSettings) -> datetime:
    """The moment verdicts are judged at; a bare date means "as of the end of that day".

    `up --now 2025-06-01` records filings during that day (the clock starts at midnight and
    runs on), so judging "as of 2025-06-01" at midnight would leave out what it found.
    """
    try:
        parsed = parse_now(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc).replace("NIANBAO_NOW", "--now")) from exc
    moment = parsed or settings.now
    if moment is None:
        return system_clock()
    if moment.time() == time(0) and (value is None or len(value.strip()) == 10):
        return moment + timedelta(days=1) - timedelta(microseconds=1)
    return moment


@click.command("compliance")
@click.option("--year", type=int, required=True, help="The year the reports cover.")
@click.option(
    "--region", help="A 6-digit 行政区划代码 or a name (昆明市); covers what is under it."
)
@click.option("--kind", type=click.Choice(REPORT_KINDS), help="Only this kind of report.")
@click.option("--now", "now_text", help="Judge as of this date (YYYY-MM-DD); default: now.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per obligation and line.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header line.")
@friendly_errors
def compliance_command(
    year: int,
    region: str | None,
    kind: str | None,
    now_text: str | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Every obligation of a year with its verdict: filed, late, missing, pending or unknown.

    Read-only: verdicts are judged at --now without writing anything or raising alerts.
    """
    from services.store.deadlines import load_deadlines
    from services.store.queries import (
        COMPLIANCE_COLUMNS,
        compliance,
        csv_lines,
        region_prefixes,
        region_rates,
    )

    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    settings = StoreSettings()
    now = _now(now_text, settings)
    rows = compliance(
        store_sessions(settings),
        year=year,
        now=now,
        rules=load_deadlines(settings.deadlines),
        grace_days=settings.grace_days,
        region_prefixes=region_prefixes(region),
        kind=kind,
    )
    if as_json:
        for row in rows:
            _echo_json(row)
        return
    if as_csv:
        for chunk in csv_lines(rows, COMPLIANCE_COLUMNS):
            click.echo(chunk, nl=False)
        return
    if not rows:
        click.echo(f"no obligations for {year} (agencies come from the sources file)")
        return
    for row in rows:
        click.echo(
            f"{row['region_code'] or '-':<6}  {row['agency']:<20}  {row['kind']:<14}  "
            f"due {row['deadline']}  {row['status']:<8}  {row['published'] or ''}  {row['url'] or ''}"
        )
    from services.store.coverage import level_rates, rate_line

    click.echo("")
    click.echo(f"by level, as of {now.date().isoformat()} (every government of the registry):")
    for level_rate in level_rates(rows):
        click.echo(f"  {rate_line(level_rate)}")
    click.echo("")
    click.echo(f"by region, as of {now.date().isoformat()}:")
    from shared.regions import regions

    for rate in region_rates(rows):
        name = regions().name_of(rate["region_code"]) or ""
        click.echo(
            f"{rate['region_code'] or '-':<6}  {name:<10}  {rate['obligations']:>6} obligations  "
            f"published {rate['published_rate']:6.1%}  on time {rate['on_time_rate']:6.1%}"
        )


@click.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="jsonl", show_default=True
)
@click.option("--year", type=int, help="Only reports covering this year.")
@click.option("--region", help="A 6-digit 行政区划代码 or a name; covers what is under it.")
@click.option("--kind", type=click.Choice(REPORT_KINDS), help="Only this kind of report.")
@friendly_errors
def export_command(fmt: str, year: int | None, region: str | None, kind: str | None) -> None:
    """Write every stored filing to standard output, as CSV or JSON lines, for research."""
    from services.store.queries import EXPORT_COLUMNS, csv_lines, iter_filings, region_prefixes

    rows = iter_filings(
        store_sessions(StoreSettings()),
        year=year,
        kind=kind,
        region_prefixes=region_prefixes(region),
    )
    if fmt == "jsonl":
        for row in rows:
            _echo_json(row)
        return
    for chunk in csv_lines(rows, EXPORT_COLUMNS):
        click.echo(chunk, nl=False)


COMMANDS: list[click.Command] = [reports, compliance_command, export_command]
