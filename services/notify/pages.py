"""The subscriber pages for people: a sign-up form (double opt-in) and a page to manage one.

    GET  /subscribe               the form (a CSRF token in a hidden field and a cookie)
    POST /subscribe               an unconfirmed subscription and a confirmation email, through
                                  NotifyService.request_subscription; the same answer whether
                                  or not the address is known; rate-limited per client
    GET  /subscriptions/manage?token=   the filters of a subscription (the token is the one of
                                  its unsubscribe link), a form to change them, and unsubscribe
    POST /subscriptions/manage    changes the filters (token and CSRF token required)

Unsubscribing stays `/unsubscribe` (services/notify/web.py). Nothing here is cached, and pages
with a token never send it on in a Referer.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from services.notify.db.models import Subscription
from services.notify.guard import CSRF_COOKIE, CSRF_VALID_SECONDS, RateLimit, csrf_ok, new_csrf
from services.notify.service import NotifyService
from services.notify.subscriptions import Filters, clean_filters
from services.notify.tokens import InvalidToken
from shared.db import run_sync, unit_of_work
from shared.errors import ConfigurationError
from shared.events import REPORT_KINDS
from shared.web import environment, render, static_mount

MAX_FORM = 8_192
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
SUBMITS_PER_WINDOW = 5
WINDOW_SECONDS = 600.0


def _split(value: str) -> list[str]:
    """`昆明市, 530300 曲靖市` → the values: commas (either width), 、 and spaces separate."""
    for separator in (",", "，", "、", ";", "；"):
        value = value.replace(separator, " ")
    return [v for v in value.split() if v]


async def _form(request: Request) -> dict[str, list[str]] | None:
    """The urlencoded form, or None when it is too large or not a form."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return None
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_FORM):
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            return None
    return parse_qs(body.decode("utf-8", errors="replace"), max_num_fields=100)


def _filters_from(form: dict[str, list[str]]) -> Filters:
    one = {
        name: (form.get(name) or [""])[0] for name in ("regions", "agencies", "keywords", "mode")
    }
    return clean_filters(
        regions=_split(one["regions"]),
        agencies=_split(one["agencies"]),
        kinds=form.get("kinds", []),
        keywords=_split(one["keywords"]),
        alerts=form.get("alerts", []),
        mode=one["mode"] or "instant",
    )


def subscription_routes(service: NotifyService, limit: RateLimit | None = None) -> list[BaseRoute]:
    """The routes of the sign-up and manage pages (mounted with notify's other pages)."""
    env = environment("services.notify")
    limiter = limit or RateLimit(SUBMITS_PER_WINDOW, WINDOW_SECONDS)

    async def with_csrf(
        request: Request, template: str, status: int = 200, **context: Any
    ) -> HTMLResponse:
        key = await run_sync(service.signing_key)
        nonce, token = new_csrf(key)
        response = render(
            env,
            template,
            request,
            status=status,
            headers=NO_STORE,
            csrf=token,
            kinds=REPORT_KINDS,
            **context,
        )
        response.set_cookie(
            CSRF_COOKIE,
            nonce,
            max_age=CSRF_VALID_SECONDS,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    async def checked_form(request: Request) -> dict[str, list[str]] | Response:
        """The posted form once it passed the CSRF check, or the page that refuses it."""
        form = await _form(request)
        if form is None:
            return render(
                env,
                "message.html",
                request,
                status=400,
                headers=NO_STORE,
                title="无法提交",
                message="表单格式不对或内容过长。",
            )
        key = await run_sync(service.signing_key)
        token = (form.get("csrf") or [""])[0]
        if not csrf_ok(key, token, request.cookies.get(CSRF_COOKIE)):
            return render(
                env,
                "message.html",
                request,
                status=403,
                headers=NO_STORE,
                title="无法提交",
                message="表单已过期或不是从本站提交的。请重新打开表单再试。",
            )
        return form

    async def subscribe_page(request: Request) -> Response:
        return await with_csrf(request, "subscribe.html", values={}, error=None)

    async def subscribe(request: Request) -> Response:
        client = request.client.host if request.client else "unknown"
        wait = limiter.allow(client)
        if wait is not None:
            response = render(
                env,
                "message.html",
                request,
                status=429,
                headers=NO_STORE,
                title="提交过于频繁",
                message=f"请在 {int(wait) + 1} 秒后再试。",
            )
            response.headers["Retry-After"] = str(int(wait) + 1)
            return response
        form = await checked_form(request)
        if isinstance(form, Response):
            return form
        if not service.public_url:
            return render(
                env,
                "message.html",
                request,
                status=503,
                headers=NO_STORE,
                title="暂不能订阅",
                message="本服务未设置 NIANBAO_PUBLIC_URL,无法在确认邮件里放入链接。请联系管理员。",
            )
        values = {name: (form.get(name) or [""])[0] for name in form}
        values["kinds"] = form.get("kinds", [])  # type: ignore[assignment]
        values["alerts"] = form.get("alerts", [])  # type: ignore[assignment]
        try:
            filters = await run_sync(_filters_from, form)
            await run_sync(service.request_subscription, values.get("email", ""), filters)
        except ConfigurationError as exc:
            return await with_csrf(
                request, "subscribe.html", status=422, values=values, error=str(exc)
            )
        return render(
            env,
            "message.html",
            request,
            status=202,
            headers=NO_STORE,
            title="请查收确认邮件",
            message="如果这个地址可以订阅,确认邮件已经发出。点击邮件里的链接后订阅才会生效。",
        )

    def load(token: str) -> Subscription:
        claims = service.unsubscribe_target(token)
        with unit_of_work(service.sessions) as session:
            sub = session.scalar(
                select(Subscription).where(Subscription.id == claims.subscription_id)
            )
            if sub is None or not sub.active:
                raise InvalidToken("this subscription was cancelled")
            session.expunge(sub)
            return sub

    def update(token: str, filters: Filters) -> None:
        found = load(token)
        with unit_of_work(service.sessions) as session:
            sub = session.get_one(Subscription, found.id)
            sub.regions = filters.regions
            sub.agencies = filters.agencies
            sub.kinds = filters.kinds
            sub.keywords = filters.keywords
            sub.alerts = filters.alerts
            sub.mode = filters.mode

    def invalid_link(request: Request, exc: InvalidToken) -> Response:
        return render(
            env,
            "message.html",
            request,
            status=400,
            headers=NO_STORE,
            title="链接无效",
            message=f"此链接无效或已过期({exc})。",
        )

    async def manage_page(request: Request) -> Response:
        token = request.query_params.get("token", "")
        try:
            sub = await run_sync(load, token)
        except InvalidToken as exc:
            return invalid_link(request, exc)
        return await with_csrf(
            request,
            "manage.html",
            sub=sub,
            token=token,
            saved=False,
            error=None,
            region_names=_names(sub.regions),
        )

    async def manage(request: Request) -> Response:
        form = await checked_form(request)
        if isinstance(form, Response):
            return form
        token = (form.get("token") or [""])[0]
        try:
            filters = await run_sync(_filters_from, form)
            await run_sync(update, token, filters)
            sub = await run_sync(load, token)
        except InvalidToken as exc:
            return invalid_link(request, exc)
        except ConfigurationError as exc:
            sub = await run_sync(load, token)
            return await with_csrf(
                request,
                "manage.html",
                status=422,
                sub=sub,
                token=token,
                saved=False,
                error=str(exc),
                region_names=_names(sub.regions),
            )
        return await with_csrf(
            request,
            "manage.html",
            sub=sub,
            token=token,
            saved=True,
            error=None,
            region_names=_names(sub.regions),
        )

    return [
        Route("/subscribe", subscribe_page, methods=["GET", "HEAD"]),
        Route("/subscribe", subscribe, methods=["POST"]),
        Route("/subscriptions/manage", manage_page, methods=["GET"]),
        Route("/subscriptions/manage", manage, methods=["POST"]),
        static_mount(),
    ]


def _names(codes: list[Any]) -> list[str]:
    from shared.regions import regions

    table = regions()
    return [table.full_name(str(code)) or str(code) for code in codes]
