"""The values list-page discovery hands to the crawler.

Kept apart from the parsing code so the crawler can import the shapes without pulling in the
HTML machinery, and so the parsing siblings can share them without import cycles.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class PageRequest:
    """A further page of the same list; Hanweb portals need a POST with form fields."""

    url: str
    method: str = "GET"
    form: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ListItem:
    """One article link of a list page, with the date the portal shows next to it."""

    url: str
    title: str
    date: date | None


@dataclass(frozen=True)
class ListPage:
    """What one list page tells us: its articles and the other pages of the same list."""

    items: tuple[ListItem, ...]
    further_pages: tuple[PageRequest, ...]
