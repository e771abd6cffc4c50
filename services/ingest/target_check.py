"""Whether a URL is a target nianbao may connect to: http(s), and only to public addresses.

Every hop of a redirect is checked, and a host is checked by every address it resolves to, so
neither a redirect nor a DNS answer can lead a crawl into a private network (SSRF).
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from services.ingest.core import address_refusal
from services.ingest.fetch_types import FetchError, Refused

Resolver = Callable[[str, int], Awaitable[list[str]]]


async def system_resolve(host: str, port: int) -> list[str]:
    """The addresses the operating system's resolver gives for `host`."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def check_target(url: str, resolve: Resolver, allow_private_networks: bool) -> None:
    """Raise `Refused` for a URL nianbao will not fetch, `FetchError` for a host with no address."""
    parts = urlsplit(url)
    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:  # a port that is not a number, or out of range
        raise Refused(f"not a valid URL: {exc}", url=url) from exc
    if parts.scheme not in ("http", "https") or not host:
        raise Refused(f"not an http(s) URL: {url!r}", url=url)
    port = port or (443 if parts.scheme == "https" else 80)
    literal = _ip_literal(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            addresses = await resolve(host, port)
        except OSError as exc:  # socket.gaierror is one
            reason = getattr(exc, "strerror", None) or str(exc)
            raise FetchError(f"cannot resolve {host}: {reason}", url=url) from exc
        if not addresses:
            raise FetchError(f"cannot resolve {host}: no address", url=url)
    for address in addresses:
        refusal = address_refusal(address, allow_private_networks)
        if refusal:
            raise Refused(f"{host}: {refusal}", url=url)


def _ip_literal(host: str) -> str | None:
    """The address a host that is written as an IP means, in any form a C library accepts.

    `2130706433`, `0x7f.1` and `0177.0.0.1` are all 127.0.0.1 to the resolver that will
    connect, so they are checked as such rather than passed to a resolver that may not know.
    """
    try:
        return str(ipaddress.ip_address(host.split("%", 1)[0]))
    except ValueError:
        pass
    if not re.fullmatch(r"(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}", host.lower()):
        return None
    try:
        return socket.inet_ntoa(socket.inet_aton(host))
    except OSError:
        return None
