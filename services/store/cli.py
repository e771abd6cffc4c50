"""The store's commands: the read side of the record (`nianbao reports|compliance|export|stats`)."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any

import click
from sqlalchemy.orm import Session, sessionmaker

from services.store.compliance import VERDICTS
from services.store.settings import StoreSettings
from shared.cli import friendly_errors
from shared.clock import system_clock
from shared.db import make_engine, session_factory
from shared.events import REPORT_KINDS
from shared.settings import parse_now
from shared.table import table


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
@click.option(
    "--region", help="A 6-digit 行政区划代码 or a name (昆明市); covers what is under it."
)
@friendly_errors
def reports_list(
    as_json: bool, year: int | None, agency: str | None, kind: str | None, region: str | None
) -> None:
    """List stored filings (the ID column is what `nianbao reports show ID` takes)."""
    from services.store.queries import list_filings, region_prefixes

    settings = StoreSettings()
    rows = list_filings(
        store_sessions(settings),
        year=year,
        agency=agency,
        kind=kind,
        region_prefixes=region_prefixes(region),
    )
    if as_json:
        for row in rows:
            _echo_json(row)
        return
    if not rows:
        filtered = any(v is not None for v in (year, agency, kind, region))
        click.echo(
            "no filing matches these filters"
            if filtered
            else "no filings stored yet (run `nianbao up --demo --once` to see some)"
        )
        return
    _echo_filings(rows)


@reports.command("show")
@click.argument("filing_id")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@friendly_errors
def reports_show(filing_id: str, as_json: bool) -> None:
    """Show one filing: its URLs, versions, sections, figures and verdict."""
    from services.store.disclosure import tables_of
    from services.store.queries import show_filing

    sessions = store_sessions(StoreSettings())
    row = show_filing(sessions, filing_id)
    if row is None:
        click.echo(f"nianbao: no filing {filing_id!r} (ids are in `nianbao reports list --json`)")
        sys.exit(1)
    row["disclosure"] = tables_of(sessions, filing_id)
    if as_json:
        _echo_json(row)
        return
    _echo_filings([row])
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
    if row["disclosure"] is not None:
        _echo_tables(row["disclosure"])


def _echo_tables(found: dict[str, Any]) -> None:
    """The statutory tables, one line per row (cells in their order, - for an unread one)."""
    click.echo(
        f"  tables {' '.join(found['tables'])} ({found['format']} format) read from {found['url']}"
    )
    lines: dict[str, list[str]] = {}
    for key, value in found["cells"].items():
        row, _, column = key.rpartition(".")
        unit = found["units"].get(key, "")
        lines.setdefault(row, []).append(f"{column}={'-' if value is None else value}{unit}")
    for row, cells in lines.items():
        click.echo(f"    {row:<28} {'  '.join(cells)}")
    for finding in found["findings"]:
        click.echo(f"  ! {finding}")
    if not found["findings"]:
        click.echo("  tables check: every sum and the balance hold")


@reports.command("search")
@click.argument("words", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@friendly_errors
def reports_search(words: tuple[str, ...], as_json: bool, limit: int) -> None:
    """Full-text search of titles, agencies and report text: every one of WORDS must match."""
    from services.store.queries import search_filings

    query = " ".join(words)
    rows = search_filings(store_sessions(StoreSettings()), query, limit)
    if as_json:
        for row in rows:
            _echo_json(row)
        return
    if not rows:
        click.echo(f"no filing matches {query!r}")
        return
    _echo_filings(rows)


def _echo_filings(rows: list[dict[str, Any]]) -> None:
    """Filings as an aligned table; each URL on the line below its filing."""
    on_time = {True: "yes", False: "LATE", None: "-"}
    lines = table(
        ("ID", "YEAR", "KIND", "AGENCY", "PUBLISHED", "ON TIME", "TITLE"),
        [
            (
                row["id"],
                row["report_year"],
                row["kind"],
                row["agency"],
                row["published"] or "unknown",
                on_time[row["on_time"]],
                row["title"] or "",
            )
            for row in rows
        ],
    )
    click.echo(lines[0])
    for row, line in zip(rows, lines[1:], strict=True):
        click.echo(line)
        click.echo(f"    {row['url']}")


def _now(value: str | None, settings: StoreSettings) -> datetime:
    """The moment verdicts are judged at (a bare date: the end of that day)."""
    from services.store.compliance import judged_at

    try:
        parsed = parse_now(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc).replace("NIANBAO_NOW", "--now")) from exc
    moment = parsed or settings.now
    if moment is None:
        return system_clock()
    return judged_at(moment, value)


@click.command("compliance")
@click.option("--year", type=int, required=True, help="The year the reports cover.")
@click.option(
    "--region", help="A 6-digit 行政区划代码 or a name (昆明市); covers what is under it."
)
@click.option("--kind", type=click.Choice(REPORT_KINDS), help="Only this kind of report.")
@click.option("--agency", help="Only this agency (its id, full name or an alias).")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(VERDICTS),
    help="Only obligations with this verdict (repeat for several).",
)
@click.option("--now", "now_text", help="Judge as of this date (YYYY-MM-DD); default: now.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per obligation and line.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header line.")
@friendly_errors
def compliance_command(
    year: int,
    region: str | None,
    kind: str | None,
    agency: str | None,
    statuses: tuple[str, ...],
    now_text: str | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Every obligation of a year with its verdict: filed, late, missing, pending or unknown.

    Read-only: verdicts are judged at --now without writing anything or raising alerts. A
    pending or unknown verdict says why; rates count only decided obligations.
    """
    from services.store.compliance import COMPLIANCE_COLUMNS, compliance, region_rates
    from services.store.deadlines import load_deadlines
    from services.store.queries import csv_lines, region_prefixes

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
        agency=agency,
        statuses=statuses,
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
        click.echo(f"no obligations for {year} match (agencies come from the sources file)")
        return
    for line in table(
        ("REGION", "LEVEL", "AGENCY", "KIND", "DUE", "STATUS", "PUBLISHED", "URL OR WHY"),
        [
            (
                r["region_code"],
                r.get("level") or "",
                r["agency"],
                r["kind"],
                r["deadline"],
                r["status"],
                r["published"],
                r["url"] or r["reason"] or "",
            )
            for r in rows
        ],
    ):
        click.echo(line)
    from services.store.coverage import level_rates, rate_line

    click.echo("")
    click.echo(f"by level, as of {now.date().isoformat()} (every government of the registry):")
    for level_rate in level_rates(rows):
        click.echo(f"  {rate_line(level_rate)}")
    click.echo("")
    click.echo(
        f"by region, as of {now.date().isoformat()} (rates over decided obligations: "
        "filed, late, missing; pending and unknown are not counted):"
    )
    from shared.regions import regions

    def rate(value: float | None) -> str:
        return "-" if value is None else f"{value:.1%}"

    for line in table(
        ("REGION", "NAME", "OBLIGATIONS", "DECIDED", "PUBLISHED", "ON TIME", "PENDING", "UNKNOWN"),
        [
            (
                r["region_code"],
                regions().name_of(r["region_code"]) or "",
                r["obligations"],
                r["decided"],
                rate(r["published_rate"]),
                rate(r["on_time_rate"]),
                r["pending"],
                r["unknown"],
            )
            for r in region_rates(rows)
        ],
    ):
        click.echo(line)


@click.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="jsonl", show_default=True
)
@click.option("--year", type=int, help="Only reports covering this year.")
@click.option("--region", help="A 6-digit 行政区划代码 or a name; covers what is under it.")
@click.option("--kind", type=click.Choice(REPORT_KINDS), help="Only this kind of report.")
@click.option("--agency", help="Only this agency (its id, full name or an alias).")
@friendly_errors
def export_command(
    fmt: str, year: int | None, region: str | None, kind: str | None, agency: str | None
) -> None:
    """Write every stored filing to standard output, as CSV or JSON lines, for research."""
    from services.store.disclosure import with_tables
    from services.store.queries import EXPORT_COLUMNS, csv_lines, iter_filings, region_prefixes

    sessions = store_sessions(StoreSettings())
    rows = with_tables(
        sessions,
        iter_filings(
            sessions,
            year=year,
            kind=kind,
            region_prefixes=region_prefixes(region),
            agency=agency,
        ),
    )
    if fmt == "jsonl":
        for row in rows:
            _echo_json(row)
        return
    flat = (_flat_tables(row) for row in rows)
    columns = (*EXPORT_COLUMNS, "tables_format", "tables_findings", "tables_cells")
    for chunk in csv_lines(flat, columns):
        click.echo(chunk, nl=False)


def _flat_tables(row: dict[str, Any]) -> dict[str, Any]:
    """An export row for CSV: the tables' format, findings (joined by ;) and cells (as JSON)."""
    found = row.pop("disclosure")
    if found is None:
        return row
    return {
        **row,
        "tables_format": found["format"],
        "tables_findings": "; ".join(found["findings"]),
        "tables_cells": json.dumps(found["cells"], ensure_ascii=False),
    }


@click.command("stats")
@click.option("--year", type=int, required=True, help="Reports covering this year.")
@click.option("--region", help="A 6-digit 行政区划代码 or a name; covers what is under it.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV, header first, one cell per column.")
@friendly_errors
def stats_command(year: int, region: str | None, as_json: bool, as_csv: bool) -> None:
    """The statutory tables of the year's 信息公开 reports: one row per filing, every cell."""
    from services.store.disclosure import stats_rows
    from services.store.queries import csv_lines, region_prefixes

    if as_json and as_csv:
        raise click.UsageError("give --json or --csv, not both")
    columns, rows = stats_rows(store_sessions(StoreSettings()), year, region_prefixes(region))
    if as_json:
        for row in rows:
            _echo_json(row)
        return
    if as_csv:
        joined = ({**row, "findings": "; ".join(row["findings"])} for row in rows)
        for chunk in csv_lines(joined, columns):
            click.echo(chunk, nl=False)
        return
    if not rows:
        click.echo(f"no 信息公开 tables stored for {year}")
        return
    for row in rows:
        new, done = row.get("t3.new.total"), row.get("t3.result_total.total")
        click.echo(
            f"{row['region_code'] or '-':<6}  {row['agency']}  {row['format']} "
            f"tables {''.join(row['tables'])}  新收 {'-' if new is None else new}  "
            f"办结 {'-' if done is None else done}  findings {row['findings_count']}"
        )
    flagged = sum(1 for row in rows if row["findings_count"])
    click.echo(f"{len(rows)} filings, {flagged} with findings")


COMMANDS: list[click.Command] = [reports, compliance_command, export_command, stats_command]
