"""Pages that mention a report without being one, bad input, and unsupported formats."""

from __future__ import annotations

import pytest

from services.extract.core import EXTRACTOR_VERSION, Document, extract_document

pytestmark = pytest.mark.unit

_BODY = (
    "为深入贯彻落实习近平法治思想，全面推进依法行政，根据上级有关要求，结合我局工作实际，"
    "现就有关事项安排如下。各科室要高度重视，认真组织，按时完成各项工作任务，确保取得实效。"
)


def page(title: str, body: str = _BODY * 3) -> bytes:
    """A short detail page with the title in ArticleTitle and <h1>."""
    markup = (
        f"<html><head><meta name='ArticleTitle' content='{title}'>"
        "<meta name='PubDate' content='2024-03-20 09:30'></head><body>"
        f"<div class='crumb'>首页 &gt; 信息公开 &gt; 通知公告</div><h1>{title}</h1>"
        f"<div class='TRS_Editor'><p>{body}</p></div>"
        "<div class='footer'>网站标识码：5301000001 主办单位：昆明市人民政府办公室</div>"
        "</body></html>"
    )
    return markup.encode("utf-8")


NOT_REPORTS = {
    "meeting news": "市科技局召开2023年度法治政府建设年度报告专题审议会",
    "news on a report meeting": "市政府常务会议审议通过《昆明市2023年法治政府建设年度报告》",
    "call for comments": "关于公开征求《2023年法治政府建设年度报告（征求意见稿）》意见的公告",
    "interpretation": "一图读懂：昆明市2023年政府信息公开工作年度报告解读",
    "work points": "昆明市科学技术局2024年法治政府建设工作要点",
    "work plan": "昆明市科学技术局2024年法治政府建设工作计划",
    "implementation plan": "昆明市法治政府建设实施方案（2021-2025年）",
    "government work report": "2024年昆明市人民政府工作报告",
    "performance self-evaluation": "昆明市科学技术局2023年度部门整体支出绩效自评报告",
    "template county": "某县2023年法治政府建设年度报告",
    "template bureau": "XX局2023年度法治政府建设情况报告",
    "notice asking for reports": "关于报送2023年度法治政府建设情况报告的通知",
}


@pytest.mark.parametrize("title", NOT_REPORTS.values(), ids=NOT_REPORTS.keys())
def test_pages_about_a_report_are_not_reports(title: str) -> None:
    result = extract_document(Document(content=page(title), content_type="text/html"))
    assert (result.is_annual_report, result.kind) == (False, "other")
    assert result.title == title
    assert result.reasons
    assert result.reasons[0].startswith(("not a report", "the title"))


def test_a_real_report_on_the_same_page_shape_is_one() -> None:
    """The control for the negatives above: the page shape alone does not make them fail."""
    title = "昆明市科学技术局2023年法治政府建设年度报告"
    result = extract_document(Document(content=page(title), content_type="text/html"))
    assert (result.is_annual_report, result.kind, result.report_year) == (
        True,
        "法治政府建设年度报告",
        2023,
    )
    assert result.agency == "昆明市科学技术局"
    assert result.region.code == "530100"


BAD_INPUT = {
    "empty": b"",
    "whitespace": b"   \n\t ",
    "garbage": bytes(range(256)) * 8,
    "truncated html": b"<html><head><title>2023\xe5\xb9\xb4\xe6\xb3\x95",
    "unclosed tags": b"<div>" * 5000 + "市科技局2023年法治政府建设年度报告".encode(),
    "nul bytes": b"\x00\x00\x00abc\x00",
    "broken gbk": "昆明市科学技术局2023年法治政府建设年度报告".encode("gbk")[:-1] + b"\xff\xfe",
}


@pytest.mark.parametrize("content", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_never_raises(content: bytes) -> None:
    for content_type in (None, "text/html; charset=gbk", "text/plain"):
        result = extract_document(Document(content=content, content_type=content_type))
        assert result.extractor_version == EXTRACTOR_VERSION
        if not result.is_annual_report:
            assert result.kind == "other"
            assert result.reasons


def test_empty_document_says_so() -> None:
    result = extract_document(Document(content=b""))
    assert result.reasons == ("empty document",)


def test_article_found_without_a_known_container() -> None:
    """No .TRS_Editor / #zoom: the block holding the most paragraph text is the article."""
    paragraphs = "".join(f"<p>{_BODY}</p>" for _ in range(4))
    markup = (
        "<html><body><div class='menu'><p>首页</p><p>机构概况</p><p>政务公开</p></div>"
        "<div class='left'><p>相关链接</p></div>"
        "<div class='main-x'><p>昆明市科学技术局2023年法治政府建设年度报告</p>"
        f"{paragraphs}<p>上一篇：昆明市科学技术局2022年法治政府建设年度报告</p></div>"
        "<div class='foot'><p>版权所有：昆明市科学技术局</p></div></body></html>"
    )
    result = extract_document(Document(content=markup.encode(), content_type="text/html"))
    assert result.is_annual_report is True
    assert result.title == "昆明市科学技术局2023年法治政府建设年度报告"
    assert result.text.startswith("昆明市科学技术局2023年法治政府建设年度报告\n为深入贯彻")
    assert "机构概况" not in result.text
    assert "上一篇" not in result.text
    assert "版权所有" not in result.text


_DISCLOSURE_HEADINGS = (
    "一、总体情况\n二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况\n"
    "四、政府信息公开行政复议、行政诉讼情况\n"
)


def test_a_notice_cited_by_its_number_in_the_first_line_is_a_notice() -> None:
    text = (
        "并政办发〔2014〕57号《太原市人民政府办公厅关于做好政府信息公开情况统计报送工作的通知》\n"
        "各县(市、区)人民政府,市直各委、局、办:\n" + _DISCLOSURE_HEADINGS
    )
    result = extract_document(Document(content=text.encode(), content_type="text/plain"))
    assert (result.is_annual_report, result.kind) == (False, "other")
    assert result.reasons == ("not a report: notice",)


def test_a_guide_under_the_sites_column_names_is_not_a_report() -> None:
    text = (
        "金银湖街\n政府信息公开\n政府信息公开\n武汉市东西湖区金银湖街信息公开指南\n"
        "发布时间: 2022-12-13 13:24 来源: 金银湖街\n"
        "为更好地向公民、法人或其他组织提供政府信息公开服务,根据《中华人民共和国政府信息公开条例》"
        "(以下简称《条例》),结合我街实际,制定本指南,并适时更新调整。\n"
        "一、主动公开\n(一)公开范围\n二、依申请公开\n" + _DISCLOSURE_HEADINGS
    )
    result = extract_document(Document(content=text.encode(), content_type="text/plain"))
    assert (result.is_annual_report, result.kind) == (False, "other")
    assert "制定本指南" in result.reasons[0]


def test_a_leaders_duty_report_is_not_the_governments_report() -> None:
    title = "2025年度镇党委主要负责人履行推进法治建设第一责任人职责情况的报告"
    result = extract_document(Document(content=page(title), content_type="text/html"))
    assert (result.is_annual_report, result.reasons) == (
        False,
        ("not a report: leader's duty report",),
    )
    both = "关于2023年度法治政府建设和主要负责人履行推进法治建设第一责任人职责情况的报告"
    result = extract_document(Document(content=page(both), content_type="text/html"))
    assert result.kind == "法治政府建设年度报告"


def test_an_agencys_guide_among_the_header_lines_is_not_a_report() -> None:
    text = (
        "政府信息公开\n济南市章丘区白云湖街道办事处信息公开指南\n11370181MB2833372X/2024-4262969\n"
        "白云湖街道\n2024-02-22\n字号:\n打印整页\n分享\n"
        "根据《中华人民共和国政府信息公开条例》,本机关负责主动公开政府信息。\n"
        "为了更好地提供政府信息公开服务,本机关编制了《济南市章丘区白云湖街道政府信息公开指南》。\n"
        + _DISCLOSURE_HEADINGS
    )
    result = extract_document(Document(content=text.encode(), content_type="text/plain"))
    assert (result.is_annual_report, result.kind) == (False, "other")
    # A menu's link to the guide is no guide.
    menu = "• 政府信息公开指南\n• 政府信息公开年报\n" + _DISCLOSURE_HEADINGS.replace(
        "一、总体情况\n",
        "一、总体情况\n本报告所列数据的统计期限自2020年1月1日起至2020年12月31日止。\n",
    )
    result = extract_document(Document(content=menu.encode(), content_type="text/plain"))
    assert result.is_annual_report is True


def test_a_guide_that_names_itself_or_is_titled_so_is_not_a_report() -> None:
    text = (
        "为了方便全镇老百姓获取天王镇政府信息,天王镇编制《句容市天王镇人民政府信息公开指南》"
        "(以下简称《指南》)。\n一、天王镇政府信息公开范围\n" + _DISCLOSURE_HEADINGS
    )
    result = extract_document(Document(content=text.encode(), content_type="text/plain"))
    assert (result.is_annual_report, result.kind) == (False, "other")
    titled = (
        "第四师可克达拉市政府信息公开指南\n(2025年版)\n师市编制政府信息公开指南、政府信息公开目录和"
        "政府信息公开工作年度报告。\n" + _DISCLOSURE_HEADINGS
    )
    result = extract_document(Document(content=titled.encode(), content_type="text/plain"))
    assert (result.is_annual_report, result.reasons) == (False, ("not a report: guide",))
    # A report that says it updated its guide is still a report.
    report = (
        "本报告中所列数据的统计期限自2023年1月1日起至2023年12月31日止。\n"
        "及时更新编制《市财政局政府信息公开指南》《市财政局政府信息公开目录》。\n"
        + _DISCLOSURE_HEADINGS
    )
    result = extract_document(Document(content=report.encode(), content_type="text/plain"))
    assert result.is_annual_report is True


def test_how_to_apply_for_information_is_not_a_report_below_a_long_menu() -> None:
    menu = "卓尼县人民政府\n政策\n政府信息公开指南\n政府信息公开制度\n法定主动公开内容\n政府信息公开年报\n"
    menu += "政府网站工作年报\n依申请公开\n乡镇街道部门单位\n重点领域公开\n依申请公开说明\n2022年05月17日\n"
    text = (
        menu + "根据《中华人民共和国政府信息公开条例》(以下简称《条例》),除主动公开的政府信息外,"
        "公众还可以向卓尼县人民政府政府信息公开工作机构申请获取相关政府信息。\n一、申请方式\n"
        + _DISCLOSURE_HEADINGS
    )
    result = extract_document(Document(content=text.encode(), content_type="text/plain"))
    assert (result.is_annual_report, result.kind) == (False, "other")
    welcome = "您好!\n欢迎使用阿拉善盟政府信息依申请公开系统。\n" + _DISCLOSURE_HEADINGS
    result = extract_document(Document(content=welcome.encode(), content_type="text/plain"))
    assert result.is_annual_report is False


def test_a_guide_cut_inside_its_list_of_columns_is_not_the_report_it_lists() -> None:
    """The last line names a 年度报告 (a column of the guide); the title on top says what the
    page is."""
    text = (
        "晋江市人民政府信息公开指南\n(2023年12月28日)\n"
        "为了保障公民、法人和其他组织依法获取政府信息,提高政府工作的透明度,根据《中华人民共和国"
        "政府信息公开条例》的规定,编制本指南。\n一、主动公开\n(一)公开范围\n"
        "l 政府信息公开指南\nl 政府信息公开目录\n机构设置\nl依申请公开\nl政府信息公开年度报告"
    )
    result = extract_document(Document(content=text.encode(), content_type="text/plain"))
    assert (result.is_annual_report, result.kind) == (False, "other")
    assert result.title == "晋江市人民政府信息公开指南"


def test_the_notice_that_publishes_a_report_above_it_carries_the_report() -> None:
    text = (
        "贺州市人民政府办公室关于公布\n贺州市2009年度政府信息公开工作年度报告的通知\n(贺政办发〔2010〕3号)\n"
        "各县(区)人民政府:\n按照《中华人民共和国政府信息公开条例》要求,我办编制了"
        "《贺州市2009年度政府信息公开工作年度报告》,现予公布。\n二〇一〇年一月十九日\n"
        "贺州市2009年度政府信息公开工作年度报告\n"
        "根据《中华人民共和国政府信息公开条例》要求,特编制本年度报告。本报告中所列数据的统计期限自2009年1月1日起至2009年12月31日止。\n"
        "一、概述\n二、主动公开政府信息情况\n三、依申请公开政府信息情况\n"
    )
    result = extract_document(Document(content=text.encode(), content_type="text/plain"))
    assert (result.is_annual_report, result.report_year) == (True, 2009)
    assert result.title == "贺州市2009年度政府信息公开工作年度报告"
    assert result.agency == "贺州市人民政府"


def test_a_guide_that_says_it_compiled_itself_is_a_guide() -> None:
    text = (
        "政府信息公开\n政府信息公开年报\n依申请公开\n第六师五家渠市政务信息公开指南\n"
        "根据《中华人民共和国政府信息公开条例》等相关规定,为便于公民依法获取政务信息,特编制了本指南。\n"
        "一、主动公开\n(一)主动公开的内容\n"
        + "".join(f"{n}.履职依据。主要包括师市行政机关的职能、机构设置。\n" for n in range(1, 10))
        + "二、依申请公开\n三、政府信息公开年度报告\n"
    )
    result = extract_document(Document(content=text.encode(), content_type="text/plain"))
    assert (result.is_annual_report, result.kind) == (False, "other")


def test_a_row_of_a_flattened_table_is_no_title() -> None:
    text = (
        "| 索 引 号 | 11150000MB1604391C/2025-03582 | 主题分类 | 综合政务 \\ 政务公开 |\n"
        "| 发布机构 | 自治区政务服务与数据管理局办公室 | 文 号 | 内政数发〔2025〕21号 |\n"
        "| 成文日期 | 2025-07-11 | 公文时效 | 有效 |\n| 主题分类 | 政务公开 |\n| 公文时效 | 有效 |\n"
        "关于印发《内蒙古自治区政府信息依申请公开工作管理办法(试行)》的通知\n"
        "各盟市政务公开工作主管部门:\n为进一步规范政府信息依申请公开工作,制定本办法。\n"
        "一、总体要求\n二、主动公开\n三、依申请公开\n四、收到和处理政府信息公开申请\n"
    )
    result = extract_document(Document(content=text.encode(), content_type="text/plain"))
    assert result.is_annual_report is False
    assert result.title == "关于印发《内蒙古自治区政府信息依申请公开工作管理办法(试行)》的通知"


def test_the_rules_for_compiling_annual_reports_are_not_a_report() -> None:
    title = "岳阳市政府信息公开工作年度报告制度"
    result = extract_document(Document(content=page(title), content_type="text/html"))
    assert (result.is_annual_report, result.reasons) == (False, ("not a report: rules",))
