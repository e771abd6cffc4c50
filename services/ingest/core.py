"""Pure rules of the crawler: which addresses are off limits, what an anti-bot answer looks like,
and when each source is next due. No I/O, no clock: the service passes both in.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime, timedelta
from urllib.parse import unquote

from shared.events import stable_id

# 瑞数 (Riversafe) answers 412 with a `$_ts` bootstrap script; 加速乐 sets `__jsluid*` cookies and
# serves a tiny JavaScript challenge; other WAFs ban with 403/405 and a short "访问被拒绝" page.
_CHALLENGE_MARKERS = (
    "$_ts",
    "__jsl_clearance",
    "document.cookie=",
    "访问被拒绝",
    "安全验证",
    "WAF",
    "滑动验证",
)
CHALLENGE_BODY_MAX = 4096
# Cloud metadata services that are not link-local: Alibaba Cloud's (in the shared 100.64/10
# space), AWS's IPv6 one (a unique-local address) and Azure's platform address (a public one).
# No portal lives there, and they hand out credentials to whoever asks from inside the cloud.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("100.100.100.200", "fd00:ec2::254", "168.63.129.16")
)
FIRST_CRAWL_SPREAD = timedelta(minutes=1)


def blocked_reason(status: int, headers: dict[str, str], body: bytes) -> str | None:
    """Why an answer is an anti-bot block rather than content, or None when it is not one."""
    cookies = headers.get("set-cookie", "")
    head = body[:CHALLENGE_BODY_MAX].decode("utf-8", errors="replace")
    if status == 412 and ("$_ts" in head or "<script" in head.lower()):
        return "anti-bot challenge (HTTP 412 with a $_ts script, 瑞数)"
    if "__jsluid" in cookies and (
        status in (403, 412, 521) or (len(body) < CHALLENGE_BODY_MAX and "<script" in head.lower())
    ):
        return f"anti-bot challenge (__jsluid cookie, HTTP {status}, 加速乐)"
    if (
        status in (403, 405, 412, 418, 429, 521)
        and len(body) < CHALLENGE_BODY_MAX
        and any(m in head for m in _CHALLENGE_MARKERS)
    ):
        return f"anti-bot or WAF answer (HTTP {status})"
    return None


_DISPOSITION_PARAM = re.compile(
    r"""(?P<key>filename\*?)\s*=\s*(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<bare>[^;]*))""", re.I
)


def _mojibake_repaired(text: str) -> str:
    """Undo a header decoded as latin-1 although its bytes were UTF-8 or GBK (both are seen)."""
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        return text  # already real text
    for charset in ("utf-8", "gb18030"):
        try:
            return raw.decode(charset)
        except UnicodeDecodeError:
            continue
    return text


def disposition_filename(value: str | None) -> str | None:
    """The file name a `Content-Disposition` header gives, without any directory part.

    RFC 6266 `filename*=UTF-8''...` wins over `filename=`; Chinese portals also send
    percent-encoded UTF-8 in plain `filename=`, or raw GBK bytes (which arrive as latin-1).
    """
    if not value:
        return None
    found: dict[str, str] = {}
    for match in _DISPOSITION_PARAM.finditer(value):
        raw = match.group("quoted")
        raw = raw.replace('\\"', '"') if raw is not None else (match.group("bare") or "").strip()
        found.setdefault(match.group("key").lower(), raw)
    name: str | None = None
    extended = found.get("filename*")
    if extended and "'" in extended:
        charset, _, rest = extended.partition("'")
        _language, _, encoded = rest.partition("'")
        try:
            name = unquote(encoded, encoding=charset or "utf-8", errors="strict")
        except (LookupError, UnicodeDecodeError):
            name = None
    if name is None and found.get("filename"):
        plain = found["filename"]
        name = unquote(plain) if re.search(r"%[0-9A-Fa-f]{2}", plain) else plain
        name = _mojibake_repaired(name)
    if not name:
        return None
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name or None


def address_refusal(address: str, allow_private: bool) -> str | None:
    """Why the crawler must not connect to `address`, or None if it may.

    `allow_private` opens loopback and private networks; link-local addresses and the cloud
    metadata services stay refused.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"not an IP address: {address!r}"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_multicast or ip.is_unspecified:
        return f"{ip} is not a unicast address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.sixtofour is not None:
        ip = ip.sixtofour  # 2002::/16 carries an IPv4 address that a 6to4 relay reaches
    # Refused whatever the setting: allowing private networks is for a portal on the LAN (or
    # the demo on loopback), never for the cloud metadata service (169.254.169.254, fe80::/10).
    if ip.is_link_local or ip in METADATA_ADDRESSES:
        return f"{ip} is a link-local or cloud metadata address"
    if allow_private:
        return None
    if ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_reserved or not ip.is_global:
        return f"{ip} is a private, loopback or link-local address (set NIANBAO_ALLOW_PRIVATE_NETWORKS=1 to allow)"
    return None


def next_crawl_at(
    source_id: str, last_started: datetime | None, interval: timedelta, now: datetime
) -> datetime:
    """When a source is next due.

    The first crawl of each source is spread over a minute by a hash of its id, and every
    later one gets ±10 % jitter from the same hash, so thousands of sources never fire together
    and the spread survives restarts.
    """
    fraction = int(stable_id("schedule", source_id)[:8], 16) / 0xFFFFFFFF
    if last_started is None:
        # Never crawled: soon (a new source should show results), but not all in the same second.
        return now + min(interval * 0.1, FIRST_CRAWL_SPREAD) * fraction
    jitter = interval * ((fraction - 0.5) * 0.2)
    return last_started + interval + jitter
