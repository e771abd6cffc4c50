"""Pure extraction: from fetched bytes to an `Extraction` (is it an annual report, whose, when).

No I/O, clock or environment here, so every result can be replayed from the stored bytes; the
only state is data loaded once and cached (jionlp's 行政区划 table, jieba's dictionary). Bad input
never raises: it yields `is_annual_report=False` with the reason in `reasons`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from services.extract import (
    bounds,
    classify,
    disclosure_tables,
    formats,
    metadata,
    script,
    sections,
)
from services.extract.agency import (
    has_placeholder,
    parse_agency,
    repeated_placed_agency,
    title_agency,
)
from services.extract.clues import host_clues, identifier_clues, phone_clues
from services.extract.html_text import Page, html_page, looks_like_html, text_page
from services.extract.report_year import report_year, year_in
from services.extract.resolve import resolve_agency
from services.extract.url_departments import url_agency, url_zone
from shared.decoding import decode_bytes
from shared.events import Extraction, ReportKind

EXTRACTOR_VERSION = "6"  # bump when results can change

# Binary content served as text shows control, replacement and private-use characters.
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f\ufffd\ue000-\uf8ff]")
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


def _rejected(reason: str, text: str = "", warnings: tuple[str, ...] = ()) -> Extraction:
    return Extraction(
        extractor_version=EXTRACTOR_VERSION,
        is_annual_report=False,
        kind="other",
        text=text,
        reasons=(reason,),
        warnings=warnings,
    )


def _sanitised(doc: Document) -> Document:
    """The document with its hints made safe to match and to publish (see bounds.py)."""
    return replace(
        doc,
        title_hint=bounds.clean_hint(doc.title_hint),
        agency_name=bounds.clean_hint(doc.agency_name),
        date_hint=metadata.plausible_date(doc.date_hint),
    )


def _cut_warning(kept: int, total: int) -> tuple[str, ...]:
    if kept >= total:
        return ()
    return (f"text cut: only its first {kept:,} of {total:,} characters analysed and kept",)


def read_page(doc: Document) -> Page:
    """The document as lines: HTML and text decoded, PDF and DOCX read.

    Raises formats.UnreadableDocument (a PermanentError) when the bytes cannot be read.
    """
    kind = formats.sniff(doc.content, doc.content_type)
    if kind == "pdf":
        text = formats.pdf_text(doc.content)
    elif kind == "docx":
        text = formats.docx_text(doc.content)
    else:
        text, _encoding = decode_bytes(doc.content, doc.declared_charset, doc.encoding_override)
        sample = text[:4000]
        if len(_BINARY.findall(sample)) > max(16, len(sample) // 50):
            raise formats.UndecodableDocument(
                "the bytes do not decode as text in any known charset"
            )
        text = text.replace("\x00", "")
    text, converted = script.to_simplified(text)
    text = script.without_pinyin_glosses(text)
    if kind in ("pdf", "docx") or not (kind == "html" or looks_like_html(text)):
        page = text_page(text)
    else:
        page = html_page(text)
    if kind == "docx":  # its tables as grids: a blank cell keeps its place
        page = replace(page, tables=formats.docx_tables(doc.content))
    return replace(page, from_traditional=True) if converted else page


def _published(page: Page, fields: dict[str, str], doc: Document, title: str | None) -> date | None:
    """Publication date, by trust: PubDate meta, header table, a 来源/发布时间 line, a bare date
    cell above the title, the list page."""
    for name in _PUBDATE_META:
        if name in page.meta:
            found = metadata.first_date(page.meta[name])
            if found is not None:
                return found
    if "published" in fields:
        found = metadata.first_date(fields["published"])
        if found is not None:
            return found
    header = page.all_lines[:_HEADER_LINES]
    found = metadata.source_line_date(header)
    if found is None and title is not None:
        # The title's lines (a title may be split over two: 中共X委 X人民政府 / 关于…的报告).
        spans = [i for i, line in enumerate(header) if _part_of_title(line, title)]
        above = spans[0] if spans else 0
        found = metadata.bare_date_line(header[:above])
        if found is None and spans:
            below = next((i for i in range(above, len(header)) if i not in spans), len(header))
            found = metadata.dateline(header[below : below + 3])
        if found is None:
            # 应急管理部 2024年1月24日 / 应急管理部2023年…报告: the announcement (or the notice)
            # that publishes the report, signed and dated above the report's own title.
            own = next((i for i, line in enumerate(header[:12]) if line == title), 0)
            found = next(
                (d for line in reversed(header[:own]) if (d := metadata.whole_line_date(line))),
                None,
            )
    if found is None and title is None:
        found = metadata.dateline(page.body_lines[:1])  # (2021年1月19日) opening the text
    return found or doc.date_hint


def _part_of_title(line: str, title: str) -> bool:
    return title in line or (len(line) >= 6 and line in title)


def _title(page: Page, fields: dict[str, str], doc: Document) -> str | None:
    """The page's title, by trust: the ArticleTitle meta, the header table's 标题, the page's
    headings, the text's first lines, the link text, a title at the end (an 附件 line), one
    run into the first paragraph. The first that names a report wins; otherwise the most
    trusted one (portals fill ArticleTitle with the site name or a breadcrumb often enough)."""
    given = [
        title
        for title in (page.meta.get("articletitle", "").strip(), fields.get("title", "").strip())
        if title and classify.is_title_like(title)
    ]
    headings = list(page.title_candidates)
    hint = doc.title_hint.strip() if doc.title_hint else None
    top = classify.title_from_lines(page.body_lines)
    # 晋江市人民政府信息公开指南 … l政府信息公开年度报告: a guide whose text was cut inside its
    # list of columns; the title on top says what the page is, not the last line naming a report.
    end = None if classify.titles_other_genre(top) else classify.title_from_end(page.body_lines)
    found = [
        title
        for title in (
            *given,
            *headings,
            top,
            hint,
            end,
            classify.title_in_text(page.body_lines),
        )
        if title
    ]
    naming = next((t for t in found if classify.kind_of(t) != "other"), None)
    if naming is not None:
        return naming
    # No title names a report: keep the most trusted, but not a heading the link text beats.
    fallback = [
        *given,
        *(h for h in headings if h == hint),
        top,
        hint,
    ]
    return next((t for t in fallback if t), found[0] if found else None)


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


def _government(name: str | None) -> bool:
    return name is not None and name.endswith("人民政府")


def _written_agencies(
    body: Sequence[str],
    primary: Sequence[str],
    header: Sequence[str | None],
    kind: ReportKind,
    url: str | None,
) -> list[str]:
    """The agency names the page writes, most trusted first: the title's, then the header's
    (`header`: compiler, signature, publisher, 来源, ContentSource, a non-report title), then
    the body's; when none of them is an agency's name, the contact sentence's or the URL's."""
    compiler, signature, publisher, source, content_source, other_title = header
    speaks_as = classify.self_reference(body)
    if kind == "法治政府建设年度报告" and speaks_as and not primary and not _government(source):
        # 来源:区司法局 over a report that speaks as 我区: the 司法局 drafts and posts its
        # government's 法治政府建设 report; the poster is not the reporter. 来源:炉霍县人民政府
        # over 我县 is the reporter itself.
        source = None
    subject = classify.opening_subject(body)
    if subject in _BARE_ZONES:
        # 2022年,开发区坚持… on jkq.xining.gov.cn: the zone whose portal it is.
        subject = url_zone(url) or subject
    governs = parse_agency(subject) if subject else None
    if (
        kind == "法治政府建设年度报告"
        and not primary
        and governs
        and governs.department == "人民政府"
    ):
        # 2021年,丽水市全面贯彻… under 发布机构 丽水市司法局: the government's report, which
        # its 司法局 drafts and posts; the poster is not the reporter.
        publisher = publisher if _government(publisher) else None
        source = source if _government(source) else None
    site_owner = classify.site_owner(body)
    selves = classify.town_selves(body)
    if selves:
        # 我乡…: a town's report on its county's site; the county is not the reporter, nor the
        # county office its page gives as 来源 (来源:昌图县人民政府办公室 over 我镇…).
        speaks_as = site_owner = None
        if source is not None and (parsed := parse_agency(source)) and parsed.town is None:
            source = None
    # A town its contact sentence names (请与柞水县凤凰镇人民政府党政办公室联系) is the reporter:
    # a county's own report gives its own office.
    contact = classify.contact_agency(body)
    contact_town = parse_agency(contact) if contact else None
    town = (
        classify.town_self(body, selves),
        contact if contact_town is not None and contact_town.town is not None else None,
    )
    names = (
        *primary,
        compiler,
        signature,
        publisher,
        source,
        content_source,
        other_title,
        subject,
        repeated_placed_agency(classify.body_agency_names(body)),
        speaks_as,
        site_owner,
        *town,
    )
    written = [name for name in names if name]
    # 国家统计局重庆调查总队(以下简称“重庆总队”)…2017年，重庆总队认真…: an abbreviation the
    # page defines for another written name is that name, not a second agency.
    defined = _abbreviations(body)
    written = [
        name
        for name in written
        if not any(other != name and other in defined.get(name, "") for other in written)
    ]
    if not any(parse_agency(name) for name in written):
        # 我局 and nothing more: the contact sentence, the name the text gives the 局 (省公安厅
        # 党委书记…), or the URL (jmssfj)
        spelled = (
            contact
            or classify.self_named_department(body)
            or url_agency(url, classify.department_self(body))
        )
        written.extend([spelled] if spelled else [])
    return written


# A zone that calls itself only by its kind (2022年,开发区坚持…).
_BARE_ZONES = frozenset({"开发区", "经开区", "高新区"})
_ABBREVIATION = re.compile(r"[（(]以下简称[“\"「]?([\u4e00-\u9fff]{2,12})[”\"」]?[）)]")
_DEFINED_WIDTH = 60  # characters before the bracket that may hold the name it abbreviates


def _abbreviations(body: Sequence[str]) -> dict[str, str]:
    """The short names the opening defines (X(以下简称“Y”)), each with the text before it: up to
    60 characters back, not past an earlier bracket or definition. Found from the bracket
    backwards: a pattern for the text before it was tried at every position of the opening."""
    opening = "\n".join(body[:12])[:3000]
    found: dict[str, str] = {}
    done = 0
    for match in _ABBREVIATION.finditer(opening):
        start = max(done, match.start() - _DEFINED_WIDTH)
        before = opening[start : match.start()]
        bracket = max(before.rfind("（"), before.rfind("("))
        before = before[bracket + 1 :]
        if len(before) >= 2:
            found[match.group(1)] = before
        done = match.end()
    return found


def extract_document(doc: Document, *, strict: bool = False) -> Extraction:
    """Extract what the store and readers need from one document.

    By default never raises on bad input (garbage, empty, truncated HTML, unsupported formats):
    such documents come back as `is_annual_report=False, kind="other"` with the reason in
    `reasons`. With `strict=True` a document whose bytes cannot be read (an unsupported format,
    a broken PDF) raises formats.UnreadableDocument instead, for the service to dead-letter.
    """
    if not doc.content.strip():
        return _rejected("empty document")
    doc = _sanitised(doc)
    try:
        page = read_page(doc)
    except formats.UnreadableDocument as exc:
        if strict:
            raise
        return _rejected(str(exc))
    # Classification reads the head and the tail of the whole body (a few lines each); what
    # reads all of the text (segmentation, figures, laws, sections), and what is carried, gets
    # a bounded prefix of it.
    body = page.body_lines
    total_chars = bounds.joined_length(body)
    kept = bounds.cut_lines(body, bounds.MAX_TEXT_CHARS)
    text = "\n".join(kept)
    if not text.strip():
        return _rejected("no text found in the document")

    fields = metadata.info_fields(page.all_lines[:_HEADER_LINES])
    index_number = metadata.clean_index_number(fields.get("index_number"))
    doc_number = metadata.clean_doc_number(fields.get("doc_number"))
    title = _title(page, fields, doc)
    published = _published(page, fields, doc, title)
    signed = metadata.signature_date(body)

    reasons: list[str] = []
    warnings: list[str] = ["converted from traditional characters"] if page.from_traditional else []
    kind: ReportKind = classify.kind_of(title) if title else "other"
    report_sentence = classify.body_report_sentence(body)
    refusal = classify.not_a_report(title) if title else None
    carried = classify.carried_report(title, body) if title and refusal == "notice" else None
    if carried is not None:  # the letter sends the report, and the page holds it too
        reasons.append(f"a covering letter that carries its report: {carried}")
        title, kind, refusal = carried, classify.kind_of(carried), None
    if kind == "other" and refusal is None:
        refusal = classify.body_genre(body)
    if kind == "other" and refusal is None:
        found_kind = classify.body_kind(body)
        if found_kind is not None:
            kind, evidence = found_kind
            reasons.append(evidence)
    if title is None and kind == "other":
        why = f"not a report: {refusal}" if refusal else "no title and no report sentence found"
        return _rejected(why, text, _cut_warning(len(text), total_chars))
    # The title's names, also when only the body said it is a report (贵州省2023年度法治政府建设工作).
    agency_names = title_agency(title) if title else []
    if report_sentence and not agency_names:
        agency_names = title_agency(classify.sentence_agency_text(report_sentence))
    if refusal is None and (
        any(has_placeholder(name) for name in agency_names) or classify.body_placeholder(body)
    ):
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
            warnings=_cut_warning(len(text), total_chars),
        )
    if not reasons:
        reasons.append(f"the title names a {kind}")
    if len(text) < _MIN_BODY_CHARS:
        warnings.append("short body: the report may be in an attachment")

    year, year_warning = report_year(
        title, report_sentence, body, published, metadata.url_date(doc.url)
    )
    if year_warning and not (title and year_in(title)):
        warnings.append(year_warning)

    joint = tuple(agency_names) if len(agency_names) > 1 else ()
    # 中共X委 X人民政府 / 中共X街道工作委员会 X街道办事处: the government side files it.
    government_side = [n for n in agency_names if "政府" in n or n.endswith("办事处")]
    primary = government_side[:1] or agency_names[:1]
    source_agency = next(
        (
            m.group(1)
            for line in page.all_lines[:_HEADER_LINES]
            if (m := _SOURCE_AGENCY.match(line))
        ),
        None,
    )
    candidates = _written_agencies(
        body,
        primary,
        (
            classify.compiler_agency(body),
            _signature_agency(body),
            fields.get("publisher"),
            source_agency,
            page.meta.get("contentsource"),
            title if title and classify.kind_of(title) == "other" else None,
        ),
        kind,
        doc.url,
    )
    context = [*_addressee(body), page.meta.get("sitename", "")]
    clues = [
        *identifier_clues(
            doc.region_code, page.meta.get("siteidcode"), index_number, page.all_lines
        ),
        *host_clues(doc.url),
        *phone_clues(page.all_lines),
    ]
    found = resolve_agency(
        candidates,
        joint,
        doc.agency_name,
        clues,
        [c for c in context if c],
        text,
        titled=bool(primary),
    )
    warnings.extend(found.notes)

    disagree = (
        published is not None
        and signed is not None
        and (published < signed or (published - signed).days > 366)
    )
    if disagree:
        warnings.append(f"published {published} but signed {signed}")
    tokens = sections.segment(text)  # the one segmentation pass
    chars, count = bounds.carried(text, tokens)
    if chars < len(text):  # the event must fit in one NATS message
        text, tokens, kept = text[:chars], tokens[:count], bounds.cut_lines(kept, chars)
    warnings.extend(_cut_warning(len(text), total_chars))
    heading_tree = sections.headings(kept)[: bounds.MAX_SECTIONS]
    disclosure = (
        disclosure_tables.read_tables(body, page.tables, year)
        if kind == "政府信息公开工作年度报告"
        else None
    )
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
        figures=sections.figures(text, tokens=tokens),
        laws=sections.laws(text)[: bounds.MAX_LAWS],
        keywords=sections.keywords(tokens),
        text=text,
        words=tokens,  # store's search index and near-duplicate check use them as they are
        reasons=tuple(reasons),
        warnings=tuple(warnings),
        disclosure=disclosure,
    )
