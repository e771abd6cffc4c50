"""Signed tokens for the links in emails: unsubscribe, confirm (double opt-in), see more.

A token is `base64url(json payload) "." signature`, signed by `itsdangerous` (HMAC-SHA256 under
a key derived from ours and the purpose, checked in constant time). The payload names the
purpose and the address (and, for confirmation, the subscription and the moment it was
requested), so a token made for one address or one purpose is worthless for any other; changing
one byte breaks the signature. Pure: the caller passes the key and the time.

Links mailed before tokens were signed this way (MAC over `purpose NUL payload` with the key
itself) still verify: an unsubscribe link never expires, and an old email's must keep working.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import itsdangerous

PURPOSES = ("unsubscribe", "confirm", "digest")
MAX_TOKEN_LENGTH = 2048


class InvalidToken(ValueError):
    """A token that is malformed, forged, expired, or made for another purpose or address."""


@dataclass(frozen=True)
class TokenClaims:
    """What a valid token says."""

    purpose: str
    email: str
    subscription_id: int
    ref: str  # confirm: when the subscription was requested; digest: the digest key
    expires: int | None  # unix seconds


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signer(key: bytes, purpose: str) -> itsdangerous.Signer:
    return itsdangerous.Signer(key, salt=f"nianbao.token.{purpose}", digest_method=hashlib.sha256)


def _legacy_mac(key: bytes, purpose: str, payload: bytes) -> bytes:
    return hmac.new(key, purpose.encode("ascii") + b"\x00" + payload, hashlib.sha256).digest()


def sign(
    key: bytes,
    purpose: str,
    email: str,
    subscription_id: int,
    *,
    ref: str = "",
    expires: datetime | None = None,
) -> str:
    """A token for one purpose and one address."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    claims: dict[str, Any] = {"p": purpose, "e": email, "s": subscription_id, "r": ref}
    if expires is not None:
        claims["x"] = int(expires.timestamp())
    payload = json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return _signer(key, purpose).sign(_b64(payload)).decode("ascii")


def verify(key: bytes, token: str, purpose: str, now: datetime) -> TokenClaims:
    """The claims of a token made with `key` for `purpose`, or InvalidToken."""
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise InvalidToken("malformed token")
    encoded, signature = token.split(".")
    try:
        payload = _unb64(encoded)
        given = _unb64(signature)
    except ValueError as exc:
        raise InvalidToken("malformed token") from exc
    signed = _signer(key, purpose).validate(token)
    if not signed and not hmac.compare_digest(given, _legacy_mac(key, purpose, payload)):
        raise InvalidToken("bad signature (forged, altered, or made for another purpose)")
    try:
        claims = json.loads(payload)
        result = TokenClaims(
            purpose=str(claims["p"]),
            email=str(claims["e"]),
            subscription_id=int(claims["s"]),
            ref=str(claims.get("r", "")),
            expires=int(claims["x"]) if "x" in claims else None,
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidToken("malformed claims") from exc
    if result.purpose != purpose:
        raise InvalidToken("token made for another purpose")
    if result.expires is not None and now.timestamp() > result.expires:
        raise InvalidToken("token expired")
    return result
