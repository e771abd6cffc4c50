"""The dashboard for people: compliance overview, filings, agencies, Atom feeds (server-rendered).

    GET /                         compliance overview of the country (?kind=)
    GET /regions/{code}           the same for a province, city or county, with its agencies
    GET /filings                  filings (?region, kind, year, agency, status, q, page)
    GET /filings/{id}             one filing: URLs, versions and what changed, contents
    GET /agencies/{id}            obligations by year, filings, sources and their health
    GET /feeds/filings.atom       new filings (?region, kind)
    GET /feeds/overdue.atom       overdue alerts (?region, kind)
    GET /static/…                 the stylesheet (shared/web/static)

Read-only: no login, nothing changes state. Queries are blocking SQLAlchemy calls, run in the
thread pool. Bad parameters answer a page with status 400 that says what was wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.store import core, queries
from services.store.web import feeds, overview, records
from shared.db import unit_of_work
from shared.errors import ConfigurationError
from shared.events import REPORT_KINDS
from shared.web import environment, render, static_mount

_CODE = re.compile(r"^\d{6}$")
FEED_TYPE = "application/atom+xml; charset=utf-8"


class BadRequest(Exception):
    """A parameter that cannot be used: answered with a 400 page that names it."""


class NotFound(Exception):
    """An unknown filing, agency or region: answered with a 404 page."""


def _kind(request: Request, default: str | None) -> str | None:
    kind = request.query_params.get("kind") or default
    if kind is not None and kind not in REPORT_KINDS:
        raise BadRequest(f"未知的报告类型:{kind}")
    return kind


def _int(request: Request, name: str, low: int, high: int) -> int | None:
    value = (request.query_params.get(name) or "").strip()
    if not value:
        return None
    if not value.isdigit() or not low <= int(value) <= high:
        raise BadRequest(f"参数 {name} 应为 {low}–{high} 之间的整数,而不是 {value!r}")
    return int(value)


def _regions(request: Request) -> tuple[str, ...]:
    try:
        return queries.region_prefixes(request.query_params.get("region"))
    except ConfigurationError as exc:
        raise BadRequest(f"未知的地区:{request.query_params.get('region')}") from exc


def create_pages(
    sessions: sessionmaker[Session],
    *,
    rules: Sequence[core.DeadlineRule] = core.NATIONAL_RULES,
    snapshot_seconds: float = 300.0,
) -> Starlette:
    """The dashboard over the store's database (`rules`: the deadline rules the store applies;
    the overview's counts are read again in the background after `snapshot_seconds`)."""
    env = environment("services.store.web")
    snapshots = overview.Snapshots(sessions, snapshot_seconds)
    kinds = overview.kinds_with_deadlines(rules)
    default_kind = kinds[0] if kinds else REPORT_KINDS[0]

    def page(build: Callable[[Request, Session], Response]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            def run() -> Response:
                try:
                    with unit_of_work(sessions) as session:
                        return build(request, session)
                except BadRequest as exc:
                    return render(env, "error.html", request, status=400, message=str(exc))
                except NotFound as exc:
                    return render(env, "error.html", request, status=404, message=str(exc))

            return await run_in_threadpool(run)

        return endpoint

    def region_page(request: Request, session: Session) -> Response:
        code = request.path_params.get("code")
        if code is not None and not _CODE.match(code):
            raise NotFound(f"没有这个行政区划代码:{code}")
        kind = _kind(request, default_kind)
        assert kind is not None
        snapshot = snapshots.get(kind)
        known = code is None or overview.region_name(code) != code
        if not known and core.region_prefix(code or "") not in snapshot.tallies:
            raise NotFound(f"没有这个行政区划代码:{code}")
        view = overview.overview(session, snapshot, kind, code)
        return render(
            env,
            "overview.html",
            request,
            view=view,
            kinds=kinds,
            crumbs=_crumbs(code),
            bars=overview.chart_points(view.per_year),
        )

    def filings_list(request: Request, session: Session) -> Response:
        status = request.query_params.get("status") or None
        if status not in (None, "on_time", "late", "unknown"):
            raise BadRequest(f"未知的状态:{status}")
        q = (request.query_params.get("q") or "").strip()[:200] or None
        filters = records.FilingFilters(
            region_prefixes=_regions(request),
            kind=_kind(request, None),
            year=_int(request, "year", 2000, 2100),
            agency=(request.query_params.get("agency") or "").strip()[:200] or None,
            status=status,
            q=q,
        )
        number = _int(request, "page", 1, 10_000) or 1
        rows, more = records.filings_page(session, filters, number)
        params = {k: v for k, v in request.query_params.items() if k != "page" and v}
        return render(
            env,
            "filings.html",
            request,
            rows=rows,
            more=more,
            page=number,
            params=params,
            kinds=REPORT_KINDS,
            form=dict(request.query_params),
        )

    def filing_page(request: Request, session: Session) -> Response:
        filing_id = request.path_params["filing_id"]
        row = queries.show_filing(sessions, filing_id) if len(filing_id) <= 64 else None
        if row is None:
            raise NotFound("没有这份年报")
        extras = records.filing_extras(session, filing_id)
        return render(
            env,
            "filing.html",
            request,
            filing=row,
            region=overview.region_name(row["region_code"]) if row["region_code"] else None,
            **extras,
        )

    def agency_page(request: Request, session: Session) -> Response:
        found = records.agency_page(session, request.path_params["agency_id"][:100])
        if found is None:
            raise NotFound("没有这个机关")
        code = found.agency.region_code
        return render(
            env,
            "agency.html",
            request,
            page=found,
            region=overview.region_name(code) if code else None,
            crumbs=[*_crumbs(code), (found.agency.name, "")],
        )

    def feed(kind_of_feed: str) -> Callable[[Request, Session], Response]:
        def build(request: Request, session: Session) -> Response:
            prefixes = _regions(request)
            kind = _kind(request, None)
            base = str(request.base_url).rstrip("/")
            where = request.query_params.get("region") or "全国"
            if kind_of_feed == "filings":
                title = f"年报监测:{where}新发现的{kind or '年报'}"
                body = feeds.filings_feed(
                    records.recent_filings(session, prefixes, kind), title, str(request.url), base
                )
            else:
                title = f"年报监测:{where}逾期未公开的{kind or '年报'}"
                body = feeds.overdue_feed(
                    records.overdue_alerts(session, prefixes, kind), title, str(request.url), base
                )
            return Response(body, media_type=FEED_TYPE)

        return build

    return Starlette(
        routes=[
            Route("/", page(region_page), methods=["GET", "HEAD"]),
            Route("/regions/{code}", page(region_page), methods=["GET", "HEAD"]),
            Route("/filings", page(filings_list), methods=["GET", "HEAD"]),
            Route("/filings/{filing_id}", page(filing_page), methods=["GET", "HEAD"]),
            Route("/agencies/{agency_id}", page(agency_page), methods=["GET", "HEAD"]),
            Route("/feeds/filings.atom", page(feed("filings")), methods=["GET", "HEAD"]),
            Route("/feeds/overdue.atom", page(feed("overdue")), methods=["GET", "HEAD"]),
            static_mount(),
        ]
    )


def _crumbs(code: str | None) -> list[tuple[str, str]]:
    """(name, link) from the country down to `code`: 全国 › 云南省 › 昆明市 › 五华区."""
    crumbs = [("全国", "/")]
    if not code:
        return crumbs
    prefix = core.region_prefix(code)
    for width in (2, 4, 6):
        if width > len(prefix):
            break
        part = overview.child_code(prefix[:width])
        if crumbs[-1][1] != f"/regions/{part}":
            crumbs.append((overview.region_name(part), f"/regions/{part}"))
    return crumbs
