"""Names of the 行政区划 (province, city, county) and their 6-digit codes, for look-ups by name.

The table is the one jionlp bundles (`dictionary/china_location.zip`, divisions to 2023+), read
directly from the zip without importing jionlp (whose import is slow, noisy and pulls in numpy).
Only the first three levels are kept; towns and villages are skipped.
"""

from __future__ import annotations

import importlib.util
import io
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from shared.errors import ConfigurationError

_MEMBER = "china_location.txt"


@dataclass(frozen=True)
class Regions:
    """Codes by name (full names and the table's aliases) and names by code."""

    names: dict[str, str] = field(default_factory=dict)  # code → full name
    codes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name or alias → codes

    def name_of(self, code: str | None) -> str | None:
        """The full name of a code (云南省, 昆明市, 五华区), None if unknown."""
        return self.names.get(code) if code else None

    def codes_for(self, name: str) -> tuple[str, ...]:
        """Every code with this name or alias (朝阳区 has two); empty if none."""
        return self.codes.get(name.strip(), ())


def _zip_path() -> Path:
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigurationError("jionlp is not installed: it provides the 行政区划 table")
    return Path(next(iter(spec.submodule_search_locations))) / "dictionary" / "china_location.zip"


def parse_regions(lines: io.TextIOBase) -> Regions:
    """Parse the table: one division a line, indented by level, `name<TAB>code<TAB>aliases`."""
    names: dict[str, str] = {}
    codes: dict[str, list[str]] = {}
    for line in lines:
        if len(line) - len(line.lstrip("\t")) > 2:
            continue
        parts = line.strip().split("\t")
        if len(parts) != 3:
            continue
        name, code, aliases = parts
        # A 直辖市 repeats its province as its city; Hong Kong's districts share one code.
        if code in names:
            continue
        names[code] = name
        for key in {name, *aliases.split("/")}:
            if len(key) >= 2 and code not in codes.setdefault(key, []):
                codes[key].append(code)
    return Regions(names, {k: tuple(v) for k, v in codes.items()})


@lru_cache(maxsize=1)
def regions() -> Regions:
    """The table, loaded on first use (about half a second) and kept for the process."""
    with zipfile.ZipFile(_zip_path()) as archive, archive.open(_MEMBER) as member:
        return parse_regions(io.TextIOWrapper(member, encoding="utf-8"))
