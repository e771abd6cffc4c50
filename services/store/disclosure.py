"""The statutory tables of 信息公开 filings: kept per filing, read back one row per filing.

A filing may come from several documents (the page, a PDF attachment, a repost): the tables of
the document that read the most cells win, a later one on a tie (a corrected repost). `stats`
and the export give one row per filing with every cell as a column; the columns are the keys
the extractor stored, in its table order, so the store needs no copy of the table schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from services.store.db.models import Filing, FilingTables
from shared.db import unit_of_work
from shared.events import DisclosureTables

STATS_COLUMNS = (
    "filing_id",
    "agency",
    "region_code",
    "report_year",
    "format",
    "tables",
    "cells_read",
    "findings_count",
    "findings",
    "url",
)


def save_tables(
    session: Session, filing_id: str, url: str, found: DisclosureTables, now: datetime
) -> None:
    """Keep the tables read from one document of a filing, unless a better read is kept."""
    read = sum(1 for cell in found.cells if cell.value is not None)
    row = session.get(FilingTables, filing_id)
    if row is not None and row.cells_read > read:
        return
    if row is None:
        row = FilingTables(filing_id=filing_id)
        session.add(row)
    row.report_year = found.report_year or 0
    row.url = url
    row.format = found.format
    row.tables = list(found.tables)
    row.cells = {cell.key: cell.value for cell in found.cells}
    row.units = {cell.key: cell.unit for cell in found.cells if cell.unit != "件"}
    row.findings = list(found.findings)
    row.cells_read = read
    row.recorded_at = now


def tables_row(tables: FilingTables) -> dict[str, Any]:
    """A filing's tables as a JSON object (`reports show --json`, the export)."""
    return {
        "format": tables.format,
        "tables": list(tables.tables),
        "url": tables.url,
        "cells": dict(tables.cells),
        "units": dict(tables.units),
        "findings": list(tables.findings),
    }


def tables_of(sessions: sessionmaker[Session], filing_id: str) -> dict[str, Any] | None:
    """One filing's tables, or None when none were read."""
    with unit_of_work(sessions) as session:
        row = session.get(FilingTables, filing_id)
        return tables_row(row) if row is not None else None


def with_tables(
    sessions: sessionmaker[Session], rows: Iterable[dict[str, Any]], batch: int = 500
) -> Iterator[dict[str, Any]]:
    """Export rows with their filing's tables under "disclosure" (None: no tables read)."""
    pending: list[dict[str, Any]] = []

    def flush() -> Iterator[dict[str, Any]]:
        with unit_of_work(sessions) as session:
            found = {
                t.filing_id: tables_row(t)
                for t in session.scalars(
                    select(FilingTables).where(
                        FilingTables.filing_id.in_([r["id"] for r in pending])
                    )
                )
            }
        for row in pending:
            yield {**row, "disclosure": found.get(row["id"])}
        pending.clear()

    for row in rows:
        pending.append(row)
        if len(pending) >= batch:
            yield from flush()
    if pending:
        yield from flush()


def stats_rows(
    sessions: sessionmaker[Session], year: int, region_prefixes: Sequence[str] = ()
) -> tuple[list[str], list[dict[str, Any]]]:
    """One flat row per filing of the year with tables: its columns, then the rows."""
    with unit_of_work(sessions) as session:
        query = (
            select(FilingTables, Filing.agency_name, Filing.region_code)
            .join(Filing, Filing.id == FilingTables.filing_id)
            .where(Filing.report_year == year)
        )
        if region_prefixes:
            query = query.where(or_(*(Filing.region_code.startswith(p) for p in region_prefixes)))
        found = session.execute(
            query.order_by(Filing.region_code, Filing.agency_name, Filing.id)
        ).all()
        keys: dict[str, None] = {}
        rows = []
        for tables, agency, region_code in found:
            keys.update(dict.fromkeys(tables.cells))
            rows.append(
                {
                    "filing_id": tables.filing_id,
                    "agency": agency,
                    "region_code": region_code,
                    "report_year": year,
                    "format": tables.format,
                    "tables": list(tables.tables),
                    "cells_read": tables.cells_read,
                    "findings_count": len(tables.findings),
                    "findings": list(tables.findings),
                    "url": tables.url,
                    **tables.cells,
                }
            )
    columns = [*STATS_COLUMNS, *keys]
    return columns, [{column: row.get(column) for column in columns} for row in rows]
