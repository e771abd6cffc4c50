"""Canonical agency names from every region clue: hosts, identifiers, towns, disagreement."""

from __future__ import annotations

import pytest

from services.extract.clues import CONFIGURED, HINT, IDENTIFIER, WEAK, Clue, consensus
from services.extract.core import Document, extract_document
from services.extract.hosts import _index, build_index, host_match
from shared.events import Extraction

pytestmark = pytest.mark.unit

_BODY = "\n".join(
    [
        "一、主要举措和成效",
        "（一）加强组织领导。深入推进法治政府建设，召开专题会议6次，严格依法行政。",
        "二、存在的不足和原因",
        "法治宣传方式单一，执法人员专业素质有待提高，法治建设仍需加强。",
        "三、党政主要负责人履行推进法治建设第一责任人职责情况",
        "主要负责人带头学法，研究法治工作3次。",
        "四、下一年度推进法治政府建设的主要安排",
        "持续深化法治政府建设。",
    ]
)


def extract(title: str, url: str | None = None, body: str = _BODY, **hints: object) -> Extraction:
    text = f"{title}\n{body}" if title else body
    doc = Document(content=text.encode(), content_type="text/plain", url=url, **hints)  # type: ignore[arg-type]
    return extract_document(doc)


@pytest.mark.parametrize(
    ("url", "names"),
    [
        ("https://kj.hangzhou.gov.cn/art/1.html", {"330100"}),
        ("http://zjsczj.zhanjiang.gov.cn/a.html", {"440800"}),
        ("http://www.tjjh.gov.cn/x", {"120118"}),  # 天津 + 静海, by initials
        ("https://xihu.hangzhou.gov.cn/", {"330106"}),  # a district under its city's domain
        ("https://sthjj.lvliang.gov.cn/", {"141100"}),  # 吕梁: ü spelled v
        ("https://www.shaanxi.gov.cn/", {"610000"}),  # pinyin cannot tell 陕西 from 山西
    ],
)
def test_hosts_name_their_divisions(url: str, names: set[str]) -> None:
    match = host_match(url)
    assert match is not None
    assert set(match.codes) == names


def test_hosts_outside_gov_cn_name_nothing() -> None:
    assert host_match("https://www.example.com/kunming") is None
    assert host_match("not a url") is None


def test_a_district_is_written_with_its_municipality() -> None:
    result = extract("静海区人民政府2023年法治政府建设年度报告", url="http://www.tjjh.gov.cn/a")
    assert result.agency == "天津市静海区人民政府"
    assert (result.region.province, result.region.city) == ("天津市", "天津市")


def test_a_city_department_in_short_form_takes_its_place_from_the_host() -> None:
    result = extract("市财政局2023年法治政府建设年度报告", url="http://czj.ezhou.gov.cn/a.html")
    assert result.agency == "鄂州市财政局"
    assert result.region.code == "420700"


def test_an_ambiguous_district_is_settled_by_the_host() -> None:
    # 西湖区 is in 杭州 and in 南昌.
    result = extract("西湖区司法局2023年法治政府建设年度报告", url="https://xihu.hangzhou.gov.cn/a")
    assert result.agency == "杭州市西湖区司法局"
    assert result.region.code == "330106"


def test_a_bare_street_office_is_placed_by_the_town_table_and_the_host() -> None:
    result = extract("留下街道2023年法治政府建设年度报告", url="https://xihu.hangzhou.gov.cn/a")
    assert result.agency == "杭州市西湖区留下街道办事处"
    assert result.region.county == "西湖区"


def test_a_site_id_code_line_places_a_relative_name() -> None:
    body = _BODY + "\n网站标识码：5301000001 滇ICP备05000000号"
    result = extract("市科技局2023年法治政府建设年度报告", body=body)
    assert result.agency == "昆明市科学技术局"


def test_disagreeing_signals_give_no_region_and_say_why() -> None:
    body = _BODY + "\n网站标识码：5301000001"
    result = extract(
        "市科技局2023年法治政府建设年度报告", url="https://kj.hangzhou.gov.cn/", body=body
    )
    assert result.region.code is None
    assert any("disagree" in warning for warning in result.warnings)


def test_a_district_named_in_a_cited_title_is_not_the_agency_place() -> None:
    body = (
        "2023年，区司法局认真落实《上城区法治政府建设实施方案》《上城区依法行政考核办法》。\n"
        + _BODY
    )
    result = extract("", body=body)
    assert result.region.county != "上城区"


def test_consensus_drops_a_much_weaker_clue_and_refuses_close_ones() -> None:
    strong = Clue(("530100",), "the source's region", CONFIGURED)
    assert consensus([strong, Clue(("330100",), "host", HINT)]).code == "530100"
    close = consensus(
        [Clue(("530100",), "SiteIDCode", IDENTIFIER), Clue(("330100",), "host", HINT)]
    )
    assert close.code is None
    assert close.conflict is not None
    narrowed = consensus(
        [Clue(("530100", "540230"), "host km", WEAK), Clue(("530102",), "SiteIDCode", IDENTIFIER)]
    )
    assert narrowed.code == "530102"


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (_BODY, "法治政府建设年度报告"),
        (
            "一、总体情况\n2023年，区政府办认真贯彻《中华人民共和国政府信息公开条例》。\n"
            "本报告所列数据的统计期限自2023年1月1日起至2023年12月31日止。\n"
            + "工作稳步推进，成效明显。"
            * 20,
            "政府信息公开工作年度报告",
        ),
    ],
)
def test_a_page_without_a_title_is_classified_by_its_required_elements(
    body: str, kind: str
) -> None:
    result = extract("", body=body + "\n" + "各项工作有序开展。" * 30)
    assert result.is_annual_report
    assert result.kind == kind


def test_an_unsettled_ambiguous_place_keeps_the_name_as_written() -> None:
    result = extract("西湖区司法局2023年法治政府建设年度报告")
    assert result.agency == "西湖区司法局"
    assert result.region.code is None
    assert any("ambiguous place" in warning for warning in result.warnings)


def test_the_shipped_host_index_is_built_from_the_current_division_table() -> None:
    # Rebuild with `python -m services.extract.hosts` when the table or the rules change.
    assert _index() == build_index()


def test_a_host_two_divisions_share_is_settled_by_the_body() -> None:
    # qinzhou is 钦州市 (Guangxi) and 秦州区 (Gansu); the body names 钦州.
    body = "2022年，钦州市政务公开工作扎实推进，钦州全市各部门积极配合。\n" + _BODY
    url = "http://www.qinzhou.gov.cn/a"
    result = extract("市司法局2023年法治政府建设年度报告", url=url, body=body)
    assert (result.region.province, result.region.city) == ("广西壮族自治区", "钦州市")
    assert result.agency == "钦州市司法局"


def test_a_district_bureau_is_not_placed_in_the_autonomous_region_above_its_city() -> None:
    # 区 names 广西壮族自治区 only on the region's own site; under 钦州 it is a district, unknown.
    body = "2022年，钦州市政务公开工作扎实推进，钦州全市各部门积极配合。\n" + _BODY
    result = extract(
        "区司法局2023年法治政府建设年度报告", url="http://www.qinzhou.gov.cn/a", body=body
    )
    assert result.agency != "广西壮族自治区司法局"
    assert result.region.county is None


def test_a_host_two_districts_share_gives_their_city_and_no_district() -> None:
    # cqqj is 綦江区 or 黔江区, both of 重庆市: the province and city are sure, the district is not.
    result = extract("区人民政府2023年法治政府建设年度报告", url="http://cqqj.gov.cn/a")
    assert (result.region.province, result.region.city) == ("重庆市", "重庆市")
    assert result.region.county is None
    assert result.agency == "区人民政府"


def test_open_candidates_are_kept_by_the_consensus() -> None:
    agreed = consensus([Clue(("500110", "500114"), "host cqqj", WEAK)])
    assert agreed.code is None
    assert agreed.candidates == ("500110", "500114")
