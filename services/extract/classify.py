"""Is this page an annual report, of which kind, and what is its title (the year: report_year.py).

The title decides: pages that merely mention a report (a meeting about it, a call for comments,
an interpretation, a plan, a template) share its words but not its shape, so the negative
patterns are checked before the kinds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from services.extract.places import CITED_TITLE
from services.extract.report_year import year_in
from shared.events import ReportKind
from shared.regions import regions, towns

_KINDS: tuple[tuple[ReportKind, re.Pattern[str]], ...] = (
    # A director's report names its period (2013年度, 任期); "述职报告要求…" does not.
    (
        "履职报告",
        re.compile(
            r"(?:(?:19|20)\d{2}|[〇○零一二]{4}|年度|任期).*(?:履职|述职)(?:情况)?(?:工作)?报告"
        ),
    ),
    (
        "政府信息公开工作年度报告",
        # 红花岗区人民政府2012年度信息公开工作年度报告: the year may stand inside the name.
        re.compile(
            r"(?:政府|政务|海关)(?:(?:19|20)\d{2}年度?)?信息公开.*(?:年度报告|年报|工作报告|情况报告|报告)"
        ),
    ),
    ("法治政府建设年度报告", re.compile(r"(?:法治政府|法治|依法行政).*(?:建设|工作).*报告")),
)
# Title shapes that mention a report without being one, with the reason given to operators.
_NOT_REPORTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "template",
        re.compile(
            r"某[省市县区州乡镇局委办]|[Xx×＊*]{2,}|〇〇|○○|模板|模版|范本|样本|范文|范例|例文|\d+篇"
        ),
    ),
    ("research", re.compile(r"研究|实证|综述|论文|蓝皮书|白皮书|评估报告|发展报告")),
    # 五年法治政府建设工作情况报告 reviews a term, not a year.
    (
        "multi-year review",
        re.compile(r"(?<![\d〇○零一二三四五六七八九十])[两三四五十]年(?![度级])"),
    ),
    ("government work report", re.compile(r"(?<!法治)政府工作报告")),
    ("call for comments", re.compile(r"征求.{0,30}意见|意见征集|征集.{0,10}意见")),
    ("interpretation", re.compile(r"解读|图解|一图读懂|答记者问|问答")),
    (
        "meeting or news",
        re.compile(r"召开|举行|举办|审议|听取|专题会|座谈|培训|部署会|推进会|会议"),
    ),
    ("plan", re.compile(r"(?:工作要点|工作计划|实施方案|工作方案|工作安排|任务清单)(?!.*报告)")),
    ("performance self-evaluation", re.compile(r"绩效自评|自评报告|绩效评价")),
    # 上窑镇2024年度政务公开工作总结 follows the report's headings but is not the statutory report;
    # a 法治政府建设工作总结 may be (宝鸡市陈仓区2025年度法治政府建设工作总结).
    (
        "work summary",
        re.compile(r"(?:政务|信息)公开(?:工作)?总结|总结(?:及|和|与)[^。]{0,20}(?:计划|打算|思路)"),
    ),
    # 镇党委主要负责人履行推进法治建设第一责任人职责情况的报告: a leader's own duty report
    # (述法), unless the title is the government's 法治政府建设 report as well.
    (
        "leader's duty report",
        re.compile(r"^(?!.*(?:法治政府|依法行政)).*(?:第一责任人职责(?:情况)?的?报告|述法报告)"),
    ),
    # …〔2014〕57号《…关于做好政府信息公开情况统计报送工作的通知》: a notice cited by its number.
    ("notice", re.compile(r"(?:通知|公告|公示|通报|批复|决定|的函|说明)》?$")),
    # 岳阳市政府信息公开工作年度报告制度: the rules for compiling reports, not one.
    ("rules", re.compile(r"报告(?:制度|办法|规定|细则|规范)(?:[(（][^)）]*[)）])?$")),
    # 第四师可克达拉市政府信息公开指南: the guide, which also says a 年度报告 is compiled.
    ("guide", re.compile(r"公开(?:工作)?指南(?:[(（][^)）]*[)）])?$")),
    # 2020年政府信息公开工作年度报告发布: a headline about the report.
    (
        "news",
        re.compile(r"报告(?:发布|出炉|出台|亮相|正式公布|公布)$|^(?:发布|公布)[^《]{0,20}报告$"),
    ),
)
_BODY_REPORT = re.compile(
    r"现[将就][^。]{0,40}?(?:报告|情况)[^。]{0,10}如下"
    r"|(?:有关|相关)?(?:工作)?情况报告如下"
    r"|(?:现公布|现向社会公布|现发布|现予(?:以)?(?:公布|发布)|(?:特|现)?编制(?:并(?:向社会)?公布)?)"
    # 现公布2022年阳新县自然资源和规划局政府信息公开工作情况: the report, by what it is about.
    r"[^。]{0,60}?(?:年度报告|工作报告|信息公开(?:工作)?情况)"
    # 据司法部网站消息,司法部发布2023年法治政府建设年度报告。具体报告如下: a reprint's lead.
    r"|[\u4e00-\u9fff]{2,20}?(?:正式)?(?:发布|公布)了?(?:19|20)\d{2}年度?[^。]{0,40}?报告"
    r"[。,，]?\s*(?:具体|全文|报告全文)[^。]{0,4}如下"
)
_BODY_VERB = re.compile(
    r"^(?:现将|现就|现公布|现向社会公布|现发布|现予(?:以)?(?:公布|发布)"
    r"|(?:特|现)?编制(?:完成|并(?:向社会)?公布)?)"
)
# Who compiled the report: 本报告由南平市人民政府办公室根据《条例》…编制.
_COMPILER = re.compile(
    # 由南宁经济技术开发区管理委员会(以下简称经开区管委会)编制: the name before its short form.
    r"由([\u4e00-\u9fff]{2,40}?)(?:[(（][^)）]{0,30}[)）])?"
    r"(?:(?:根据|依据|按照|结合|汇总|负责|在)[^。]{0,240}?)?编(?:制|写)"
)
# …的规定,吉林经济技术开发区管委会编制了吉林经济技术开发区2023年政府信息公开工作年度报告.
_COMPILED = re.compile(
    r"[,，。]\s*([\u4e00-\u9fff]{4,40}?)(?:特)?编(?:制|写)了?[^。，,]{0,60}?(?:年度报告|年报|工作报告)"
)
_GOVERNMENT_OFFICE = re.compile(
    r"^(.{2,30}?(?:人民政府|办事处))"
    r"(?:办公室|办公厅|党政办|党政综合办|综合办|综合事务|信息公开|政务公开)"
)
# Headings and table captions of the 信息公开 report format (国办公开办函〔2021〕30号 and 2019).
_DISCLOSURE_MARKERS = (
    "总体情况",
    "主动公开",
    "收到和处理政府信息公开申请",
    "政府信息公开行政复议",
    "第二十条第",
    "勾稽关系",
    "依申请公开",
    "信息公开条例",
    "减免",  # the 2008 format's 政府信息公开的收费及减免情况
)
# The statutory sentence of the 信息公开 report format (国办公开办函〔2021〕30号).
_DISCLOSURE_PERIOD = re.compile(
    r"(?:(?:本(?:年度)?)?报告(?:中)?所列|政府信息公开)数据的?统计(?:期限|时限|期间|时间|区间)"
)
# The notice fixing the annual report's format (国办公开办函〔2021〕30号, 〔2019〕60号), cited by
# name or number in the opening of the report it governs.
_DISCLOSURE_FORMAT = re.compile(
    r"年度报告格式|国办公开办函\s*[〔\[（(]\s*20(?:21|19)\s*[〕\]）)]\s*(?:30|60)\s*号"
)
_FORMAT_OPENING = re.compile(r"^[一1]\s*[、.．]\s*总体情况$")
_OPENING_CITES = re.compile(
    r"^(?:根据|依据|按照|为|本(?:年度)?报告)|编制|现(?:将|予|公布|发布)", re.M
)
# The five required elements of a 法治政府建设 report (domain.md), as section headings say them.
_RULE_OF_LAW_ELEMENTS = (
    re.compile(r"主要举措|主要做法|主要成效|工作成效|工作开展情况"),
    re.compile(r"存在的?(?:主要)?(?:问题|不足)"),
    re.compile(r"第一责任人"),
    re.compile(r"下一?(?:年度?|步)(?:的)?(?:主要)?(?:工作)?(?:安排|计划|打算|思路|重点)"),
    re.compile(r"其他需要报告"),
)
# 2023年，… or 2023 年是…之年 (a year named, then what it was).
_YEAR_OPENING = re.compile(r"^(?:(?:19|20)\d{2})\s?年度?(?:以来)?(?:[,，]|是)")
_RULE_OF_LAW = re.compile(r"法治政府建设|法治建设|依法行政")
# 一、2023年法治政府建设情况, 一、2024年度推进法治政府建设的主要举措和成效
_RULE_OF_LAW_YEAR_HEADING = re.compile(
    r"^[一1][、.．]\s*(?:19|20)\d{2}年度?(?:推进|开展)?法治政府建设(?:工作)?的?"
    r"(?:主要举措|情况|工作情况|主要成效|成效|举措)"
)
# 一、主要举措和成效 (一、2023年推进法治政府建设的主要举措和成效): the first required element.
_FIRST_ELEMENT_HEADING = re.compile(
    r"^[一1][、.．]\s*[\u4e00-\u9fff\d]{0,20}?主要举措和(?:主要)?成效"
)
# The same work in the words of a department's report: 法治江门建设, 依法治市.
_RULE_OF_LAW_WORK = re.compile(
    r"法治政府建设|法治[\u4e00-\u9fff]{0,3}?建设|依法行政|依法治[国省市区县州旗]"
)
# The first heading of a report set out by the 法治政府建设实施纲要's chapters (一、健全政府机构
# 职能体系,推动更好发挥政府作用), as city and province reports since 2021 are.
_OUTLINE_HEADING = re.compile(
    r"^[一1][、.．]\s*[\u4e00-\u9fff]{0,6}?健全(?:政府机构职能|依法行政制度|行政决策制度|行政执法工作"
    r"|突发事件应对|社会矛盾纠纷行政预防调处化解|行政权力制约和监督|法治政府建设科技保障)体系"
)
# The 条例's article that requires the annual report, cited by the report itself: 依据《条例》
# 第五十条规定,编制本报告 (第三十一条 of the 2007 条例).
_ARTICLE_ON_REPORTS = re.compile(
    r"第(?:五十|三十一)条(?:之)?规定[,，]?\s*(?:编制|制作|发布)(?:了)?本(?:年度)?报告"
    r"|本(?:年度)?报告[^。]{0,40}?第(?:五十|三十一)条(?:之)?规定(?:编制|制作)"
)
# The 2008 format's opening: 本年度报告是根据《中华人民共和国政府信息公开条例》…要求,由X编制.
_REPORT_ON_REGULATIONS = re.compile(
    r"^本(?:年度)?报告(?:是)?(?:根据|依据|按照)《中华人民共和国政府信息公开条例》[^。]{0,300}?编制"
)
# A 现将…报告如下 about other work that speaks of 法治 as much: a leader's 述法, 普法, a review.
_OTHER_LAW_REPORT = re.compile(r"述法|述职|履职|第一责任人|普法|考核|督察|自查|自评|整改")
_PLACEHOLDER_BODY = re.compile(r"[*＊][区县市镇]|xx[县市区镇局]|20xx|某[县市区镇局]", re.I)
_EMBEDDED_TITLE = re.compile(
    r"[\u4e00-\u9fff]{2,40}?(?:关于)?(?:19|20)\d{2}年度?[\u4e00-\u9fff]{0,24}?报告"
)
_TITLE_PUNCT = re.compile(r"[。；;]|[:：，,]$")
_HEADING_START = re.compile(
    r"^(?:[一二三四五六七八九十]+\s*[、.．]|[（(][一二三四五六七八九十]+[）)]|\d+\s*[.、．])"
)
_ATTACHMENT = re.compile(r"^附件\s*\d*\s*[:：]\s*")
# The patterns above backtrack over the whole string (`.*`): quadratic in its length. No title
# is longer than this; a link text or hint that is gets matched on its head only.
MAX_TITLE_CHARS = 300
# The years a report can cover: the first reports of either kind date from the 1990s.


def kind_of(text: str) -> ReportKind:
    """The report kind a title (or a report sentence) names; "other" when it names none."""
    head = text[:MAX_TITLE_CHARS]
    for kind, pattern in _KINDS:
        if pattern.search(head):
            return kind
    return "other"


def not_a_report(title: str) -> str | None:
    """Why a title that may mention a report is not one, or None if nothing says so."""
    head = title[:MAX_TITLE_CHARS]
    for reason, pattern in _NOT_REPORTS:
        if pattern.search(head):
            return reason
    return None


# A covering letter (关于报送《…年度报告》的函) that carries the report it sends on the same
# page; or the notice that publishes it (关于公布贺州市2009年度…年度报告的通知), the report below.
_COVERING_LETTER = re.compile(
    r"(?:报送|呈报|上报|报备|提交)[^。]{0,6}《[^》]{4,60}报告》"
    r"|(?:公布|印发|发布)《?[^》。]{4,60}年度报告》?的通知"
)


def carried_report(title: str, lines: Sequence[str]) -> str | None:
    """The title of the report a covering letter's page carries after the letter (its own
    line, the kind the letter names, followed by text the body rules take for that kind's
    report), if it does."""
    named = _COVERING_LETTER.search(title[:MAX_TITLE_CHARS])
    if named is None or kind_of(named.group(0)) == "other":
        return None
    for i, line in enumerate(lines[:80]):
        if (
            kind_of(line) == kind_of(named.group(0))
            and is_title_like(line)
            and year_in(line) is not None
            and _ATTACHMENT.match(line) is None
            and not _COVERING_LETTER.search(line)
            and not title.endswith(line)  # the letter's own title, split over two lines
            and "《" not in line
            and (found := body_kind(lines[i + 1 :])) is not None
            and found[0] == kind_of(line)
        ):
            return line
    return None


def is_title_like(line: str) -> bool:
    """Whether a line could be a page title: short, not a sentence, not a heading or addressee."""
    return (
        6 <= len(line) <= 90
        and _TITLE_PUNCT.search(line) is None
        and _HEADING_START.match(line) is None
        and not re.fullmatch(r"[（(]?[\d\s年月日:：\-/.]+[）)]?", line)
        and _BREADCRUMB.search(line) is None
        and _CONTACT_LINE.match(line) is None
        and "|" not in line.strip("| ")  # a row of a flattened table (| 公文时效 | 有效 |)
        and _NOT_A_TITLE_LINE.match(line) is None
    )


# A site's greeting (欢迎来到莒南县人民政府门户网站) and a link to another page (相关解读:…的问答解读).
_NOT_A_TITLE_LINE = re.compile(
    r"欢迎(?:来到|访问|光临)|(?:相关|延伸)(?:解读|链接|阅读|文件|新闻)\s*[:：]"
)


def _agency_like(line: str) -> bool:
    return (
        len(line) <= 30
        and re.search(r"(?:局|委员会|委|办公室|厅|政府|办事处|部)$", line) is not None
    )


def _first_match(
    pattern: re.Pattern[str], lines: Sequence[str], width: int | None = None
) -> re.Match[str] | None:
    """The first match of `pattern` in `lines`, each read up to `width` characters."""
    for line in lines:
        match = pattern.search(line if width is None else line[:width])
        if match:
            return match
    return None


_LIST_ITEM = re.compile(r"[•·●▪◆■]\s*")


def title_from_lines(lines: Sequence[str]) -> str | None:
    """The title at the top of the text, before the first paragraph: the first line that names a
    report (joined to an agency line above it, as in 赵县人民政府 / 2022年度…报告), else the
    first title-like line. Site names and clock lines come first on many pages. A line that names
    a report but no year (the column 政府信息公开年度报告 above the title proper) gives way to a
    later one that names its year."""
    first: str | None = None
    listed: str | None = None
    yearless: int | None = None
    for i, line in enumerate(lines[:12]):
        if len(line) > 90 or "。" in line:
            break
        if not is_title_like(line):
            continue
        # A column name (政府信息公开年报) names a kind too; a report's title names its year.
        if kind_of(line) != "other" and (year_in(line) is not None or "年度" in line):
            item = _LIST_ITEM.match(line)
            if item:
                # An item of the page's info list (• 索引号 / • 发布机构 / • 名称): the title
                # proper usually follows in full, with its agency; the item is only a fallback.
                listed = listed or line[item.end() :]
                continue
            if year_in(line) is None:
                if yearless is None:
                    yearless = i
                continue
            return _title_at(lines, i)
        first = first or line
    if yearless is not None:
        return _title_at(lines, yearless)
    return listed or first


def _title_at(lines: Sequence[str], i: int) -> str:
    """The title whose line names the report: with the line above when the title is split."""
    line = lines[i]
    above = lines[i - 1] if i else ""
    if re.match(r"(?:办事处|人民政府|委员会|办公室)", line) and above and is_title_like(above):
        # 重庆市沙坪坝区人民政府小龙坎街道 / 办事处2023年…报告: one name over two lines.
        return above + line
    if above and re.search(r"关于(?:公布|印发|发布|报送)?$", above) and is_title_like(above):
        # 贺州市人民政府办公室关于公布 / 贺州市2009年度…年度报告的通知: one title.
        return above + line
    if above and re.search(r"(?:19|20)\d{2}年?度?$", above) and is_title_like(above):
        # 自治区人民政府办公厅2022 / 政府信息公开工作年度报告: split after the year.
        return above + line
    if re.match(r"(?:19|20)\d{2}|关于", line):
        # 赵县人民政府 / 2022年度…报告: the agency is on the line above, here or where
        # the page repeats the title below its header (关于…报告 / 来源 / X镇人民政府 / 关于…报告).
        for j in (i, *(k for k in range(i + 1, min(len(lines), 14)) if lines[k] == line)):
            above = lines[j - 1] if j else ""
            if above and _agency_like(above):
                return above + line + _title_tail(lines, j)
    return line + _title_tail(lines, i)


_DOCUMENT_TYPE = re.compile(r"(?:报告|通知|函|意见|决定|办法|公告|通报|方案|要点|情况)$")
# The second line of a split title: 有关事项的通知 after 关于…年度报告, 的报告 after 关于…情况.
_TITLE_CONTINUED = re.compile(
    r"(?:有关|相关|的|等)[^。，,]{0,20}(?:通知|函|意见|报告|决定|通报|公告)"
)


def _title_tail(lines: Sequence[str], i: int) -> str:
    """The rest of a title split over lines (关于政府信息公开工作年度报告 / 有关事项的通知)."""
    if i + 1 >= len(lines):
        return ""
    tail = lines[i + 1]
    if _TITLE_CONTINUED.fullmatch(tail):
        return tail
    if not _DOCUMENT_TYPE.search(lines[i]) and len(tail) <= 30 and _DOCUMENT_TYPE.search(tail):
        return tail if is_title_like(tail) else ""
    return ""


def title_in_text(lines: Sequence[str]) -> str | None:
    """A report title run into the first paragraph (pages flattened to one line)."""
    for line in lines[:2]:
        for match in _EMBEDDED_TITLE.finditer(line[:300]):
            before = line[match.start() - 1] if match.start() else ""
            # Only a title that starts the text (or follows a site's URL), not one cited in it.
            if (not before or (before.isascii() and before.isalnum())) and kind_of(
                match.group(0)
            ) != "other":
                return match.group(0)
    return None


def body_kind(lines: Sequence[str]) -> tuple[ReportKind, str] | None:
    """The kind of an untitled (or vaguely titled) page from its body, with the evidence.

    Shapes, checked in order: the 信息公开 format's headings or its 统计期限 sentence, a
    现将/现公布…报告 sentence, a 法治 report's opening (`2023年，X坚持…` dense with
    法治政府建设), and the required elements of a 法治 report as its section headings."""
    head = "\n".join(lines[:60])[:4000]
    markers = sum(1 for marker in _DISCLOSURE_MARKERS if marker in head)
    if markers >= 3:
        return "政府信息公开工作年度报告", "the body follows the 信息公开 report format"
    if (
        markers >= 2
        and lines
        and _FORMAT_OPENING.match(lines[0])
        and "公开" in "".join(lines[1:2])[:80]
    ):
        # 一、总体情况 / 2024年,西区街道认真落实…政务公开: the format's first heading opens the page.
        return "政府信息公开工作年度报告", "the body opens with the 信息公开 report's first heading"
    if _DISCLOSURE_PERIOD.search(head) and "信息公开" in head:
        return "政府信息公开工作年度报告", "the body states the 信息公开 report's 统计期限"
    if _DISCLOSURE_FORMAT.search(head[:1500]) and _OPENING_CITES.search(head[:600]):
        return "政府信息公开工作年度报告", "the opening cites the 信息公开 annual report format"
    if _ARTICLE_ON_REPORTS.search(head[:1500]) and "信息公开条例" in head[:1500]:
        return "政府信息公开工作年度报告", "the opening cites the 条例's article on annual reports"
    if any(_REPORT_ON_REGULATIONS.match(line) for line in lines[:3]):
        return "政府信息公开工作年度报告", "the report says it is compiled under the 信息公开条例"
    sentence = body_report_sentence(lines)
    if sentence and kind_of(sentence) != "other":
        return kind_of(sentence), f"the body says: {sentence}"
    opening = "\n".join(lines[:6])[:800]
    if (
        any(_YEAR_OPENING.match(line) for line in lines[:3])
        and len(_RULE_OF_LAW.findall(opening)) >= 3
    ):
        return "法治政府建设年度报告", "the body opens like a 法治政府建设 report"
    if (
        sentence
        and _OTHER_LAW_REPORT.search(sentence) is None
        and any(_YEAR_OPENING.match(line) for line in lines[:3])
        and len(_RULE_OF_LAW_WORK.findall(opening)) >= 3
    ):
        return "法治政府建设年度报告", f"the body reports on its 法治 work: {sentence}"
    if any(
        _RULE_OF_LAW_YEAR_HEADING.match(line) or _OUTLINE_HEADING.match(line) for line in lines[1:8]
    ) and (len(_RULE_OF_LAW.findall(opening)) >= 2):
        # 2023年以来,喀什地区深入… / 一、2023年法治政府建设情况: the report's first section.
        return "法治政府建设年度报告", "the body's first heading is a 法治政府建设 report's"
    if (
        not (sentence and _OTHER_LAW_REPORT.search(sentence))  # 现将普法工作情况报告如下
        and any(_YEAR_OPENING.match(line) for line in lines[:3])
        and any(_FIRST_ELEMENT_HEADING.match(line) for line in lines[1:8])
        and len(_RULE_OF_LAW_WORK.findall(opening)) >= 3
    ):
        # 2022年,江门市司法局坚持…法治江门…依法治国… / 一、主要举措和成效: a year's 法治 work
        # under the first of the five elements a 法治政府建设 report must have.
        return "法治政府建设年度报告", "the body opens with a 法治政府建设 report's first element"
    headings = [line for line in lines[:400] if len(line) <= 40 and _HEADING_START.match(line)]
    elements = sum(
        1 for element in _RULE_OF_LAW_ELEMENTS if any(element.search(h) for h in headings)
    )
    if elements >= 3 and len(_RULE_OF_LAW.findall("\n".join(lines[:200]))) >= 3:
        return "法治政府建设年度报告", "the body has the sections a 法治政府建设 report requires"
    return None


_OWN_SITE = re.compile(
    r"(?:通过|在|登录|依托)([\u4e00-\u9fff]{4,24}?)(?:门户网站|政府网站|官方网站|官网)"
)


def site_owner(lines: Sequence[str]) -> str | None:
    """The agency whose website the report says it publishes on (`通过甘肃林业和草原局门户网站
    主动发布…`): the reporter, when nothing else names it."""
    match = _first_match(_OWN_SITE, lines[:12], width=600)
    return match.group(1) if match else None


_TOWN_SELF = re.compile(r"[我本](镇|乡|街道|苏木)(?![\u4e00-\u9fff]{0,2}(?:各|村|社区))")
_TOWN_SUFFIX = re.compile(r"镇|乡|街道|苏木")


def town_selves(lines: Sequence[str]) -> set[str]:
    """What the opening calls the reporter among 我镇, 我乡, 我街道 and 我苏木 (镇, 街道…)."""
    return {m.group(1) for m in _TOWN_SELF.finditer("\n".join(lines[:60])[:2000])}


def town_self(lines: Sequence[str], selves: set[str]) -> str | None:
    """The town a report speaks for when it calls itself only 我镇 or 我街道 (`selves`, from
    `town_selves`): the town of that kind the body names most often (东庄镇, 荷城街道), by the
    national town table, so that a word ending in 镇 (城镇, 乡镇) is never taken for one."""
    if not selves:
        return None
    text = "\n".join(lines[:60])[:6000]
    known = towns()
    counts: dict[str, int] = {}
    for suffix in _TOWN_SUFFIX.finditer(text):
        if suffix.group(0) not in selves:
            continue
        end = suffix.end()
        # The longest table name ending here: 荷城街道, not 城街道.
        name = next(
            (
                text[start:end]
                for start in range(max(0, suffix.start() - 6), suffix.start() - 1)
                if text[start:end] in known
            ),
            None,
        )
        if name is not None:
            counts[name] = counts.get(name, 0) + 1
    if not counts:
        return None
    ranked = sorted(counts.items(), key=lambda item: -item[1])
    if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
        return None  # two towns named as often: neither is surely the reporter
    return ranked[0][0]


# 如对本报告有疑问，请与铁佛镇人民政府联系 / 请联系重庆市江北区教育委员会办公室: the format's
# contact sentence names the reporter (or its office).
_CONTACT_AGENCY = re.compile(
    r"(?:请与|请联系|可与|可联系|请向)([\u4e00-\u9fff]{2,30}?"
    r"(?:人民政府|办事处|委员会|局|厅|委|部|署))(?:[\u4e00-\u9fff]{0,12}?)?(?:联系|咨询|[（(:：，,。])"
)


# 请与海陵区城东街道党政办联系: a town or street named with its office.
_CONTACT_TOWN = re.compile(
    r"(?:请与|请联系|可与|可联系|请向)([\u4e00-\u9fff]{2,20}?(?:街道|镇|乡))"
    r"(?:党政|党群|综合|办公室)[\u4e00-\u9fff]{0,10}?(?:联系|咨询|[（(:：，,。])"
)


def contact_agency(lines: Sequence[str]) -> str | None:
    """The agency the report's contact sentence names, if any."""
    match = _first_match(_CONTACT_AGENCY, lines[:40]) or _first_match(_CONTACT_TOWN, lines[:40])
    return match.group(1) if match else None


def body_genre(lines: Sequence[str]) -> str | None:
    """What else an untitled page's opening says it is (a guide, rules, a plan), if anything."""
    # The first lines may be a site's column names (金银湖街 / 政府信息公开) before the opening.
    match = _OTHER_GENRE.search("\n".join(lines[:8])[:1200]) or _HOW_TO_APPLY.search(
        "\n".join(lines[:16])[:1500]  # below a site's menu, as a guide's page often is
    )
    if match:
        return f"the opening says: {match.group(0)}"
    reprint = next((line for line in lines[:3] if _NEWS_REPRINT.match(line)), None)
    if reprint is not None and _first_match(_BODY_REPORT, lines[:12]) is None:
        # 原标题:陕西发布2025年法治政府建设情况…: news about the report, quoting it, unless
        # it says it carries the report (…具体报告如下).
        return f"a news article: {reprint[:40]}"
    guide = next((line for line in lines[:12] if _GUIDE_TITLE.search(line)), None)
    if guide is not None and is_title_like(guide):
        return f"the page is a guide: {guide}"
    # A report goes up (市委、市政府:) or to the public; a page sent down to 各… is a notice.
    addressee = next((line for line in lines[:3] if _DOWNWARD_ADDRESSEE.match(line)), None)
    return f"a notice sent to {addressee.rstrip(':：')}" if addressee else None


def body_placeholder(lines: Sequence[str]) -> bool:
    """Whether the opening is a template's (某县, *区, 20xx)."""
    return _PLACEHOLDER_BODY.search("\n".join(lines[:3])[:600]) is not None


def sentence_agency_text(sentence: str) -> str:
    """A report sentence with its verb removed: `现公布X2023年…报告` -> `X2023年…报告`."""
    return _BODY_VERB.sub("", sentence).replace("《", "").replace("》", "")


def compiler_agency(lines: Sequence[str]) -> str | None:
    """Whose report the opening says it is, from who compiled it: `本报告由X根据…编制` or
    `…,X编制了…年度报告`. A government's office compiles the government's report, so it names
    the government."""
    for line in lines[:3]:
        match = _COMPILER.search(line[:400]) or _COMPILED.search(line[:400])
        if match:
            name = match.group(1)
            government = _GOVERNMENT_OFFICE.match(name)
            return government.group(1) if government else name
    return None


def titles_other_genre(title: str | None) -> bool:
    """Whether a title at the top of the text says the page is something else (a guide, a
    plan); a menu's link (• 政府信息公开指南) says nothing of the page it is on."""
    return title is not None and not _LIST_ITEM.match(title) and not_a_report(title) is not None


def title_from_end(lines: Sequence[str]) -> str | None:
    """A report title given near the end: an 附件 line or a repeated title after the signature."""
    for line in reversed(lines[-8:]):
        stripped = _ATTACHMENT.sub("", line)
        if is_title_like(stripped) and kind_of(stripped) != "other":
            return stripped
    return None


def body_report_sentence(lines: Sequence[str]) -> str | None:
    """The 现将…报告如下 sentence of the opening, which names the report when the title does not."""
    # 根据《…关于2024年政府信息公开工作年度报告编制发布工作的通知》规定,特编制…: not inside the
    # notice it cites.
    match = _first_match(_BODY_REPORT, [_SENT_DOCUMENT.sub("", line) for line in lines[:12]])
    return match.group(0) if match else None


_OPENING_SUBJECT = re.compile(
    r"^(?:(?:19|20)\d{2})年度?[,，]?\s*([\u4e00-\u9fff](?:[\u4e00-\u9fff]|-(?=[\u4e00-\u9fff])){1,19}?)"
    r"(?:坚持|认真|深入|全面|紧紧|始终|以习近平|在|按照|围绕|高度重视|严格|通过)"
)
# A breadcrumb (您当前的位置: 首页>政务公开>…年度报告) names the column, not the page.
_BREADCRUMB = re.compile(r"当前(?:的)?位置|您的位置|所在位置|现在的位置|[>＞»›][^>＞»›]*[>＞»›]")
_CONTACT_LINE = re.compile(r"(?:地址|电话|传真|邮箱|邮件|电子邮箱|网址|邮编|联系电话)\s*[:：]")
_SUBJECT_TOPIC = re.compile(
    r"(?:的)?(?:法治政府建设|法治建设|依法行政|政务公开|政府信息公开)(?:工作)?$"
)
# An opening that says what else the page is: a guide, rules, a plan (信息公开指南 look alike).
_NEWS_REPRINT = re.compile(r"^原标题\s*[:：]")
_DOWNWARD_ADDRESSEE = re.compile(r"^各[^。:：]{1,80}[:：]$")
_OTHER_GENRE = re.compile(
    r"(?:制定|编制|修订|印发)了?本(?:公开)?(?:指南|办法|制度|规定|细则|方案|计划|要点)"
    r"|本(?:指南|办法|制度|细则)(?:所称|适用|自)"
    r"|现将《[^》]{0,60}(?:制度|办法|方案|计划|要点|指南)》"
    r"|(?:本机关|我单位|特)?编制了《[^》]{0,60}(?:指南|办法|制度|规定|细则|方案|计划|要点)》"
    # 天王镇编制《…信息公开指南》(以下简称《指南》): the page is the guide it names.
    r"|编制《[^》]{0,60}指南》[(（]以下简称《?指南"
)
# How to apply for information: 欢迎使用…依申请公开系统, 除主动公开的政府信息外,公众还可以向…
# 申请获取相关政府信息.
_HOW_TO_APPLY = re.compile(
    r"欢迎使用[^。]{0,30}(?:依申请公开|信息公开)[^。]{0,10}(?:系统|平台)"
    r"|除主动公开的政府信息外[^。]{0,40}申请获取"
)
# 济南市章丘区白云湖街道办事处信息公开指南, among the header lines of a page without a title.
# An agency's own guide, not a menu's link to one (• 政府信息公开指南).
_GUIDE_TITLE = re.compile(
    r"^[\u4e00-\u9fff]{2,40}?(?:办事处|人民政府|局|委员会|办公室|街道|镇|乡)"
    r"(?:政府信息|信息|政务)公开(?:工作)?指南$"
)
_BODY_AGENCY = re.compile(
    r"[\u4e00-\u9fff]{2,12}?(?:省|市|自治区|自治州|州|县|区|盟|旗)"
    r"[\u4e00-\u9fff]{1,12}?(?:局|委员会|厅|办公室)"
)


_FIRST_SUBJECT = re.compile(
    # 2025年中仓街道积极…: the subject starts after the year, not at its 年.
    r"(?:(?<![\u4e00-\u9fff\d])|(?<=\d年)|(?<=\d年度))([\u4e00-\u9fff]{0,10}(?:省|市|县|区|州|旗|盟|街道|街|镇|乡)"
    r"(?:[\u4e00-\u9fff]{0,12}?(?:局|委员会|办公室|办公厅|厅|人民政府|政府|办事处))?)"
    r"(?:坚持|认真|深入|深学|全面|始终|紧扣|紧紧|扎实|持续|聚焦|坚决|积极|着力|以习近平|根据《"
    r"|在(?:19|20)\d{2}年)"
)
_DEPARTMENT_SELF = re.compile(r"[我本](?:局|委|厅|办|院|部|署|中心|单位|机关)")
# The reporter named only by itself: 全区严格按照…, 我县…, 现将全省…报告如下.
_SELF_REFERENCE = re.compile(
    r"(?:全|我)(省|市|县|区|旗|盟)(?![\u4e00-\u9fff]{0,3}(?:系统|各级|各地|部门))"
)


# 全省各级行政机关, 全州各级政府及其部门: only the government of the whole speaks for all its
# levels' governments (a department says 全省各级司法行政机关, 全市系统).
_ALL_GOVERNMENTS = re.compile(r"全(省|市|州|县|区|旗|盟)各级(?:人民)?(?:政府|行政机关)")


_ABBREVIATION_NOTE = re.compile(r"[(（]以下简称[^)）]{1,24}[)）]")
_RUN_IN_HEADING = re.compile(r"^[(（][一二三四五六七八九十]{1,2}[)）][^。,，]{2,20}。")


def opening_subject(lines: Sequence[str]) -> str | None:
    """The subject of the opening sentence (`2022年，司法部坚持…`, `…，南昌县全面贯彻…`): who
    reports, when no title says it."""
    for line in lines[:5]:  # after 一、总体情况 / (一)主动公开… headings too
        # (一)总体公开情况说明。2021年,县卫生健康局…: a run-in heading before the sentence;
        # 广西-东盟经济技术开发区(以下简称“广西-东盟经开区”)深入…: the short form it defines.
        line = _ABBREVIATION_NOTE.sub("", _RUN_IN_HEADING.sub("", line, count=1), count=1)
        match = _OPENING_SUBJECT.match(line)
        # 2025年,严格按照…; 2022年,我委共在…: no name for a subject.
        if match and not _ADVERB.fullmatch(match.group(1)) and match.group(1)[0] not in "我本":
            # 河北区法治政府建设坚持…: the subject is the place, not its work.
            return _zone_body(_street(_SUBJECT_TOPIC.sub("", match.group(1)))) or None
    match = _first_match(_FIRST_SUBJECT, lines[:4], width=300)
    return _street(match.group(1)) if match else None


_ADVERB = re.compile(r"严格|认真|深入|全面|进一步|切实|不断|持续|积极|扎实|始终")
_ZONE_NAME = re.compile(r"(?:开发区|高新区|新区|投资区|工业园区|产业园区|试验区|示范区)$")


def _zone_body(subject: str) -> str:
    """广西-东盟经济技术开发区 → its 管理委员会: a zone that reports is its committee. A bare
    开发区 (our zone) is left as it is: nothing says which; so is a district named 新区
    (上海市浦东新区, 滨海新区), which reports as its government."""
    if len(subject) < 5 or not _ZONE_NAME.search(subject):
        return subject
    table = regions()
    if any(
        d.name == subject[-size:] and d.code[4] != "7"  # the table's zones are numbered x7x
        for size in range(3, min(len(subject), 12) + 1)
        for d in table.lookup(subject[-size:]) or ()
    ):
        return subject
    return subject + "管理委员会"


def _street(subject: str) -> str:
    """白云街 → 白云街道: Guangdong's street offices call themselves X街 in their reports."""
    return subject + "道" if len(subject) >= 3 and subject.endswith("街") else subject


def self_named_department(lines: Sequence[str]) -> str | None:
    """The department a report that speaks as 我厅 names itself by in its text (副省长、省公安厅
    党委书记…): the relative name with the same ending it uses most in the opening, outside
    cited titles."""
    called = department_self(lines)
    if called not in ("局", "厅", "委"):
        return None
    opening = CITED_TITLE.sub("", "\n".join(lines[:20])[:2000])
    counts: dict[str, int] = {}
    pattern = rf"(?<![\u4e00-\u9fff])(?:省|市|县|区|州)(?:(?!的|和|与|在|及|下|政府)[\u4e00-\u9fff]){{2,10}}?{called}"
    for match in re.finditer(pattern, opening):
        name = match.group(0)
        counts[name] = counts.get(name, 0) + 1
    return max(counts, key=lambda name: counts[name]) if counts else None


def department_self(lines: Sequence[str]) -> str | None:
    """What a department report calls itself in its opening (局 for 我局, 委 for 本委), if any."""
    match = _DEPARTMENT_SELF.search("\n".join(lines[:6])[:1500])
    return match.group(0)[1:] if match else None


def self_reference(lines: Sequence[str]) -> str | None:
    """The government a report speaks for when it names itself only as 全区 or 我县, as a
    relative name (区人民政府) for the region clues to place."""
    opening = "\n".join(lines[:8])[:1500]
    if _DEPARTMENT_SELF.search(opening):  # 我局, 本委: a department's report
        return None
    match = _SELF_REFERENCE.search(opening) or _ALL_GOVERNMENTS.search(opening)
    return f"{match.group(1)}人民政府" if match else None


_SENT_DOCUMENT = re.compile(r"《[^《》\n]{0,80}(?:关于|通知|意见|决定)[^《》\n]{0,40}》")


def body_agency_names(lines: Sequence[str]) -> list[str]:
    """Placed agency names written in the opening (宜城市教育局), raw: the caller trims them."""
    # 《韶关市人民政府办公室关于印发…的通知》 names the sender of a cited document, not the
    # reporter (while 《广州市人力资源和社会保障局政府信息公开…实施细则》 is the reporter's own).
    opening = _SENT_DOCUMENT.sub("", "\n".join(lines[:20])[:2000])
    return [m.group(0) for m in _BODY_AGENCY.finditer(opening)]
