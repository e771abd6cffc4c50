"""The registry of obligation holders: every county-level-and-up 人民政府 of the division table.

Every 地方人民政府 at 县级以上 must publish both the 法治政府建设年度报告 and the 政府信息公开工作年度报告
(domain.md), so they are known agencies from the start, not something a user has to type. The
table is jionlp's (`dictionary/china_location.zip`, the one `shared.regions` reads). It lists the
divisions of about 2021 and keeps a few it should not (南昌市湾里区, merged in 2019); its history
file (`china_location_change.txt`, last change 2023-04-03) is applied on top: a merged division
goes, a renamed one takes its new name (错那县 → 错那市), and the old names become aliases of the
successor, so a filing under 襄樊市人民政府 belongs to 襄阳市人民政府.

Left out, because no 人民政府 of that name exists: 省直辖/市直辖 placeholders, Hong Kong, Macau and
Taiwan (and 福建 金门县), the statistical codes of 开发区 and 新区 (last pair 71–79), and the
management zones the table lists as counties (`NOT_GOVERNMENTS`).
"""

from __future__ import annotations

import importlib.util
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from shared.errors import ConfigurationError

OBLIGATIONS = ("法治政府建设年度报告", "政府信息公开工作年度报告")
LEVELS = ("province", "city", "county")
TABLE_YEAR = 2023  # the history file's last change: 2023-04-03
_MEMBER = "china_location.txt"
_CHANGES = "china_location_change.txt"
_PLACEHOLDER = ("直辖", "行政区划")
_OUTSIDE = frozenset({"71", "81", "82"})  # Taiwan, Hong Kong, Macau
_MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
# Listed as county-level by the table but governed by no 人民政府 of their own.
NOT_GOVERNMENTS = frozenset(
    {
        "350527",  # 金门县 (福建), not under the mainland's administration
        "460323",  # 中沙群岛的岛礁及其海域, governed by 三沙市
        "510156",  # 天府新区 (四川), a 新区 run by a 管委会
        "632857",  # 大柴旦行政委员会
        "232761",  # 加格达奇区, 松岭区, 新林区, 呼中区: 大兴安岭地区's 管委会 zones
        "232762",
        "232763",
        "232764",
    }
)


@dataclass(frozen=True)
class Government:
    """One 人民政府 of the registry."""

    id: str  # gov-<code>
    name: str  # canonical: 云南省人民政府, 昆明市人民政府, 天津市静海区人民政府, 宜良县人民政府
    region_code: str
    level: str  # province | city | county
    parent: str | None  # the region code of the government above
    place: str  # the division's own name (静海区)
    aliases: tuple[str, ...]
    former_names: tuple[str, ...]  # canonical names of the divisions it succeeded

    @property
    def expects(self) -> tuple[str, ...]:
        """The reports it must publish."""
        return OBLIGATIONS


@dataclass(frozen=True)
class Registry:
    """The governments, by id and by region code, with the counts per level."""

    governments: tuple[Government, ...]
    by_code: dict[str, Government]

    def counts(self) -> dict[str, int]:
        """How many governments of each level."""
        found = Counter(g.level for g in self.governments)
        return {level: found.get(level, 0) for level in LEVELS}


def government_id(code: str) -> str:
    """The agency id of the government of a region code."""
    return f"gov-{code}"


def _dictionary() -> Path:
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigurationError("jionlp is not installed: it provides the 行政区划 table")
    return Path(next(iter(spec.submodule_search_locations))) / "dictionary"


_TOP = re.compile(rb"^\t{0,2}[^\t\n][^\n]*", re.MULTILINE)


@dataclass(frozen=True)
class _Division:
    code: str
    name: str
    short: str
    depth: int
    parent: str | None


def _divisions(data: bytes) -> list[_Division]:
    found: list[_Division] = []
    seen: set[str] = set()
    parents: list[str | None] = [None, None, None]
    placeholder: list[bool] = [False, False, False]
    for raw in _TOP.findall(data):
        line = raw.decode("utf-8")
        depth = len(line) - len(line.lstrip("\t"))
        fields = line.strip().split("\t")
        if len(fields) != 3:
            continue
        name, code, aliases = fields
        parent = parents[depth - 1] if depth else None
        parents[depth] = code
        placeholder[depth] = any(marker in name for marker in _PLACEHOLDER)
        if code in seen or code[:2] in _OUTSIDE or placeholder[depth]:
            continue  # a 直辖市 repeats itself as its city; placeholders are not places
        if depth == 2 and placeholder[1]:
            parent = parents[0]  # 省直辖县级市 (济源市) sit directly under the province
        seen.add(code)
        short = next((a for a in aliases.split("/") if len(a) >= 2), name)
        found.append(_Division(code, name, short, depth, parent))
    return found


def _is_government(division: _Division) -> bool:
    if division.code in NOT_GOVERNMENTS:
        return False
    return not (division.depth == 2 and "70" < division.code[4:6] < "81")


def build_registry(data: bytes, changes: str = "") -> Registry:
    """The registry from the table's bytes and its history file's text."""
    divisions = _apply_history(
        [d for d in _divisions(data) if _is_government(d)], _parse_changes(changes)
    )
    by_code_division = {d.code: d for d in divisions}
    names: dict[str, str] = {}
    for d in divisions:
        city = by_code_division.get(d.parent) if d.parent else None
        if d.depth == 2 and d.name.endswith("区") and city is not None:
            names[d.code] = f"{city.name}{d.name}人民政府"  # 天津市静海区人民政府
        else:
            names[d.code] = f"{d.name}人民政府"
    # A short alias (朝阳区政府) is kept only if one government alone has it.
    short_counts = Counter(
        alias for d in divisions for alias in (f"{d.name}人民政府", f"{d.name}政府")
    )
    former = _former_names(_parse_changes(changes), divisions, by_code_division)
    governments: list[Government] = []
    for d in divisions:
        canonical = names[d.code]
        aliases = [canonical.removesuffix("人民政府") + "政府", canonical + "办公室"]
        if d.code[:2] in _MUNICIPALITIES or d.depth == 0:
            aliases.append(canonical + "办公厅")
        for short in (f"{d.name}人民政府", f"{d.name}政府", f"{d.name}人民政府办公室"):
            if short_counts.get(short.removesuffix("办公室"), 0) == 1:
                aliases.append(short)
        olds = tuple(dict.fromkeys(n for n in former.get(d.code, ()) if n != canonical))
        aliases.extend(olds)
        level = LEVELS[d.depth]
        governments.append(
            Government(
                id=government_id(d.code),
                name=canonical,
                region_code=d.code,
                level=level,
                parent=d.parent,
                place=d.name,
                aliases=tuple(a for a in dict.fromkeys(aliases) if a != canonical),
                former_names=olds,
            )
        )
    governments.sort(key=lambda g: g.region_code)
    return Registry(tuple(governments), {g.region_code: g for g in governments})


_Change = tuple[tuple[str, ...], tuple[str, ...]]  # old path of full names → new path


def _parse_changes(changes: str) -> list[_Change]:
    """The history file's lines as (old path, new path): 湖北省/襄樊市 → 湖北省/襄阳市."""
    found: list[_Change] = []
    for line in changes.splitlines():
        if "=>" not in line:
            continue
        old_part, new_part = line.split("=>", 1)
        old = tuple(old_part.split("\t")[2::2])  # full names alternate with short ones
        new = tuple(p for p in new_part.strip().split("\t") if p)
        if len(old) >= 2 and len(new) >= 2 and old != new:
            found.append((old, new))
    return found


def _paths(divisions: list[_Division]) -> dict[tuple[str, ...], _Division]:
    by_code = {d.code: d for d in divisions}
    paths: dict[tuple[str, ...], _Division] = {}
    for d in divisions:
        path = [d.name]
        node = d
        while node.parent and node.parent in by_code:
            node = by_code[node.parent]
            path.insert(0, node.name)
        paths[tuple(path)] = d
    return paths


def _apply_history(divisions: list[_Division], changes: list[_Change]) -> list[_Division]:
    """Apply the changes the table has not: a merged division goes, a renamed one is renamed.

    The table still lists 南昌市湾里区 (merged into 新建区 in 2019) and 错那县 (错那市 since 2023).
    Only county-level changes are left undone by the table, so paths are computed once.
    """
    paths = _paths(divisions)
    by_code = {d.code: d for d in divisions}
    for old, new in changes:
        gone = paths.get(old)
        if gone is None or gone.code not in by_code or gone.depth != len(old) - 1:
            continue
        if new in paths and paths[new].code in by_code:  # merged into a division that exists
            del by_code[gone.code]
            del paths[old]
        elif new[:-1] == old[:-1] and not any(d.parent == gone.code for d in by_code.values()):
            renamed = _Division(gone.code, new[-1], gone.short, gone.depth, gone.parent)
            by_code[gone.code] = renamed
            del paths[old]
            paths[new] = renamed
    return [by_code[d.code] for d in divisions if d.code in by_code]


def _government_name(path: tuple[str, ...]) -> str:
    """The canonical name of the government of a division given by its path of full names."""
    if len(path) == 3 and path[-1].endswith("区"):
        return f"{path[1]}{path[2]}人民政府"
    if len(path) == 2 and path[0] in ("北京市", "天津市", "上海市", "重庆市"):
        return f"{path[0]}{path[1]}人民政府" if path[1].endswith("区") else f"{path[1]}人民政府"
    return f"{path[-1]}人民政府"


def _former_names(
    changes: list[_Change], divisions: list[_Division], by_code: dict[str, _Division]
) -> dict[str, list[str]]:
    """Region code → the canonical government names of the divisions it replaced."""
    paths = _paths(divisions)
    former: dict[str, list[str]] = {}
    for old, new in changes:
        # The table writes a 直辖市's districts under the municipality twice (北京市/北京市/东城区).
        if len(old) == 3 and old[0] == old[1]:
            old = (old[0], old[2])
        if len(new) == 3 and new[0] == new[1]:
            new = (new[0], new[2])
        successor = paths.get(new)
        if successor is not None:
            former.setdefault(successor.code, []).append(_government_name(old))
    return former


@lru_cache(maxsize=1)
def registry() -> Registry:
    """The registry, built on first use (about 0.2 s) and kept for the process."""
    folder = _dictionary()
    with zipfile.ZipFile(folder / "china_location.zip") as archive:
        data = archive.read(_MEMBER)
    changes_path = folder / _CHANGES
    changes = changes_path.read_text(encoding="utf-8") if changes_path.exists() else ""
    return build_registry(data, changes)


def level_of_code(code: str | None) -> str | None:
    """The level of the division a region code names: 530000 province, 530100 city, else county."""
    if not code or not re.fullmatch(r"\d{6}", code):
        return None
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


_LEVEL_WORDS = {"省级": "province", "市级": "city", "县级": "county"}


def agency_level(level: str | None, region_code: str | None) -> str | None:
    """The level an agency reports at: its stated level, else its region code's."""
    if level in LEVELS:
        return level
    if level in _LEVEL_WORDS:
        return _LEVEL_WORDS[level]
    return level_of_code(region_code)
