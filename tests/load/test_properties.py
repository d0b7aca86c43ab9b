"""Property tests: no input crashes the loaders, and Markdown → YAML → model loses nothing."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cockpit.load.checklist_yaml import dump_checklist, parse_checklist
from cockpit.load.errors import LoadError
from cockpit.load.markdown import parse_markdown
from cockpit.model.checklist import Runbook

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- Markdown-ish text ----------------------------------------------------------------------

WORDS = st.sampled_from(
    [
        "Deploy",
        "Prüfe",
        "Maßnahmen",
        "PrÃ¼fe",
        "âœ…",
        "ðŸš€",
        "✅",
        "🚀",
        "**bold**",
        "_it_",
        "~~gone~~",
        "`kubectl get pods`",
        "[link](./X.md)",
        "T-3 Tage: Vorbereitung",
        "T-0",
        "T+1 Tag",
        "08:00 - Start",
        "12:00–13:00: Monitor",
        "23:00 - 01:00 - Nacht",
        "24:00 - Ende",
        "Rollback-Trigger",
        "When to Rollback",
        "Success-Criteria",
        "Erfolgskriterien",
        "Erste Stunde (kritisch)",
        "Error-Rate > 5%",
        "Fehlerrate ≥ 2,5%",
        "P95-Latency > 2000ms",
        "p95 < 0.00001 s",
        "Service Down > 5 Minuten",
        "Service down > 90s",
        "Pods running (3/3)",
        "Technical Lead: _____",
        "**Business Owner:** ____",
        "**Version:** 3.0",
        "**Datum:** 2025-10-09",
        "a",
        "b",
        ":",
        "&x",
        "*y",
        "{a: b}",
        "'",
        '"',
        "#",
        "|",
        "---",
        "- [ ]",
        "!!bool maybe",
    ]
)
PHRASE = st.lists(
    st.one_of(WORDS, st.text(alphabet="abcäöü ÃŸ*_`[]()#>|-:.0123456789", max_size=8)),
    min_size=1,
    max_size=5,
).map(" ".join)
INDENT = st.sampled_from(["", "", "  ", "   ", "    ", "      ", "\t"])
MARKER = st.sampled_from(
    ["- [ ] ", "- [x] ", "* [ ] ", "+ [X] ", "1. [ ] ", "2) [x] ", "- ", "* ", "1. ", "-[ ] "]
)
HEADING = st.builds(lambda level, text: "#" * level + " " + text, st.integers(1, 7), PHRASE)
LIST_ITEM = st.builds(lambda indent, marker, text: indent + marker + text, INDENT, MARKER, PHRASE)
FENCE = st.builds(
    lambda indent, fence: indent + fence,
    INDENT,
    st.sampled_from(["```", "```bash", "~~~", "````", "```yaml"]),
)
OTHER = st.sampled_from(
    [
        "",
        "---",
        "> quote",
        "> - [ ] quoted task",
        "| a | b |",
        "<div>",
        "    indented code",
        "**Step 1: Go (12:00)**",
        "**Step 2: Watch (12:00 - 13:00)**",
        "**Step 3: Late (25:00)**",
    ]
)
LINE = st.one_of(HEADING, LIST_ITEM, LIST_ITEM, FENCE, OTHER, PHRASE, st.text(max_size=30))
MARKDOWNISH = st.lists(LINE, max_size=40).map("\n".join)


def _markdown_or_error(text: str) -> Runbook | None:
    try:
        runbook = parse_markdown(text, "fuzz.md")
    except LoadError as exc:
        assert exc.problems and all(p.path == "fuzz.md" for p in exc.problems)
        return None
    assert isinstance(runbook, Runbook)
    items, done, _ = runbook.summary()
    assert items >= 1 and 0 <= done <= items
    return runbook


@FAST
@given(st.text())
def test_any_text_is_a_runbook_or_a_load_error(text):
    _markdown_or_error(text)


@FAST
@given(MARKDOWNISH)
def test_markdownish_text_is_a_runbook_or_a_load_error(text):
    _markdown_or_error(text)


NUMBER = st.from_regex(r"\A(0|[1-9]\d{0,5})([.,]\d{1,6})?\Z")
RULE_TEXT = st.builds(
    lambda metric, op, number, unit: f"{metric} {op} {number}{unit}",
    st.sampled_from(["Error-Rate", "Fehlerrate", "P95-Latency", "Service Down", "Pods running"]),
    st.sampled_from(["<", "<=", ">", ">=", "≤", "≥"]),
    NUMBER,
    st.sampled_from(["", "%", "ms", " s", "m", " Minuten", "h"]),
)
RULES = st.builds(
    lambda title, rules: f"## {title}\n\n" + "\n".join(f"- {rule}" for rule in rules),
    st.sampled_from(
        ["Rollback-Trigger", "When to Rollback", "Success-Criteria", "Erfolgskriterien"]
    ),
    st.lists(st.one_of(RULE_TEXT, PHRASE), min_size=1, max_size=4),
)
CLOCK = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 29), st.integers(0, 69))
TIMELINE = st.builds(
    lambda day, at, until, title: f"## {day}\n\n### {at}{' - ' + until if until else ''} - {title}",
    st.sampled_from(["T-3 Tage", "T-1 Tag: Final", "T-0 (Go-Live)", "T+1 Tag"]),
    CLOCK,
    st.one_of(st.none(), CLOCK),
    PHRASE,
)
# blocks that cannot swallow the task item after them: fences are closed
BLOCK = st.one_of(
    HEADING,
    LIST_ITEM,
    OTHER.filter(lambda line: not line.startswith("    ")),
    PHRASE,
    RULES,
    TIMELINE,
    st.builds(lambda lang, code: f"```{lang}\n{code}\n```", st.sampled_from(["", "bash"]), PHRASE),
)
WITH_TASK = st.tuples(st.lists(BLOCK, max_size=25), st.integers(0, 25), PHRASE).map(
    lambda parts: "\n".join(
        [*parts[0][: parts[1]], "", "- [ ] " + parts[2], "", *parts[0][parts[1] :]]
    )
)


@FAST
@given(WITH_TASK)
def test_markdown_yaml_model_round_trip(text):
    try:
        runbook = parse_markdown(text, "fuzz.md")
    except LoadError as exc:
        # a stray ``` in random text may swallow the task item; nothing else may fail
        assert all("no task-list items" in p.message for p in exc.problems), str(exc)
        assume(False)
        raise
    dumped = dump_checklist(runbook, header="round trip")
    assert parse_checklist(dumped, "fuzz.yaml") == runbook


# --- YAML-ish text and YAML-shaped data -----------------------------------------------------

TOKENS = st.sampled_from(
    [
        "title:",
        "sections:",
        "items:",
        "timeline:",
        "rollback_triggers:",
        "- ",
        "  ",
        "text:",
        "id:",
        "done:",
        "due:",
        "check:",
        "kind: http",
        "url: x",
        "expect:",
        "for:",
        "condition:",
        "&a",
        "*a",
        "<<: *a",
        "!!bool maybe",
        "!!int ''",
        "!!timestamp x",
        "!!binary",
        "!!python/object:os.system",
        "[",
        "]",
        "{",
        "}",
        ",",
        "? ",
        ": ",
        "'",
        '"',
        "|",
        ">",
        "---",
        "...",
        "%YAML 1.1",
        "#",
        "\t",
        "\x07",
        "12:00",
        "25:00",
        "1e3",
        ".inf",
        "~",
        "null",
        "yes",
        "> lots",
        "< 1%",
        "99999999999999999999",
    ]
)
YAMLISH = st.lists(
    st.builds(
        lambda indent, tokens: indent + " ".join(tokens), INDENT, st.lists(TOKENS, max_size=6)
    ),
    max_size=30,
).map("\n".join)


def _checklist_or_error(text: str) -> Runbook | None:
    try:
        runbook = parse_checklist(text, "fuzz.yaml")
    except LoadError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.path == "fuzz.yaml"
            assert problem.line >= 1 and problem.col >= 1
            assert problem.message
        return None
    assert isinstance(runbook, Runbook)
    return runbook


def _loads_back(runbook: Runbook | None) -> None:
    """Whatever loads, dumps to YAML that loads back the same."""
    if runbook is not None:
        assert parse_checklist(dump_checklist(runbook), "again.yaml") == runbook


@FAST
@given(st.text())
def test_any_text_is_a_checklist_or_a_load_error(text):
    _checklist_or_error(text)


@FAST
@given(YAMLISH)
def test_yamlish_text_is_a_checklist_or_a_load_error(text):
    _loads_back(_checklist_or_error(text))


KEYS = st.sampled_from(
    [
        "title",
        "sections",
        "items",
        "id",
        "text",
        "done",
        "due",
        "role",
        "check",
        "kind",
        "url",
        "expect",
        "timeline",
        "at",
        "until",
        "section",
        "success",
        "rollback_triggers",
        "name",
        "metric",
        "condition",
        "for",
        "context",
        "lang",
        "code",
        "details",
        "notes",
        "meta",
        "version",
        "date",
        "critical",
        "colour",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(["08:00", "T-1d 10:30", "25:00", "> 5%", "> lots", "2m", "soon", "http"]),
)
DATA = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=30,
)


def _sometimes(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a value of the right shape, sometimes anything."""
    return st.one_of(valid, valid, valid, DATA)


TEXT = st.text(min_size=1, max_size=20)
#: durations timedelta cannot hold
HUGE = st.one_of(
    st.integers(min_value=10**14),
    st.sampled_from([float("inf"), 1e300, "99999999999999999d", "1e400s"]),
)
CHECK = st.fixed_dictionaries(
    {"kind": _sometimes(st.sampled_from(["http", "prometheus", "kube", "postgres", "ftp"]))},
    optional={
        "url": _sometimes(TEXT),
        "query": _sometimes(TEXT),
        "resource": _sometimes(st.sampled_from(["pods", "deployment"])),
        "probe": _sometimes(st.sampled_from(["connect", "backup_age"])),
        "expect": _sometimes(st.sampled_from(["status == 200", "< 1%", "ready == desired"])),
        "timeout": _sometimes(st.one_of(st.integers(), st.floats(), st.just("5s"), HUGE)),
    },
)
ITEM = st.deferred(
    lambda: st.fixed_dictionaries(
        {"text": _sometimes(TEXT)},
        optional={
            "id": _sometimes(st.sampled_from(["s/a", "s/b", "a b", "s"])),
            "done": _sometimes(st.booleans()),
            "due": _sometimes(
                st.one_of(st.sampled_from(["08:00", "T-1d", "T-2d 10:30"]), st.integers())
            ),
            "role": _sometimes(TEXT),
            "critical": _sometimes(st.booleans()),
            "details": _sometimes(st.lists(TEXT, max_size=2)),
            "check": _sometimes(CHECK),
            "items": _sometimes(st.lists(ITEM, max_size=2)),
        },
    )
)
SECTION = st.deferred(
    lambda: st.fixed_dictionaries(
        {"title": _sometimes(TEXT)},
        optional={
            "id": _sometimes(st.sampled_from(["s", "t", "s/a"])),
            "items": _sometimes(st.lists(ITEM, max_size=3)),
            "sections": _sometimes(st.lists(SECTION, max_size=2)),
        },
    )
)
RULE = st.fixed_dictionaries(
    {"name": _sometimes(TEXT)},
    optional={
        "metric": _sometimes(st.sampled_from(["error_rate", "p95_latency", "up"])),
        "condition": _sometimes(
            st.one_of(
                st.sampled_from(["> 5%", "> 2000ms", "== 0", "< 0.00001%", "> lots"]),
                st.floats(allow_nan=False).map(lambda x: f"< {x}"),
            )
        ),
        "for": _sometimes(
            st.one_of(st.integers(), st.floats(), st.sampled_from(["2m", "soon"]), HUGE)
        ),
    },
)
STEP = st.fixed_dictionaries(
    {
        "at": _sometimes(st.one_of(st.sampled_from(["08:00", "T-1d", "24:00"]), st.integers())),
        "title": _sometimes(TEXT),
    },
    optional={
        "until": _sometimes(st.sampled_from(["09:00", "07:00", "T+1d 01:00"])),
        "section": _sometimes(st.sampled_from(["s", "t", "missing"])),
    },
)
RUNBOOK = st.fixed_dictionaries(
    {"title": _sometimes(TEXT)},
    optional={
        "version": _sometimes(st.one_of(st.floats(), TEXT)),
        "date": _sometimes(st.dates()),
        "meta": _sometimes(st.dictionaries(TEXT, TEXT, max_size=2)),
        "sections": _sometimes(st.lists(SECTION, max_size=3)),
        "success": _sometimes(st.lists(RULE, max_size=2)),
        "rollback_triggers": _sometimes(st.lists(RULE, max_size=3)),
        "timeline": _sometimes(st.lists(STEP, max_size=3)),
    },
)


@FAST
@given(DATA)
def test_any_yaml_data_is_a_checklist_or_a_load_error(data):
    _loads_back(_checklist_or_error(yaml.safe_dump(data, allow_unicode=True)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RUNBOOK)
def test_checklist_shaped_data_is_a_checklist_or_a_load_error(data):
    _loads_back(_checklist_or_error(yaml.safe_dump(data, allow_unicode=True, sort_keys=False)))
