"""The 行政区划 table: provinces, cities and counties, their 6-digit codes, names and aliases.

Every service reads the table through this module, and this module reads it once per process.
The table is the one jionlp bundles (`dictionary/china_location.zip`, divisions to 2023+), read
directly from the zip without importing jionlp (whose import takes ~0.4 s, prints a banner and
pulls in numpy). The zip is ~12 MB, nearly all towns and villages: the province, city and county
lines are picked with one regex pass; towns are read only when a page names a bare town.
"""

from __future__ import annotations

import importlib.util
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from shared.errors import ConfigurationError
from shared.events import Region

_MEMBER = "china_location.txt"
_CODE = re.compile(r"^\d{6}$")
_TOP_LEVELS = re.compile(rb"^\t{0,2}[^\t\n][^\n]*", re.MULTILINE)
_TOWN_LINES = re.compile(rb"^\t{2}[^\t\n]+\t(\d{6})|^\t{3}([^\t\r\n]+)", re.MULTILINE)
# Placeholder "cities" of the table that are not places (省直辖县级行政区划 and the like).
_NOT_A_PLACE = ("直辖", "行政区划")
_MUNICIPALITIES = frozenset({"11", "12", "31", "50"})


@dataclass(frozen=True)
class Division:
    """One province, city or county of the table."""

    code: str
    name: str
    level: int  # 1 province, 2 city (地级), 3 county (县级)
    parent: str | None  # the code of the division above, if any


@dataclass(frozen=True)
class RegionTable:
    """Look-ups over the table: by code, and by name, alias or full name (a name may be ambiguous)."""

    by_code: dict[str, Division]
    by_name: dict[str, tuple[Division, ...]]  # name or alias → divisions
    by_full_name: dict[str, tuple[str, ...]] = field(default_factory=dict)  # 云南省玉溪市 → codes

    def name_of(self, code: str | None) -> str | None:
        """The name of a code as the table writes it (云南省, 昆明市, 五华区), None if unknown."""
        division = self.by_code.get(code) if code else None
        return division.name if division else None

    def full_name(self, code: str | None) -> str | None:
        """The name with the divisions above it (云南省玉溪市, 北京市朝阳区), None if unknown."""
        division = self.by_code.get(code) if code else None
        parts: list[str] = []
        while division is not None:
            if "直辖" not in division.name and division.name not in parts:
                parts.insert(0, division.name)
            division = self.by_code.get(division.parent) if division.parent else None
        return "".join(parts) or None

    def lookup(self, name: str) -> tuple[Division, ...]:
        """Every division with this name or alias."""
        return self.by_name.get(name, ())

    def codes_for(self, name: str) -> tuple[str, ...]:
        """Every code with this name, alias or full name (朝阳区 has two); empty if none."""
        name = name.strip()
        codes = {d.code: None for d in self.lookup(name)}
        codes.update(dict.fromkeys(self.by_full_name.get(name, ())))
        return tuple(codes)

    def resolve(self, value: str) -> str:
        """A 6-digit code for a code or a name; ConfigurationError when unknown or ambiguous."""
        value = value.strip()
        if _CODE.match(value):
            if value not in self.by_code:
                raise ConfigurationError(f"unknown region code {value!r}")
            return value
        found = self.codes_for(value)
        if not found:
            raise ConfigurationError(f"unknown region {value!r}: give its name or 6-digit code")
        if len(found) > 1:
            options = ", ".join(f"{c} {self.full_name(c)}" for c in found[:8])
            raise ConfigurationError(f"region {value!r} is ambiguous: use a code ({options})")
        return found[0]

    def region(self, code: str) -> Region | None:
        """The Region of a code, filled down to the code's level; None for an unknown code."""
        division = self.by_code.get(code)
        if division is None:
            return None
        names: dict[int, str] = {}
        node: Division | None = division
        while node is not None:
            names[node.level] = node.name
            node = self.by_code.get(node.parent) if node.parent else None
        city = names.get(2)
        if city is not None and any(marker in city for marker in _NOT_A_PLACE):
            city = None
        elif city is None and division.code[:2] in _MUNICIPALITIES:
            city = names.get(1)  # a 直辖市 and its districts: the municipality is the city too
        return Region(province=names.get(1), city=city, county=names.get(3), code=division.code)


def _zip_path() -> Path:
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigurationError("jionlp is not installed: it provides the 行政区划 table")
    return Path(next(iter(spec.submodule_search_locations))) / "dictionary" / "china_location.zip"


def _read_table() -> bytes:
    with zipfile.ZipFile(_zip_path()) as archive:
        return archive.read(_MEMBER)


def parse_regions(lines: Iterable[str]) -> RegionTable:
    """Parse the table: one division a line, tab-indented by level, `name<TAB>code<TAB>aliases`."""
    by_code: dict[str, Division] = {}
    by_name: dict[str, list[Division]] = {}
    parents: list[str | None] = [None, None, None]
    for raw in lines:
        depth = len(raw) - len(raw.lstrip("\t"))
        if depth > 2:  # towns and villages
            continue
        fields = raw.strip().split("\t")
        if len(fields) != 3 or not _CODE.match(fields[1]):  # Taiwan's districts carry no code
            continue
        name, code, aliases = fields
        level = depth + 1
        parent = parents[depth - 1] if depth else None
        parents[depth] = code
        if level == 2 and code == parent:  # 直辖市: the city repeats the province
            continue
        if code in by_code:  # Hong Kong and Macau give one code to every district: keep the first
            continue
        division = Division(code=code, name=name, level=level, parent=parent)
        by_code[code] = division
        for key in {name, *aliases.split("/")}:
            if len(key) >= 2:
                by_name.setdefault(key, []).append(division)
    table = RegionTable(by_code, {k: tuple(v) for k, v in by_name.items()})
    by_full_name: dict[str, list[str]] = {}
    for code in by_code:
        by_full_name.setdefault(table.full_name(code) or code, []).append(code)
    return RegionTable(table.by_code, table.by_name, {k: tuple(v) for k, v in by_full_name.items()})


@lru_cache(maxsize=1)
def regions() -> RegionTable:
    """The table, loaded on first use (about 0.1 s) and kept for the life of the process, with
    the former names of renamed divisions (横县, now 横州市) for the reports they wrote."""
    table = parse_regions(line.decode("utf-8") for line in _TOP_LEVELS.findall(_read_table()))
    changes = _zip_path().with_name("china_location_change.txt")
    if changes.exists():
        table = with_former_names(table, changes.read_text("utf-8").splitlines())
    return table


def with_former_names(table: RegionTable, lines: Iterable[str]) -> RegionTable:
    """The table with each renamed division's former name (jionlp's list of changes:
    `date  approver  province  short  city  short  county  short=>province  city  county`) as a
    name of the division it became. The former name keeps itself (a 2020 report of 横县人民政府
    is 横县's) and the code of today's division (450181 横州市), so the region is today's. A
    former name that is a current division's name elsewhere is left out: it would be ambiguous."""
    by_name = {name: list(divisions) for name, divisions in table.by_name.items()}
    for line in lines:
        before, arrow, after = line.partition("=>")
        old, new = before.split("\t")[2:], after.split("\t")
        if not arrow or len(old) not in (4, 6) or len(new) != len(old) // 2:
            continue
        old_name, new_full = old[-2], "".join(new)
        codes = table.by_full_name.get(new_full, ())
        if len(codes) != 1 or old_name in by_name or old_name == new[-1]:
            continue
        current = table.by_code[codes[0]]
        by_name[old_name] = [replace(current, name=old_name)]
    return RegionTable(table.by_code, {k: tuple(v) for k, v in by_name.items()}, table.by_full_name)


@lru_cache(maxsize=1)
def phone_area_codes() -> dict[str, str]:
    """Landline area codes (027, 0472) → the code of the city they serve (武汉市, 包头市); the
    municipalities' (010, 023) → the municipality. From jionlp's table beside the division
    table; a code whose place the division table cannot find is left out."""
    path = _zip_path().with_name("landline_phone_area_code.txt")
    table = regions()
    provinces = {d.name: d.code for d in table.by_code.values() if d.level == 1}
    cities_of: dict[str, list[Division]] = {}
    for division in table.by_code.values():
        if division.level == 2:
            cities_of.setdefault(division.code[:2], []).append(division)
    found: dict[str, str] = {}
    for line in path.read_text("utf-8").splitlines():
        fields = line.split()
        if len(fields) != 2 or fields[1].count("/") != 1:
            continue
        area, place = fields
        province_short, city_short = place.split("/")
        province = next((c for n, c in provinces.items() if n.startswith(province_short)), None)
        if province is None:
            continue
        if province[:2] in _MUNICIPALITIES:
            found[area] = province
            continue
        cities = [d.code for d in cities_of.get(province[:2], ()) if d.name.startswith(city_short)]
        if len(cities) == 1:
            found[area] = cities[0]
    return found


@lru_cache(maxsize=1)
def towns() -> dict[str, tuple[str, ...]]:
    """Town and street names (下洋镇, 留下街道) → the codes of the counties that have one.

    Towns are below the table's codes, so a town is placed by its county. Loaded on first use
    (about 0.2 s): only pages that name a bare town need it.
    """
    found: dict[str, set[str]] = {}
    county: str | None = None
    for match in _TOWN_LINES.finditer(_read_table()):
        if match.group(1):
            county = match.group(1).decode("ascii")
        elif county is not None:
            found.setdefault(match.group(2).decode("utf-8"), set()).add(county)
    return {name: tuple(sorted(codes)) for name, codes in found.items()}


# The 55 minority nationalities, longest first: 民族乡 are named after them (落别布依族彝族乡).
_NATIONALITIES = sorted(
    [
        "蒙古",
        "回",
        "藏",
        "维吾尔",
        "苗",
        "彝",
        "壮",
        "布依",
        "朝鲜",
        "满",
        "侗",
        "瑶",
        "白",
        "土家",
        "哈尼",
        "哈萨克",
        "傣",
        "黎",
        "傈僳",
        "佤",
        "畲",
        "高山",
        "拉祜",
        "水",
        "东乡",
        "纳西",
        "景颇",
        "柯尔克孜",
        "土",
        "达斡尔",
        "仫佬",
        "羌",
        "布朗",
        "撒拉",
        "毛南",
        "仡佬",
        "锡伯",
        "阿昌",
        "普米",
        "塔吉克",
        "怒",
        "乌孜别克",
        "俄罗斯",
        "鄂温克",
        "德昂",
        "保安",
        "裕固",
        "京",
        "塔塔尔",
        "独龙",
        "鄂伦春",
        "赫哲",
        "门巴",
        "珞巴",
        "基诺",
    ],
    key=len,
    reverse=True,
)


@lru_cache(maxsize=1)
def ethnic_town_short_forms() -> dict[str, tuple[str, ...]]:
    """The short forms of 民族乡 and 民族镇 (落别乡) → the table's full names (落别布依族彝族乡):
    pages and titles often drop the nationalities."""
    found: dict[str, set[str]] = {}
    for name in towns():
        if not name.endswith(("族乡", "族镇")):
            continue
        stem = name[:-1]
        while stem.endswith("族"):
            nationality = next((n for n in _NATIONALITIES if stem.endswith(n + "族")), None)
            if nationality is None:
                break
            stem = stem[: -len(nationality) - 1]
        if stem and stem != name[:-1] and not stem.endswith("族"):
            found.setdefault(stem + name[-1], set()).add(name)
    return {short: tuple(sorted(names)) for short, names in found.items()}


def contains(outer: str, code: str) -> bool:
    """Whether division `code` lies inside division `outer`, or is it."""
    division = regions().by_code.get(outer)
    if division is None:
        return False
    digits = {1: 2, 2: 4}.get(division.level, 6)
    return code[:digits] == outer[:digits]


def canonical_place_name(division: Division) -> str:
    """How a national list writes the place: a 区 with its city (杭州市西湖区, 天津市静海区, as
    district names repeat across the country); provinces, cities, counties and county-level
    cities alone."""
    if division.level == 3 and division.name.endswith("区") and division.parent:
        parent = regions().by_code.get(division.parent)
        if (
            parent is not None
            and not any(marker in parent.name for marker in _NOT_A_PLACE)
            and not division.name.startswith(parent.name)  # 怀化市洪江管理区 says it already
        ):
            return parent.name + division.name
    return division.name
