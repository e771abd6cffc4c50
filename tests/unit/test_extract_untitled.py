"""Pages that start with their text: how the body alone says kind, year, agency and date."""

from __future__ import annotations

import pytest

from services.extract.core import Document, extract_document
from services.extract.script import without_pinyin_glosses
from shared.events import Extraction

pytestmark = pytest.mark.unit

_FILLER = "各项工作有序推进，公开质量稳步提升。" * 30


def extract(text: str, url: str | None = None) -> Extraction:
    return extract_document(Document(content=text.encode(), content_type="text/plain", url=url))


def test_the_format_notice_cited_in_the_opening_makes_a_disclosure_report() -> None:
    text = (
        "根据《中华人民共和国政府信息公开条例》和《中华人民共和国政府信息公开工作年度报告格式》"
        "（国办公开办函〔2021〕30号）要求，编制本报告。\n一、总体情况\n" + _FILLER
    )
    result = extract(text)
    assert result.is_annual_report
    assert result.kind == "政府信息公开工作年度报告"


def test_the_statistics_period_gives_the_year() -> None:
    text = (
        "本报告由南平市人民政府信息公开工作领导小组办公室根据《中华人民共和国政府信息公开条例》"
        "要求编制而成。本报告中所列数据的统计时限自2012年1月1日至2012年12月31日。\n"
        "2013年，将继续深化政务公开。\n" + _FILLER
    )
    result = extract(text)
    assert result.kind == "政府信息公开工作年度报告"
    assert result.report_year == 2012
    # The office compiles the government's report: the report is the government's.
    assert result.agency == "南平市人民政府"


def test_a_self_reference_is_placed_by_the_host() -> None:
    text = (
        "根据《中华人民共和国政府信息公开条例》和《中华人民共和国政府信息公开工作年度报告格式》要求，"
        "编制本年度报告。所列数据的统计期限自2023年1月1日起至2023年12月31日止。\n"
        "一、总体情况\n2023年，全县严格按照党中央、国务院的决策部署，持续推进政务公开。\n" + _FILLER
    )
    result = extract(text, url="http://www.xuwen.gov.cn/zwgk/ndbg/1.html")
    assert result.agency == "徐闻县人民政府"
    assert result.region.city == "湛江市"


def test_a_department_speaking_of_itself_is_not_taken_for_its_government() -> None:
    text = (
        "2023年，我局在全市范围内认真贯彻《中华人民共和国政府信息公开条例》。\n"
        "本报告所列数据的统计期限自2023年1月1日起至2023年12月31日止。\n" + _FILLER
    )
    result = extract(text, url="http://www.xuwen.gov.cn/zwgk/ndbg/1.html")
    assert result.agency is None or "人民政府" not in result.agency


def test_the_subject_of_a_later_opening_line_is_the_agency() -> None:
    text = (
        "中共武定县委、县人民政府：\n2022年，在县委、县政府的坚强领导下，武定县人民政府办公室坚持"
        "以习近平法治思想为指导，深入推进法治政府建设，严格依法行政，法治建设取得新成效。\n"
        "一、主要举措和成效\n二、存在的不足和原因\n三、党政主要负责人履行推进法治建设第一责任人职责情况\n"
        "四、下一年度推进法治政府建设的主要安排\n" + _FILLER
    )
    result = extract(text)
    assert result.kind == "法治政府建设年度报告"
    assert result.agency == "武定县人民政府办公室"


def test_a_date_line_under_a_split_title_is_the_publication_date() -> None:
    text = (
        "中共海南省委 海南省人民政府\n关于2022年法治政府建设情况的报告\n"
        "2023-03-27 17:05 来源: 海南省人民政府网 【字体: 打印\n"
        "2022年，海南省坚持以习近平法治思想为指导，深入推进法治政府建设。\n" + _FILLER
    )
    assert str(extract(text).published) == "2023-03-27"


def test_places_in_a_name_nest() -> None:
    result = extract("天津市滨海新区杭州道街道办事处2023年法治政府建设工作报告\n" + _FILLER)
    assert result.agency == "天津市滨海新区杭州道街道办事处"
    result = extract("龙游县横山镇2023年政府信息公开工作年度报告\n" + _FILLER)
    assert result.agency == "龙游县横山镇人民政府"


def test_pinyin_glosses_of_mirror_sites_are_removed_and_ordinary_parentheses_kept() -> None:
    assert without_pinyin_glosses("發(fā)布日期 区(qū)民委") == "發布日期 区民委"
    assert without_pinyin_glosses("本局(以下简称) 附件(1)") == "本局(以下简称) 附件(1)"


def test_a_breadcrumb_is_not_a_title() -> None:
    text = (
        "您当前的位置: 首页>政务公开>政府信息公开目录 > 法治政府建设年度报告\n"
        "中共重庆市大渡口区委重庆市大渡口区人民政府2023年法治政府建设情况报告\n" + _FILLER
    )
    result = extract(text)
    assert result.kind == "法治政府建设年度报告"
    assert result.agency == "重庆市大渡口区人民政府"


def test_a_guide_that_cites_the_regulation_is_not_a_report() -> None:
    text = (
        "根据《中华人民共和国政府信息公开条例》和省市公开办有关规定，制定本公开指南。\n"
        "一、信息公开主要内容\n主动公开政府信息。依申请公开。\n二、总体情况\n" + _FILLER
    )
    result = extract(text)
    assert not result.is_annual_report
    assert "本公开指南" in result.reasons[0]


def test_header_cells_of_a_text_table_are_read() -> None:
    text = (
        "| 标 题 | 西藏自治区民委2023年政府信息公开工作年度报告 | ||\n"
        "| 发布机构 | 发布日期 | 2024-02-21 17:44:04 | |\n"
        "西藏自治区民委2023年政府信息公开工作年度报告\n" + _FILLER
    )
    assert str(extract(text).published) == "2024-02-21"


@pytest.mark.parametrize(
    ("title", "agency"),
    [
        # The short form of an autonomous county, and a town in it.
        ("关岭自治县永宁镇2023年政府信息公开工作年度报告", "关岭布依族苗族自治县永宁镇人民政府"),
        # A city bureau's branch in a county keeps its official form.
        ("泰州市靖江生态环境局2022年政府信息公开工作年度报告", "泰州市靖江生态环境局"),
        # A zone's body is a proper name.
        (
            "重庆解放碑中央商务区管理委员会2024年政府信息公开工作年度报告",
            "重庆解放碑中央商务区管理委员会",
        ),
        # A place with its prefecture, no department: the government.
        ("临夏回族自治州广河县2024年政府信息公开工作年度报告", "广河县人民政府"),
    ],
)
def test_names_that_are_written_in_their_own_official_way(title: str, agency: str) -> None:
    assert extract(f"{title}\n{_FILLER}").agency == agency


_DEPARTMENT_OPENING = (
    "2024年，江门市司法局深入贯彻落实习近平法治思想，深入推进全面依法治市，"
    "连续六年法治广东建设考评排名前列，以法治江门建设护航高质量发展。{sentence}\n"
    "一、主要举措和成效\n" + _FILLER
)


def test_a_department_reporting_its_law_work_in_its_own_words_is_a_rule_of_law_report() -> None:
    result = extract(_DEPARTMENT_OPENING.format(sentence="现将有关工作报告如下："))
    assert result.is_annual_report
    assert result.kind == "法治政府建设年度报告"
    assert result.report_year == 2024
    assert result.agency == "江门市司法局"


@pytest.mark.parametrize(
    "sentence",
    ["现将普法工作情况报告如下：", "现将考核自查情况报告如下：", "现将整改情况报告如下："],
)
def test_a_publicity_review_or_audit_report_in_the_same_words_is_not(sentence: str) -> None:
    assert not extract(_DEPARTMENT_OPENING.format(sentence=sentence)).is_annual_report


_LETTER = (
    "福州市自然资源和规划局关于报送《2023年政府信息公开工作年度报告》的函\n"
    "榕自然函〔2024〕43号\n市政府办公厅:\n"
    "根据贵办通知要求，我局编制完成《福州市自然资源和规划局2023年政府信息公开工作年度报告》，"
    "现予以报送。\n附件:福州市自然资源和规划局2023年政府信息公开工作年度报告\n"
    "福州市自然资源和规划局\n2024年1月10日\n"
)
_CARRIED = (
    "福州市自然资源和规划局2023年政府信息公开工作年度报告\n"
    "依据《中华人民共和国政府信息公开条例》和《中华人民共和国政府信息公开工作年度报告格式》"
    "（国办公开办函〔2021〕30号）要求，编制本报告。\n一、总体情况\n" + _FILLER
)


def test_a_covering_letter_that_carries_its_report_is_the_report() -> None:
    result = extract(_LETTER + _CARRIED)
    assert result.is_annual_report
    assert result.kind == "政府信息公开工作年度报告"
    assert result.title == "福州市自然资源和规划局2023年政府信息公开工作年度报告"
    assert result.agency == "福州市自然资源和规划局"
    assert result.report_year == 2023


def test_a_covering_letter_with_only_its_attachment_line_is_not() -> None:
    result = extract(_LETTER + "（此件公开发布）\n" + "联系人：张三。" * 3)
    assert not result.is_annual_report


def test_a_page_sent_down_to_each_government_is_a_notice_not_a_report() -> None:
    opening = (
        "2020年，全省各级各部门深入贯彻习近平法治思想，法治政府建设取得新成效，"
        "全面推进依法行政，依法行政考核扎实开展，法治建设水平持续提升。\n"
    )
    report = extract(opening + _FILLER)
    assert report.is_annual_report  # the same opening alone reads as a report
    notice = extract("各市人民政府，各县（市、区）人民政府，省政府各部门：\n" + opening + _FILLER)
    assert not notice.is_annual_report
    assert "各市人民政府" in notice.reasons[0]


def test_a_province_s_department_named_in_the_opening_is_the_agency_not_its_government() -> None:
    text = (
        "2022年，省司法厅坚持以习近平新时代中国特色社会主义思想为指导，全省法治政府建设"
        "取得新成效，扎实推进依法行政，法治建设“一规划两纲要”全面落实。\n" + _FILLER
    )
    result = extract(text, url="http://sft.gd.gov.cn/sfw/zwgk/content/post_1.html")
    assert result.agency == "广东省司法厅"


def test_a_year_that_was_and_a_report_without_its_verb_open_a_department_s_report() -> None:
    text = (
        "2023 年是全面贯彻落实党的二十大精神的开局之年。市教育局以习近平新时代中国特色社会主义"
        "思想为指导，深入学习贯彻习近平法治思想，全面推进法治政府建设，努力实现教育系统法治政府"
        "建设新突破，依法行政水平持续提升，有关工作情况报告如下。\n第一部分：主要举措和成效\n"
        + _FILLER
    )
    result = extract(text, url="http://jyj.anshan.gov.cn/html/ASJYJ/202312/1.html")
    assert result.is_annual_report
    assert result.kind == "法治政府建设年度报告"
    assert result.report_year == 2023
    assert result.agency == "鞍山市教育局"


def test_a_publication_date_labelled_fabiao_riqi_is_read() -> None:
    text = (
        "东街街道2023年度政府信息公开工作年度报告\n"
        "发表日期:2024-01-26 15:35:23 发布机构:政务服务管理局\n"
        "一、总体情况\n2023年，东街街道认真贯彻落实《中华人民共和国政府信息公开条例》。\n" + _FILLER
    )
    assert extract(text).published is not None
    assert str(extract(text).published) == "2024-01-26"


@pytest.mark.parametrize(
    ("url", "year"),
    [
        ("http://cqqj.gov.cn/zwgk/202403/t20240327_13086081_wap.html", 2023),
        ("https://www.sx.gov.cn/art/2024/1/29/art_1229309447_4107577.html", 2023),
        ("http://example.gov.cn/xxgk/2022-02/15/content_1.htm", 2021),
        (None, None),
    ],
)
def test_a_page_that_states_no_year_takes_it_from_its_url_s_date(
    url: str | None, year: int | None
) -> None:
    text = (
        "一、总体情况\n全区认真贯彻落实《中华人民共和国政府信息公开条例》。\n"
        "二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况\n" + _FILLER
    )
    result = extract(text, url=url)
    assert result.is_annual_report
    assert result.report_year == year
    assert result.published is None  # the URL's date is the page's creation, not its publication


def test_a_bracketed_date_opening_an_untitled_page_is_its_date() -> None:
    text = (
        "(2021年1月19日)\n"
        "按照《中华人民共和国政府信息公开条例》的规定,结合我办工作实际,编制了2020年度政府信息公开工作"
        "年度报告。本报告中所列数据的统计期限自2020年1月1日起至2020年12月31日止。\n"
        "一、总体情况\n二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况\n"
    )
    assert str(extract(text).published) == "2021-01-19"
    # A word processor's spaces inside the date are still the date.
    spaced = text.replace("(2021年1月19日)", "(2021年1 月19 日)")
    assert str(extract(spaced).published) == "2021-01-19"
    # Further down, a bracketed date is some other event's.
    later = text.replace("(2021年1月19日)\n", "") + "(2021年1月19日)\n"
    assert extract(later).published is None


def test_a_page_opening_with_the_formats_first_heading_is_a_disclosure_report() -> None:
    text = (
        "一、总体情况\n2024年,西区街道认真落实国家和省关于政务公开工作的决策部署,持续推进政务公开工作。\n"
        "(一)加强信息公开及政策解读\n2024年,西区街道通过政府门户网站主动公开政府信息648条。\n"
    )
    result = extract(text, url="https://www.zs.gov.cn/zsxq/gkmlpt/content/2/2481/post_2481578.html")
    assert (result.kind, result.report_year) == ("政府信息公开工作年度报告", 2024)
    assert result.agency == "中山市西区街道办事处"
    # The heading alone, over other work, is not enough.
    summary = text.replace("政务公开", "安全生产").replace("主动公开政府信息", "排查隐患")
    assert extract(summary).is_annual_report is False


def test_a_first_heading_naming_the_years_法治政府建设_makes_a_report() -> None:
    text = (
        "2023年以来,喀什地区深入学习贯彻习近平法治思想,全面落实中央、自治区关于法治政府建设的各项"
        "决策部署,全方位推动法治政府建设。\n一、2023年法治政府建设情况\n"
        "(一)深入贯彻习近平法治思想,加强党对法治政府建设的领导。\n" + _FILLER
    )
    result = extract(text)
    assert (result.kind, result.report_year) == ("法治政府建设年度报告", 2023)
    # A first heading over other work is not enough (an opening that says 法治政府建设 three
    # times would be, by itself: the (一) line is about the other work too).
    other = text.replace("一、2023年法治政府建设情况", "一、2023年安全生产情况").replace(
        "加强党对法治政府建设的领导", "加强党对安全生产的领导"
    )
    assert extract(other).is_annual_report is False


def test_a_run_in_heading_does_not_hide_the_opening_subject() -> None:
    text = (
        "一、总体情况\n(一)总体公开情况说明。2021年,县卫生健康局的政府信息公开工作严格按照省、市、县"
        "各级有关政府信息公开工作精神和要求,全年累计主动公开政府信息246条。\n"
        "本报告所列数据的统计期限自2021年1月1日起至2021年12月31日止。\n" + _FILLER
    )
    result = extract(text, url="https://www.yxes.gov.cn/esxzfxxgk/20220121/1324571.html")
    assert result.agency == "峨山彝族自治县卫生健康局"


def test_a_written_date_line_with_a_bracketed_hit_counter_is_the_publication_date() -> None:
    text = (
        "洪雅县教育和体育局2023年政府信息公开工作年度报告 | ||||||||\n"
        "2024年01月25日 (点击: ) | ||||||||\n"
        "本报告所列数据的统计期限自2023年1月1日起至2023年12月31日止。\n一、总体情况\n" + _FILLER
    )
    assert str(extract(text).published) == "2024-01-25"


def test_a_report_for_all_the_levels_governments_is_the_whole_ones() -> None:
    text = (
        "2024年,在党中央、国务院的坚强领导下,全省各级行政机关坚持以习近平新时代中国特色社会主义"
        "思想为指导,深入学习贯彻习近平法治思想,全面贯彻习近平总书记考察青海重要讲话精神,"
        "法治政府建设取得了新成效。现将有关情况报告如下。\n"
        "一、始终坚持党对法治政府建设的全面领导,以法治政府建设引领更高水平的法治青海建设\n"
        + _FILLER
    )
    result = extract(text)
    assert (result.kind, result.report_year) == ("法治政府建设年度报告", 2024)
    assert result.agency == "青海省人民政府"
    assert result.region.province == "青海省"
    # A department's report speaks for its own line of work at every level, not the government.
    department = text.replace("全省各级行政机关", "全省各级司法行政机关").replace(
        "现将有关情况", "现将我厅有关情况"
    )
    assert extract(department).agency != "青海省人民政府"


def test_a_reprints_lead_names_the_report_it_carries_and_its_publisher() -> None:
    text = (
        "发布时间:2024-11-18 18:01:19 来源: sp20241118\n"
        "中新网 3月29日电 据司法部网站消息,司法部发布2023年法治政府建设年度报告。具体报告如下:\n"
        "一、坚持把党的领导贯穿到法治政府建设全过程各方面\n" + _FILLER
    )
    result = extract(text)
    assert (result.kind, result.report_year, result.agency) == (
        "法治政府建设年度报告",
        2023,
        "司法部",
    )
    # News that only tells of the report does not carry it.
    news = text.replace("具体报告如下:", "报告显示,该部全年办理行政复议案件120件。")
    assert not extract(news).is_annual_report


def test_the_opening_subject_starts_after_the_year_and_is_not_an_adverb() -> None:
    text = (
        "依据《中华人民共和国政府信息公开条例》第五十条规定,编制本报告。\n一、总体情况\n"
        "2025年中仓街道积极推动街道政府信息公开工作,努力保障公民依法获取街道信息。\n"
        "二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况\n" + _FILLER
    )
    result = extract(text, url="https://www.bjtzh.gov.cn/tzzfxxgk/202601/1778607.shtml")
    assert result.agency == "北京市通州区中仓街道办事处"
    adverb = text.replace("2025年中仓街道积极推动街道", "2025年,严格按照《条例》推动")
    assert extract(adverb).agency is None


def test_the_compiler_is_the_name_before_the_short_form_it_defines() -> None:
    text = (
        "本报告根据《中华人民共和国政府信息公开条例》要求,由南宁经济技术开发区管理委员会"
        "(以下简称经开区管委会)编制。本年度报告中所列数据的统计期限自2021年1月1日至2021年12月31日。"
        "如对本年度报告有任何疑问,请与经开区管委会政府信息公开办公室联系。\n" + _FILLER
    )
    result = extract(text)
    assert result.agency == "南宁经济技术开发区管理委员会"
    assert (result.region.city, result.report_year) == ("南宁市", 2021)


def test_a_department_speaking_as_我厅_is_the_name_its_text_gives_it() -> None:
    text = (
        "2020年,在省委、省政府和公安部的坚强领导下,我厅深入学习贯彻习近平法治思想,"
        "积极统筹推进法治政府建设各项工作任务,取得明显成效。\n"
        "一、党政主要负责人履行推进法治建设第一责任人职责,加强法治政府建设的情况\n"
        "副省长、省公安厅党委书记、厅长认真贯彻落实全面依法治国新理念,推动法治政府建设在广东公安"
        "落地落实。\n" + _FILLER
    )
    result = extract(text)
    assert result.kind == "法治政府建设年度报告"
    assert result.agency == "广东省公安厅"
    # A name only inside a cited title is not its own.
    cited = text.replace("副省长、省公安厅党委书记、厅长", "按照《省公安厅法治建设实施方案》,厅长")
    assert extract(cited).agency is None


def test_a_reprinted_news_article_about_a_report_is_not_the_report() -> None:
    text = (
        "原标题:陕西发布2025年法治政府建设情况 持续优化营商环境\n"
        "3月10日,省政府发布关于2025年法治政府建设情况的报告。\n"
        "2025年,在省委坚强领导下,省政府认真落实《法治政府建设实施纲要(2021-2025年)》要求,"
        "深入推进依法行政,法治政府建设取得新成效,全面推进法治政府建设。\n" + _FILLER
    )
    result = extract(text)
    assert (result.is_annual_report, result.kind) == (False, "other")
    assert result.reasons[0].startswith("not a report: a news article")


def test_the_2008_formats_headings_make_a_disclosure_report() -> None:
    text = (
        "一、概述\n根据《条例》要求,2010年,我局继续开展政府信息公开工作。\n"
        "二、政府信息主动公开情况\n我局2010年共主动公开政府信息175条。市民可直接通过浏览我局政府网站查阅。\n"
        "三、政府信息依申请公开情况\n我局2010年度未收到政府信息公开申请。\n"
        "四、人员和收支情况\n(二)依申请公开政府信息收费情况\n(三)依申请公开政府信息减免收费情况\n"
    )
    result = extract(text)
    assert (result.kind, result.report_year) == ("政府信息公开工作年度报告", 2010)
    assert result.agency is None  # 浏览我局 is no name
    # Without the fee waiver heading (a 2008-format report's own) two markers are not enough.
    assert not extract(text.replace("减免收费", "其他")).is_annual_report


def test_the_statistics_period_of_the_disclosure_data_gives_kind_and_year() -> None:
    text = (
        "本报告由银川市市政管理局根据《中华人民共和国政府信息公开条例》规定编制而成,"
        "政府信息公开数据统计期限为2020年1月1日至2020年12月31日。\n一、 总体公开工作情况概述\n"
        + _FILLER
    )
    result = extract(text)
    assert (result.kind, result.report_year) == ("政府信息公开工作年度报告", 2020)
    assert result.agency == "银川市市政管理局"


def test_the_announcement_above_a_reports_title_dates_its_publication() -> None:
    text = (
        "中华人民共和国应急管理部 公 告 2024年 第1号按照《中华人民共和国政府信息公开条例》有关要求,"
        "我部编制了《应急管理部2023年政府信息公开工作报告》,现予公布。\n"
        "应急管理部 2024年1月24日\n应急管理部2023年政府信息公开工作报告\n"
        "本报告所涉及信息核定时间为2023年1月1日至2023年12月31日。\n一、总体情况\n" + _FILLER
    )
    result = extract(text)
    assert (result.agency, result.report_year) == ("应急管理部", 2023)
    assert str(result.published) == "2024-01-24"
    # A signature at the end, above a repeated title, is the report's own date, not its publication.
    signed = "一、总体情况\n" + _FILLER + "\n应急管理部\n2024年1月24日\n"
    assert extract(signed).published is None


def test_a_town_reporting_as_我镇_is_not_the_county_office_its_page_credits() -> None:
    text = (
        "昌图县七家子镇2023年政府信息公开 工作告年度报\n来源:昌图县人民政府办公室 时间:2024-01-31\n"
        "一、总体情况\n2023年,我镇认真贯彻落实《中华人民共和国政府信息公开条例》,扎实做好政务信息公开工作。\n"
        "二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况\n" + _FILLER
    )
    result = extract(text, url="http://changtu.gov.cn/changtu/zwgk/zfxxgk/index.html")
    assert result.agency == "昌图县七家子镇人民政府"


def test_the_report_sentence_is_not_read_inside_the_notice_it_cites() -> None:
    text = (
        "根据《中华人民共和国政府信息公开条例》和《罗平县人民政府办公室关于2024年政府信息公开工作年度报告"
        "编制发布工作的通知》规定,特编制罗平县长底布依族乡2024年政府信息公开工作年度报告。"
        "所列数据统计期限为2024年1月1日—2024年12月31日。\n一、总体情况\n" + _FILLER
    )
    assert extract(text).agency == "罗平县长底布依族乡人民政府"
    spoken = (
        "一、总体情况\n2023年,我镇有序推进政务公开各项工作。根据《中华人民共和国政府信息公开条例》文件,"
        "现就鹤游镇2023年政府信息公开工作情况报告如下:\n二、主动公开政府信息情况\n" + _FILLER
    )
    result = extract(spoken, url="http://www.cqsdj.gov.cn/bmjz/jz/hyz_73540/t1.html")
    assert result.agency == "垫江县鹤游镇人民政府"  # not 现就鹤游镇


def test_the_department_its_report_sentence_names_beats_its_sites_government() -> None:
    text = (
        "根据《中华人民共和国政府信息公开条例》等有关文件规定,现向社会公布广元市利州区乡村振兴局2022年度"
        "政府信息公开情况。年报电子版通过广元市利州区人民政府门户网站公开。\n一、总体情况\n"
        "二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况\n" + _FILLER
    )
    assert extract(text).agency == "广元市利州区乡村振兴局"


def test_a_fzzf_report_is_known_by_its_first_required_element() -> None:
    text = (
        "2022年,江门市司法局坚持以习近平新时代中国特色社会主义思想为指导,深入践行习近平法治思想,稳步推进"
        "法治江门、法治政府、法治社会一体化建设。2021年度法治广东建设考评获得优秀等次。\n"
        "一、主要举措和成效\n(一)深刻领会新时代坚持全面依法治国、推进法治中国建设战略部署\n"
        + _FILLER
    )
    result = extract(text)
    assert (result.kind, result.report_year, result.agency) == (
        "法治政府建设年度报告",
        2022,
        "江门市司法局",
    )
    # Other work under the same heading is not a 法治 report.
    other = text.replace("法治", "安全")
    assert not extract(other).is_annual_report


def test_a_report_since_the_years_start_under_a_breadcrumb_is_untitled() -> None:
    text = (
        "您当前的位置:首页 > 内容\n常州市人民政府:\n"
        "2025年以来,在市委、市政府和区委的正确领导下,区政府坚持以习近平法治思想为指导,深入推进法治政府"
        "建设各项工作,努力建设人民满意的法治政府。\n一、全面履行主体职责,落实落细法治建设要求\n"
        "1.完善法治政府推进机制。修订《常州市天宁区人民政府工作规则》。党政主要负责人履行推进法治建设第一责任人职责。\n"
        + _FILLER
    )
    result = extract(text, url="https://www.cztn.gov.cn/html/cztn/2026/ADNJLBQJ_0128/32943.html")
    assert (result.kind, result.report_year) == ("法治政府建设年度报告", 2025)
    assert result.agency == "常州市天宁区人民政府"


def test_a_citys_法治政府建设_report_posted_by_its_司法局_is_the_governments() -> None:
    text = (
        "索引号 | 11332500002645216W/2022-35204 | 发布机构 | 丽水市司法局 |\n"
        "2021年,丽水市全面贯彻习近平法治思想,认真落实省委、省政府决策部署,创成首批法治浙江(法治政府)"
        "建设示范市,法治政府建设群众满意度连续6年居全省前列。\n"
        "一、坚持党的领导,坚决把牢法治政府建设正确方向\n(一)不断加强组织领导。始终把法治政府建设摆在"
        "全局工作的突出位置。\n" + _FILLER
    )
    assert extract(text).agency == "丽水市人民政府"


def test_a_year_inside_a_governments_title_still_names_a_disclosure_report() -> None:
    text = (
        "红花岗区人民政府2012年度信息公开工作年度报告\n发布日期:2013年02月26日 14:21\n"
        "红花岗区电子政务办公室关于报送2012年度政府信息公开工作年度报告及2013年度政府信息公开工作计划的报告\n"
        "市政府电子政务办公室:\n根据《中华人民共和国政府信息公开条例》的要求,我区已完成编制工作。\n"
        + _FILLER
    )
    result = extract(text, url="http://zyhhg.gov.cn/zwgk/xxgkgznb/104402.shtml")
    assert result.title == "红花岗区人民政府2012年度信息公开工作年度报告"
    assert result.agency == "遵义市红花岗区人民政府"


def test_我市气象部门_is_a_department_not_the_city() -> None:
    text = (
        "湖北省咸宁市气象部门2022年政府信息公开工作年度报告\n一、总体情况\n"
        "2022年,咸宁市气象部门认真贯彻落实《中华人民共和国政府信息公开条例》精神,我市气象部门加强信息"
        "公开工作。\n" + _FILLER
    )
    assert extract(text).agency != "咸宁市人民政府"


def test_a_sites_greeting_is_no_title_and_a_towns_opening_names_it() -> None:
    text = (
        "欢迎来到莒南县人民政府门户网站\n"
        "石莲子镇人民政府根据《中华人民共和国政府信息公开条例》有关规定,特向社会公开2021年度政府信息公开"
        "年度报告。本报告的统计数据时限为2021年1月1日至2021年12月31日。本报告电子版可在莒南县政府门户网站"
        "下载。\n一、总体情况\n二、主动公开政府信息情况\n" + _FILLER
    )
    result = extract(text, url="http://junan.gov.cn/info/1288/114546.htm")
    assert result.title != "欢迎来到莒南县人民政府门户网站"
    assert result.agency == "莒南县石莲子镇人民政府"


def test_a_link_to_the_reports_interpretation_is_not_the_pages_title() -> None:
    text = (
        "相关解读:北京市海淀区人民政府2024年政府信息公开工作年度报告的问答解读\n"
        "依据《中华人民共和国政府信息公开条例》第五十条规定,编制本报告。\n一、总体情况\n"
        "二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况\n" + _FILLER
    )
    result = extract(text)
    assert result.kind == "政府信息公开工作年度报告"  # not refused as an interpretation


def test_a_column_heading_above_the_title_gives_way_to_the_title_that_names_its_year() -> None:
    # The column (政府信息公开年度报告) names a kind but no year or agency; the title below it
    # names both. Taking the column left the agency to the host, whose zwsjj read as 审计局.
    text = (
        "政府信息公开年度报告\n\n咸宁市政务服务和大数据管理局2025年政府信息公开工作年度报告\n"
        "发布日期:2026-01-28来源:咸宁市政务服务和大数据管理局\n"
        "根据《中华人民共和国政府信息公开条例》要求，编制本报告。\n一、总体情况\n" + _FILLER
    )
    result = extract(text, url="http://zwsjj.xianning.gov.cn/zwgk/xxgknb/t1.shtml")
    assert result.title == "咸宁市政务服务和大数据管理局2025年政府信息公开工作年度报告"
    assert result.agency == "咸宁市政务服务和大数据管理局"
    assert result.report_year == 2025


def test_the_article_of_the_regulations_on_annual_reports_makes_a_disclosure_report() -> None:
    text = (
        "相关解读:北京市海淀区人民政府2024年政府信息公开工作年度报告的问答解读\n"
        "依据《中华人民共和国政府信息公开条例》(以下简称《条例》)第五十条规定,编制本报告。\n"
        "一、总体情况\n" + _FILLER
    )
    result = extract(text, url="http://www.bjhd.gov.cn/zwgk/ndbg/t1.html")
    assert result.is_annual_report
    assert result.kind == "政府信息公开工作年度报告"
    # A notice telling others to compile theirs by that article is no report.
    notice = (
        "各街道办事处:\n请按照《中华人民共和国政府信息公开条例》第五十条规定,编制并公布"
        "本单位2024年度报告。\n" + _FILLER
    )
    assert not extract(notice).is_annual_report


def test_a_report_set_out_by_the_outlines_chapters_is_a_rule_of_law_report() -> None:
    text = (
        "2021年,青岛市坚持以习近平新时代中国特色社会主义思想为指导,深入学习贯彻习近平法治思想,"
        "深入落实党中央、国务院关于法治政府建设决策部署,法治政府建设取得显著成效。\n"
        "一、健全政府机构职能体系,推动更好发挥政府作用\n(一)推进政府机构职能优化协同高效。"
        + _FILLER
    )
    result = extract(text)
    assert result.is_annual_report
    assert result.kind == "法治政府建设年度报告"
    assert result.report_year == 2021


def test_a_disclosure_work_summary_in_the_reports_headings_is_no_report() -> None:
    body = (
        "2024年上窑镇认真贯彻落实上级关于政务信息公开工作的方针政策,现将上窑镇2024年政务公开工作"
        "情况总结如下:\n一、总体情况\n(一)主动公开政府信息情况。\n(二)依申请公开情况。\n"
        "收到和处理政府信息公开申请情况见下表。\n" + _FILLER
    )
    for title in (
        "【工作总结】上窑镇2024年度政务公开工作总结",
        "上窑镇2024年工作总结和2025年工作计划",
    ):
        result = extract(title + "\n" + body)
        assert not result.is_annual_report, title
        assert result.reasons[0].startswith("not a report")


def test_the_2008_formats_opening_makes_a_disclosure_report_of_its_compiler() -> None:
    text = (
        "本年度报告是根据《中华人民共和国政府信息公开条例》和《砚山县人民政府办公室关于编制公布2021年"
        "政府信息公开工作年度报告有关事项的通知》要求,由盘龙彝族乡人民政府编制,现特向社会公布,如对本"
        "报告有任何疑问,请与盘龙彝族乡人民政府办公室联系(地址:砚山县盘龙彝族乡人民政府新街1号)。\n"
        "一、总体情况\n2021年,盘龙乡注重强化工作措施。\n" + _FILLER
    )
    result = extract(text)
    assert result.kind == "政府信息公开工作年度报告"
    assert result.report_year == 2021
    assert result.agency == "砚山县盘龙彝族乡人民政府"
    assert result.region.code == "532622"


def test_a_zones_committee_is_placed_by_its_host() -> None:
    text = (
        "根据《中华人民共和国政府信息公开条例》规定,现将苏银产业园管理委员会2025年政府信息公开工作"
        "年度报告如下。\n一、总体情况\n" + _FILLER
    )
    result = extract(text, url="https://sycyy.yinchuan.gov.cn/zwgk/zfxxgknb/t1.html")
    assert result.agency == "苏银产业园管理委员会"
    assert result.region.city == "银川市"
