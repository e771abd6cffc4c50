"""Turning fetched bytes into text: the one place that knows Chinese portals' charsets.

Order of evidence (domain.md): a charset forced by the source's configuration, the HTTP header,
the page's own `<meta charset>` / `http-equiv`, a byte-order mark, then detection. The GB2312/GBK
family is always decoded as GB18030, its superset, because portals declare gb2312 and then use
characters outside it.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "cp936", "x-gbk", "euc-cn", "hz-gb-2312", "gb_2312-80"}
_SNIFF_BYTES = 4096
_NOT_PAGE_ENCODINGS = {
    "idna",
    "punycode",
    "undefined",
    "unicode-escape",
    "raw-unicode-escape",
    "unicode_escape",
    "raw_unicode_escape",
}


def normalise_charset(name: str | None) -> str | None:
    """A Python codec name for a declared charset, or None when it is unknown or absent."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    if label in _GB_FAMILY:
        return "gb18030"
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError):  # unknown name, or a NUL in it
        return None
    # Python knows codecs that are not text encodings (hex, rot13, zlib) or that no page is
    # written in (idna, punycode, undefined, unicode_escape): a page naming one is lying.
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_PAGE_ENCODINGS:
        return None
    return "gb18030" if info.name in _GB_FAMILY else info.name


def meta_charset(content: bytes) -> str | None:
    """The charset a page declares in its first bytes, normalised."""
    match = _META_CHARSET.search(content[:_SNIFF_BYTES])
    return normalise_charset(match.group(1).decode("ascii", "ignore")) if match else None


def _private_use_share(text: str) -> float:
    sample = text[:20_000]
    return len(_PRIVATE_USE.findall(sample)) / max(1, len(sample))


def decode_bytes(
    content: bytes, declared: str | None = None, override: str | None = None
) -> tuple[str, str]:
    """Decode `content` and return `(text, encoding used)`.

    A declared charset that fails to decode the bytes cleanly is not trusted blindly: portals
    often send a stale header. The first candidate that decodes without error wins; detection
    comes last, and as a final resort GB18030 with replacement characters, so nothing is lost.
    """
    candidates: list[str] = []
    for name in (override, declared):
        codec = normalise_charset(name)
        if codec and codec not in candidates:
            candidates.append(codec)
    if content.startswith(codecs.BOM_UTF8):
        candidates.insert(0, "utf-8-sig")
    from_meta = meta_charset(content)
    if from_meta and from_meta not in candidates:
        candidates.append(from_meta)
    if override and normalise_charset(override):
        # An operator's override is authoritative even when some bytes are broken.
        codec = normalise_charset(override)
        assert codec is not None
        return content.decode(codec, errors="replace"), codec
    for codec in candidates:
        try:
            return content.decode(codec), codec
        except (UnicodeError, LookupError):
            continue
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = content.decode("gb18030")
    except UnicodeDecodeError:
        pass
    else:
        # Big5 bytes (an undeclared 繁體 gateway page) decode as GB18030 too, into a text full
        # of private-use characters; a real GBK page has next to none.
        if _private_use_share(text) > 0.005:
            for codec in ("cp950", "big5hkscs"):
                try:
                    other = content.decode(codec)
                except UnicodeDecodeError:
                    continue
                if _private_use_share(other) < _private_use_share(text):
                    return other, codec
        return text, "gb18030"
    best = from_bytes(content[:200_000]).best()
    if best is not None and best.encoding:
        codec = normalise_charset(best.encoding) or best.encoding
        return content.decode(codec, errors="replace"), codec
    return content.decode("gb18030", errors="replace"), "gb18030"
