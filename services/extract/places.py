"""Where an agency is: place names in text, relative prefixes (市科技局), and region evidence.

domain.md's order of evidence for a name that carries no place: the source's configured region,
the SiteIDCode, the 统一社会信用代码 in the 索引号, place names in the agency and addressee
names, then the body text (the most often named city).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from shared.regions import Division, RegionTable, contains, regions

# What a bare prefix stands for: 市科技局 is an agency of a 市 (a city or a county-level city).
RELATIVE_PREFIXES = ("自治区", "自治州", "自治县", "省", "市", "县", "区", "州", "旗", "盟")
_SUFFIX_FOR_PREFIX = {"自治州": "州", "自治县": "县"}
_LEVEL_CHARS = "省市州县区盟旗"
_AUTONOMOUS = ("自治县", "自治州", "自治旗", "自治区")
# A cited document title (《…》): the places in it are not the agency's.
CITED_TITLE = re.compile(r"《[^《》\n]{0,80}》")
_Trie = dict[str, "_Trie"]


def _trie_regex(words: Iterable[str]) -> str:
    """One alternation built as a trie: a plain alternation of ~1,000 names backtracks too much."""
    trie: _Trie = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: _Trie) -> str:
        branches = []
        optional = "" in node
        for char in sorted(k for k in node if k):
            branches.append(re.escape(char) + render(node[char]))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if optional:
            return f"(?:{body})?" if len(branches) > 1 or len(body) > 1 else body + "?"
        return body

    return render(trie)


@lru_cache(maxsize=1)
def _mention_pattern() -> tuple[re.Pattern[str], dict[str, Division]]:
    """Names worth counting in a body: every city name and alias, unique county full names."""
    table = regions()
    names: dict[str, Division] = {}
    for name, divisions in table.by_name.items():
        cities = [d for d in divisions if d.level == 2]
        if len(cities) == 1 and len(name) >= 2:
            names[name] = cities[0]
        elif len(divisions) == 1 and (
            (divisions[0].level == 3 and len(name) >= 3) or divisions[0].level == 1
        ):
            names[name] = divisions[0]
    # Longest names first inside the trie is implicit: the regex engine is greedy per branch.
    return re.compile(_trie_regex(names)), names


def mentioned_divisions(text: str) -> Counter[str]:
    """How often each division is named in the text, by code; a county also counts for its city."""
    pattern, names = _mention_pattern()
    counts: Counter[str] = Counter()
    table = regions()
    text = CITED_TITLE.sub("", text)  # a cited document's place is not the agency's
    for match in pattern.finditer(text):
        division = names.get(match.group(0))
        if division is None:
            continue
        counts[division.code] += 1
        if division.level == 3 and division.parent and division.parent in table.by_code:
            counts[division.parent] += 1
    return counts


def cited_province(text: str) -> Division | None:
    """The one province the documents a text cites are named after (《河南省2017年度法治政府
    建设工作安排》), if they name exactly one: a provincial department cites its own
    province's documents, while a city's cites its province's as well as its own."""
    pattern, names = _mention_pattern()
    found = {
        names[m.group(0)].code[:2] + "0000"
        for cited in CITED_TITLE.findall(text)
        for m in pattern.finditer(cited)
        if m.group(0) in names
    }
    return regions().by_code.get(found.pop()) if len(found) == 1 else None


def split_place(name: str, table: RegionTable | None = None) -> tuple[list[Division], str, str]:
    """Split an agency name into (the places it names, a relative prefix, the department).

    `蒙自市科技局` -> ([蒙自市], "", "科技局"); `市科技局` -> ([], "市", "科技局"). Nested places
    (红河州蒙自市) are all returned, the most specific last. An ambiguous name (朝阳区) returns
    every candidate division, for the caller to disambiguate.
    """
    table = table or regions()
    places: list[Division] = []
    rest = name
    while len(rest) >= 3:
        for length in range(min(len(rest) - 1, 15), 1, -1):
            found = table.lookup(rest[:length])
            if found and places:
                # Places in a name nest (红河州蒙自市); one that does not lie inside those
                # before it is part of the department's name (滨海新区杭州道街道, 龙游县横山镇).
                found = tuple(d for d in found if any(contains(p.code, d.code) for p in places))
            if found:
                key, rest = rest[:length], rest[length:]
                # An alias followed by its level (红河 + 州) names the division of that level;
                # a full name (大冶市) followed by 市场监督管理局 does not.
                # 关岭 + 自治县 likewise, for the short forms of autonomous divisions.
                autonomous = next((a for a in _AUTONOMOUS if rest.startswith(a)), None)
                if autonomous and key[-1:] not in _LEVEL_CHARS:
                    fitting = tuple(d for d in found if d.name.endswith(autonomous))
                    if fitting:
                        found, rest = fitting, rest[len(autonomous) :]
                elif (
                    rest[:1]
                    and rest[0] in _LEVEL_CHARS
                    and len(rest) > 2
                    and key[-1:] not in _LEVEL_CHARS
                ):
                    fitting = tuple(d for d in found if d.name.endswith(rest[0]))
                    if fitting:
                        found, rest = fitting, rest[1:]
                places.extend(found)
                break
        else:
            break
    if not places:
        for prefix in RELATIVE_PREFIXES:
            if rest.startswith(prefix) and len(rest) > len(prefix) + 1:
                return [], prefix, rest[len(prefix) :]
    return places, "", rest


def place_of_kind(code: str, prefix: str) -> Division | None:
    """The division in `code`'s chain (itself, then its parents) a relative prefix refers to.

    区 names an autonomous region (自治区) only when the code is that region's own: a 区司法局
    on 钦州's site is a district's bureau, not 广西壮族自治区's (which is a 厅)."""
    table = regions()
    suffix = _SUFFIX_FOR_PREFIX.get(prefix, prefix)
    node = table.by_code.get(code)
    while node is not None:
        autonomous_region = node.level == 1 and node.name.endswith("自治区")
        if node.name.endswith(suffix) and not (
            prefix == "区" and autonomous_region and node.code != code
        ):
            return node
        node = table.by_code.get(node.parent) if node.parent else None
    return None


def most_named(text: str, prefix: str, within: str | None = None) -> Division | None:
    """The division of the right kind the body names most: 昆明 for a 市科技局 in Kunming;
    only divisions inside `within` when it is given."""
    table = regions()
    counts = mentioned_divisions(text)
    if within is not None:
        counts = Counter({code: n for code, n in counts.items() if contains(within, code)})
    suffix = _SUFFIX_FOR_PREFIX.get(prefix, prefix)
    province = prefix in ("省", "自治区")  # 自治区人民政府办公厅: 新疆's, 广西's
    level = 1 if province else 3 if prefix in ("县", "区", "旗", "自治县") else 2
    best: tuple[int, str] | None = None
    kinds: list[str] = []
    for code, count in counts.items():
        division = table.by_code[code]
        autonomous_region = prefix == "区" and division.name.endswith("自治区")
        if division.level != level and prefix != "市" and not autonomous_region:
            continue
        if not division.name.endswith(suffix) or (
            division.level == 1 and not province and not autonomous_region
        ):
            continue
        kinds.append(code)
        if best is None or count > best[0]:
            best = (count, code)
    if best is None:
        return None
    # One passing mention is not evidence, unless it is the only place of that kind named.
    if best[0] < 2 and sum(1 for _ in kinds) > 1:
        return None
    return table.by_code[best[1]]
