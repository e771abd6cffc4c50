"""Signed tokens: bound to key, purpose and address; forgery, tampering and expiry rejected."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from services.notify import tokens

pytestmark = pytest.mark.unit

KEY = b"k" * 48
NOW = datetime(2025, 3, 7, tzinfo=UTC)


def test_a_token_verifies_for_its_purpose() -> None:
    token = tokens.sign(KEY, "unsubscribe", "a@example.org", 7)
    claims = tokens.verify(KEY, token, "unsubscribe", NOW)
    assert (claims.email, claims.subscription_id, claims.purpose) == (
        "a@example.org",
        7,
        "unsubscribe",
    )


def test_a_token_for_another_purpose_is_rejected() -> None:
    token = tokens.sign(KEY, "digest", "a@example.org", 7, ref="digest:2025-03-07")
    with pytest.raises(tokens.InvalidToken, match="signature"):
        tokens.verify(KEY, token, "unsubscribe", NOW)


def test_a_token_made_with_another_key_is_rejected() -> None:
    token = tokens.sign(b"x" * 48, "unsubscribe", "a@example.org", 7)
    with pytest.raises(tokens.InvalidToken, match="signature"):
        tokens.verify(KEY, token, "unsubscribe", NOW)


def test_changing_the_address_in_a_token_breaks_it() -> None:
    token = tokens.sign(KEY, "unsubscribe", "a@example.org", 7)
    payload, mac = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["e"] = "victim@example.org"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(tokens.InvalidToken, match="signature"):
        tokens.verify(KEY, f"{forged}.{mac}", "unsubscribe", NOW)


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "!!!.???", "e30." + "A" * 43, "x" * 5000])
def test_malformed_tokens_are_rejected(token: str) -> None:
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(KEY, token, "unsubscribe", NOW)


def test_an_expired_token_is_rejected() -> None:
    token = tokens.sign(KEY, "confirm", "a@example.org", 7, expires=NOW + timedelta(days=7))
    assert tokens.verify(KEY, token, "confirm", NOW + timedelta(days=6)).email == "a@example.org"
    with pytest.raises(tokens.InvalidToken, match="expired"):
        tokens.verify(KEY, token, "confirm", NOW + timedelta(days=7, seconds=1))


def test_links_mailed_before_itsdangerous_signed_them_still_verify() -> None:
    """Unsubscribe links never expire: one in an old email must keep working."""
    payload = json.dumps({"p": "unsubscribe", "e": "a@example.org", "s": 7, "r": ""}).encode()
    mac = hmac.new(KEY, b"unsubscribe\x00" + payload, hashlib.sha256).digest()

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    old = f"{b64(payload)}.{b64(mac)}"
    assert old != tokens.sign(KEY, "unsubscribe", "a@example.org", 7)
    assert tokens.verify(KEY, old, "unsubscribe", NOW).subscription_id == 7
    with pytest.raises(tokens.InvalidToken, match="signature"):
        tokens.verify(KEY, old, "digest", NOW)  # the old MAC bound the purpose too
