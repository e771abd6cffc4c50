"""Pure logic of notify: which subscription wants which alert, and what the email says.

No I/O and no clock. Every value from a page is escaped in HTML, stripped of control characters
in the text part, and stripped of line breaks in headers, because titles and agency names come
from the open web. Every email is bounded in size: long values are cut, and a digest lists at
most `DIGEST_MAX_ITEMS` alerts and links to the full list ("see more").
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from shared.events import FilingOverdue, FilingRecorded, stable_id

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")  # C0, DEL, C1 (NEL), line/para seps
CHINA_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")
VALUE_LIMIT = 300  # characters kept of one value from a page (title, agency, ...)
DIGEST_MAX_ITEMS = 30  # alerts shown in one digest; the rest are behind the "see more" link
ALERT_TYPES = ("new", "overdue")
MODES = ("instant", "daily")


@dataclass(frozen=True)
class Alert:
    """What a subscriber is told about: a new filing, an overdue one, or a correction."""

    alert_id: str
    kind: str  # new | overdue | correction
    agency_id: str
    agency: str
    region_code: str | None
    report_kind: str
    report_year: int
    first_seen: datetime
    title: str | None = None
    url: str | None = None
    published: date | None = None
    deadline: date | None = None
    on_time: bool | None = None
    legal_basis: str | None = None
    last_crawled_ok: datetime | None = None
    sections: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()


@dataclass(frozen=True)
class SubscriptionView:
    """The filters of one subscription; an empty tuple means "all".

    `created_at` is when the subscription took effect (for double opt-in: when it was confirmed).
    """

    id: int
    email: str
    created_at: datetime
    regions: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    alerts: tuple[str, ...] = ALERT_TYPES
    mode: str = "instant"


@dataclass(frozen=True)
class Links:
    """The signed links one email carries (None when NIANBAO_PUBLIC_URL is unset)."""

    unsubscribe: str | None = None
    see_more: str | None = None


@dataclass(frozen=True)
class Email:
    """A rendered message."""

    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


def alert_from_recorded(event: FilingRecorded) -> Alert | None:
    """The alert a `filing.recorded` event raises: None for backfill and for silent edits."""
    if event.backfill:
        return None
    if event.was_overdue and event.change == "new":
        kind = "correction"
    elif event.change == "new":
        kind = "new"
    else:
        return None
    return Alert(
        alert_id=stable_id("alert", kind, event.filing_id),
        kind=kind,
        agency_id=event.agency_id,
        agency=event.agency,
        region_code=event.region_code,
        report_kind=event.kind,
        report_year=event.report_year,
        first_seen=event.first_seen,
        title=event.title,
        url=event.url,
        published=event.published,
        deadline=event.deadline,
        on_time=event.on_time,
        sections=event.sections,
        figures=event.figures,
    )


def alert_from_overdue(event: FilingOverdue) -> Alert:
    """The alert a `filing.overdue` event raises."""
    return Alert(
        alert_id=stable_id("alert", "overdue", event.obligation_id),
        kind="overdue",
        agency_id=event.agency_id,
        agency=event.agency,
        region_code=event.region_code,
        report_kind=event.kind,
        report_year=event.report_year,
        first_seen=event.checked_at,
        deadline=event.deadline,
        legal_basis=event.legal_basis,
        last_crawled_ok=event.last_crawled_ok,
    )


def alert_to_json(alert: Alert) -> dict[str, Any]:
    """A JSON-ready dict of an alert (kept with a digest item until the digest is built)."""
    data = asdict(alert)
    for key, value in data.items():
        if isinstance(value, date | datetime):
            data[key] = value.isoformat()
        elif isinstance(value, tuple):
            data[key] = list(value)
    return data


def alert_from_json(data: Mapping[str, Any]) -> Alert:
    """The alert `alert_to_json` wrote."""

    def moment(key: str) -> datetime | None:
        value = data.get(key)
        return datetime.fromisoformat(value) if value else None

    def day(key: str) -> date | None:
        value = data.get(key)
        return date.fromisoformat(value) if value else None

    first_seen = moment("first_seen")
    assert first_seen is not None
    return Alert(
        alert_id=data["alert_id"],
        kind=data["kind"],
        agency_id=data["agency_id"],
        agency=data["agency"],
        region_code=data.get("region_code"),
        report_kind=data["report_kind"],
        report_year=int(data["report_year"]),
        first_seen=first_seen,
        title=data.get("title"),
        url=data.get("url"),
        published=day("published"),
        deadline=day("deadline"),
        on_time=data.get("on_time"),
        legal_basis=data.get("legal_basis"),
        last_crawled_ok=moment("last_crawled_ok"),
        sections=tuple(data.get("sections") or ()),
        figures=tuple(data.get("figures") or ()),
    )


def region_prefix(code: str) -> str:
    """The prefix every code under a region shares: 530000 → 53, 530400 → 5304, 530402 → 530402."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def matches(subscription: SubscriptionView, alert: Alert) -> bool:
    """Whether a subscription wants an alert. Only alerts first seen after it was made count."""
    wanted_type = "overdue" if alert.kind == "overdue" else "new"
    if alert.kind == "correction":
        wanted_type = "overdue" if "overdue" in subscription.alerts else "new"
    if wanted_type not in subscription.alerts:
        return False
    if alert.first_seen < subscription.created_at:
        return False
    if subscription.kinds and alert.report_kind not in subscription.kinds:
        return False
    if subscription.agencies and alert.agency_id not in subscription.agencies:
        return False
    if subscription.regions:
        code = alert.region_code or ""
        if not any(code.startswith(region_prefix(r)) for r in subscription.regions):
            return False
    if subscription.keywords:
        haystack = f"{alert.title or ''} {alert.agency}"
        if not any(k in haystack for k in subscription.keywords):
            return False
    return True


def local_day(moment: datetime) -> date:
    """The calendar day in China of a moment: digests follow the reader's day, not UTC's."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(CHINA_TIME).date()


def digest_alert_id(day: date) -> str:
    """The key of the one digest of a subscription for a day (unique with the subscription)."""
    return f"digest:{day.isoformat()}"


def header_safe(value: str, limit: int = 200) -> str:
    """A value fit for a header: no control characters, no encoded words, bounded length.

    `=?utf-8?q?=0D=0ABcc:...?=` in a page title would be decoded by the email library into a
    real line break on Pythons without the fix for CVE-2024-6923, so `=?` never reaches a
    header as such: a space keeps it readable and inert.
    """
    cleaned = _CONTROL.sub(" ", value).replace("=?", "= ?").strip()
    return cleaned[:limit]


def text_safe(value: str, limit: int = VALUE_LIMIT) -> str:
    """A value fit for one line of the text part: no line breaks (no forged lines), bounded."""
    cleaned = _CONTROL.sub(" ", value).strip()
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def message_id(subscription_id: int, alert_id: str, domain: str = "nianbao.local") -> str:
    """A stable Message-ID: the same (subscription, alert) always yields the same id."""
    return f"<{stable_id('mail', subscription_id, alert_id)}@{domain}>"


_KIND_LABEL = {"new": "新发布", "overdue": "逾期未发布", "correction": "更正: 已找到"}


def _fields(alert: Alert) -> list[tuple[str, str]]:
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


def _alert_title(alert: Alert) -> str:
    return f"{_KIND_LABEL[alert.kind]}: {alert.agency} {alert.report_year}年度{alert.report_kind}"


def _html_value(key: str, value: str) -> str:
    if key == "链接" and value.startswith(("http://", "https://")):
        return f'<a href="{html.escape(value)}">{html.escape(value)}</a>'
    return html.escape(value)


def _html_table(lines: Sequence[tuple[str, str]]) -> str:
    rows = "".join(
        f'<tr><th align="left">{html.escape(k)}</th><td>{_html_value(k, v)}</td></tr>'
        for k, v in lines
    )
    return f"<table>{rows}</table>"


def _page(title: str, body: str, links: Links) -> str:
    footer = ""
    if links.unsubscribe:
        footer = f'<p style="color:#666">不想再收到?<a href="{html.escape(links.unsubscribe)}">退订</a></p>'
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body>"
        f"<h3>{html.escape(title)}</h3>{body}{footer}</body></html>"
    )


def _list_headers(links: Links) -> dict[str, str]:
    if not links.unsubscribe:
        return {}
    # RFC 8058: the HTTPS URI carries the token; the POST body is List-Unsubscribe=One-Click.
    return {
        "List-Unsubscribe": f"<{links.unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def render(alert: Alert, links: Links | str | None) -> Email:
    """The email for one alert, in Chinese, as text and HTML."""
    if not isinstance(links, Links):
        links = Links(unsubscribe=links)
    subject = header_safe(f"[年报监测] {_alert_title(alert)}")
    lines = _fields(alert)
    text = "\n".join(f"{k}: {v}" for k, v in lines)
    if links.unsubscribe:
        text += f"\n\n退订: {links.unsubscribe}"
    return Email(
        subject=subject,
        text=text,
        html=_page(subject, _html_table(lines), links),
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


def render_digest(
    day: date,
    alerts: Sequence[Alert],
    links: Links,
    region_name: Callable[[str], str | None],
    max_items: int = DIGEST_MAX_ITEMS,
) -> Email:
    """One email listing every alert of a day, grouped by region; capped at `max_items`."""
    groups = group_by_region(alerts, region_name)
    subject = header_safe(f"[年报监测] {day.isoformat()} 每日汇总: {len(alerts)} 条提醒")
    text_parts: list[str] = []
    html_parts: list[str] = []
    shown = 0
    for name, items in groups:
        if shown >= max_items:
            break
        take = items[: max_items - shown]
        shown += len(take)
        text_parts.append(f"== {text_safe(name)} ({len(items)}) ==")
        html_parts.append(f"<h4>{html.escape(text_safe(name))} ({len(items)})</h4>")
        for alert in take:
            lines = _fields(alert)
            text_parts.append(f"* {text_safe(_alert_title(alert))}")
            text_parts.extend(f"  {k}: {v}" for k, v in lines)
            html_parts.append(
                f"<p><b>{html.escape(text_safe(_alert_title(alert)))}</b></p>{_html_table(lines)}"
            )
    hidden = len(alerts) - shown
    if hidden > 0:
        more = f"另有 {hidden} 条未在邮件中列出"
        if links.see_more:
            text_parts.append(f"\n{more},查看全部: {links.see_more}")
            html_parts.append(f'<p>{more},<a href="{html.escape(links.see_more)}">查看全部</a></p>')
        else:
            text_parts.append(f"\n{more}")
            html_parts.append(f"<p>{more}</p>")
    text = "\n".join(text_parts)
    if links.unsubscribe:
        text += f"\n\n退订: {links.unsubscribe}"
    return Email(
        subject=subject,
        text=text,
        html=_page(subject, "".join(html_parts), links),
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
    intro = "有人用此邮箱地址订阅了年报监测提醒。如果是你本人,请打开下面的链接确认;否则忽略本邮件即可,不会再收到任何邮件。"
    text = intro + "\n\n" + "\n".join(f"{k}: {v}" for k, v in described)
    text += f"\n\n确认订阅: {confirm_url}"
    body = (
        f"<p>{html.escape(intro)}</p>{_html_table(described)}"
        f'<p><a href="{html.escape(confirm_url)}">确认订阅</a></p>'
    )
    return Email(subject=subject, text=text, html=_page(subject, body, Links()), headers={})
