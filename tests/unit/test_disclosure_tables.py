"""The statutory tables of 信息公开 reports: read in every layout, never invented, checked."""

from __future__ import annotations

import re

import pytest

from services.extract.core import Document, extract_document
from services.extract.disclosure_layout import text_runs
from services.extract.disclosure_tables import _headings, read_tables
from shared.events import DisclosureTables, Extraction
from tests.disclosure_pages import Layout, render, sample_cells, table_rows
from tests.unit.test_extract_formats import DOCX_TYPE, make_docx

pytestmark = pytest.mark.unit

LAYOUTS: tuple[Layout, ...] = ("html", "cells", "rows", "pipes")


def _extract(page: str, layout: Layout) -> Extraction:
    kind = "text/html; charset=utf-8" if layout == "html" else "text/plain; charset=utf-8"
    return extract_document(Document(content=page.encode("utf-8"), content_type=kind))


def _tables(page: str, layout: Layout) -> DisclosureTables:
    result = _extract(page, layout)
    assert result.kind == "政府信息公开工作年度报告"
    assert result.disclosure is not None
    return result.disclosure


def _values(tables: DisclosureTables) -> dict[str, int | float | None]:
    return {cell.key: cell.value for cell in tables.cells}


@pytest.mark.parametrize("fmt", ["2021", "2019"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_cell_is_read_in_every_layout_and_format(fmt: str, layout: Layout) -> None:
    cells = sample_cells(fmt)  # type: ignore[arg-type]
    tables = _tables(render(cells, fmt, layout), layout)  # type: ignore[arg-type]
    assert tables.format == fmt
    assert tables.report_year == 2023
    assert tables.tables == ("二", "三", "四")
    assert _values(tables) == cells
    assert tables.findings == ()


def test_units_and_types() -> None:
    tables = _tables(render(sample_cells("2021"), "2021", "rows"), "rows")
    units = {cell.key: cell.unit for cell in tables.cells}
    assert units["t2.fee.amount"] == "万元"
    assert units["t3.new.total"] == "件"
    assert isinstance(_values(tables)["t3.new.total"], int)
    assert _values(tables)["t2.fee.amount"] == 1.5


def test_a_blank_html_cell_is_null_in_its_place_and_skips_only_its_checks() -> None:
    cells = sample_cells("2021")
    cells["t3.open.research"] = None
    tables = _tables(render(cells, "2021", "html"), "html")
    got = _values(tables)
    assert got["t3.open.research"] is None
    assert got["t3.open.total"] == cells["t3.open.total"]
    assert not any("row 予以公开" in finding for finding in tables.findings)


@pytest.mark.parametrize("layout", ["cells", "rows"])
def test_a_vanished_text_cell_leaves_its_row_unread_never_shifted(layout: Layout) -> None:
    cells = sample_cells("2021")
    cells["t3.partial.business"] = None
    tables = _tables(render(cells, "2021", layout), layout)
    got = _values(tables)
    assert all(got[f"t3.partial.{c}"] is None for c in ("natural", "business", "total"))
    assert got["t3.deny.secret.natural"] == cells["t3.deny.secret.natural"]
    assert "table 三 row 部分公开: 6 values for 7 cells, left unread" in tables.findings


@pytest.mark.parametrize("mark", ["—", "/", "无", "-"])
def test_a_dash_is_null_not_zero(mark: str) -> None:
    page = re.sub(
        r"\| 行政许可 \| \d+ \|",
        f"| 行政许可 | {mark} |",
        render(sample_cells("2021"), "2021", "pipes"),
    )
    assert f"| 行政许可 | {mark} |" in page
    assert _values(_tables(page, "pipes"))["t2.license.decisions"] is None


def test_a_table_that_does_not_balance_is_a_named_finding() -> None:
    cells = sample_cells("2021")
    cells["t3.carried_out.natural"] = 5  # the row sum breaks too
    tables = _tables(render(cells, "2021", "cells"), "cells")
    assert any(
        f.startswith("table 三 does not balance (自然人): 本年新收") for f in tables.findings
    )
    assert any(
        f.startswith("table 三 row 结转下年度继续办理 does not add up") for f in tables.findings
    )


def test_result_rows_that_miss_their_total_are_a_finding() -> None:
    cells = sample_cells("2021")
    cells["t3.reject.repeat.natural"] = int(cells["t3.reject.repeat.natural"] or 0) + 1
    cells["t3.reject.repeat.total"] = int(cells["t3.reject.repeat.total"] or 0) + 1
    tables = _tables(render(cells, "2021", "rows"), "rows")
    assert any(
        f.startswith("table 三 column 自然人: the results add up to") for f in tables.findings
    )
    assert any(f.startswith("table 三 column 总计: the results add up to") for f in tables.findings)


def test_table_four_sums_are_checked() -> None:
    cells = sample_cells("2021")
    cells["t4.review.total"] = 9
    tables = _tables(render(cells, "2021", "html"), "html")
    assert any(f.startswith("table 四 行政复议 does not add up") for f in tables.findings)


def test_missing_sections_and_tables_are_findings() -> None:
    page = render(sample_cells("2021"), "2021", "rows")
    page = page.replace("五、存在的主要问题及改进情况", "五、下一步打算")
    start, end = page.index("四、政府信息公开行政复议"), page.index("五、下一步打算")
    page = page[:start] + page[end:]
    tables = _tables(page, "rows")
    assert tables.tables == ("二", "三")
    assert "section 五 存在的主要问题及改进情况 not found" in tables.findings
    assert "table 四 (政府信息公开行政复议、行政诉讼情况) not found" in tables.findings
    assert not any(key.startswith("t4.") for key in _values(tables))


def test_a_report_without_tables_carries_none_and_other_kinds_carry_none() -> None:
    plain = (
        "杭州市富阳区财政局2023年政府信息公开工作年度报告\n一、总体情况\n"
        + "我局认真落实条例。" * 30
    )
    assert _extract(plain, "rows").disclosure is None
    fzzf = "杭州市富阳区财政局2023年法治政府建设年度报告\n" + "我局全面推进依法行政。" * 30
    assert _extract(fzzf, "rows").disclosure is None


def test_format_follows_the_headers_then_the_year() -> None:
    rows = table_rows(sample_cells("2019"), "2019")["三"]
    lines = ["三、收到和处理政府信息公开申请情况", *(" ".join(r) for r in rows)]
    assert read_tables(lines, (), 2020) is not None
    assert read_tables(lines, (), 2020).format == "2019"  # type: ignore[union-attr]
    assert read_tables(lines, (), 2022).format == "2021"  # type: ignore[union-attr]


def test_page_numbers_between_rows_are_not_cells() -> None:
    runs = text_runs(["1.属于国家秘密", "0", "- 3 -", "0 0 0 0 0 0", "第 4 页 共 9 页"])
    assert [run.values for run in runs] == [(0, 0, 0, 0, 0, 0, 0)]


def test_docx_attachment_tables_are_read() -> None:
    cells = sample_cells("2021")
    lines = render(cells, "2021", "cells").splitlines()
    result = extract_document(Document(content=make_docx(lines), content_type=DOCX_TYPE))
    assert result.disclosure is not None
    assert _values(result.disclosure) == cells


def _pdf(lines: list[str]) -> bytes:
    """A PDF of the lines over as many pages as they need, each page numbered at its foot."""
    import io

    from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]
    from reportlab.pdfgen import canvas  # type: ignore[import-untyped]

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for number, start in enumerate(range(0, len(lines), 40), 1):
        pdf.setFont("STSong-Light", 9)
        for n, line in enumerate(lines[start : start + 40]):
            pdf.drawString(30, 800 - 18 * n, line)
        pdf.drawString(280, 40, f"- {number} -")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def test_pdf_attachment_tables_are_read() -> None:
    cells = sample_cells("2021")
    content = _pdf(render(cells, "2021", "rows").splitlines())
    result = extract_document(Document(content=content, content_type="application/pdf"))
    assert result.disclosure is not None
    assert _values(result.disclosure) == cells


def test_the_event_stays_backward_compatible() -> None:
    tables = _tables(render(sample_cells("2021"), "2021", "rows"), "rows")
    with_tables = Extraction(
        extractor_version="5",
        is_annual_report=True,
        kind="政府信息公开工作年度报告",
        disclosure=tables,
    )
    again = Extraction.model_validate_json(with_tables.model_dump_json())
    assert again.disclosure == tables
    old = with_tables.model_dump(mode="json", exclude={"disclosure"})
    assert Extraction.model_validate(old).disclosure is None  # a v1 event from before


def test_a_blank_docx_table_cell_is_null_in_its_place() -> None:
    cells = sample_cells("2021")
    cells["t3.deny.law.legal"] = None
    tables = table_rows(cells, "2021")
    lines = render(cells, "2021", "rows").splitlines()
    body = lines[: lines.index("二、主动公开政府信息情况")]
    outro = lines[lines.index("五、存在的主要问题及改进情况") :]
    content = make_docx([*body, "三、收到和处理政府信息公开申请情况", *outro], tables["三"])
    result = extract_document(Document(content=content, content_type=DOCX_TYPE))
    assert result.disclosure is not None
    got = _values(result.disclosure)
    assert got["t3.deny.law.legal"] is None
    assert got["t3.deny.law.total"] == cells["t3.deny.law.total"]
    assert got["t3.carried_out.natural"] == cells["t3.carried_out.natural"]


def _t3_html(rows: list[str]) -> str:
    return "<table>" + "".join(rows) + "</table>"


def test_html_spans_and_a_table_split_at_a_page_break() -> None:
    zeros = "".join("<td>0</td>" for _ in range(7))
    head = [
        "<tr><td rowspan=3>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>"
        "<td colspan=7>申请人情况</td></tr>",
        "<tr><td rowspan=2>自然人</td><td colspan=5>法人或其他组织</td><td rowspan=2>总计</td></tr>",
        "<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>",
        "<tr><td colspan=2>一、本年新收政府信息公开申请数量</td>"
        + "".join(f"<td>{v}</td>" for v in (4, 1, 0, 0, 0, 0, 5))
        + "</tr>",
        f"<tr><td colspan=2>二、上年结转政府信息公开申请数量</td>{zeros}</tr>",
        "<tr><td rowspan=3>三、本年度办理结果</td><td>（一）予以公开</td>"
        + "".join(f"<td>{v}</td>" for v in (3, 1, 0, 0, 0, 0, 4))
        + "</tr>",
        f"<tr><td>（二）部分公开</td>{zeros}</tr>",
        f"<tr><td rowspan=8>（三）不予公开</td><td>1.属于国家秘密</td>{zeros}</tr>",
    ]
    tail = [
        f"<tr><td>2.其他法律行政法规禁止公开</td>{zeros}</tr>",
        "<tr><td>（七）总计</td>" + "".join(f"<td>{v}</td>" for v in (4, 1, 0, 0, 0, 0, 5)),
        f"<tr><td colspan=2>四、结转下年度继续办理</td>{zeros}</tr>",
    ]
    page = (
        "<html><body><div class='content'><h1>杭州市富阳区财政局2023年政府信息公开工作年度报告</h1>"
        "<p>一、总体情况</p><p>" + "我局认真落实条例。" * 20 + "</p>"
        "<p>三、收到和处理政府信息公开申请情况</p>"
        + _t3_html(head)
        + "<p>- 5 -</p>"
        + _t3_html(tail)
        + "<p>四、政府信息公开行政复议、行政诉讼情况</p><p>五、存在的主要问题及改进情况</p></div></body></html>"
    )
    got = _values(_tables(page, "html"))
    assert got["t3.new.natural"] == 4
    assert got["t3.new.total"] == 5
    assert got["t3.open.business"] == 1
    assert got["t3.deny.law.total"] == 0
    assert got["t3.result_total.total"] == 5
    assert got["t3.carried_out.total"] == 0
    assert got["t3.deny.safety.total"] is None  # a row the page does not print


def test_numbers_in_the_prose_above_a_table_are_not_its_cells() -> None:
    cells = sample_cells("2021")
    page = render(cells, "2021", "rows").replace(
        "一、总体情况\n",
        "一、总体情况\n（一）主动公开政府信息情况\n全年办理行政许可 35 件，行政处罚 2 件。\n",
    )
    page = page.replace(
        "三、收到和处理政府信息公开申请情况\n",
        "三、收到和处理政府信息公开申请情况\n本年新收申请 3 件，上年结转 2 件。\n",
    )
    tables = _tables(page, "rows")
    assert _values(tables) == cells
    assert tables.findings == ()


def test_section_headings_in_their_common_wordings() -> None:
    lines = [
        "一、总体情况",
        "（一）主动公开政府信息情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、因政府信息公开工作被申请行政复议和提起行政诉讼情况",
        "五、政府信息公开工作存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ]
    assert _headings(lines) == {"一": 0, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6}
    assert _headings(["主动公开政府信息情况"]) == {"二": 0}
