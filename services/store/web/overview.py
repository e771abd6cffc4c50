"""The compliance overview: verdicts counted per region and year, for one kind of report.

The verdicts are the stored ones (`obligations.status`, written by the store's deadline check),
so the page says "as of" the last check rather than judging 100,000 agencies on every request.
They are counted per county in one grouped query (a `Snapshot`, kept per kind and read again in
the background once five minutes old) and rolled up to cities, provinces and the country, so a region
page costs a look-up plus the query of its own agencies. A region's rows are the divisions one
level down (province → city → county); a county, and the agencies of a region's own level (本级),
list agencies with a link to the evidence of each verdict.

Rates: on-time = filed ÷ decided, published = (filed + late) ÷ decided, where decided leaves out
`pending` (deadline not reached) and `unknown` (a blocked or failing portal says nothing).
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from services.store import core
from services.store.db.models import Agency, Filing, Obligation
from shared.clock import as_utc
from shared.db import unit_of_work
from shared.regions import regions

log = logging.getLogger("nianbao.web")

VERDICTS = ("filed", "late", "missing", "unknown", "pending")
MAX_AGENCIES = 500  # listed on one region page; the filings list and search reach the rest


@dataclass
class Tally:
    """Verdict counts of one region (or agency) for one year, or over all years."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VERDICTS, 0))

    def add(self, status: str, n: int = 1) -> None:
        """Count `n` verdicts `status` (an unexpected status counts as unknown)."""
        self.counts[status if status in self.counts else "unknown"] += n

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def decided(self) -> int:
        return self.counts["filed"] + self.counts["late"] + self.counts["missing"]

    @property
    def on_time_rate(self) -> float | None:
        return self.counts["filed"] / self.decided if self.decided else None

    @property
    def published_rate(self) -> float | None:
        done = self.counts["filed"] + self.counts["late"]
        return done / self.decided if self.decided else None

    @property
    def band(self) -> str:
        """The heat-map colour class: r0 (below 20 % on time) … r4 (80 % and more), rnone."""
        rate = self.on_time_rate
        return "rnone" if rate is None else f"r{min(4, int(rate * 5))}"


@dataclass
class Row:
    """One line of the heat map: a region (or an agency) and its tally per year."""

    code: str | None
    name: str
    link: str | None
    years: dict[int, Tally] = field(default_factory=dict)
    total: Tally = field(default_factory=Tally)
    evidence: dict[int, str] = field(default_factory=dict)  # agency rows: year → link

    def add(self, year: int, status: str, n: int) -> None:
        self.years.setdefault(year, Tally()).add(status, n)
        self.total.add(status, n)


@dataclass
class Overview:
    """What the overview page of one region shows for one kind."""

    kind: str
    code: str | None  # None: the whole country
    name: str
    rows: list[Row]
    agencies: list[Row]
    years: list[int]
    total: Tally
    per_year: dict[int, Tally]
    as_of: datetime | None
    agencies_truncated: bool = False


def region_name(code: str | None) -> str:
    """The full name of a 6-digit code, or the code itself when the table does not know it.

    The table has no city level for a 直辖市 (北京市's districts are 1101xx): its 110100 is
    named after the province.
    """
    if code is None:
        return "全国"
    name = regions().name_of(code)
    if name is None and code.endswith("0100"):
        name = regions().name_of(code[:2] + "0000")
    return name or code


def child_code(prefix: str) -> str:
    """The 6-digit code of a division given by its prefix: 53 → 530000, 5301 → 530100."""
    return prefix.ljust(6, "0")


@dataclass(frozen=True)
class Snapshot:
    """Every stored verdict of one kind, counted per county (6-digit code), year and status,
    and rolled up to cities (4-digit prefixes) and provinces (2): any region page is a look-up."""

    tallies: dict[str, dict[int, dict[str, int]]]  # prefix ("" = country) → year → status → n
    children: dict[str, list[str | None]]  # prefix → the prefixes one level down
    as_of: datetime | None
    built: float  # time.monotonic() when read


def read_snapshot(session: Session, kind: str) -> Snapshot:
    """One grouped query over the obligations of `kind` (a second or so at 100,000 agencies)."""
    rows = session.execute(
        select(
            Agency.region_code,
            Obligation.report_year,
            Obligation.status,
            func.count(),
            func.max(Obligation.checked_at),
        )
        .where(Obligation.kind == kind, Agency.id == Obligation.agency_id)
        .group_by(Agency.region_code, Obligation.report_year, Obligation.status)
    ).all()
    tallies: dict[str, dict[int, dict[str, int]]] = {}
    children: dict[str, set[str | None]] = {}
    as_of: datetime | None = None
    for code, year, status, n, checked in rows:
        checked = _aware(checked)
        if checked is not None and (as_of is None or checked > as_of):
            as_of = checked
        path: list[str | None] = [""]
        if code:
            path += [code[:2], code[:4], code]
        else:
            path.append(None)
        for parent, child in itertools.pairwise(path):
            children.setdefault(parent or "", set()).add(child)
        for prefix in dict.fromkeys(p for p in path if p is not None):
            year_counts = tallies.setdefault(prefix, {}).setdefault(year, {})
            year_counts[status] = year_counts.get(status, 0) + int(n)
        if not code:
            year_counts = tallies.setdefault("?", {}).setdefault(year, {})
            year_counts[status] = year_counts.get(status, 0) + int(n)
    return Snapshot(
        tallies=tallies,
        children={k: sorted(v, key=lambda c: (c is None, c or "")) for k, v in children.items()},
        as_of=as_of,
        built=time.monotonic(),
    )


class Snapshots:
    """The snapshot of each kind, read again in the background once older than `max_age`.

    A page never waits for a re-read (it shows the previous snapshot, whose "as of" says how
    old it is); only the first page of a kind after start waits for the first read.
    """

    def __init__(self, sessions: sessionmaker[Session], max_age: float = 300.0):
        self.sessions = sessions
        self.max_age = max_age
        self._snapshots: dict[str, Snapshot] = {}
        self._refreshing: set[str] = set()
        self._lock = threading.Lock()

    def get(self, kind: str) -> Snapshot:
        """The snapshot of `kind`, read now if there is none yet."""
        with self._lock:
            current = self._snapshots.get(kind)
            stale = current is not None and time.monotonic() - current.built > self.max_age
            if stale and kind not in self._refreshing:
                self._refreshing.add(kind)
                threading.Thread(target=self._refresh, args=(kind,), daemon=True).start()
        if current is None:
            current = self._read(kind)
            with self._lock:
                self._snapshots[kind] = current
        return current

    def _read(self, kind: str) -> Snapshot:
        with unit_of_work(self.sessions) as session:
            return read_snapshot(session, kind)

    def _refresh(self, kind: str) -> None:
        try:
            fresh = self._read(kind)
            with self._lock:
                self._snapshots[kind] = fresh
        except Exception:  # the previous snapshot stays; the next page asks again
            log.exception("reading the compliance snapshot of %s failed", kind)
        finally:
            with self._lock:
                self._refreshing.discard(kind)


def _tally(counts: dict[int, dict[str, int]] | None) -> tuple[dict[int, Tally], Tally]:
    per_year: dict[int, Tally] = {}
    total = Tally()
    for year, statuses in (counts or {}).items():
        for status, n in statuses.items():
            per_year.setdefault(year, Tally()).add(status, n)
            total.add(status, n)
    return per_year, total


def overview(session: Session, snapshot: Snapshot, kind: str, code: str | None) -> Overview:
    """The heat map of the divisions under `code` (None: provinces), and its own agencies."""
    prefix = core.region_prefix(code) if code else ""
    rows: list[Row] = []
    if len(prefix) < 6:
        for child in snapshot.children.get(prefix, []):
            row = _region_row(child, code)
            row.years, row.total = _tally(snapshot.tallies.get(child if child else "?"))
            rows.append(row)
    per_year, total = _tally(snapshot.tallies.get(prefix))
    agencies, truncated = _agency_rows(session, kind, code)
    return Overview(
        kind=kind,
        code=code,
        name=region_name(code),
        rows=rows,
        agencies=agencies,
        years=sorted(per_year),
        total=total,
        per_year=per_year,
        as_of=snapshot.as_of,
        agencies_truncated=truncated,
    )


def _region_row(child: str | None, parent: str | None) -> Row:
    if child is None:
        return Row(code=None, name="地区不明", link=None)
    code = child if len(child) == 6 else child_code(child)
    if code == parent:  # the region's own agencies (省本级, 市本级)
        return Row(code=code, name="本级机关", link="#agencies")
    return Row(code=code, name=region_name(code), link=f"/regions/{code}")


def _agency_rows(session: Session, kind: str, code: str | None) -> tuple[list[Row], bool]:
    """The agencies of the region's own level (all of a county's), with their verdicts by year."""
    if code is None:
        return [], False
    # A county's agencies; for a province or city, those of its own level (code exactly).
    listed = session.execute(
        select(Agency.id, Agency.name)
        .where(Agency.region_code == code, Agency.origin == "sources")
        .order_by(Agency.name)
        .limit(MAX_AGENCIES + 1)
    ).all()
    truncated = len(listed) > MAX_AGENCIES
    listed = listed[:MAX_AGENCIES]
    if not listed:
        return [], False
    ids = [agency_id for agency_id, _ in listed]
    rows = {
        agency_id: Row(code=agency_id, name=name, link=f"/agencies/{agency_id}")
        for agency_id, name in listed
    }
    verdicts = session.execute(
        select(Obligation.agency_id, Obligation.report_year, Obligation.status).where(
            Obligation.kind == kind, Obligation.agency_id.in_(ids)
        )
    ).all()
    filings = {
        (agency_id, year): filing_id
        for filing_id, agency_id, year in session.execute(
            select(Filing.id, Filing.agency_id, Filing.report_year).where(
                Filing.kind == kind, Filing.agency_id.in_(ids)
            )
        )
    }
    for agency_id, year, status in verdicts:
        row = rows[agency_id]
        row.add(year, status, 1)
        filing_id = filings.get((agency_id, year))
        # The evidence: the filing itself, or the sources whose health made the verdict.
        row.evidence[year] = (
            f"/filings/{filing_id}" if filing_id else f"/agencies/{agency_id}#sources"
        )
    return list(rows.values()), truncated


def chart_points(
    per_year: dict[int, Tally], width: int = 560, height: int = 200
) -> list[dict[str, object]]:
    """Bars of the on-time rate per year, in SVG user units (the template draws them)."""
    years = sorted(per_year)
    if not years:
        return []
    left, bottom, top = 40, height - 24, 12
    step = (width - left - 8) / len(years)
    bars: list[dict[str, object]] = []
    for i, year in enumerate(years):
        rate = per_year[year].on_time_rate
        bar_height = (bottom - top) * (rate or 0.0)
        bars.append(
            {
                "year": year,
                "rate": rate,
                "x": round(left + i * step + step * 0.15, 1),
                "width": round(step * 0.7, 1),
                "y": round(bottom - bar_height, 1),
                "height": round(bar_height, 1),
                "label_x": round(left + i * step + step / 2, 1),
            }
        )
    return bars


def kinds_with_deadlines(rules: Iterable[core.DeadlineRule]) -> list[str]:
    """The kinds that have obligations (履职报告 only where a region rule gives it a deadline)."""
    return list(dict.fromkeys(rule.kind for rule in rules))


def _aware(value: datetime | str | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return as_utc(value)
