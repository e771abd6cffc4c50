"""Text of reports as the store uses it: jieba tokens for search and near-duplicate detection.

Portals repost a report with small template edits (a changed 浏览次数, a date line, a share bar
leaking into the main text); that must not count as a new version. A silent edit of the report
itself must. Two texts are near-duplicates when their 256-bit simhashes (over 3-shingles of
jieba tokens) differ in at most `NEAR_DUPLICATE_BITS` bits *and* their facts (section
headings and quoted figures, as extracted) are identical; short texts, where one token is a real
part of the content, are only ever equal by exact hash.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import chain
from typing import Any

SIMHASH_BITS = 256
NEAR_DUPLICATE_BITS = 20  # of 256: template edits measured 0-13, rewritten paragraphs 32-43
MIN_TOKENS_FOR_NEAR_DUPLICATE = 200
_WORD = re.compile(r"\w", re.UNICODE)


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def tokens(text: str) -> list[str]:
    """The word tokens of a text (jieba's precise mode), without punctuation and whitespace."""
    return words_only(_jieba().lcut(text))


def words_only(segments: Iterable[str]) -> list[str]:
    """Jieba's segments without punctuation and whitespace.

    `isalnum` first: it is true of most words (汉字 count as letters) and implies what the
    pattern tests, which then decides only the rest (3.5%, ——).
    """
    return [t for t in segments if t.isalnum() or _WORD.search(t)]


def search_tokens(text: str, words: Sequence[str] | None = None) -> str:
    """Space-separated tokens for a full-text index: words and their dictionary sub-words.

    This is jieba's search mode (昆明市 → 昆明 昆明市) computed from the precise-mode `words`
    when the caller has them already, so a report is segmented once, not twice.
    """
    return " ".join(
        chain.from_iterable(map(_search_forms, tokens(text) if words is None else words))
    )


@lru_cache(maxsize=262_144)  # a report vocabulary; repeated words cost one lookup
def _search_forms(word: str) -> tuple[str, ...]:
    """A word's dictionary sub-words of two and three characters, then the word, lower-cased."""
    freq = _jieba().dt.FREQ
    out: list[str] = []
    for size in (2, 3):
        if len(word) > size:
            out.extend(
                gram
                for gram in (word[i : i + size] for i in range(len(word) - size + 1))
                if freq.get(gram)
            )
    out.append(word)
    return tuple(t.lower() for t in out)


def query_tokens(query: str) -> list[str]:
    """The tokens of a search query, de-duplicated in order."""
    seen: dict[str, None] = {}
    for token in tokens(query):
        seen.setdefault(token.lower(), None)
    return list(seen)


def shingles(words: Sequence[str], size: int = 3) -> set[str]:
    """The distinct runs of `size` consecutive tokens: word order matters, repetition does not."""
    if len(words) < size:
        return {"\x00".join(words)} if words else set()
    return {"\x00".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def simhash(words: Sequence[str]) -> int:
    """Charikar's simhash (`SIMHASH_BITS` bits) over a text's token 3-shingles, each counted once.

    Shingles rather than single tokens: otherwise the most frequent function words (的, 和, 工作)
    dominate every report and unrelated reports look alike. 256 bits rather than 64: with 64 the
    distance of a template edit and of a rewritten paragraph overlap on real reports.

    Bits are counted column-wise: byte i of every shingle's hash, read as one big integer, ANDed
    with "bit k of every byte" and popcounted gives how many hashes have bit 8i+k set; that is
    256 integer operations per text instead of 256 per shingle.
    """
    grams = shingles(words)
    width = SIMHASH_BITS // 8
    digests = b"".join(
        hashlib.blake2b(gram.encode("utf-8"), digest_size=width).digest() for gram in grams
    )
    half = len(grams) / 2
    masks = [int.from_bytes(bytes([1 << bit]) * len(grams), "big") for bit in range(8)]
    value = 0
    for index in range(width):
        column = int.from_bytes(digests[index::width], "big")
        for bit, mask in enumerate(masks):
            if (column & mask).bit_count() > half:
                value |= 1 << (index * 8 + bit)
    return value


def hamming(a: int, b: int) -> int:
    """The number of bits in which two hashes differ."""
    return (a ^ b).bit_count()


def facts_hash(sections: Iterable[str], figures: Iterable[str]) -> str:
    """A hash of what a report states (its headings and figures): any change is a real edit."""
    payload = json.dumps([list(sections), list(figures)], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def fingerprint(words: Sequence[str]) -> str | None:
    """The stored simhash of a text (64 hex digits), or None when it is too short to compare."""
    if len(words) < MIN_TOKENS_FOR_NEAR_DUPLICATE:
        return None
    return f"{simhash(words):0{SIMHASH_BITS // 4}x}"


def is_near_duplicate(
    fingerprint_a: str | None, facts_a: str | None, fingerprint_b: str | None, facts_b: str | None
) -> bool:
    """Whether two versions are the same report up to template noise (see the module docstring)."""
    if fingerprint_a is None or fingerprint_b is None or facts_a is None or facts_a != facts_b:
        return False
    return hamming(int(fingerprint_a, 16), int(fingerprint_b, 16)) <= NEAR_DUPLICATE_BITS
