"""Bounds on what one extraction reads, analyses and carries, whatever the page.

`report.extracted` travels as one NATS message (max_payload is 1 MiB) and carries the main text
and its jieba words, so the text is cut twice: to MAX_TEXT_CHARS characters before any analysis
(segmentation, figures, laws, sections and keywords then run on a bounded text, in bounded time
and memory), and, for a report, to what fits with its words in CARRIED_JSON_BYTES of JSON. With
the caps on sections, figures, laws and keywords, the largest extraction stays under ~800 KB of
JSON (a 信息公开 report's tables add at most ~30 KB: a fixed set of ~220 cells and their findings).
Real reports sit far below every bound: the longest of the evaluation set has ~7,000
characters (~60 KB of JSON), and a long provincial report ~50,000.

Hints (link text, the source's agency name) are cut to MAX_HINT_CHARS before any matching: the
classifier's patterns backtrack over the whole string, so a 50,000-character link text took
seconds, and no title or agency name is that long.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

MAX_TEXT_CHARS = 100_000
CARRIED_JSON_BYTES = 600_000  # the text and its words together
MAX_HINT_CHARS = 300
MAX_SECTIONS = 300
MAX_LAWS = 200


def clean_hint(text: str | None) -> str | None:
    """A hint cut to MAX_HINT_CHARS, without NULs, with lone surrogates replaced (they cannot
    be encoded, so an extraction holding one could not be published)."""
    if text is None:
        return None
    cut = text[:MAX_HINT_CHARS]
    return cut.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


def joined_length(lines: Sequence[str]) -> int:
    """len("\\n".join(lines)), without building the string."""
    return sum(map(len, lines)) + max(len(lines) - 1, 0)


def cut_lines(lines: Sequence[str], max_chars: int) -> tuple[str, ...]:
    """The longest prefix of `lines` whose "\\n"-joined text has at most `max_chars` characters;
    the last line kept is cut when it does not fit whole (a page may be one 6-MB line)."""
    out: list[str] = []
    used = 0
    for line in lines:
        room = max_chars - used - (1 if out else 0)
        if room <= 0:
            break
        out.append(line[:room])
        used += len(out[-1]) + (1 if len(out) > 1 else 0)
        if len(line) > room:
            break
    return tuple(out)


def _json_bytes(value: object) -> int:
    return len(json.dumps(value, ensure_ascii=False).encode("utf-8", "replace"))


def carried(text: str, words: Sequence[str]) -> tuple[int, int]:
    """How much of `text` and of its `words` (jieba's tokens, which concatenate to the text) fit
    together in CARRIED_JSON_BYTES of JSON: (characters, words). The text and its words stay
    consistent: the kept words are exactly the kept text's."""
    # JSON spends at most 6 bytes on a character (\uXXXX) and 3 on a word's quotes and comma:
    # a text far from the limit fits without being encoded to find out.
    bound = 6 * (len(text) + sum(map(len, words))) + 3 * len(words) + 4
    if bound <= CARRIED_JSON_BYTES:
        return len(text), len(words)
    if _json_bytes(text) + _json_bytes(list(words)) <= CARRIED_JSON_BYTES:
        return len(text), len(words)
    used = 4  # the text's quotes, the list's brackets
    chars = 0
    for count, word in enumerate(words):
        # in the text without its quotes (-2), in the list with them and a comma (+1)
        cost = 2 * _json_bytes(word) - 1
        if used + cost > CARRIED_JSON_BYTES:
            return chars, count
        used += cost
        chars += len(word)
    return chars, len(words)
