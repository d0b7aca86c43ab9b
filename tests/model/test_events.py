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


def test_a_kind_cannot_be_defined_twice():
    with pytest.raises(TypeError, match="defined twice"):

        @dataclasses.dataclass(frozen=True)
        class Again(ev.Event):
            kind = "item.tick"
