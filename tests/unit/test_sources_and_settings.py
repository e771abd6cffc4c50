"""The sources file and settings: strict, with errors that say where."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.errors import ConfigurationError
from shared.settings import CommonSettings, parse_now
from shared.sources import parse_sources

pytestmark = pytest.mark.unit

GOOD = """
agencies:
  - id: km-kjj
    name: 昆明市科学技术局
    region_code: "530100"
    sources:
      - list_url: https://kjj.km.gov.cn/xxgk/index.html
        max_pages: 5
"""


def test_a_valid_file_parses_with_defaults() -> None:
    sources = parse_sources(GOOD)
    agency = sources.agencies[0]
    assert agency.expects == ("法治政府建设年度报告",)
    assert agency.sources[0].max_pages == 5
    assert agency.sources[0].min_delay_seconds == 1.0
    assert agency.source_id(0) == "km-kjj#0"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace("max_pages", "max_pagez"), "max_pagez"),
        (GOOD.replace('"530100"', "530100x"), "region_code"),
        (GOOD.replace("https://", "ftp://"), "list_url"),
        (GOOD + "    expects: [年终总结]\n", "expects"),
        ("agencies: [", "not valid YAML"),
        (GOOD + GOOD.replace("agencies:\n", ""), "appears twice"),
    ],
)
def test_mistakes_are_reported_with_their_place(text: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        parse_sources(text, "sources.yaml")


def test_now_override_accepts_a_date_or_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse_now("2025-04-10") == datetime(2025, 4, 10, tzinfo=UTC)
    assert parse_now("2025-04-10T08:30:00+08:00") == datetime(2025, 4, 10, 0, 30, tzinfo=UTC)
    monkeypatch.setenv("NIANBAO_NOW", "2025-04-10")
    assert CommonSettings().now == datetime(2025, 4, 10, tzinfo=UTC)
    with pytest.raises(ValueError, match="NIANBAO_NOW"):
        parse_now("next tuesday")


def test_database_defaults_to_sqlite_in_the_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NIANBAO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("NIANBAO_DATABASE_URL", raising=False)
    assert (
        CommonSettings().resolved_database_url()
        == f"sqlite:///{tmp_path.resolve()}/nianbao.sqlite3"
    )
