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
        ("http://www.kazuo.gov.cn/", {"211324"}),  # 喀左: the short form, not the name's start
        ("http://www.cqqj.gov.cn/zwgk/", {"500110"}),  # 綦江区's portal, not 黔江区's (qianjiang)
        ("https://www.bjtzh.gov.cn/", {"110112"}),  # 北京 + 通州: zh as two letters
        ("https://xxgk.shbsq.gov.cn/", {"310113"}),  # 上海 + 宝山区: the level's initial
        # 清河 + 县 in full; 青河县 and 精河县 (by a rare reading of 精) spell the same
        ("http://qinghexian.gov.cn/", {"130534", "654325", "652722"}),
        ("http://hrbdl.gov.cn/", {"230102"}),  # 哈尔滨 by its old spelling + 道里
        ("http://www.sqsc.gov.cn/", {"321302"}),  # 宿迁 + 宿城: sc is 四川 alone, not inside
        ("http://www.yncxym.gov.cn/", {"532328"}),  # 云南 + 楚雄 + 元谋
        ("http://www.jxjaxzf.gov.cn/", {"360925", "360821"}),  # 江西 + 靖安县 (吉安县) + 政府
        ("http://www.hainanzhou.gov.cn/", {"632500"}),  # an autonomous prefecture's short form
        ("http://www.liuzhi.gov.cn/", {"520203"}),  # 六枝特区 without 特区
        # 济南 (and 金安区, 晋安区), not 邯郸冀南新区: a zone's short form is not a spelling
        ("http://www.jinan.gov.cn/", {"341502", "350111", "370100"}),
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
    # cqyy is 云阳县 or 酉阳县 by initials, both of 重庆市: the province and city are sure, the
    # county is not.
    result = extract("县人民政府2023年法治政府建设年度报告", url="http://cqyy.gov.cn/a")
    assert (result.region.province, result.region.city) == ("重庆市", "重庆市")
    assert result.region.county is None
    assert result.agency == "县人民政府"


def test_open_candidates_are_kept_by_the_consensus() -> None:
    agreed = consensus([Clue(("500110", "500114"), "host cqqj", WEAK)])
    assert agreed.code is None
    assert agreed.candidates == ("500110", "500114")


_GK_BODY = "\n".join(
    [
        "本报告中所列数据的统计期限自2022年1月1日至2022年12月31日止。",
        "一、总体情况",
        "2022年,我局认真落实《中华人民共和国政府信息公开条例》,主动公开信息84条。",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
    ]
)


def test_an_info_list_item_gives_way_to_the_full_title_below_it() -> None:
    page = "\n".join(
        [
            "• 005283628/2021-00001",
            "• 上街区济源路街道办事处",
            "• 2020年政府信息公开工作年度报告",
            "• 2021-01-18",
            "郑州市上街区济源路街道办事处2020年政府信息公开工作年度报告",
            _GK_BODY.replace("2022", "2020"),
        ]
    )
    result = extract("", url="https://public.zzsj.gov.cn/D42Y/4692614.jhtml", body=page)
    assert result.title == "郑州市上街区济源路街道办事处2020年政府信息公开工作年度报告"
    assert result.agency == "郑州市上街区济源路街道办事处"
    assert str(result.published) == "2021-01-18"  # the list's bare date, above the title


def test_a_street_that_calls_itself_x_jie_is_its_street_office() -> None:
    body = (
        "一、总体情况\n2022年,白云街以习近平新时代中国特色社会主义思想为指导,推进政务公开。\n"
        + _GK_BODY
    )
    result = extract(
        "", url="http://www.yuexiu.gov.cn/gzyxbyj/gkmlpt/content/8/post_1.html", body=body
    )
    assert result.agency == "广州市越秀区白云街道办事处"


def test_the_compiler_named_by_bian_xie_is_the_agency() -> None:
    body = (
        "一、总体情况\n本年报是根据《中华人民共和国政府信息公开条例》规定,"
        "由西宁市城中区生态环境局编写了2022年度政府信息公开工作年度报告。\n" + _GK_BODY
    )
    result = extract("", url="http://dieshihui.com/info/4114/171816.htm", body=body)
    assert result.agency == "西宁市城中区生态环境局"
    assert (result.region.province, result.region.code) == ("青海省", "630103")


def test_a_leagues_xingshu_is_written_as_its_official_name() -> None:
    result = extract("兴安盟行署外事办公室2025年政府信息公开工作年度报告", body=_GK_BODY)
    assert result.agency == "兴安盟行政公署外事办公室"
    assert result.region.city == "兴安盟"


def test_a_bare_ting_is_the_provinces_not_the_hosts_city() -> None:
    body = (
        "2021年,司法厅坚持以习近平新时代中国特色社会主义思想为指导,建设法治四川、平安四川。\n"
        + _BODY
    )
    result = extract("", url="http://sfj.cngy.gov.cn/New/Detail/20220301175237159", body=body)
    assert result.agency == "四川省司法厅"
    assert result.region.code == "510000"


def test_a_rule_of_law_report_posted_by_the_justice_bureau_is_its_governments() -> None:
    page = "\n".join(
        [
            "关于2025年法治政府建设情况的报告",
            "来源:区司法局",
            "发布时间:2026-02-26",
            "2025年,在区委的坚强领导下,我区坚持以习近平法治思想为指导,推进法治政府建设。",
            _BODY,
        ]
    )
    result = extract("", url="http://www.laobian.gov.cn/003/003004/20260226/1.html", body=page)
    assert result.agency == "营口市老边区人民政府"
    # The same 来源 on a report that speaks as the bureau stays the bureau's.
    own = page.replace("我区坚持", "我局坚持")
    assert extract("", url="http://www.laobian.gov.cn/003/1.html", body=own).agency == (
        "营口市老边区司法局"
    )


def test_a_written_date_with_a_byline_under_the_title_is_the_publication_date() -> None:
    page = "\n".join(
        [
            "廊坊市人民政府2023年度法治政府建设情况报告",
            "2024年02月26日 来源: 市司法局 作者: 字体:",
            _BODY,
        ]
    )
    result = extract("", url="https://www3.lf.gov.cn/Item/137647.aspx", body=page)
    assert str(result.published) == "2024-02-26"
    assert result.agency == "廊坊市人民政府"


def test_a_town_the_title_names_beats_the_county_whose_site_carries_it() -> None:
    body = (
        _GK_BODY.replace("我局", "辉苏木人民政府") + "\n本报告在鄂温克族自治旗旗政府门户网站公开。"
    )
    result = extract(
        "辉苏木2025年政府信息公开工作年度报告",
        url="https://www.ewenke.gov.cn/OpennessAnnualReport/show/6988.html",
        body=body,
    )
    assert result.agency == "鄂温克族自治旗辉苏木人民政府"
    assert result.region.code == "150724"


def test_a_level_said_twice_is_said_once() -> None:
    from services.extract.agency import parse_agency

    for written in ("鄂温克族自治旗旗政府", "昆明市市政府"):
        parsed = parse_agency(written)
        assert parsed is not None
        assert parsed.department == "人民政府"
    market = parse_agency("昆明市市场监督管理局")
    assert market is not None
    assert market.department == "市场监督管理局"


def test_a_report_speaking_as_wo_zhen_is_the_town_the_body_names() -> None:
    body = (
        "区委、区政府:\n2024年,我镇以习近平法治思想为指导,深入推进法治政府建设工作。"
        "现将我镇2024年推进法治建设工作情况汇报如下:\n"
        + _BODY
        + "\n法治建设纳入了东庄镇发展总体规划。"
    )
    url = "http://www.ptxy.gov.cn/zfxxgkzl/xzzfxxgk/xyqdzzrmzf/202504/t20250416_1990617.htm"
    assert extract("", url=url, body=body).agency == "莆田市秀屿区东庄镇人民政府"
    # 城镇 and 乡镇 end in 镇 but are no town: without a town the table knows, no agency.
    vague = body.replace("东庄镇", "城镇")
    assert extract("", url=url, body=vague).agency is None


def test_an_ambiguous_district_is_settled_by_the_city_the_body_names() -> None:
    body = (
        "2023年,在区委、区政府的坚强领导下,龙华区司法局深入学习习近平总书记对广东、深圳系列重要讲话精神,"
        "推进法治政府建设。现将有关情况报告如下:\n" + _BODY
    )
    result = extract("", url="https://zuizhijiaoyu.com/szzt2010/content/post_1.html", body=body)
    assert result.agency == "深圳市龙华区司法局"
    assert result.region.code == "440309"


def test_a_provinces_ting_is_written_in_full_like_its_cities_ju() -> None:
    from services.extract.agency import full_department

    assert full_department("环保厅") == "环境保护厅"
    assert full_department("交通厅") == "交通运输厅"
    assert full_department("司法厅") == "司法厅"


def test_the_report_the_opening_says_was_compiled_names_the_agency() -> None:
    body = (
        "根据《中华人民共和国政府信息公开条例》和上级相关文件要求,编制完成《苍溪县乡村振兴局2023年政府信息公开"
        "工作年度报告》,所列数据自2023年1月1日起至2023年12月31日止。\n" + _GK_BODY
    )
    result = extract("", url="https://cncx.gov.cn/gongkai/show/20240112172050425.html", body=body)
    assert result.agency == "苍溪县乡村振兴局"
    assert result.region.city == "广元市"


def test_a_town_is_found_under_its_older_name_where_the_host_points() -> None:
    body = (
        "一、总体情况\n根据上级要求,海青镇扎实做好政府信息主动公开,本年度,我镇全面贯彻落实上级要求。\n"
        + _GK_BODY
    )
    result = extract("", url="https://hljfy.gov.cn/fys/c101501/202601/c04_281461.shtml", body=body)
    # The town table lists 海青乡 under 抚远市 (黑龙江) and a 海青镇 only under 青岛's 黄岛区.
    assert result.agency == "抚远市海青镇人民政府"
    assert result.region.province == "黑龙江省"


def test_the_contact_sentence_names_the_agency_when_nothing_else_does() -> None:
    body = (
        "一、总体情况\n现将我委2024年政府信息公开工作情况汇报如下:\n"
        + _GK_BODY
        + "\n如对本报告有疑问,请联系重庆市江北区教育委员会办公室,地址:重庆市江北区金港新区16号。"
    )
    result = extract("", url="http://www.cqjb.gov.cn/bm/qjw_71911/202501/t1.html", body=body)
    assert result.agency == "重庆市江北区教育委员会"


def test_a_town_in_the_contact_sentence_beats_the_county_whose_site_carries_it() -> None:
    body = (
        "一、总体情况\n根据《条例》规定,向社会公布2021年本级政府信息公开工作年度报告。"
        "本报告可通过柞水县人民政府门户网站查阅。如需咨询,请与柞水县凤凰镇人民政府党政办公室联系。\n"
        + _GK_BODY.replace("我局", "本级")
    )
    result = extract("", url="http://tufwp.cn/html//zwgk/ndbg/zb/120011.html", body=body)
    assert result.agency == "柞水县凤凰镇人民政府"


def test_a_report_that_speaks_as_wo_xiang_is_not_its_countys() -> None:
    body = (
        "一、总体情况\n2023年,我乡按照县委、县政府统一部署,认真贯彻《政府信息公开条例》。"
        "我乡通过兴国县政府门户网站主动公开政府信息300余条。\n" + _GK_BODY.replace("我局", "我乡")
    )
    result = extract("", url="https://www.xinpianw.com/xgxxxgk/ccxbmnb/202401/f1.shtml", body=body)
    assert result.agency is None


def test_a_title_repeated_under_its_header_takes_the_agency_line_above_it() -> None:
    page = "\n".join(
        [
            "关于2021年度政府信息公开工作的年度报告",
            "www.panzhihua.gov.cn 发布时间:2022-01-25 来源:新九镇党政办",
            "盐边县新九镇人民政府",
            "关于2021年度政府信息公开工作的年度报告",
            _GK_BODY.replace("2022", "2021"),
        ]
    )
    result = extract("", url="http://www.scyanbian.gov.cn/zfxxgk/zfxxgknb/4113765.shtml", body=page)
    assert result.title == "盐边县新九镇人民政府关于2021年度政府信息公开工作的年度报告"
    assert result.agency == "盐边县新九镇人民政府"


def test_a_host_shared_by_counties_is_settled_by_the_one_whose_full_name_is_written() -> None:
    body = (
        "一、总体情况\n2023年,县人社局严格按照《中华人民共和国政府信息公开条例》相关规定发布政务信息。"
        "全年,利用凤县人民政府网站公开信息。\n" + _GK_BODY
    )
    result = extract(
        "", url="http://www.sxfx.gov.cn/art/2024/1/26/art_17374_1716697.html", body=body
    )
    assert result.agency == "凤县人力资源和社会保障局"
    assert result.region.city == "宝鸡市"


def test_a_town_office_that_compiled_the_report_names_its_town_government() -> None:
    body = (
        "一、工作基本情况\n本报告是根据《中华人民共和国政府信息公开条例》要求,由两城镇人民政府党政办公室编制。"
        "\n" + _GK_BODY + "\n地址:微山县两城镇人民政府驻地。"
    )
    result = extract(
        "", url="http://www.weishan.gov.cn/module/xxgk/xxgkAnnualReport.jsp", body=body
    )
    assert result.agency == "微山县两城镇人民政府"


def test_a_central_body_is_written_without_the_state_name() -> None:
    result = extract("中华人民共和国司法部2022年法治政府建设年度报告")
    assert result.agency == "司法部"


def test_a_title_split_over_lines_is_read_whole() -> None:
    page = "\n".join(
        [
            "国务院办公厅政府信息与政务公开办公室",
            "关于政府信息公开工作年度报告",
            "有关事项的通知",
            "国办公开办函〔2019〕60号",
            "各省、自治区、直辖市人民政府办公厅,国务院各部委、各直属机构办公厅(室):",
            _GK_BODY,
        ]
    )
    result = extract("", body=page)
    assert (
        result.title
        == "国务院办公厅政府信息与政务公开办公室关于政府信息公开工作年度报告有关事项的通知"
    )
    assert result.is_annual_report is False


def test_a_banner_host_is_spelled_without_qi() -> None:
    match = host_match("http://www.dlt.gov.cn/dltqrmzf2023/zfxxgk2023/t1.html")
    assert match is not None
    assert "150621" in match.codes  # 达拉特旗


def test_a_town_the_host_places_elsewhere_gets_no_region_at_all() -> None:
    body = (
        "一、总体情况\n根据《条例》规定,现公布吉格斯太镇人民政府2024年政府信息公开工作年度报告。\n"
        + _GK_BODY
    )
    # The town table has 吉格斯太镇 only under 达拉特旗 (内蒙古); a host of 德令哈 (青海) contradicts it.
    result = extract("", url="http://www.delingha.gov.cn/zwgk/1.html", body=body)
    assert result.agency == "吉格斯太镇人民政府"
    assert result.region.code is None


def test_a_counsellors_office_is_an_agency() -> None:
    result = extract("2022年上海市人民政府参事室政府信息公开工作年度报告", body=_GK_BODY)
    assert result.agency == "上海市人民政府参事室"


def test_a_headline_about_a_report_is_news_not_the_report() -> None:
    page = "2020年政府信息公开工作年度报告发布\n贵州公开政策文件236件\n" + _GK_BODY
    assert extract("", body=page).is_annual_report is False


def test_the_date_information_was_provided_is_the_publication_date() -> None:
    page = "\n".join(
        [
            "2021年区集体经济发展服务署政府信息公开工作年度报告",
            "信息提供日期 : 2022-01-21 17:48来源 : 深圳市福田区集体经济发展服务署",
            _GK_BODY,
        ]
    )
    result = extract(
        "", url="https://www.szft.gov.cn/bmxx/qczj/xxgknb/content/post_1.html", body=page
    )
    assert str(result.published) == "2022-01-21"


def test_a_date_in_brackets_is_not_a_title() -> None:
    page = (
        "(2021年1月19日)\n按照《条例》的规定,结合我办工作实际,编制了2020年度政府信息公开工作年度报告。\n"
        + _GK_BODY
    )
    result = extract("", body=page.replace("2022", "2020"))
    assert result.title is None
    assert result.report_year == 2020


def test_a_dateline_padded_with_empty_table_cells_is_still_the_dateline() -> None:
    page = "\n".join(
        [
            "卓尼县人民政府2020年度政府信息公开工作年度报告 | ||||||||||||",
            "2021-02-09 发布:卓尼县人民政府办公室 点击数: | |||||||||||||||||||||||",
            _GK_BODY.replace("2022", "2020"),
        ]
    )
    assert str(extract("", body=page).published) == "2021-02-09"


def test_a_worded_dateline_run_into_its_source_label_is_still_the_dateline() -> None:
    page = "\n".join(
        [
            "2021年迎宾路街道政府信息公开工作年度报告",
            "迎宾路街道办事处",
            "2022年01月18日来源:1",
            _GK_BODY.replace("2022", "2021"),
        ]
    )
    assert str(extract("", body=page).published) == "2022-01-18"
    # A sentence that starts with a date is no dateline.
    sentence = "2022年01月18日发布会召开后各单位陆续公开"
    page = "\n".join(["2021年政府信息公开工作年度报告", sentence, _GK_BODY.replace("2022", "2021")])
    assert extract("", body=page).published is None


def test_the_titles_department_is_kept_when_another_name_only_says_where() -> None:
    page = (
        "2020年卫生健康委员会政府信息公开工作年度报告\n发布时间:2021-01-08\n"
        "2020年,我委通过绵阳市人民政府门户网站主动公开信息。如有疑问,请与绵阳市卫生健康委办公室联系。\n"
        + _GK_BODY.replace("2022", "2020")
    )
    result = extract("", url="http://www.my.gov.cn/public/column/601?type=3", body=page)
    assert result.agency == "绵阳市卫生健康委员会"


def test_the_sender_of_a_cited_notice_is_not_the_reporter() -> None:
    body = (
        "一、总体情况\n2021年,在县委、县政府的正确领导下,我局认真贯彻《中华人民共和国政府信息公开条例》和"
        "《韶关市人民政府办公室关于印发韶关市2020年政务公开工作要点分工方案的通知》精神。"
        "现将我局2021年政府信息公开年度情况报告如下:\n" + _GK_BODY.replace("2022", "2021")
    )
    result = extract(
        "", url="http://www.gdsx.gov.cn/jgswjxxgk/content/post_2134439.html", body=body
    )
    assert result.agency != "韶关市人民政府办公室"


def test_a_district_two_cities_share_is_the_one_with_the_street() -> None:
    page = (
        "发布机构: | 河东区汤头街道 |\n2024年,汤头街道在区委、区政府的坚强领导下推进法治政府建设。"
        "现根据上级有关要求,将2024年度法治政府建设有关情况报告如下。\n" + _BODY
    )
    result = extract("", url="http://hedong.gov.cn/info/10661/166686.htm", body=page)
    # 天津市河东区 has no 汤头街道; 临沂市河东区 has.
    assert result.agency == "临沂市河东区汤头街道办事处"


def test_the_subject_of_the_first_paragraph_under_the_headings_is_the_agency() -> None:
    body = (
        "根据《条例》编制本报告,报告数据统计期限自2025年1月1日起至2025年12月31日止。\n一、总体情况\n"
        "(一)主动公开政府信息情况\n2025年和平街道办事处通过铁东区门户网站公开信息65条。\n"
        + _GK_BODY
    )
    result = extract("", url="http://www.tiedong.gov.cn/html/ASTDQ/202601/1.html", body=body)
    # Of 鞍山's and 四平's 铁东区 (the host), only 鞍山's has a 和平街道.
    assert result.agency == "鞍山市铁东区和平街道办事处"


def test_an_abbreviation_the_page_defines_is_not_a_second_agency() -> None:
    page = (
        "国家统计局重庆调查总队2017年政府信息公开工作报告\n"
        "根据《条例》规定,现公布国家统计局重庆调查总队(以下简称“重庆总队”)2017年政府信息公开工作报告。\n"
        "一、政府信息公开主要工作概述\n2017年,重庆总队认真贯彻落实《条例》。\n" + _GK_BODY
    )
    assert extract("", body=page).agency == "国家统计局重庆调查总队"


def test_an_agency_name_split_over_two_title_lines_is_joined() -> None:
    page = (
        "重庆市沙坪坝区人民政府小龙坎街道\n办事处2023年政府信息公开工作年度报告\n"
        + _GK_BODY.replace("2022", "2023")
    )
    result = extract("", url="https://www.cqspb.gov.cn/zj/xlkjd_64765/202401/t1.html", body=page)
    assert result.title == "重庆市沙坪坝区人民政府小龙坎街道办事处2023年政府信息公开工作年度报告"
    assert result.agency == "重庆市沙坪坝区小龙坎街道办事处"


def test_a_town_missing_from_the_table_takes_the_county_the_body_writes_it_with() -> None:
    body = (
        "一、总体情况\n2025年,高良乡人民政府严格依照《条例》要求公开信息。\n"
        + _GK_BODY
        + "\n如有疑问,请与高良乡人民政府党政办联系,地址为师宗县高良乡人民政府党政办公室。"
    )
    # With no clue but the body, 高良乡 (not in the town table by that name) as the body writes it.
    result = extract("", body=body)
    assert result.agency == "师宗县高良乡人民政府"
    assert result.region.code == "530323"
    # With 师宗县's site, the 民族乡 that the table lists there by its full name.
    result = extract("", url="https://www.ynsz.gov.cn/public/description/61859.html", body=body)
    assert result.agency == "师宗县高良壮族苗族瑶族乡人民政府"
    assert result.region.code == "530323"


def test_a_town_missing_from_the_table_takes_the_county_whose_site_carries_it() -> None:
    body = (
        _GK_BODY
        + "\n报告的电子版可在广德市人民政府网站下载。如有疑问,请与桐汭街道办事处党政综合部联系。"
    )
    result = extract(
        "", url="https://www.guangde.gov.cn/OpennessAnnualReport/show/5843.html", body=body
    )
    assert result.agency == "广德市桐汭街道办事处"
    assert result.region.code == "341882"
    # Without the body naming the county, the site alone does not place a town it may not hold.
    alone = _GK_BODY + "\n如有疑问,请与桐汭街道办事处党政综合部联系。"
    result = extract(
        "", url="https://www.guangde.gov.cn/OpennessAnnualReport/show/5843.html", body=alone
    )
    assert result.agency == "桐汭街道办事处"


def test_a_street_the_town_table_has_whole_is_not_split_at_a_place_name() -> None:
    page = (
        "2023年度沅江路街道信息公开工作报告\n"
        "本报告是根据《条例》要求,由洪江区沅江路街道办事处编制的2023年度政府信息公开年度报告。\n"
        + _GK_BODY.replace("2022", "2023")
    )
    result = extract("", body=page)
    # Not 益阳's 沅江市 with a 路街道: 怀化's 洪江管理区 has a 沅江路街道.
    assert result.agency == "怀化市洪江管理区沅江路街道办事处"
    assert (result.region.city, result.region.code) == ("怀化市", "431271")


def test_a_zones_committee_is_written_by_its_full_name() -> None:
    body = (
        "一、总体情况\n2024年,黄石港工业园区管委会在区委区政府的坚强领导下,主动公开政府信息。\n"
        + _GK_BODY
    )
    result = extract("", url="http://www.huangshigang.gov.cn/xxgk/xxgknb/1.html", body=body)
    assert result.agency == "黄石港工业园区管理委员会"


def test_a_merged_bureaus_name_keeps_its_short_form() -> None:
    from services.extract.agency import full_department

    assert full_department("教育科技局") == "教育科技局"  # 洪洞县教育科技局, its official name
    assert full_department("国家卫生健康委") == "国家卫生健康委员会"
    assert full_department("科技局") == "科学技术局"


def test_a_document_the_page_cites_picks_among_the_places_the_host_gives() -> None:
    opening = (
        "2022年,市卫健委坚持以习近平新时代中国特色社会主义思想为指导,紧紧围绕市委市政府的中心工作。"
        "现将2022年我委法治政府建设工作情况报告如下:\n"
    )
    cited = "制定《三明市卫生健康系统法治宣传教育第八个五年规划》(明卫函〔2022〕91号)。\n"
    url = "http://wjw.sm.gov.cn/ztzl/xyzl/202301/t20230113_1872157.htm"
    result = extract("", url=url, body=opening + cited + _BODY)
    assert result.agency == "三明市卫生健康委员会"
    assert result.region.code == "350400"
    # Without the host, a cited title places nothing.
    assert extract("", body=opening + cited + _BODY).region.code is None


def test_a_county_report_that_says_全县_under_its_headings_is_the_county_governments() -> None:
    body = (
        "根据《中华人民共和国政府信息公开条例》规定编制本报告。报告数据统计期限为2025年1月1日至2025年12月31日。\n"
        "一、总体情况\n一是主动公开情况。\n2025年,县政府网站共发布信息3000余条。\n"
        "县政府门户网站主动公开县政府及县政府办公室文件35件。\n组织召开县政府新闻发布会9期。\n"
        "目前全县22个乡镇及23个政府组成部门均已完成主动公开事项目录编制。\n"
        "二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况\n四、政府信息公开行政复议、行政诉讼情况\n"
    )
    result = extract("", url="http://www.kazuo.gov.cn/zwgk/2026/1.html", body=body)
    assert result.agency == "喀喇沁左翼蒙古族自治县人民政府"


def test_a_phone_area_code_picks_among_the_places_a_host_leaves_open() -> None:
    title = "青山区教育局2025年政府信息公开工作年度报告"
    contact = "\n如对本报告有疑问,请与青山区教育局办公室联系,联系电话:027-86807890。"
    # qingshanqu spells both 青山区s (www.qingshan.gov.cn is listed as 武汉's, below).
    url = "https://www.qingshanqu.gov.cn/qzfbm/zfgzbm/jyj/zfxxgkgzndbg/202601/t1.shtml"
    result = extract(title, url=url, body=_GK_BODY + contact)
    assert result.agency == "武汉市青山区教育局"  # 027 is 武汉's; 包头's 青山区 dials 0472
    assert result.region.code == "420107"
    assert extract(title, url=url, body=_GK_BODY).agency == "青山区教育局"
    # Neighbours share area codes: a number alone places nothing.
    alone = extract("市教育局2025年政府信息公开工作年度报告", body=_GK_BODY + contact)
    assert alone.region.code is None


def test_an_autonomous_regions_office_named_as_自治区_is_placed_by_the_region_the_body_names() -> (
    None
):
    body = (
        "2022年,自治区人民政府办公厅坚持贯彻总书记视察新疆重要讲话精神,推进新疆政务公开。\n"
        + _GK_BODY
    )
    result = extract("自治区人民政府办公厅2022年政府信息公开工作年度报告", body=body)
    assert result.agency == "新疆维吾尔自治区人民政府办公厅"
    assert result.region.code == "650000"


def test_a_zone_that_says_it_compiled_the_report_is_the_agency() -> None:
    opening = (
        "根据新修订的《中华人民共和国政府信息公开条例》的规定,吉林经济技术开发区管委会编制了"
        "吉林经济技术开发区2023年政府信息公开工作年度报告。\n"
    )
    result = extract("", body=opening + _GK_BODY.replace("2022", "2023"))
    assert result.agency == "吉林经济技术开发区管理委员会"


def test_a_county_written_twice_before_its_bureau_is_written_once() -> None:
    body = (
        "2022年,元谋县县卫生健康局在县委、县政府的坚强领导下,全面推进法治政府建设工作。\n" + _BODY
    )
    assert extract("", body=body).agency == "元谋县卫生健康局"
    assert (
        extract("大理市市场监督管理局2022年法治政府建设年度报告").agency == "大理市市场监督管理局"
    )


def test_a_town_several_counties_have_is_placed_by_the_one_county_the_body_names() -> None:
    body = (
        "根据《条例》相关规定要求,现向社会公布赤水镇2024年度政府信息公开工作年度报告。"
        "报告中所列数据的统计期限是2024年1月1日至2024年12月31日。\n一、总结概述\n"
        "2024年,赤水镇坚持以习近平新时代中国特色社会主义思想为指导,聚焦开平市政府重点工作。\n"
        + _GK_BODY.replace("2022", "2024")
    )
    result = extract("", body=body)
    assert result.agency == "开平市赤水镇人民政府"
    assert result.region.code == "440783"


def test_an_info_tables_信息名称_is_the_title_and_its_place_the_government() -> None:
    page = (
        "索 引 号: 013053208/2024-16073 主题分类: 公安、安全、司法\n"
        "发布机构: 江宁区司法局 生成日期: 2024-03-05\n"
        "信息名称: 南京市江宁区2023年度法治政府建设工作报告\n"
        "南京市江宁区2023年度法治政府建设工作报告\n"
        "2023年,全区上下坚持以习近平法治思想为指引,深入推进法治政府建设。\n" + _BODY
    )
    result = extract("", url="http://www.jiangning.gov.cn/jnqrmzf/202403/t1.html", body=page)
    assert result.title == "南京市江宁区2023年度法治政府建设工作报告"
    assert result.agency == "南京市江宁区人民政府"


def test_a_weather_bureau_in_its_title_beats_its_governments_name_elsewhere() -> None:
    from services.extract.resolve import resolve_agency

    found = resolve_agency(
        ["四川省成都市双流区气象局", "成都市双流区人民政府"], [], None, [], [], "", titled=True
    )
    assert found.agency == "成都市双流区气象局"


def test_a_street_several_districts_have_is_placed_by_the_province_the_body_names() -> None:
    body = (
        "2024年,西兴街道始终坚持以习近平新时代中国特色社会主义思想为指导,深入学习贯彻习近平总书记"
        "考察浙江重要讲话精神,全力推进法治政府建设。现将2024年工作开展情况报告如下:\n" + _BODY
    )
    result = extract("", body=body)
    assert result.agency == "杭州市滨江区西兴街道办事处"
    assert result.region.code == "330108"
    # Naming no province, it stays unplaced: the table has 西兴街道 in three provinces.
    unplaced = extract("", body=body.replace("考察浙江", "考察"))
    assert unplaced.region.code is None


def test_a_street_its_contact_sentence_names_with_its_office_is_the_reporter() -> None:
    page = (
        "索引号 | 11/2023-00063 | 主题分类 | 其他 |\n发布机构 | 海陵区政府办 | 发文日期 | 2023-01-18 |\n"
        "- 信息来源:城东街道\n- 发布日期:2023-01-18 21:45\n"
        "本年报按照2022年海陵区城东街道政务信息公开工作实际编制而成。"
        "如对本年度报告有疑问,请与海陵区城东街道党政办联系(电话:0523-86611301)。\n" + _GK_BODY
    )
    result = extract("", url="https://www.tzhl.gov.cn/zfxxgk/art/2023/art_1.html", body=page)
    assert result.agency == "泰州市海陵区城东街道办事处"


def test_a_zones_department_is_written_with_its_committees_full_name() -> None:
    body = (
        "2022年,郑州高新技术产业开发区管委会城市管理局深入贯彻落实《中华人民共和国政府信息公开条例》,"
        "现向社会公布2022年度本级政府信息公开年度报告。\n" + _GK_BODY
    )
    result = extract("", url="https://public.zzgx.gov.cn/D42Y/6882011.jhtml", body=body)
    assert result.agency == "郑州高新技术产业开发区管理委员会城市管理局"


def test_a_prefectures_government_is_its_行政公署() -> None:
    body = (
        "2023年以来,喀什地区深入学习贯彻习近平法治思想,全面落实法治政府建设的各项决策部署。\n"
        "一、2023年法治政府建设情况\n" + _BODY
    )
    assert extract("", body=body).agency == "喀什地区行政公署"
    assert extract("塔城地区统计局2023年法治政府建设年度报告").agency == "塔城地区统计局"


def test_a_streets_joint_report_with_its_party_committee_is_the_offices() -> None:
    title = (
        "中共深圳市龙华区民治街道工作委员会 深圳市龙华区民治街道办事处"
        "关于民治街道2025年度法治政府建设情况的报告"
    )
    result = extract(title, url="https://www.szlhq.gov.cn/xxgk/content/post_12615749.html")
    assert result.agency == "深圳市龙华区民治街道办事处"


def test_a_zone_reporting_under_its_proper_name_is_its_committee_where_its_site_is() -> None:
    body = (
        "2024年,广西-东盟经济技术开发区(以下简称“广西-东盟经开区”)深入贯彻落实习近平法治思想,"
        "认真落实自治区党委、政府和市委、市政府决策部署,全力以赴抓好法治政府建设各项工作任务落实。"
        "现将2024年度开展法治政府建设情况报告如下:\n" + _BODY
    )
    result = extract("", url="http://gxdmjkq.nanning.gov.cn/xwzx/yqdt/t6268354.html", body=body)
    assert result.agency == "广西-东盟经济技术开发区管理委员会"
    assert (result.region.province, result.region.city) == ("广西壮族自治区", "南宁市")


def test_a_government_as_the_source_of_a_report_that_speaks_as_we_is_the_reporter() -> None:
    page = (
        "关于2021年度法治政府建设工作情况报告\n2021年12月22日 04时21分\n来源:炉霍县人民政府\n"
        "州法治政府建设工作领导小组办公室:\n在州委、州政府的坚强领导下,我县坚持以习近平新时代中国特色"
        "社会主义思想为指导,紧紧围绕2021年法治政府建设目标任务。\n" + _BODY
    )
    result = extract("", body=page)
    assert result.agency == "炉霍县人民政府"
    assert str(result.published) == "2021-12-22"
    # A department as the source still only posts its government's report.
    posted = page.replace("来源:炉霍县人民政府", "来源:县司法局")
    assert extract("", body=posted).agency != "县司法局"


def test_a_headline_naming_its_publisher_gives_the_publisher_as_the_agency() -> None:
    result = extract("应急管理部发布2023年法治政府建设年度报告")
    assert result.agency == "应急管理部"
    assert result.report_year == 2023


def test_a_pilot_free_trade_zone_keeps_its_province_in_brackets_and_is_placed_in_it() -> None:
    title = "中国(河北)自由贸易试验区雄安片区管理委员会2022年政府信息公开工作年度报告"
    result = extract(title, body="报告中所列数据统计期限为2022年1月1日至12月31日。\n" + _BODY)
    assert result.agency == "中国(河北)自由贸易试验区雄安片区管理委员会"
    assert (result.region.province, result.region.city) == ("河北省", None)
    # Any other bracket in a title is a note, not part of the name.
    noted = extract("昆明市科学技术局(试行)2023年法治政府建设年度报告")
    assert noted.agency == "昆明市科学技术局"


def test_a_title_split_after_its_year_is_one_title() -> None:
    page = (
        "政府信息公开\n自治区人民政府办公厅2022\n政府信息公开工作年度报告\n"
        "依据《中华人民共和国政府信息公开条例》要求,编制本报告。\n一、总体情况\n"
        "2022年,自治区人民政府办公厅贯彻习近平总书记视察新疆重要讲话精神,全力推进新疆政府信息公开工作。"
    )
    result = extract("", body=page)
    assert result.title == "自治区人民政府办公厅2022政府信息公开工作年度报告"
    assert result.agency == "新疆维吾尔自治区人民政府办公厅"
    assert result.report_year == 2022


def test_a_zones_管委会_in_a_title_is_one_name_not_a_joint_report() -> None:
    result = extract("河北唐山芦台经济开发区管委会2022年度法治政府建设工作报告")
    assert result.agency == "河北唐山芦台经济开发区管理委员会"
    assert result.joint_agencies == ()
    assert (result.region.province, result.region.city) == ("河北省", "唐山市")


def test_a_renamed_county_keeps_the_name_it_reported_under_and_todays_region() -> None:
    result = extract("横县2020年度法治政府建设情况报告")
    assert result.agency == "横县人民政府"  # 横州市 since 2021
    assert (result.region.province, result.region.city) == ("广西壮族自治区", "南宁市")
    assert result.region.county == "横州市"


def test_former_names_come_from_the_list_of_changes_and_never_shadow_a_current_name() -> None:
    from shared.regions import regions, with_former_names

    table = regions()
    changes = [
        "2021-02-03\t民批\t广西壮族自治区\t广西\t南宁市\t南宁\t横县\t横县=>广西壮族自治区\t南宁市\t横州市",
        "2010-12-09\t国批\t湖北省\t湖北\t襄樊市\t襄樊=>湖北省\t襄阳市",
        # 西湖区 is a current name (杭州, 南昌): a former 西湖区 would make it ambiguous.
        "2020-01-01\t国批\t广西壮族自治区\t广西\t南宁市\t南宁\t西湖区\t西湖=>广西壮族自治区\t南宁市\t横州市",
        "a line that is not a change",
    ]
    found = with_former_names(table, changes)
    (county,) = found.lookup("横县")
    assert (county.name, table.by_code[county.code].name) == ("横县", "横州市")
    (city,) = found.lookup("襄樊市")
    assert table.by_code[city.code].name == "襄阳市"
    assert found.lookup("西湖区") == table.lookup("西湖区")


def test_a_clause_is_not_an_agencys_name() -> None:
    from services.extract.agency import parse_agency

    assert parse_agency("2009年,我局") is None
    assert parse_agency("瓯海区统计局") is not None


def test_a_street_offices_unit_that_compiles_its_report_is_the_office() -> None:
    page = (
        "发布时间:2026-01-26 14:58:00 来源:浦口区人民政府永宁街道办事处\n"
        "根据《中华人民共和国政府信息公开条例》相关规定,南京市浦口区人民政府永宁街道办事处综合事务部"
        "编制本年度政府信息公开工作报告,全面反映2025年度工作成效。\n一、总体情况\n"
        "2025年,永宁街道深入贯彻落实政务公开工作要求。\n二、主动公开政府信息情况\n"
        "三、收到和处理政府信息公开申请情况\n"
    )
    assert extract("", body=page).agency == "南京市浦口区永宁街道办事处"


def test_a_zone_named_in_the_opening_beats_its_我委() -> None:
    page = (
        "一、总体情况\n2022年,在区委区政府的正确领导下,广东从化经济开发区管理委员会认真贯彻执行"
        "《中华人民共和国政府信息公开条例》,及时准确地向社会公开政府信息。\n"
        "(一)主动公开政府信息。2022年,我委共在网站发布信息220多篇。\n"
        "二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况\n"
    )
    result = extract("", url="http://www.conghua.gov.cn/zwgk/content/post_8765431.html", body=page)
    assert result.agency == "广东从化经济开发区管理委员会"


def test_a_town_is_not_split_into_a_places_short_form_and_one_character() -> None:
    page = (
        "二道河镇人民政府2021年政府信息公开工作年度报告\n日期:2022-01-14\n"
        "根据新修订的《中华人民共和国政府信息公开条例》,结合我镇政府信息公开情况,现公布海林市二道河镇"
        "2021年政府信息公开工作报告。\n一、总体情况\n二、主动公开政府信息情况\n"
    )
    result = extract("", body=page)
    assert result.agency == "海林市二道河镇人民政府"  # not 长春市二道区河镇
    assert (result.region.province, result.region.city) == ("黑龙江省", "牡丹江市")


def test_a_zones_short_form_is_written_out_in_its_bodys_name() -> None:
    result = extract("武汉经开区统计局关于2025年度法治政府建设情况的报告")
    assert result.agency == "武汉经济技术开发区统计局"
    assert (result.region.province, result.region.city) == ("湖北省", "武汉市")


def test_a_provincial_department_is_placed_by_the_province_its_cited_documents_name() -> None:
    body = (
        "2017年,省公安厅在省委、省政府和公安部的正确领导下,以党的十九大精神为引领,全面贯彻法治公安建设"
        "总要求。按照《河南省2017年度法治政府建设工作安排》要求,现将2017年度法治政府建设工作情况报告如下:\n"
        + _BODY
    )
    result = extract("", body=body)
    assert result.agency == "河南省公安厅"
    # Two provinces among the cited documents settle nothing.
    two = body.replace("要求,现将", "和《湖北省法治政府建设实施方案》要求,现将")
    assert extract("", body=two).agency == "省公安厅"


def test_the_sentence_that_publishes_the_work_report_names_its_agency() -> None:
    page = (
        "根据《中华人民共和国政府信息公开条例》要求,现公布2022年阳新县自然资源和规划局政府信息公开工作情况。"
        "本报告中所列数据的统计期限自2022年1月1日起至2022年12月31日止。\n一、总体情况\n"
        "2022年,在县委、县政府的正确领导下,我局高度重视并积极推进政府信息公开工作。\n"
    )
    result = extract("", url="http://zrzy.huangshi.gov.cn/zwgk/xxgknb/202302/t1.html", body=page)
    assert result.agency == "阳新县自然资源和规划局"  # not the host's 黄石市自然资源局
    assert result.region.city == "黄石市"


def test_a_branch_in_the_title_beats_its_parent_bureau_in_the_text() -> None:
    page = (
        "溫州市生態環境局瑞安分局 2021年政府信息公開工作年度報告 |\n"
        "本报告依据《中华人民共和国政府信息公开条例》编制。\n一、总体情况\n"
        "2021年,温州市生态环境局瑞安分局认真贯彻落实条例,温州市生态环境局统一部署。\n"
        "二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况\n"
    )
    assert extract("", body=page).agency == "温州市生态环境局瑞安分局"


def test_a_maritime_bureau_keeps_the_region_it_is_named_after() -> None:
    result = extract("浙江海事局2024年法治政府部门建设报告")
    assert result.agency == "浙江海事局"  # not 浙江省海事局
    assert result.region.province == "浙江省"


def test_a_governments_国资委_is_its_commission_by_the_official_name() -> None:
    result = extract("衡阳市国资委2019年政府信息公开工作年度报告")
    assert result.agency == "衡阳市人民政府国有资产监督管理委员会"
    assert extract("江苏省政务办2022年法治政府建设年度报告").agency == (
        "江苏省人民政府政务服务管理办公室"
    )


def test_a_corps_regiment_town_is_the_town_of_its_city() -> None:
    title = "第一师阿拉尔市十六团新开岭镇2021年政府信息公开工作年度报告"
    result = extract(title, body="一、总体情况\n我团认真贯彻落实《条例》。\n" + _BODY)
    assert result.agency == "阿拉尔市新开岭镇人民政府"
    assert result.region.province == "新疆维吾尔自治区"


def test_a_zones_portal_names_the_zone_that_calls_itself_only_开发区() -> None:
    body = (
        "2022年,开发区坚持以习近平新时代中国特色社会主义思想为指导,认真贯彻落实《中华人民共和国政府"
        "信息公开条例》,深入推进政务公开工作。\n一、总体情况\n二、主动公开政府信息情况\n"
        "三、收到和处理政府信息公开申请情况\n"
    )
    on_portal = extract("", url="https://jkq.xining.gov.cn/index.php?c=show&id=115", body=body)
    assert on_portal.agency == "西宁经济技术开发区管理委员会"
    named = extract("", url="http://www.zhuhai-hitech.gov.cn/zwgk/post_1.html", body=body)
    assert named.agency == "珠海高新技术产业开发区管理委员会"
    assert extract("", url="https://www.xining.gov.cn/a.html", body=body).agency is None


def test_qingshan_gov_cn_is_wuhans_青山区() -> None:
    result = extract(
        "青山区教育局2025年政府信息公开工作年度报告", url="https://www.qingshan.gov.cn/a.shtml"
    )
    assert result.agency == "武汉市青山区教育局"


def test_a_town_the_body_writes_with_its_county_is_placed_there_over_a_host_elsewhere() -> None:
    opening = (  # a real report's opening, shortened
        "根据《中华人民共和国政府信息公开条例》规定,特向社会公布2021年度本镇政府信息公开年度报告。"
        "本报告中所列数据的统计期限自2021年1月1日起至2021年12月31日止。本报告的电子版可在"
        "“衢江区政府门户网站”(http://www.qjq.gov.cn/)政府信息公开栏中的“衢江区湖南镇”板块中下载。"
        "如对本报告有任何疑问,请与衢州市衢江区湖南镇政府综合督考办公室联系(办公地址:衢江区湖南镇"
        "湖南村湖南路26号;邮政编码:324009;电话:0570-8755000)。\n"
    )
    # 湖南镇: in 衢江区 (衢州) and 长乐区 (福州); the host is 温州's 龙湾区. The town's own full
    # name, which the town table confirms, says where it is; the host's disagreement is noted.
    result = extract("", "https://dj.longwan.gov.cn/a", opening + _GK_BODY)
    assert result.agency == "衢州市衢江区湖南镇人民政府"
    assert result.region.code == "330803"
    assert any("longwan places it elsewhere" in warning for warning in result.warnings)


def test_a_town_placed_nowhere_is_named_by_its_office() -> None:
    # 大石街道 is in three counties and nothing on the page says which: no region, and the name
    # is the office's, not the bare place's.
    result = extract("", body="一、总体情况\n2019年,大石街道认真贯彻落实《条例》。\n" + _GK_BODY)
    assert result.agency == "大石街道办事处"
    assert result.region.code is None


def test_the_documents_a_town_cites_pick_among_the_counties_the_town_table_gives() -> None:
    opening = "一、总体情况\n2019年,大石街道严格执行《番禺区2019年政务公开工作要点分工方案》。\n"
    result = extract("", body=opening + _GK_BODY)
    assert result.agency == "广州市番禺区大石街道办事处"
    assert result.region.code == "440113"
    # A cited title never places a town beyond the table's counties: 桐汭街道 is in none.
    elsewhere = "一、总体情况\n2019年,桐汭街道严格执行《番禺区2019年政务公开工作要点》。\n"
    assert extract("", body=elsewhere + _GK_BODY).region.code is None


def test_a_minority_township_by_its_short_name_is_found_by_its_full_one() -> None:
    body = "一、总体情况\n2024年,落别乡人民政府严格依照《条例》要求公开信息。\n" + _GK_BODY
    result = extract("落别乡2024年政府信息公开工作年度报告", "https://www.liuzhi.gov.cn/a", body)
    assert result.agency == "六盘水市六枝特区落别布依族彝族乡人民政府"
    assert result.region.code == "520203"
    # Without a clue to where it is, a short name is not expanded.
    assert extract("落别乡2024年政府信息公开工作年度报告", body=body).agency == "落别乡人民政府"


def test_a_zone_the_division_table_lists_is_governed_by_its_management_committee() -> None:
    body = (
        "报告的电子版可在呼和浩特经济技术开发区政府网站(http://hetdz.huhhot.gov.cn)下载。\n"
        + _GK_BODY
    )
    result = extract("", "http://hetdz.huhhot.gov.cn/zwgk/zfxxgknb/t1.html", body)
    assert result.agency == "呼和浩特经济技术开发区管理委员会"
    assert result.region.city == "呼和浩特市"
    # A 新区 that is a district has a government: 上海市浦东新区人民政府.
    assert extract("上海市浦东新区人民政府2023年政府信息公开工作年度报告").agency == (
        "上海市浦东新区人民政府"
    )
