import dataclasses

import pytest

from cockpit.model import events as ev

# The journal stores these names: renaming one breaks every recorded session.
STABLE_KINDS = {
    "item.tick": ev.Tick,
    "item.untick": ev.Untick,
    "item.note": ev.AddNote,
    "item.assign": ev.Assign,
    "item.signoff": ev.SignOff,
    "item.skip": ev.Skip,
    "item.na": ev.NotApplicable,
    "clock": ev.ClockTick,
    "view.focus": ev.Focus,
    "view.cursor": ev.MoveCursor,
    "view.filter": ev.SetFilter,
    "view.collapse": ev.Collapse,
    "resize": ev.Resize,
    "source.status": ev.SourceStatus,
    "check": ev.CheckResult,
    "alert": ev.Alert,
    "observe.kube": ev.KubeObserved,
    "lock": ev.LockStatus,
    "lock.takeover": ev.LockTakeover,
    "observe.metric": ev.MetricObserved,
    "window": ev.WindowJudged,
    "action.plan": ev.ActionPlanned,
    "action.confirm": ev.ActionConfirmed,
    "action.abort": ev.ActionAbort,
    "action.step": ev.ActionStep,
    "action.result": ev.ActionFinished,  # the journal contract's name (DESIGN.md)
    "notice": ev.Notice,
}


def sample(cls: type[ev.Event]) -> ev.Event:
    """An instance with a distinct value in every field (field types are strings here)."""
    value = {"int": 7, "bool": True}
    return cls(**{f.name: value.get(f.type, f"{f.name}-ü") for f in dataclasses.fields(cls)})


def test_kinds_are_the_recorded_ones():
    for kind, cls in STABLE_KINDS.items():
        assert ev.EVENTS[kind] is cls


@pytest.mark.parametrize("cls", list(STABLE_KINDS.values()), ids=list(STABLE_KINDS))
def test_every_event_survives_its_serialised_form(cls):
    event = sample(cls)
    assert ev.from_record(event.kind, event.to_data()) == event


def test_newer_fields_are_ignored_and_unknown_kinds_refused():
    data = ev.Tick(checklist="c", item="i", by="a", at="t").to_data() | {"added_later": 1}
    assert ev.from_record("item.tick", data) == ev.Tick(checklist="c", item="i", by="a", at="t")
    with pytest.raises(ValueError, match="unknown event kind"):
        ev.from_record("item.explode", {})


def test_journals_that_called_the_outcome_action_end_still_read():
    data = {"id": "a1", "outcome": "failed", "detail": "3/3 not ready", "at": "t"}
    assert ev.from_record("action.end", data) == ev.ActionFinished(**data)
    assert ev.ActionFinished(**data).kind == "action.result"


def test_a_kind_cannot_be_defined_twice():
    with pytest.raises(TypeError, match="defined twice"):

        @dataclasses.dataclass(frozen=True)
        class Again(ev.Event):
            kind = "item.tick"


# --- outside text is clean in every event, live or read back from an old journal --------

OUTSIDE = "\x1b]0;owned\x07\x1b[2J\x9b\u202e Authorization: Bearer abc.def.ghi password=hunter22"
SHOWN = "␛]0;owned␇␛[2J<U+009B><U+202E> Authorization: Bearer *** password=***"


def leaves(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(key)
            yield from leaves(item)
    elif isinstance(value, tuple | list):
        for item in value:
            yield from leaves(item)


WITH_TEXT = [c for c in ev.EVENTS.values() if any(f.type != "int" for f in dataclasses.fields(c))]
OUR_KEYS = {"name", "labels", "move", "service"}


@pytest.mark.parametrize("cls", WITH_TEXT, ids=[c.kind for c in WITH_TEXT])
def test_every_text_field_is_cleaned_when_the_event_is_made(cls):
    raw = {}
    for f in dataclasses.fields(cls):
        if f.type == "str":
            raw[f.name] = OUTSIDE
        elif f.type.startswith("tuple[str"):
            raw[f.name] = (OUTSIDE,)
        elif f.type.startswith("tuple[dict"):
            raw[f.name] = ({"name": OUTSIDE, "labels": {OUTSIDE: OUTSIDE}},)
        elif f.type == "dict":
            raw[f.name] = {"move": {"service": OUTSIDE}}
    event = cls(**{**{f.name: 1 for f in dataclasses.fields(cls)}, **raw})
    texts = [t for t in leaves([getattr(event, name) for name in raw]) if t not in OUR_KEYS]
    assert texts and all(text == SHOWN for text in texts)
    assert ev.from_record(cls.kind, event.to_data()) == event


def test_an_old_journals_raw_record_is_cleaned_on_replay():
    pods = [{"name": "p1", "labels": {"app": "x"}, "reason": "\x1b]52;c;ZXZpbA==\x07"}]
    event = ev.from_record("observe.kube", {"resource": "pods", "change": "LIST", "items": pods})
    assert event.items[0]["reason"] == "␛]52;c;ZXZpbA==␇"
    alert = ev.from_record("alert", {"key": "k", "level": "critical", "message": OUTSIDE})
    assert alert.message == SHOWN


def test_clean_items_are_kept_as_they_are():
    items = ({"name": "valeo-erp-blue-1", "labels": {"app": "valeo-erp"}, "ready": True},)
    event = ev.KubeObserved(resource="pods", change="LIST", items=items)
    assert event.items is items and event.items[0] is items[0]
