"""Title variants, years, dates, agency names and regions, header tables, and report contents."""

from __future__ import annotations

from datetime import date

import pytest

from services.extract.agency import full_department
from services.extract.core import Document, extract_document
from services.extract.metadata import first_date, info_fields, whole_line_date
from services.extract.sections import figures, headings, laws
from shared.events import Extraction, Region, Section

pytestmark = pytest.mark.unit

_PARAGRAPH = (
    "2023年，我局坚持以习近平法治思想为指导，全面推进法治政府建设，全年开展学法12次，"
    "组织执法人员培训4期，办理行政许可事项15件。现将有关情况报告如下。"
)


def report_text(title: str, *, head: str = "", tail: str = "", body: str = _PARAGRAPH) -> bytes:
    """A plain-text report: optional header lines, the title, headings, a signature."""
    lines = [
        head,
        title,
        body,
        "一、主要举措和成效",
        "（一）加强组织领导。成立领导小组，召开专题会议6次。",
        "1.健全制度。制定《行政执法公示办法》《中华人民共和国行政许可法》学习计划。",
        "二、存在的不足和原因",
        "法治宣传方式单一，执法人员专业素质有待提高。",
        "三、党政主要负责人履行推进法治建设第一责任人职责情况",
        "主要负责人带头学法，研究法治工作3次。",
        "四、2024年主要安排",
        "继续深化法治宣传教育，落实《法治政府建设实施纲要(2021-2025年)》。",
        tail,
    ]
    return "\n".join(line for line in lines if line).encode("utf-8")


def extract(content: bytes, **hints: object) -> Extraction:
    return extract_document(Document(content=content, content_type="text/plain", **hints))  # type: ignore[arg-type]


TITLES = {
    "XX2023年法治政府建设年度报告": ("昆明市科学技术局2023年法治政府建设年度报告", 2023),
    "年度情况报告": ("昆明市科学技术局2023年度法治政府建设情况报告", 2023),
    "关于…的报告": ("昆明市科学技术局关于2023年度法治政府建设情况的报告", 2023),
    "工作报告": ("昆明市科学技术局2023年法治政府建设工作报告", 2023),
    "year first": ("2023年度昆明市科学技术局法治政府建设情况工作报告", 2023),
    "chinese numerals": ("昆明市科学技术局二〇二三年法治政府建设年度报告", 2023),
    "full-width digits": ("昆明市科学技术局２０２３年法治政府建设年度报告", 2023),
}


@pytest.mark.parametrize(("title", "year"), TITLES.values(), ids=TITLES.keys())
def test_title_variants(title: str, year: int) -> None:
    result = extract(report_text(title, tail="昆明市科学技术局\n2024年3月1日"))
    assert (result.is_annual_report, result.kind, result.report_year) == (
        True,
        "法治政府建设年度报告",
        year,
    )
    assert result.agency == "昆明市科学技术局"
    assert result.region == Region(province="云南省", city="昆明市", county=None, code="530100")
    assert result.signed == date(2024, 3, 1)


def test_joint_report_of_party_committee_and_government() -> None:
    title = "中共五华区委 五华区人民政府关于2024年法治政府建设情况的报告"
    result = extract(report_text(title))
    assert result.is_annual_report is True
    assert result.report_year == 2024
    assert result.joint_agencies == ("中共五华区委", "五华区人民政府")
    assert result.agency == "昆明市五华区人民政府"  # a district with its city: canonical
    assert result.region.code == "530102"
    assert result.region.city == "昆明市"


def test_information_disclosure_report_and_its_missing_elements() -> None:
    title = "昆明市统计局2023年政府信息公开工作年度报告"
    body = "\n".join(
        ["一、总体情况", "2023年，我局认真贯彻《中华人民共和国政府信息公开条例》。" * 5,
         "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况"]
    )  # fmt: skip
    result = extract(f"{title}\n{body}".encode())
    assert (result.kind, result.report_year) == ("政府信息公开工作年度报告", 2023)
    assert result.missing_elements == (
        "政府信息公开行政复议、行政诉讼情况",
        "存在的主要问题及改进情况",
        "其他需要报告的事项",
    )


def test_year_inferred_from_publication_when_title_has_none() -> None:
    content = report_text(
        "昆明市科学技术局法治政府建设年度报告",
        head="发布日期：2024-03-28",
        body="我局全面推进法治政府建设。" * 10,
    )
    result = extract(content)
    assert result.report_year == 2023
    assert result.published == date(2024, 3, 28)
    assert any("inferred" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-30 10:00", date(2024, 3, 30)),
        ("2024-03-30 10:00:59", date(2024, 3, 30)),
        ("2020年08月02日", date(2020, 8, 2)),
        ("2024-03-30", date(2024, 3, 30)),
        ("二〇二四年三月三十日", date(2024, 3, 30)),
        ("二○二一年十二月三十一日", date(2021, 12, 31)),
        ("２０２３年１２月１日", date(2023, 12, 1)),
        ("2023年2月30日", None),
        ("第12次会议", None),
    ],
)
def test_date_formats(text: str, expected: date | None) -> None:
    assert first_date(text) == expected


def test_signature_date_in_chinese_numerals() -> None:
    result = extract(
        report_text(
            "昆明市科学技术局2023年法治政府建设年度报告",
            tail="昆明市科学技术局\n二〇二四年三月二十八日",
        )
    )
    assert result.signed == date(2024, 3, 28)
    assert whole_line_date("截至2023年10月，为408家企业发放贷款") is None


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ("2024-03-30 10:00", date(2024, 3, 30)),
        ("2020年08月02日", date(2020, 8, 2)),
        ("2024-03-30 10:00:01", date(2024, 3, 30)),
    ],
)
def test_published_from_pubdate_meta_beats_the_header_table(meta: str, expected: date) -> None:
    markup = (
        f"<html><head><meta name='PubDate' content='{meta}'></head><body>"
        "<table><tr><td>发布日期：</td><td>2019-01-01</td></tr></table>"
        "<div id='zoom'><p>昆明市科学技术局2023年法治政府建设年度报告</p>"
        f"<p>{_PARAGRAPH * 3}</p></div></body></html>"
    )
    result = extract_document(Document(content=markup.encode(), content_type="text/html"))
    assert result.published == expected


def test_published_falls_back_to_the_list_page_date() -> None:
    result = extract(
        report_text("昆明市科学技术局2023年法治政府建设年度报告"), date_hint=date(2024, 2, 2)
    )
    assert result.published == date(2024, 2, 2)


@pytest.mark.parametrize(
    ("short", "full"),
    [
        ("科技局", "科学技术局"),
        ("发改委", "发展和改革委员会"),
        ("人社局", "人力资源和社会保障局"),
        ("市场监管局", "市场监督管理局"),
        ("住建局", "住房和城乡建设局"),
        ("卫健委", "卫生健康委员会"),
        ("文旅局", "文化和旅游局"),
        ("应急局", "应急管理局"),
        ("医保局", "医疗保障局"),
        ("政府办", "人民政府办公室"),
        ("司法局", "司法局"),
    ],
)
def test_department_short_forms(short: str, full: str) -> None:
    assert full_department(short) == full


def test_relative_name_resolved_from_site_id_code() -> None:
    markup = (
        "<html><head><meta name='SiteIDCode' content='4307000012'>"
        "<meta name='ArticleTitle' content='市人社局2023年法治政府建设年度报告'></head><body>"
        f"<div class='article-content'><p>{_PARAGRAPH * 3}</p></div></body></html>"
    )
    result = extract_document(Document(content=markup.encode(), content_type="text/html"))
    assert result.agency == "常德市人力资源和社会保障局"
    assert result.region.code == "430700"


def test_relative_name_resolved_from_credit_code_in_index_number() -> None:
    head = "索引号：11530100MB1234567X/2024-00012\n发布机构：市发改委\n文号：昆发改〔2024〕8号"
    result = extract(report_text("市发改委2023年法治政府建设年度报告", head=head))
    assert result.index_number == "11530100MB1234567X/2024-00012"
    assert result.doc_number == "昆发改〔2024〕8号"
    assert result.agency == "昆明市发展和改革委员会"
    assert result.region.code == "530100"


def test_hint_full_name_replaces_the_short_form() -> None:
    result = extract(
        report_text("蒙自市科技局2023年法治政府建设年度报告"),
        agency_name="蒙自市科学技术局",
        region_code="532503",
    )
    assert result.agency == "蒙自市科学技术局"
    assert result.region == Region(
        province="云南省", city="红河哈尼族彝族自治州", county="蒙自市", code="532503"
    )


def test_hint_of_another_department_is_not_taken() -> None:
    result = extract(
        report_text("蒙自市司法局2023年法治政府建设年度报告"),
        agency_name="蒙自市科学技术局",
        region_code="532503",
    )
    assert result.agency == "蒙自市司法局"
    assert any("differs" in w for w in result.warnings)


def test_info_table_on_separate_lines_and_inline() -> None:
    assert info_fields(["索引号", "000014348/2024-01025", "文号", "发布日期", "2024-03-30"]) == {
        "index_number": "000014348/2024-01025",
        "published": "2024-03-30",
    }
    assert info_fields(["发文字号：昆科发〔2024〕3号 成文日期：2024-03-01"]) == {
        "doc_number": "昆科发〔2024〕3号",
        "written": "2024-03-01",
    }


def test_headings_levels() -> None:
    lines = [
        "一、主要举措和成效",
        "（一）加强领导。成立小组。",
        "(二) 强化学习",
        "1.健全制度。内容",
        "2、完善机制",
        "2023年12月",
    ]
    assert headings(lines) == (
        Section(level=1, number="一", title="主要举措和成效"),
        Section(level=2, number="一", title="加强领导"),
        Section(level=2, number="二", title="强化学习"),
        Section(level=3, number="1", title="健全制度"),
        Section(level=3, number="2", title="完善机制"),
    )


def test_missing_elements_of_a_rule_of_law_report() -> None:
    result = extract(report_text("昆明市科学技术局2023年法治政府建设年度报告"))
    assert result.missing_elements == ("其他需要报告的情况",)


def test_figures() -> None:
    found = {(f.value, f.unit, f.subject) for f in figures(
        "全年开展学法12次，2024年全市登记技术合同13311项，2022年研发投入达4.95亿元，昆明上报925户高企。"
    )}  # fmt: skip
    assert found == {
        (12.0, "次", "开展学法"),
        (13311.0, "项", "全市登记技术合同"),
        (4.95, "亿元", "研发投入"),
        (925.0, "户", "昆明上报"),
    }


def test_laws_are_deduplicated_and_filtered() -> None:
    text = (
        "学习《中华人民共和国宪法》《行政许可法》和《人民日报》评论，再学《行政许可法》，"
        "落实《法治政府建设实施纲要(2021-2025年)》，阅读《调研与决策》。"
    )
    assert laws(text) == ("中华人民共和国宪法", "行政许可法", "法治政府建设实施纲要(2021-2025年)")


def test_keywords_are_words_not_numbers() -> None:
    result = extract(report_text("昆明市科学技术局2023年法治政府建设年度报告"))
    assert len(result.keywords) == 10
    assert "法治" in result.keywords
    assert not any(k.isdigit() for k in result.keywords)


def test_a_site_name_in_article_title_loses_to_the_report_title_in_the_text() -> None:
    """Portals often fill ArticleTitle with the site name; the body's first line names the report."""
    body = "".join(
        f"<p>{line}</p>" for line in report_text(TITLES["工作报告"][0]).decode().splitlines()
    )
    markup = (
        "<html><head><meta name='ArticleTitle' content='昆明市科学技术局门户网站'></head>"
        f"<body><div class='TRS_Editor'>{body}</div></body></html>"
    )
    result = extract_document(Document(content=markup.encode(), content_type="text/html"))
    assert (result.is_annual_report, result.title, result.report_year) == (
        True,
        TITLES["工作报告"][0],
        2023,
    )
