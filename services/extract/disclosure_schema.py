"""The statutory tables of the 政府信息公开工作年度报告: their rows, columns and cell keys.

Two formats: the 2021 format of 国办公开办函〔2021〕30号 (report years 2021 on) and the 2019 trial
format of 国办公开办函〔2019〕60号 (2019 and 2020). They share tables 三 and 四, except that the
2021 table 三 splits （六）其他处理 in three; table 二 differs. A cell key is
`t<table>.<row>.<column>` (`t3.new.natural`), spelled out in tests/fixtures/disclosure/FORMAT.md
and the README. Each row is found by a pattern on its label text (the label cells joined, blanks
removed), tried in table order, so a label that names its group too (（三）不予公开1.属于国家秘密)
still lands on its own row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Format = Literal["2021", "2019"]

T3_COLUMNS: tuple[tuple[str, str], ...] = (
    ("natural", "自然人"),
    ("business", "商业企业"),
    ("research", "科研机构"),
    ("nonprofit", "社会公益组织"),
    ("legal", "法律服务机构"),
    ("other", "其他"),
    ("total", "总计"),
)
T4_GROUPS: tuple[tuple[str, str], ...] = (
    ("review", "行政复议"),
    ("suit_direct", "未经复议直接起诉"),
    ("suit_after_review", "复议后起诉"),
)
T4_COLUMNS: tuple[tuple[str, str], ...] = (
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
)


@dataclass(frozen=True)
class Row:
    """One table row: its key, its label for readers, the pattern on its label, its columns."""

    key: str
    label: str
    pattern: re.Pattern[str]
    columns: tuple[str, ...]
    money: tuple[str, ...] = ()  # columns that are amounts of money (the rest are counts)


def _row(key: str, label: str, pattern: str, columns: tuple[str, ...], *money: str) -> Row:
    return Row(key, label, re.compile(pattern), columns, tuple(money))


_T3 = tuple(key for key, _ in T3_COLUMNS)
_NUMBERED = r"(?:^|[\d一二三四五六七八九十][.．、)）]|[）)]|办理结果)"

T3_ROWS: tuple[Row, ...] = (
    _row("new", "本年新收", r"本年新收", _T3),
    _row("carried_in", "上年结转", r"上年结转", _T3),
    _row("open", "予以公开", r"予以公开$", _T3),
    _row("partial", "部分公开", r"部分公开", _T3),
    _row("deny.secret", "不予公开/属于国家秘密", r"国家秘密", _T3),
    _row("deny.law", "不予公开/其他法律行政法规禁止公开", r"法规禁止公开", _T3),
    _row("deny.safety", "不予公开/危及“三安全一稳定”", r"三安全一稳定", _T3),
    _row("deny.third_party", "不予公开/保护第三方合法权益", r"第三方合法权益", _T3),
    _row("deny.internal", "不予公开/属于三类内部事务信息", r"内部事务", _T3),
    _row("deny.process", "不予公开/属于四类过程性信息", r"过程性信息", _T3),
    _row("deny.enforcement", "不予公开/属于行政执法案卷", r"执法案卷", _T3),
    _row("deny.query", "不予公开/属于行政查询事项", r"行政查询事项", _T3),
    _row("unavailable.not_held", "无法提供/本机关不掌握相关政府信息", r"不掌握", _T3),
    _row("unavailable.need_create", "无法提供/没有现成信息需要另行制作", r"另行制作", _T3),
    _row("unavailable.unclear", "无法提供/补正后申请内容仍不明确", r"仍不明确", _T3),
    _row("reject.petition", "不予处理/信访举报投诉类申请", r"信访举报投诉", _T3),
    _row("reject.repeat", "不予处理/重复申请", r"重复申请", _T3),
    _row("reject.publication", "不予处理/要求提供公开出版物", r"公开出版物", _T3),
    _row("reject.mass", "不予处理/无正当理由大量反复申请", r"大量反复申请", _T3),
    _row(
        "reject.confirm", "不予处理/要求行政机关确认或重新出具已获取信息", r"重新出具|确认或", _T3
    ),
    _row("other.no_correction", "其他处理/逾期不补正", r"逾期不补正|不补正", _T3),
    _row("other.no_fee", "其他处理/逾期未缴纳费用", r"缴纳费用|收费通知", _T3),
    _row("other.other", "其他处理/其他", _NUMBERED + r"其他$", _T3),
    _row("other", "其他处理", r"其他处理$", _T3),
    _row("result_total", "办理结果总计", r"总计$", _T3),
    _row("carried_out", "结转下年度继续办理", r"结转下年度", _T3),
)

T3_RESULT_ROWS: tuple[str, ...] = tuple(
    row.key
    for row in T3_ROWS
    if row.key not in {"new", "carried_in", "result_total", "carried_out"}
)

T4_ROW = _row(
    "t4",
    "行政复议、行政诉讼",
    r"",
    tuple(f"{group}.{column}" for group, _ in T4_GROUPS for column, _ in T4_COLUMNS),
)

_T2_2021: tuple[Row, ...] = (
    _row("rules", "规章", r"(?<!行政)规章$", ("made", "repealed", "in_force")),
    _row("normative", "行政规范性文件", r"规范性(?:文件|档案)$", ("made", "repealed", "in_force")),
    _row("license", "行政许可", r"行政许可$", ("decisions",)),
    _row("penalty", "行政处罚", r"行政处罚$", ("decisions",)),
    _row("coercion", "行政强制", r"行政强制$", ("decisions",)),
    _row("fee", "行政事业性收费", r"行政事业性收费$", ("amount",), "amount"),
)
_T2_2019: tuple[Row, ...] = (
    _row("rules", "规章", r"(?<!行政)规章$", ("made", "published", "total")),
    _row("normative", "规范性文件", r"规范性(?:文件|档案)$", ("made", "published", "total")),
    _row("license", "行政许可", r"行政许可$", ("prev_items", "change", "decisions")),
    _row("service", "其他对外管理服务事项", r"对外管理服务事项$", ("prev_items", "change", "decisions")),
    _row("penalty", "行政处罚", r"行政处罚$", ("prev_items", "change", "decisions")),
    _row("coercion", "行政强制", r"行政强制$", ("prev_items", "change", "decisions")),
    _row("fee", "行政事业性收费", r"行政事业性收费$", ("prev_items", "change")),
    _row("procurement", "政府集中采购", r"集中采购$", ("items", "amount"), "amount"),
)  # fmt: skip


def t2_rows(fmt: Format) -> tuple[Row, ...]:
    """Table 二's rows in the given format."""
    return _T2_2021 if fmt == "2021" else _T2_2019


def t2_format(text: str) -> Format | None:
    """Which format table 二's header text is in, by its column names; None if neither."""
    if re.search(r"本年制发|本年废止|现行有效", text):
        return "2021"
    if re.search(r"本年新制作|本年新公开|对外公开总数", text):
        return "2019"
    return None


def year_format(year: int | None) -> Format | None:
    """The format a report of this year must use (None for years before 2019 or unknown)."""
    if year is None or year < 2019:
        return None
    return "2019" if year < 2021 else "2021"


def all_keys(fmt: Format) -> tuple[str, ...]:
    """Every cell key of the three tables in this format, in table order."""
    keys = [f"t2.{row.key}.{col}" for row in t2_rows(fmt) for col in row.columns]
    for row in T3_ROWS:
        if (fmt == "2021" and row.key == "other") or (
            fmt == "2019" and row.key.startswith("other.")
        ):
            continue
        keys.extend(f"t3.{row.key}.{col}" for col in row.columns)
    keys.extend(f"t4.{col}" for col in T4_ROW.columns)
    return tuple(keys)


def money_keys() -> frozenset[str]:
    """Cell keys that hold amounts of money."""
    return frozenset(
        f"t2.{row.key}.{col}" for rows in (_T2_2021, _T2_2019) for row in rows for col in row.money
    )
