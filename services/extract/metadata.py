"""Dates, numbers and the 信息公开 header fields of a page.

Portals write dates in many ways (2024-03-30 10:00, 2020年08月02日, 二〇二四年三月三十日, full-width
digits) and label the header table with synonyms (文号 = 发文字号 = 发布文号): this module folds
those variants into plain values so the rest of the extractor never sees them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

# Full-width digits, letters and odd spaces to their ASCII forms; same length, so offsets hold.
_FOLD = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        **{chr(0xFF21 + i): chr(0x41 + i) for i in range(26)},
        **{chr(0xFF41 + i): chr(0x61 + i) for i in range(26)},
        "\u3000": " ",
        "\u00a0": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\u200b": " ",
        "\ufeff": " ",
        "\uff0f": "/",
        "\uff0d": "-",
    }
)

FIRST_YEAR, LAST_YEAR = 1949, 2100  # the years a date on a government page can name
_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "О": 0, "O": 0, "o": 0, "0": 0}
_CN_DIGITS.update({c: i for i, c in enumerate("一二三四五六七八九", start=1)})
_CN_DIGITS.update({str(i): i for i in range(10)})
_CN_NUM = "〇○零一二三四五六七八九十"
_YEAR = r"(?:(?:19|20)\d{2}|[〇○零一二][〇○零一二三四五六七八九]{3})"
YEAR_RE = re.compile(rf"(?<![\d-]){_YEAR}(?=\s*年)")

_DATE_RE = re.compile(
    rf"(?P<y>{_YEAR})\s*(?:年\s*(?P<m1>[\d{_CN_NUM}]{{1,3}})\s*月\s*(?P<d1>[\d{_CN_NUM}]{{1,3}})\s*[日号]?"
    r"|[-/.](?P<m2>\d{1,2})[-/.](?P<d2>\d{1,2})(?!\d))"
)

# Header-table labels and their synonyms (domain.md), mapped to one key each.
INFO_LABELS: Mapping[str, str] = {
    "索引号": "index_number",
    "发布机构": "publisher",
    "发文机关": "publisher",
    "制发机构": "publisher",
    "发文单位": "publisher",
    "发布单位": "publisher",
    "信息来源": "publisher",
    "文号": "doc_number",
    "发文字号": "doc_number",
    "发布文号": "doc_number",
    "发布日期": "published",
    "发布时间": "published",
    "公开日期": "published",
    "发表日期": "published",
    "发表时间": "published",
    "信息提供日期": "published",
    "成文日期": "written",
    "生成日期": "written",
    "发文日期": "written",
    "时效性": "validity",
    "有效性": "validity",
    "有效期": "validity",
    "主题分类": "topic",
    "组配分类": "topic",
    "分类": "topic",
    "公开方式": "disclosure",
    "公开范围": "disclosure",
    "公开目录": "topic",
    "标题": "title",
    "名称": "title",
    "信息名称": "title",
}
# Portals space out short labels (索 引 号, 标  题): allow spaces between a label's characters.
_LABEL_ALT = "|".join(
    r"\s*".join(map(re.escape, label)) for label in sorted(INFO_LABELS, key=len, reverse=True)
)
_BULLET = r"^[\s•·●▪◆■□◇\-*|｜]*"
_LABEL_ONLY = re.compile(rf"{_BULLET}({_LABEL_ALT})\s*[:：|｜]?\s*$")
# A label's value follows a colon, a table bar, or (in flattened tables) plain spaces.
_LABEL_INLINE = re.compile(rf"(?:{_BULLET}|\s|[|｜])({_LABEL_ALT})(?:\s*[:：|｜]\s*|\s+)")
_INDEX_NUMBER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z\-_/.]{5,}$")
_SOURCE_LINE = re.compile(
    rf"{_BULLET}(?:来源|发布时间|发布日期|发表时间|发表日期|信息提供日期|发布于|时间|日期|更新时间|文章来源)\s*[:：]"
)
_WHOLE_DATE = re.compile(
    r"[\s•·●▪◆■]*(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*"
)


def label_key(label: str) -> str:
    """The field key of a (possibly spaced-out) header label."""
    return INFO_LABELS[re.sub(r"\s+", "", label)]


_FOLDABLE = re.compile("[" + "".join(re.escape(chr(c)) for c in _FOLD) + "]")


def fold(text: str) -> str:
    """Text with full-width digits and letters made ASCII and odd spaces made plain."""
    # Most lines have nothing to fold; finding that out is much cheaper than translating.
    return text.translate(_FOLD) if _FOLDABLE.search(text) else text


def _small_number(token: str) -> int | None:
    """1..31 written in Arabic or Chinese numerals (十一, 二十, 三十一)."""
    if token.isdigit():
        return int(token)
    if "十" in token:
        tens, _, units = token.partition("十")
        high = _CN_DIGITS.get(tens, -1) if tens else 1
        low = _CN_DIGITS.get(units, -1) if units else 0
        return high * 10 + low if high >= 0 and low >= 0 else None
    if len(token) == 1 and token in _CN_DIGITS:
        return _CN_DIGITS[token]
    return None


def parse_year(token: str) -> int | None:
    """A four-digit year in Arabic or Chinese numerals (二〇二三)."""
    if token.isdigit():
        return int(token)
    digits = [_CN_DIGITS.get(c) for c in token]
    if len(digits) != 4 or any(d is None for d in digits):
        return None
    return int("".join(str(d) for d in digits))


def plausible_date(when: date | None) -> date | None:
    """The date if a page could have been published on it, else None.

    Government pages date from after 1949; a later year than 2100 is a typo or a placeholder
    (9999-12-31). Chinese-numeral years reach 2999 (二九九九年) without this check.
    """
    if when is None or not FIRST_YEAR <= when.year <= LAST_YEAR:
        return None
    return when


def _to_date(match: re.Match[str]) -> date | None:
    year = parse_year(match["y"])
    month = _small_number(match["m1"] or match["m2"] or "")
    day = _small_number(match["d1"] or match["d2"] or "")
    if year is None or month is None or day is None or not FIRST_YEAR <= year <= LAST_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def first_date(text: str) -> date | None:
    """The first valid date written in `text`, in any of the portal notations."""
    for match in _DATE_RE.finditer(fold(text)):
        found = _to_date(match)
        if found is not None:
            return found
    return None


def whole_line_date(line: str) -> date | None:
    """The date a line consists of (a signature date), or None if the line says more."""
    match = _DATE_RE.search(fold(line))
    if match is None or fold(line)[match.end() :].strip(" 。."):
        return None
    prefix = fold(line)[: match.start()].strip()
    # A date may share the line with the signing agency, never with a sentence.
    if prefix and (len(prefix) > 30 or re.search(r"[，,。;；:：]", prefix)):
        return None
    return _to_date(match)


def info_fields(lines: Sequence[str]) -> dict[str, str]:
    """The header-table fields found in the lines, by key (index_number, publisher, ...).

    A label and its value may share a line (`索引号：xxx 发布机构：yyy`) or sit on consecutive
    lines (table cells, list items); a label followed directly by another label has no value.
    The first occurrence of a key wins: the header comes before the body.
    """
    fields: dict[str, str] = {}
    lines = _table_cells(lines)
    for i, line in enumerate(lines):
        only = _LABEL_ONLY.match(line)
        if only:
            key = label_key(only.group(1))
            following = lines[i + 1].strip() if i + 1 < len(lines) else ""
            if following and not _LABEL_ONLY.match(following) and len(following) <= 80:
                value = _LABEL_INLINE.split(following)[0].strip()
                fields.setdefault(key, value)
            continue
        matches = list(_LABEL_INLINE.finditer(line))
        if not matches or len(line) > 200:
            continue
        for n, match in enumerate(matches):
            end = matches[n + 1].start() if n + 1 < len(matches) else len(line)
            value = line[match.end() : end].strip(" |｜:：")
            if value:
                fields.setdefault(label_key(match.group(1)), value)
    return fields


def _table_cells(lines: Sequence[str]) -> list[str]:
    """Lines with a text table's rows (`| 发布机构 | | 发布日期 | 2024-02-21 |`) as one line per
    cell, so a label and its value are consecutive lines like those of an HTML table."""
    out: list[str] = []
    for line in lines:
        if line.count("|") >= 3 or line.count("｜") >= 3:
            out.extend(cell.strip() for cell in re.split(r"[|｜]", line) if cell.strip())
        else:
            out.append(line)
    return out


def is_info_label(line: str) -> bool:
    """Whether the line is a header-table label alone (its value is on the next line)."""
    return _LABEL_ONLY.match(line) is not None


def clean_index_number(value: str | None) -> str | None:
    """The 索引号 itself, without trailing words; None if the value does not look like one."""
    if not value:
        return None
    token = fold(value).split()[0]
    return token if _INDEX_NUMBER.match(token) else None


def clean_doc_number(value: str | None) -> str | None:
    """The 文号, or None for the empty cells and dashes portals print when there is none."""
    if not value:
        return None
    token = value.strip()
    return token if re.search(r"\d", token) and "号" in token else None


def source_line_date(lines: Sequence[str]) -> date | None:
    """The date on a 来源 / 发布时间 / 发布日期 / 时间 line near the top of the page."""
    for line in lines:
        labelled = re.search(r"(?:发[布表](?:时间|日期)|更新时间|时间)\s*[:：]\s*(.*)", line)
        if _SOURCE_LINE.match(line) or labelled:
            found = first_date(labelled.group(1) if labelled else line)
            if found is not None:
                return found
    return None


def bare_date_line(lines: Sequence[str]) -> date | None:
    """A line that is nothing but a numeric date (an unlabelled header cell), if any."""
    for line in lines:
        if _WHOLE_DATE.fullmatch(line):
            return first_date(line)
    return None


_DATELINE = re.compile(
    r"\s*((?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
    r"(?:\s+[^。，,；;]{1,40})?\s*"
)


# 2024年02月26日 来源: 市司法局 作者:: a written date is a byline's only with the byline's labels
# after it (alone under a title it may be the report's own date).
_WORDED_DATELINE = re.compile(
    r"\s*((?:19|20)\d{2}年\d{1,2}月\d{1,2}日)(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
    r"(?:\s+[(（]?(?:来源|作者|发布|浏览|点击|字号|字体)"  # 2024年01月25日 (点击: )
    r"|\s*(?:来源|作者|浏览|点击)\s*[:：])[^。，,；;]{0,40}"  # 2022年01月18日来源:…, run together
)


# 2021年12月22日 04时21分: a time of day says a page's date, not the document's.
_TIMED_DATELINE = re.compile(
    r"\s*((?:19|20)\d{2}年\d{1,2}月\d{1,2}日)\s*\d{1,2}(?::\d{2}(?::\d{2})?|时\d{1,2}分(?:\d{1,2}秒)?)\s*"
)


# (2021年1月19日) under a title, or opening an untitled page: the document's own date.
# (2021年1 月21 日): a word processor's spaces inside the date too.
_BRACKETED_DATE = re.compile(
    r"\s*[（(]\s*((?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*[）)]\s*"
)


def dateline(lines: Sequence[str]) -> date | None:
    """A date line under a title: the date (and time), then at most the source's name
    (`2025-04-27 10:14 黑龙江省人民政府网`, `2023-03-27 17:05 来源: 海南省人民政府网`), or the
    document's date in brackets (`（2021年1月19日）`)."""
    for line in lines:
        line = line.rstrip(" |｜")  # a flattened layout table's empty cells after it
        match = (
            _DATELINE.fullmatch(line)
            or _WORDED_DATELINE.fullmatch(line)
            or _TIMED_DATELINE.fullmatch(line)
            or _BRACKETED_DATE.fullmatch(line)
        )
        if match:
            return first_date(match.group(1))
    return None


def signature_date(lines: Sequence[str]) -> date | None:
    """The date under the signature: a line that is only a date, among the last lines."""
    for line in reversed(lines[-8:]):
        found = whole_line_date(line)
        if found is not None:
            return found
    return None


# The dates content systems write into article URLs: TRS (…/202403/t20240327_13086081.html),
# Hanweb (/art/2024/3/27/art_…), and date folders (/2024-03/27/, /20240327/).
_URL_DATES = (
    re.compile(r"/t(?P<y>20\d{2})(?P<m>\d{2})(?P<d>\d{2})_\d+"),
    re.compile(r"/art/(?P<y>20\d{2})/(?P<m>\d{1,2})/(?P<d>\d{1,2})/"),
    re.compile(r"/(?P<y>20\d{2})-(?P<m>\d{2})/(?P<d>\d{2})/"),
    re.compile(r"/(?P<y>20\d{2})(?P<m>\d{2})(?P<d>\d{2})/"),
)


def url_date(url: str | None) -> date | None:
    """The date an article's URL was made on by its content system, if it spells one.

    It is when the page was created, near its publication but not stated by it: good enough to
    say which year a report published then covers, not to be its publication date."""
    if not url:
        return None
    for pattern in _URL_DATES:
        match = pattern.search(url)
        if match is None:
            continue
        try:
            return plausible_date(date(int(match["y"]), int(match["m"]), int(match["d"])))
        except ValueError:
            continue
    return None
