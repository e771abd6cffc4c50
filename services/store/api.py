"""The read side as a small HTTP JSON API (for a dashboard): the same queries as the CLI.

`api_routes(sessions)` are the routes with their full paths, served at the root of a service's
HTTP app beside notify's (a mount at `/api` would hide `POST /api/subscriptions`);
`create_api(sessions)` wraps them in a Starlette app of their own.
Queries are blocking SQLAlchemy calls, so they run in Starlette's thread pool.

Routes: `/api/reports` (?year, agency, kind, region), `/api/reports/{id}`, `/api/search?q=`
(&limit), `/api/compliance?year=` (&region, kind, agency, status (repeatable), now),
`/api/stats?year=` (&region: the 信息公开 tables, one row per filing),
`/api/export.csv` (?year, region, kind, agency).
Bad parameters answer 400 with `{"error": ...}`; an unknown filing 404.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from services.store import core, disclosure, queries
from services.store.compliance import VERDICTS, judged_at, region_rates
from services.store.compliance import compliance as compliance_rows
from shared.clock import Clock, system_clock
from shared.errors import ConfigurationError
from shared.events import REPORT_KINDS
from shared.settings import parse_now


class BadRequest(Exception):
    """A query parameter that cannot be used; answered with 400 and the message."""


def _int(request: Request, name: str, *, required: bool = False) -> int | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        if required:
            raise BadRequest(f"{name} is required")
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise BadRequest(f"{name} must be an integer, got {value!r}") from exc


def _kind(request: Request) -> str | None:
    kind = request.query_params.get("kind") or None
    if kind is not None and kind not in REPORT_KINDS:
        raise BadRequest(f"unknown kind {kind!r}; known: {list(REPORT_KINDS)}")
    return kind


def _regions(request: Request) -> tuple[str, ...]:
    try:
        return queries.region_prefixes(request.query_params.get("region"))
    except ConfigurationError as exc:
        raise BadRequest(str(exc)) from exc


def create_api(
    sessions: sessionmaker[Session],
    *,
    rules: Sequence[core.DeadlineRule] = core.NATIONAL_RULES,
    grace_days: int = 3,
    clock: Clock = system_clock,
) -> Starlette:
    """The JSON API over the store's database as an app of its own."""
    return Starlette(routes=api_routes(sessions, rules=rules, grace_days=grace_days, clock=clock))


def api_routes(
    sessions: sessionmaker[Session],
    *,
    rules: Sequence[core.DeadlineRule] = core.NATIONAL_RULES,
    grace_days: int = 3,
    clock: Clock = system_clock,
) -> list[BaseRoute]:
    """The JSON API's routes (`rules`, `grace_days`, `clock` as the service's)."""

    def handler(
        query: Callable[[Request], Any],
    ) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            try:
                result = await run_in_threadpool(query, request)
            except BadRequest as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
            if isinstance(result, Response):
                return result
            return JSONResponse(result)

        return endpoint

    def list_reports(request: Request) -> Any:
        return queries.list_filings(
            sessions,
            year=_int(request, "year"),
            agency=request.query_params.get("agency") or None,
            kind=_kind(request),
            region_prefixes=_regions(request),
        )

    def show_report(request: Request) -> Any:
        row = queries.show_filing(sessions, request.path_params["filing_id"])
        if row is None:
            return JSONResponse({"error": "no such filing"}, status_code=404)
        row["disclosure"] = disclosure.tables_of(sessions, row["id"])
        return row

    def stats(request: Request) -> Any:
        year = _int(request, "year", required=True)
        assert year is not None
        columns, rows = disclosure.stats_rows(sessions, year, _regions(request))
        return {"year": year, "columns": columns, "rows": rows}

    def search(request: Request) -> Any:
        q = (request.query_params.get("q") or "").strip()
        if not q:
            raise BadRequest("q is required")
        limit = _int(request, "limit") or 50
        if not 1 <= limit <= 1000:
            raise BadRequest("limit must be between 1 and 1000")
        return queries.search_filings(sessions, q, limit)

    def compliance(request: Request) -> Any:
        year = _int(request, "year", required=True)
        assert year is not None
        text = request.query_params.get("now")
        try:
            parsed = parse_now(text)
        except ValueError as exc:
            raise BadRequest(str(exc).replace("NIANBAO_NOW", "now")) from exc
        now = judged_at(parsed, text) if parsed else clock()  # a bare date: its end, as the CLI
        statuses = request.query_params.getlist("status")
        unknown = set(statuses) - set(VERDICTS)
        if unknown:
            raise BadRequest(f"unknown status {sorted(unknown)}; known: {list(VERDICTS)}")
        rows = compliance_rows(
            sessions,
            year=year,
            now=now,
            rules=rules,
            grace_days=grace_days,
            region_prefixes=_regions(request),
            kind=_kind(request),
            agency=request.query_params.get("agency") or None,
            statuses=statuses,
        )
        return {
            "year": year,
            "now": now.isoformat(),
            "rows": rows,
            "regions": region_rates(rows),
        }

    def export_csv(request: Request) -> Any:
        rows = queries.iter_filings(
            sessions,
            year=_int(request, "year"),
            kind=_kind(request),
            region_prefixes=_regions(request),
            agency=request.query_params.get("agency") or None,
        )
        return StreamingResponse(
            iterate_in_threadpool(queries.csv_lines(rows, queries.EXPORT_COLUMNS)),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="nianbao-filings.csv"'},
        )

    return [
        Route("/api/reports", handler(list_reports)),
        Route("/api/reports/{filing_id}", handler(show_report)),
        Route("/api/search", handler(search)),
        Route("/api/stats", handler(stats)),
        Route("/api/compliance", handler(compliance)),
        Route("/api/export.csv", handler(export_csv)),
    ]
