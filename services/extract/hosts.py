"""Which division a government portal's host names: `kj.hangzhou.gov.cn` is 杭州市's.

Department hosts are subdomains of their government's domain (`kj.hangzhou.gov.cn`,
`zjsczj.zhanjiang.gov.cn`), and a government's domain spells its place in pinyin: in full
(`hangzhou`), by initials (`km` for 昆明), or its city's initials before its own
(`tjjh` for 天津市静海区). The labels are matched against every reading of the division names
(pypinyin's dictionary of readings per character, so 长 is both chang and zhang); the few
domains pinyin cannot derive are listed in `DOMAIN_EXCEPTIONS`.

A host is a hint, not an identifier: initials are ambiguous across the country, so callers
weigh a match by how it was made and narrow it with the page's other evidence.
"""

from __future__ import annotations

import itertools
import json
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from shared.regions import Division, RegionTable, contains, regions

# Government domains that pinyin cannot derive (or derives ambiguously: shanxi is 山西 and 陕西).
DOMAIN_EXCEPTIONS: dict[str, str] = {
    "beijing": "110000",
    "tj": "120000",
    "hebei": "130000",
    "shanxi": "140000",
    "nmg": "150000",
    "ln": "210000",
    "jl": "220000",
    "hlj": "230000",
    "sh": "310000",
    "jiangsu": "320000",
    "zj": "330000",
    "ah": "340000",
    "fujian": "350000",
    "jiangxi": "360000",
    "shandong": "370000",
    "henan": "410000",
    "hubei": "420000",
    "hunan": "430000",
    "gd": "440000",
    "gxzf": "450000",
    "gx": "450000",
    "hainan": "460000",
    "cq": "500000",
    "sc": "510000",
    "guizhou": "520000",
    "yn": "530000",
    "xizang": "540000",
    "shaanxi": "610000",
    "gansu": "620000",
    "qinghai": "630000",
    "nx": "640000",
    "xinjiang": "650000",
    "xj": "650000",
    "gz": "440100",  # 广州 (gz.gov.cn); 贵州 is guizhou
    "sz": "440300",  # 深圳
    "cd": "510100",  # 成都
    "fz": "350100",  # 福州
    "xm": "350200",  # 厦门
    "dl": "210200",  # 大连
    "harbin": "230100",  # 哈尔滨 (harbin.gov.cn), by its old spelling
    "hrb": "230100",  # hrbdl.gov.cn: 哈尔滨 + 道里
    "cqqj": "500110",  # 綦江区 (www.cqqj.gov.cn); 黔江区 is qianjiang.gov.cn
    "qingshan": "420107",  # 武汉市青山区 (www.qingshan.gov.cn); 包头市青山区 is qsq.gov.cn
}
# Labels that name no place: the portal's own sections.
_NOT_PLACES = frozenset({"www", "gov", "cn", "xxgk", "zwgk", "gk", "wap", "m", "big5", "gate"})
_MAX_READINGS = 32  # spellings kept per name (a name of rare polyphones would explode)


@dataclass(frozen=True)
class HostMatch:
    """The divisions a host label may name, and whether the match was exact (full pinyin or a
    listed domain) or by initials only (ambiguous by nature)."""

    codes: tuple[str, ...]
    label: str
    exact: bool


def _readings(char: str) -> list[str]:
    from pypinyin.pinyin_dict import pinyin_dict  # a large module: loaded with the index only

    found = pinyin_dict.get(ord(char))
    if not found:
        return []
    out: list[str] = []
    for reading in found.split(","):
        decomposed = unicodedata.normalize("NFD", reading)
        for variant in (decomposed.replace("u\u0308", "v"), decomposed.replace("u\u0308", "u")):
            bare = "".join(c for c in variant if not unicodedata.combining(c))
            if bare.isascii() and bare.isalpha() and bare not in out:
                out.append(bare)
    return out


def _initials(reading: str) -> set[str]:
    """A syllable's initials as domains write them: t for tong, and zh, ch, sh either as one
    letter or two (bjtzh is 北京 + 通州, bjxch 北京 + 西城)."""
    return {reading[0], reading[:2]} if reading[:2] in ("zh", "ch", "sh") else {reading[0]}


def _spellings(name: str) -> tuple[list[str], list[str]]:
    """Every full spelling of a name, and every spelling by initials."""
    per_char = [_readings(char) for char in name]
    if not all(per_char):
        return [], []
    full = ["".join(p) for p in itertools.islice(itertools.product(*per_char), _MAX_READINGS)]
    initial_sets = [sorted(set().union(*map(_initials, readings))) for readings in per_char]
    short = ["".join(p) for p in itertools.islice(itertools.product(*initial_sets), _MAX_READINGS)]
    return full, short


# A division's level as domains spell it after the name: qinghexian (清河县), xqq (兴庆区).
_LEVEL_SPELLINGS = {
    "县": ("xian", "x"),
    "区": ("qu", "q"),
    "市": ("shi", "s"),
    "旗": ("qi", "q"),
    "州": ("zhou", "z"),
    "盟": ("meng", "m"),
}
# A government's domain may end in its word for government: jxjaxzf (靖安县政府), gnzrmzf.
_GOVERNMENT_ENDINGS = ("rmzf", "zf")


def _stems(division: Division, names: Iterable[str]) -> list[str]:
    """The division's names without their level (杭州 for 杭州市), at least two characters. A
    banner's short name is its name without 旗 (达拉特 for 达拉特旗: www.dlt.gov.cn), which the
    table's aliases do not always give; so is a 特区's and a 林区's without those (六枝 for
    六枝特区: www.liuzhi.gov.cn)."""
    stems = {n for n in names if len(n) >= 2 and division.name.startswith(n)}
    for suffix in ("旗", "特区", "林区"):
        short = division.name.removesuffix(suffix)
        if short != division.name and len(short) >= 2 and not short.endswith("自治"):
            stems.add(short)
    return sorted(stems, key=len)


def _short_forms(division: Division, names: Iterable[str], table: RegionTable) -> list[str]:
    """The division's short forms that are not its name's beginning (喀左 for 喀喇沁左翼蒙古族
    自治县: www.kazuo.gov.cn; 察右中旗; 海南州), where the table gives that short form to it
    alone. Counties, banners and autonomous prefectures only: a zone's short form (冀南 for
    邯郸冀南新区) would make a city's spelling (jinan, 济南) ambiguous."""
    if not division.name.endswith(("县", "旗", "自治州")):  # 海南州: www.hainanzhou.gov.cn
        return []
    return sorted(
        n
        for n in names
        if len(n) >= 2
        and n != division.name
        and not division.name.startswith(n)
        and len(table.by_name.get(n, ())) == 1
    )


Index = tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]
INDEX_FILE = Path(__file__).with_name("host_index.json")


@lru_cache(maxsize=1)
def _index() -> Index:
    """The shipped index (built from the division table by `python -m services.extract.hosts`;
    a test checks it is current), or a fresh build if it is missing."""
    try:
        data = json.loads(INDEX_FILE.read_text("utf-8"))
    except FileNotFoundError:
        return build_index()
    return (
        {k: tuple(v) for k, v in data["full"].items()},
        {k: tuple(v) for k, v in data["initials"].items()},
    )


def write_index(path: Path = INDEX_FILE) -> None:
    """Build the index and write it where `_index` reads it."""
    full, initials = build_index()
    payload = {"full": full, "initials": initials}
    path.write_text(json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")))


def build_index() -> Index:
    """Spelling -> division codes, for full spellings and for initials (about 0.3 s)."""
    table = regions()
    aliases: dict[str, list[str]] = {}
    for name, divisions in table.by_name.items():
        for division in divisions:
            aliases.setdefault(division.code, []).append(name)
    full: dict[str, set[str]] = {}
    short: dict[str, set[str]] = {}
    for code, division in table.by_code.items():
        names = aliases.get(code, [division.name])
        stems = _stems(division, names)
        for i, stem in enumerate(stems[:1] + _short_forms(division, names, table)):
            spelled, initials = _spellings(stem)
            level = _LEVEL_SPELLINGS.get(division.name[-1]) if i == 0 else None
            if level and stem != division.name:  # 清河 + 县: qinghexian, qhx
                spelled += [key + level[0] for key in spelled]
                initials += [key + level[1] for key in initials]
            for key in spelled:
                full.setdefault(key, set()).add(code)
            for key in initials:
                short.setdefault(key, set()).add(code)
    return (
        {k: tuple(sorted(v)) for k, v in full.items()},
        {k: tuple(sorted(v)) for k, v in short.items()},
    )


def _single_match(label: str) -> HostMatch | None:
    """The divisions one spelling names: a listed domain, a full spelling, initials."""
    if label in DOMAIN_EXCEPTIONS:
        return HostMatch((DOMAIN_EXCEPTIONS[label],), label, True)
    full, short = _index()
    if label in full:
        return HostMatch(full[label], label, True)
    if label in short:
        return HostMatch(short[label], label, False)
    return None


def _outer_codes(label: str) -> tuple[str, ...]:
    """Every division a spelling may name when it stands before another (gz is 广州 alone,
    but 贵州 too in gzhezhang)."""
    full, short = _index()
    listed = (DOMAIN_EXCEPTIONS[label],) if label in DOMAIN_EXCEPTIONS else ()
    return (*listed, *full.get(label, ()), *short.get(label, ()))


@lru_cache(maxsize=4096)
def _compound_match(label: str) -> HostMatch | None:
    """A label that spells a division after the place it lies in (tjjh: 天津 + 静海;
    hrbdl: 哈尔滨 + 道里; yncxym: 云南 + 楚雄 + 元谋): the inner divisions inside an outer."""
    codes: list[str] = []
    exact = False
    for cut in range(2, len(label) - 1):
        outers = _outer_codes(label[:cut])
        if not outers:
            continue
        rest = label[cut:]
        # Inside a place, a listed domain's spelling may be another's (sqsc: 宿迁 + 宿城, not
        # 四川): every reading stands.
        readings = _outer_codes(rest)
        inner = (
            HostMatch(readings, rest, rest in _index()[0]) if readings else _compound_match(rest)
        )
        if inner is None:
            continue
        for code in inner.codes:
            if code not in codes and any(code != o and contains(o, code) for o in outers):
                codes.append(code)
                exact = exact or inner.exact
    return HostMatch(tuple(codes), label, exact) if codes else None


def _spelled_match(label: str) -> HostMatch | None:
    """A full spelling alone, else every reading as initials, flat (ahjx as 阿合奇县) or nested
    (安徽 + 泾县): initials are ambiguous, so all their readings stand."""
    single = _single_match(label)
    if single is not None and single.exact:
        return single
    nested = _compound_match(label)
    if single is None or nested is None:
        return single or nested
    codes = tuple(dict.fromkeys((*nested.codes, *single.codes)))
    return HostMatch(codes, label, nested.exact)


def _label_match(label: str) -> HostMatch | None:
    found = _spelled_match(label)
    if found is not None:
        return found
    for ending in _GOVERNMENT_ENDINGS:  # jxjaxzf: 江西 + 靖安县 + 政府
        stem = label.removesuffix(ending)
        if stem != label and len(stem) >= 2:
            found = _spelled_match(stem)
            if found is not None:
                return HostMatch(found.codes, label, found.exact)
    return None


def host_match(url: str | None) -> HostMatch | None:
    """The divisions a `.gov.cn` URL's host names, most specific first; None when it names none.

    The label before `gov.cn` is the government's; a label left of it counts only when it
    names a division inside that government's (`xihu.hangzhou.gov.cn`), since department
    hosts put their own abbreviation there (`kj.hangzhou.gov.cn`).
    """
    if not url:
        return None
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return None
    if not host.endswith(".gov.cn"):
        return None
    labels = [label for label in host[: -len(".gov.cn")].split(".") if label]
    labels = [label for label in labels if label not in _NOT_PLACES and label.isalpha()]
    if not labels:
        return None
    match = _label_match(labels[-1])
    if match is None:
        return None
    for label in reversed(labels[:-1]):
        inner = _label_match(label)
        if inner is None:
            break
        inside = tuple(
            c for c in inner.codes if any(c != o and contains(o, c) for o in match.codes)
        )
        if not inside:
            break
        match = HostMatch(inside, label, inner.exact)
    return match


if __name__ == "__main__":
    write_index(Path(sys.argv[1]) if len(sys.argv) > 1 else INDEX_FILE)
