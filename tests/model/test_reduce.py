from cockpit.model import events as ev
from cockpit.model.checklist import Runbook
from cockpit.model.reduce import done_parent, open_children, reduce
from cockpit.model.state import (
    DONE,
    NOT_APPLICABLE,
    OPEN,
    SKIPPED,
    Counts,
    initial_state,
)

RUNBOOK = Runbook.model_validate(
    {
        "title": "T",
        "sections": [
            {
                "id": "s",
                "title": "S",
                "items": [
                    {"id": "s/a", "text": "a"},
                    {"id": "s/b", "text": "b", "done": True},
                    {"id": "s/c", "text": "c", "role": "Technical Lead"},
                ],
            }
        ],
    }
)
T1, T2 = "2026-11-21T11:00:00+00:00", "2026-11-21T11:05:00+00:00"


def fresh():
    return initial_state({"plan": RUNBOOK})


def run(*events):
    state = fresh()
    for event in events:
        state = reduce(state, event)
    return state


def test_runbook_ticks_start_done_by_nobody():
    state = fresh()
    assert state.is_done("plan", "s/b") and state.item_progress("plan", "s/b").by is None
    assert not state.is_done("plan", "s/a")
    assert state.checklist_progress("plan") == (1, 3)


def test_tick_records_who_and_when_and_untick_clears_it():
    state = run(ev.Tick(checklist="plan", item="s/a", by="alice", at=T1))
    progress = state.item_progress("plan", "s/a")
    assert (progress.done, progress.by, progress.at) == (True, "alice", T1)
    state = reduce(state, ev.Untick(checklist="plan", item="s/a", by="bob", at=T2))
    assert not state.is_done("plan", "s/a")
    assert state.item_progress("plan", "s/a").by == "bob"


def test_notes_accumulate_and_assign_sets_owner():
    state = run(
        ev.AddNote(checklist="plan", item="s/a", text="waiting for DBA", by="alice", at=T1),
        ev.AddNote(checklist="plan", item="s/a", text="DBA ok", by="bob", at=T2),
        ev.Assign(checklist="plan", item="s/a", owner="carol", by="alice", at=T2),
    )
    progress = state.item_progress("plan", "s/a")
    assert [n.text for n in progress.notes] == ["waiting for DBA", "DBA ok"]
    assert progress.notes[1].by == "bob" and progress.owner == "carol"
    assert not progress.done


def test_sign_off_ticks_with_name_and_role_and_untick_withdraws_it():
    state = run(ev.SignOff(checklist="plan", item="s/c", name="Dana", role="Technical Lead", at=T1))
    progress = state.item_progress("plan", "s/c")
    assert progress.done and (progress.signed_by, progress.signed_as) == ("Dana", "Technical Lead")
    state = reduce(state, ev.Untick(checklist="plan", item="s/c", by="Dana", at=T2))
    assert state.item_progress("plan", "s/c").signed_by is None


def test_events_for_unknown_items_change_nothing():
    state = fresh()
    for event in (
        ev.Tick(checklist="plan", item="gone", by="a", at=T1),
        ev.Tick(checklist="other", item="s/a", by="a", at=T1),
        ev.CheckResult(checklist="plan", item="gone", status="pass"),
    ):
        assert reduce(state, event) is state


def test_reduce_never_mutates_the_state_it_was_given():
    before = fresh()
    progress_before = dict(before.progress)
    after = reduce(before, ev.Tick(checklist="plan", item="s/a", by="a", at=T1))
    assert dict(before.progress) == progress_before and after is not before
    assert not before.is_done("plan", "s/a") and after.is_done("plan", "s/a")


def test_view_state_focus_cursor_filter_collapse():
    state = run(
        ev.Focus(pane="go-live"),
        ev.MoveCursor(pane="go-live", row="i:s/a"),
        ev.SetFilter(pane="go-live", text="db"),
        ev.Collapse(checklist="plan", section="s", collapsed=True),
        ev.Resize(width=80, height=24),
        ev.ClockTick(now=T1),
    )
    assert state.focus == "go-live" and state.cursors["go-live"] == "i:s/a"
    assert state.filters["go-live"] == "db" and ("plan", "s") in state.collapsed
    assert state.size == (80, 24) and state.now == T1
    state = run(ev.SetFilter(pane="go-live", text="db"), ev.SetFilter(pane="go-live", text=""))
    assert "go-live" not in state.filters
    state = reduce(
        reduce(state, ev.Collapse(checklist="plan", section="s", collapsed=True)),
        ev.Collapse(checklist="plan", section="s", collapsed=False),
    )
    assert not state.collapsed


def test_source_status_keeps_since_and_last_good_data():
    state = run(
        ev.SourceStatus(source="prometheus", state="ok", at=T1),
        ev.SourceStatus(source="prometheus", state="unreachable", detail="refused", at=T2),
        ev.SourceStatus(source="prometheus", state="unreachable", detail="refused", at="later"),
    )
    source = state.sources["prometheus"]
    assert source.state == "unreachable" and source.since == T2 and source.last_ok == T1


def test_alerts_raise_and_clear():
    state = run(ev.Alert(key="rollback", level="critical", message="error rate 7%", at=T1))
    assert state.alerts["rollback"].since == T1
    state = reduce(
        state, ev.Alert(key="rollback", level="critical", message="error rate 7%", at=T2)
    )
    assert state.alerts["rollback"].since == T1
    state = reduce(state, ev.Alert(key="rollback", level="critical", message="", at=T2))
    assert "rollback" not in state.alerts


# --- item states: done, skipped, not applicable, open — each with who, when, why ----------


def test_a_skip_keeps_who_when_why_and_is_not_done():
    state = run(ev.Skip(checklist="plan", item="s/a", reason="staging down", by="alice", at=T1))
    progress = state.item_progress("plan", "s/a")
    assert (progress.status, progress.by, progress.at) == (SKIPPED, "alice", T1)
    assert progress.reason == "staging down" and not progress.done
    assert state.checklist_progress("plan") == (1, 3)  # the runbook's [x] only
    assert state.counts("plan") == Counts(total=3, done=1, skipped=1, not_applicable=0)
    assert state.counts("plan").open == 1


def test_not_applicable_with_or_without_a_reason():
    state = run(
        ev.NotApplicable(checklist="plan", item="s/a", by="alice", at=T1),
        ev.NotApplicable(checklist="plan", item="s/b", reason="no SSE here", by="bob", at=T2),
    )
    a, b = state.item_progress("plan", "s/a"), state.item_progress("plan", "s/b")
    assert (a.status, a.reason, a.by) == (NOT_APPLICABLE, "", "alice")
    assert (b.status, b.reason, b.by, b.done) == (NOT_APPLICABLE, "no SSE here", "bob", False)
    counts = state.counts("plan")
    assert (counts.done, counts.not_applicable, counts.open) == (0, 2, 1)
    assert counts.extra() == ", 2 n/a"


def test_untick_reopens_a_skipped_item_and_a_tick_forgets_the_skip():
    skipped = run(ev.Skip(checklist="plan", item="s/a", reason="later", by="alice", at=T1))
    reopened = reduce(skipped, ev.Untick(checklist="plan", item="s/a", by="bob", at=T2))
    progress = reopened.item_progress("plan", "s/a")
    assert (progress.status, progress.reason, progress.by) == (OPEN, "", "bob")
    ticked = reduce(skipped, ev.Tick(checklist="plan", item="s/a", by="bob", at=T2))
    assert ticked.item_progress("plan", "s/a").status == DONE
    assert ticked.item_progress("plan", "s/a").reason == ""


def test_a_sign_off_keeps_the_signer_and_who_recorded_it_and_replaces_a_skip():
    state = run(
        ev.Skip(checklist="plan", item="s/c", reason="on leave", by="alice", at=T1),
        ev.SignOff(
            checklist="plan", item="s/c", name="Dana", role="Technical Lead", at=T2, by="alice"
        ),
    )
    progress = state.item_progress("plan", "s/c")
    assert (progress.status, progress.signed_by, progress.recorded_by) == (DONE, "Dana", "alice")
    assert progress.reason == "" and progress.closed == ""
    withdrawn = reduce(state, ev.Untick(checklist="plan", item="s/c", by="alice", at=T2))
    assert withdrawn.item_progress("plan", "s/c").recorded_by is None


def test_a_sign_off_from_an_older_journal_has_no_recorder():
    data = {"checklist": "plan", "item": "s/c", "name": "Dana", "role": "Technical Lead", "at": T1}
    state = run(ev.from_record("item.signoff", data))
    progress = state.item_progress("plan", "s/c")
    assert progress.signed_by == "Dana" and progress.recorded_by is None


def test_skipping_a_signed_item_withdraws_the_signature():
    state = run(
        ev.SignOff(checklist="plan", item="s/c", name="Dana", role="Technical Lead", at=T1),
        ev.Skip(checklist="plan", item="s/c", reason="signed by mistake", by="alice", at=T2),
    )
    progress = state.item_progress("plan", "s/c")
    assert progress.status == SKIPPED and progress.signed_by is None and not progress.done


def test_section_counts_say_what_is_skipped_and_not_applicable():
    state = run(
        ev.Skip(checklist="plan", item="s/a", reason="r", by="a", at=T1),
        ev.NotApplicable(checklist="plan", item="s/c", by="a", at=T1),
    )
    section = RUNBOOK.sections[0]
    counts = state.counts("plan", section)
    assert counts == Counts(total=3, done=1, skipped=1, not_applicable=1)
    assert counts.open == 0 and counts.extra() == ", 1 skipped, 1 n/a"
    assert state.section_progress("plan", section) == (1, 3)  # done is done only


NESTED = Runbook.model_validate(
    {
        "title": "T",
        "sections": [
            {
                "id": "s",
                "title": "S",
                "items": [
                    {
                        "id": "s/deploy",
                        "text": "Deploy green",
                        "role": "Technical Lead",
                        "items": [
                            {"id": "s/deploy/pods", "text": "Pods ready"},
                            {
                                "id": "s/deploy/smoke",
                                "text": "Smoke tests",
                                "items": [{"id": "s/deploy/smoke/login", "text": "Login works"}],
                            },
                        ],
                    }
                ],
            }
        ],
    }
)


def nested(*events):
    state = initial_state({"plan": NESTED})
    for event in events:
        state = reduce(state, event)
    return state


def act(kind, item, **more):
    return kind(checklist="plan", item=item, by="alice", at=T1, **more)


def test_a_parent_with_open_children_cannot_be_ticked_or_signed():
    state = nested(act(ev.Tick, "s/deploy/pods"))
    assert [i.text for i in open_children(state, "plan", "s/deploy")] == [
        "Smoke tests",
        "Login works",
    ]
    assert reduce(state, act(ev.Tick, "s/deploy")) is state
    signed = ev.SignOff(checklist="plan", item="s/deploy", name="Dana", role="TL", at=T1)
    assert reduce(state, signed) is state


def test_a_parent_is_ticked_once_its_children_are_done_skipped_or_not_applicable():
    state = nested(
        act(ev.Tick, "s/deploy/pods"),
        act(ev.Skip, "s/deploy/smoke/login", reason="no test user"),
        act(ev.Tick, "s/deploy/smoke"),
        act(ev.Tick, "s/deploy"),
    )
    assert open_children(state, "plan", "s/deploy") == []
    assert state.item_progress("plan", "s/deploy").status == DONE


def test_a_child_of_a_done_parent_is_not_reopened_until_the_parent_is():
    done = nested(
        act(ev.Tick, "s/deploy/pods"),
        act(ev.Tick, "s/deploy/smoke/login"),
        act(ev.Tick, "s/deploy/smoke"),
        act(ev.Tick, "s/deploy"),
    )
    assert done_parent(done, "plan", "s/deploy/smoke/login").id == "s/deploy/smoke"
    assert reduce(done, act(ev.Untick, "s/deploy/pods")) is done
    reopened = reduce(reduce(done, act(ev.Untick, "s/deploy")), act(ev.Untick, "s/deploy/pods"))
    assert reopened.item_progress("plan", "s/deploy/pods").status == OPEN
