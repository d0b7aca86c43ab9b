from cockpit.audit.journal import Journal
from cockpit.audit.read import read_records
from cockpit.audit.trail import UNCHANGED, AuditTrail
from cockpit.model import events as ev


def test_repeated_observations_are_stored_as_unchanged(tmp_path):
    path = tmp_path / "j.jsonl"
    trail = AuditTrail(Journal(path))
    for second in range(5):
        trail.event(ev.SourceStatus(source="prometheus", state="ok", at=f"t{second}"))
    trail.event(ev.SourceStatus(source="prometheus", state="unreachable", at="t5"))
    trail.event(ev.SourceStatus(source="prometheus", state="unreachable", at="t6"))
    trail.journal.close()
    records = list(read_records(path))
    assert [r.kind for r in records] == ["source.status"] + [UNCHANGED] * 4 + [
        "source.status",
        UNCHANGED,
    ]
    assert records[1].data == {"of": 0, "at": "t1"} and records[6].data == {"of": 5, "at": "t6"}


def test_the_clock_is_not_journaled_every_record_has_its_time(tmp_path):
    path = tmp_path / "j.jsonl"
    trail = AuditTrail(Journal(path))
    assert trail.event(ev.ClockTick(now="2026-11-21T10:00:00+00:00")) is None
    trail.event(ev.Tick(checklist="c", item="i", by="a", at="t"))
    trail.journal.close()
    assert [r.kind for r in read_records(path)] == ["item.tick"]
