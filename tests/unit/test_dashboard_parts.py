"""The pure parts of the dashboard: the sentence diff, the rates and colour bands, the chart."""

from __future__ import annotations

import pytest

from services.store.web.diff import changes, sentences
from services.store.web.overview import Tally, chart_points, region_name

pytestmark = pytest.mark.unit


def test_sentences_cut_chinese_prose_at_its_stops() -> None:
    assert sentences("一、总体情况。开展学法12次；\n二、问题！  ") == [
        "一、总体情况。",
        "开展学法12次；",
        "二、问题！",
    ]


def test_changes_show_only_changed_passages_with_one_sentence_of_context() -> None:
    old = "甲。乙。丙。丁。戊。己。庚。"
    new = "甲。乙。丙改。丁。戊。己。庚。新增。"
    hunks = changes(old, new)
    assert [[(p.op, p.text) for p in hunk] for hunk in hunks] == [
        [("same", "乙。"), ("del", "丙。"), ("ins", "丙改。"), ("same", "丁。")],
        [("same", "庚。"), ("ins", "新增。")],
    ]
    assert changes(old, old) == []
    assert [[p.op for p in h] for h in changes("", "全新。")] == [["ins"]]


@pytest.mark.parametrize(
    ("counts", "on_time", "published", "band"),
    [
        ({"filed": 3, "late": 1, "missing": 0}, 0.75, 1.0, "r3"),
        ({"filed": 4}, 1.0, 1.0, "r4"),
        ({"missing": 2, "unknown": 5, "pending": 9}, 0.0, 0.0, "r0"),
        ({"unknown": 5, "pending": 1}, None, None, "rnone"),  # nothing decided: no rate
    ],
)
def test_rates_leave_out_pending_and_unknown(
    counts: dict[str, int], on_time: float | None, published: float | None, band: str
) -> None:
    tally = Tally()
    for status, n in counts.items():
        tally.add(status, n)
    assert tally.on_time_rate == on_time
    assert tally.published_rate == published
    assert tally.band == band
    assert tally.total == sum(counts.values())


def test_an_unexpected_status_counts_as_unknown() -> None:
    tally = Tally()
    tally.add("weird")
    assert tally.counts["unknown"] == 1


def test_chart_bars_scale_with_the_rate() -> None:
    full, half, none = Tally(), Tally(), Tally()
    full.add("filed", 2)
    half.add("filed")
    half.add("missing")
    none.add("pending")
    bars = chart_points({2022: full, 2023: half, 2024: none})
    assert [b["year"] for b in bars] == [2022, 2023, 2024]
    assert bars[0]["height"] == 2 * bars[1]["height"]
    assert bars[2]["height"] == 0
    assert chart_points({}) == []


def test_region_names_including_a_municipality_city_level() -> None:
    assert region_name("530100") == "昆明市"
    assert region_name("110100") == "北京市"  # the table has no city level for 直辖市
    assert region_name("999999") == "999999"
    assert region_name(None) == "全国"
