"""The filing agency's full official name and its region.

Pages name agencies loosely (市科技局, 蒙自市科技局); the store needs one spelling per agency:
the place's full name plus the department's full name (昆明市科学技术局). This module keeps the
one table of department short forms, and applies domain.md's order of region evidence.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.extract.places import split_place
from shared.regions import Division, regions, towns

# Short forms -> full department names. Full names map to themselves so both parse alike.
DEPARTMENTS: Mapping[str, str] = {
    "科技局": "科学技术局",
    "科学技术局": "科学技术局",
    "发改委": "发展和改革委员会",
    "发展改革委": "发展和改革委员会",
    "发展和改革委员会": "发展和改革委员会",
    "发改局": "发展和改革局",
    "发展和改革局": "发展和改革局",
    "人社局": "人力资源和社会保障局",
    "人力资源社会保障局": "人力资源和社会保障局",
    "人力资源和社会保障局": "人力资源和社会保障局",
    "市场监管局": "市场监督管理局",
    "市场监督管理局": "市场监督管理局",
    "生态环境局": "生态环境局",
    "自然资源局": "自然资源局",
    "自然资源和规划局": "自然资源和规划局",
    "住建局": "住房和城乡建设局",
    "住房和城乡建设局": "住房和城乡建设局",
    "教育局": "教育局",
    "教体局": "教育体育局",
    "教育体育局": "教育体育局",
    "卫健委": "卫生健康委员会",
    "卫生健康委员会": "卫生健康委员会",
    "卫生健康委": "卫生健康委员会",
    "国资局": "国有资产监督管理局",
    "国有资产监督管理局": "国有资产监督管理局",
    "卫健局": "卫生健康局",
    "卫生健康局": "卫生健康局",
    "司法局": "司法局",
    "财政局": "财政局",
    "公安局": "公安局",
    "民政局": "民政局",
    "环保局": "环境保护局",
    "交通局": "交通运输局",
    "交通运输局": "交通运输局",
    "农业农村局": "农业农村局",
    "农业农村委": "农业农村委员会",
    "水利局": "水利局",
    "水务局": "水务局",
    "商务局": "商务局",
    "文旅局": "文化和旅游局",
    "文化和旅游局": "文化和旅游局",
    "文广旅局": "文化广电和旅游局",
    "文化广电和旅游局": "文化广电和旅游局",
    "应急局": "应急管理局",
    "应急管理局": "应急管理局",
    "统计局": "统计局",
    "气象局": "气象局",
    "地震局": "地震局",
    "医保局": "医疗保障局",
    "医疗保障局": "医疗保障局",
    "审计局": "审计局",
    "税务局": "税务局",
    "工信局": "工业和信息化局",
    "工业和信息化局": "工业和信息化局",
    "林草局": "林业和草原局",
    "林业和草原局": "林业和草原局",
    "退役军人局": "退役军人事务局",
    "退役军人事务局": "退役军人事务局",
    "城管局": "城市管理局",
    "城市管理局": "城市管理局",
    # A government's 国资委 is its 人民政府's commission by the official name.
    "国资委": "人民政府国有资产监督管理委员会",
    "国有资产监督管理委员会": "人民政府国有资产监督管理委员会",
    "民宗局": "民族宗教事务局",
    "民族宗教事务局": "民族宗教事务局",
    "行政审批局": "行政审批局",
    "政务服务局": "政务服务管理局",
    "政务办": "人民政府政务服务管理办公室",  # 江苏省政务办: 江苏省人民政府政务服务管理办公室
    "政务服务管理局": "政务服务管理局",
    "信访局": "信访局",
    "机关事务局": "机关事务管理局",
    "机关事务管理局": "机关事务管理局",
    "政府办公厅": "人民政府办公厅",
    "人民政府办公厅": "人民政府办公厅",
    "政府办": "人民政府办公室",
    "政府办公室": "人民政府办公室",
    "人民政府办公室": "人民政府办公室",
    "政府": "人民政府",
    "人民政府": "人民政府",
}
_LONGEST_FIRST = sorted(DEPARTMENTS, key=len, reverse=True)
# The fields departments are named by (教育, 文化, 卫生): one before a short form is a merger's.
_FIELDS = frozenset(full[:2] for full in DEPARTMENTS.values())
_ROLE = re.compile(
    r"(?:党组书记|党组成员|局长|副局长|主任|副主任|书记|负责人|厅长|区长|县长|市长)+$"
)
_AGENCY_END = re.compile(
    r"(?:局|委员会|委|办公室|办|厅|人民政府|政府|中心|院|署|会|部|办事处|总队|调查队"
    r"|参事室|研究室|研究馆)$"
)
# A town or street office, after any places: 下洋镇, 留下街道办事处, 人民政府金龙街道办事处.
_TOWN_OFFICE = re.compile(
    r"^(?:人民政府|政府)?([\u4e00-\u9fff]{1,8}?(?:街道|镇|乡|苏木))(?:办事处|人民政府|政府)?$"
)
_LEVEL_WORDS = frozenset({*"省市州县区盟旗", "自治县", "自治州", "自治旗", "自治区"})
_BARE_OFFICE = re.compile(r"^(?:街道|镇|乡|苏木)(?:办事处|人民政府|政府)?$")
_PROVINCE_ONLY = re.compile(r"[\u4e00-\u9fff]{1,10}(?<!办公)厅")
_PLACEHOLDER = re.compile(r"某[省市县区州乡镇局委办]|[Xx×＊*]{2,}|〇〇|○○")


@dataclass(frozen=True)
class AgencyName:
    """An agency name taken apart: the places it names, a relative prefix, the department."""

    raw: str
    places: tuple[Division, ...]
    relative: str  # "市" for 市科技局, "" when the name carries its place or none
    department: str  # full form when known (科学技术局); a town's office (下洋镇人民政府)
    town: str | None = None  # 下洋镇, 留下街道: below the division table, placed by its county
    branch: bool = False  # 泰州市靖江生态环境局: a city bureau's branch, its name kept as written

    @property
    def has_place(self) -> bool:
        """Whether the name itself says where the agency is."""
        return bool(self.places)


def has_placeholder(text: str) -> bool:
    """Whether a name is a template's (某县, XX局) rather than a real agency's."""
    return _PLACEHOLDER.search(text) is not None


def full_department(department: str) -> str:
    """The department's official name: 科技局 -> 科学技术局; unknown names are kept as written.
    A province's 厅 is shortened as its cities' 局 are: 环保厅 -> 环境保护厅."""
    if department in DEPARTMENTS:
        return DEPARTMENTS[department]
    if department.endswith("厅") and (bureau := department[:-1] + "局") in DEPARTMENTS:
        full = DEPARTMENTS[bureau]
        if full.endswith("局"):
            return full[:-1] + "厅"
    for short in _LONGEST_FIRST:
        if department.endswith(short) and len(short) >= 2:
            prefix = department[: -len(short)]
            if prefix[-2:] in _FIELDS:
                # 教育科技局 is a merged bureau's official name, not 教育 + 科学技术局.
                return department
            return prefix + DEPARTMENTS[short]
    return department


_CORPS_UNITS = re.compile(
    r"^第[一二三四五六七八九十]{1,3}师([\u4e00-\u9fff]{2,5}市)[一二三四五六七八九十百零〇]{1,4}团"
    r"(?=[\u4e00-\u9fff]{1,6}(?:镇|乡)(?:人民政府)?$)"
)
# A bracket is a note ((以下简称…), (试行)), except the province in 中国(河北)自由贸易试验区.
_NOTE_BRACKET = re.compile(r"(?<!中国)[（(][^（）()]*[）)]")


def parse_agency(raw: str) -> AgencyName | None:
    """Parse one written agency name; None when the text does not look like an agency."""
    name = _ROLE.sub("", re.sub(r"\s+", "", raw)).strip("：:，,。 ")
    name = _NOTE_BRACKET.sub("", name)  # (以下简称…)
    if name.startswith("中共"):
        name = name[2:]
    # 第一师阿拉尔市十六团新开岭镇: a 兵团 division and regiment before the city and the town
    # they govern together (团镇合一) are not part of the town's name.
    name = _CORPS_UNITS.sub(r"\1", name)
    # 兴安盟行署外事办公室: a league's or prefecture's 行署 is its 行政公署, by its official name.
    name = re.sub(r"(?<=盟|区)行署(?!长)", "行政公署", name)
    # 2009年,我局; 浏览我局: a clause, not a name (no agency's name holds a digit, a comma
    # or 我).
    if not 2 <= len(name) <= 30 or name[0] in "我本该各全" or re.search(r"[0-9,，。;；我]", name):
        return None
    places, relative, department = split_place(name)
    if (
        places
        and department[:1] == places[-1].name[-1:]
        and (department[1:3] in ("政府", "人民") or department[1:] in DEPARTMENTS)
    ):
        # 鄂温克族自治旗旗政府, 昆明市市政府, 元谋县县卫生健康局: the level said twice (but
        # 大理市市场监督管理局 is a 市场监督管理局)
        department = department[1:]
    town = _TOWN_OFFICE.match(department) if not relative else None
    if town is not None and places:
        # 沅江路街道办事处 is a street of 洪江's, not 沅江市's 路街道: a town the table has by
        # the whole name is not split into a place and a rest it lacks.
        whole = _TOWN_OFFICE.match(name)
        # 二道河镇 is not 二道(区) + 河镇: a one-character town after a place's short form is
        # the rest of the town's own name.
        short_split = len(town.group(1)) == 2 and not name.startswith(places[-1].name)
        if whole is not None and (
            short_split or (whole.group(1) in towns() and town.group(1) not in towns())
        ):
            places, town = [], whole
    if town is None and _BARE_OFFICE.match(department):
        # 东城 + 街道: the "place" was the town's own name (东城 is also 北京's 东城区)
        places, town = [], _TOWN_OFFICE.match(name)
    if town is not None:
        office = "办事处" if town.group(1).endswith("街道") else "人民政府"
        return AgencyName(name, tuple(places), "", town.group(1) + office, town.group(1))
    if not _AGENCY_END.search(name):
        bare = regions().lookup(name)
        if bare:  # a bare place (静海区, 上海市) stands for its government
            return AgencyName(name, bare, "", "人民政府")
        if places and (not department or department in _LEVEL_WORDS):  # 临夏回族自治州广河县
            return AgencyName(name, tuple(places), "", "人民政府")
        return None
    if relative and department.startswith("政府") and not department.startswith("政府办"):
        department = department[2:] or department  # 区政府国资局 is the 区's 国资局
    if not department:
        return None
    if not places and not relative and _PROVINCE_ONLY.fullmatch(department):
        relative = "省"  # 2021年，司法厅坚持…: only a province has a 厅 (but 办公厅 is the State Council's too)
    return AgencyName(
        name,
        tuple(places),
        relative,
        full_department(department),
        branch=_is_branch(name, places),
    )


def _is_branch(name: str, places: Sequence[Division]) -> bool:
    """Whether a name is a city bureau's branch in a county: the city's full name, then the
    county's short name, then the department (泰州市靖江生态环境局, not 靖江市生态环境局)."""
    if len(places) < 2 or places[-1].level != 3:
        return False
    outer, inner = places[-2], places[-1]
    if inner.name in name or not name.startswith(outer.name):
        return False
    after = name[len(outer.name) :]
    return any(after.startswith(inner.name[:k]) for k in (2, 3)) and inner.parent == outer.code


def same_department(a: AgencyName, b: AgencyName) -> bool:
    """Whether two names are the same department type (科技局 and 科学技术局 are)."""
    return a.department == b.department


def title_agency(title: str) -> list[str]:
    """The agency names a title starts with; several for a joint report (区委 and 区人民政府)."""
    head = re.sub(r"^\s*(?:\d{4}|[〇○零一二]{4})\s*年度?", "", title)
    cut = re.search(
        r"关于|(?:19|20)\d{2}(?:\s*年|(?!\d))|[〇○零一二][〇○零一二三四五六七八九]{3}年|法治政府|法治建设|"
        r"依法行政|政府信息公开|信息公开|履职|述职|年度",
        head,
    )
    head = head[: cut.start()] if cut else ""
    # 应急管理部发布2023年法治政府建设年度报告: a headline's verb is not part of the name.
    head = re.sub(r"(?:正式)?(?:发布|公布|印发)$", "", head)
    head = _NOTE_BRACKET.sub("", head)
    parts = [p for p in re.split(r"[\s、,，]+|(?<=委)(?!员会|会)(?=\S)|和(?=\S+政府)", head) if p]
    return parts


def repeated_placed_agency(raw_names: Sequence[str]) -> str | None:
    """The placed agency name repeated most among raw matches (`年宜城市教育局` is trimmed to
    `宜城市教育局` by dropping leading characters until the name starts with a place)."""
    counts: dict[str, int] = {}
    for raw in raw_names:
        for start in range(len(raw) - 3):
            parsed = parse_agency(raw[start:])
            if parsed is not None and parsed.has_place:
                counts[raw[start:]] = counts.get(raw[start:], 0) + 1
                break
    if not counts:
        return None
    name, count = max(counts.items(), key=lambda item: item[1])
    return name if count >= 2 else None
