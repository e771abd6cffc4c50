"""What a report says: its heading tree, the required elements it lacks, figures, laws, keywords.

These are hints for readers and completeness checks, so they are lenient: a missing element is
one that no heading or sentence names in any of the usual wordings.
"""

from __future__ import annotations

import heapq
import importlib.util
import logging
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Any

from shared.events import Figure, ReportKind, Section

_LEVEL1 = re.compile(r"^([一二三四五六七八九十]{1,3})\s*[、.．]\s*(.+)$")
_LEVEL2 = re.compile(r"^[（(]\s*([一二三四五六七八九十]{1,3})\s*[）)]\s*(.+)$")
_LEVEL3 = re.compile(r"^(\d{1,2})\s*[.、．](?!\d)\s*(.+)$")
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")
_MAX_TITLE = 40

# Required elements (domain.md) and the wordings that count as naming them.
REQUIRED: Mapping[str, tuple[tuple[str, str], ...]] = {
    "法治政府建设年度报告": (
        (
            "主要举措和成效",
            r"举措|成效|完成情况|落实情况|主要做法|工作情况|开展情况|主要工作|推进情况|进展",
        ),
        ("存在的不足和原因", r"不足|存在的?问题|短板|差距|薄弱"),
        ("党政主要负责人履行推进法治建设第一责任人职责情况", r"第一责任人"),
        (
            "下一年度主要安排",
            r"下一步|下一年|工作打算|工作计划|主要安排|工作安排|工作思路|努力方向|\d{4}年(?:工作|主要)",
        ),
        ("其他需要报告的情况", r"其他需要报告|其他有关情况|其他事项"),
    ),
    "政府信息公开工作年度报告": (
        ("总体情况", r"总体情况"),
        ("主动公开政府信息情况", r"主动公开"),
        ("收到和处理政府信息公开申请情况", r"收到和处理|依申请"),
        ("政府信息公开行政复议、行政诉讼情况", r"行政复议|行政诉讼"),
        ("存在的主要问题及改进情况", r"存在的主要问题|改进情况|存在的问题"),
        ("其他需要报告的事项", r"其他需要报告"),
    ),
}

_UNITS = (
    "亿元|万元|元|万亩|亩|万人次|人次|家次|场次|万人|人|项|次|家|个|件|户|篇|期|名|份|条|场|所|"
    "批|块|幅|册|学时|小时|天|%"
)
# A figure is a count or an amount: 15 digits at most (a longer number is an id, and would
# overflow to an infinite float).
_FIGURE = re.compile(rf"(\d{{1,15}}(?:\.\d{{1,6}})?)\s*(?:余|多)?\s*({_UNITS})")
_TITLE_REACH = 100  # a cited title (《…》) is at most 60 characters: look back this far for it
_SUBJECT_TRIM_START = re.compile(
    r"^(?:\d+年度?|\d{1,2}月(?:\d{1,2}日)?|全年|今年|去年|其中|共|累计|已|目前|截至目前)+"
)
_SUBJECT_TRIM_END = re.compile(r"(?:达到|达|为|共计|共|约|超过|近|累计|合计)+$")
_LAW = re.compile(r"《([^《》]{2,60})》")
_LAW_END = re.compile(
    r"(?:法|条例|规定|办法|纲要|意见|通知|规则|细则|决定|清单|准则|制度|规程|规范|措施|方案|规划|指引|指南)$"
)
_TRAILING_NOTE = re.compile(r"[（(][^（）()]*[）)]$")
_NUMBER_TOKEN = re.compile(r"[\d.%]+")
_MAX_KEYWORD = 30  # jieba keeps a run of Latin letters whole: a 100-KB "word" is no keyword


def _heading_title(text: str) -> str:
    head = re.split(r"[。；;]", text, maxsplit=1)[0]
    head = _CJK_GAP.sub("", head).strip(" :：")
    return head[:_MAX_TITLE]


def headings(lines: Sequence[str]) -> tuple[Section, ...]:
    """The heading tree: 一、 level 1, （一） level 2, 1. / 1、 level 3, each up to its first 。."""
    out: list[Section] = []
    for line in lines:
        for level, pattern in ((1, _LEVEL1), (2, _LEVEL2), (3, _LEVEL3)):
            match = pattern.match(line)
            if match:
                title = _heading_title(match.group(2))
                if title:
                    out.append(Section(level=level, number=match.group(1), title=title))
                break
    return tuple(out)


def missing_elements(kind: ReportKind, sections: Sequence[Section], text: str) -> tuple[str, ...]:
    """The required elements of the kind that neither a heading nor the text names."""
    heading_text = "\n".join(s.title for s in sections)
    missing: list[str] = []
    for element, wording in REQUIRED.get(kind, ()):
        pattern = re.compile(wording)
        if pattern.search(heading_text):
            continue
        # Elements other than the main one are often written as a sentence, not a heading.
        if element != "主要举措和成效" and pattern.search(text):
            continue
        if element == "主要举措和成效" and sum(1 for s in sections if s.level == 1) >= 2:
            continue  # the work itself is laid out under its own headings
        missing.append(element)
    return tuple(missing)


def _word_starts(tokens: Sequence[str]) -> set[int]:
    return set(accumulate(map(len, tokens), initial=0))


_CLAUSE_BREAK = re.compile(r"[，,。；;：:、（）()“”《》\"\s]")


def figures(text: str, limit: int = 200, tokens: Sequence[str] | None = None) -> tuple[Figure, ...]:
    """Numbers with units and what they count: 开展学法12次 -> (12, 次, 开展学法).

    With the text's tokens, a subject starts at a word boundary (no 展学法 for 开展学法).
    """
    starts = _word_starts(tokens) if tokens is not None else None
    out: list[Figure] = []
    for match in _FIGURE.finditer(text):
        start = match.start()
        if start and (text[start - 1].isdigit() or text[start - 1] in ".-/"):
            continue
        reach = max(0, start - _TITLE_REACH)  # bounded: a search to the start is quadratic
        if text.rfind("《", reach, start) > text.rfind("》", reach, start):
            continue  # a number inside a cited title (《…29条措施》) is not a figure
        window_start = max(0, start - 14)
        if starts is not None:
            while window_start < start and window_start not in starts:
                window_start += 1
        window = text[window_start:start]
        clause = _CLAUSE_BREAK.split(window)[-1]
        subject = _SUBJECT_TRIM_END.sub("", _SUBJECT_TRIM_START.sub("", clause))
        if not subject or re.search(r"\d", subject[-1:]):
            continue
        out.append(
            Figure(
                value=float(match.group(1)),
                unit=match.group(2),
                subject=subject,
                text=clause + text[start : match.end()],
            )
        )
        if len(out) >= limit:
            break
    return tuple(out)


def laws(text: str) -> tuple[str, ...]:
    """Laws and rules cited in 《》, deduplicated in order; newspapers and books are left out."""
    seen: dict[str, None] = {}
    for match in _LAW.finditer(text):
        name = match.group(1).strip()
        core = _TRAILING_NOTE.sub("", name).strip()
        if _LAW_END.search(core):
            seen.setdefault(name, None)
    return tuple(seen)


# jieba.analyse's stop words (English function words); Chinese ones carry a low IDF instead.
_STOP_WORDS = frozenset(
    [
        "the",
        "of",
        "is",
        "and",
        "to",
        "in",
        "that",
        "we",
        "for",
        "an",
        "are",
        "by",
        "be",
        "as",
        "on",
        "with",
        "can",
        "if",
        "from",
        "which",
        "you",
        "it",
        "this",
        "then",
        "at",
        "have",
        "all",
        "not",
        "one",
        "has",
        "or",
    ]
)


@lru_cache(maxsize=1)
def _jieba() -> Any:
    """jieba, its dictionary loaded once per process into its default tokenizer."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


@lru_cache(maxsize=1)
def _idf() -> tuple[dict[str, float], float]:
    """jieba's IDF table and its median, read once from the file jieba ships.

    Read directly instead of through `jieba.analyse`: importing that package builds a TF-IDF
    extractor at import time, and a second one would hold a second copy of the table (about
    150 MB between them); we need one table, not two.
    """
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise RuntimeError("jieba is not installed")
    path = Path(spec.origin).parent / "analyse" / "idf.txt"
    parts = path.read_text("utf-8").split()  # "word idf" lines; no word holds a space
    # 270,000 words share about 3,000 distinct values: each is parsed once.
    values_of = {text: float(text) for text in set(parts[1::2])}
    idf = dict(zip(parts[::2], map(values_of.__getitem__, parts[1::2]), strict=True))
    values = sorted(idf.values())
    return idf, values[len(values) // 2]


def segment(text: str) -> tuple[str, ...]:
    """The text's words: the one jieba pass of an extraction (keywords and figures use it)."""
    return tuple(_jieba().lcut(text))


# Reports share most of their vocabulary: each word is checked once, not once per page.
@lru_cache(maxsize=200_000)
def _keyword_form(token: str) -> str | None:
    """The word a token counts as for keywords, or None if it is no keyword (too short or
    long, a stop word, a number)."""
    word = token.strip()
    if not 2 <= len(word) <= _MAX_KEYWORD or word.lower() in _STOP_WORDS:
        return None
    return None if _NUMBER_TOKEN.fullmatch(word) else word


def keywords(tokens: Sequence[str], top: int = 10) -> tuple[str, ...]:
    """The top TF-IDF words of a segmented text (jieba's IDF table), numbers left out.

    The same ranking as `jieba.analyse.extract_tags`, computed from tokens we already have
    instead of segmenting the text a second time.
    """
    idf, median = _idf()
    counts: dict[str, float] = {}
    for token, count in Counter(tokens).items():  # count first: ~5x fewer words than tokens
        word = _keyword_form(token)
        if word is not None:
            counts[word] = counts.get(word, 0.0) + count
    total = sum(counts.values())
    if not total:
        return ()
    weights = {word: n * idf.get(word, median) / total for word, n in counts.items()}
    return tuple(heapq.nlargest(top, weights, key=weights.__getitem__))
