"""Is this page an annual report, of which kind, for which year, and what is its title.

The title decides: pages that merely mention a report (a meeting about it, a call for comments,
an interpretation, a plan, a template) share its words but not its shape, so the negative
patterns are checked before the kinds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from services.extract.metadata import YEAR_RE, parse_year
from shared.events import ReportKind

_KINDS: tuple[tuple[ReportKind, re.Pattern[str]], ...] = (
    ("履职报告", re.compile(r"(?:履职|述职)(?:情况)?(?:工作)?报告")),
    (
        "政府信息公开工作年度报告",
        re.compile(r"(?:政府|政务)信息公开.*(?:年度报告|年报|工作报告|情况报告|报告)"),
    ),
    ("法治政府建设年度报告", re.compile(r"(?:法治政府|法治|依法行政).*(?:建设|工作).*报告")),
)
# Title shapes that mention a report without being one, with the reason given to operators.
_NOT_REPORTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("template", re.compile(r"某[省市县区州乡镇局委办]|[Xx×＊*]{2,}|〇〇|○○|模板|范本|样本")),
    ("government work report", re.compile(r"(?<!法治)政府工作报告")),
    ("call for comments", re.compile(r"征求.{0,30}意见|意见征集|征集.{0,10}意见")),
    ("interpretation", re.compile(r"解读|图解|一图读懂|答记者问|问答")),
    (
        "meeting or news",
        re.compile(r"召开|举行|举办|审议|听取|专题会|座谈|培训|部署会|推进会|会议"),
    ),
    ("plan", re.compile(r"(?:工作要点|工作计划|实施方案|工作方案|工作安排|任务清单)(?!.*报告)")),
    ("performance self-evaluation", re.compile(r"绩效自评|自评报告|绩效评价")),
    ("notice", re.compile(r"(?:通知|公告|公示|通报|批复|决定|的函|说明)$")),
)
_BODY_REPORT = re.compile(r"现将[^。]{0,40}?(?:报告|情况)[^。]{0,10}如下")
_TITLE_PUNCT = re.compile(r"[。；;]|[:：，,]$")
_HEADING_START = re.compile(
    r"^(?:[一二三四五六七八九十]+\s*[、.．]|[（(][一二三四五六七八九十]+[）)]|\d+\s*[.、．])"
)
_ATTACHMENT = re.compile(r"^附件\s*\d*\s*[:：]\s*")
_RANGE_BEFORE = re.compile(r"[-—–~～至]\s*$")


def kind_of(text: str) -> ReportKind:
    """The report kind a title (or a report sentence) names; "other" when it names none."""
    for kind, pattern in _KINDS:
        if pattern.search(text):
            return kind
    return "other"


def not_a_report(title: str) -> str | None:
    """Why a title that may mention a report is not one, or None if nothing says so."""
    for reason, pattern in _NOT_REPORTS:
        if pattern.search(title):
            return reason
    return None


def is_title_like(line: str) -> bool:
    """Whether a line could be a page title: short, not a sentence, not a heading or addressee."""
    return (
        6 <= len(line) <= 90
        and _TITLE_PUNCT.search(line) is None
        and _HEADING_START.match(line) is None
        and not re.fullmatch(r"[\d\s年月日:：\-/.]+", line)
    )


def title_from_lines(lines: Sequence[str]) -> str | None:
    """The title at the top of the text: the first title-like line before the first paragraph."""
    for line in lines[:8]:
        if len(line) > 90 or "。" in line:
            return None
        if is_title_like(line):
            return line
    return None


def title_from_end(lines: Sequence[str]) -> str | None:
    """A report title given near the end: an 附件 line or a repeated title after the signature."""
    for line in reversed(lines[-8:]):
        stripped = _ATTACHMENT.sub("", line)
        if is_title_like(stripped) and kind_of(stripped) != "other":
            return stripped
    return None


def body_report_sentence(lines: Sequence[str]) -> str | None:
    """The 现将…报告如下 sentence of the opening, which names the report when the title does not."""
    for line in lines[:12]:
        match = _BODY_REPORT.search(line)
        if match:
            return match.group(0)
    return None


def year_in(text: str) -> int | None:
    """The first year named (Arabic or Chinese numerals); ranges like 2021—2025 are skipped."""
    for match in YEAR_RE.finditer(text):
        if _RANGE_BEFORE.search(text[: match.start()]):
            continue
        following = text[match.end() :]
        if re.match(r"\s*年?\s*[-—–~～至]", following):  # the start of a range
            continue
        year = parse_year(match.group(0))
        if year is not None and 1990 <= year <= 2100:
            return year
    return None


def report_year(
    title: str | None,
    report_sentence: str | None,
    opening: Sequence[str],
    published: date | None,
) -> tuple[int | None, str | None]:
    """The year the report covers, and a warning when it had to be inferred."""
    if title:
        year = year_in(title)
        if year is not None:
            return year, None
    if report_sentence:
        year = year_in(report_sentence)
        if year is not None:
            return year, "report year from the body's 现将…报告如下 sentence"
    for line in opening[:5]:
        year = year_in(line[:30])
        if year is not None:
            return year, "report year from the opening of the body"
    if published is not None:
        return published.year - 1, "report year inferred as the year before publication"
    return None, "no report year found"
