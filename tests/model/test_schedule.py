from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from cockpit.model import events as ev
from cockpit.model.checklist import Runbook
from cockpit.model.reduce import reduce
from cockpit.model.schedule import DONE, LATE, NOW, PAST, UPCOMING, lag, schedule
from cockpit.model.state import initial_state

TZ = ZoneInfo("Europe/Berlin")
T0 = date(2026, 11, 21)
RUNBOOK = Runbook.model_validate(
    {
        "title": "plan",
        "timeline": [
            {"at": "T-1d", "title": "final check", "section": "t1"},
            {"at": "08:00", "title": "prep", "section": "prep"},
            {"at": "09:00", "title": "migrate", "section": "migrate"},
            {"at": "11:30", "title": "deploy", "section": "deploy"},
            {"at": "12:00", "title": "cutover", "section": "deploy", "action": "cutover"},
            {"at": "12:00", "until": "13:00", "title": "monitor", "section": "deploy"},
            {"at": "13:00", "title": "cleanup blue", "section": "deploy"},
        ],
        "sections": [
            {"id": "t1", "title": "T-1", "items": [{"id": "t1/a", "text": "a"}]},
            {"id": "prep", "title": "08:00", "items": [{"id": "prep/a", "text": "a"}]},
            {"id": "migrate", "title": "09:00"},
            {"id": "deploy", "title": "11:30", "items": [{"id": "deploy/a", "text": "a"}]},
        ],
    }
)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 21, hour, minute, tzinfo=TZ)


def state_at(now: datetime, *ticked: str):
    state = reduce(initial_state({"plan": RUNBOOK}), ev.ClockTick(now=now.isoformat()))
    for item in ticked:
        state = reduce(state, ev.Tick(checklist="plan", item=item, by="a", at=now.isoformat()))
    return state


def statuses(now: datetime, *ticked: str) -> dict[str, str]:
    steps = schedule(RUNBOOK, "plan", state_at(now, *ticked), T0, TZ)
    return {s.step.title: s.status for s in steps}


def test_before_the_window_everything_today_is_upcoming_but_yesterday_is_late():
    got = statuses(at(7, 30))
    assert got["final check"] == LATE
    assert {got[k] for k in ("prep", "migrate", "deploy", "cutover")} == {UPCOMING}


def test_step_is_now_while_running_late_when_overdue_done_when_ticked():
    got = statuses(at(8, 30), "t1/a")
    assert got["final check"] == DONE and got["prep"] == NOW
    got = statuses(at(9, 10), "t1/a")
    assert got["prep"] == LATE and got["migrate"] == NOW
    got = statuses(at(9, 10), "t1/a", "prep/a")
    assert got["prep"] == DONE


def test_a_step_without_items_is_past_not_done_once_the_next_begins():
    assert statuses(at(11, 0), "prep/a")["migrate"] == NOW
    assert statuses(at(11, 40), "prep/a")["migrate"] == PAST
    got = statuses(at(13, 30), "prep/a", "deploy/a")
    # the cutover names its evidence (the cutover action): without it, it is overdue
    assert (got["cutover"], got["monitor"], got["cleanup blue"]) == (LATE, PAST, NOW)


def cutover(outcome: str, finished: datetime):
    planned = ev.ActionPlanned(id="c1", action="cutover", target="erp", title="Cutover", by="a")
    return (
        planned,
        ev.ActionConfirmed(id="c1", by="a", at=finished.isoformat()),
        ev.ActionFinished(id="c1", outcome=outcome, detail="", at=finished.isoformat()),
    )


def test_the_cutover_step_is_done_by_the_cutover_that_succeeded_whenever_it_did():
    state = state_at(at(11, 45), "t1/a", "prep/a", "deploy/a")
    for event in cutover("succeeded", at(11, 44)):  # early: before its 12:00
        state = reduce(state, event)
    steps = {s.step.title: s for s in schedule(RUNBOOK, "plan", state, T0, TZ)}
    assert steps["cutover"].status == DONE and steps["monitor"].status == UPCOMING
    assert lag(list(steps.values()), at(11, 45)) == -timedelta(minutes=15)


def test_a_cutover_that_failed_leaves_the_cutover_step_late():
    state = state_at(at(12, 30))
    for event in cutover("failed", at(12, 10)):
        state = reduce(state, event)
    steps = {s.step.title: s.status for s in schedule(RUNBOOK, "plan", state, T0, TZ)}
    assert steps["cutover"] == LATE


def test_only_the_first_step_of_a_section_counts_its_items():
    steps = schedule(RUNBOOK, "plan", state_at(at(12, 30)), T0, TZ)
    totals = {s.step.title: s.total for s in steps}
    assert totals["deploy"] == 1 and totals["cutover"] == 0 and totals["monitor"] == 0


def test_lag_behind_ahead_and_on_schedule():
    now = at(9, 40)
    steps = schedule(RUNBOOK, "plan", state_at(now, "t1/a"), T0, TZ)
    assert lag(steps, now) == timedelta(minutes=40)  # prep should have ended at 09:00
    now = at(10, 0)
    steps = schedule(RUNBOOK, "plan", state_at(now, "t1/a", "prep/a", "deploy/a"), T0, TZ)
    assert lag(steps, now) == -timedelta(minutes=90)  # deploy done, due 11:30
    now = at(8, 10)
    steps = schedule(RUNBOOK, "plan", state_at(now), T0, TZ)
    assert lag(steps, now) == timedelta(0)  # an unticked T-1 item does not make T-0 late
    assert lag(steps, None) is None
