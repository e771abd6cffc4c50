"""Which department a government URL spells: `sfj` in `/bmpd/jmssfj/` is a 司法局.

Department sites and columns are named by the pinyin initials of the department, often after
their government's: `kj.hangzhou.gov.cn` (科技), `zjsczj.zhanjiang.gov.cn` (湛江市财政局),
`jiangmen.gov.cn/bmpd/jmssfj/` (江门市司法局). A page that names its agency only as 我局 has
nothing else to say which bureau wrote it.

The initials are derived from the department table (`agency.DEPARTMENTS`) with pypinyin's
readings; an abbreviation that two departments share (swj: 商务局 and 税务局) names neither.
`_NOT_DERIVED` lists the few spellings portals use that initials do not give. A label counts
when it is an abbreviation, or the host's place spelled (initials or in full) and an optional
level letter before one: `jmssfj` is jm + s + sfj.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from services.extract.agency import DEPARTMENTS
from services.extract.hosts import _index, _readings, host_match
from shared.regions import regions

# Spellings portals use that the department names' initials do not give.
_NOT_DERIVED: dict[str, str] = {
    "zygh": "自然资源和规划局",
    "zrzy": "自然资源局",
    "hbj": "生态环境局",  # 环保局, the name before 2018
    "amr": "市场监督管理局",
    "hrss": "人力资源和社会保障局",
    "rsj": "人力资源和社会保障局",
    "drc": "发展和改革委员会",
    "edu": "教育局",
    "audit": "审计局",
    "stats": "统计局",
    "justice": "司法局",
    "nr": "自然资源局",  # natural resources: nr.gd.gov.cn
}
# Departments a report never speaks for as 我局 (a government is 我市, 我区).
_GOVERNMENTS = frozenset({"人民政府"})
_LEVEL_LETTERS = ("", "s", "q", "x", "z")  # 市, 区, 县, 州 between the place and the department
_MIN_PATH_KEY = 3  # path segments are many and short (gk, sj): only longer keys count there


def _initials(name: str) -> str | None:
    """The initials of a name by each character's first (most common) reading: 信访局 xfj."""
    spelled = _first_readings(name)
    return "".join(r[0] for r in spelled) if spelled else None


def _spelled(name: str) -> str | None:
    """A name in full pinyin by each character's first reading: 商务局 shangwuju."""
    spelled = _first_readings(name)
    return "".join(spelled) if spelled else None


def _first_readings(name: str) -> list[str] | None:
    readings = [_readings(char) for char in name]
    return [r[0] for r in readings] if all(readings) else None


@lru_cache(maxsize=1)
def abbreviations() -> dict[str, str]:
    """Abbreviation -> full department name, only those that name one department."""
    found: dict[str, set[str]] = {}
    for written, full in DEPARTMENTS.items():
        if full in _GOVERNMENTS:
            continue
        key = _initials(written)
        if key is None:
            continue
        found.setdefault(key, set()).add(full)
        if len(written) >= 3 and written.endswith("局"):  # host labels drop it: kj for 科技局
            found.setdefault(key[:-1], set()).add(full)
        spelled = _spelled(written)  # shangwuju.tj.gov.cn: some hosts spell the name in full
        if spelled is not None and len(written) >= 3:
            found.setdefault(spelled, set()).add(full)
    table = {key: next(iter(fulls)) for key, fulls in found.items() if len(fulls) == 1}
    return table | _NOT_DERIVED


def _department_of(label: str, min_key: int) -> str | None:
    table = abbreviations()
    if len(label) >= min_key and label in table:
        return table[label]
    full, short = _index()
    for cut in range(2, len(label) - min_key + 1):  # a place before the abbreviation
        place, rest = label[:cut], label[cut:]
        for letter in _LEVEL_LETTERS:
            if not rest.startswith(letter):
                continue
            key = rest[len(letter) :]
            if len(key) >= max(min_key, 3) and key in table and (place in full or place in short):
                return table[key]
    return None


def url_department(url: str | None) -> str | None:
    """The full name of the department a `.gov.cn` URL's host or path spells, if one does.

    Host labels left of the government's domain count (`kj` in `kj.hangzhou.gov.cn`), and
    path segments of letters (`jmssfj`); when several spell different departments, none counts.
    """
    if not url:
        return None
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if not host.endswith(".gov.cn"):
        return None
    labels = [label for label in host[: -len(".gov.cn")].split(".") if label.isalpha()]
    found = {
        department for label in labels[:-1] if (department := _department_of(label, 2)) is not None
    }
    segments = [s.lower() for s in parts.path.split("/")[:-1] if s.isascii() and s.isalpha()]
    found |= {
        department
        for segment in segments
        if (department := _department_of(segment, _MIN_PATH_KEY)) is not None
    }
    return next(iter(found)) if len(found) == 1 else None


# What a department calls itself (我局, 本委) and the endings of the names it may stand for.
_SELF_ENDINGS: dict[str, tuple[str, ...]] = {
    "局": ("局",),
    "委": ("委员会", "委"),
    "办": ("办公室", "办公厅"),
    "厅": ("厅",),
}


def url_agency(url: str | None, called: str | None) -> str | None:
    """A relative agency name (市司法局) for a report that calls itself only `called` (局 for
    我局), from the department its URL spells; the region clues then place it."""
    if called not in _SELF_ENDINGS:
        return None
    department = url_department(url)
    if department is not None and called == "厅" and department.endswith("局"):
        department = department[:-1] + "厅"  # 我厅 on nr.gd.gov.cn: a province's bureau is a 厅
    if department is None or not department.endswith(_SELF_ENDINGS[called]):
        return None
    match = host_match(url)
    division = regions().by_code.get(match.codes[0]) if match and len(match.codes) == 1 else None
    if division is None:
        return ("省" if called == "厅" else "市") + department
    prefix = "省" if division.level == 1 and not division.name.endswith("市") else division.name[-1]
    return prefix + department


# A zone's portal: under its city's domain (jkq.xining.gov.cn) or named after it
# (www.zhuhai-hitech.gov.cn); the zone, by its national name.
_ZONE_LABELS = {
    "jkq": "经济技术开发区",
    "etdz": "经济技术开发区",
    "gxq": "高新技术产业开发区",
    "hitech": "高新技术产业开发区",
}


def url_zone(url: str | None) -> str | None:
    """The committee of the zone whose portal a URL is on (jkq.xining.gov.cn: 西宁经济技术开发区
    管理委员会), for a report that calls itself only 开发区; None when the host names no zone
    of one city."""
    host = (urlsplit(url or "").hostname or "").lower().removeprefix("www.")
    if not host.endswith(".gov.cn"):
        return None
    first, _, rest = host.partition(".")
    city_part, _, zone_part = first.partition("-")
    if zone_part:  # zhuhai-hitech.gov.cn
        zone, city_url = _ZONE_LABELS.get(zone_part), f"http://{city_part}.gov.cn/"
    else:  # jkq.xining.gov.cn
        zone, city_url = _ZONE_LABELS.get(first), f"http://{rest}/"
    match = host_match(city_url) if zone else None
    table = regions()
    cities = [
        table.by_code[code]
        for code in (match.codes if match else ())
        if table.by_code[code].level == 2 and table.by_code[code].name.endswith("市")
    ]
    if zone is None or len(cities) != 1:
        return None
    return cities[0].name.removesuffix("市") + zone + "管理委员会"
