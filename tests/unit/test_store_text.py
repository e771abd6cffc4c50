"""Near-duplicates and search tokens: a repost with template edits is the same version, a real
edit is a new one. Measured on the real report pages of the demo portal (page chrome included)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.extract.sections import segment
from services.store import text
from services.store.filings import version_words

pytestmark = pytest.mark.unit

SEEDS = sorted(
    (Path(__file__).resolve().parents[2] / "services" / "demo_portal" / "seeds").glob("*.txt")
)
FACTS = text.facts_hash(["一、主要举措和成效"], ["开展学法12次"])


def _print(body: str) -> tuple[str | None, str]:
    return text.fingerprint(text.tokens(body)), FACTS


def _template_edits(body: str) -> str:
    """What a repost on another portal changes: navigation, share bar, footer, view count."""
    return (
        "首页 > 政务公开 > 法定主动公开内容 > 年度报告\n"
        + body.replace("登录 | 注册", "登录 | 注册 | 无障碍 | 长者模式")
        + "\n浏览次数：1234  【打印本页】【关闭窗口】 分享到：微信 微博"
    )


def _rewrite_longest_paragraph(body: str) -> str:
    paragraphs = body.split("\n")
    longest = max(range(len(paragraphs)), key=lambda i: len(paragraphs[i]))
    paragraphs[longest] = (
        "  二是加强执法监督，全年共开展行政执法案卷评查三次，发现问题十二个，均已整改到位。"
    )
    return "\n".join(paragraphs)


def test_there_are_seeds() -> None:
    assert len(SEEDS) == 5


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name)
def test_a_repost_with_template_edits_is_a_near_duplicate(seed: Path) -> None:
    body = seed.read_text("utf-8")
    assert text.is_near_duplicate(*_print(body), *_print(_template_edits(body)))


# In the fifth seed (18,000 characters) the longest paragraph is 2.5 % of the text: too little for
# simhash to tell from template noise; only changed figures or headings would show it.
@pytest.mark.parametrize("seed", SEEDS[:4], ids=lambda p: p.name)
def test_a_rewritten_paragraph_is_a_new_version(seed: Path) -> None:
    body = seed.read_text("utf-8")
    assert not text.is_near_duplicate(*_print(body), *_print(_rewrite_longest_paragraph(body)))


def test_different_reports_are_never_near_duplicates() -> None:
    prints = [_print(seed.read_text("utf-8")) for seed in SEEDS]
    for i, a in enumerate(prints):
        for b in prints[i + 1 :]:
            assert not text.is_near_duplicate(*a, *b)


def test_changed_figures_or_headings_are_a_real_edit_however_similar_the_text() -> None:
    body = SEEDS[0].read_text("utf-8")
    fingerprint = text.fingerprint(text.tokens(body))
    other_facts = text.facts_hash(["一、主要举措和成效"], ["开展学法15次"])
    assert not text.is_near_duplicate(fingerprint, FACTS, fingerprint, other_facts)
    assert text.is_near_duplicate(fingerprint, FACTS, fingerprint, FACTS)


def test_short_texts_are_never_near_duplicates() -> None:
    words = text.tokens("一、工作落实情况 开展学法12次")
    assert text.fingerprint(words) is None
    assert not text.is_near_duplicate(None, FACTS, None, FACTS)


def test_simhash_distance() -> None:
    assert text.hamming(0b1011, 0b0010) == 2
    words = text.tokens(SEEDS[1].read_text("utf-8"))
    assert text.simhash(words) == text.simhash(list(reversed(words))[::-1])
    assert 0 < text.simhash(words) < 2**256
    assert text.simhash(["a", "b", "c"]) != text.simhash(["a", "b", "d"])


def test_search_tokens_hold_words_and_their_parts() -> None:
    tokens = text.search_tokens("昆明市科学技术局2024年法治政府建设年度报告。").split(" ")
    for word in ("昆明", "昆明市", "科学技术", "法治", "政府", "年度报告", "2024"):
        assert word in tokens
    assert "。" not in tokens
    assert text.query_tokens("法治政府 法治") == ["法治", "政府"]


def _simhash_by_definition(words: list[str]) -> int:
    """Charikar's simhash spelled out bit by bit: the reference for the column-wise version."""
    grams = text.shingles(words)
    counts = [0] * text.SIMHASH_BITS
    for gram in grams:
        digest = hashlib.blake2b(gram.encode("utf-8"), digest_size=text.SIMHASH_BITS // 8).digest()
        number = int.from_bytes(digest, "little")
        for bit in range(text.SIMHASH_BITS):
            counts[bit] += (number >> bit) & 1
    return sum(1 << bit for bit, count in enumerate(counts) if count > len(grams) / 2)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(alphabet="法治政府建设年度报告的和工作abc1", min_size=1, max_size=3), max_size=60
    )
)
def test_simhash_matches_its_definition(words: list[str]) -> None:
    assert text.simhash(words) == _simhash_by_definition(words)


def test_simhash_of_a_real_report_matches_its_definition() -> None:
    words = text.tokens(SEEDS[2].read_text("utf-8"))
    assert text.simhash(words) == _simhash_by_definition(words)


@pytest.mark.parametrize("seed", SEEDS[:3], ids=lambda p: p.stem)
def test_a_fingerprint_from_a_stored_text_equals_the_one_from_the_extractors_words(
    seed: Path,
) -> None:
    # A version's fingerprint is computed when a later text is first compared with it, from
    # the text it stored; the later text's comes from the words its event carries. They must
    # agree, or a repost would be taken for an edit (or the reverse).
    body = seed.read_text("utf-8")
    title, agency = "昆明市科学技术局2023年法治政府建设年度报告", "昆明市科学技术局"
    from_words = version_words(title, agency, body, segment(body))
    from_text = version_words(title, agency, body)
    assert from_words == from_text
    assert text.fingerprint(from_words) is not None
