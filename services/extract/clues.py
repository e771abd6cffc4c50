"""Where a page says it is from, apart from the agency's own name: its region clues.

Each clue is a set of candidate divisions with a weight by how much it can be trusted:
the source's configured region (an operator said so), identifiers a portal is given by an
authority (the SiteIDCode of 网站标识码, the 统一社会信用代码 in the 索引号), hints (the
host's pinyin, the 公网安备 number, which is the police office's region and so only says the
city), and weak hints (a host's initials, ambiguous across the country).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from services.extract.hosts import host_match
from shared.regions import contains, phone_area_codes, regions

CONFIGURED = 4
IDENTIFIER = 3
HINT = 2
WEAK = 1
# Only picks among places the other clues or the name leave open; never a place on its own.
TIE_BREAK = 0

_SITE_ID_LINE = re.compile(r"网站标识码\s*[:：]?\s*(\d{10})")
_PUBLIC_SECURITY = re.compile(r"公网安备\s*(\d{14})")
_CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


@dataclass(frozen=True)
class Clue:
    """Candidate division codes for where the page is from, where the clue came from, its weight."""

    codes: tuple[str, ...]
    source: str
    weight: int


def _known(code: str) -> bool:
    return code in regions().by_code


def _city_of(code: str) -> str | None:
    """The city-level code of a code (the province for a municipality's districts)."""
    for candidate in (code[:4] + "00", code[:2] + "0000"):
        if _known(candidate):
            return candidate
    return None


def identifier_clues(
    hint_code: str | None,
    site_id: str | None,
    index_number: str | None,
    lines: Sequence[str],
) -> list[Clue]:
    """Clues from the source configuration and the page's identifiers."""
    clues: list[Clue] = []
    if hint_code and _known(hint_code):
        clues.append(Clue((hint_code,), "the source's region", CONFIGURED))
    if site_id is None:
        site_id = next((m.group(1) for line in lines if (m := _SITE_ID_LINE.search(line))), None)
    if site_id and re.fullmatch(r"\d{10}", site_id) and _known(site_id[:6]):
        clues.append(Clue((site_id[:6],), "SiteIDCode", IDENTIFIER))
    if index_number:
        credit = index_number.split("/")[0].split("-")[0].strip()
        if _CREDIT_CODE.match(credit) and _known(credit[2:8]):
            clues.append(Clue((credit[2:8],), "统一社会信用代码", IDENTIFIER))
    for line in lines[-40:]:
        found = _PUBLIC_SECURITY.search(line)
        if found:
            city = _city_of(found.group(1)[:6])
            if city is not None:
                clues.append(Clue((city,), "公网安备", HINT))
            break
    return clues


# A landline number as contact lines write it: 027-85330583, (0472)5153110, 0563－6012345.
_LANDLINE = re.compile(
    r"(?<![\d\-－])(?:[（(](0\d{2,3})[）)]|(0\d{2,3})[-－—])\s?[2-9]\d{6,7}(?!\d)"
)


def phone_clues(lines: Sequence[str]) -> list[Clue]:
    """The city of the landline numbers the page gives (联系电话:027-85330583 is 武汉's), when
    they all have one. A tie-break only: it picks among places others leave open (青山区 of
    武汉, not of 包头). Neighbouring cities share codes (0772 is 柳州's and 来宾's, 0898 all of
    海南's) and the table gives one of them: on the development pages 5 of 65 disagreed with
    the label, always a neighbour."""
    codes = phone_area_codes()
    cities: set[str] = set()
    for line in lines:
        for match in _LANDLINE.finditer(line):
            city = codes.get(match.group(1) or match.group(2))
            if city is not None:
                cities.add(city)
    if len(cities) != 1:
        return []
    return [Clue((cities.pop(),), "电话区号", TIE_BREAK)]


def host_clues(url: str | None) -> list[Clue]:
    """The clue of a `.gov.cn` host, if it names divisions."""
    match = host_match(url)
    if match is None:
        return []
    weight = HINT if match.exact else WEAK
    return [Clue(match.codes, f"host {match.label}", weight)]


def agree(a: str, b: str) -> bool:
    """Whether two division codes can be the same place: equal, or one inside the other."""
    return contains(a, b) or contains(b, a)


def narrow(codes: Sequence[str], clues: Sequence[Clue]) -> tuple[tuple[str, ...], list[str]]:
    """The candidates that agree with the clues, strongest clue first; a clue that would rule
    out every candidate is passed over (the candidates come from the page's own words), and
    named in the notes returned."""
    kept = tuple(dict.fromkeys(codes))
    notes: list[str] = []
    for clue in sorted(clues, key=lambda c: -c.weight):
        if len(kept) <= 1:
            break
        fitting = tuple(code for code in kept if any(agree(code, c) for c in clue.codes))
        if fitting:
            kept = fitting
        else:
            notes.append(f"{clue.source} fits none of the named places")
    return kept, notes


@dataclass(frozen=True)
class Consensus:
    """What the clues say together: one code, or none and why (a conflict), or none and the
    places they leave open (`candidates`: a host's pinyin that two divisions share)."""

    code: str | None
    source: str | None
    conflict: str | None = None
    candidates: tuple[str, ...] = ()


def consensus(clues: Sequence[Clue]) -> Consensus:
    """The most specific division every trusted clue agrees on.

    Clues are taken strongest first; a weaker clue that disagrees is dropped when it is much
    weaker (two steps), and otherwise the clues conflict: no place at all, since a wrong
    region is worse than none.
    """
    ordered = sorted((c for c in clues if c.weight > TIE_BREAK), key=lambda c: -c.weight)
    current: tuple[str, ...] = ()
    lead: Clue | None = None
    sources: list[str] = []
    for clue in ordered:
        if lead is None:
            lead, current = clue, clue.codes
            sources.append(clue.source)
            continue
        joined = tuple(
            dict.fromkeys(
                (c if contains(a, c) else a) for a in current for c in clue.codes if agree(a, c)
            )
        )
        if joined:
            current = joined
            sources.append(clue.source)
        elif clue.weight >= HINT and lead.weight - clue.weight < 2:
            names = "/".join(current[:3])
            return Consensus(
                None, None, f"region signals disagree: {lead.source} ({names}) and {clue.source}"
            )
    if len(current) != 1:
        return Consensus(None, " and ".join(sources) or None, candidates=current)
    return Consensus(current[0], " and ".join(sources))
