"""Read the statutory tables of a 政府信息公开工作年度报告 into typed cells, then check them.

Where the tables are: each between its section heading (二、主动公开政府信息情况,
三、收到和处理政府信息公开申请情况, 四、政府信息公开行政复议、行政诉讼情况) and the next, or, when
headings are missing, around the first row it must contain. HTML `<table>`s are read as grids
(a blank cell keeps its place); text, from pages, PDFs and DOCX alike, is read as runs of labels
and numbers (disclosure_layout). Rows are matched by label, in table order (disclosure_schema).

Never a guess: a row whose numbers do not fit its cells (one missing, one too many) is left
unread (None) with a note, and so is every cell of a row that was not found. The checks
(disclosure_checks) then name what does not add up.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from services.extract import disclosure_checks, disclosure_schema
from services.extract.disclosure_layout import (
    Run,
    Value,
    grid_runs,
    money_unit,
    simplified,
    text_runs,
)
from services.extract.disclosure_schema import T3_ROWS, T4_ROW, Format, Row
from shared.events import DisclosureTables, TableCell

# Each section heading as numbered (二、主动公开政府信息情况), then unnumbered: 一、总体情况 often has
# a subheading （一）主动公开政府信息情况 of its own, which must not start table 二's region.
_HEADINGS: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "一": (re.compile(r"^[一1][、.．]\s*总体情况"), re.compile(r"^总体情况")),
    "二": (
        re.compile(r"^[二2][、.．]\s*主动公开政府信息"),
        re.compile(r"^主动公开政府信息(?:情况)?$"),
    ),
    "三": (
        re.compile(r"^[三3][、.．]\s*收到和处理政府信息公开申请"),
        re.compile(r"收到和处理政府信息公开申请(?:情况)?$"),
    ),
    "四": (
        re.compile(r"^[四4][、.．]\s*.{0,20}行政复议"),
        re.compile(r"政府信息公开行政复议.{0,2}行政诉讼(?:情况)?$"),
    ),
    "五": (
        re.compile(r"^[五5][、.．]\s*.{0,10}存在的?主要问题"),
        re.compile(r"存在的?主要问题及改进情况$"),
    ),
    "六": (re.compile(r"^[六6][、.．]\s*其他需要报告的事项"), re.compile(r"其他需要报告的事项$")),
}
_MAX_HEADING = 40
_T3_START = re.compile(r"本年新收")
_T3_ROW = re.compile(
    r"本年新收|上年结转|结转下年度继续办理"
)  # a page of a flipbook starts mid-table
_T4_START = re.compile(r"结果维持|复议后起诉")
_T2_START = re.compile(r"第二十条第|信息内容")
_T4_WIDTH = len(T4_ROW.columns)
_SHORT_2019 = frozenset({"penalty", "coercion"})  # 2019 tables print two columns or three


@dataclass
class _Read:
    cells: dict[str, Value] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _headings(lines: Sequence[str]) -> dict[str, int]:
    """The line of each section heading: the first numbered one, else the first unnumbered."""
    found: dict[str, int] = {}
    for number, (numbered, loose) in _HEADINGS.items():
        for pattern in (numbered, loose):
            at = next(
                (
                    i
                    for i, line in enumerate(lines)
                    if len(line) <= _MAX_HEADING and pattern.search(line.strip())
                ),
                None,
            )
            if at is not None:
                found[number] = at
                break
    return found


def _first(lines: Sequence[str], pattern: re.Pattern[str], start: int = 0) -> int | None:
    return next((i for i in range(start, len(lines)) if pattern.search(lines[i])), None)


def _regions(lines: Sequence[str], heads: dict[str, int]) -> dict[str, tuple[int, int]]:
    """Line ranges of tables 二, 三, 四: from the heading (or the first row) to the next one."""
    end = len(lines)
    start3 = heads.get("三", _first(lines, _T3_ROW))
    start4 = heads.get("四")
    if start4 is None:
        start4 = _first(lines, _T4_START, start3 or 0)
    start2 = heads.get("二")
    if start2 is None:
        start2 = _first(lines, _T2_START)
    stop5 = heads.get("五", heads.get("六", end))
    regions: dict[str, tuple[int, int]] = {}
    if start2 is not None:
        stop = next((s for s in (start3, start4) if s is not None and s > start2), stop5)
        regions["二"] = (start2, stop)
    if start3 is not None:
        stop = start4 if start4 is not None and start4 > start3 else stop5
        regions["三"] = (start3, max(stop, start3))
    if start4 is not None:
        regions["四"] = (start4, max(stop5 if stop5 > start4 else end, start4))
    return regions


_ASIDE = re.compile(r"[（(][^（()）]*[）)]")


def _bare(label: str) -> str:
    """A label without its asides: 规章（设区的市…应提供相关数据） is the 规章 row."""
    return _ASIDE.sub("", label)


def _fit(row: Row, run: Run, fmt: Format) -> tuple[Value, ...] | None:
    """The run's values laid on the row's cells, or None when they do not fit."""
    width, values = len(row.columns), run.values
    while len(values) > width and values[-1] is None:  # trailing blank <td>s
        values = values[:-1]
    if len(values) == width:
        return values
    if fmt == "2019" and row.key in _SHORT_2019 and len(values) == width - 1:
        return (*values, None)
    if run.cut and len(values) < width:
        return (*values, *(None,) * (width - len(values)))
    return None


def _match_rows(
    runs: Sequence[Run], rows: Sequence[Row], table: str, prefix: str, fmt: Format
) -> _Read:
    """Lay each run on the first row (at or after the last one matched) its label names.

    A run whose numbers do not fit its row leaves the row open: a sentence above the table
    (本年新收申请 3 件) names a row too, and the table's own row may still come.
    """
    read = _Read()
    unfit: dict[str, str] = {}
    at = 0
    for run in runs:
        if not run.values:
            continue
        label = _bare(run.label)
        hit = next((i for i in range(at, len(rows)) if rows[i].pattern.search(label)), None)
        if hit is None:
            continue
        row = rows[hit]
        fitted = _fit(row, run, fmt)
        if fitted is None:
            unfit[row.key] = (
                f"table {table} row {row.label}: {len(run.values)} values for "
                f"{len(row.columns)} cells, left unread"
            )
            fitted = (None,) * len(
                row.columns
            )  # `at` stays: this row and those before it stay open
        else:
            unfit.pop(row.key, None)
            at = hit + 1
        for column, value in zip(row.columns, fitted, strict=True):
            read.cells[f"{prefix}.{row.key}.{column}"] = value
        if at == len(rows):
            break
    read.notes.extend(unfit.values())
    return read


def _read_t4(runs: Sequence[Run]) -> _Read:
    read = _Read()
    wide = [run for run in runs if len(run.values) >= _T4_WIDTH]
    exact = next((run for run in wide if _fit(T4_ROW, run, "2021") is not None), None)
    if exact is not None:
        fitted = _fit(T4_ROW, exact, "2021") or ()
        read.cells = {f"t4.{col}": value for col, value in zip(T4_ROW.columns, fitted, strict=True)}
    else:
        counted = max((len(run.values) for run in runs), default=0)
        if counted:
            read.notes.append(f"table 四: {counted} values for {_T4_WIDTH} cells, left unread")
        read.cells = {f"t4.{col}": None for col in T4_ROW.columns}
    return read


def _t3_rows(fmt: Format) -> tuple[Row, ...]:
    if fmt == "2021":
        return tuple(row for row in T3_ROWS if row.key != "other")
    return tuple(row for row in T3_ROWS if not row.key.startswith("other."))


_T3_LABELS = re.compile(r"予以公开|不予公开|无法提供|不予处理|结转下年度")
_T2_LABELS = re.compile(r"行政许可|行政处罚|行政事业性收费|规范性(?:文件|档案)")


def _grid_tables(
    grids: Sequence[Sequence[Sequence[str]]],
) -> tuple[dict[str, list[Run]], dict[str, str]]:
    """Runs of the page's `<table>`s, sorted to tables 二, 三, 四 by what they hold: a grid
    may hold several (one table for the whole report) or a part of one (split at a page break)."""
    out: dict[str, list[Run]] = {}
    texts: dict[str, str] = {}
    for grid in grids:
        text = "".join("".join(row) for row in grid)
        names = [
            name
            for name, holds in (
                ("二", disclosure_schema.t2_format(text) or _T2_LABELS.search(text)),
                ("三", _T3_START.search(text) or _T3_LABELS.search(text)),
                ("四", _T4_START.search(text)),
            )
            if holds
        ]
        runs = grid_runs(grid) if names else []
        for name in names:
            out.setdefault(name, []).extend(runs)
            texts[name] = texts.get(name, "") + text
    return out, texts


def read_tables(
    lines: Sequence[str],
    grids: Sequence[Sequence[Sequence[str]]] = (),
    report_year: int | None = None,
) -> DisclosureTables | None:
    """The statutory tables of one report, or None when the page holds none of them.

    `lines` is the report's text (any layout); `grids` its HTML tables as rows of cell texts,
    preferred where they hold a table.
    """
    lines = [simplified(line) for line in lines]
    grids = [[[simplified(cell) for cell in row] for row in grid] for grid in grids]
    heads = _headings(lines)
    regions = _regions(lines, heads)
    from_grids, grid_texts = _grid_tables(grids)
    runs: dict[str, list[Run]] = {}
    texts: dict[str, str] = {}
    for name in ("二", "三", "四"):
        if name in from_grids:
            runs[name] = from_grids[name]
            texts[name] = grid_texts[name]
        elif name in regions:
            start, stop = regions[name]
            runs[name] = text_runs(lines[start:stop], ends_text=stop >= len(lines))
            texts[name] = "".join(lines[start:stop])
    fmt = (
        disclosure_schema.t2_format(texts.get("二", ""))
        or disclosure_schema.year_format(report_year)
        or "2021"
    )
    cells: dict[str, Value] = {}
    notes: list[str] = []
    found: list[str] = []
    plans: dict[str, tuple[Row, ...]] = {"二": disclosure_schema.t2_rows(fmt), "三": _t3_rows(fmt)}
    for name, rows in plans.items():
        if name not in runs:
            continue
        prefix = "t2" if name == "二" else "t3"
        read = _match_rows(runs[name], rows, name, prefix, fmt)
        if not read.cells:
            continue
        found.append(name)
        notes.extend(read.notes)
        for row in rows:
            keys = [f"{prefix}.{row.key}.{column}" for column in row.columns]
            if keys[0] not in read.cells:
                notes.append(f"table {name} row {row.label} not found, left unread")
            for key in keys:
                cells[key] = read.cells.get(key)
    if "四" in runs and any(run.values for run in runs["四"]):
        read = _read_t4(runs["四"])
        found.append("四")
        notes.extend(read.notes)
        cells.update(read.cells)
    if not found:
        return None
    # The 2021 table prints 本年收费金额（单位：万元）; a 2019 采购总金额 states its unit or none.
    unit = money_unit(texts.get("二", "")) or ("万元" if fmt == "2021" else "")
    money = disclosure_schema.money_keys()
    typed = tuple(
        TableCell(key=key, value=value, unit=unit if key in money else "件")
        for key, value in cells.items()
    )
    findings = (
        *notes,
        *disclosure_checks.check(cells, fmt),
        *disclosure_checks.missing_sections(heads, found),
    )
    return DisclosureTables(
        format=fmt,
        report_year=report_year,
        tables=tuple(found),
        cells=typed,
        findings=tuple(findings),
    )
