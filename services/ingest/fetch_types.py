"""What a fetch hands back: the page it got, or the error that says why it got none.

    FetchError              the page could not be had; `kind` says why and `url` which page
    ├── Blocked             an anti-bot or WAF answer: the source is marked blocked, never retried hot
    ├── Refused             robots.txt, a private address, or a redirect we will not follow
    └── NotFound            the page does not exist (404/410)

Kept apart from the fetcher so the crawl, the robots.txt cache and the portal discovery can
name these without the HTTP machinery.
"""

from __future__ import annotations

from dataclasses import dataclass

REDIRECT_STATUSES = (301, 302, 303, 307, 308)


class FetchError(Exception):
    """A page could not be fetched; `kind` is failed | not_found | blocked | refused."""

    kind = "failed"

    def __init__(self, message: str, *, url: str):
        super().__init__(message)
        self.url = url


class Blocked(FetchError):
    """The portal answered with an anti-bot challenge or a WAF ban."""

    kind = "blocked"


class Refused(FetchError):
    """nianbao will not fetch this URL (robots.txt, private address, too many redirects)."""

    kind = "refused"


class NotFound(FetchError):
    """The page does not exist (404/410)."""

    kind = "not_found"


@dataclass(frozen=True)
class FetchResult:
    """A fetched page. `not_modified` means the conditional GET answered 304 (no body)."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    not_modified: bool = False

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    @property
    def redirect_location(self) -> str | None:
        """Where a redirect points (relative as sent), or None for any other answer."""
        if self.status in REDIRECT_STATUSES:
            return self.headers.get("location")
        return None

    @property
    def declared_charset(self) -> str | None:
        content_type = self.content_type or ""
        for part in content_type.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                return value.strip("\"' ")
        return None
