"""The articles of each demo site: the seed report placed among ordinary articles.

Dates are spread out around the seed's publication date so that, newest first, the seed lands at
the list position its site asks for (page 2 or 3 on some sites, so pagination matters). The URLs
follow each platform's habits, which is what discovery recognises.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from services.demo_portal.catalogue import FILLERS, SITES, AgencySite

_SEED_TIMES = {
    "000_e2ea7a02f9202a4e.txt": time(9, 12),
    "001_3b35ca370aa899d8.txt": time(15, 0),  # the seed's own 来源 line says 15:00
    "003_270951ed5cca0aaf.txt": time(10, 25),
    "004_253d638350631034.txt": time(18, 57),  # 发布时间:2024-08-10 18:57:23
}
_SPACING = timedelta(days=9)


@dataclass(frozen=True)
class Article:
    """One detail page of a demo site."""

    site: AgencySite
    path: str  # absolute path on the portal, with the query for ASP pages
    title: str
    published: datetime | None  # None: the page shows no publication date at all
    paragraphs: tuple[str, ...]
    is_seed: bool
    index_number: str | None
    publisher: str
    show_heading: bool


def seeds_dir() -> Path:
    """The directory holding the seed report texts and labels.json (package data)."""
    return Path(str(resources.files("services.demo_portal") / "seeds"))


@cache
def _labels() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((seeds_dir() / "labels.json").read_text("utf-8"))
    return loaded


def seed_labels() -> dict[str, Any]:
    """Ground truth for the seeds, keyed by seed file name (without the `_about` note)."""
    return {name: label for name, label in _labels().items() if not name.startswith("_")}


def _seed_paragraphs(site: AgencySite) -> tuple[str, ...]:
    lines = (seeds_dir() / site.seed_file).read_text("utf-8").splitlines()
    first, last = site.body_lines
    return tuple(line.strip() for line in lines[first - 1 : last] if line.strip())


def _article_path(site: AgencySite, when: date, serial: int) -> str:
    if site.style == "trs":
        return f"{site.prefix}/{site.column_path}/{when:%Y%m}/t{when:%Y%m%d}_{serial}.html"
    if site.style == "hanweb":
        column = site.column_path.rsplit("col", 1)[-1]
        return f"{site.prefix}/art/{when.year}/{when.month}/{when.day}/art_{column}_{serial}.html"
    if site.style == "asp":
        return f"{site.prefix}/ShowArticle.asp?ArticleID={serial}"
    return f"{site.prefix}/{site.column_path}/content_{serial}.html"


def _seed_reference(site: AgencySite) -> datetime:
    label = seed_labels()[site.seed_file]
    day = date.fromisoformat(label["published"] or label["signed"])
    return datetime.combine(day, _SEED_TIMES.get(site.seed_file, time(9, 30)))


def _filler_index_number(site: AgencySite, year: int, position: int) -> str | None:
    # Only the site whose seed shows an 索引号 numbers its other articles the same way.
    label = seed_labels()[site.seed_file]
    if not label.get("index_number"):
        return None
    organisation = str(label["index_number"]).split("/", 1)[0]
    return f"{organisation}/{year}-{1100 + position:05d}"


def site_articles(site: AgencySite) -> tuple[Article, ...]:
    """The articles of `site`, newest first, as its list shows them."""
    label = seed_labels()[site.seed_file]
    reference = _seed_reference(site)
    fillers = list(site.fillers)
    keys: list[str | None] = [*fillers[: site.seed_position], None, *fillers[site.seed_position :]]
    articles: list[Article] = []
    for position, key in enumerate(keys):
        when = reference + (site.seed_position - position) * _SPACING
        if key is None:
            articles.append(
                Article(
                    site=site,
                    path=_article_path(site, when.date(), 900000 + position),
                    title=label["title"],
                    published=reference if label["published"] else None,
                    paragraphs=_seed_paragraphs(site),
                    is_seed=True,
                    index_number=label.get("index_number"),
                    # The seed page names its publisher by the short name where it does so.
                    publisher=site.short_name if label.get("index_number") else site.name,
                    # Seed 002's text starts with the addressee; its page has no title line.
                    show_heading=site.seed_file != "002_acf107ec8495534f.txt",
                )
            )
            continue
        when = when.replace(hour=8 + position % 9, minute=(position * 17) % 60)
        values = {"city": site.city, "name": site.name, "short": site.short_name}
        values["year"] = str(when.year)
        title, paragraphs = FILLERS[key]
        articles.append(
            Article(
                site=site,
                path=_article_path(site, when.date(), 900000 + position),
                title=title.format(**values),
                published=when,
                paragraphs=tuple(p.format(**values) for p in paragraphs),
                is_seed=False,
                index_number=_filler_index_number(site, when.year, position),
                publisher=site.short_name,
                show_heading=True,
            )
        )
    return tuple(articles)


def all_articles() -> tuple[Article, ...]:
    """Every article of every demo site."""
    return tuple(article for site in SITES for article in site_articles(site))
