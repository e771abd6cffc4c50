"""URL handling for discovery: resolving hrefs and deciding what counts as the same site.

"Same site" means the same registrable domain: a department at `kjj.km.gov.cn` links to its
government at `www.km.gov.cn`, and both are the same owner (domain.md). Without a public-suffix
list we treat the second-level labels China uses (`gov.cn`, `com.cn`, ...) as suffixes, which is
what government portals need.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from urllib.parse import urldefrag, urljoin, urlsplit

_SECOND_LEVEL = {"gov", "com", "edu", "org", "net", "ac", "mil"}
_NOT_LINKS = ("javascript:", "mailto:", "tel:", "data:", "#")


def resolve(href: str | None, base: str) -> str | None:
    """The absolute http(s) URL an href points to, without fragment; None for non-links."""
    if not href:
        return None
    href = "".join(href.split())  # CMS templates break long hrefs over lines
    if not href or href.lower().startswith(_NOT_LINKS):
        return None
    try:
        absolute = urldefrag(urljoin(base, href)).url
        scheme = urlsplit(absolute).scheme
    except ValueError:  # "Invalid IPv6 URL": a "[" opening no valid literal; one bad link only
        return None
    return absolute if scheme in ("http", "https") else None


@lru_cache(maxsize=4096)  # a page asks about the same few hosts for each of its links
def site_key(host: str) -> str:
    """The registrable domain of `host` (the host itself for IPs and single labels)."""
    host = host.lower().rstrip(".")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return host
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def same_site(url: str, base: str) -> bool:
    """Whether `url` belongs to the same owner as `base` (same registrable domain)."""
    try:
        host, base_host = urlsplit(url).hostname, urlsplit(base).hostname
    except ValueError:  # an invalid IPv6 literal: not an address of any site
        return False
    if not host or not base_host:
        return False
    return site_key(host) == site_key(base_host)
