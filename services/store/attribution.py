"""Which known agency a page of a multi-agency column belongs to, or why none can be said.

A city's 法治政府建设 专栏 carries its districts' and departments' reports side by side; each page is
attributed to the agency its extracted name designates, in this order: the exact canonical name,
then an alias (昆明市政府, 杭州市下城区人民政府 for its successor), then the region the extractor
resolved plus the department type (朝阳区人民政府 at 110105, 区司法局 at 110108). Anything else (no
name, no match, two candidates, a match outside what the column covers) is not attributed: the
page goes to the review list with the reason. Guessing would put a report on the wrong agency's
record, which is worse than a report a person has to look at.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.store import core
from services.store.db.models import Agency, AgencyAlias
from shared.regions import regions

_RELATIVE = ("省", "市", "区", "县", "州", "盟", "旗")
_TYPE_SPELLINGS = {"政府": "人民政府", "政府办公室": "人民政府办公室", "政府办": "人民政府办公室"}


@dataclass(frozen=True)
class Attribution:
    """The agency a page belongs to, or None with the reason a person should look at it."""

    agency: Agency | None
    reason: str


def _places(code: str | None) -> list[str]:
    """The full names of a region and the divisions above it, longest first."""
    if not code:
        return []
    table = regions()
    codes = {code, code[:4] + "00", code[:2] + "0000"}
    names = [n for n in (table.name_of(c) for c in codes) if n]
    return sorted(set(names), key=len, reverse=True)


def department_type(name: str, region_code: str | None) -> str:
    """What an agency is, without where: 北京市海淀区司法局 at 110108 → 司法局; 区政府 → 人民政府."""
    rest = name.strip()
    places = _places(region_code)
    stripped = True
    while stripped:
        stripped = False
        for place in places:
            if rest.startswith(place) and len(rest) > len(place):
                rest = rest[len(place) :]
                stripped = True
    if rest[:1] in _RELATIVE and len(rest) > 2:
        rest = rest[1:]  # 市科技局, 区政府
    return _TYPE_SPELLINGS.get(rest, rest)


def covers_agency(covers: Mapping[str, Any], agency: Agency) -> bool:
    """Whether a column's declared coverage includes this agency."""
    region = covers.get("region")
    if region:
        prefix = core.region_prefix(str(region))
        return bool(agency.region_code and agency.region_code.startswith(prefix))
    listed = set(covers.get("agencies") or ())
    return agency.id in listed or agency.name in listed


def attribute(
    session: Session, name: str | None, region_code: str | None, covers: Mapping[str, Any]
) -> Attribution:
    """The agency of a page named `name` (as extracted) found in a column covering `covers`."""
    if not name:
        return Attribution(None, "the page names no agency")
    found, how = _match(session, name.strip(), region_code)
    if found is None:
        return Attribution(None, how)
    if not covers_agency(covers, found):
        return Attribution(
            None, f"{name} matches {found.name} ({found.id}), outside what the column covers"
        )
    return Attribution(found, how)


def _match(session: Session, name: str, region_code: str | None) -> tuple[Agency | None, str]:
    exact = session.scalars(select(Agency).where(Agency.name == name).limit(2)).all()
    if len(exact) == 1:
        return exact[0], "canonical name"
    if len(exact) > 1:
        return None, f"{name} is the name of several agencies: {', '.join(a.id for a in exact)}"
    alias = session.get(AgencyAlias, name)
    if alias is not None:
        aliased = session.get(Agency, alias.agency_id)
        if aliased is not None:
            return aliased, f"alias {name}"
    if not region_code:
        return None, f"no agency is named {name} and the page gives no region"
    wanted = department_type(name, region_code)
    candidates = session.scalars(select(Agency).where(Agency.region_code == region_code)).all()
    fits = [
        a
        for a in candidates
        if any(department_type(n, region_code) == wanted for n in (a.name, *(a.aliases or ())))
    ]
    if len(fits) == 1:
        return fits[0], f"region {region_code} and type {wanted}"
    if fits:
        ids = ", ".join(a.id for a in fits)
        return None, f"{name} at {region_code} fits several agencies: {ids}"
    return None, f"no known agency of type {wanted} at {region_code} for {name}"
