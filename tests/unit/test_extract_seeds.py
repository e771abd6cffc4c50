"""The five real seed pages, as plain text and wrapped in a realistic portal page, with and
without the source's hints: every labelled field must come out exactly."""

from __future__ import annotations

import html
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from services.extract.core import Document, extract_document
from shared.events import Extraction

pytestmark = pytest.mark.unit

SEEDS = Path(__file__).resolve().parents[2] / "services" / "demo_portal" / "seeds"
LABELS: dict[str, dict[str, Any]] = {
    name: label
    for name, label in json.loads((SEEDS / "labels.json").read_text("utf-8")).items()
    if not name.startswith("_")
}
FIELDS = ("is_annual_report", "kind", "title", "agency", "report_year", "published", "index_number")


def wrap_html(
    text: str, label: dict[str, Any], *, site_id_code: str | None, info_table: bool = True
) -> str:
    """A seed as a typical TRS-style government detail page: metas, header, nav, breadcrumb,
    the 信息公开 table, the body as one <p> per line, and the usual footer chrome."""
    title = label["title"]
    published = label.get("published")
    metas = [
        f'<meta name="ArticleTitle" content="{html.escape(title)}">',
        '<meta name="SiteName" content="人民政府门户网站">',
        '<meta name="ColumnName" content="法治政府建设年度报告">',
        f'<meta name="ContentSource" content="{html.escape(label["agency"])}">',
    ]
    if published:
        metas.append(f'<meta name="PubDate" content="{published} 10:00">')
    if site_id_code:
        metas.append(f'<meta name="SiteIDCode" content="{site_id_code}">')
    rows = ""
    if info_table:
        cells = [
            ("索引号", label.get("index_number") or ""),
            ("发布机构", label["agency"]),
            ("文号", ""),
            ("发布日期", published or ""),
            ("时效性", "有效"),
        ]
        rows = "".join(f"<tr><td>{k}</td><td>{html.escape(v)}</td></tr>" for k, v in cells)
        rows = f'<table class="xxgk">{rows}</table>'
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines())
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">{"".join(metas)}
<title>{html.escape(title)}_人民政府门户网站</title><script>var a = "2019年工作报告";</script>
</head><body>
<div class="top"><a href="/">登录</a> | <a href="/reg">注册</a></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/xxgk">信息公开</a></li>
<li><a href="/zwdt">政务动态</a></li><li><a href="/hdjl">互动交流</a></li></ul></div>
<div class="crumb">首页 &gt; 信息公开 &gt; 法治政府建设年度报告</div>
{rows}
<h1 class="title">{html.escape(title)}</h1>
<div class="info">字体【<a>大</a> <a>中</a> <a>小</a>】 <a>打印本页</a> <a>关闭窗口</a></div>
<div class="TRS_Editor">{paragraphs}</div>
<div class="share">分享到：<a>微信</a><a>微博</a></div>
<div class="footer"><p>网站标识码：{site_id_code or "bm00000001"}</p><p>主办单位：人民政府办公室</p>
<p>滇ICP备05001234号</p></div></body></html>"""


def _expected(label: dict[str, Any], field: str) -> Any:
    value = label.get(field)
    if field == "published" and value:
        return date.fromisoformat(value)
    return value


def _assert_matches(result: Extraction, label: dict[str, Any]) -> None:
    for field in FIELDS:
        got = getattr(result, field)
        assert got == _expected(label, field), field
    assert result.region.model_dump() == label["region"]
    if "signed" in label:
        signed = label["signed"]
        assert result.signed == (date.fromisoformat(signed) if signed else None)


def _hints(label: dict[str, Any], use: bool) -> dict[str, Any]:
    if not use:
        return {}
    return {"agency_name": label["agency"], "region_code": label["region"]["code"]}


@pytest.mark.parametrize("hints", [True, False], ids=["hints", "no-hints"])
@pytest.mark.parametrize("name", sorted(LABELS))
def test_seed_as_plain_text(name: str, hints: bool) -> None:
    label = LABELS[name]
    doc = Document(
        content=(SEEDS / name).read_bytes(), content_type="text/plain", **_hints(label, hints)
    )
    _assert_matches(extract_document(doc), label)


@pytest.mark.parametrize("hints", [True, False], ids=["hints", "no-hints"])
@pytest.mark.parametrize("name", sorted(LABELS))
def test_seed_wrapped_in_html(name: str, hints: bool) -> None:
    label = LABELS[name]
    page = wrap_html(
        (SEEDS / name).read_text("utf-8"), label, site_id_code=label["region"]["code"] + "0001"
    )
    doc = Document(
        content=page.encode("utf-8"),
        content_type="text/html; charset=utf-8",
        url="https://kjj.example.gov.cn/art/2024/3/30/art_1_1.html",
        **_hints(label, hints),
    )
    result = extract_document(doc)
    _assert_matches(result, label)
    for chrome in ("登录", "打印本页", "关闭窗口", "网站标识码", "分享到", "首页 >"):
        assert chrome not in result.text


@pytest.mark.parametrize("name", sorted(LABELS))
def test_seed_in_gbk_html_without_site_code_or_hints(name: str) -> None:
    """No SiteIDCode, no hints, GBK bytes declared only by the HTTP header: text alone decides."""
    label = LABELS[name]
    page = wrap_html((SEEDS / name).read_text("utf-8"), label, site_id_code=None)
    page = page.replace('<meta charset="utf-8">', "")
    doc = Document(content=page.encode("gb18030"), content_type="text/html", declared_charset="gbk")
    _assert_matches(extract_document(doc), label)


def test_001_dates_disagree() -> None:
    doc = Document(content=(SEEDS / "001_3b35ca370aa899d8.txt").read_bytes())
    result = extract_document(doc)
    assert (result.published, result.signed) == (date(2023, 12, 1), date(2024, 2, 19))
    assert result.dates_disagree is True
    assert any("2023-12-01" in w for w in result.warnings)


def test_000_agrees_and_reads_the_header_table() -> None:
    result = extract_document(Document(content=(SEEDS / "000_e2ea7a02f9202a4e.txt").read_bytes()))
    assert result.dates_disagree is False
    assert result.doc_number is None
    assert not result.text.startswith("登录")
    assert "000014348/2024-01025" not in result.text


def test_002_chrome_removed_and_title_from_attachment_line() -> None:
    result = extract_document(Document(content=(SEEDS / "002_acf107ec8495534f.txt").read_bytes()))
    assert result.title == "漯河市科学技术局2020年度法治政府建设工作报告"
    assert "下一篇" not in result.text
    assert "留言与评论" not in result.text


def test_004_redacted_performance_report_is_still_a_report() -> None:
    result = extract_document(Document(content=(SEEDS / "004_253d638350631034.txt").read_bytes()))
    assert (result.is_annual_report, result.kind) == (True, "履职报告")
    assert result.missing_elements == ()
