"""Checks on the statutory tables of a 信息公开 report: each failed check is one named finding.

- table 三, every row: the six applicant columns add up to 总计;
- table 三, every column: the result rows (予以公开 … 其他处理) add up to （七）总计;
- table 三, every column: 本年新收 + 上年结转 = （七）总计 + 结转下年度继续办理 (the balance);
- table 四, each of 行政复议 / 未经复议直接起诉 / 复议后起诉: the four results add up to 总计;
- the report's six sections and its three tables are present.

A check that needs an unread cell (None) is skipped, not failed: the read notes say what is
unread. Counts are compared exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from services.extract.disclosure_layout import Value
from services.extract.disclosure_schema import (
    T3_COLUMNS,
    T3_ROWS,
    T4_COLUMNS,
    T4_GROUPS,
    Format,
)

SECTION_NAMES: dict[str, str] = {
    "一": "总体情况",
    "二": "主动公开政府信息情况",
    "三": "收到和处理政府信息公开申请情况",
    "四": "政府信息公开行政复议、行政诉讼情况",
    "五": "存在的主要问题及改进情况",
    "六": "其他需要报告的事项",
}
_T3_LABELS = {row.key: row.label for row in T3_ROWS}
_T3_COLUMN_LABELS = dict(T3_COLUMNS)
_APPLICANTS = tuple(key for key, _ in T3_COLUMNS if key != "total")


def _known(values: Sequence[Value]) -> list[int | float] | None:
    if any(value is None for value in values):
        return None
    return [value for value in values if value is not None]


def _row_sums(cells: Mapping[str, Value], rows: Sequence[str]) -> list[str]:
    findings = []
    for row in rows:
        parts = _known([cells.get(f"t3.{row}.{column}") for column in _APPLICANTS])
        total = cells.get(f"t3.{row}.total")
        if parts is None or total is None or sum(parts) == total:
            continue
        shown = "+".join(str(part) for part in parts)
        findings.append(
            f"table 三 row {_T3_LABELS[row]} does not add up: {shown} = {sum(parts)}, "
            f"总计 says {total}"
        )
    return findings


def _column_sums(cells: Mapping[str, Value], results: Sequence[str]) -> list[str]:
    findings = []
    for column, name in T3_COLUMNS:
        parts = _known([cells.get(f"t3.{row}.{column}") for row in results])
        total = cells.get(f"t3.result_total.{column}")
        if parts is None or total is None or sum(parts) == total:
            continue
        findings.append(
            f"table 三 column {name}: the results add up to {sum(parts)}, （七）总计 says {total}"
        )
    return findings


def _balance(cells: Mapping[str, Value]) -> list[str]:
    findings = []
    for column, name in T3_COLUMNS:
        got = _known(
            [cells.get(f"t3.{row}.{column}") for row in ("new", "carried_in")]
            + [cells.get(f"t3.{row}.{column}") for row in ("result_total", "carried_out")]
        )
        if got is None:
            continue
        new, carried_in, total, carried_out = got
        if new + carried_in != total + carried_out:
            findings.append(
                f"table 三 does not balance ({name}): 本年新收 {new} + 上年结转 {carried_in} = "
                f"{new + carried_in}, but 总计 {total} + 结转下年度 {carried_out} = "
                f"{total + carried_out}"
            )
    return findings


def _t4_sums(cells: Mapping[str, Value]) -> list[str]:
    findings = []
    for group, name in T4_GROUPS:
        parts = _known([cells.get(f"t4.{group}.{col}") for col, _ in T4_COLUMNS[:-1]])
        total = cells.get(f"t4.{group}.total")
        if parts is None or total is None or sum(parts) == total:
            continue
        findings.append(
            f"table 四 {name} does not add up: {'+'.join(str(p) for p in parts)} = "
            f"{sum(parts)}, 总计 says {total}"
        )
    return findings


def check(cells: Mapping[str, Value], fmt: Format) -> list[str]:
    """The findings of the sum and balance checks on the cells read (empty: all hold)."""
    if not any(key.startswith("t3.") for key in cells):
        return _t4_sums(cells)
    rows = [
        row.key
        for row in T3_ROWS
        if f"t3.{row.key}.total" in cells
        or any(f"t3.{row.key}.{column}" in cells for column in _APPLICANTS)
    ]
    results = [
        row
        for row in rows
        if row not in ("new", "carried_in", "result_total", "carried_out")
        and not (fmt == "2021" and row == "other")
        and not (fmt == "2019" and row.startswith("other."))
    ]
    return [
        *_row_sums(cells, rows),
        *_column_sums(cells, results),
        *_balance(cells),
        *_t4_sums(cells),
    ]


def missing_sections(headings: Mapping[str, int], tables: Sequence[str]) -> list[str]:
    """Findings for the required sections and tables the report lacks."""
    findings = [
        f"section {number} {name} not found"
        for number, name in SECTION_NAMES.items()
        if number not in headings
    ]
    findings.extend(
        f"table {number} ({SECTION_NAMES[number]}) not found"
        for number in ("二", "三", "四")
        if number not in tables
    )
    return findings
