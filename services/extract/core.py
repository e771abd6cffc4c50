"""Pure extraction: from fetched bytes to an `Extraction` (is it an annual report, whose, when).

No I/O, clock or environment here, so every result can be replayed from the stored bytes; the
only state is data loaded once and cached (jionlp's 行政区划 table, jieba's dictionary). Bad input
never raises: it yields `is_annual_report=False` with the reason in `reasons`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from services.extract import classify, metadata, sections
from services.extract.agency import has_placeholder, resolve_agency, title_agency
from services.extract.html_text import Page, html_page, looks_like_html, text_page
from shared.decoding import decode_bytes
from shared.events import Extraction, ReportKind

EXTRACTOR_VERSION = "1"  # bump when results can change

_UNSUPPORTED_TYPES = re.compile(r"pdf|msword|officedocument|wps|opendocument|rtf|zip|excel", re.I)
_UNSUPPORTED_MAGIC = (b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"{\\rtf")
_PUBDATE_META = ("pubdate", "publishdate", "firstpublishedtime", "pubtime", "publishtime")
_MIN_BODY_CHARS = 200
_SOURCE_AGENCY = re.compile(r"^\s*来源\s*[:：]\s*([^\s\d]{2,30})")
_HEADER_LINES = 80


@dataclass(frozen=True)
class Document:
    """One fetched document and what the crawler knows about it (all hints are optional)."""

    content: bytes
    content_type: str | None = None  # e.g. "text/html; charset=gbk", "text/plain"; None = sniff
    url: str | None = None
    declared_charset: str | None = None  # from the HTTP header
    encoding_override: str | None = None  # from the source config
    title_hint: str | None = None  # link text on the list page
    date_hint: date | None = None  # date shown next to the link on the list page
    agency_name: str | None = None  # the source's agency, full official name
    region_code: str | None = None  # the source's 6-digit region code


def _rejected(reason: str, text: str = "", title: str | None = None) -> Extraction:
    return Extraction(
        extractor_version=EXTRACTOR_VERSION,
        is_annual_report=False,
        kind="other",
        title=title,
        text=text,
        reasons=(reason,),
    )


def _unsupported(doc: Document) -> bool:
    if doc.content_type and _UNSUPPORTED_TYPES.search(doc.content_type):
        return True
    return doc.content.lstrip()[:8].startswith(_UNSUPPORTED_MAGIC)


def _page(doc: Document) -> Page:
    text, _encoding = decode_bytes(doc.content, doc.declared_charset, doc.encoding_override)
    text = text.replace("\x00", "")
    is_html = "html" in (doc.content_type or "").lower() or looks_like_html(text)
    return html_page(text) if is_html else text_page(text)


def _published(page: Page, fields: dict[str, str], doc: Document) -> date | None:
    """Publication date, by trust: PubDate meta, header table, a 来源 line, the list page."""
    for name in _PUBDATE_META:
        if name in page.meta:
            found = metadata.first_date(page.meta[name])
            if found is not None:
                return found
    if "published" in fields:
        found = metadata.first_date(fields["published"])
        if found is not None:
            return found
    return metadata.source_line_date(page.all_lines[:_HEADER_LINES]) or doc.date_hint


def _title(page: Page, doc: Document) -> str | None:
    """The page's title: the ArticleTitle meta, a heading, the text's first line, the link text,
    then a title repeated at the end (an 附件 line), in that order of trust."""
    article_title = page.meta.get("articletitle", "").strip()
    if article_title and classify.is_title_like(article_title):
        return article_title
    for candidate in page.title_candidates:
        if classify.kind_of(candidate) != "other" or candidate == doc.title_hint:
            return candidate
    return (
        classify.title_from_lines(page.body_lines)
        or (doc.title_hint.strip() if doc.title_hint else None)
        or classify.title_from_end(page.body_lines)
    )


def _signature_agency(lines: Sequence[str]) -> str | None:
    """The signing agency: the line above the signature date, or the last line if it is a name."""
    tail = list(lines[-8:])
    for i in range(len(tail) - 1, -1, -1):
        if metadata.whole_line_date(tail[i]) is not None:
            same_line = re.sub(r"[\d〇○零一二三四五六七八九十年月日号\s]+$", "", tail[i])
            if len(same_line) >= 4:
                return same_line
            return tail[i - 1] if i > 0 and len(tail[i - 1]) <= 30 else None
    return tail[-1] if tail and len(tail[-1]) <= 30 else None


def _addressee(lines: Sequence[str]) -> list[str]:
    return [
        line.rstrip(":：") for line in lines[:3] if re.search(r"[:：]$", line) and len(line) <= 30
    ]


def extract_document(doc: Document) -> Extraction:
    """Extract what the store and readers need from one document.

    Never raises on bad input (garbage, empty, truncated HTML, unsupported formats): such
    documents come back as `is_annual_report=False, kind="other"` with the reason in `reasons`,
    so the service can publish a result for every fetched document.
    """
    if not doc.content.strip():
        return _rejected("empty document")
    if _unsupported(doc):
        return _rejected("unsupported content type")
    page = _page(doc)
    body = page.body_lines
    text = "\n".join(body)
    if not text.strip():
        return _rejected("no text found in the document")

    fields = metadata.info_fields(page.all_lines[:_HEADER_LINES])
    index_number = metadata.clean_index_number(fields.get("index_number"))
    doc_number = metadata.clean_doc_number(fields.get("doc_number"))
    published = _published(page, fields, doc)
    signed = metadata.signature_date(body)
    title = _title(page, doc)

    reasons: list[str] = []
    warnings: list[str] = []
    kind: ReportKind = classify.kind_of(title) if title else "other"
    report_sentence = classify.body_report_sentence(body)
    if kind == "other" and title is None and report_sentence:
        kind = classify.kind_of(report_sentence)
        if kind != "other":
            reasons.append(f"no title; the body says: {report_sentence}")
    if title is None and kind == "other":
        return _rejected("no title and no report sentence found", text)
    refusal = classify.not_a_report(title) if title else None
    agency_names = title_agency(title) if title else []
    if refusal is None and any(has_placeholder(name) for name in agency_names):
        refusal = "template"
    if kind == "other" or refusal is not None:
        why = f"not a report: {refusal}" if refusal else "the title names no annual report"
        return Extraction(
            extractor_version=EXTRACTOR_VERSION,
            is_annual_report=False,
            kind="other",
            title=title,
            published=published,
            index_number=index_number,
            doc_number=doc_number,
            text=text,
            reasons=(why,),
        )
    reasons.append(f"the title names a {kind}")
    if len(text) < _MIN_BODY_CHARS:
        warnings.append("short body: the report may be in an attachment")

    year, year_warning = classify.report_year(title, report_sentence, body, published)
    if year_warning and not (title and classify.year_in(title)):
        warnings.append(year_warning)

    joint = tuple(agency_names) if len(agency_names) > 1 else ()
    primary = [n for n in agency_names if "政府" in n][:1] or agency_names[:1]
    source_agency = next(
        (
            m.group(1)
            for line in page.all_lines[:_HEADER_LINES]
            if (m := _SOURCE_AGENCY.match(line))
        ),
        None,
    )
    candidates = [
        name
        for name in (
            *primary,
            _signature_agency(body),
            fields.get("publisher"),
            source_agency,
            page.meta.get("contentsource"),
        )
        if name
    ]
    context = [*_addressee(body), page.meta.get("sitename", "")]
    found = resolve_agency(
        candidates,
        joint,
        doc.agency_name,
        doc.region_code,
        page.meta.get("siteidcode"),
        index_number,
        [c for c in context if c],
        text,
    )
    warnings.extend(found.notes)

    disagree = (
        published is not None
        and signed is not None
        and (published < signed or (published - signed).days > 366)
    )
    if disagree:
        warnings.append(f"published {published} but signed {signed}")
    heading_tree = sections.headings(body)
    return Extraction(
        extractor_version=EXTRACTOR_VERSION,
        is_annual_report=True,
        kind=kind,
        title=title,
        agency=found.agency,
        joint_agencies=found.joint,
        region=found.region,
        report_year=year,
        published=published,
        signed=signed,
        dates_disagree=disagree,
        index_number=index_number,
        doc_number=doc_number,
        sections=heading_tree,
        missing_elements=sections.missing_elements(kind, heading_tree, text),
        figures=sections.figures(text),
        laws=sections.laws(text),
        keywords=sections.keywords(text),
        text=text,
        reasons=tuple(reasons),
        warnings=tuple(warnings),
    )
