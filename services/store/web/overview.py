"""The compliance overview: verdicts counted per region and year, for one kind of report.

The verdicts are the stored ones (`obligations.status`, written by the store's deadline check),
so the page says "as of" the last check rather than judging 100,000 agencies on every request:
one grouped query per page. A region's rows are the divisions one level down (province → city
→ county); a county, and the agencies of a region's own level (本级), list agencies.

Rates: on-time = filed ÷ decided, published = (filed + late) ÷ decided, where decided leaves out
`pending` (deadline not reached) and `unknown` (a blocked or failing portal says nothing).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from services.store import core
from services.store.db.models import Agency, Filing, Obligation
from shared.clock import as_utc
from shared.regions import regions

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
    """The full name of a 6-digit code, or the code itself when the table does not know it."""
    if code is None:
        return "全国"
    return regions().name_of(code) or code


def child_code(prefix: str) -> str:
    """The 6-digit code of a division given by its prefix: 53 → 530000, 5301 → 530100."""
    return prefix.ljust(6, "0")


def overview(session: Session, kind: str, code: str | None) -> Overview:
    """The heat map of the divisions under `code` (None: provinces), and its own agencies."""
    prefix = core.region_prefix(code) if code else ""
    width = {0: 2, 2: 4, 4: 6}.get(len(prefix))
    scope = [Obligation.kind == kind, Agency.id == Obligation.agency_id]
    if prefix:
        scope.append(Agency.region_code.startswith(prefix))
    rows: dict[str | None, Row] = {}
    per_year: dict[int, Tally] = {}
    total = Tally()
    if width is not None:
        part = func.substr(Agency.region_code, 1, width)
        grouped = session.execute(
            select(part, Obligation.report_year, Obligation.status, func.count())
            .where(and_(*scope))
            .group_by(part, Obligation.report_year, Obligation.status)
        ).all()
        for child, year, status, n in grouped:
            row = rows.get(child)
            if row is None:
                row = rows[child] = _region_row(child, code)
            row.add(year, status, int(n))
            per_year.setdefault(year, Tally()).add(status, int(n))
            total.add(status, int(n))
    agencies, truncated = _agency_rows(session, kind, code)
    if width is None:  # a county: its agencies are the rows
        for row in agencies:
            for year, tally in row.years.items():
                for status, n in tally.counts.items():
                    if n:
                        per_year.setdefault(year, Tally()).add(status, n)
                        total.add(status, n)
    as_of = session.scalar(select(func.max(Obligation.checked_at)).where(and_(*scope)))
    years = sorted(per_year)
    ordered = sorted(rows.values(), key=lambda r: (r.code is None, r.code or ""))
    return Overview(
        kind=kind,
        code=code,
        name=region_name(code),
        rows=ordered,
        agencies=agencies,
        years=years,
        total=total,
        per_year=per_year,
        as_of=_aware(as_of),
        agencies_truncated=truncated,
    )


def _region_row(child: str | None, parent: str | None) -> Row:
    if child is None:
        return Row(code=None, name="地区不明", link=None)
    code = child_code(child)
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
