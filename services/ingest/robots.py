"""robots.txt as RFC 9309 defines it: the groups for our product token, the longest match wins.

Pure (no I/O): the fetcher fetches the file and asks these rules about each URL.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit


class RobotsRules:
    """The rules of one robots.txt for one product token, matched as RFC 9309 says.

    Why not `urllib.robotparser`: it applies the first matching line, not the most specific one
    (so `Allow: /` before `Disallow: /admin/` allows /admin/), and knows no `*` or `$`.
    """

    def __init__(self, rules: list[tuple[bool, str]]):
        self._rules = [(allow, pattern, _pattern_regex(pattern)) for allow, pattern in rules]

    @classmethod
    def parse(cls, text: str, product_token: str) -> RobotsRules:
        """The rules of the groups for `product_token`, else of the `*` groups, else none."""
        token = product_token.strip().lower()
        groups: list[tuple[set[str], list[tuple[bool, str]]]] = []
        in_agents = False
        for raw in text.splitlines():
            key, sep, value = raw.split("#", 1)[0].partition(":")
            if not sep:
                continue
            key, value = key.strip().lower(), value.strip()
            if key == "user-agent":
                if not in_agents:
                    groups.append((set(), []))
                    in_agents = True
                groups[-1][0].add(value.split("/", 1)[0].strip().lower())
            elif key in ("allow", "disallow"):
                in_agents = False
                if groups and value:  # an empty Disallow means no rule
                    groups[-1][1].append((key == "allow", value))
            # other keys (sitemap, crawl-delay, ...) neither end a group nor add rules
        for wanted in (token, "*"):
            chosen = [rule for agents, rules in groups if wanted in agents for rule in rules]
            if chosen or any(wanted in agents for agents, _ in groups):
                return cls(chosen)
        return cls([])

    @classmethod
    def disallow_all(cls) -> RobotsRules:
        return cls([(False, "/")])

    def allows(self, url: str) -> bool:
        """Whether `url` may be fetched: the longest matching pattern decides, allow on a tie."""
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if target == "/robots.txt":
            return True
        best: tuple[int, bool] | None = None
        for allow, pattern, regex in self._rules:
            if regex.match(target):
                candidate = (len(pattern), allow)
                if best is None or candidate > best:
                    best = candidate
        return best is None or best[1]


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    # Patterns are compared with URLs as sent, so non-ASCII in a pattern is percent-encoded.
    encoded = quote(pattern, safe="/?&=:;@!$'()*+,%-._~")
    anchored = encoded.endswith("$")
    body = encoded[:-1] if anchored else encoded
    regex = ".*".join(re.escape(piece) for piece in body.split("*"))
    return re.compile(regex + (r"\Z" if anchored else ""))
