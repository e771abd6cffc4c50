"""Builders of 信息公开 reports with their statutory tables, in the layouts portals give them.

`cells` are the values the tables print (None: a blank cell); `render` lays them out as an HTML
page with real <table>s, as text with one cell per line, one row per line, or the `|`-marked
text of stored page copies.
"""

from __future__ import annotations

from typing import Literal

from services.extract.disclosure_schema import (
    T3_COLUMNS,
    T3_ROWS,
    T4_COLUMNS,
    T4_GROUPS,
    T4_ROW,
    Format,
    t2_rows,
)

Layout = Literal["html", "cells", "rows", "pipes"]
Value = int | float | None

_T2_HEADS = {
    "2021": {
        "rules": ("第二十条第（一）项", ("本年制发件数", "本年废止件数", "现行有效件数")),
        "license": ("第二十条第（五）项", ("本年处理决定数量",)),
        "penalty": ("第二十条第（六）项", ("本年处理决定数量",)),
        "fee": ("第二十条第（八）项", ("本年收费金额（单位：万元）",)),
    },
    "2019": {
        "rules": ("第二十条第（一）项", ("本年新制作数量", "本年新公开数量", "对外公开总数量")),
        "license": ("第二十条第（五）项", ("上一年项目数量", "本年增/减", "处理决定数量")),
        "penalty": ("第二十条第（六）项", ("上一年项目数量", "本年增/减", "处理决定数量")),
        "fee": ("第二十条第（八）项", ("上一年项目数量", "本年增/减")),
        "procurement": ("第二十条第（九）项", ("采购项目数量", "采购总金额")),
    },
}
_T3_PRINTED = {
    "new": "一、本年新收政府信息公开申请数量",
    "carried_in": "二、上年结转政府信息公开申请数量",
    "open": "三、本年度办理结果 （一）予以公开",
    "partial": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "deny.secret": "（三）不予公开 1.属于国家秘密",
    "unavailable.not_held": "（四）无法提供 1.本机关不掌握相关政府信息",
    "reject.petition": "（五）不予处理 1.信访举报投诉类申请",
    "other.no_correction": "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other.no_fee": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other.other": "3.其他",
    "other": "（六）其他处理",
    "result_total": "（七）总计",
    "carried_out": "四、结转下年度继续办理",
}  # fmt: skip
_NUMBERS = "12345678"


def _t3_label(key: str) -> str:
    if key in _T3_PRINTED:
        return _T3_PRINTED[key]
    row = next(r for r in T3_ROWS if r.key == key)
    siblings = [r.key for r in T3_ROWS if r.key.split(".")[0] == key.split(".")[0]]
    return f"{_NUMBERS[siblings.index(key)]}.{row.label.split('/')[-1]}"


def sample_cells(fmt: Format = "2021", seed: int = 3) -> dict[str, Value]:
    """A consistent set of tables: rows and columns add up, table 三 balances."""
    cells: dict[str, Value] = {}
    for i, row in enumerate(t2_rows(fmt)):
        for j, column in enumerate(row.columns):
            cells[f"t2.{row.key}.{column}"] = 1.5 if column == "amount" else (i * 3 + j + seed) % 9
    skip = "other" if fmt == "2021" else "other."
    rows = [
        r for r in T3_ROWS if not (r.key == skip or (skip == "other." and r.key.startswith(skip)))
    ]
    results = [
        r.key for r in rows if r.key not in ("new", "carried_in", "result_total", "carried_out")
    ]
    applicants = [c for c, _ in T3_COLUMNS if c != "total"]
    for n, key in enumerate(results):
        for m, column in enumerate(applicants):
            cells[f"t3.{key}.{column}"] = (n + m + seed) % 4 if m in (0, 1) else 0
    for column in applicants:
        done = sum(int(cells[f"t3.{key}.{column}"] or 0) for key in results)
        cells[f"t3.result_total.{column}"] = done
        cells[f"t3.carried_out.{column}"] = 1 if column == "natural" else 0
        cells[f"t3.carried_in.{column}"] = 2 if column == "natural" else 0
        cells[f"t3.new.{column}"] = (
            done + (1 if column == "natural" else 0) - (2 if column == "natural" else 0)
        )
    for key in ("new", "carried_in", *results, "result_total", "carried_out"):
        cells[f"t3.{key}.total"] = sum(int(cells[f"t3.{key}.{c}"] or 0) for c in applicants)
    for group, _ in T4_GROUPS:
        parts = [1, 0, 0, seed % 2]
        for (column, _), value in zip(T4_COLUMNS, [*parts, sum(parts)], strict=True):
            cells[f"t4.{group}.{column}"] = value
    return cells


def _fmt_value(value: Value) -> str:
    return "" if value is None else str(value)


def table_rows(cells: dict[str, Value], fmt: Format) -> dict[str, list[list[str]]]:
    """The three tables as printed rows of cell texts."""
    t2: list[list[str]] = []
    heads = _T2_HEADS[fmt]
    for row in t2_rows(fmt):
        if row.key in heads:
            article, columns = heads[row.key]
            t2.append([article])
            t2.append(["信息内容", *columns])
        t2.append([row.label, *(_fmt_value(cells[f"t2.{row.key}.{c}"]) for c in row.columns)])
    t3 = [
        ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况"],
        ["自然人", "法人或其他组织", "总计"],
        ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"],
    ]
    for row in T3_ROWS:
        if f"t3.{row.key}.total" not in cells:
            continue
        values = [_fmt_value(cells[f"t3.{row.key}.{c}"]) for c, _ in T3_COLUMNS]
        t3.append([*_t3_label(row.key).split(" "), *values])
    t4 = [
        ["行政复议", "行政诉讼"],
        ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉"],
        [name for _ in range(3) for _, name in T4_COLUMNS],
        [_fmt_value(cells[f"t4.{key}"]) for key in T4_ROW.columns],
    ]
    return {"二": t2, "三": t3, "四": t4}


_INTRO = (
    "根据《中华人民共和国政府信息公开条例》和国办公开办函〔2021〕30号的要求，编制本报告。",
    "一、总体情况",
    "2023年，我局认真贯彻落实《条例》，共收到政府信息公开申请若干件。",
)
_HEADS = {
    "二": "二、主动公开政府信息情况",
    "三": "三、收到和处理政府信息公开申请情况",
    "四": "四、政府信息公开行政复议、行政诉讼情况",
}
_OUTRO = (
    "五、存在的主要问题及改进情况",
    "主动公开的深度还不够，下一步将加强培训。",
    "六、其他需要报告的事项",
    "本年度未收取信息处理费。",
    "杭州市富阳区财政局",
    "2024年1月20日",
)


def _text_table(rows: list[list[str]], layout: Layout) -> list[str]:
    if layout == "cells":
        return [cell for row in rows for cell in row if cell != ""]
    if layout == "rows":
        return [" ".join(cell for cell in row if cell != "") for row in rows]
    return ["| " + " | ".join(row) + " |" for row in rows]


def render(cells: dict[str, Value], fmt: Format, layout: Layout, title: str | None = None) -> str:
    """A whole report with its tables in the given layout."""
    title = title or "杭州市富阳区财政局2023年政府信息公开工作年度报告"
    tables = table_rows(cells, fmt)
    if layout == "html":
        parts = [f"<html><head><title>{title}</title></head><body><div class='content'>"]
        parts.append(f"<h1>{title}</h1>")
        parts.extend(f"<p>{line}</p>" for line in _INTRO)
        for name, rows in tables.items():
            parts.append(f"<p>{_HEADS[name]}</p><table>")
            for row in rows:
                parts.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>")
            parts.append("</table>")
        parts.extend(f"<p>{line}</p>" for line in _OUTRO)
        return "\n".join([*parts, "</div></body></html>"])
    lines = [title, *_INTRO]
    for name, rows in tables.items():
        lines.append(_HEADS[name])
        lines.extend(_text_table(rows, layout))
    return "\n".join([*lines, *_OUTRO])
