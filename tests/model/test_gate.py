"""The go/no-go gate decides on evidence: open items, failing checks, the window's verdict."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from cockpit.model import events as ev
from cockpit.model.checklist import Runbook
from cockpit.model.gate import GO, NO_GO, WINDOW_GUARD, decide, gate_events, journaled
from cockpit.model.reduce import reduce
from cockpit.model.state import initial_state

AT = "2026-11-21T10:00:00+00:00"
RUNBOOK = Runbook.model_validate(
    {
        "title": "Plan",
        "gates": [
            {
                "id": "go",
                "title": "Go/No-Go",
                "criteria": [
                    {"name": "Staging green", "requires": ["staging"]},
                    {"name": "Backup", "requires": ["prep/backup"]},
                    {"name": "Metrics", "window": True},
                ],
            }
        ],
        "sections": [
            {
                "id": "staging",
                "title": "Staging",
                "items": [
                    {"id": "staging/smoke", "text": "Smoke tests"},
                    {"id": "staging/perf", "text": "Performance tests"},
                ],
            },
            {"id": "prep", "title": "Prep", "items": [{"id": "prep/backup", "text": "Backup"}]},
        ],
    }
)


def state_after(*events):
    state = initial_state({"plan": RUNBOOK})
    for event in events:
        state = reduce(state, event)
    return state


def tick(item):
    return ev.Tick(checklist="plan", item=item, by="alice", at=AT)


ALL_DONE = (tick("staging/smoke"), tick("staging/perf"), tick("prep/backup"))
WINDOW_OK = ev.WindowJudged(state="OK", at=AT)


def test_nothing_done_is_no_go_and_names_what_is_open():
    decision = decide(RUNBOOK.gates[0], "plan", state_after())
    assert decision.decision == NO_GO
    staging, backup, metrics = decision.criteria
    assert not staging.passed
    assert staging.reasons == ("2 of 2 open: Smoke tests, Performance tests",)
    assert backup.reasons == ("1 of 1 open: Backup",)
    assert metrics.reasons == ("window not judged yet (no metrics)",)


def test_everything_done_and_the_window_ok_is_go():
    decision = decide(RUNBOOK.gates[0], "plan", state_after(*ALL_DONE, WINDOW_OK))
    assert decision.decision == GO
    assert decision.reasons == ()


def test_a_done_item_whose_check_fails_keeps_the_gate_closed():
    failed = ev.CheckResult(
        checklist="plan", item="prep/backup", status="fail", detail="newest backup 31h old"
    )
    decision = decide(RUNBOOK.gates[0], "plan", state_after(*ALL_DONE, WINDOW_OK, failed))
    assert decision.decision == NO_GO
    assert decision.reasons == ("Backup: check fail on Backup: newest backup 31h old",)


@pytest.mark.parametrize("verdict", ["HOLD", "ROLLBACK"])
def test_a_window_not_ok_is_no_go_with_its_reasons(verdict):
    judged = ev.WindowJudged(state=verdict, reasons=("Error-Rate < 1%: green is 0.03",), at=AT)
    decision = decide(RUNBOOK.gates[0], "plan", state_after(*ALL_DONE, judged))
    assert decision.decision == NO_GO
    assert decision.reasons == (
        f"Metrics: window is {verdict}",
        "Metrics: Error-Rate < 1%: green is 0.03",
    )


def test_more_open_items_than_shown_are_counted():
    many = Runbook.model_validate(
        {
            "title": "Many",
            "gates": [{"id": "g", "title": "G", "criteria": [{"name": "All", "requires": ["s"]}]}],
            "sections": [
                {
                    "id": "s",
                    "title": "S",
                    "items": [{"id": f"s/{n}", "text": f"Item {n}"} for n in range(5)],
                }
            ],
        }
    )
    state = initial_state({"many": many})
    result, _window = decide(many.gates[0], "many", state).criteria
    assert result.reasons == ("5 of 5 open: Item 0, Item 1, Item 2 and 2 more",)


def test_a_criterion_must_name_something_to_decide_on():
    with pytest.raises(ValueError, match="needs 'requires'"):
        Runbook.model_validate(
            {"title": "T", "gates": [{"id": "g", "title": "G", "criteria": [{"name": "x"}]}]}
        )


def test_window_verdict_keeps_its_since_while_unchanged():
    first = ev.WindowJudged(state="HOLD", reasons=("a",), at="2026-11-21T10:00:00+00:00")
    again = ev.WindowJudged(state="HOLD", reasons=("b",), at="2026-11-21T10:00:05+00:00")
    worse = ev.WindowJudged(state="ROLLBACK", at="2026-11-21T10:02:00+00:00")
    state = state_after(first, again)
    assert (state.window.state, state.window.reasons, state.window.since) == (
        "HOLD",
        ("b",),
        "2026-11-21T10:00:00+00:00",
    )
    assert state_after(first, again, worse).window.since == "2026-11-21T10:02:00+00:00"


def test_a_skipped_item_holds_the_gate_with_its_reason():
    skipped = ev.Skip(
        checklist="plan", item="staging/perf", reason="load rig broken", by="alice", at=AT
    )
    done = (tick("staging/smoke"), tick("prep/backup"))
    decision = decide(RUNBOOK.gates[0], "plan", state_after(*done, skipped, WINDOW_OK))
    assert decision.decision == NO_GO
    assert decision.reasons == (
        "Staging green: 1 of 2 skipped: Performance tests (load rig broken)",
    )


def test_a_not_applicable_item_lets_the_gate_pass_and_is_said():
    na = ev.NotApplicable(
        checklist="plan", item="staging/perf", reason="no load change", by="alice", at=AT
    )
    done = (tick("staging/smoke"), tick("prep/backup"))
    decision = decide(RUNBOOK.gates[0], "plan", state_after(*done, na, WINDOW_OK))
    assert decision.decision == GO
    staging = decision.criteria[0]
    assert staging.passed and staging.notes == (
        "not applicable: Performance tests (no load change)",
    )


def test_a_not_applicable_item_whose_check_fails_still_holds_the_gate():
    na = ev.NotApplicable(checklist="plan", item="prep/backup", by="alice", at=AT)
    failed = ev.CheckResult(checklist="plan", item="prep/backup", status="fail", detail="31h old")
    done = (tick("staging/smoke"), tick("staging/perf"))
    decision = decide(RUNBOOK.gates[0], "plan", state_after(*done, na, failed, WINDOW_OK))
    assert decision.decision == NO_GO
    assert decision.reasons == ("Backup: check fail on Backup: 31h old",)


#: the plan's own gate has no `window: true` criterion: its items alone decide, but never
#: against a window due a rollback
ITEMS_ONLY = Runbook.model_validate(
    {
        **RUNBOOK.model_dump(by_alias=True),
        "gates": [
            {
                **RUNBOOK.gates[0].model_dump(),
                "criteria": [
                    {"name": "Staging green", "requires": ["staging"]},
                    {"name": "Backup", "requires": ["prep/backup"]},
                ],
            }
        ],
    }
)


def items_only_after(*events):
    state = initial_state({"plan": ITEMS_ONLY})
    for event in events:
        state = reduce(state, event)
    return state


def test_a_window_due_a_rollback_is_no_go_even_when_no_criterion_asks_for_the_window():
    judged = ev.WindowJudged(state="ROLLBACK", reasons=("Error-Rate > 5%: green",), at=AT)
    decision = decide(ITEMS_ONLY.gates[0], "plan", items_only_after(*ALL_DONE, judged))
    assert decision.decision == NO_GO
    assert decision.reasons == (
        f"{WINDOW_GUARD}: window is ROLLBACK",
        f"{WINDOW_GUARD}: Error-Rate > 5%: green",
    )


@pytest.mark.parametrize(
    ("verdict", "note"),
    [
        ("", "not blocking: no verdict yet (no metrics)"),
        ("HOLD", "not blocking: HOLD (no traffic)"),
    ],
)
def test_a_window_on_hold_or_unjudged_lets_an_items_only_gate_pass_and_is_said(verdict, note):
    judged = (ev.WindowJudged(state=verdict, reasons=("no traffic",), at=AT),) if verdict else ()
    decision = decide(ITEMS_ONLY.gates[0], "plan", items_only_after(*ALL_DONE, *judged))
    assert decision.decision == GO
    guard = decision.criteria[-1]
    assert (guard.name, guard.passed, guard.notes) == (WINDOW_GUARD, True, (note,))


def test_a_gate_that_asks_for_the_window_gets_no_second_window_line():
    judged = ev.WindowJudged(state="ROLLBACK", at=AT)
    decision = decide(RUNBOOK.gates[0], "plan", state_after(*ALL_DONE, judged))
    assert [c.name for c in decision.criteria] == ["Staging green", "Backup", "Metrics"]


# --- the decision as journaled ------------------------------------------------------------


def test_a_gate_is_undecided_until_its_decision_is_journaled():
    state = state_after(*ALL_DONE, WINDOW_OK)
    assert journaled(state, "plan", RUNBOOK.gates[0]) is None
    (event,) = gate_events(state)
    assert (event.checklist, event.gate, event.decision) == ("plan", "go", GO)


def test_the_journaled_decision_survives_the_journal_and_is_not_said_twice():
    state = state_after(*ALL_DONE)
    (event,) = gate_events(state)
    read_back = ev.from_record(event.kind, json.loads(json.dumps(event.to_data())))
    state = reduce(state, read_back)
    assert journaled(state, "plan", RUNBOOK.gates[0]) == decide(RUNBOOK.gates[0], "plan", state)
    assert gate_events(state) == []


def test_a_new_reason_is_a_new_decision_and_since_stays_while_it_is_no_go():
    state = reduce(state_after(), *gate_events(state_after()))
    since = state.gates["plan", "go"].since
    state = reduce(state, tick("staging/smoke"))
    (event,) = gate_events(state)  # still NO-GO, one reason fewer
    assert event.decision == NO_GO
    later = reduce(state, replace(event, at="2026-11-21T10:05:00+00:00"))
    assert later.gates["plan", "go"].since == since
