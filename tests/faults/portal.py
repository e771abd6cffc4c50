"""A generated fixture portal: many agencies, each with a list page of annual reports.

Built for fault and load tests: the report set can grow while nianbao runs (new filings that
must be mailed), every page is plain, valid government-style HTML, and the server is threaded.
"""

from __future__ import annotations

import html
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CITIES: tuple[tuple[str, str, str], ...] = (
    ("昆明市", "530100", "云南省"),
    ("曲靖市", "530300", "云南省"),
    ("玉溪市", "530400", "云南省"),
    ("成都市", "510100", "四川省"),
    ("贵阳市", "520100", "贵州省"),
    ("南宁市", "450100", "广西壮族自治区"),
    ("长沙市", "430100", "湖南省"),
    ("武汉市", "420100", "湖北省"),
    ("郑州市", "410100", "河南省"),
    ("济南市", "370100", "山东省"),
    ("南昌市", "360100", "江西省"),
    ("福州市", "350100", "福建省"),
    ("合肥市", "340100", "安徽省"),
    ("杭州市", "330100", "浙江省"),
    ("南京市", "320100", "江苏省"),
    ("哈尔滨市", "230100", "黑龙江省"),
    ("长春市", "220100", "吉林省"),
    ("沈阳市", "210100", "辽宁省"),
    ("太原市", "140100", "山西省"),
    ("石家庄市", "130100", "河北省"),
    ("西安市", "610100", "陕西省"),
    ("兰州市", "620100", "甘肃省"),
    ("西宁市", "630100", "青海省"),
    ("银川市", "640100", "宁夏回族自治区"),
    ("海口市", "460100", "海南省"),
)
DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("科学技术局", "kjj"),
    ("司法局", "sfj"),
    ("财政局", "czj"),
    ("民政局", "mzj"),
    ("生态环境局", "sthjj"),
    ("交通运输局", "jtysj"),
    ("水利局", "slj"),
    ("审计局", "sjj"),
)

BODY = """一、主要举措和成效
（一）加强组织领导。{agency}党组坚持把法治政府建设摆在全局工作的重要位置，成立由主要负责同志任组长的法治政府建设工作领导小组，全年召开专题会议{meetings}次，研究部署法治政府建设重点任务。
（二）坚持依法决策。严格落实重大行政决策程序，全年开展合法性审查{reviews}件，法律顾问参与率达到100%。
（三）深化普法宣传。落实“谁执法谁普法”普法责任制，组织干部职工集中学法{lessons}次，开展《中华人民共和国行政处罚法》《优化营商环境条例》宣传活动。
二、存在的不足和原因
一是法治宣传的针对性还需增强；二是执法人员的专业能力有待提升。
三、党政主要负责人履行推进法治建设第一责任人职责情况
{agency}主要负责人认真履行推进法治建设第一责任人职责，亲自部署、亲自协调重要法治工作。
四、{next_year}年主要安排
继续深入学习贯彻习近平法治思想，健全依法决策机制，提升行政执法质量。
五、其他需要报告的情况
无。
"""


# Sentences in the register of real reports, to pad a body to the length of a real one (the
# five seed reports are 3,000 to 6,900 characters, median about 4,000). Each report draws its own
# sequence, so no two bodies are alike and the extractor, segmenter and near-duplicate check do the
# work they do on real pages.
FILLER = (
    "严格执行重大行政决策程序规定，对涉及群众切身利益的事项广泛听取意见，全年组织听证会{a}场。",
    "推进行政执法“三项制度”落实，行政执法公示、执法全过程记录和重大执法决定法制审核实现全覆盖。",
    "开展规范性文件清理工作，共清理规范性文件{b}件，其中废止{a}件、修改{c}件，继续有效的予以公布。",
    "加强行政复议和行政应诉工作，全年办理行政复议案件{c}件，行政机关负责人出庭应诉率达到100%。",
    "深化“放管服”改革，梳理公布政务服务事项{b}项，全部实现网上可办，“最多跑一次”事项占比进一步提高。",
    "健全法律顾问制度，聘请常年法律顾问{a}名，为重大决策、重要合同和信访事项提供法律意见{b}条。",
    "落实政府信息公开制度，主动公开政府信息{b}条，依申请公开办理{c}件，均在法定期限内答复。",
    "组织开展行政执法人员培训{a}期，参训人员{b}人次，执法人员持证上岗率达到100%。",
    "完善“双随机、一公开”监管机制，全年开展随机抽查{c}次，抽查结果通过门户网站及时向社会公开。",
    "推动矛盾纠纷多元化解，人民调解组织调解各类纠纷{b}件，调解成功率保持在较高水平。",
    "将法治建设纳入年度绩效考核，考核结果作为干部选拔任用和评先评优的重要参考。",
    "认真办理人大代表建议和政协委员提案{c}件，办复率100%，代表委员满意率持续提升。",
    "加强公平竞争审查，对新出台的政策措施逐件开展审查，未发现排除、限制竞争的内容。",
    "主动接受审计监督，对审计发现的问题建立整改台账，逐项明确责任人和整改时限，整改完成率达到95%以上。",
    "运用新媒体平台开展“八五”普法宣传，推送法治宣传信息{b}条，阅读量超过{c}万人次。",
    "深入开展法治文化建设，建成法治宣传阵地{a}个，组织法律进机关、进社区、进企业活动{c}场次。",
    "加强行政执法监督，开展行政执法案卷评查，共评查案卷{b}卷，发现问题均已督促整改到位。",
    "严格落实领导干部学法制度，党组理论学习中心组开展专题学法{a}次，领导干部任前法律知识考试全覆盖。",
    "优化法治化营商环境，清理涉企收费项目{a}项，为市场主体减免各类费用{c}万元。",
    "畅通群众诉求表达渠道，办理群众来信来访和12345热线工单{b}件，按期办结率98%以上。",
)


@dataclass(frozen=True)
class Report:
    """One report page: an agency's 法治政府建设年度报告 for one year."""

    agency_slug: str
    agency: str
    region_code: str
    year: int
    number: int
    length: int = 0  # characters of body text beyond the basic sections (0: the short form)

    @property
    def path(self) -> str:
        return f"/{self.agency_slug}/fzzf/{self.year + 1}03/t{self.year + 1}0320_{self.number}.html"

    @property
    def title(self) -> str:
        return f"{self.agency}{self.year}年法治政府建设年度报告"

    @property
    def published(self) -> str:
        return f"{self.year + 1}-03-20"


@dataclass
class GeneratedPortal:
    """The agencies and their reports; `add_year` publishes one more report per agency."""

    agencies: list[tuple[str, str, str]] = field(default_factory=list)  # slug, name, region code
    reports: dict[str, list[Report]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    report_length: int = 0

    @classmethod
    def build(cls, agencies: int, years: range, report_length: int = 0) -> GeneratedPortal:
        """`report_length`: pad each report to about this many characters (0: short reports)."""
        portal = cls(report_length=report_length)
        number = 1000
        for index in range(agencies):
            city, code, _province = CITIES[index % len(CITIES)]
            department, short = DEPARTMENTS[(index // len(CITIES)) % len(DEPARTMENTS)]
            slug = f"a{index:04d}-{short}"
            name = f"{city}{department}"
            portal.agencies.append((slug, name, code))
            portal.reports[slug] = []
            for year in years:
                number += 1
                portal.reports[slug].append(Report(slug, name, code, year, number, report_length))
        return portal

    def add_year(self, year: int) -> list[Report]:
        """Publish a report for `year` on every agency's list; returns the new reports."""
        added = []
        with self.lock:
            number = 900_000 + year * 10_000
            for slug, name, code in self.agencies:
                number += 1
                report = Report(slug, name, code, year, number, self.report_length)
                self.reports[slug].insert(0, report)
                added.append(report)
        return added

    def all_reports(self) -> list[Report]:
        with self.lock:
            return [r for reports in self.reports.values() for r in reports]

    def sources_yaml(self, base_url: str, interval_hours: float) -> str:
        lines = ["agencies:"]
        for slug, name, code in self.agencies:
            lines += [
                f"  - id: {slug}",
                f"    name: {name}",
                f'    region_code: "{code}"',
                "    sources:",
                f"      - list_url: {base_url}/{slug}/fzzf/index.html",
                "        min_delay_seconds: 0",
                "        max_in_flight: 4",
                f"        interval_hours: {interval_hours}",
            ]
        return "\n".join(lines) + "\n"

    # ---- pages --------------------------------------------------------------------------------
    def page(self, path: str) -> bytes | None:
        with self.lock:
            self.requests += 1
            parts = path.strip("/").split("/")
            if path == "/robots.txt":
                return b"User-agent: *\nDisallow: /admin/\n"
            if len(parts) == 3 and parts[1] == "fzzf" and parts[2] == "index.html":
                reports = self.reports.get(parts[0])
                return None if reports is None else _list_page(parts[0], reports)
            for report in self.reports.get(parts[0], []):
                if report.path == path:
                    return _detail_page(report)
        return None


def _list_page(slug: str, reports: list[Report]) -> bytes:
    items = "\n".join(
        f'<li><a href="{r.path}" title="{html.escape(r.title)}">{html.escape(r.title)}</a>'
        f"<span>{r.published}</span></li>"
        for r in reports
    )
    name = reports[0].agency if reports else slug
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>法治政府建设 - {html.escape(name)}</title></head>
<body><div class="nav"><a href="/">首页</a> <a href="/{slug}/">机构概况</a> <a href="/{slug}/fzzf/index.html">法治政府建设</a></div>
<div class="list"><ul>
{items}
</ul></div><div class="footer">主办单位：{html.escape(name)}</div></body></html>""".encode()


def _detail_page(report: Report) -> bytes:
    body = BODY.format(
        agency=report.agency,
        meetings=report.number % 7 + 2,
        reviews=report.number % 40 + 5,
        lessons=report.number % 12 + 4,
        next_year=report.year + 1,
    )
    lines = [line for line in body.splitlines() if line.strip()]
    lines[3:3] = _filler(report, report.length - len(body))
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<meta name="SiteName" content="{html.escape(report.agency)}"><meta name="SiteIDCode" content="{report.region_code}0001">
<meta name="ColumnName" content="法治政府建设"><meta name="ArticleTitle" content="{html.escape(report.title)}">
<meta name="PubDate" content="{report.published} 09:00"><meta name="ContentSource" content="{html.escape(report.agency)}">
<title>{html.escape(report.title)}</title></head><body>
<div class="nav"><a href="/">首页</a> &gt; 法治政府建设</div>
<h1>{html.escape(report.title)}</h1>
<div class="TRS_Editor">{paragraphs}<p style="text-align:right">{html.escape(report.agency)}</p>
<p style="text-align:right">{report.published}</p></div>
<div class="footer">网站标识码：{report.region_code}0001 打印本页 关闭窗口</div></body></html>""".encode()


def _filler(report: Report, characters: int) -> list[str]:
    """Numbered paragraphs of report sentences, about `characters` long, different per report."""
    paragraphs: list[str] = []
    state = report.number * 2654435761 % 2**32
    written = 0
    while written < characters:
        sentences = []
        for _ in range(3):
            state = (state * 1103515245 + 12345) % 2**31
            sentence = FILLER[state % len(FILLER)]
            sentences.append(sentence.format(a=state % 9 + 2, b=state % 900 + 50, c=state % 97 + 3))
        paragraph = "".join(sentences)
        paragraphs.append(paragraph)
        written += len(paragraph)
    return paragraphs


class PortalServer:
    """Serves a GeneratedPortal on 127.0.0.1 in a daemon thread."""

    def __init__(self, portal: GeneratedPortal):
        self.portal = portal
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> str:
        portal = self.portal

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = portal.page(self.path.split("?", 1)[0])
                if body is None:
                    self.send_response(HTTPStatus.NOT_FOUND)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
