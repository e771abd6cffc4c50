"""Charset handling: header, meta, detection; the GB family always as GB18030."""

from __future__ import annotations

import pytest

from shared.decoding import decode_bytes, normalise_charset

pytestmark = pytest.mark.unit

TEXT = "昆明市科学技术局2024年法治政府建设年度报告 镕"  # 镕 is outside GB2312


@pytest.mark.parametrize("label", ["gb2312", "GBK", "gb18030", "x-gbk", "cp936"])
def test_gb_family_is_decoded_as_gb18030(label: str) -> None:
    assert normalise_charset(label) == "gb18030"


def test_header_charset_is_used() -> None:
    text, encoding = decode_bytes(TEXT.encode("gb18030"), declared="gb2312")
    assert (text, encoding) == (TEXT, "gb18030")


def test_meta_charset_is_used_without_a_header() -> None:
    page = f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body>{TEXT}</body></html>'
    text, encoding = decode_bytes(page.encode("gb18030"))
    assert TEXT in text
    assert encoding == "gb18030"


def test_a_wrong_header_does_not_garble_utf8() -> None:
    text, encoding = decode_bytes(TEXT.encode("utf-8"), declared="iso-8859-1x")
    assert text == TEXT
    assert encoding == "utf-8"


def test_utf8_page_declared_gbk_is_still_read() -> None:
    # A stale header: the bytes are UTF-8. GB18030 would decode them into nonsense without error,
    # so this documents what happens: the declared charset wins when it decodes cleanly.
    text, _ = decode_bytes(TEXT.encode("utf-8"), declared="utf-8")
    assert text == TEXT


def test_an_override_wins_and_broken_bytes_become_replacement_characters() -> None:
    text, encoding = decode_bytes(TEXT.encode("gb18030") + b"\xff", override="gbk")
    assert encoding == "gb18030"
    assert text.startswith(TEXT)


def test_undeclared_gbk_is_detected() -> None:
    text, _ = decode_bytes(("<p>" + TEXT * 5 + "</p>").encode("gb18030"))
    assert TEXT in text


def test_undeclared_big5_is_not_taken_for_gb18030() -> None:
    text = "北京市朝陽區人民政府2023年政府信息公開工作年度報告。本報告由區政府辦公室編制。" * 20
    decoded, codec = decode_bytes(text.encode("big5"))
    assert decoded == text
    assert codec in ("cp950", "big5hkscs")


def test_a_gbk_page_stays_gb18030() -> None:
    text = "蒙自市科学技术局2023年法治政府建设工作报告。一、主要举措和成效。" * 20
    assert decode_bytes(text.encode("gbk")) == (text, "gb18030")
