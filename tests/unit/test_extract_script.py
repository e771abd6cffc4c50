"""Traditional-character pages (big5 gateways, mirrors) read as their simplified originals."""

from __future__ import annotations

import json
from pathlib import Path

import opencc
import pytest

from services.extract.core import Document, extract_document
from services.extract.script import to_simplified, traditional_share

pytestmark = pytest.mark.unit

SEEDS = Path(__file__).resolve().parents[2] / "services" / "demo_portal" / "seeds"
SEED_FILES = sorted(
    name for name in json.loads((SEEDS / "labels.json").read_text("utf-8")) if name[0] != "_"
)
FIELDS = ("is_annual_report", "kind", "agency", "region", "report_year", "published", "title")


def test_a_traditional_title_is_converted() -> None:
    text, converted = to_simplified(
        "北京市朝陽區人民政府2023年政府信息公開工作年度報告，由區政府辦公室編制。"
    )
    assert converted
    assert text == "北京市朝阳区人民政府2023年政府信息公开工作年度报告，由区政府办公室编制。"


def test_a_simplified_page_is_left_alone_even_with_rare_traditional_looking_names() -> None:
    page = "咸阳市乾县人民政府2023年政府信息公开工作年度报告。乾隆年间，著名的碑林。" * 3
    assert traditional_share(page) == 0.0
    assert to_simplified(page) == (page, False)


def test_place_names_that_t2s_would_damage_are_restored() -> None:
    text, converted = to_simplified(
        "乾縣人民政府關於2023年度法治政府建設情況的報告，乾安縣，若干安排。"
    )
    assert converted
    assert text.startswith("乾县人民政府关于2023年度法治政府建设情况的报告")
    assert "乾安县" in text
    assert "若干安排" in text


@pytest.mark.parametrize("name", SEED_FILES)
def test_a_seed_page_in_traditional_characters_extracts_as_the_original(name: str) -> None:
    original = (SEEDS / name).read_text("utf-8")
    traditional = opencc.OpenCC("s2t").convert(original)
    assert traditional != original
    want = extract_document(Document(content=original.encode(), content_type="text/plain"))
    got = extract_document(
        Document(content=traditional.encode("big5", errors="replace"), content_type="text/plain")
    )
    for field in FIELDS:
        assert getattr(got, field) == getattr(want, field), field
    assert "converted from traditional characters" in got.warnings
