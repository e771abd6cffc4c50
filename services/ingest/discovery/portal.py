"""Reading a portal from its home page to propose the sources that hold its annual reports.

The crawl is the crawler's own fetcher (robots.txt, the per-host gate, the address checks), so a
discovery is as polite as a crawl: one request at a time per host, `min_delay` apart, never more
than `max_pages` pages, never further than `depth` links from the home page, never off the site.
Links that name report columns are read first, navigation (信息公开, 专题) next, nothing else.
The proposal is sources YAML with the evidence of each column as comments, ready for the file.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from services.ingest.discovery.columns import (
    ColumnEvidence,
    column_evidence,
    page_links,
    page_meta,
    site_region,
    worth_following,
)
from services.ingest.fetch_types import FetchError
from services.ingest.fetcher import PoliteFetcher
from shared.decoding import decode_bytes
from shared.errors import ConfigurationError
from shared.sources import parse_sources


@dataclass
class Discovery:
    """What a portal showed: its name and region, its report columns, what was read."""

    home: str
    site_name: str | None = None
    region_code: str | None = None
    columns: list[ColumnEvidence] = field(default_factory=list)
    pages_read: int = 0
    errors: list[str] = field(default_factory=list)


async def discover(
    fetcher: PoliteFetcher,
    home: str,
    *,
    depth: int = 2,
    max_pages: int = 50,
    min_delay: float = 1.0,
) -> Discovery:
    """Read up to `max_pages` pages from `home`, best links first, and collect report columns."""
    if not home.startswith(("http://", "https://")):
        raise ConfigurationError(f"{home!r} is not an http(s) URL")
    found = Discovery(home=home)
    queue: list[tuple[int, int, int, str, str | None]] = [(0, 0, 0, home, None)]
    queued = {home}
    order = 0
    while queue and found.pages_read < max_pages:
        _priority, level, _order, url, link_text = heapq.heappop(queue)
        try:
            result = await fetcher.fetch(url, min_delay=min_delay, max_in_flight=1)
        except FetchError as exc:
            found.errors.append(f"{url}: {exc}")
            continue
        found.pages_read += 1
        if result.status >= 400 or "html" not in (result.content_type or "text/html"):
            found.errors.append(f"{url}: HTTP {result.status}")
            continue
        body, _ = decode_bytes(result.body, result.declared_charset)
        if level == 0:
            meta = page_meta(body)
            found.site_name = meta.get("SiteName") or _site_title(meta.get("title"))
            found.region_code = site_region(meta)
        evidence = column_evidence(body, result.url, link_text) if level > 0 else None
        if evidence is not None:
            found.columns.append(evidence)
        if level >= depth:
            continue
        for link in page_links(body, result.url):
            score = worth_following(link)
            if score == 0 or link.url in queued:
                continue
            queued.add(link.url)
            order += 1
            # Column links first at any level, then the nearest navigation.
            heapq.heappush(queue, (-score * 10 + level, level + 1, order, link.url, link.text))
    return found


def _site_title(title: str | None) -> str | None:
    if not title:
        return None
    return re.split(r"[-_|｜—]", title)[-1].strip() or None


def _slug(home: str) -> str:
    host = (urlsplit(home).hostname or "portal").lower()
    host = re.sub(r"^www\.", "", host)
    slug = re.sub(r"[^a-z0-9]+", "-", host).strip("-")
    return slug[:63] or "portal"


def proposal_yaml(found: Discovery, agency_id: str | None = None) -> str:
    """The sources YAML for what was found: one agency (the portal's owner) and its columns.

    Evidence goes in comments, so the file stays what `parse_sources` reads. A multi-agency
    column covers the portal's region when its SiteIDCode gives one; otherwise the proposal says
    so and leaves `covers` for a person to fill in.
    """
    ident = agency_id or _slug(found.home)
    lines = [
        f"  # discovered from {found.home}: {found.pages_read} pages read, "
        f"{len(found.columns)} report column(s)",
        f"  - id: {ident}",
        f"    name: {_quote(found.site_name or ident)}  # the site's name: check the agency's",
    ]
    if found.region_code:
        lines.append(f'    region_code: "{found.region_code}"  # from SiteIDCode')
    kinds = sorted({c.kind for c in found.columns if c.kind})
    if kinds:
        lines.append(f"    expects: [{', '.join(kinds)}]")
    lines.append("    sources:")
    for column in found.columns:
        lines.append(f"      # {column.name}: {'; '.join(column.reasons)}")
        lines.extend(f"      #   e.g. {title}" for title in column.sample_titles)
        lines.append(f"      - list_url: {_quote(column.url)}")
        if column.multi_agency:
            places = "、".join(column.places[:6])
            if found.region_code:
                lines.append(f'        covers: {{region: "{found.region_code}"}}  # {places}')
            else:
                lines.append(f"        # reports of several places ({places}): add covers")
    return "\n".join(lines) + "\n"


def _quote(value: str) -> str:
    if re.fullmatch(r"[\w\u4e00-\u9fff./:\-]+", value) and not value[0].isdigit():
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def append_to_sources(existing: str, proposal: str, origin: str) -> str:
    """The sources file with the proposal appended, validated; an id in use gets a suffix."""
    text = existing.rstrip("\n")
    if not text.strip():
        text = "agencies:"
    elif not re.search(r"^agencies:", text, re.MULTILINE):
        raise ConfigurationError(f"{origin}: has no `agencies:` list to append to")
    if re.search(r"^agencies:\s*\[\s*\]\s*$", text, re.MULTILINE):
        text = re.sub(r"^agencies:\s*\[\s*\]\s*$", "agencies:", text, flags=re.MULTILINE)
    empty = text.strip() == "agencies:"
    taken = set() if empty else {a.id for a in parse_sources(text + "\n", origin).agencies}
    match = re.search(r"^  - id: (\S+)$", proposal, re.MULTILINE)
    if match and match.group(1) in taken:
        base, n = match.group(1), 2
        while f"{base}-{n}" in taken:
            n += 1
        proposal = proposal.replace(f"  - id: {base}\n", f"  - id: {base}-{n}\n", 1)
    indent = re.search(r"^( *)- id:", text, re.MULTILINE)
    if indent is not None and indent.group(1) != "  ":
        proposal = re.sub(r"^  ", indent.group(1), proposal, flags=re.MULTILINE)
    combined = text + "\n" + proposal
    parse_sources(combined, origin)  # the file stays valid, or nothing is written
    return combined
