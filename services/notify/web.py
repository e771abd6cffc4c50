"""Notify's HTTP side (served at NIANBAO_PUBLIC_URL): unsubscribe, confirm, digests, sign-up.

    GET  /unsubscribe?token=   a page with a button; GET never acts (link scanners follow links)
    POST /unsubscribe?token=   unsubscribes: RFC 8058 one-click (body List-Unsubscribe=One-Click)
                               or the page's form (token in the URL or a form field)
    GET  /confirm?token=       double opt-in: a page with a button
    POST /confirm?token=       confirms the subscription
    GET  /digest?token=        the whole list behind a digest's "see more" link
    POST /api/subscriptions    JSON {email, regions, agencies, kinds, keywords, alerts, mode}:
                               an unconfirmed subscription and a confirmation email; always 202
    /subscribe, /subscriptions/manage   the sign-up form and the manage page (pages.py)

Tokens are signed (itsdangerous) and bound to address and purpose (`tokens.py`). Pages are
Chinese, rendered from autoescaped Jinja2 templates, never cached, never leaking the token in a
Referer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from services.notify import core, rendering
from services.notify.pages import NO_STORE, subscription_routes
from services.notify.service import NotifyService
from services.notify.settings import NotifySettings
from services.notify.subscriptions import clean_filters
from services.notify.tokens import InvalidToken, TokenClaims
from shared.db import run_sync
from shared.errors import ConfigurationError
from shared.web import environment, render

MAX_BODY = 16_384
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
}


async def _body(request: Request) -> bytes | None:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def _token(request: Request) -> str | None:
    """The token from the URL (one-click, RFC 8058) or from an urlencoded form field."""
    token = request.query_params.get("token")
    if token:
        return token
    body = await _body(request)
    if body and request.headers.get("content-type", "").startswith(
        "application/x-www-form-urlencoded"
    ):
        values = parse_qs(body.decode("utf-8", errors="replace")).get("token")
        return values[0] if values else None
    return None


def create_web(service: NotifyService, settings: NotifySettings) -> Starlette:
    """The notify web app on its own (the service process serves `web_routes` beside the API)."""
    return Starlette(routes=web_routes(service, settings))


def web_routes(service: NotifyService, settings: NotifySettings) -> list[BaseRoute]:
    """Notify's pages and `POST /api/subscriptions`, with their full paths (served at the root)."""
    env = environment("services.notify")

    def message(request: Request, title: str, text: str, status: int = 200) -> HTMLResponse:
        return render(
            env, "message.html", request, status=status, headers=NO_STORE, title=title, message=text
        )

    def invalid(request: Request, reason: str) -> HTMLResponse:
        return message(request, "链接无效", f"此链接无效或已过期({reason})。", 400)

    def link_action(
        path: str,
        check: Callable[[str], TokenClaims],
        act: Callable[[str], object],
        done: tuple[str, str],
        **page: Any,
    ) -> list[BaseRoute]:
        """A signed link's two routes: GET shows a button and never acts (link scanners follow
        links); POST acts, as the button or an RFC 8058 one-click client sends it."""

        async def show(request: Request) -> Response:
            token = request.query_params.get("token", "")
            try:
                claims = await run_sync(check, token)
            except InvalidToken as exc:
                return invalid(request, str(exc))
            return render(
                env,
                "link_action.html",
                request,
                headers=NO_STORE,
                email=claims.email,
                token=token,
                **page,
            )

        async def perform(request: Request) -> Response:
            token = await _token(request)
            if not token:
                return invalid(request, "缺少令牌")
            try:
                await run_sync(act, token)
            except InvalidToken as exc:
                return invalid(request, str(exc))
            return message(request, *done)

        return [Route(path, show, methods=["GET"]), Route(path, perform, methods=["POST"])]

    async def digest(request: Request) -> Response:
        token = request.query_params.get("token", "")
        try:
            key, alerts = await run_sync(service.digest_alerts, token)
        except InvalidToken as exc:
            return invalid(request, str(exc))
        email = await run_sync(
            lambda: rendering.render_digest(
                date.fromisoformat(key.removeprefix("digest:")),
                alerts,
                core.Links(),
                _region_name,
                max_items=len(alerts),
            )
        )
        return HTMLResponse(email.html, headers=_HEADERS)

    async def create_subscription(request: Request) -> Response:
        if not request.headers.get("content-type", "").startswith("application/json"):
            return JSONResponse({"error": "send JSON"}, status_code=415, headers=_HEADERS)
        body = await _body(request)
        if body is None:
            return JSONResponse({"error": "body too large"}, status_code=413, headers=_HEADERS)
        try:
            data = json.loads(body)
            if not isinstance(data, dict) or not isinstance(data.get("email"), str):
                raise ConfigurationError("a JSON object with an email is expected")
            filters = await run_sync(lambda: clean_filters(**_filter_args(data)))
            await run_sync(service.request_subscription, data["email"], filters)
        except (ValueError, ConfigurationError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=422, headers=_HEADERS)
        # The same answer whether or not the address was known: nothing to enumerate.
        return JSONResponse({"status": "confirmation_sent"}, status_code=202, headers=_HEADERS)

    return [
        *link_action(
            "/unsubscribe",
            service.unsubscribe_target,
            service.unsubscribe_with_token,
            ("已退订", "你将不再收到年报监测的提醒邮件。"),
            title="退订年报监测提醒",
            before="不再向 ",
            after=" 发送提醒?",
            button="确认退订",
            manage=True,
        ),
        *link_action(
            "/confirm",
            lambda token: service.check_token(token, "confirm"),
            service.confirm,
            ("订阅已确认", "从现在起,新的提醒会发到你的邮箱。"),
            title="确认订阅",
            before="为 ",
            after=" 开启年报监测提醒?",
            button="确认订阅",
            manage=False,
        ),
        Route("/digest", digest, methods=["GET"]),
        Route("/api/subscriptions", create_subscription, methods=["POST"]),
        *subscription_routes(service),  # the sign-up form and the manage page (pages.py)
    ]


def _region_name(code: str) -> str | None:
    from shared.regions import regions

    return regions().full_name(code)


def _filter_args(data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - {"email", "regions", "agencies", "kinds", "keywords", "alerts", "mode"}
    if unknown:
        raise ConfigurationError(f"unknown field(s): {sorted(unknown)}")
    args: dict[str, Any] = {}
    for name in ("regions", "agencies", "kinds", "keywords", "alerts"):
        value = data.get(name, [])
        if isinstance(value, str):
            value = [v for v in value.split(",") if v]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigurationError(f"{name} must be a list of strings")
        args[name] = value
    mode = data.get("mode", "instant")
    if not isinstance(mode, str):
        raise ConfigurationError("mode must be a string")
    args["mode"] = mode
    return args
