"""Reports as PDF and DOCX attachments, and formats we do not read (DOC, WPS, OFD)."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

import pytest

from services.extract.core import Document, extract_document
from services.extract.formats import UndecodableDocument, UnsupportedFormat, sniff
from shared.errors import PermanentError

pytestmark = pytest.mark.unit

TITLE = "昆明市科学技术局2023年法治政府建设年度报告"
LINES = [
    TITLE,
    "2023年，市科技局坚持以习近平法治思想为指导，全面推进依法行政，现将有关情况报告如下：",
    "一、主要举措和成效",
    "（一）加强组织领导。召开专题会议6次，开展学法12次，办理行政许可事项135件。",
    "二、存在的不足和原因",
    "法治宣传方式单一，执法人员专业素质有待提高。",
    "三、党政主要负责人履行推进法治建设第一责任人职责情况",
    "四、2024年主要安排",
    "昆明市科学技术局",
    "2024年3月28日",
]


def make_pdf(lines: list[str]) -> bytes:
    """A PDF with a Chinese text layer (reportlab's built-in STSong CID font, not embedded)."""
    from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]
    from reportlab.pdfgen import canvas  # type: ignore[import-untyped]

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.setFont("STSong-Light", 10)
    for n, line in enumerate(lines):
        pdf.drawString(40, 800 - 18 * n, line)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def make_docx(lines: list[str], table: list[list[str]] | None = None) -> bytes:
    """A minimal DOCX (the parts Word needs) with one paragraph per line and an optional table."""
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    paragraphs = "".join(f"<w:p><w:r><w:t>{escape(line)}</w:t></w:r></w:p>" for line in lines)
    rows = "".join(
        "<w:tr>"
        + "".join(f"<w:tc><w:p><w:r><w:t>{escape(c)}</w:t></w:r></w:p></w:tc>" for c in row)
        + "</w:tr>"
        for row in table or []
    )
    body = paragraphs + (f"<w:tbl>{rows}</w:tbl>" if rows else "")
    document = f'<?xml version="1.0" encoding="UTF-8"?><w:document {w}><w:body>{body}</w:body></w:document>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.mark.parametrize("content_type", ["application/pdf", None, "application/octet-stream"])
def test_report_as_pdf(content_type: str | None) -> None:
    result = extract_document(Document(content=make_pdf(LINES), content_type=content_type))
    assert (result.is_annual_report, result.kind, result.title) == (
        True,
        "法治政府建设年度报告",
        TITLE,
    )
    assert (result.agency, result.region.code, result.report_year) == (
        "昆明市科学技术局",
        "530100",
        2023,
    )
    assert str(result.signed) == "2024-03-28"
    assert [s.title for s in result.sections if s.level == 1][:2] == [
        "主要举措和成效",
        "存在的不足和原因",
    ]
    assert any(f.text == "开展学法12次" for f in result.figures)


@pytest.mark.parametrize("content_type", [DOCX_TYPE, None])
def test_report_as_docx_with_a_table(content_type: str | None) -> None:
    content = make_docx(LINES, table=[["指标", "数量"], ["行政许可", "135"]])
    result = extract_document(Document(content=content, content_type=content_type))
    assert (result.is_annual_report, result.title, result.report_year) == (True, TITLE, 2023)
    assert result.agency == "昆明市科学技术局"
    assert "行政许可\n135" in result.text


OFD = io.BytesIO()
with zipfile.ZipFile(OFD, "w") as _archive:
    _archive.writestr("OFD.xml", "<ofd:OFD/>")

UNSUPPORTED = {
    "doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "application/msword", "DOC"),
    "wps by magic": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, None, "WPS"),
    "wps by type": (b"\x00\x01binary", "application/kswps", "WPS"),
    "ofd": (OFD.getvalue(), "application/ofd", "OFD"),
    "rtf": (b"{\\rtf1\\ansi hello}", "application/rtf", "RTF"),
    "other zip": (
        make_docx(["x"]).replace(b"word/document.xml", b"word/other_xx.xml"),
        None,
        "zip",
    ),
}


@pytest.mark.parametrize(
    ("content", "content_type", "named"), UNSUPPORTED.values(), ids=UNSUPPORTED.keys()
)
def test_unsupported_formats_say_so(content: bytes, content_type: str | None, named: str) -> None:
    result = extract_document(Document(content=content, content_type=content_type))
    assert (result.is_annual_report, result.kind) == (False, "other")
    assert result.reasons[0].startswith("unsupported format")
    assert named in result.reasons[0]
    with pytest.raises(UnsupportedFormat) as caught:
        extract_document(Document(content=content, content_type=content_type), strict=True)
    assert isinstance(caught.value, PermanentError)
    assert str(caught.value) == result.reasons[0]


UNDECODABLE = {
    "truncated pdf": (make_pdf(LINES)[:300], "application/pdf", "broken PDF"),
    "pdf without text": (make_pdf([]), "application/pdf", "PDF without a text layer"),
    "not a pdf": (b"<html>oops</html>", "application/pdf", "not a PDF"),
    "broken docx": (make_docx(LINES)[:200], DOCX_TYPE, "broken"),
    "empty docx": (make_docx([]), DOCX_TYPE, "DOCX without text"),
    "image as html": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "text/html", "do not decode"),
}


@pytest.mark.parametrize(
    ("content", "content_type", "why"), UNDECODABLE.values(), ids=UNDECODABLE.keys()
)
def test_undecodable_documents_are_permanent_errors(
    content: bytes, content_type: str, why: str
) -> None:
    with pytest.raises(UndecodableDocument, match=why):
        extract_document(Document(content=content, content_type=content_type), strict=True)
    result = extract_document(Document(content=content, content_type=content_type))
    assert result.is_annual_report is False
    assert why in result.reasons[0]


def test_sniffing_trusts_bytes_over_the_declared_type() -> None:
    assert sniff(make_pdf(["x"]), "text/html") == "pdf"
    assert sniff(make_docx(["x"]), "application/octet-stream") == "docx"
    assert sniff(b"<html><body>x</body></html>", "text/html; charset=gbk") == "html"
    assert sniff(b"plain words", None) == "text"
