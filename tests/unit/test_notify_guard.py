"""CSRF tokens and the rate limit of the subscriber forms."""

from __future__ import annotations

import pytest

from services.notify.guard import CSRF_VALID_SECONDS, RateLimit, csrf_ok, new_csrf

pytestmark = pytest.mark.unit
KEY = b"k" * 40


def test_a_csrf_token_is_bound_to_its_cookie_key_and_age() -> None:
    nonce, token = new_csrf(KEY, now=1_000_000)
    assert csrf_ok(KEY, token, nonce, now=1_000_010)
    assert not csrf_ok(KEY, token, nonce + "x", now=1_000_010)  # another browser's cookie
    assert not csrf_ok(b"o" * 40, token, nonce, now=1_000_010)  # another key
    assert not csrf_ok(KEY, token, nonce, now=1_000_000 + CSRF_VALID_SECONDS + 1)
    assert not csrf_ok(KEY, token, nonce, now=999_000)  # from the future
    forged_age = token.replace(".1000000.", ".1000005.")
    assert not csrf_ok(KEY, forged_age, nonce, now=1_000_010)
    for bad in (None, "", "a.b", "a.b.c.d", "x" * 300, f"{nonce}.nan.{token[-32:]}"):
        assert not csrf_ok(KEY, bad, nonce, now=1_000_010)


def test_the_rate_limit_slides_per_key() -> None:
    now = [0.0]
    limit = RateLimit(2, 60, clock=lambda: now[0])
    assert limit.allow("a") is None
    assert limit.allow("a") is None
    wait = limit.allow("a")
    assert wait == 60
    assert limit.allow("b") is None  # another client counts apart
    now[0] = 60.5
    assert limit.allow("a") is None


def test_the_rate_limit_forgets_idle_clients_when_full() -> None:
    now = [0.0]
    limit = RateLimit(1, 10, clock=lambda: now[0], max_keys=3)
    for key in "abc":
        assert limit.allow(key) is None
    now[0] = 20
    assert limit.allow("d") is None
    assert limit.allow("a") is None  # forgotten, not refused
