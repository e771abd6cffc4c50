"""What the services' HTML pages share: an autoescaping Jinja2 environment, the base layout,
the stylesheet (served at /static by whoever serves pages) and the headers every page carries.

Pages are server-rendered, need no JavaScript and load nothing from another origin: the Content
Security Policy allows styles and images from this server only.
"""

from __future__ import annotations

from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

PAGE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
}
STATUS_NAMES = {
    "filed": "按时公开",
    "late": "逾期公开",
    "missing": "未公开",
    "unknown": "无法判断",
    "pending": "未到期",
}


def environment(package: str) -> jinja2.Environment:
    """Templates of `package` (its `templates/` folder) over the shared base layout."""
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.PackageLoader(package, "templates"),
                jinja2.PackageLoader("shared.web", "templates"),
            ]
        ),
        autoescape=True,  # every value is escaped, in HTML and in attributes alike
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["STATUS_NAMES"] = STATUS_NAMES
    env.filters["percent"] = percent
    return env


def percent(value: float | None) -> str:
    """0.8333 → 83%; None (nothing to divide) → —."""
    return "—" if value is None else f"{round(value * 100)}%"


def static_mount() -> Mount:
    """The stylesheet and icons at /static, from this package's files (no CDN, no build step)."""
    return Mount("/static", app=StaticFiles(packages=[("shared.web", "static")]), name="static")


def render(
    env: jinja2.Environment,
    template: str,
    request: Request,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """A page from `template`, with the security headers (and `headers`) set."""
    body = env.get_template(template).render(request=request, **context)
    return HTMLResponse(body, status_code=status, headers={**PAGE_HEADERS, **(headers or {})})
