"""The demo's multi-agency column and the portal home page to discover it from.

昆明市人民政府's site (`/km-gov/`) has a 法治政府建设 专栏 that carries, as real city portals do,
the reports of the city itself, of its districts and of a department, among news about them.
Its pages are attributed one by one: the city's and the districts' go to the registry's
governments; 昆明市司法局 is in neither the registry nor the sources file, so its report goes to
review. The column carries only 法治政府建设 reports (`covers.kinds`), so the districts' 信息公开
reports stay `unknown`, while the districts missing from it are `missing`. `/km-gov/` is also a
home page to try `nianbao sources discover` on.
"""

from __future__ import annotations

from datetime import datetime

from services.demo_portal.articles import Article
from services.demo_portal.catalogue import AgencySite
from services.demo_portal.listing import list_page
from services.demo_portal.templates import detail_page, list_url_path, stub_page

KM_GOV = AgencySite(
    slug="km-gov",
    name="昆明市人民政府",
    short_name="昆明市政府",
    city="昆明市",
    region_code="530100",
    site_serial="0001",
    domain="www.km.gov.cn",
    icp="滇ICP备05000001号",
    style="trs",
    encoding="utf-8",
    seed_file="",
    expects="法治政府建设年度报告",
    column_name="法治政府建设",
    column_path="ztzl/fzzfjs",
    per_page=10,
    seed_position=0,
    fillers=(),
    body_lines=(1, 1),
    date_style="iso",
)
# Who reports in the column: (publisher as written on the page, title, day in 2025, is a report)
_COLUMN = (
    ("昆明市人民政府", "昆明市人民政府关于2024年法治政府建设情况的报告", (3, 28), True),
    ("昆明市五华区人民政府", "五华区人民政府关于2024年法治政府建设情况的报告", (3, 26), True),
    ("昆明市盘龙区人民政府", "盘龙区2024年法治政府建设年度报告", (3, 25), True),
    ("昆明市人民政府", "昆明市召开2025年法治政府建设工作推进会", (3, 20), False),
    ("昆明市司法局", "昆明市司法局2024年法治政府建设年度报告", (3, 18), True),
)


def _report_text(publisher: str, serial: int) -> tuple[str, ...]:
    return (
        f"2024年,{publisher}坚持以习近平法治思想为指导,全面落实法治政府建设实施纲要,"
        "现将2024年度法治政府建设情况报告如下。",
        "一、2024年法治政府建设主要举措和成效",
        f"(一)健全依法行政制度体系。全年制定修订行政规范性文件{8 + serial}件,全部进行合法性审核。",
        f"(二)严格规范公正文明执法。开展行政执法案卷评查{20 + serial}次,行政复议案件{5 + serial}件。",
        f"(三)加强普法宣传。开展学法活动{10 + serial}次,组织领导干部旁听庭审1次。",
        "二、存在的不足和原因",
        "一是依法决策机制仍需完善;二是基层执法力量不足,执法人员专业化水平有待提升。",
        "三、党政主要负责人履行推进法治建设第一责任人职责情况",
        "主要负责人带头学法,召开常务会议专题研究法治政府建设工作,听取法治建设情况汇报。",
        "四、2025年法治政府建设工作安排",
        "2025年,将继续深化行政执法体制改革,推进严格规范公正文明执法,加强法治队伍建设。",
        "五、其他需要报告的情况",
        "无。",
    )


def _news_text() -> tuple[str, ...]:
    return (
        "3月20日,昆明市召开2025年法治政府建设工作推进会,总结2024年工作,部署2025年任务。",
        "会议要求,各县(市)区、各部门要对照任务清单,按时公开法治政府建设年度报告。",
    )


def column_articles() -> tuple[Article, ...]:
    """The column's articles, newest first."""
    articles = []
    for serial, (publisher, title, (month, day), is_report) in enumerate(_COLUMN, start=1):
        when = datetime(2025, month, day, 9, 30)
        articles.append(
            Article(
                site=KM_GOV,
                path=f"{KM_GOV.prefix}/{KM_GOV.column_path}/2025{month:02d}/t2025{month:02d}{day:02d}_{serial}.html",
                title=title,
                published=when,
                paragraphs=_report_text(publisher, serial) if is_report else _news_text(),
                is_seed=False,
                index_number=None,
                publisher=publisher,
                show_heading=True,
            )
        )
    return tuple(articles)


def column_pages() -> dict[str, str]:
    """Every page of the 昆明市人民政府 site, by path: home, 专题专栏, the column, details."""
    articles = column_articles()
    p, column = KM_GOV.prefix, list_url_path(KM_GOV)
    pages = {column: list_page(KM_GOV, articles, 1)}
    for article in articles:
        pages[article.path] = detail_page(article)
    sections = {
        f"{p}/": ("首页", [(f"{p}/ztzl/", "专题专栏"), (f"{p}/zwdt/", "政务动态")]),
        f"{p}/ztzl/": ("专题专栏", [(column, "法治政府建设"), (f"{p}/ztzl/yshj/", "优化营商环境")]),
        f"{p}/zwdt/": ("政务动态", [(f"{p}/", "返回首页")]),
        f"{p}/ztzl/yshj/": ("优化营商环境", [(f"{p}/", "返回首页")]),
    }
    for path, (title, links) in sections.items():
        pages[path] = stub_page(KM_GOV, title, links)
    return pages
