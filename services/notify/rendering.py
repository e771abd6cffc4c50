"""What an email says: the text part built line by line, the HTML part from Jinja2 templates.

Pure: no I/O and no clock. Every value from a page is cut to a bound and stripped of control
characters (`core.text_safe`), so no title can forge a line of the text part; the HTML templates
(`templates/email/`) autoescape every value, in text and in attributes alike, and link only
`http(s)` URLs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import jinja2

from services.notify.core import (
    CHINA_TIME,
    DIGEST_MAX_ITEMS,
    VALUE_LIMIT,
    Alert,
    Email,
    Links,
    header_safe,
    text_safe,
)

_KIND_LABEL = {"new": "新发布", "overdue": "逾期未发布", "correction": "更正: 已找到"}
_CONFIRM_INTRO = (
    "有人用此邮箱地址订阅了年报监测提醒。如果是你本人,请打开下面的链接确认;"
    "否则忽略本邮件即可,不会再收到任何邮件。"
)


_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("services.notify", "templates/email"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _html(template: str, **context: Any) -> str:
    return _TEMPLATES.get_template(template).render(**context)


def fields(alert: Alert) -> list[tuple[str, str]]:
    """The labelled lines an email shows for one alert, each value made safe and bounded."""
    lines: list[tuple[str, str]] = [
        ("机关", alert.agency),
        ("报告", f"{alert.report_year}年度{alert.report_kind}"),
    ]
    if alert.kind in ("new", "correction"):
        lines += [
            ("标题", alert.title or "(无标题)"),
            ("发布日期", alert.published.isoformat() if alert.published else "未知"),
            ("是否按时", {True: "按时", False: "逾期发布", None: "无法判断"}[alert.on_time]),
            ("链接", alert.url or ""),
        ]
        if alert.kind == "correction":
            lines.append(("说明", "此前发出的逾期提醒有误:该报告已找到"))
        if alert.sections:
            lines.append(("章节", "; ".join(alert.sections[:6])))
        if alert.figures:
            lines.append(("要点数据", "; ".join(alert.figures[:5])))
    else:
        lines += [
            ("法定期限", alert.deadline.isoformat() if alert.deadline else "未知"),
            ("依据", alert.legal_basis or "未知"),
            (
                "最近一次成功抓取",
                alert.last_crawled_ok.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M")
                if alert.last_crawled_ok
                else "无",
            ),
        ]
    return [(k, text_safe(v, 2000 if k == "链接" else VALUE_LIMIT)) for k, v in lines]


def alert_title(alert: Alert) -> str:
    """One line naming an alert: what happened, to which agency's report of which year."""
    return f"{_KIND_LABEL[alert.kind]}: {alert.agency} {alert.report_year}年度{alert.report_kind}"


def _list_headers(links: Links) -> dict[str, str]:
    if not links.unsubscribe:
        return {}
    # RFC 8058: the HTTPS URI carries the token; the POST body is List-Unsubscribe=One-Click.
    return {
        "List-Unsubscribe": f"<{links.unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _with_unsubscribe(text: str, links: Links) -> str:
    return f"{text}\n\n退订: {links.unsubscribe}" if links.unsubscribe else text


def render(alert: Alert, links: Links | str | None) -> Email:
    """The email for one alert, in Chinese, as text and HTML."""
    if not isinstance(links, Links):
        links = Links(unsubscribe=links)
    subject = header_safe(f"[年报监测] {alert_title(alert)}")
    lines = fields(alert)
    return Email(
        subject=subject,
        text=_with_unsubscribe("\n".join(f"{k}: {v}" for k, v in lines), links),
        html=_html("alert.html", title=subject, lines=lines, links=links),
        headers=_list_headers(links),
    )


def group_by_region(
    alerts: Sequence[Alert], region_name: Callable[[str], str | None]
) -> list[tuple[str, list[Alert]]]:
    """Alerts grouped by region (named, sorted by code; unknown regions last)."""
    groups: dict[str, list[Alert]] = {}
    for alert in alerts:
        groups.setdefault(alert.region_code or "", []).append(alert)
    ordered: list[tuple[str, list[Alert]]] = []
    for code in sorted(groups, key=lambda c: (c == "", c)):
        name = (region_name(code) if code else None) or (f"地区 {code}" if code else "地区未知")
        items = sorted(groups[code], key=lambda a: (a.kind != "overdue", a.agency, a.alert_id))
        ordered.append((name, items))
    return ordered


@dataclass(frozen=True)
class _DigestGroup:
    name: str
    total: int
    shown: list[dict[str, Any]]  # {"title": ..., "lines": ...} of the alerts the email lists


def render_digest(
    day: date,
    alerts: Sequence[Alert],
    links: Links,
    region_name: Callable[[str], str | None],
    max_items: int = DIGEST_MAX_ITEMS,
) -> Email:
    """One email listing every alert of a day, grouped by region; capped at `max_items`."""
    subject = header_safe(f"[年报监测] {day.isoformat()} 每日汇总: {len(alerts)} 条提醒")
    groups: list[_DigestGroup] = []
    shown = 0
    for name, items in group_by_region(alerts, region_name):
        if shown >= max_items:
            break
        take = items[: max_items - shown]
        shown += len(take)
        listed = [{"title": text_safe(alert_title(a)), "lines": fields(a)} for a in take]
        groups.append(_DigestGroup(text_safe(name), len(items), listed))
    text_parts: list[str] = []
    for group in groups:
        text_parts.append(f"== {group.name} ({group.total}) ==")
        for item in group.shown:
            text_parts.append(f"* {item['title']}")
            text_parts.extend(f"  {k}: {v}" for k, v in item["lines"])
    hidden = len(alerts) - shown
    if hidden > 0:
        more = f"另有 {hidden} 条未在邮件中列出"
        text_parts.append(f"\n{more},查看全部: {links.see_more}" if links.see_more else f"\n{more}")
    return Email(
        subject=subject,
        text=_with_unsubscribe("\n".join(text_parts), links),
        html=_html("digest.html", title=subject, groups=groups, hidden=hidden, links=links),
        headers=_list_headers(links),
    )


def render_confirmation(confirm_url: str, filters: Mapping[str, Sequence[str] | str]) -> Email:
    """The double opt-in email: nothing is sent to the address until the link is followed."""
    subject = "[年报监测] 请确认订阅"
    described = [
        (label, text_safe("、".join(value) if not isinstance(value, str) else value) or "全部")
        for label, value in (
            ("地区", filters.get("regions", ())),
            ("机关", filters.get("agencies", ())),
            ("报告类型", filters.get("kinds", ())),
            ("关键词", filters.get("keywords", ())),
            ("提醒", filters.get("alerts", ())),
            ("方式", filters.get("mode", "instant")),
        )
    ]
    text = _CONFIRM_INTRO + "\n\n" + "\n".join(f"{k}: {v}" for k, v in described)
    html_part = _html(
        "confirmation.html",
        title=subject,
        intro=_CONFIRM_INTRO,
        lines=described,
        confirm_url=confirm_url,
        links=Links(),
    )
    return Email(
        subject=subject, text=f"{text}\n\n确认订阅: {confirm_url}", html=html_part, headers={}
    )
