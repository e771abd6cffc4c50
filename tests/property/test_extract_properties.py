"""Properties of the extraction core, checked by hypothesis over generated input.

- any bytes, with any hints, give an Extraction and never an exception;
- a report title planted in noise is found: its kind and its year.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.extract.core import Document, extract_document
from shared.decoding import decode_bytes
from shared.events import REPORT_KINDS, Extraction

pytestmark = pytest.mark.unit

BOUNDED = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,  # the same examples on every run: a CI failure reproduces locally
)
PLACES = (
    "昆明市科学技术局", "云南省人民政府", "五华区司法局", "广州市越秀区人民政府", "杭州市市场监督管理局",
    "北京市海淀区教育委员会", "成都市人民政府办公厅", "深圳市南山区人民政府", "上海市浦东新区司法局",
    "哈尔滨市道里区人民政府", "",
)  # fmt: skip
CHARSETS = st.sampled_from([None, "utf-8", "gbk", "gb2312", "big5", "latin-1", "x-bogus", ""])
MARKUP = st.sampled_from(["<p>", "</p>", "<div>", "</div>", "<br>", "<table><tr><td>", "<h2>",
                          "&nbsp;", "<!--", "-->", "<script>", "</script>", "\n", "一、", "（一）"])  # fmt: skip
NOISE = st.lists(
    st.one_of(st.text(max_size=40), MARKUP, st.sampled_from(["开展学法12次。", "2023年3月1日"])),
    max_size=40,
).map("".join)


def soundness(result: Extraction) -> None:
    assert isinstance(result, Extraction)
    if result.is_annual_report:
        assert result.kind in REPORT_KINDS
    else:
        assert result.kind == "other"
        assert result.reasons
    Extraction.model_validate_json(result.model_dump_json())


@BOUNDED
@given(
    content=st.binary(max_size=4096),
    content_type=st.one_of(
        st.none(), st.sampled_from(["text/html", "text/plain", "application/pdf"])
    ),
    declared=CHARSETS,
    title_hint=st.one_of(st.none(), st.text(max_size=80)),
    date_hint=st.one_of(
        st.none(), st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1))
    ),
)
def test_any_bytes_give_an_extraction_never_an_exception(
    content: bytes,
    content_type: str | None,
    declared: str | None,
    title_hint: str | None,
    date_hint: date | None,
) -> None:
    text, encoding = decode_bytes(content, declared)
    assert isinstance(text, str)
    assert encoding
    result = extract_document(
        Document(
            content=content,
            content_type=content_type,
            declared_charset=declared,
            title_hint=title_hint.encode("utf-8", "replace").decode() if title_hint else None,
            date_hint=date_hint,
        )
    )
    soundness(result)


@BOUNDED
@given(
    place=st.sampled_from(PLACES),
    year=st.integers(min_value=2008, max_value=2030),
    kind=st.sampled_from(REPORT_KINDS),
    before=NOISE,
    after=NOISE,
    charset=st.sampled_from(["utf-8", "gb18030"]),
    as_heading=st.booleans(),
)
def test_a_planted_report_title_is_found_with_its_kind_and_year(
    place: str, year: int, kind: str, before: str, after: str, charset: str, as_heading: bool
) -> None:
    title = f"{place}{year}年{'度' if kind == '履职报告' else ''}{kind}"
    heading = f"<h1>{title}</h1>" if as_heading else f"<title>{title}</title>"
    # The noise comes after the title and one real sentence: unclosed comments or scripts in it
    # may swallow what follows, never what came before.
    page = (
        f"<html><head><meta charset='{charset}'></head><body>{heading}"
        f"<p>{year}年，我局深入学习贯彻习近平法治思想，现将有关情况报告如下。</p>"
        f"<div>{before}</div><p>{after}</p></body></html>"
    )
    result = extract_document(
        Document(content=page.encode(charset, "replace"), content_type="text/html")
    )
    soundness(result)
    assert result.is_annual_report, result.reasons
    assert result.kind == kind
    assert result.report_year == year
