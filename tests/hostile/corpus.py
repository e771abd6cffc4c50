"""A deterministic corpus of hostile documents, generated at test time (nothing big is committed).

Every case is built from a seeded `random.Random`, so a failure names a case that rebuilds
byte for byte: `build_corpus()[i]` is always the same document. The cases imitate what the open
web serves to a crawler: pages cut off mid-transfer, tag soup, binary files labelled text/html,
charsets that lie, several encodings in one body, NUL bytes, JSON with lone surrogates, absurd
dates, tables without end and markup nested thousands deep. Sizes stay small (at most a few
hundred kilobytes) so the corpus runs in seconds; the huge cases live in test_extract_corpus.py.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

PLACES = (
    "昆明市科学技术局",
    "云南省人民政府",
    "五华区司法局",
    "广州市越秀区人民政府",
    "杭州市市场监督管理局",
    "北京市海淀区教育委员会",
    "成都市人民政府办公厅",
)
KINDS = ("法治政府建设年度报告", "政府信息公开工作年度报告", "履职报告")
ABSURD_YEARS = (
    "二〇二三三年", "9999年", "0000年", "99999999999年", "-2023年", "２０２３年", "二〇二三年年",
    "公元前2023年", "2023.5年", "1e9年", "〇〇〇〇年", "二千零二十三年",
)  # fmt: skip
ABSURD_DATES = (
    "2023年13月45日", "2023-02-30", "0000-00-00", "9999-99-99", "2023年2月29日", "31/12/99999",
    "二〇二三年十三月四十五日", "2999年1月1日", "2023年00月00日", "20230231",
)  # fmt: skip
NON_TEXT_CODEC_LABELS = ("undefined", "hex", "rot13", "base64", "zlib", "bz2", "uu", "idna",
                         "punycode", "utf-8\x00", "unicode_escape")  # fmt: skip
ABSURD_DATE_HINTS = (date.min, date(1000, 1, 1), date(1900, 1, 1), date(9999, 12, 31), date.max)
BASE_URLS = (
    "http://www.example.gov.cn/xxgk/fzzf/index.html",
    "https://kjj.km.gov.cn/list/index_3.html?page=2",
    "http://127.0.0.1:8080/",
    "http://[::1]:9/a/b/",
    "http://例子.政务.cn/目录/",
    "http://www.x.gov.cn:99999/bad-port/",
    "https://a.b.c.d.e.f.gov.cn/x?pageIndex=7&id=1#frag",
)


@dataclass(frozen=True)
class Case:
    """One hostile document with what the crawler would know about it."""

    name: str
    content: bytes
    content_type: str | None = "text/html"
    declared_charset: str | None = None
    encoding_override: str | None = None
    title_hint: str | None = None
    date_hint: date | None = None
    agency_name: str | None = None
    region_code: str | None = None
    url: str = BASE_URLS[0]
    hints: dict[str, str] = field(default_factory=dict)


def report_page(place: str, year: str | int, kind: str = KINDS[0], published: str = "") -> str:
    """A plausible portal page holding one report: chrome, header table, title, sections."""
    items = "".join(
        f"<li><a href='/xxgk/{year}/t2024010{i}_{i}.html'>第{i}条 动态</a><span>2024-01-0{i}</span></li>"
        for i in range(1, 6)
    )
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<meta name="PubDate" content="{published or "2024-03-01"}"><title>{place}{year}{kind}_门户网站</title></head>
<body><div class="nav"><a href="/">首页</a> &gt; <a href="/xxgk/">信息公开</a></div>
<table class="info"><tr><td>索引号：</td><td>11530100MB0000000X/2024-00001</td></tr>
<tr><td>发布机构：</td><td>{place}</td></tr><tr><td>发文日期：</td><td>{published or "2024-03-01"}</td></tr></table>
<h1>{place}关于{year}{kind}</h1><div class="TRS_Editor">
<p>{year}，在市委、市政府的坚强领导下，我局深入学习贯彻习近平法治思想，现将有关情况报告如下。</p>
<p>一、主要举措和成效</p><p>（一）加强组织领导。开展学法12次，培训干部300人次，办理行政复议案件5件。</p>
<p>二、存在的不足和原因</p><p>依据《中华人民共和国行政复议法》《法治政府建设实施纲要》开展工作。</p>
<p>三、党政主要负责人履行推进法治建设第一责任人职责情况</p><p>四、下一年度推进法治政府建设的主要安排</p>
<p>{place}</p><p>{published or "2024年3月1日"}</p></div><ul class="list">{items}</ul>
<div class="footer">版权所有 ICP备12345678号</div></body></html>"""


def list_page(rng: random.Random, rows: int) -> str:
    """A list page with dated links, pager links and a TRS page script."""
    lis = "".join(
        f"<li><a href='./{2023 + i % 3}{i % 12 + 1:02d}/t2023{i % 12 + 1:02d}01_{rng.randrange(10**6)}.html' "
        f"title='{rng.choice(PLACES)}{2020 + i % 5}年{rng.choice(KINDS)}'>{rng.choice(PLACES)}…</a>"
        f"<span>{2023 + i % 3}-{i % 12 + 1:02d}-01</span></li>"
        for i in range(rows)
    )
    total = rng.choice([0, 1, 5, 10**9, -3])
    return (
        f"<html><body><ul class='list'>{lis}</ul><div class='page'>"
        f"<a href='index_1.html'>下一页</a><a href='index_{rng.randrange(10**6)}.html'>尾页</a>"
        f"<a href='?page={rng.randrange(10**9)}'>末页</a></div>"
        f'<script>createPageHTML({total}, 0, "index", "html");</script>共{total}页</body></html>'
    )


# ---- generators: each yields cases from one family -------------------------------------------


def truncated(rng: random.Random) -> Iterator[Case]:
    for i in range(120):
        page = report_page(rng.choice(PLACES), f"{rng.randrange(2015, 2026)}年", rng.choice(KINDS))
        raw = page.encode(rng.choice(["utf-8", "gb18030"]))
        cut = rng.randrange(0, len(raw))
        yield Case(f"truncated-{i}", raw[:cut], rng.choice(["text/html", None, "text/plain"]))


def malformed(rng: random.Random) -> Iterator[Case]:
    soup = ["<", ">", "</", "<!--", "-->", "<![CDATA[", "]]>", '"', "'", "=", "<p", "<div ", "</td>",
            "<table>", "<tr>", "<script>", "</script>", "<style>", "<title>", "<h1>", "&", "&#",
            "&#x", ";", "&amp", "\x0c", "<meta charset=", "<base href=javascript:>", "<!DOCTYPE"]  # fmt: skip
    for i in range(150):
        page = list(report_page(rng.choice(PLACES), "2023年", rng.choice(KINDS)))
        for _ in range(rng.randrange(1, 60)):
            pos = rng.randrange(len(page))
            action = rng.random()
            if action < 0.4:
                page.insert(pos, rng.choice(soup))
            elif action < 0.7:
                del page[pos : pos + rng.randrange(1, 40)]
            else:
                page[pos] = chr(rng.randrange(0x20, 0x3000))
        yield Case(f"malformed-{i}", "".join(page).encode("utf-8", "replace"))


def binary_junk(rng: random.Random) -> Iterator[Case]:
    magics = [b"", b"%PDF-1.7\n", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x89PNG\r\n\x1a\n",
              b"GIF89a", b"\x1f\x8b\x08", b"\xff\xd8\xff", b"<html>", b"\xef\xbb\xbf", b"\xff\xfe",
              b"\xfe\xff", b"MZ", b"{\\rtf1", b"<?xml version='1.0'?>"]  # fmt: skip
    for i in range(150):
        size = rng.choice([1, 2, 7, 64, 1000, 4096, 20_000, 100_000])
        body = rng.choice(magics) + rng.randbytes(size)
        ctype = rng.choice(["text/html", "text/html; charset=utf-8", None, "application/pdf",
                            "text/plain", "image/png", "application/octet-stream", ""])  # fmt: skip
        yield Case(f"junk-{i}", body, ctype or None)


def lying_charsets(rng: random.Random) -> Iterator[Case]:
    codecs_ = ["utf-8", "gb18030", "gbk", "big5", "shift_jis", "euc-kr", "utf-16-le", "utf-16-be",
               "utf-32", "latin-1", "koi8-r", "utf-7"]  # fmt: skip
    labels = [*codecs_, "gb2312", "x-nonsense", "", " ", "../../etc/passwd",
              "utf-8; q=1", "ＵＴＦ-8", "utf8mb4", "windows-1252", "unicode-1-1-utf-7", "x" * 500,
              "utf_8_sig", "mbcs", "cp65001", "ucs-2", "ebcdic"]  # fmt: skip
    # Labels naming Python codecs that are not text encodings (hex, rot13, undefined, idna...)
    # crash decode_bytes today: NON_TEXT_CODEC_LABELS, tested apart in test_extract_corpus.py.
    for i in range(150):
        place, kind = rng.choice(PLACES), rng.choice(KINDS)
        real = rng.choice(codecs_)
        page = report_page(place, "2023年", kind)
        meta_label = rng.choice(labels)
        page = page.replace('charset="utf-8"', f'charset="{meta_label}"')
        raw = page.encode(real, "replace")
        yield Case(
            f"charset-{i}-{real}",
            raw,
            rng.choice(["text/html", f"text/html; charset={rng.choice(labels)}", None]),
            declared_charset=rng.choice([None, *labels]),
            encoding_override=rng.choice([None, None, None, *labels]),
        )


def mixed_encodings(rng: random.Random) -> Iterator[Case]:
    text = "法治政府建设年度报告，开展学法12次。一、主要举措和成效 二〇二三年"
    codecs_ = ["utf-8", "gb18030", "big5", "utf-16-le", "shift_jis", "euc-kr"]
    for i in range(100):
        parts = [b"<html><body><h1>"]
        for _ in range(rng.randrange(2, 12)):
            chunk = text[rng.randrange(len(text)) :]
            parts.append(chunk.encode(rng.choice(codecs_), "replace"))
            if rng.random() < 0.3:
                parts.append(b"\xed\xa0\x80")  # a UTF-8-encoded lone surrogate
            if rng.random() < 0.3:
                parts.append(rng.randbytes(rng.randrange(1, 9)))
        parts.append(b"</h1></body></html>")
        yield Case(
            f"mixed-{i}", b"".join(parts), declared_charset=rng.choice([None, "utf-8", "gbk"])
        )


def nul_bytes(rng: random.Random) -> Iterator[Case]:
    for i in range(80):
        raw = report_page(rng.choice(PLACES), "2023年", rng.choice(KINDS)).encode()
        mode = i % 4
        if mode == 0:
            raw = b"\x00".join(raw[j : j + rng.randrange(1, 20)] for j in range(0, len(raw), 10))
        elif mode == 1:
            raw = b"\x00" * rng.randrange(1, 5000) + raw
        elif mode == 2:
            raw = raw.replace("年度报告".encode(), "年度\x00报告".encode())
        else:
            raw = b"\x00" * rng.randrange(1, 10_000)
        yield Case(
            f"nul-{i}",
            raw,
            title_hint=rng.choice([None, "2023年\x00法治政府建设年度报告", "\x00" * 10]),
            agency_name=rng.choice([None, "昆明\x00市", "\x00"]),
        )


def json_and_surrogates(rng: random.Random) -> Iterator[Case]:
    for i in range(60):
        title = rng.choice(PLACES) + "2023年" + rng.choice(KINDS)
        escaped = rng.choice(["\\ud800", "\\udfff", "\\ud83d", "\\u0000", "\\ud800\\ud800", "\\"])
        body = f'{{"title": "{title}{escaped}", "content": "{escaped * rng.randrange(1, 500)}"}}'
        yield Case(
            f"json-{i}",
            body.encode("utf-8", "surrogatepass"),
            rng.choice(["application/json", "text/html", None, "text/plain"]),
            # an escaped surrogate; a real one in a hint: see test_extract_corpus.py
            title_hint=rng.choice([None, title, title + "\\ud800"]),
        )


def absurd_dates(rng: random.Random) -> Iterator[Case]:
    for i in range(100):
        year = rng.choice(ABSURD_YEARS)
        when = rng.choice(ABSURD_DATES)
        page = report_page(rng.choice(PLACES), year, rng.choice(KINDS), published=when)
        yield Case(
            f"dates-{i}",
            page.encode(),
            date_hint=rng.choice([None, date(2023, 2, 28)]),  # absurd hints: ABSURD_DATE_HINTS
            title_hint=f"{rng.choice(PLACES)}{year}{rng.choice(KINDS)}",
        )


def tables_and_nesting(rng: random.Random) -> Iterator[Case]:
    for i in range(60):
        mode = i % 4
        if mode == 0:  # a table with thousands of rows and no end tag
            rows = "".join(
                f"<tr><td>{j}</td><td>2023年{j % 12 + 1}月</td><td>开展学法{j}次</td>"
                for j in range(rng.randrange(200, 1500))
            )
            body = f"<html><body><h1>2023年法治政府建设年度报告</h1><table>{rows}"
        elif mode == 1:  # tables nested inside cells
            depth = rng.randrange(20, 200)
            body = (
                "<table><tr><td>" * depth
                + "2023年法治政府建设年度报告"
                + "</td></tr></table>" * (depth // 2)
            )
        elif mode == 2:  # unclosed formatting elements (the adoption agency's worst case)
            depth = rng.randrange(20, 200)  # deeper: test_markup_nested_deep_... (quadratic)
            body = "<b><i><a href='/x'>" * depth + "二〇二三年度政府信息公开工作年度报告"
        else:  # deep block nesting, closed or not
            depth = rng.randrange(200, 1500)  # 100,000: test_extract_corpus.py
            body = "<div>" * depth + "2023年履职报告" + "</div>" * rng.randrange(0, depth)
        yield Case(f"deep-{i}", body.encode())


def entities_and_scripts(rng: random.Random) -> Iterator[Case]:
    pieces = ["&#0;", "&#xD800;", "&#99999999;", "&#x110000;", "&#-1;", "&nbsp", "&lt;h1&gt;",
              "&#x0D;&#x0A;", "<script>", "<!--", "<style>", "<template>", "<svg><title>",
              "<noscript>", "<textarea>", "<plaintext>", "<xmp>", "<iframe srcdoc='<h1>x</h1>'>"]  # fmt: skip
    for i in range(80):
        head = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 200)))
        body = f"<html><body>{head}<h1>2023年法治政府建设年度报告</h1>{head}<p>{'正文' * 200}</p>"
        yield Case(f"entities-{i}", body.encode())


def hostile_hints(rng: random.Random) -> Iterator[Case]:
    hints = [None, "", " ", "\r\n", "<script>alert(1)</script>", "２０２３年法治政府建设年度报告",
             "x" * 100_000, "法治政府建设年度报告" * 100, "\u202e2023年履职报告", "\ufeff", "\U0010ffff"]  # fmt: skip
    for i in range(60):
        yield Case(
            f"hints-{i}",
            rng.choice([b"<p>" + "正文".encode() * rng.randrange(0, 300), b" ", b"\n\n\n", b"x"]),
            title_hint=rng.choice(hints),
            agency_name=rng.choice(hints),
            region_code=rng.choice(
                [None, "", "000000", "999999", "abc", "5301001", "53０１00", "-1"]
            ),
            date_hint=None,
            url=rng.choice([*BASE_URLS, "", "not a url", "javascript:alert(1)", "http://"]),
        )


def list_pages(rng: random.Random) -> Iterator[Case]:
    for i in range(60):
        yield Case(
            f"list-{i}", list_page(rng, rng.randrange(0, 400)).encode(), url=rng.choice(BASE_URLS)
        )


FAMILIES: tuple[Callable[[random.Random], Iterator[Case]], ...] = (
    truncated,
    malformed,
    binary_junk,
    lying_charsets,
    mixed_encodings,
    nul_bytes,
    json_and_surrogates,
    absurd_dates,
    tables_and_nesting,
    entities_and_scripts,
    hostile_hints,
    list_pages,
)


def build_corpus(seed: int = 20260808) -> list[Case]:
    """Every case of every family; the same seed always gives the same corpus."""
    cases: list[Case] = []
    for index, family in enumerate(FAMILIES):
        cases.extend(family(random.Random(seed * 100 + index)))
    return cases
