"""Deadline rules: national defaults by agency role, per-region overrides, dated changes, and the
strict deadlines file that configures them."""

from __future__ import annotations

from datetime import date

import pytest

from services.store import core
from services.store.deadlines import DEFAULT_FILE, load_deadlines, parse_deadlines
from shared.errors import ConfigurationError

pytestmark = pytest.mark.unit

KUNMING_FILE = """
rules:
  - kind: 政府信息公开工作年度报告
    region: "530100"
    applies_to: department
    from_year: 2020
    until_year: 2024
    due: "01-28"
    basis: 昆明市通知，各部门1月28日前公布
  - kind: 政府信息公开工作年度报告
    region: "530000"
    applies_to: department
    from_year: 2020
    due: "01-25"
    basis: 云南省通知
  - kind: 法治政府建设年度报告
    from_year: 2027
    due: "03-15"
    basis: 假设的新规定 (a dated national change)
  - kind: 履职报告
    region: "530102"
    from_year: 2022
    due: "02-28"
    basis: 五华区人大常委会规定
"""


def _due(
    kind: str, year: int, *, role: core.Role, region: str | None, text: str = KUNMING_FILE
) -> date | None:
    rule = core.deadline_for(kind, year, parse_deadlines(text), role=role, region_code=region)
    return core.deadline_date(rule, year) if rule else None


INFO = "政府信息公开工作年度报告"
RULE_OF_LAW = "法治政府建设年度报告"


@pytest.mark.parametrize(
    ("role", "year", "expected"),
    [
        ("department", 2023, date(2024, 1, 31)),
        ("government", 2023, date(2024, 3, 31)),  # 本级政府: 3月31日 (第四十九条)
        ("department", 2017, date(2018, 3, 31)),  # before the 2019 revision everyone had 3月31日
        ("government", 2017, date(2018, 3, 31)),
    ],
)
def test_national_information_disclosure_deadline_depends_on_the_role(
    role: core.Role, year: int, expected: date
) -> None:
    assert _due(INFO, year, role=role, region=None, text="") == expected


@pytest.mark.parametrize(
    ("name", "level", "role"),
    [
        ("昆明市人民政府", None, "government"),
        ("五华区人民政府", "县级", "government"),
        ("昆明市人民政府办公室", None, "department"),
        ("昆明市科学技术局", "市级", "department"),
        ("中共五华区委 五华区人民政府", None, "government"),
        ("某某开发区管委会", "政府", "government"),  # an explicit level wins over the name
        ("昆明市人民政府", "department", "department"),
        (None, None, "department"),
    ],
)
def test_agency_role_from_level_or_name(name: str | None, level: str | None, role: str) -> None:
    assert core.agency_role(name, level) == role


@pytest.mark.parametrize(
    ("role", "region", "year", "expected"),
    [
        ("department", "530102", 2023, date(2024, 1, 28)),  # the city's rule, inside the city
        ("department", "530100", 2023, date(2024, 1, 28)),
        ("department", "530102", 2025, date(2026, 1, 25)),  # city rule ended: the province's
        ("department", "530302", 2023, date(2024, 1, 25)),  # another city of the province
        ("department", "530102", 2019, date(2020, 1, 31)),  # before the overrides: national
        ("government", "530102", 2023, date(2024, 3, 31)),  # overrides are for departments
        ("department", "510104", 2023, date(2024, 1, 31)),  # another province
        ("department", None, 2023, date(2024, 1, 31)),  # no region known: national
    ],
)
def test_region_overrides_most_specific_rule_in_force_wins(
    role: core.Role, region: str | None, year: int, expected: date
) -> None:
    assert _due(INFO, year, role=role, region=region) == expected


def test_a_dated_national_change_applies_from_its_year() -> None:
    assert _due(RULE_OF_LAW, 2026, role="department", region="530102") == date(2027, 4, 1)
    assert _due(RULE_OF_LAW, 2027, role="department", region="530102") == date(2028, 3, 15)
    assert _due(RULE_OF_LAW, 2018, role="government", region=None) == date(2019, 3, 31)


def test_performance_reports_have_a_deadline_only_where_a_region_sets_one() -> None:
    assert _due("履职报告", 2023, role="department", region="530102") == date(2024, 2, 28)
    assert _due("履职报告", 2023, role="department", region="530103") is None
    assert _due("履职报告", 2021, role="department", region="530102") is None


def test_the_shipped_file_is_valid_and_adds_nothing() -> None:
    assert DEFAULT_FILE.is_file()
    assert load_deadlines() == core.NATIONAL_RULES
    assert load_deadlines(None) == load_deadlines(DEFAULT_FILE)


def test_a_file_of_ones_own_is_read(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "deadlines.yaml"
    path.write_text(KUNMING_FILE, encoding="utf-8")
    rules = load_deadlines(path)
    assert len(rules) == len(core.NATIONAL_RULES) + 4
    assert rules[-1].legal_basis == "五华区人大常委会规定"


_RULE = "rules:\n  - {kind: 法治政府建设年度报告, from_year: 2020, due: '03-01', basis: x%s}\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_RULE % ", regoin: '530100'", "rules.0.regoin: Extra inputs are not permitted"),
        (_RULE % ", region: '5301'", "rules.0.region: Value error, region must be a 6-digit"),
        (_RULE % ", region: 530100", "rules.0.region: Input should be a valid string"),
        (
            _RULE.replace("03-01", "02-29") % "",
            "rules.0.due: Value error, due '02-29' is not a day",
        ),
        (_RULE.replace("03-01", "3月1日") % "", "rules.0.due: Value error, due must be MM-DD"),
        (_RULE.replace("法治政府建设年度报告", "年报") % "", "rules.0.kind: Value error, unknown"),
        (_RULE % ", until_year: 2019", "rules.0: Value error, until_year is before from_year"),
        (_RULE % ", applies_to: city", "rules.0.applies_to: Input should be 'any'"),
        (_RULE.replace("basis: x", "basis: ''") % "", "rules.0.basis: String should have at least"),
        ("rule: []\n", "rule: Extra inputs are not permitted"),
        ("rules: [\n", "not valid YAML"),
        (_RULE % "" + _RULE.split("\n")[1] + "\n", "rules.1: a rule for 法治政府建设年度报告"),
    ],
)
def test_a_bad_deadlines_file_is_refused_with_its_place(text: str, message: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        parse_deadlines(text, "my-deadlines.yaml")
    assert str(raised.value).startswith("my-deadlines.yaml: ")
    assert message in str(raised.value)


def test_an_unreadable_file_is_a_configuration_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigurationError, match="cannot read deadlines file"):
        load_deadlines(tmp_path / "absent.yaml")


def test_obligations_skip_kinds_without_a_deadline() -> None:
    specs = core.obligations_of(
        ["法治政府建设年度报告", "履职报告"],
        [2023, 2024],
        core.NATIONAL_RULES,
        role="department",
        region_code="530100",
    )
    assert [(s.kind, s.report_year, s.deadline) for s in specs] == [
        ("法治政府建设年度报告", 2023, date(2024, 4, 1)),
        ("法治政府建设年度报告", 2024, date(2025, 4, 1)),
    ]


@pytest.mark.parametrize(
    ("code", "prefix"),
    [("530000", "53"), ("530100", "5301"), ("530102", "530102"), ("110000", "11")],
)
def test_region_prefix(code: str, prefix: str) -> None:
    assert core.region_prefix(code) == prefix
