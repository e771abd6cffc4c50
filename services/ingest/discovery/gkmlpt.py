"""The Guangdong unified platform's 信息公开目录 (gkmlpt): a JSON API behind a script-rendered list.

`/gkmlpt/index` renders its list in the browser from `/gkmlpt/api/all/<category>?page=N&sid=<site>`,
whose answer is `{"articles": [{"title", "url", "date" | "first_publish_time", ...}], "total": T}`.
The HTML holds no article links, so the crawler reads the API: a source may name the API URL
directly, and an HTML page that writes the API URL into its scripts leads to it.
Dates are Unix times (seconds, sometimes milliseconds) or `YYYY-MM-DD` strings, China time.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from services.ingest.discovery.dates import find_date
from services.ingest.discovery.links import resolve, same_site
from services.ingest.discovery.model import ListItem, ListPage, PageRequest

_API_PATH = re.compile(r"/gkmlpt/api/all/\d+/?$")
_API_IN_PAGE = re.compile(
    r"""["']?((?:https?://[^"'\s]+)?/gkmlpt/api/all/\d+\?[^"'\s<>]*sid=\d+[^"'\s<>]*)"""
)
_TAGS = re.compile(r"<[^>]+>")
_CHINA = timedelta(hours=8)
_DATE_KEYS = ("date", "first_publish_time", "publish_time", "publishTime", "created_at")
_MAX_API_PAGES = 500


def is_gkmlpt_api(url: str) -> bool:
    """Whether `url` is a gkmlpt list API address."""
    return bool(_API_PATH.search(urlsplit(url).path))


def _as_date(value: Any) -> date | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and value > 0:
        seconds = value / 1000 if value > 10**11 else value  # milliseconds on some versions
        try:
            return (datetime.fromtimestamp(seconds, UTC) + _CHINA).date()
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str) and value.strip():
        text = value.strip()
        if text.isdigit():
            return _as_date(int(text))
        return find_date(text, "")
    return None


def _item(article: Any, api_url: str) -> ListItem | None:
    if not isinstance(article, dict):
        return None
    url = resolve(str(article.get("url") or article.get("link") or ""), api_url)
    title = " ".join(_TAGS.sub("", str(article.get("title") or "")).split())
    if url is None or not title or not same_site(url, api_url):
        return None
    found = next(
        (d for d in (_as_date(article.get(key)) for key in _DATE_KEYS) if d is not None), None
    )
    return ListItem(url=url, title=title, date=found)


def _with_page(url: str, number: int) -> str:
    parts = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"]
    return urlunsplit(parts._replace(query=urlencode([*pairs, ("page", str(number))])))


def gkmlpt_page(body: str, url: str, max_pages: int) -> ListPage | None:
    """Items and further pages of one gkmlpt API answer; None when `body` is not one."""
    if not is_gkmlpt_api(url):
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    articles = data.get("articles")
    if not isinstance(articles, list):
        return None
    items = tuple(item for item in (_item(a, url) for a in articles) if item is not None)
    further: list[PageRequest] = []
    current = dict(parse_qsl(urlsplit(url).query)).get("page", "1")
    total = data.get("total")
    if current in ("", "1") and isinstance(total, int) and articles:
        pages = min(-(-total // len(articles)), max_pages, _MAX_API_PAGES)
        further = [PageRequest(_with_page(url, n)) for n in range(2, pages + 1)]
    return ListPage(items=items, further_pages=tuple(further))


def gkmlpt_api_requests(body: str, page_url: str) -> list[PageRequest]:
    """The list API that an HTML gkmlpt page names in its scripts, as the first page to read."""
    found: list[PageRequest] = []
    for match in _API_IN_PAGE.finditer(body):
        api = resolve(match.group(1).replace("&amp;", "&"), page_url)
        if api is not None and same_site(api, page_url):
            found.append(PageRequest(_with_page(api, 1)))
    return found
