"""Who publishes on the demo portal, on which platform, and the ordinary articles around reports.

Each seed agency gets its own small site under a path prefix. The ordinary articles are the ones
a crawler must wade through on real portals: news and plans that mention 法治政府建设 (tempting
false positives), calls for comments, policy explainers, recruitment and holiday notices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Style = Literal["trs", "hanweb", "generic", "asp"]


@dataclass(frozen=True)
class AgencySite:
    """One agency's site: identity (for meta tags and footer) and how its list is laid out."""

    slug: str
    name: str
    short_name: str
    city: str
    region_code: str
    site_serial: str  # SiteIDCode = region code + this 4-digit serial
    domain: str
    icp: str
    style: Style
    encoding: str  # "utf-8" or "gb18030" (declared as gb2312, like old templates)
    seed_file: str
    expects: str
    column_name: str
    column_path: str  # directory of the list under the site prefix
    per_page: int
    seed_position: int  # 0-based position of the seed report in the list (newest first)
    fillers: tuple[str, ...]  # keys of FILLERS, newest first, around the seed
    body_lines: tuple[int, int]  # 1-based inclusive lines of the seed text forming the body
    date_style: Literal["iso", "slash", "chinese", "short"]

    @property
    def prefix(self) -> str:
        return f"/{self.slug}"

    @property
    def site_code(self) -> str:
        return self.region_code + self.site_serial


# Title and paragraphs of ordinary articles; {city}, {name}, {short}, {year} are filled per site.
FILLERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "meeting": (
        "{short}召开{year}年法治政府建设工作推进会",
        (
            "近日,{short}召开{year}年法治政府建设工作推进会,传达学习上级关于法治政府建设的"
            "部署要求,通报上一年度工作完成情况。",
            "会议要求,各科室要对照任务清单,压实工作责任,确保各项任务按时完成。",
        ),
    ),
    "plan": (
        "{name}{year}年法治政府建设工作要点",
        (
            "为深入贯彻落实习近平法治思想,扎实推进法治政府建设,结合工作实际,制定本工作要点。",
            "一、健全依法决策机制。二、规范行政执法行为。三、加强普法宣传教育。",
            "各科室要结合职责抓好落实,年底前报送工作完成情况。",
        ),
    ),
    "consult": (
        "关于《{city}科技计划项目管理办法(征求意见稿)》公开征求意见的通知",
        (
            "为进一步规范科技计划项目管理,我局起草了《{city}科技计划项目管理办法(征求意见稿)》,"
            "现向社会公开征求意见。",
            "意见反馈截止时间为发布之日起30日内,请通过电子邮件或信函方式反馈。",
        ),
    ),
    "explainer": (
        "《{city}科技创新券管理办法》政策解读",
        (
            "一、制定背景。为降低中小企业研发成本,激发创新活力,制定本办法。",
            "二、主要内容。创新券用于购买科技服务,单个企业年度支持额度不超过20万元。",
        ),
    ),
    "recruit": (
        "{name}{year}年公开招聘编外工作人员公告",
        (
            "因工作需要,{name}拟面向社会公开招聘编外工作人员2名,现将有关事项公告如下。",
            "报名时间:公告发布之日起7个工作日内。报名地点:{short}办公室。",
        ),
    ),
    "holiday": (
        "关于做好{year}年节假日放假期间值班工作的通知",
        (
            "根据国务院办公厅关于{year}年部分节假日安排的通知,现就放假期间值班工作通知如下。",
            "节日期间,各科室要严格落实领导带班和值班制度,做好安全防范工作。",
        ),
    ),
    "pufa": (
        "{short}开展“八五”普法宣传进企业活动",
        (
            "为提升企业尊法学法守法用法意识,{short}组织干部走进科技型企业开展普法宣传。",
            "活动发放宣传资料300余份,解答企业咨询20余人次。",
        ),
    ),
    "projects": (
        "关于组织申报{year}年度{city}科技计划项目的通知",
        (
            "各有关单位:现组织申报{year}年度{city}科技计划项目,有关事项通知如下。",
            "申报单位须为在本市注册的独立法人,申报材料通过科技项目管理系统在线提交。",
        ),
    ),
    "week": (
        "{city}{year}年科技活动周启动仪式举行",
        (
            "{year}年科技活动周启动仪式在市科技馆举行,活动以“科技创新 强国之基”为主题。",
            "活动期间将开展科普讲座、科技成果展示等系列活动。",
        ),
    ),
    "study": (
        "{short}召开党组理论学习中心组学法会",
        (
            "{short}党组理论学习中心组集中学习《中华人民共和国科学技术进步法》。",
            "会议强调,要把学法用法贯穿科技管理工作全过程。",
        ),
    ),
    "cleanup": (
        "{short}{year}年度行政规范性文件清理结果公告",
        (
            "根据规范性文件管理有关规定,我局对现行有效的行政规范性文件进行了全面清理。",
            "经清理,继续有效的文件12件,宣布失效的文件3件。",
        ),
    ),
}

_ALL_FILLERS = ("meeting", "plan", "consult", "explainer", "recruit", "holiday", "pufa")

SITES: tuple[AgencySite, ...] = (
    AgencySite(
        slug="mengzi-kjj", name="蒙自市科学技术局", short_name="蒙自市科技局", city="蒙自市",
        region_code="532503", site_serial="0007", domain="kjj.mengzi.gov.cn",
        icp="滇ICP备05006478号", style="trs", encoding="utf-8",
        seed_file="000_e2ea7a02f9202a4e.txt", expects="法治政府建设年度报告",
        column_name="法治政府建设年度报告", column_path="fzzfjsbg", per_page=4, seed_position=5,
        fillers=(*_ALL_FILLERS, "projects", "week", "study"), body_lines=(13, 33),
        date_style="iso",
    ),
    AgencySite(
        slug="changde-kjj", name="常德市科学技术局", short_name="常德市科技局", city="常德市",
        region_code="430700", site_serial="0012", domain="kjj.changde.gov.cn",
        icp="湘ICP备05003367号", style="asp", encoding="gb18030",
        seed_file="001_3b35ca370aa899d8.txt", expects="法治政府建设年度报告",
        column_name="以案释法", column_path="", per_page=5, seed_position=1,
        fillers=_ALL_FILLERS, body_lines=(7, 46), date_style="slash",
    ),
    AgencySite(
        slug="luohe-kjj", name="漯河市科学技术局", short_name="漯河市科技局", city="漯河市",
        region_code="411100", site_serial="0021", domain="kjj.luohe.gov.cn",
        icp="豫ICP备05012790号", style="generic", encoding="utf-8",
        seed_file="002_acf107ec8495534f.txt", expects="法治政府建设年度报告",
        column_name="法治政府建设", column_path="xxgk/fzzfjs", per_page=4, seed_position=9,
        fillers=(*_ALL_FILLERS, "projects", "week"), body_lines=(1, 34), date_style="chinese",
    ),
    AgencySite(
        slug="km-kjj", name="昆明市科学技术局", short_name="昆明市科技局", city="昆明市",
        region_code="530100", site_serial="0030", domain="kjj.km.gov.cn",
        icp="滇ICP备05004521号", style="hanweb", encoding="utf-8",
        seed_file="003_270951ed5cca0aaf.txt", expects="法治政府建设年度报告",
        column_name="通知公告", column_path="col/col5321", per_page=4, seed_position=4,
        fillers=(*_ALL_FILLERS, "projects", "week", "cleanup"), body_lines=(7, 87),
        date_style="iso",
    ),
    AgencySite(
        slug="bazhong-kjj", name="巴中市科学技术局", short_name="巴中市科技局", city="巴中市",
        region_code="511900", site_serial="0008", domain="kjj.bazhong.gov.cn",
        icp="蜀ICP备05010234号", style="trs", encoding="utf-8",
        seed_file="004_253d638350631034.txt", expects="履职报告",
        column_name="履职报告", column_path="zwgk/lzbg", per_page=5, seed_position=2,
        fillers=_ALL_FILLERS, body_lines=(3, 33), date_style="short",
    ),
)  # fmt: skip
