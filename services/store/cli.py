"""The store's commands: the read side of the record (`nianbao reports ...`)."""

from __future__ import annotations

import json
from typing import Any

import click
from sqlalchemy.orm import Session, sessionmaker

from services.store.settings import StoreSettings
from shared.cli import friendly_errors
from shared.db import make_engine, session_factory
from shared.events import REPORT_KINDS


def store_sessions(settings: StoreSettings) -> sessionmaker[Session]:
    """Sessions on the configured database."""
    return session_factory(make_engine(settings.resolved_database_url()))


@click.group()
def reports() -> None:
    """Stored filings."""


@reports.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--year", type=int, help="Only reports covering this year.")
@click.option("--agency", help="Only this agency (its id in the sources file, or its full name).")
@click.option("--kind", type=click.Choice(REPORT_KINDS), help="Only this kind of report.")
@friendly_errors
def reports_list(as_json: bool, year: int | None, agency: str | None, kind: str | None) -> None:
    """List stored filings."""
    from services.store.queries import list_filings

    settings = StoreSettings()
    rows = list_filings(store_sessions(settings), year=year, agency=agency, kind=kind)
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    if not rows:
        click.echo("no filings stored yet (run `nianbao up --demo --once` to see some)")
        return
    for row in rows:
        click.echo(_filing_line(row))


def _filing_line(row: dict[str, Any]) -> str:
    on_time = {True: "on time", False: "LATE", None: ""}[row["on_time"]]
    return (
        f"{row['report_year']}  {row['kind']:<14}  {row['agency']:<16}  "
        f"published {row['published'] or 'unknown':<10}  {on_time:<7}  {row['title'] or ''}\n      {row['url']}"
    )


COMMANDS: list[click.Command] = [reports]
