"""Comparisons, durations and timeline points as runbooks write them."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from pydantic import TypeAdapter, ValidationError

from cockpit.model.units import Compare, Duration, TimePoint, format_duration, parse_duration

DURATION = TypeAdapter(Duration)


# --- Compare --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "left", "op", "right", "unit", "value"),
    [
        ("< 1%", None, "<", 1, "%", 0.01),
        ("> 2000ms", None, ">", 2000, "ms", 2.0),
        ("status == 200", "status", "==", 200, None, 200),
        ("ready == desired", "ready", "==", "desired", None, "desired"),
        (">= 14", None, ">=", 14, None, 14),
        ("<1%", None, "<", 1, "%", 0.01),
        ("< 1.5s", None, "<", 1.5, "s", 1.5),
        ("< 24h", None, "<", 24, "h", 86400),
        ("< 1GB", None, "<", 1, "GB", 1e9),
        ("count == 0", "count", "==", 0, None, 0),
        ("selector.version == green", "selector.version", "==", "green", None, "green"),
        ("x > -3", "x", ">", -3, None, -3),
        ("== '004_add_numbering_table'", None, "==", "004_add_numbering_table", None, None),
    ],
)
def test_compare_from_text(text, left, op, right, unit, value):
    c = Compare.model_validate(text)
    assert (c.left, c.op, c.right, c.unit) == (left, op, right, unit)
    expected = right if value is None else value
    if isinstance(expected, float):
        assert c.value == pytest.approx(expected)
    else:
        assert c.value == expected


def test_compare_value_is_in_base_units():
    assert Compare.model_validate("< 1%").value == pytest.approx(0.01)
    assert Compare.model_validate("> 2000ms").value == pytest.approx(2.0)
    assert Compare.model_validate("< 5m").value == 300


def test_a_bare_number_means_equals():
    c = Compare.model_validate(200)
    assert (c.op, c.right) == ("==", 200)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "lots",
        "> ",
        "=> 5",
        "a b < 3",
        "200",
        # an ordering comparison needs a number: this would never hold, so never fire
        "> lots",
        "< 5 percent",
    ],
)
def test_compare_rejects_bad_text(text):
    with pytest.raises(ValidationError):
        Compare.model_validate(text)


def test_compare_rejects_an_unknown_unit():
    with pytest.raises(ValidationError, match="unit"):
        Compare.model_validate({"op": ">", "right": 5, "unit": "parsecs"})


def test_ordering_against_a_named_fact_is_allowed():
    c = Compare.model_validate("ready >= desired")
    assert (c.left, c.op, c.right) == ("ready", ">=", "desired")


@pytest.mark.parametrize(
    ("text", "actual", "holds"),
    [
        ("< 1%", 0.005, True),
        ("< 1%", 0.01, False),
        ("< 1%", 0.02, False),
        ("<= 1%", 0.01, True),
        ("> 2000ms", 2.5, True),
        ("> 2000ms", 1.9, False),
        ("status == 200", 200, True),
        ("status == 200", 503, False),
        ("!= 0", 1, True),
        (">= 14", 14, True),
        (">= 14", 13, False),
        ("ready == desired", "desired", True),
        # values that cannot be compared never hold (and never raise)
        ("< 1%", "n/a", False),
        ("< 1%", None, False),
        ("> 2000ms", [], False),
    ],
)
def test_compare_holds(text, actual, holds):
    assert Compare.model_validate(text).holds(actual) is holds


@pytest.mark.parametrize(
    "text",
    [
        "< 1%",
        "> 2000ms",
        "status == 200",
        "ready == desired",
        ">= 14",
        "count == 0",
        "< 1.5s",
        "!= 0",
        "== ${alembic_head}",
    ],
)
def test_compare_str_round_trip(text):
    c = Compare.model_validate(text)
    assert str(c) == text
    assert Compare.model_validate(str(c)) == c


@pytest.mark.parametrize(
    ("text", "shown"),
    [("< 0.00001%", "< 0.00001%"), ("< 0.0000025", "< 0.0000025"), ("== 1.50", "== 1.5")],
)
def test_compare_str_writes_numbers_that_read_back(text, shown):
    c = Compare.model_validate(text)
    assert str(c) == shown
    assert Compare.model_validate(str(c)) == c


@pytest.mark.parametrize("text", ["< 1" + "0" * 400 + "%", "== 1" + "0" * 400 + ".5"])
def test_compare_rejects_numbers_too_large_to_compare(text):
    with pytest.raises(ValidationError, match="too large"):
        Compare.model_validate(text)


def test_compare_str_normalises_spacing():
    assert str(Compare.model_validate("<1%")) == "< 1%"
    assert str(Compare.model_validate("ready==desired")) == "ready == desired"


# --- durations ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "seconds"),
    [
        ("2m", 120),
        ("30s", 30),
        (90, 90),
        (1.5, 1.5),
        (0, 0),
        ("1.5h", 5400),
        ("500ms", 0.5),
        ("1d", 86400),
        ("5min", 300),
        (" 10 s ", 10),
    ],
)
def test_duration_parses(written, seconds):
    assert DURATION.validate_python(written) == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    "written",
    [-1, -0.5, True, False, "soon", "-5s", "", "5", "5 years", float("nan"), float("inf")],
)
def test_duration_rejects(written):
    with pytest.raises(ValidationError):
        DURATION.validate_python(written)


@pytest.mark.parametrize("written", [10**20, 1e300, "99999999999999999d"])
def test_duration_too_large_is_a_validation_error_not_a_crash(written):
    with pytest.raises(ValidationError, match="duration"):
        DURATION.validate_python(written)


def test_parse_duration_leaves_other_types_to_pydantic():
    marker = object()
    assert parse_duration(marker) is marker


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (120, "2m"),
        (30, "30s"),
        (90, "90s"),
        (3600, "1h"),
        (5400, "90m"),
        (86400, "1d"),
        (172800, "2d"),
        (0.5, "0.5s"),
        (0, "0s"),
        (1234567.5, "1234567.5s"),
        (0.00001, "0.00001s"),
        (0.123456, "0.123456s"),
    ],
)
def test_format_duration(seconds, text):
    assert format_duration(timedelta(seconds=seconds)) == text
    assert DURATION.validate_python(text) == timedelta(seconds=seconds)


def test_duration_serialises_as_text():
    assert DURATION.dump_python(timedelta(minutes=5), mode="json") == "5m"


# --- time points ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "days", "at", "text"),
    [
        ("08:00", 0, time(8, 0), "08:00"),
        ("8:05", 0, time(8, 5), "08:05"),
        ("T-3d", -3, None, "T-3d"),
        ("T-3", -3, None, "T-3d"),
        ("T+1d", 1, None, "T+1d"),
        ("T-1d 10:30", -1, time(10, 30), "T-1d 10:30"),
        ("T-0", 0, None, "T-0"),
        # YAML 1.1 reads an unquoted 11:30 as the sexagesimal integer 690
        (690, 0, time(11, 30), "11:30"),
        (0, 0, time(0, 0), "00:00"),
        (1439, 0, time(23, 59), "23:59"),
    ],
)
def test_timepoint_parses(written, days, at, text):
    tp = TimePoint.model_validate(written)
    assert (tp.days, tp.at) == (days, at)
    assert str(tp) == text
    assert TimePoint.model_validate(str(tp)) == tp


@pytest.mark.parametrize(
    "written", ["25:00", "24:00", "12:60", "noon", "", "T-", "08:00 T-1d", -5, 1440, 1500]
)
def test_timepoint_rejects(written):
    with pytest.raises(ValidationError, match="bad time"):
        TimePoint.model_validate(written)


def test_timepoint_rejects_a_sexagesimal_25_00_naming_it():
    # YAML reads an unquoted 25:00 as 1500; the message should say what was written
    with pytest.raises(ValidationError, match="25:00"):
        TimePoint.model_validate(1500)


@pytest.mark.parametrize("written", [True, None, 1.5, ["08:00"]])
def test_timepoint_rejects_other_types(written):
    with pytest.raises(ValidationError):
        TimePoint.model_validate(written)


def test_timepoint_sort_key_orders_the_window():
    written = ["12:00", "T-1d 10:30", "08:00", "T-3d", "T-1d", "T+1d", "11:30", "T-7d"]
    ordered = sorted((TimePoint.model_validate(w) for w in written), key=lambda t: t.sort_key)
    assert [str(t) for t in ordered] == [
        "T-7d",
        "T-3d",
        "T-1d",
        "T-1d 10:30",
        "08:00",
        "11:30",
        "12:00",
        "T+1d",
    ]


def test_timepoint_sort_key_values():
    assert TimePoint.model_validate("08:00").sort_key == (0, 480)
    assert TimePoint.model_validate("T-3d").sort_key == (-3, -1)
    assert TimePoint.model_validate("T-1d 10:30").sort_key == (-1, 630)


@pytest.mark.parametrize(
    ("written", "measured", "shown"),
    [("< 1%", 0.0312, "3.12 %"), ("> 2000ms", 2.63554, "2636 ms"), ("< 500ms", 0.4, "400 ms")],
)
def test_a_measured_value_is_said_in_the_unit_the_runbook_wrote(written, measured, shown):
    assert Compare.model_validate(written).format(measured) == shown
