"""The deadlines file: per-region overrides and dated changes on top of the national rules.

Read strictly (unknown keys, bad dates, unknown kinds, duplicate rules are errors naming their
place), because a typo here would silently move deadlines and so verdicts and alerts.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from services.store.core import NATIONAL_RULES, DeadlineRule
from shared.errors import ConfigurationError
from shared.events import REPORT_KINDS

DEFAULT_FILE = Path(__file__).with_name("deadlines.yaml")


class RuleSpec(BaseModel):
    """One rule of the deadlines file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    region: str | None = None
    applies_to: Literal["any", "government", "department"] = "any"
    from_year: Annotated[int, Field(ge=2000, le=2100)]
    until_year: Annotated[int, Field(ge=2000, le=2100)] | None = None
    due: str
    basis: Annotated[str, Field(min_length=1)]

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value not in REPORT_KINDS:
            raise ValueError(f"unknown report kind {value!r}; known: {list(REPORT_KINDS)}")
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\d{6}", value):
            raise ValueError("region must be a 6-digit 行政区划代码, quoted in YAML")
        return value

    @field_validator("due")
    @classmethod
    def _due(cls, value: str) -> str:
        match = re.fullmatch(r"(\d{2})-(\d{2})", value)
        if not match:
            raise ValueError("due must be MM-DD, e.g. '01-28'")
        try:
            date(2001, int(match[1]), int(match[2]))  # a common year: no 02-29 deadlines
        except ValueError as exc:
            raise ValueError(f"due {value!r} is not a day of the year") from exc
        return value

    @model_validator(mode="after")
    def _years(self) -> RuleSpec:
        if self.until_year is not None and self.until_year < self.from_year:
            raise ValueError("until_year is before from_year")
        return self

    def rule(self) -> DeadlineRule:
        """The rule as the pure core sees it."""
        month, day = (int(part) for part in self.due.split("-"))
        return DeadlineRule(
            kind=self.kind,
            from_year=self.from_year,
            month=month,
            day=day,
            legal_basis=self.basis,
            applies_to=self.applies_to,
            region=self.region,
            until_year=self.until_year,
        )


class DeadlinesFile(BaseModel):
    """The whole deadlines file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: tuple[RuleSpec, ...] = ()

    @model_validator(mode="after")
    def _no_duplicates(self) -> DeadlinesFile:
        seen: set[tuple[str, str | None, str, int]] = set()
        for index, spec in enumerate(self.rules):
            key = (spec.kind, spec.region, spec.applies_to, spec.from_year)
            if key in seen:
                raise ValueError(
                    f"rules.{index}: a rule for {spec.kind}, region {spec.region or 'national'}, "
                    f"{spec.applies_to}, from {spec.from_year} appears twice"
                )
            seen.add(key)
        return self


def parse_deadlines(text: str, origin: str = "<deadlines>") -> tuple[DeadlineRule, ...]:
    """The national rules followed by the rules of a deadlines file's text."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{origin}: not valid YAML: {exc}") from exc
    try:
        parsed = DeadlinesFile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'file'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigurationError(f"{origin}: {problems}") from exc
    return NATIONAL_RULES + tuple(spec.rule() for spec in parsed.rules)


def load_deadlines(path: Path | None = None) -> tuple[DeadlineRule, ...]:
    """The rules in force: the national ones plus those of `path` (the shipped file if None)."""
    path = path or DEFAULT_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot read deadlines file {path}: {exc.strerror}") from exc
    return parse_deadlines(text, str(path))
