"""robots.txt as RFC 9309 defines it, read by `protego`, with a thin layer where protego differs.

Pure (no I/O): the fetcher fetches the file and asks these rules about each URL.

protego does the parsing and the matching (the longest pattern wins, allow on a tie, `*` and
`$`, `/robots.txt` always allowed). Before it sees a robots.txt, two things are rewritten:

- the octets of paths and patterns. protego decodes every percent-escape and reads the octets as
  UTF-8, replacing what is not: on a GBK portal `/%C4%EA` (年) and `/%B1%A8` (报) both become
  replacement characters and compare equal, so one rule would decide for the other; and it
  takes `%3F` for `?`. RFC 9309 compares octets, unescaping only unreserved ASCII. Both sides
  are spelled that way here (`octet_spelling`; raw non-ASCII as the UTF-8 octets httpx sends,
  so a raw Chinese link meets its percent-encoded rule), the escapes protego would misread
  written `%25XX`, which it leaves alone.
- the group lines. Only `User-agent`, `Allow` and `Disallow` lines are kept: protego ends a
  group at any other line (a `Crawl-delay` between two `User-agent` lines splits them), and
  RFC 9309 groups by those three alone. protego also binds a group whose name occurs in ours at
  a word start (`User-agent: nian` would bind `nianbao`) and keeps a version (`nianbao/1.0`
  would not bind us). RFC 9309 matches the product token: each `User-agent` line is rewritten
  to `*`, our token, or blank (no one we heed).

Known difference kept from protego: `Allow: /dir/index.html` also allows `/dir/`, the same page.
"""

from __future__ import annotations

import re
import string
from urllib.parse import urlsplit

from protego import Protego

_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_RESERVED = frozenset(":/?#[]@!$&'()*+,;=")  # RFC 3986: an escaped one is not the character
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_RULE_LINE = re.compile(r"^\s*(user[- ]?agent|allow|disallow)\s*:(.*)$", re.IGNORECASE)


class RobotsRules:
    """The rules of one robots.txt for one product token, matched as RFC 9309 says.

    Why not `urllib.robotparser`: it applies the first matching line, not the most specific one
    (so `Allow: /` before `Disallow: /admin/` allows /admin/), and knows no `*` or `$`.
    """

    def __init__(self, parser: Protego, product_token: str):
        self._parser = parser
        self._token = product_token

    @classmethod
    def parse(cls, text: str, product_token: str) -> RobotsRules:
        """The rules of the groups for `product_token`, else of the `*` groups, else none."""
        token = product_token.strip().lower()
        return cls(Protego.parse(_rewritten_for_protego(text, token)), token)

    @classmethod
    def allow_all(cls) -> RobotsRules:
        """No rules: what a robots.txt that is absent (4xx) means."""
        return cls.parse("", "*")

    @classmethod
    def disallow_all(cls) -> RobotsRules:
        """Everything disallowed: what a robots.txt that cannot be had (5xx) means."""
        return cls.parse("User-agent: *\nDisallow: /\n", "*")

    def allows(self, url: str) -> bool:
        """Whether `url` may be fetched: the longest matching pattern decides, allow on a tie."""
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return self._parser.can_fetch(octet_spelling(target), self._token)


def octet_spelling(text: str) -> str:
    """`text` (a path or a pattern) with each octet spelled one way, in a form protego keeps.

    An escaped unreserved ASCII character becomes the character; characters a URI carries as
    they are (`*` and `$` among them) stay. An escaped reserved character, and an octet that is
    not part of valid UTF-8 (GBK), become `%25XX`: protego leaves `%25` alone, so these compare
    as octets. Everything else (UTF-8 text, escaped or raw; spaces) becomes upper-case `%XX`,
    which protego compares correctly itself and counts as three characters per octet, as other
    RFC 9309 parsers do when the longest match decides.
    """
    spelled: list[str] = []
    non_ascii = bytearray()  # a run of octets above 0x7F, spelled once the run ends
    position = 0
    while position < len(text):
        escape = _ESCAPE.match(text, position)
        if escape is not None:
            octet = int(escape[1], 16)
            position = escape.end()
        else:
            character = text[position]
            position += 1
            if not character.isascii():
                non_ascii += character.encode("utf-8")
                continue
            octet = ord(character)
        if octet > 0x7F:
            non_ascii.append(octet)
            continue
        spelled.append(_spelled_run(bytes(non_ascii)))
        non_ascii.clear()
        ascii_character = chr(octet)
        if ascii_character in _UNRESERVED or (escape is None and ascii_character in _RESERVED):
            spelled.append(ascii_character)
        else:
            spelled.append(f"%25{octet:02X}" if ascii_character in _RESERVED else f"%{octet:02X}")
    spelled.append(_spelled_run(bytes(non_ascii)))
    return "".join(spelled)


def _spelled_run(octets: bytes) -> str:
    """Octets above 0x7F: valid UTF-8 as `%XX`, anything else as `%25XX`."""
    text = octets.decode("utf-8", errors="surrogateescape")
    return "".join(
        f"%25{ord(character) - 0xDC00:02X}"
        if 0xDC80 <= ord(character) <= 0xDCFF
        else "".join(f"%{octet:02X}" for octet in character.encode("utf-8"))
        for character in text
    )


def _rewritten_for_protego(text: str, token: str) -> str:
    """The robots.txt's rule lines only, patterns in `octet_spelling`, agents `*`, ours or blank.

    A blank `User-agent` still ends the group before it, and rules under no agent but blank
    ones are dropped by protego: the groups of other crawlers vanish, as they should for us.
    """
    lines: list[str] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0]
        match = _RULE_LINE.match(line)
        if match is None:  # Sitemap, Crawl-delay, misspellings: unused, and they must not end
            continue  # a group (protego ends one at any other line between User-agent lines)
        key, value = match[1].lower(), match[2].strip()
        if key in ("allow", "disallow"):
            lines.append(f"{key}: {octet_spelling(value)}")
            continue
        agent = value.split("/", 1)[0].strip().lower()
        lines.append(f"user-agent: {agent if agent in ('*', token) else ''}")
    return "\n".join(lines)
