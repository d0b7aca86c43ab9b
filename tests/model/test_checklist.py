"""The checklist model: rules, walking sections and items, the summary."""

from __future__ import annotations

import datetime
from datetime import timedelta

import pytest
from pydantic import ValidationError

from cockpit.model.checklist import HttpCheck, Item, Rule, Runbook, Section


def test_rule_with_metric_and_condition():
    rule = Rule.model_validate(
        {"name": "Error-Rate > 5%", "metric": "error_rate", "condition": "> 5%", "for": "2m"}
    )
    assert rule.manual is False
    assert rule.condition is not None and rule.condition.value == pytest.approx(0.05)
    assert rule.for_ == timedelta(minutes=2)


def test_manual_rule_has_neither_metric_nor_condition():
    rule = Rule.model_validate({"name": "Critical Bug entdeckt"})
    assert rule.manual is True
    assert rule.condition is None
    assert rule.for_ == timedelta(0)


@pytest.mark.parametrize(
    "data",
    [
        {"name": "Error-Rate", "metric": "error_rate"},
        {"name": "Error-Rate", "condition": "> 5%"},
    ],
)
def test_rule_metric_and_condition_go_together(data):
    with pytest.raises(ValidationError, match="go together"):
        Rule.model_validate(data)


def test_rule_needs_a_name():
    with pytest.raises(ValidationError):
        Rule.model_validate({"name": ""})


def test_rule_dumps_for_by_alias():
    rule = Rule.model_validate({"name": "Down", "metric": "up", "condition": "== 0", "for": 300})
    dumped = rule.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    assert dumped == {"name": "Down", "metric": "up", "condition": "== 0", "for": "5m"}


def _runbook() -> Runbook:
    return Runbook.model_validate(
        {
            "title": "Go-Live",
            "sections": [
                {
                    "id": "prep",
                    "title": "Vorbereitung",
                    "items": [
                        {"id": "prep/backup", "text": "Backup erstellt", "done": True},
                        {
                            "id": "prep/migrations",
                            "text": "4 Migrations angewendet",
                            "items": [
                                {"id": "prep/migrations/001", "text": "001", "done": True},
                                {"id": "prep/migrations/002", "text": "002"},
                            ],
                        },
                    ],
                    "sections": [
                        {
                            "id": "prep/secrets",
                            "title": "Secrets",
                            "items": [{"id": "prep/secrets/db", "text": "DB-Credentials"}],
                        },
                        {"id": "prep/empty", "title": "Leer"},
                    ],
                },
                {
                    "id": "deploy",
                    "title": "Deploy",
                    "items": [
                        {
                            "id": "deploy/healthz",
                            "text": "/healthz returns 200",
                            "check": {"kind": "http", "url": "${base_url}/healthz"},
                        }
                    ],
                },
            ],
        }
    )


def test_walk_items_is_depth_first_including_nested_items_and_subsections():
    ids = [item.id for item in _runbook().walk_items()]
    assert ids == [
        "prep/backup",
        "prep/migrations",
        "prep/migrations/001",
        "prep/migrations/002",
        "prep/secrets/db",
        "deploy/healthz",
    ]


def test_walk_sections():
    ids = [s.id for s in _runbook().walk_sections()]
    assert ids == ["prep", "prep/secrets", "prep/empty", "deploy"]


def test_summary_counts_nested_items_and_sections():
    assert _runbook().summary() == (6, 2, 4)


def test_item_lookup():
    runbook = _runbook()
    nested = runbook.item("prep/migrations/002")
    assert nested is not None and nested.text == "002"
    healthz = runbook.item("deploy/healthz")
    assert healthz is not None and isinstance(healthz.check, HttpCheck)
    assert str(healthz.check.expect) == "status == 200"
    assert runbook.item("prep") is None  # a section, not an item
    assert runbook.item("nope") is None


def test_empty_runbook_summary():
    assert Runbook(title="t").summary() == (0, 0, 0)
    assert list(Runbook(title="t").walk_items()) == []


def test_version_and_date_from_yaml_scalars_are_text():
    runbook = Runbook.model_validate(
        {"title": "t", "version": 3.0, "date": datetime.date(2025, 10, 9)}
    )
    assert runbook.version == "3.0"
    assert runbook.date == "2025-10-09"


@pytest.mark.parametrize("bad_id", ["", "a b", "a//b", "/a", "a/"])
def test_ids_have_the_slug_path_shape(bad_id):
    with pytest.raises(ValidationError):
        Item(id=bad_id, text="x")


def test_model_is_frozen_and_strict():
    section = Section(id="s", title="S")
    with pytest.raises(ValidationError):
        section.title = "other"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Item.model_validate({"id": "a", "text": "x", "colour": "red"})


def test_a_checklist_read_back_from_a_journal_has_its_escapes_made_visible():
    """`session.start` carries the checklists as they were: an old journal's are raw."""
    dump = {
        "title": "T \x1b]0;x\x07",
        "notes": ["\x1b[2J"],
        "success": [{"name": "ok \u2066"}],
        "timeline": [{"at": "09:00", "title": "migrate \x9b"}],
        "sections": [
            {
                "id": "s",
                "title": "S",
                "items": [{"id": "i", "text": "\x1b]52;c;eA==\x07", "context": [{"code": "\x7f"}]}],
            }
        ],
    }
    runbook = Runbook.model_validate(dump)
    assert (runbook.title, runbook.notes) == ("T ␛]0;x␇", ["␛[2J"])
    assert runbook.success[0].name == "ok <U+2066>"
    assert runbook.timeline[0].title == "migrate <U+009B>"
    item = runbook.item("i")
    assert item is not None and item.text == "␛]52;c;eA==␇" and item.context[0].code == "␡"
    assert Runbook.model_validate(runbook.model_dump(mode="json", by_alias=True)) == runbook
