"""Region names for subscriptions and digests: 云南省 → 530000, 530400 → 云南省玉溪市.

Read from the 行政区划 table jionlp ships (`dictionary/china_location.zip`) without importing
jionlp (slow, noisy). Only provinces, cities and counties; towns are skipped. Services never
import each other, so this is notify's own small loader rather than extract's.
"""

from __future__ import annotations

import importlib.util
import io
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from shared.errors import ConfigurationError

_CODE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class RegionTable:
    """Codes to full names, and names or aliases to codes (a name may be ambiguous)."""

    names: dict[str, str]  # code → full name, 530400 → 云南省玉溪市
    codes: dict[str, tuple[str, ...]]  # name or alias → codes

    def name(self, code: str) -> str | None:
        """The full name of a code, or None when the table does not know it."""
        return self.names.get(code)

    def resolve(self, value: str) -> str:
        """A 6-digit code for a code or a name; ConfigurationError when unknown or ambiguous."""
        value = value.strip()
        if _CODE.match(value):
            if value not in self.names:
                raise ConfigurationError(f"unknown region code {value!r}")
            return value
        found = self.codes.get(value, ())
        if not found:
            raise ConfigurationError(f"unknown region {value!r}: give its name or 6-digit code")
        if len(found) > 1:
            options = ", ".join(f"{c} {self.names[c]}" for c in found[:8])
            raise ConfigurationError(f"region {value!r} is ambiguous: use a code ({options})")
        return found[0]


def _data_path() -> Path:
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigurationError("jionlp is not installed: it provides the 行政区划 table")
    return Path(next(iter(spec.submodule_search_locations))) / "dictionary" / "china_location.zip"


def parse(lines: io.TextIOBase | list[str]) -> RegionTable:
    """The table from jionlp's format: tab-indented `name<TAB>code<TAB>alias/alias` lines."""
    names: dict[str, str] = {}
    codes: dict[str, list[str]] = {}
    path: list[str] = ["", "", ""]
    for raw in lines:
        depth = len(raw) - len(raw.lstrip("\t"))
        if depth > 2:
            continue
        fields = raw.strip().split("\t")
        if len(fields) != 3:
            continue
        name, code, aliases = fields
        path[depth] = name
        if not _CODE.match(code) or code in names:
            continue  # 直辖市 repeat their code as a city; HK/Macau districts share one
        parts: list[str] = []
        for part in path[: depth + 1]:
            if part and "直辖" not in part and part not in parts:  # 北京市 北京市 朝阳区
                parts.append(part)
        full = "".join(parts)
        names[code] = full
        for key in {name, full, *aliases.split("/")}:
            if len(key) >= 2 and code not in codes.get(key, []):
                codes.setdefault(key, []).append(code)
    return RegionTable(names, {k: tuple(v) for k, v in codes.items()})


@lru_cache(maxsize=1)
def region_table() -> RegionTable:
    """The table, loaded on first use and kept for the life of the process."""
    with (
        zipfile.ZipFile(_data_path()) as archive,
        archive.open("china_location.txt") as member,
    ):
        return parse(io.TextIOWrapper(member, encoding="utf-8"))
