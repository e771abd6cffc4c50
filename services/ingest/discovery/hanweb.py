"""Hanweb (大汉) JCMS lists: items kept in an XML data island, further pages by POST.

A Hanweb list page carries its first group of records inside
`<script type="text/xml"><datastore>...<record><![CDATA[<li>...</li>]]></record>` and a jpage
script renders them client-side; the other records come from `/module/web/jpage/dataproxy.jsp`,
POSTed with `startrecord`/`endrecord`/`perpage` in the query and the column's identity as form
fields. The proxy answers with the same `<datastore>` XML, so both bodies parse the same way.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlsplit

from services.ingest.discovery.links import resolve
from services.ingest.discovery.model import PageRequest

_DATASTORE = re.compile(r"<datastore\b", re.IGNORECASE)
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL | re.IGNORECASE)
_NEXTGROUP = re.compile(
    r"<nextgroup>\s*<!\[CDATA\[.*?href=[\"']([^\"']+)[\"']", re.DOTALL | re.IGNORECASE
)
_TOTAL_RECORD = re.compile(r"<totalrecord>\s*(\d+)|totalRecord\s*:\s*['\"]?(\d+)", re.IGNORECASE)
_PER_PAGE = re.compile(r"perPage\s*:\s*['\"]?(\d+)", re.IGNORECASE)
_GROUP_SIZE = re.compile(r"groupSize\s*:\s*['\"]?(\d+)", re.IGNORECASE)
_PROXY_URL = re.compile(r"proxyUrl\s*:\s*['\"]([^'\"]+)", re.IGNORECASE)
_COLUMN_IN_URL = re.compile(r"/col/col(\d+)/")
_UNIT_DIV = re.compile(r"<div\s+id=[\"']?(\d+)[\"']?[^>]*>\s*<script\s+type=[\"']text/xml", re.I)
_SCRIPT_FIELD = r"\b{}\s*[=:]\s*['\"]?([^'\"&,;}}\s]+)"
_DEFAULT_PROXY = "/module/web/jpage/dataproxy.jsp"
_DEFAULT_PER_PAGE = 15
_DEFAULT_GROUP_SIZE = 3


def hanweb_records(body: str) -> list[str] | None:
    """The record HTML snippets of a Hanweb page or proxy answer; None if it is neither."""
    if not _DATASTORE.search(body):
        return None
    return _RECORD.findall(body)


def _first_int(pattern: re.Pattern[str], body: str) -> int | None:
    match = pattern.search(body)
    if match is None:
        return None
    return int(next(group for group in match.groups() if group))


def _form_fields(body: str, page_url: str, hints: dict[str, str]) -> tuple[tuple[str, str], ...]:
    def field(name: str, default: str = "") -> str:
        if hints.get(name):
            return hints[name]
        match = re.search(_SCRIPT_FIELD.format(name), body, re.IGNORECASE)
        return html.unescape(match.group(1)) if match else default

    column = _COLUMN_IN_URL.search(page_url)
    unit = _UNIT_DIV.search(body)
    return (
        ("col", "1"),
        ("appid", field("appid", "1")),
        ("webid", field("webid", "1")),
        ("path", field("path", "/")),
        ("columnid", field("columnid", column.group(1) if column else "")),
        ("sourceContentType", "1"),
        ("unitid", field("unitid", unit.group(1) if unit else "")),
        ("webname", field("webname")),
        ("permissiontype", "0"),
    )


def hanweb_requests(body: str, page_url: str, records_here: int) -> list[PageRequest]:
    """POST requests for the record groups beyond the ones this page already holds.

    The proxy's own answer has no jpage configuration, so it yields nothing: the list page
    already names every group.
    """
    total = _first_int(_TOTAL_RECORD, body)
    if total is None or urlsplit(page_url).path.endswith("dataproxy.jsp"):
        return []
    per_page = _first_int(_PER_PAGE, body) or _DEFAULT_PER_PAGE
    # Each proxy call returns one group (perPage x groupSize records), as jpage itself asks.
    group_records = per_page * (_first_int(_GROUP_SIZE, body) or 0)
    stride = group_records or records_here or per_page * _DEFAULT_GROUP_SIZE
    first = records_here or stride
    nextgroup = _NEXTGROUP.search(body)
    try:
        hint = urlsplit(html.unescape(nextgroup.group(1)) if nextgroup else "")
    except ValueError:  # an invalid IPv6 literal: no hints from it
        hint = urlsplit("")
    hints = dict(parse_qsl(hint.query, keep_blank_values=True))
    proxy_match = _PROXY_URL.search(body)
    proxy = proxy_match.group(1) if proxy_match else (hint.path or _DEFAULT_PROXY)
    form = _form_fields(body, page_url, hints)
    requests: list[PageRequest] = []
    for start in range(first + 1, total + 1, stride):
        query = f"startrecord={start}&endrecord={start + stride - 1}&perpage={per_page}"
        proxy_url = resolve(f"{proxy}?{query}", page_url)
        if proxy_url is None:
            return []  # a proxy address that is no http(s) URL: no group can be asked for
        requests.append(PageRequest(proxy_url, "POST", form))
    return requests
