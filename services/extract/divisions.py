"""The 行政区划 table: 6-digit codes, names and aliases, read once from jionlp's packaged data.

jionlp ships the table (to 2023+) as `dictionary/china_location.zip`. We read that file directly
instead of importing jionlp: its import takes ~0.4 s, prints a banner and pulls in numpy, while we
need only the province/city/county lines (the zip also lists towns and villages, which we skip).
"""

from __future__ import annotations

import importlib.util
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from shared.events import Region

_DATA_MEMBER = "china_location.txt"
# Placeholder "cities" of the table that are not places (省直辖县级行政区划 and the like).
_NOT_A_PLACE = ("直辖", "行政区划")
_MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
_TOP_LEVELS = re.compile(rb"^\t{0,2}[^\t\n][^\n]*", re.MULTILINE)


@dataclass(frozen=True)
class Division:
    """One province, city or county of the table."""

    code: str
    name: str
    level: int  # 1 province, 2 city (地级), 3 county (县级)
    parent: str | None  # the code of the division above, if any


@dataclass(frozen=True)
class DivisionTable:
    """Look-ups over the table: by code, and by full name or alias (a name may be ambiguous)."""

    by_code: dict[str, Division]
    by_name: dict[str, tuple[Division, ...]]

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

    def lookup(self, name: str) -> tuple[Division, ...]:
        """Every division with this full name or alias."""
        return self.by_name.get(name, ())


def _data_path() -> Path:
    """Where jionlp's table lives, found without importing (and so initialising) jionlp."""
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("jionlp is not installed: it provides the 行政区划 table")
    return Path(next(iter(spec.submodule_search_locations))) / "dictionary" / "china_location.zip"


def _parse(lines: Iterable[str]) -> DivisionTable:
    by_code: dict[str, Division] = {}
    by_name: dict[str, list[Division]] = {}
    parents: list[str | None] = [None, None, None]
    for raw in lines:
        if raw.startswith("\t\t\t"):  # towns and villages: most of the file, skipped cheaply
            continue
        depth = len(raw) - len(raw.lstrip("\t"))
        if depth > 2:  # towns and villages
            continue
        fields = raw.strip().split("\t")
        if len(fields) != 3:  # Taiwan's districts carry no code
            continue
        name, code, aliases = fields
        level = depth + 1
        parent = parents[depth - 1] if depth else None
        parents[depth] = code
        if level == 2 and code == parent:  # 直辖市: the city repeats the province
            continue
        if code in by_code and level == 3 and code == by_code[code].code:
            # Hong Kong and Macau give one code to every district: keep the first.
            continue
        division = Division(code=code, name=name, level=level, parent=parent)
        by_code.setdefault(code, division)
        for key in {name, *aliases.split("/")}:
            if len(key) >= 2:
                by_name.setdefault(key, []).append(division)
    return DivisionTable(by_code, {k: tuple(v) for k, v in by_name.items()})


@lru_cache(maxsize=1)
def division_table() -> DivisionTable:
    """The table, loaded on first use (about 0.1 s) and kept for the life of the process."""
    with zipfile.ZipFile(_data_path()) as archive:
        data = archive.read(_DATA_MEMBER)
    # The file is ~12 MB, nearly all towns and villages (3+ tabs deep): pick the province,
    # city and county lines with one regex pass instead of decoding and splitting every line.
    return _parse(line.decode("utf-8") for line in _TOP_LEVELS.findall(data))


_TOWN_LINES = re.compile(rb"^\t{2}[^\t\n]+\t(\d{6})|^\t{3}([^\t\r\n]+)", re.MULTILINE)


@lru_cache(maxsize=1)
def town_table() -> dict[str, tuple[str, ...]]:
    """Town and street names (下洋镇, 留下街道) -> the codes of the counties that have one.

    Towns are below the table's codes, so a town is placed by its county. Loaded on first use
    (about 0.2 s): only pages that name a bare town need it.
    """
    with zipfile.ZipFile(_data_path()) as archive:
        data = archive.read(_DATA_MEMBER)
    towns: dict[str, set[str]] = {}
    county: str | None = None
    for match in _TOWN_LINES.finditer(data):
        if match.group(1):
            county = match.group(1).decode("ascii")
        elif county is not None:
            towns.setdefault(match.group(2).decode("utf-8"), set()).add(county)
    return {name: tuple(sorted(codes)) for name, codes in towns.items()}


def canonical_place_name(division: Division) -> str:
    """How a national list writes the place: a 区 with its city (杭州市西湖区, 天津市静海区, as
    district names repeat across the country); provinces, cities, counties and county-level
    cities alone."""
    if division.level == 3 and division.name.endswith("区") and division.parent:
        table = division_table()
        parent = table.by_code.get(division.parent)
        if parent is not None and not any(marker in parent.name for marker in _NOT_A_PLACE):
            return parent.name + division.name
    return division.name


def contains(outer: str, code: str) -> bool:
    """Whether division `code` lies inside division `outer`, or is it."""
    division = division_table().by_code.get(outer)
    if division is None:
        return False
    digits = {1: 2, 2: 4}.get(division.level, 6)
    return code[:digits] == outer[:digits]
