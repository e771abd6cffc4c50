"""The filing agency's canonical, fully qualified name and its region, from every signal.

A national database cannot use 市财政局 or 静海区人民政府: the same short name exists in
hundreds of places. The written names (title, signature, header table, 来源) give the
department and sometimes the place; the page's clues (clues.py: configured region,
SiteIDCode, 统一社会信用代码, host, 公网安备) say where it is; the body says the rest (我市,
the places it names). The result is written the canonical way (shared.regions.canonical_place_name):
天津市静海区人民政府, 鄂州市财政局, 杭州市西湖区留下街道办事处.

A wrong region is worse than none: when the signals disagree the place is left empty and the
reason is kept in the notes (the extraction's warnings).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from services.extract.agency import DEPARTMENTS, AgencyName, parse_agency, same_department
from services.extract.clues import (
    HINT,
    IDENTIFIER,
    TIE_BREAK,
    Clue,
    Consensus,
    agree,
    consensus,
    narrow,
)
from services.extract.places import (
    CITED_TITLE,
    cited_province,
    mentioned_divisions,
    most_named,
    place_of_kind,
)
from shared.events import Region
from shared.regions import (
    Division,
    canonical_place_name,
    contains,
    ethnic_town_short_forms,
    regions,
    towns,
)

# Bodies of zones (开发区, 新区, 商务区 管理委员会) have proper names, written as they are.
_PILOT_ZONE = re.compile(r"^中国[（(]([\u4e00-\u9fff]{2,8})[）)]自由贸易(?:试验|港)区")
_ZONE = re.compile(r"开发区|经开区|新区|高新区|园区|商务区|试验区|示范区|管理委员会|管委会")
# The zones of the division table that are no government's (not 浦东新区, 清新区): 开发区, 园区.
_ZONE_DIVISION = re.compile(r"(?:开发区|园区|高新区|经开区)$")
# Vertically managed bodies whose names keep the place as written (浙江海事局, 长江海事局).
_NAMED_BY_REGION = frozenset({"海事局"})
# A zone's short forms, written in full in its proper name (武汉经开区统计局).
_ZONE_SHORT_FORMS = (
    ("管委会", "管理委员会"),
    ("经开区", "经济技术开发区"),
    ("高新区", "高新技术产业开发区"),
)


@dataclass(frozen=True)
class AgencyResult:
    """The agency found, with its region and the notes an operator may want."""

    agency: str | None
    joint: tuple[str, ...]
    region: Region
    notes: tuple[str, ...]


def _region(code: str | None) -> Region:
    if code is None:
        return Region()
    return regions().region(code) or Region()


def _innermost(places: Sequence[Division]) -> tuple[str, ...]:
    """The most specific places a name gives, kept only where they lie inside the outer ones
    it also gives (红河州蒙自市 -> 蒙自市; 杭州市西湖区 -> the 西湖区 of 杭州市)."""
    deepest = max(p.level for p in places)
    outer = [p for p in places if p.level < deepest]
    inner = [p.code for p in places if p.level == deepest]
    if outer:
        inside = [c for c in inner if any(contains(o.code, c) for o in outer)]
        inner = inside or inner
    return tuple(dict.fromkeys(inner))


def _by_mentions(codes: Sequence[str], body: str, at_least: int = 2) -> str | None:
    """The one candidate the body names most often (`at_least` times), if any."""
    counts = mentioned_divisions(body)
    ranked = sorted(codes, key=lambda c: -counts.get(c, 0))
    if not ranked or counts.get(ranked[0], 0) < at_least:
        return None
    if len(ranked) > 1 and counts.get(ranked[1], 0) >= counts[ranked[0]]:
        return None
    return ranked[0]


def _by_full_name(codes: Sequence[str], body: str) -> str | None:
    """The one candidate whose full name the body writes (利用凤县人民政府网站: of the host's
    凤县, 凤翔区, 富县 and 汾西县), outside cited titles, while no other's is written."""
    table = regions()
    text = CITED_TITLE.sub("", body)
    written = [
        code for code in codes if (d := table.by_code.get(code)) is not None and d.name in text
    ]
    return written[0] if len(written) == 1 else None


def _by_cited_titles(codes: Sequence[str], body: str) -> str | None:
    """The one candidate the titles of the documents the page cites name, while the body
    outside them names none (wjw.sm.gov.cn, of the host's ten 三明s and 石门s, citing its own
    《三明市卫生健康系统法治宣传教育第八个五年规划》). A cited title is no evidence of a place
    on its own; here it only picks among the places the host already gave."""
    if any(mentioned_divisions(body).get(code, 0) for code in codes):
        return None
    cited = mentioned_divisions(
        " ".join(CITED_TITLE.findall(body)).replace("《", " ").replace("》", " ")
    )
    named = [code for code in codes if cited.get(code, 0) > 0]
    return named[0] if len(named) == 1 else None


def _by_ancestors(codes: Sequence[str], body: str) -> str | None:
    """The one candidate whose city or province the body names while no other's is named (龙华区
    in a report that speaks of 广东、深圳 is 深圳's, not 海口's), if any."""
    counts = mentioned_divisions(body)
    table = regions()

    def named_above(code: str) -> int:
        node = table.by_code.get(code)
        total = 0
        while node is not None and node.parent:
            node = table.by_code.get(node.parent)
            total += counts.get(node.code, 0) if node is not None else 0
        return total

    named = [code for code in codes if named_above(code) > 0]
    return named[0] if len(named) == 1 else None


def _shared_ancestor(codes: Sequence[str]) -> str | None:
    """The most specific division that holds every one of the codes (重庆市 for 綦江区 and
    黔江区), if any does."""
    table = regions()
    node = table.by_code.get(codes[0]) if codes else None
    while node is not None:
        if all(contains(node.code, code) for code in codes):
            return node.code
        node = table.by_code.get(node.parent) if node.parent else None
    return None


def _settled(clues: Sequence[Clue], body: str) -> Consensus:
    """The clues' consensus, with the places they leave open settled where that is safe: the
    one the body names (钦州 for the host qinzhou, not 秦州区), else the division they all lie in
    (cqqj is 綦江区 or 黔江区: 重庆市 either way)."""
    agreed = consensus(clues)
    if agreed.code is not None or len(agreed.candidates) < 2:
        return agreed
    chosen = _by_mentions(agreed.candidates, body) or _by_full_name(agreed.candidates, body)
    if chosen is not None:
        return Consensus(chosen, f"{agreed.source} and the body text")
    chosen = _by_cited_titles(agreed.candidates, body)
    if chosen is not None:
        return Consensus(chosen, f"{agreed.source} and the documents the page cites")
    tie_breaks = [c for c in clues if c.weight == TIE_BREAK]
    kept, _ = narrow(agreed.candidates, tie_breaks)
    if len(kept) == 1:
        named = " and ".join(c.source for c in tie_breaks)  # 电话区号
        return Consensus(kept[0], f"{agreed.source} and the page's {named}")
    shared = _shared_ancestor(agreed.candidates)
    if shared is not None:
        return Consensus(shared, f"{agreed.source} (the division its places share)")
    return agreed


@dataclass(frozen=True)
class _Place:
    code: str | None
    notes: tuple[str, ...] = ()
    disputed: bool = False  # the name's own place and the clues disagree: no region at all
    town: str | None = None  # the town's name in the town table, where the page shortens it


def _named_place(name: AgencyName, clues: Sequence[Clue], body: str) -> _Place:
    """The division a name's own places mean; clues and the body settle an ambiguous one."""
    codes = _innermost(name.places)
    if len(codes) == 1:
        return _Place(codes[0])
    if name.town is not None:
        # 河东区汤头街道: of the 河东区s, the one the town table puts 汤头街道 in.
        having = [code for code in codes if code in towns().get(name.town, ())]
        if len(having) == 1:
            return _Place(having[0], (f"{name.raw}: the district that has {name.town}",))
    kept, notes = narrow(codes, clues)
    if len(kept) == 1:
        return _Place(kept[0], tuple(notes))
    chosen = _by_mentions(kept, body) or _by_ancestors(kept, body)
    if chosen is not None:
        return _Place(chosen, (*notes, f"place of {name.raw} from the body text"))
    places = "/".join(kept)
    return _Place(None, (*notes, f"{name.raw}: ambiguous place ({places}), nothing settles it"))


def _town_place(name: AgencyName, clues: Sequence[Clue], body: str) -> _Place:
    """The county of a bare town (下洋镇): the town table, narrowed by the clues. A town the
    table has once is taken unless a strong clue, or any clue's province, contradicts it. The
    table predates many 乡 that became 镇: where only the other form lies where the clues point
    (海青镇, listed as 海青乡 under 抚远市), that one is taken."""
    assert name.town is not None
    counties = towns().get(name.town, ())
    notes: list[str] = []
    clues_fit_the_table = any(_fits(code, clues) for code in counties)
    if not clues_fit_the_table:
        full = _ethnic_town(name.town, clues)
        if full is not None:
            # 落别乡 for 落别布依族彝族乡: the 民族乡 by its full name, placed as that one.
            place = _town_place(_renamed_town(name, full), clues, body)
            note = f"{name.town} as {full}, its name in the town table"
            return _Place(place.code, (note, *place.notes), place.disputed, full)
    written = _county_written_before(name.town, body)
    if written is not None and written in counties:
        # 衢州市衢江区湖南镇政府 in its contact line: the town's own full name, which the town
        # table confirms, says its county unless an authority's identifier says otherwise.
        against = [c for c in clues if c.weight > TIE_BREAK and not _fits(written, [c])]
        if not any(c.weight >= IDENTIFIER for c in against):
            written_note = f"{name.town}: its county as the body writes it with the town"
            others = [f"{c.source} places it elsewhere" for c in against]
            return _Place(written, (written_note, *others))
    variant = _town_variant(name.town)
    if variant and not clues_fit_the_table:
        fitting = tuple(code for code in towns().get(variant, ()) if _fits(code, clues))
        if fitting:
            counties = fitting
            notes.append(f"{name.town} as {variant}, its name in the town table")
    if not counties:
        written = _county_written_before(name.town, body)
        if written is not None and (not clues or _fits(written, clues)):
            return _Place(
                written, (f"{name.town} is not in the town table; its county from the body",)
            )
        site = _site_county(clues, body)
        if site is not None:
            return _Place(
                site.code,
                (f"{name.town} is not in the town table; its county is the site's, {site.source}",),
            )
        return _Place(None, (f"{name.town} is not in the town table",))
    kept, narrowed = narrow(counties, clues)
    notes.extend(narrowed)
    if len(kept) == 1:
        contradicted = [
            c.source
            for c in clues
            if not any(agree(kept[0], x) for x in c.codes)
            and c.weight > TIE_BREAK
            and (c.weight >= HINT or not any(x[:2] == kept[0][:2] for x in c.codes))
        ]
        if not contradicted:
            return _Place(kept[0], tuple(notes))
        return _Place(
            None,
            (*notes, f"{name.town}: {', '.join(contradicted)} place it elsewhere"),
            disputed=True,
        )
    # The town table already narrowed the counties: one mention settles it (赤水镇 of 开平市,
    # of the table's three 赤水镇s, in a report that speaks of 开平市政府 once), and so does the
    # one whose city or province the body names (西兴街道 of 滨江区, of the table's three, in a
    # report that speaks of 浙江).
    chosen = _by_mentions(kept, body, at_least=1) or _by_ancestors(kept, body)
    if chosen is not None:
        return _Place(chosen, (*notes, f"county of {name.town} from the body text"))
    # 大石街道, in 番禺区, 广丰区 and 合川区, in a report citing 《番禺区2019年政务公开工作要点》:
    # the cited titles pick among the counties the town table gives, never beyond them.
    chosen = _by_cited_titles(kept, body)
    if chosen is not None:
        return _Place(chosen, (*notes, f"county of {name.town} from the documents it cites"))
    return _Place(None, (*notes, f"{name.town}: no county settles it"))


def _ethnic_town(town: str, clues: Sequence[Clue]) -> str | None:
    """The one 民族乡 the short form may stand for (落别乡: 落别布依族彝族乡) where the clues point."""
    fitting = [
        full
        for full in ethnic_town_short_forms().get(town, ())
        if any(_fits(code, clues) for code in towns().get(full, ()))
    ]
    return fitting[0] if len(fitting) == 1 else None


def _renamed_town(name: AgencyName, full: str) -> AgencyName:
    """The name with its town as the town table writes it (落别乡 → 落别布依族彝族乡)."""
    assert name.town is not None
    department = full + name.department.removeprefix(name.town)
    return replace(name, raw=name.raw.replace(name.town, full), town=full, department=department)


def _county_written_before(town: str, body: str) -> str | None:
    """The county the body writes the town with (地址为师宗县高良乡人民政府), if one county only."""
    table = regions()
    found: set[str] = set()
    start = body.find(town)
    while start != -1:
        for length in range(2, min(12, start) + 1):
            written = body[start - length : start]
            counties = [d for d in table.lookup(written) or () if d.level == 3]
            if len(counties) == 1 and counties[0].name == written:
                found.add(counties[0].code)
                break
        start = body.find(town, start + 1)
    return found.pop() if len(found) == 1 else None


def _site_county(clues: Sequence[Clue], body: str) -> Consensus | None:
    """The county whose site carries a town's report (广德市's, for 桐汭街道, newer than the
    town table), when the clues agree on that one county and the body names it too (报告的电子版
    可在广德市人民政府网站下载): county sites publish their towns' reports."""
    agreed = _settled(clues, body)
    if agreed.code is None or agreed.conflict:
        return None
    division = regions().by_code.get(agreed.code)
    if division is None or division.level != 3:
        return None
    if mentioned_divisions(body).get(division.code, 0) < 1:
        return None
    return agreed


def _town_variant(town: str) -> str | None:
    """The town's name with 镇 for 乡 or 乡 for 镇, if it has either."""
    if town.endswith("镇"):
        return town[:-1] + "乡"
    if town.endswith("乡"):
        return town[:-1] + "镇"
    return None


def _fits(code: str, clues: Sequence[Clue]) -> bool:
    """Whether any clue points at or around `code`."""
    return any(agree(code, x) for clue in clues for x in clue.codes)


def _relative_place(
    name: AgencyName,
    parsed: Sequence[AgencyName],
    clues: Sequence[Clue],
    context: Sequence[str],
    body: str,
) -> _Place:
    """The division a placeless name (市科技局, 区司法局) belongs to, from the clues first."""
    for other in parsed:  # the same department named with its place elsewhere on the page
        if other.has_place and same_department(other, name):
            found = _innermost(other.places)
            if len(found) == 1:
                return _Place(found[0])
    agreed = _settled(clues, body)
    if agreed.conflict:
        return _Place(None, (agreed.conflict,))
    prefix = name.relative or "市"
    if agreed.code is not None:
        division = place_of_kind(agreed.code, prefix)
        if division is not None:
            return _Place(division.code, (f"place of {name.raw} from {agreed.source}",))
    for written in context:
        named = parse_agency(written)
        if named is None or not named.has_place:
            continue
        found = _innermost(named.places)
        if len(found) == 1 and (agreed.code is None or agree(found[0], agreed.code)):
            division = place_of_kind(found[0], prefix)
            if division is not None:
                return _Place(division.code, (f"place of {name.raw} from {written}",))
    return _Place(None)


def _known_department(name: AgencyName) -> bool:
    """Whether a name is a department's a government has: one of the table's, or a province's
    厅 (省司法厅), which the city and county table does not list."""
    return name.department in DEPARTMENTS.values() or (
        name.relative in ("省", "自治区") and name.department.endswith("厅")
    )


def _is_local(name: AgencyName) -> bool:
    """Whether a placeless name is a local government's (市科技局, 司法局), not a central one's
    (国家税务总局, 生态环境部), so clues about the place may complete it."""
    if name.relative:
        return True
    return name.department in DEPARTMENTS.values() and not name.department.startswith("国家")


def _title_names_the_department(title: AgencyName, other: AgencyName) -> bool:
    """Whether the title's name reports, over another the page writes that would otherwise
    win (a placed name, a known department): the title says which department reports, a name
    elsewhere may only say where."""
    if not title.has_place:
        # 2020年卫生健康委员会…报告 on a page that also names 绵阳市人民政府 (its website).
        return title.town is None and _is_local(title) and not same_department(title, other)
    # 广元市利州区乡村振兴局 in the title, 广元市利州区人民政府 as the site's owner; 温州市
    # 生态环境局瑞安分局 in the title, its 温州市生态环境局 in the text: the department (or the
    # branch) the title names, in the place both name.
    return (
        other.places[-1:] == title.places[-1:]
        and title.department != other.department
        and (other.department == "人民政府" or title.department.startswith(other.department))
    )


def _finish(
    name: AgencyName, place: _Place, joint: Sequence[str], fallback_code: str | None
) -> AgencyResult:
    if place.town is not None and name.town is not None:
        name = _renamed_town(name, place.town)
    if place.code is None:
        # As written when it says more than the department (市科技局, 西湖区司法局); a bare town
        # by its office (大石街道办事处, not 大石街道).
        written = name.raw if name.relative or name.has_place else name.department
        notes = place.notes or (f"no place found for {name.raw}",)
        region = Region() if place.disputed else _region(fallback_code)
        return AgencyResult(written, tuple(joint), region, notes)
    division = regions().by_code[place.code]
    if name.places and name.places[-1].code == division.code:
        # 横县人民政府 in a 2020 report: the name it had then (横州市 since 2021), today's code.
        division = name.places[-1]
    # A zone's body: its own proper name (not a government's 国有资产监督管理委员会).
    proper = _ZONE.search(name.department) is not None and not _known_department(name)
    if name.branch or (proper and name.has_place):
        written = name.raw.removeprefix("中共")
        if proper:  # the zone's body by its full name, its departments' too (…管委会城市管理局)
            for short, full in _ZONE_SHORT_FORMS:
                if full not in written:
                    written = written.replace(short, full)
    elif name.department in _NAMED_BY_REGION:
        # 浙江海事局, 山东海事局: a vertically managed body is named after the waters or region
        # it serves as written, not after a division's full name (浙江省海事局).
        written = name.raw
    else:
        department = name.department
        if (
            department == "人民政府"
            and division.level == 2
            and division.name.endswith(("地区", "盟"))
        ):
            department = "行政公署"  # a prefecture's government: 喀什地区行政公署
        if department == "人民政府" and _ZONE_DIVISION.search(division.name):
            # A zone the table lists as a county is governed by its 管理委员会, under its proper
            # name: 呼和浩特经济技术开发区管理委员会, not …开发区人民政府.
            written = division.name + "管理委员会"
        else:
            written = canonical_place_name(division) + department
    return AgencyResult(
        written,
        tuple(joint),
        _region(place.code),
        place.notes,
    )


def resolve_agency(
    candidates: Sequence[str],
    joint: Sequence[str],
    hint_name: str | None,
    clues: Sequence[Clue],
    context_names: Sequence[str],
    body: str,
    *,
    titled: bool = False,
) -> AgencyResult:
    """Choose the agency among the written names and complete its name and region.

    `candidates` are the written names in order of trust (title, signature, header table,
    来源), the first of them the title's when `titled`; `context_names` other names on the
    page that may carry the place (addressee, site name); `clues` the page's region clues.
    """
    names = [parse_agency(c) for c in candidates]
    parsed = [p for p in names if p is not None]
    lead = names[0] if names else None  # the most trusted name, if it is an agency's
    # A town the most trusted name is (辉苏木2025年…报告) is a place too: the county whose
    # site carries it does not beat it.
    town_first = lead is not None and lead.town is not None
    # A name that says where it is beats one that does not; the order of trust breaks ties.
    best = max(
        parsed,
        key=lambda p: (
            p.has_place or (town_first and p is lead),
            p.town is not None,
            _known_department(p),
        ),
        default=None,
    )
    title_name = lead if titled else None
    if (
        title_name is not None
        and best is not None
        and best is not title_name
        and _title_names_the_department(title_name, best)
    ):
        best = title_name
    hint = parse_agency(hint_name) if hint_name else None
    agreed = _settled(clues, body)
    fallback = agreed.code
    if best is None:
        if hint is None or hint_name is None:
            notes = (agreed.conflict,) if agreed.conflict else ("no agency found",)
            return AgencyResult(None, tuple(joint), _region(fallback), notes)
        hint_place = _named_place(hint, clues, body) if hint.has_place else _Place(fallback)
        return AgencyResult(
            hint_name,
            tuple(joint),
            _region(fallback or hint_place.code),
            ("agency from the source configuration",),
        )

    if best.has_place:
        place = _named_place(best, clues, body)
        if (
            _ZONE.search(best.department)
            and place.code is not None
            and fallback is not None
            and fallback != place.code
            and contains(place.code, fallback)
        ):
            # 广西-东盟经济技术开发区 names only its province; its site (nanning.gov.cn) says
            # which city it lies in.
            place = _Place(fallback, (*place.notes, f"{best.raw} lies in {agreed.source}"))
    elif best.town is not None:
        place = _town_place(best, clues, body)
    elif _is_local(best):
        place = _relative_place(best, parsed, clues, context_names, body)
        if place.code is None and best.relative and not any("disagree" in n for n in place.notes):
            division = most_named(body, best.relative, within=fallback)
            if division is not None:
                place = _Place(division.code, (f"place of {best.raw} from the body text",))
            elif best.relative in ("省", "自治区") and fallback is None:
                # 省公安厅 … 按照《河南省2017年度法治政府建设工作安排》: a provincial body's
                # province, when only the documents it cites name one.
                division = cited_province(body)
                if division is not None:
                    note = f"province of {best.raw} from the documents it cites"
                    place = _Place(division.code, (note,))
    elif _ZONE.search(best.department) and fallback is not None:
        # 苏银产业园管理委员会 on sycyy.yinchuan.gov.cn: a zone's body, placed by the clues.
        note = f"place of {best.raw} from {agreed.source}"
        return AgencyResult(best.raw, tuple(joint), _region(fallback), (note,))
    else:
        # A central body by the name it is listed under: 司法部, not 中华人民共和国司法部.
        national = best.department.removeprefix("中华人民共和国") or best.department
        pilot = _PILOT_ZONE.match(national)
        provinces = [d for d in regions().lookup(pilot.group(1)) if d.level == 1] if pilot else []
        # 中国(河北)自由贸易试验区雄安片区管理委员会: a pilot free trade zone's bracket names
        # the province it lies in.
        region = _region(provinces[0].code) if len(provinces) == 1 else Region()
        return AgencyResult(national, tuple(joint), region, ())

    if hint is not None and hint_name is not None:
        if same_department(hint, best):
            hint_place = _named_place(hint, clues, body) if hint.has_place else _Place(fallback)
            if place.code is None or hint_place.code is None or place.code == hint_place.code:
                return AgencyResult(
                    hint_name, tuple(joint), _region(fallback or hint_place.code), ()
                )
            place = _Place(
                place.code, (*place.notes, f"{best.raw} is not the source's {hint_name}")
            )
        else:
            place = _Place(
                place.code, (*place.notes, f"{best.raw} differs from the source's {hint_name}")
            )
    return _finish(best, place, joint, fallback)
