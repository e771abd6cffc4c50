"""What a fetched document is (HTML, text, PDF, DOCX, or something we cannot read) and its text.

Reports are often attachments: PDF (read with pypdf, pure Python) and DOCX (a zip of XML, read
with the standard library). Legacy Word (DOC), WPS and OFD files, and other archives, are named
in a clear "unsupported format" error instead of being read as garbage text.

    UnreadableDocument (PermanentError)   the service dead-letters it with this reason
    ├── UnsupportedFormat                 DOC, WPS, OFD, RTF, spreadsheets, other archives
    └── UndecodableDocument               a broken or encrypted PDF/DOCX, a scan without text,
                                          bytes that decode to no text at all
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from typing import Literal
from xml.etree import ElementTree

from shared.errors import PermanentError

Format = Literal["html", "text", "pdf", "docx"]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # DOC, WPS, XLS, PPT
_UNSUPPORTED_TYPES = (
    ("msword", "DOC"),
    ("wps", "WPS"),
    ("ofd", "OFD"),
    ("rtf", "RTF"),
    ("excel", "spreadsheet"),
    ("spreadsheet", "spreadsheet"),
    ("presentation", "presentation"),
    ("powerpoint", "presentation"),
    ("opendocument", "OpenDocument"),
    ("zip", "archive"),
    ("rar", "archive"),
)
_MAX_DOCX_XML = 64 * 1024 * 1024
_MAX_PDF_PAGES = 200  # a report is tens of pages; a 2,000-page scan is not worth the CPU


class UnreadableDocument(PermanentError):
    """The document's bytes cannot be turned into text: retrying cannot help."""


class UnsupportedFormat(UnreadableDocument):
    """A format nianbao does not read (DOC, WPS, OFD, …)."""


class UndecodableDocument(UnreadableDocument):
    """A format nianbao reads, but these bytes are broken, encrypted or hold no text."""


def sniff(content: bytes, content_type: str | None) -> Format:
    """The document's format, from its first bytes first and its declared type second.

    Raises UnsupportedFormat for formats we do not read, naming them.
    """
    head = content.lstrip()[:8]
    declared = (content_type or "").lower()
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(_OLE2):
        raise UnsupportedFormat("unsupported format: legacy Office file (DOC or WPS)")
    if head.startswith(b"{\\rtf"):
        raise UnsupportedFormat("unsupported format: RTF")
    if head.startswith(b"PK\x03\x04"):
        return _zip_format(content)
    if "pdf" in declared:
        raise UndecodableDocument("declared as PDF but the bytes are not a PDF")
    for marker, name in _UNSUPPORTED_TYPES:
        if marker in declared and "html" not in declared:
            raise UnsupportedFormat(f"unsupported format: {name} ({content_type})")
    if "officedocument.wordprocessing" in declared:
        raise UndecodableDocument("declared as DOCX but the bytes are not a zip archive")
    if "html" in declared or "xml" in declared:
        return "html"
    return "text"


def _zip_format(content: bytes) -> Format:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile as exc:
        raise UndecodableDocument(f"broken zip archive: {exc}") from exc
    if "word/document.xml" in names:
        return "docx"
    if "OFD.xml" in names:
        raise UnsupportedFormat("unsupported format: OFD")
    if any(name.startswith("xl/") for name in names):
        raise UnsupportedFormat("unsupported format: spreadsheet (XLSX)")
    raise UnsupportedFormat("unsupported format: zip archive")


def pdf_text(content: bytes) -> str:
    """The text of a PDF, page by page; raises UndecodableDocument when there is none."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # it warns about every odd object
    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UndecodableDocument("encrypted PDF")
        pages = [page.extract_text() or "" for page in reader.pages[:_MAX_PDF_PAGES]]
    except UndecodableDocument:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UndecodableDocument(f"broken PDF: {exc}") from exc
    text = "\n".join(pages)
    if not text.strip():
        raise UndecodableDocument("PDF without a text layer (a scan?)")
    # pypdf keeps each printed line: a paragraph wrapped over lines is glued back together.
    return _unwrap(text)


def _docx_body(content: bytes) -> ElementTree.Element:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if archive.getinfo("word/document.xml").file_size > _MAX_DOCX_XML:
                raise UndecodableDocument("DOCX body too large (a zip bomb?)")
            xml = archive.read("word/document.xml")
        # ElementTree never fetches external entities, and expat >= 2.4.1 (Python 3.11 bundles
        # 2.5+) refuses entity-expansion bombs: the defusedxml dependency buys nothing here.
        return ElementTree.fromstring(xml)  # noqa: S314
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as exc:
        raise UndecodableDocument(f"broken DOCX: {exc}") from exc


def _paragraph_text(paragraph: ElementTree.Element) -> str:
    parts = []
    for node in paragraph.iter():
        if node.tag == f"{_W}t" and node.text:
            parts.append(node.text)
        elif node.tag == f"{_W}tab":
            parts.append(" ")
    return "".join(parts)


def docx_text(content: bytes) -> str:
    """The text of a DOCX body: one line per paragraph, table cells on their own lines."""
    root = _docx_body(content)
    text = "\n".join(_paragraph_text(paragraph) for paragraph in root.iter(f"{_W}p"))
    if not text.strip():
        raise UndecodableDocument("DOCX without text")
    return text


def docx_tables(content: bytes) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """The innermost tables of a DOCX body as rows of cell texts (a blank cell stays "", where
    the text of `docx_text` loses it)."""
    tables = []
    for table in _docx_body(content).iter(f"{_W}tbl"):
        if any(inner is not table for inner in table.iter(f"{_W}tbl")):
            continue
        rows = tuple(
            tuple(
                "".join(_paragraph_text(p) for p in cell.iter(f"{_W}p")).strip()
                for cell in row.iter(f"{_W}tc")
            )
            for row in table.iter(f"{_W}tr")
        )
        if rows:
            tables.append(rows)
    return tuple(tables)


_LINE_END = re.compile(r"[。；;：:！!？?”」』）)]$|^\s*$")
# A table row printed as text (a label, then numbers apart: "重复申请 1 2 0 0 0 0 3") and a page
# number ("- 3 -") are lines of their own, not a sentence the page width cut.
_TABLE_ROW = re.compile(r"(?:^|\s)[\d.]+(?:\s+[\d.]+)+\s*$|^\s*[-—–]\s*\d+\s*[-—–]\s*$")


def _unwrap(text: str) -> str:
    """Join lines that continue a sentence: a PDF line ends where the page width did."""
    out: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if (
            out
            and out[-1]
            and line
            and not _LINE_END.search(out[-1])
            and len(out[-1]) >= 30
            and not _TABLE_ROW.search(out[-1])
            and not _TABLE_ROW.search(line)
        ):
            out[-1] += line
        else:
            out.append(line)
    return "\n".join(out)
