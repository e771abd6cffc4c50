"""The registry of obligation holders: every county-level-and-up 人民政府 of the division table."""

from __future__ import annotations

import pytest

from services.store.registry import (
    OBLIGATIONS,
    TABLE_YEAR,
    agency_level,
    build_registry,
    registry,
)

pytestmark = pytest.mark.unit


def test_counts_match_the_official_figures_of_the_tables_year() -> None:
    # 民政部 statistics: 31 provinces (without Hong Kong, Macau, Taiwan), 333 prefecture-level
    # and 2,843 county-level divisions at the end of 2022; the table's 2023 changes (错那县 →
    # 错那市, 米林县 → 米林市) are renames, which leave the counts as they were.
    assert TABLE_YEAR == 2023
    assert registry().counts() == {"province": 31, "city": 333, "county": 2843}


@pytest.mark.parametrize(
    ("code", "name", "level"),
    [
        ("110000", "北京市人民政府", "province"),
        ("530000", "云南省人民政府", "province"),
        ("530100", "昆明市人民政府", "city"),
        ("120118", "天津市静海区人民政府", "county"),  # a 区 carries its city
        ("530102", "昆明市五华区人民政府", "county"),
        ("530125", "宜良县人民政府", "county"),  # a county stands alone
        ("530181", "安宁市人民政府", "county"),  # so does a county-level city
        ("500229", "城口县人民政府", "county"),
        ("419001", "济源市人民政府", "county"),  # 省直辖, under the province itself
        ("441900", "东莞市人民政府", "city"),  # a city without districts
    ],
)
def test_canonical_names_and_levels(code: str, name: str, level: str) -> None:
    government = registry().by_code[code]
    assert (government.name, government.level, government.id) == (name, level, f"gov-{code}")
    assert government.expects == OBLIGATIONS


def test_aliases_are_the_names_reports_are_published_under() -> None:
    kunming = registry().by_code["530100"]
    assert {"昆明市政府", "昆明市人民政府办公室"} <= set(kunming.aliases)
    jinghai = registry().by_code["120118"]
    assert {"天津市静海区政府", "静海区人民政府", "静海区政府"} <= set(jinghai.aliases)
    # 朝阳区 is in 北京 and in 长春: the bare name would be a guess, so neither has it.
    for code in ("110105", "220104"):
        assert "朝阳区人民政府" not in registry().by_code[code].aliases
    assert registry().by_code["220104"].name == "长春市朝阳区人民政府"


def test_no_government_is_left_out_or_counted_twice() -> None:
    governments = registry().governments
    assert len({g.name for g in governments}) == len(governments)
    codes = {g.region_code for g in governments}
    assert not any(code[:2] in ("71", "81", "82") for code in codes)  # not under the regulation
    assert "130171" not in codes  # a 开发区's statistical code
    assert "232761" not in codes  # 加格达奇区, a 管委会 zone
    assert all(g.parent is None or g.parent in registry().by_code for g in governments)


@pytest.mark.parametrize(
    ("successor", "former"),
    [
        ("420600", "襄樊市人民政府"),  # renamed 2010
        ("330105", "杭州市下城区人民政府"),  # merged into 拱墅区 2021
        ("370684", "长岛县人民政府"),  # merged into 蓬莱区 2020
        ("360112", "南昌市湾里区人民政府"),  # merged into 新建区 2019; the table still lists it
        ("540530", "错那县人民政府"),  # 错那市 since 2023; the table has the old name
    ],
)
def test_merged_and_renamed_divisions_map_to_their_successor(successor: str, former: str) -> None:
    government = registry().by_code[successor]
    assert former in government.former_names
    assert former in government.aliases
    assert former not in {g.name for g in registry().governments}


def test_a_small_table_builds_with_history() -> None:
    table = (
        "云南省\t530000\t云南\n\t昆明市\t530100\t昆明\n\t\t五华区\t530102\t五华\n"
        "\t\t老县\t530199\t老\n\t\t新县\t530198\t新\n\t\t经开区\t530171\t经开\n"
        "\t\t\t某街道\t530102001\t某\n"
    ).encode()
    changes = "2020-01-01\t国批\t云南省\t云南\t昆明市\t昆明\t老县\t老=>云南省\t昆明市\t新县\n"
    built = build_registry(table, changes)
    assert [g.name for g in built.governments] == [
        "云南省人民政府",
        "昆明市人民政府",
        "昆明市五华区人民政府",
        "新县人民政府",
    ]
    assert built.by_code["530198"].former_names == ("老县人民政府",)


@pytest.mark.parametrize(
    ("level", "code", "expected"),
    [
        ("省级", None, "province"),
        (None, "530000", "province"),
        (None, "530100", "city"),
        ("county", "530100", "county"),
        (None, "530102", "county"),
        (None, None, None),
    ],
)
def test_agency_level(level: str | None, code: str | None, expected: str | None) -> None:
    assert agency_level(level, code) == expected
