"""Crawler rules: unsafe addresses, anti-bot answers, schedule spreading."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.ingest import core

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "::1",
        "::ffff:127.0.0.1",
        "100.64.0.1",
    ],
)
def test_private_and_loopback_addresses_are_refused_unless_allowed(address: str) -> None:
    assert core.address_refusal(address, allow_private=False) is not None
    assert core.address_refusal(address, allow_private=True) is None


@pytest.mark.parametrize(
    "address", ["169.254.169.254", "fe80::1", "100.100.100.200", "fd00:ec2::254", "168.63.129.16"]
)
def test_link_local_and_cloud_metadata_addresses_are_always_refused(address: str) -> None:
    assert core.address_refusal(address, allow_private=False) is not None
    assert core.address_refusal(address, allow_private=True) is not None


@pytest.mark.parametrize("address", ["202.96.128.86", "2408:8000::1"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert core.address_refusal(address, allow_private=False) is None


def test_multicast_is_refused_even_when_private_networks_are_allowed() -> None:
    assert core.address_refusal("224.0.0.1", allow_private=True) is not None


def test_ruishu_412_challenge_is_a_block() -> None:
    body = b"<html><script>var $_ts=window['$_ts'];if(!$_ts)$_ts={};</script></html>"
    assert "412" in (core.blocked_reason(412, {}, body) or "")


def test_jiasule_cookie_challenge_is_a_block() -> None:
    body = b"<script>document.cookie=('_')+('_jsl_clearance')</script>"
    reason = core.blocked_reason(521, {"set-cookie": "__jsluid_h=abc; path=/"}, body)
    assert reason is not None
    assert "加速乐" in reason


def test_ordinary_pages_and_errors_are_not_blocks() -> None:
    assert core.blocked_reason(200, {}, "<html>正文 法治政府建设年度报告</html>".encode()) is None
    assert core.blocked_reason(404, {}, b"<html>Not Found</html>") is None


def test_first_crawls_are_spread_and_later_ones_jittered_but_stable() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    interval = timedelta(hours=6)
    firsts = {core.next_crawl_at(f"agency-{i}#0", None, interval, now) for i in range(200)}
    assert len(firsts) > 190  # not all at once
    assert all(now <= t <= now + timedelta(minutes=1) for t in firsts)
    later = core.next_crawl_at("agency-1#0", now, interval, now)
    assert later == core.next_crawl_at("agency-1#0", now, interval, now)
    assert now + interval * 0.9 <= later <= now + interval * 1.1


def test_ten_thousand_sources_never_fire_together() -> None:
    """First crawls spread over the first minute, later ones over ±10 % of the interval."""
    now = datetime(2025, 1, 1, tzinfo=UTC)
    interval = timedelta(hours=6)
    ids = [f"agency-{i}#{i % 3}" for i in range(10_000)]

    def per_second(times: list[datetime]) -> dict[int, int]:
        counts: dict[int, int] = {}
        for t in times:
            second = int((t - now).total_seconds())
            counts[second] = counts.get(second, 0) + 1
        return counts

    firsts = per_second([core.next_crawl_at(i, None, interval, now) for i in ids])
    assert set(firsts) <= set(range(60))
    assert len(firsts) == 60  # every second of the minute is used
    assert max(firsts.values()) <= 1.5 * 10_000 / 60  # no second gets much more than its share

    later = per_second([core.next_crawl_at(i, now, interval, now) for i in ids])
    window = int(interval.total_seconds() * 0.2)  # 4,320 s
    low = int(interval.total_seconds() * 0.9)
    assert min(later) >= low - 1
    assert max(later) <= low + window
    assert max(later.values()) <= 12  # mean 2.3 a second; never a crowd
    # Spread evenly: each tenth of the window holds about a tenth of the sources.
    tenths = [0] * 10
    for second, count in later.items():
        tenths[min(9, (second - low) * 10 // window)] += count
    assert all(900 <= n <= 1100 for n in tenths), tenths


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("attachment; filename*=UTF-8''%E5%B9%B4%E6%8A%A5.pdf; filename=\"x.pdf\"", "年报.pdf"),
        ('attachment; filename="%E5%B9%B4%E6%8A%A5.docx"', "年报.docx"),
        ('attachment; filename="' + "年报.doc".encode("gbk").decode("latin-1") + '"', "年报.doc"),
        ('attachment; filename="' + "年报.wps".encode().decode("latin-1") + '"', "年报.wps"),
        ("attachment; filename=report.pdf", "report.pdf"),
        ('attachment; filename="..\\\\..\\\\boot.ini"', "boot.ini"),
        ("attachment; filename=../../etc/passwd", "passwd"),
        ("inline", None),
        (None, None),
    ],
)
def test_disposition_filename(header: str | None, expected: str | None) -> None:
    assert core.disposition_filename(header) == expected
