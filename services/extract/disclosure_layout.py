"""Tables as runs: a row's label text and the values that follow it, whatever the layout.

The statutory tables reach us in three shapes: real `<table>` rows (a blank cell stays in its
place), text with one cell per line (a blank cell has vanished), and text with one row per line,
cells separated by spaces (as PDFs and copied pages give them). All three become a sequence of
`Run`s: the label cells joined (blanks removed), then the numbers that follow them. A value that
is printed but is no number (—, /, 无) or a blank `<td>` is None: unread, never 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.extract.metadata import fold

Value = int | float | None

# At most 15 digits before the point: a longer run is no count or amount (and would overflow).
_NUMBER = re.compile(r"^[+-]?\d{1,3}(?:,\d{3}){1,4}(?:\.\d{1,6})?$|^[+-]?\d{1,15}(?:\.\d{1,6})?$")
_NO_VALUE = frozenset(
    {"—", "——", "-", "--", "－", "/", "／", "\\", "无", "空", "–", "―", "_", "＿", "__"}
)
# Page furniture a PDF puts between table rows: "- 3 -", "第 3 页", "第3页 共5页".
_WITH_UNIT = re.compile(r"^(?P<sign>[增减])?(?P<number>[+-]?[\d,.]+)(?:万元|元|件|条|个|项|次)?$")
_PAGE_MARK = re.compile(
    r"^\s*(?:[-—–]\s*\d+\s*[-—–]|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?)\s*$"
)
# Traditional characters of the tables' labels and headings (big5 gateways and mirrors print
# them so): enough to match labels, not a general converter; numbers are never touched.
_T2S = str.maketrans(
    "規範許處罰強業費務項購採總計結轉開請數類過執詢關機現補確訪舉報訴複復認國穩權護條對維糾審經"
    "議訟額萬單辦無獲繳納構會組織發廢歷據係兩個間劃區別這際繼續減狀況應當違與為於實製內產徵資訊"
    "聽億動門問題預決統說並時視圍導見檔",
    "规范许处罚强业费务项购采总计结转开请数类过执询关机现补确访举报诉复复认国稳权护条对维纠审经"
    "议讼额万单办无获缴纳构会组织发废历据系两个间划区别这际继续减状况应当违与为于实制内产征资讯"
    "听亿动门问题预决统说并时视围导见档",
)
_SPACES = re.compile(r"[ \t\u3000]+")
_UNIT = re.compile(r"单位[:：]?(万元|元)|[（(](万元|元)[）)]|\d(万元|元)")


@dataclass(frozen=True)
class Run:
    """A label (cells joined, blanks removed) and the values printed after it."""

    label: str
    values: tuple[Value, ...]
    cut: bool = False  # the text ends inside this row: its values are the row's first cells


def simplified(text: str) -> str:
    """The text with the traditional characters of table labels made simplified."""
    return text.translate(_T2S)


def as_value(cell: str) -> tuple[bool, Value]:
    """Whether a cell is a value cell, and its value (None for —, /, 无 and blanks).

    A number may carry its unit (79000.1元, 3件) and a change its word (减3 is -3, 增2 is 2).
    """
    text = re.sub(r"\s+", "", fold(cell))
    if not text or text in _NO_VALUE:
        return True, None
    match = _WITH_UNIT.match(text)
    if match is None or not _NUMBER.match(match.group("number")):
        return False, None
    plain = match.group("number").replace(",", "")
    number = float(plain)
    if match.group("sign") == "减":
        number = -number
    return True, int(number) if "." not in plain else number


def _label(cell: str) -> str:
    return re.sub(r"\s+", "", fold(cell))


def grid_runs(rows: Iterable[Sequence[str]]) -> list[Run]:
    """Runs of real table rows: the values are the cells right of the last label cell."""
    runs: list[Run] = []
    for row in rows:
        kinds = [as_value(cell) for cell in row]
        last_label = max((i for i, (is_value, _) in enumerate(kinds) if not is_value), default=-1)
        label = "".join(
            _label(cell) for cell, (is_value, _) in zip(row, kinds, strict=True) if not is_value
        )
        values = tuple(value for _, value in kinds[last_label + 1 :])
        if last_label == -1 and all(value is None for value in values):
            continue  # a blank row
        runs.append(Run(label, values))
    return runs


def text_tokens(lines: Iterable[str]) -> list[str]:
    """The cells of flattened table text: page furniture dropped, each line split on `|` (as
    stored copies mark cells: a blank between two filled cells is a blank cell, "") and on
    spaces."""
    tokens: list[str] = []
    for raw in lines:
        line = fold(raw).strip()
        if _PAGE_MARK.match(line):
            continue
        if "|" not in line:
            tokens.extend(part for part in _SPACES.split(line) if part)
            continue
        cells = [cell.strip() for cell in line.split("|")]
        # Bars before the first and after the last filled cell are the copy's padding (a row
        # closed with "|||||||"), not cells: only a blank between two filled cells is one.
        filled = [i for i, cell in enumerate(cells) if cell]
        if not filled:
            continue
        for cell in cells[filled[0] : filled[-1] + 1]:
            tokens.extend([part for part in _SPACES.split(cell) if part] or [""])
    return tokens


def text_runs(lines: Iterable[str], ends_text: bool = False) -> list[Run]:
    """Runs of flattened text: label tokens gather until the numbers that follow them end.

    A blank cell has left no trace here, so a row with a cell missing comes out short: the reader
    then cannot tell which cell it was, and leaves the whole row unread. Only when the lines are
    the end of the whole text (`ends_text`: a copy cut short) is a short last row known to have
    lost its last cells, not some cell.
    """
    runs: list[Run] = []
    label: list[str] = []
    values: list[Value] = []
    for token in text_tokens(lines):
        is_value, value = as_value(token)
        if is_value and value is None and not label and not values:
            continue  # a dash or a blank before any label: a rule or padding, not a cell
        if is_value:
            values.append(value)
            continue
        if values:
            if any(v is not None for v in values):  # blanks only: padding after a header
                runs.append(Run("".join(label), tuple(values)))
                label = []
            values = []
        label.append(_label(token))
    if any(v is not None for v in values):
        runs.append(Run("".join(label), tuple(values), cut=ends_text))
    return runs


def money_unit(text: str) -> str | None:
    """The unit of money a table's text states (万元, 元), if any."""
    match = _UNIT.search(re.sub(r"\s+", "", text))
    return next((unit for unit in match.groups() if unit), None) if match else None
