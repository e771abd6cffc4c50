"""The department a government URL spells, for reports that call themselves only 我局."""

from __future__ import annotations

import pytest

from services.extract.classify import department_self
from services.extract.url_departments import abbreviations, url_agency, url_department


@pytest.mark.parametrize(
    ("url", "department"),
    [
        ("http://kj.hangzhou.gov.cn/art/2024/3/1/art_1.html", "科学技术局"),  # host label
        ("https://zjsczj.zhanjiang.gov.cn/xxgk/1.html", "财政局"),  # place + level + key
        ("http://www.jiangmen.gov.cn/bmpd/jmssfj/zwgk/1.html", "司法局"),  # path segment
        ("http://zygh.fuzhou.gov.cn/zz/1.htm", "自然资源和规划局"),  # the explicit table
    ],
)
def test_department_spelled_by_host_or_path(url: str, department: str) -> None:
    assert url_department(url) == department


@pytest.mark.parametrize(
    "url",
    [
        "http://www.hangzhou.gov.cn/art/2024/1.html",  # the government itself
        "http://kj.hangzhou.com.cn/1.html",  # not a government host
        "http://swj.hangzhou.gov.cn/1.html",  # swj: 商务局 or 税务局
        "http://kj.hangzhou.gov.cn/bmpd/jmssfj/1.html",  # two departments: neither
        "http://www.hangzhou.gov.cn/gk/sj/1.html",  # short path segments do not count
        None,
        "not a url",
    ],
)
def test_no_department_when_the_url_does_not_settle_one(url: str | None) -> None:
    assert url_department(url) is None


def test_a_shared_abbreviation_names_no_department() -> None:
    table = abbreviations()
    assert "swj" not in table
    assert table["sfj"] == "司法局"
    assert "rmzf" not in table  # 人民政府 is 我市, never 我局


def test_url_agency_is_relative_to_the_host_government() -> None:
    assert url_agency("http://www.jiangmen.gov.cn/bmpd/jmssfj/1.html", "局") == "市司法局"


def test_a_provinces_bureau_that_calls_itself_wo_ting_is_its_ting() -> None:
    # nr.gd.gov.cn: 广东省自然资源厅, which its 2019 report calls only 我厅.
    assert url_agency("https://nr.gd.gov.cn/gkmlpt/content/2/2877/post_2877736.html", "厅") == (
        "省自然资源厅"
    )
    assert url_agency("https://nr.gd.gov.cn/a.html", "局") == "省自然资源局"


def test_url_agency_needs_the_self_word_to_fit() -> None:
    url = "http://www.jiangmen.gov.cn/bmpd/jmssfj/1.html"
    assert url_agency(url, "委") is None  # 本委 is no 司法局
    assert url_agency(url, None) is None


def test_department_self_reads_the_opening() -> None:
    assert department_self(["2023年,我局坚持以习近平法治思想为指导"]) == "局"
    assert department_self(["2023年,本委认真贯彻"]) == "委"
    assert department_self(["2023年,全市法治政府建设"]) is None


def test_a_host_that_spells_the_department_in_full_names_it() -> None:
    assert url_department("https://shangwuju.tj.gov.cn/tjsswjzz/zwgk/gknb/t1.html") == "商务局"
    assert url_agency("https://shangwuju.tj.gov.cn/tjsswjzz/zwgk/gknb/t1.html", "局") == "市商务局"
