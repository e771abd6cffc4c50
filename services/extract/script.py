"""Traditional characters to simplified, before anything else reads the page.

Government portals serve big5 gateway copies (`/gate/big5/…`) of their pages, and mirrors copy
them: `政府信息公開工作年度報告`, `區人民政府`. Every rule downstream (kinds, agencies, places,
dates) is written in simplified characters, so such a page is converted first, with OpenCC's
`t2s` (a maintained converter, not a table of our own).

A simplified page is left alone: conversion happens only when a sample of the page's Chinese
characters shows a real share of traditional ones, so a stray 乾 (乾隆) or 著 changes nothing.
Place names that `t2s` would wrongly rewrite (乾县 becomes 干县) are restored afterwards.
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

from shared.regions import regions

_NOT_CJK = re.compile(r"[^\u4e00-\u9fff]+")
_SAMPLE_CHARS = 1000  # Chinese characters looked at to decide
# A traditional page differs from its simplified form in about one character in five; a
# simplified page in none, or in a rare name or two.
_MIN_CHANGED = 5
_MIN_SHARE = 0.02


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def traditional_share(text: str) -> float:
    """The share of the sampled Chinese characters that `t2s` changes (0.0 for none)."""
    sample = _NOT_CJK.sub("", text[: _SAMPLE_CHARS * 8])[:_SAMPLE_CHARS]
    if not sample:
        return 0.0
    converted = _converter().convert(sample)
    if len(converted) != len(sample):  # t2s maps characters one to one; be safe if not
        return 1.0 if converted != sample else 0.0
    changed = sum(1 for a, b in zip(sample, converted, strict=True) if a != b)
    return changed / len(sample) if changed >= _MIN_CHANGED else 0.0


@lru_cache(maxsize=1)
def _damaged_place_names() -> tuple[tuple[str, str], ...]:
    """(what t2s makes of a division's full name, the name) where it changes it: 干县 -> 乾县.

    Full names only: an alias (乾安) would also restore 若干安排 to 若乾安排.
    """
    convert = _converter().convert
    pairs = {}
    for name in {division.name for division in regions().by_code.values()}:
        converted = convert(name)
        if converted != name:
            pairs[converted] = name
    return tuple(sorted(pairs.items(), key=lambda pair: -len(pair[0])))


def to_simplified(text: str) -> tuple[str, bool]:
    """The text in simplified characters, and whether it was converted."""
    if traditional_share(text) < _MIN_SHARE:
        return text, False
    converted = _converter().convert(text)
    for damaged, name in _damaged_place_names():
        if damaged in converted:
            converted = converted.replace(damaged, name)
    return converted, True


# Mirror sites gloss characters with their pinyin: 发(fā)布日期, 区(qū)民委.
_PINYIN_GLOSS = re.compile(
    r"(?<=[\u4e00-\u9fff])\((?=[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ])[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}\)"
)


def without_pinyin_glosses(text: str) -> str:
    """The text without a mirror's pinyin glosses (a gloss carries a tone mark, so ordinary
    parentheses after a character are kept)."""
    return _PINYIN_GLOSS.sub("", text) if "(" in text else text
