"""Durations, comparisons and points on the T-0 timeline, as runbooks write them.

Runbooks say "< 1%", "> 2000ms", "for 5m", "T-3d", "11:30"; the model keeps what was
written (so a checklist round-trips unchanged) and offers the normalised value.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from datetime import time, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, model_validator

Op = Literal["<", "<=", "==", "!=", ">=", ">"]

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    ">": operator.gt,
}

#: factor from a written unit to the base unit (ratio, seconds, bytes)
UNITS: dict[str, float] = {
    "%": 0.01,
    "ms": 0.001,
    "s": 1,
    "m": 60,
    "min": 60,
    "h": 3600,
    "d": 86400,
    "B": 1,
    "KB": 1e3,
    "MB": 1e6,
    "GB": 1e9,
    "KiB": 2**10,
    "MiB": 2**20,
    "GiB": 2**30,
}

#: what a written unit measures, named as a layout pane's `unit` (for `format_value`)
QUANTITY: dict[str, str] = {
    "%": "ratio",
    **dict.fromkeys(("ms", "s", "m", "min", "h", "d"), "seconds"),
    **dict.fromkeys(("B", "KB", "MB", "GB", "KiB", "MiB", "GiB"), "bytes"),
}

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)\s*$")
_NUMBER = re.compile(r"^(-?\d+(?:\.\d+)?)\s*(%|ms|s|min|m|h|d|B|KB|MB|GB|KiB|MiB|GiB)?$")
_COMPARE = re.compile(
    r"^\s*(?:(?P<left>[A-Za-z_][\w.]*)\s*)?(?P<op><=|>=|==|!=|<|>)\s*(?P<right>\S.*?)\s*$"
)
_FACT = re.compile(r"^[A-Za-z_][\w.]*$")
_PLACEHOLDER = re.compile(r"^\$\{[\w.]+\}$")
_TIMEPOINT = re.compile(
    r"^\s*(?:T(?P<sign>[-+])(?P<days>\d+)d?)?\s*(?:(?P<hh>\d{1,2}):(?P<mm>\d{2}))?\s*$"
)


def parse_duration(value: Any) -> Any:
    """Accept `90`, `"30s"`, `"2m"`, `"1.5h"`; leave anything else to pydantic's own checks."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or text like '2m', not true/false")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"a duration cannot be negative: {value}")
        return _seconds(value, value)
    if isinstance(value, str):
        m = _DURATION.match(value)
        if not m:
            raise ValueError(f"bad duration {value!r}: write e.g. '30s', '2m', '1h'")
        return _seconds(float(m.group(1)) * UNITS[m.group(2)], value)
    return value


def _seconds(seconds: float, written: Any) -> timedelta:
    # timedelta raises OverflowError (not ValueError) for huge or infinite values
    try:
        return timedelta(seconds=seconds)
    except (OverflowError, ValueError):
        raise ValueError(f"bad duration {written!r}: too large or not a number") from None


def format_duration(value: timedelta) -> str:
    # exact, in microseconds: `{:g}` kept 6 digits and wrote '1.23457e+06s', which is no duration
    micros = value // timedelta(microseconds=1)
    for unit in ("d", "h", "m", "s"):
        factor = int(UNITS[unit]) * 1_000_000
        if micros >= factor and micros % factor == 0:
            return f"{micros // factor}{unit}"
    seconds, fraction = divmod(micros, 1_000_000)
    return f"{seconds}.{fraction:06d}".rstrip("0").rstrip(".") + "s"


def format_value(value: float, unit: str | None) -> str:
    """A metric's value as the runbook and the panes write it: 3.10 %, 412 ms, 512 MiB.

    `unit` is a layout pane's (ratio, seconds, bytes, cores, count); one formatter for the
    screen and the report, so both say the same number the same way.
    """
    if math.isnan(value):
        return "NaN (no traffic)"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if unit == "ratio":
        return f"{value * 100:.2f} %"
    if unit == "seconds":
        return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"
    if unit == "bytes":
        return f"{value / 2**20:.0f} MiB"
    if unit == "cores":
        return f"{value * 1000:.0f}m"  # millicores, as Kubernetes writes CPU
    return f"{value:g}"


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
]


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


def _plain_number(value: int | float | str) -> str:
    """`1e-05` as `0.00001`: text that reads back as the same number."""
    if not isinstance(value, float) or not math.isfinite(value):
        return str(value)
    text = format(Decimal(repr(value)), "f")
    return text if "." in text else f"{text}.0"


class Compare(BaseModel):
    """`[left] op right[unit]`, e.g. `< 1%`, `status == 200`, `ready == desired`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    left: str | None = None
    op: Op
    right: int | float | str
    unit: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, str | int | float):
            return data
        if isinstance(data, int | float):
            return {"op": "==", "right": data}
        m = _COMPARE.match(data)
        if not m:
            raise ValueError(
                f"bad expectation {data!r}: write '<op> <value>' or '<name> <op> <value>', "
                "op one of < <= == != >= >"
            )
        right = m.group("right").strip().strip("'\"")
        number = _NUMBER.match(right)
        if number:
            return {
                "left": m.group("left"),
                "op": m.group("op"),
                "right": _number(number.group(1)),
                "unit": number.group(2),
            }
        return {"left": m.group("left"), "op": m.group("op"), "right": right}

    @model_validator(mode="after")
    def _meaningful(self) -> Compare:
        number = isinstance(self.right, int | float) and not isinstance(self.right, bool)
        if self.unit is not None and (self.unit not in UNITS or not number):
            raise ValueError(
                f"bad unit {self.unit!r} for {self.right!r}: one of {', '.join(UNITS)}"
            )
        if number:
            try:
                finite = math.isfinite(float(self.right) * UNITS.get(self.unit or "", 1))
            except OverflowError:
                finite = False
            if not finite:
                raise ValueError(f"{self.right!r} is too large or not a number")
        # `> lots` would never hold, so a trigger written like that would never fire;
        # a name is fine when compared with a named fact (`ready >= desired`) or a ${placeholder}
        if self.op in ("<", "<=", ">=", ">") and not number:
            right = str(self.right)
            fact = self.left is not None and _FACT.match(right)
            if not (fact or _PLACEHOLDER.match(right)):
                raise ValueError(f"'{self.op}' needs a number to compare with, not {right!r}")
        return self

    @property
    def value(self) -> int | float | str:
        """`right` in base units (ratio, seconds, bytes)."""
        if self.unit and isinstance(self.right, int | float):
            return self.right * UNITS[self.unit]
        return self.right

    def format(self, actual: float) -> str:
        """A measured value (base units) as the runbook writes this kind: 3.10 %, 2636 ms."""
        return format_value(actual, QUANTITY.get(self.unit or ""))

    def holds(self, actual: Any) -> bool:
        """Whether `actual <op> value`; False when the two cannot be compared."""
        try:
            return bool(OPERATORS[self.op](actual, self.value))
        except TypeError:
            return False

    def __str__(self) -> str:
        right = f"{_plain_number(self.right)}{self.unit or ''}"
        return f"{self.left} {self.op} {right}" if self.left else f"{self.op} {right}"


Expectation = Annotated[Compare, PlainSerializer(str, return_type=str)]


class TimePoint(BaseModel):
    """A point on the window's timeline: `days` relative to T-0, optionally a wall-clock time."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    days: int = 0
    at: time | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if not isinstance(data, str):
            if isinstance(data, int) and not isinstance(data, bool):
                # YAML 1.1 reads an unquoted 11:30 as the sexagesimal integer 690
                if 0 <= data < 1440:
                    return {"at": time(data // 60, data % 60)}
                written = f"{data // 60}:{data % 60:02d}" if data >= 0 else str(data)
                raise ValueError(f"bad time {written}: hours 0-23, minutes 0-59")
            return data
        m = _TIMEPOINT.match(data)
        if not m or not (m.group("days") or m.group("hh")):
            raise ValueError(f"bad time {data!r}: write 'HH:MM', 'T-3d' or 'T-1d HH:MM'")
        days = int(m.group("days") or 0) * (-1 if m.group("sign") == "-" else 1)
        if m.group("hh") is None:
            return {"days": days}
        hh, mm = int(m.group("hh")), int(m.group("mm") or 0)
        if hh > 23 or mm > 59:
            raise ValueError(f"bad time {data!r}: hours 0-23, minutes 0-59")
        return {"days": days, "at": time(hh, mm)}

    def __str__(self) -> str:
        clock = self.at.strftime("%H:%M") if self.at else ""
        if self.days == 0:
            return clock or "T-0"
        return f"T{self.days:+d}d {clock}".strip()

    @property
    def sort_key(self) -> tuple[int, int]:
        minutes = self.at.hour * 60 + self.at.minute if self.at else -1
        return (self.days, minutes)


When = Annotated[TimePoint, PlainSerializer(str, return_type=str)]
