"""Builders of events and sources for tests: valid by default, every field overridable."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from shared.events import Extraction, Region, ReportExtracted, SourceChecked, stable_id
from shared.sources import parse_sources

SOURCES_YAML = """
agencies:
  - id: km-kjj
    name: 昆明市科学技术局
    region_code: "530100"
    expects: [法治政府建设年度报告]
    sources:
      - list_url: https://kjj.km.gov.cn/xxgk/fzzf/index.html
"""


def sources(text: str = SOURCES_YAML) -> Any:
    return parse_sources(text)


def agency_yaml(
    agency_id: str,
    name: str,
    region_code: str,
    expects: tuple[str, ...] = ("法治政府建设年度报告",),
) -> str:
    """One agency entry of a sources file, with one list page on its own host."""
    return (
        f'  - id: {agency_id}\n    name: {name}\n    region_code: "{region_code}"\n'
        f"    expects: [{', '.join(expects)}]\n"
        f"    sources:\n      - list_url: https://{agency_id}.gov.cn/list/index.html\n"
    )


def extraction(**overrides: Any) -> Extraction:
    values: dict[str, Any] = {
        "extractor_version": "1",
        "is_annual_report": True,
        "kind": "法治政府建设年度报告",
        "title": "市科技局关于2024年法治政府建设工作情况的报告",
        "agency": "昆明市科学技术局",
        "region": Region(province="云南省", city="昆明市", code="530100"),
        "report_year": 2024,
        "published": date(2025, 3, 6),
        "text": "一、工作落实情况 开展学法12次",
    }
    values.update(overrides)
    return Extraction(**values)


def report_extracted(
    url: str = "https://kjj.km.gov.cn/xxgk/fzzf/202503/t20250306_1.html",
    fetched_at: datetime = datetime(2025, 3, 7, 8, 0, tzinfo=UTC),
    backfill: bool = False,
    agency_id: str = "km-kjj",
    **extraction_overrides: Any,
) -> ReportExtracted:
    ext = extraction(**extraction_overrides)
    sha = stable_id("sha", url, ext.text) * 2
    return ReportExtracted(
        event_id=stable_id("report.extracted", url, sha),
        occurred_at=fetched_at,
        document_event_id=stable_id("document.fetched", url, sha),
        source_id=f"{agency_id}#0",
        agency_id=agency_id,
        url=url,
        sha256=sha,
        blob_key=sha,
        fetched_at=fetched_at,
        backfill=backfill,
        extraction=ext,
    )


def source_checked(
    status: str = "ok",
    at: datetime = datetime(2025, 4, 9, 8, 0, tzinfo=UTC),
    reason: str | None = None,
    agency_id: str = "km-kjj",
) -> SourceChecked:
    return SourceChecked(
        event_id=stable_id("source.checked", f"{agency_id}#0", at.isoformat()),
        occurred_at=at,
        source_id=f"{agency_id}#0",
        agency_id=agency_id,
        list_url="https://kjj.km.gov.cn/xxgk/fzzf/index.html",
        status=status,
        reason=reason,
        started_at=at,
        finished_at=at,
        list_pages=2,
        candidates=3,
        fetched=1,  # type: ignore[arg-type]
    )
