"""Protection of the forms that change state: CSRF tokens and a per-client rate limit.

CSRF: a signed double submit. The form page sets a random nonce in a `SameSite=Strict`,
HttpOnly cookie and puts `nonce.issued.mac` in a hidden field, the MAC being HMAC-SHA256 over
both with notify's signing key. A post is accepted only when the field's MAC is right, it is
younger than CSRF_VALID_SECONDS and its nonce is the cookie's: another site can make a browser
post, but can neither read the cookie nor forge the field.

Rate limit: a sliding window per client address, in this process's memory (each replica counts
its own; the per-address limit on confirmation emails in NotifyService holds across replicas).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable

CSRF_COOKIE = "nianbao_csrf"
CSRF_VALID_SECONDS = 2 * 3600


def _mac(key: bytes, nonce: str, issued: int) -> str:
    message = f"csrf\x00{nonce}\x00{issued}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def new_csrf(key: bytes, now: float | None = None) -> tuple[str, str]:
    """(cookie nonce, form token) for one form page."""
    nonce = secrets.token_urlsafe(18)
    issued = int(time.time() if now is None else now)
    return nonce, f"{nonce}.{issued}.{_mac(key, nonce, issued)}"


def csrf_ok(key: bytes, token: str | None, cookie: str | None, now: float | None = None) -> bool:
    """Whether a posted form token is genuine, recent and belongs to this browser's cookie."""
    if not token or not cookie or len(token) > 200 or token.count(".") != 2:
        return False
    nonce, issued_text, mac = token.split(".")
    if not issued_text.isdigit() or not hmac.compare_digest(nonce, cookie):
        return False
    issued = int(issued_text)
    age = (time.time() if now is None else now) - issued
    if not 0 <= age <= CSRF_VALID_SECONDS:
        return False
    return hmac.compare_digest(mac, _mac(key, nonce, issued))


class RateLimit:
    """At most `limit` events per `window` seconds for each key (a client address)."""

    def __init__(
        self,
        limit: int,
        window: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ):
        self.limit = limit
        self.window = window
        self.clock = clock
        self.max_keys = max_keys
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> float | None:
        """None when allowed (and counted); else the seconds until the next one is."""
        now = self.clock()
        with self._lock:
            if len(self._seen) >= self.max_keys:
                self._forget(now)
            times = self._seen.setdefault(key, deque())
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= self.limit:
                return max(1.0, times[0] + self.window - now)
            times.append(now)
            return None

    def _forget(self, now: float) -> None:
        for key in [k for k, t in self._seen.items() if not t or t[-1] <= now - self.window]:
            del self._seen[key]
        if len(self._seen) >= self.max_keys:  # a flood of addresses: start counting afresh
            self._seen.clear()
