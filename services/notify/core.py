"""Pure logic of notify: alerts from events, which subscription wants which alert, safe values.

No I/O and no clock. Titles and agency names come from the open web, so every value bound for
an email passes `text_safe` (no control characters, no forged lines, bounded length) or
`header_safe` (no line breaks, no encoded words); `rendering.py` builds the emails from them.
Every email is bounded in size: long values are cut, and a digest lists at most
`DIGEST_MAX_ITEMS` alerts and links to the full list ("see more").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
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
