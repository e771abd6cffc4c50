"""The sources file's `covers`: a multi-agency column, read strictly."""

from __future__ import annotations

import pytest

from shared.errors import ConfigurationError
from shared.sources import parse_sources

pytestmark = pytest.mark.unit

HEAD = "agencies:\n  - id: bj\n    name: 北京市人民政府\n    sources:\n      - list_url: https://a.gov.cn/\n"


def test_covers_a_region_or_a_list_of_agencies() -> None:
    region = parse_sources(HEAD + '        covers: {region: "110000"}\n')
    covers = region.agencies[0].sources[0].covers
    assert covers is not None
    assert covers.region == "110000"
    listed = parse_sources(HEAD + "        covers: {agencies: [hd-sfj, 北京市海淀区人民政府]}\n")
    covers = listed.agencies[0].sources[0].covers
    assert covers is not None
    assert covers.agencies == ("hd-sfj", "北京市海淀区人民政府")
    assert parse_sources(HEAD).agencies[0].sources[0].covers is None


@pytest.mark.parametrize(
    ("covers", "message"),
    [
        ("{}", "exactly one of region or agencies"),
        ('{region: "110000", agencies: [a]}', "exactly one of region or agencies"),
        ("{region: 110000}", "Input should be a valid string"),
        ('{region: "1100"}', "6-digit"),
        ('{regoin: "110000"}', "Extra inputs are not permitted"),
    ],
)
def test_bad_covers_name_their_place(covers: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=r"sources\.0\.covers") as caught:
        parse_sources(HEAD + f"        covers: {covers}\n")
    assert message in str(caught.value)
