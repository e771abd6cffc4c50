"""The sources file: the agencies nianbao watches and the list pages where they publish.

Read strictly: unknown keys are errors with their location, so a typo never silently turns a
source off. Ingest reads it for crawling, store for the agencies and their obligations.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from shared.errors import ConfigurationError
from shared.events import REPORT_KINDS

_SLUG = re.compile(r"^[a-z0-9][a-z0-9\-_.]{0,62}$")


def _known_kinds(value: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [k for k in value if k not in REPORT_KINDS]
    if unknown:
        raise ValueError(f"unknown report kind(s) {unknown}; known: {list(REPORT_KINDS)}")
    return value


def _region_code(value: str | None, field: str) -> str | None:
    if value is not None and not re.fullmatch(r"\d{6}", value):
        raise ValueError(f"{field} must be a 6-digit 行政区划代码, quoted in YAML")
    return value


class CoversSpec(BaseModel):
    """What a multi-agency column carries: every agency under a region, or the agencies listed.

    Its pages are attributed to the agency each one names (matched against the registry and the
    sources file), never to the column's owner by default.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    region: str | None = None  # 6-digit 行政区划代码: every agency under it
    agencies: tuple[str, ...] = ()  # agency ids or full names
    kinds: tuple[str, ...] = ()  # the kinds of report it carries; default: its agency's expects
    # True: every covered agency publishes there, so one absent from a healthy crawl is
    # `missing`. False (default): a covered agency without sources of its own stays `unknown`.
    complete: bool = False

    @field_validator("kinds")
    @classmethod
    def _kinds(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _known_kinds(value)

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return _region_code(value, "covers.region")

    @model_validator(mode="after")
    def _one_of(self) -> CoversSpec:
        if (self.region is None) == (not self.agencies):
            raise ValueError("covers needs exactly one of region or agencies")
        return self


class SourceSpec(BaseModel):
    """One list (column) page of an agency's portal, with per-source crawl options."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    list_url: str
    link_selector: str | None = None  # CSS selector for the list's links, when discovery needs help
    max_pages: Annotated[int, Field(ge=1, le=500)] = 20
    encoding: str | None = None  # force a charset for pages that lie about theirs
    interval_hours: Annotated[float, Field(gt=0)] = 6.0
    min_delay_seconds: Annotated[float, Field(ge=0)] = 1.0  # per host, between requests
    max_in_flight: Annotated[int, Field(ge=1, le=8)] = 1
    page_pattern: str | None = (
        None  # pages 2..max_pages when the pager is unreadable: "index_{i}.html"
    )
    covers: CoversSpec | None = None  # a column carrying many agencies' reports

    @field_validator("page_pattern")
    @classmethod
    def _page_placeholder(cls, value: str | None) -> str | None:
        if value is not None and "{n}" not in value and "{i}" not in value:
            raise ValueError(
                "page_pattern needs {n} (page number, list URL = 1) or {i} (that minus one)"
            )
        return value

    @field_validator("list_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("list_url must be an http(s) URL")
        return value


class AgencySpec(BaseModel):
    """An agency: its stable id, full official name, region and the reports it must publish."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    region_code: str | None = None
    level: str | None = None  # 省级 | 市级 | 县级 | 乡级, informational
    aliases: tuple[str, ...] = ()  # other names its reports are filed under
    expects: tuple[str, ...] = ("法治政府建设年度报告",)
    sources: tuple[SourceSpec, ...] = ()

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError("id must be a lowercase slug (a-z, 0-9, -, _, .)")
        return value

    @field_validator("region_code")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return _region_code(value, "region_code")

    @field_validator("expects")
    @classmethod
    def _kinds(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _known_kinds(value)

    def source_id(self, index: int) -> str:
        """The stable id of this agency's n-th source."""
        return f"{self.id}#{index}"


class SourcesFile(BaseModel):
    """The whole sources file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    agencies: tuple[AgencySpec, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> SourcesFile:
        seen: set[str] = set()
        for agency in self.agencies:
            if agency.id in seen:
                raise ValueError(f"agency id {agency.id!r} appears twice")
            seen.add(agency.id)
        return self


def parse_sources(text: str, origin: str = "<sources>") -> SourcesFile:
    """Parse sources YAML, with errors that name the file and the failing entry."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{origin}: not valid YAML: {exc}") from exc
    try:
        return SourcesFile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigurationError(f"{origin}: {problems}") from exc


def load_sources(path: Path) -> SourcesFile:
    """Read and parse the sources file at `path`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot read sources file {path}: {exc.strerror}") from exc
    sources = parse_sources(text, str(path))
    if not sources.agencies:  # an empty or truncated file would watch nothing, silently
        raise ConfigurationError(f"{path}: no agencies listed (expected `agencies:` with entries)")
    return sources
