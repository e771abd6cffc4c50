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
        "169.254.169.254",
        "::1",
        "fe80::1",
        "::ffff:127.0.0.1",
        "100.64.0.1",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(address: str) -> None:
    assert core.address_refusal(address, allow_private=False) is not None
    assert core.address_refusal(address, allow_private=True) is None


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
