"""Atom feeds of new filings and of overdue alerts, per region and kind (RFC 4287, feedgen).

Entry ids are tag URIs of what the entry is about (a filing's version, an obligation), so a feed
reader shows an entry once however often the feed is read.
"""

from __future__ import annotations

from datetime import UTC, datetime

from feedgen.feed import FeedGenerator

from services.store.db.models import Agency, Filing, Obligation
from shared.web import STATUS_NAMES

TAG = "tag:nianbao,2026:"


def _feed(title: str, self_url: str, alternate: str, updated: datetime | None) -> FeedGenerator:
    feed = FeedGenerator()
    feed.id(self_url)
    feed.title(title)
    feed.language("zh-CN")
    feed.link(href=self_url, rel="self", type="application/atom+xml")
    feed.link(href=alternate, rel="alternate", type="text/html")
    feed.updated(updated or datetime(2019, 1, 1, tzinfo=UTC))
    feed.generator("nianbao")
    return feed


def filings_feed(filings: list[Filing], title: str, self_url: str, base_url: str) -> bytes:
    """The feed of new filings, newest first."""
    feed = _feed(
        title, self_url, f"{base_url}/filings", max((f.first_seen for f in filings), default=None)
    )
    for filing in reversed(filings):  # feedgen prepends: add oldest first
        entry = feed.add_entry()
        entry.id(f"{TAG}filing:{filing.id}:{filing.version}")
        entry.title(filing.title or f"{filing.agency_name}{filing.report_year}年{filing.kind}")
        entry.link(href=f"{base_url}/filings/{filing.id}", rel="alternate")
        entry.link(href=filing.url, rel="related")
        entry.updated(filing.first_seen)
        published = filing.published.isoformat() if filing.published else "不详"
        timing = {True: "按时", False: "逾期", None: "无法判断是否按时"}[filing.on_time]
        entry.summary(
            f"{filing.agency_name} · {filing.report_year}年{filing.kind} · 发布日期 {published} · {timing}"
        )
        entry.author(name=filing.agency_name)
    return bytes(feed.atom_str(pretty=True))


def overdue_feed(
    alerts: list[tuple[Obligation, Agency]], title: str, self_url: str, base_url: str
) -> bytes:
    """The feed of overdue alerts (deadline passed, nothing found, sources healthy)."""
    feed = _feed(
        title,
        self_url,
        f"{base_url}/",
        max((o.overdue_alerted_at for o, _ in alerts if o.overdue_alerted_at), default=None),
    )
    for obligation, agency in reversed(alerts):
        entry = feed.add_entry()
        entry.id(f"{TAG}overdue:{obligation.id}")
        entry.title(f"逾期未公开:{agency.name}{obligation.report_year}年{obligation.kind}")
        entry.link(href=f"{base_url}/agencies/{agency.id}", rel="alternate")
        entry.updated(obligation.overdue_alerted_at)
        now = STATUS_NAMES.get(obligation.status, obligation.status)
        entry.summary(
            f"{agency.name}应于{obligation.deadline.isoformat()}前公开{obligation.report_year}年"
            f"{obligation.kind}(依据:{obligation.legal_basis});截止提醒时未找到。当前状态:{now}。"
        )
        entry.author(name="年报监测")
    return bytes(feed.atom_str(pretty=True))
