"""Pure logic of notify: which subscription wants which alert, and what the email says.

No I/O and no clock. Every value from a page is escaped in HTML and stripped of line breaks in
headers, because titles and agency names come from the open web.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from shared.events import FilingOverdue, FilingRecorded, stable_id

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


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
    """The filters of one subscription; an empty tuple means "all"."""

    id: int
    email: str
    created_at: datetime
    regions: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    alerts: tuple[str, ...] = ("new", "overdue")


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


def header_safe(value: str, limit: int = 200) -> str:
    """A value fit for a header: no CR/LF or other control characters, bounded length."""
    cleaned = _CONTROL.sub(" ", value).strip()
    return cleaned[:limit]


def message_id(subscription_id: int, alert_id: str, domain: str = "nianbao.local") -> str:
    """A stable Message-ID: the same (subscription, alert) always yields the same id."""
    return f"<{stable_id('mail', subscription_id, alert_id)}@{domain}>"


def render(alert: Alert, unsubscribe_url: str | None) -> Email:
    """The email for one alert, in Chinese, as text and HTML."""
    kind_label = {"new": "新发布", "overdue": "逾期未发布", "correction": "更正: 已找到"}[
        alert.kind
    ]
    subject = header_safe(
        f"[年报监测] {kind_label}: {alert.agency} {alert.report_year}年度{alert.report_kind}"
    )
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
        if alert.sections:
            lines.append(("章节", "; ".join(alert.sections[:6])))
        if alert.figures:
            lines.append(("要点数据", "; ".join(alert.figures[:5])))
    else:
        lines += [
            ("法定期限", alert.deadline.isoformat() if alert.deadline else ""),
            ("依据", alert.legal_basis or ""),
            (
                "最近一次成功抓取",
                alert.last_crawled_ok.strftime("%Y-%m-%d %H:%M") if alert.last_crawled_ok else "无",
            ),
        ]
    text = "\n".join(f"{k}: {v}" for k, v in lines)
    rows = "".join(
        f"<tr><th align='left'>{html.escape(k)}</th><td>{_html_value(k, v)}</td></tr>"
        for k, v in lines
    )
    footer_text = f"\n\n退订: {unsubscribe_url}" if unsubscribe_url else ""
    footer_html = (
        f"<p><a href='{html.escape(unsubscribe_url)}'>退订</a></p>" if unsubscribe_url else ""
    )
    body_html = f"<html><body><h3>{html.escape(subject)}</h3><table>{rows}</table>{footer_html}</body></html>"
    headers = {}
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return Email(subject=subject, text=text + footer_text, html=body_html, headers=headers)


def _html_value(key: str, value: str) -> str:
    if key == "链接" and value.startswith(("http://", "https://")):
        return f"<a href='{html.escape(value)}'>{html.escape(value)}</a>"
    return html.escape(value)
