"""Actions in the state: planned, confirmed, each step, the outcome — as `reduce` keeps them."""

from cockpit.model import events as ev
from cockpit.model.reduce import reduce
from cockpit.model.state import State, StepState

T0, T1, T2, T3 = (f"2026-11-21T12:00:0{n}+00:00" for n in range(4))


def run(*events, state=None):
    state = state or State()
    for event in events:
        state = reduce(state, event)
    return state


def planned(key="cutover@1", action="cutover"):
    return ev.ActionPlanned(
        id=key,
        action=action,
        target="valeo-erp",
        title="Cutover valeo-erp blue → green",
        changes=("selector version: blue → green",),
        preconditions=({"name": "green ready", "status": "passed", "detail": "3/3"},),
        params={"service": "valeo-erp", "to": "green"},
        by="alice@bastion",
        at=T0,
    )


def test_a_plan_is_kept_as_the_preview_showed_it_and_is_open_but_not_running():
    state = run(planned())
    action = state.actions["cutover@1"]
    assert (action.action, action.target, action.by, action.planned) == (
        "cutover",
        "valeo-erp",
        "alice@bastion",
        T0,
    )
    assert action.changes == ("selector version: blue → green",)
    assert action.preconditions[0]["status"] == "passed"
    assert dict(action.params) == {"service": "valeo-erp", "to": "green"}
    assert action.open and action.confirmed == "" and action.last_step is None
    assert state.running_action() is None  # previewed, not confirmed: nothing runs yet


def test_the_plans_params_cannot_be_changed_through_the_event():
    params = {"service": "valeo-erp"}
    state = run(ev.ActionPlanned(id="k", action="backup", target="db", title="B", params=params))
    params["service"] = "changed"
    assert state.actions["k"].params["service"] == "valeo-erp"


def test_confirmation_records_when_and_what_was_overridden_and_makes_it_run():
    state = run(
        planned(),
        ev.ActionConfirmed(id="cutover@1", by="alice", overridden=("green ready",), at=T1),
    )
    action = state.actions["cutover@1"]
    assert action.confirmed == T1 and action.overridden == ("green ready",)
    assert state.running_action() == ("cutover@1", action)


def test_a_step_moving_on_replaces_itself_and_a_new_step_is_appended():
    state = run(
        planned(),
        ev.ActionConfirmed(id="cutover@1", by="alice", at=T1),
        ev.ActionStep(id="cutover@1", step="execute", status="running", at=T1),
        ev.ActionStep(id="cutover@1", step="execute", status="done", detail="patched", at=T2),
        ev.ActionStep(id="cutover@1", step="verify", status="running", detail="1/3", at=T2),
        ev.ActionStep(id="cutover@1", step="verify", status="running", detail="2/3", at=T3),
    )
    assert state.actions["cutover@1"].steps == (
        StepState("execute", "done", "patched", T2),
        StepState("verify", "running", "2/3", T3),
    )
    assert state.actions["cutover@1"].last_step == StepState("verify", "running", "2/3", T3)


def test_a_step_name_seen_again_after_another_step_is_a_new_step():
    """Replacement is only of the last step: a retried dry run after an execute stays two."""
    state = run(
        planned(),
        ev.ActionStep(id="cutover@1", step="dry-run", status="done", at=T1),
        ev.ActionStep(id="cutover@1", step="execute", status="failed", at=T2),
        ev.ActionStep(id="cutover@1", step="dry-run", status="done", at=T3),
    )
    steps = state.actions["cutover@1"].steps
    assert [(s.step, s.status, s.at) for s in steps] == [
        ("dry-run", "done", T1),
        ("execute", "failed", T2),
        ("dry-run", "done", T3),
    ]


def test_the_outcome_closes_the_action_and_it_no_longer_runs():
    state = run(
        planned(),
        ev.ActionConfirmed(id="cutover@1", by="alice", at=T1),
        ev.ActionStep(id="cutover@1", step="soak", status="failed", detail="trigger", at=T2),
        ev.ActionFinished(id="cutover@1", outcome="failed", detail="error rate 7 %", at=T3),
    )
    action = state.actions["cutover@1"]
    assert (action.outcome, action.detail) == ("failed", "error rate 7 %")
    assert not action.open and state.running_action() is None
    assert action.steps[-1].status == "failed"  # the outcome does not rewrite the steps


def test_a_preview_cancelled_before_confirmation_is_closed():
    state = run(planned(), ev.ActionFinished(id="cutover@1", outcome="cancelled", at=T1))
    assert state.actions["cutover@1"].outcome == "cancelled"
    assert not state.actions["cutover@1"].open


def test_running_action_is_the_confirmed_open_one_among_several():
    state = run(
        planned("cutover@1"),
        ev.ActionConfirmed(id="cutover@1", by="alice", at=T1),
        ev.ActionFinished(id="cutover@1", outcome="succeeded", at=T1),
        planned("backup@2", action="backup"),  # previewed only
        planned("rollback@3", action="rollback-selector"),
        ev.ActionConfirmed(id="rollback@3", by="alice", at=T2),
    )
    key, action = state.running_action()
    assert key == "rollback@3" and action.action == "rollback-selector"
    assert [k for k, a in state.actions.items() if a.open] == ["backup@2", "rollback@3"]


def test_events_of_an_action_never_planned_change_nothing():
    before = run(planned())
    after = run(
        ev.ActionConfirmed(id="other", by="alice", at=T1),
        ev.ActionStep(id="other", step="execute", status="running", at=T1),
        ev.ActionFinished(id="other", outcome="failed", at=T2),
        state=before,
    )
    assert after == before and "other" not in after.actions


def test_an_override_keeps_its_reason_and_an_older_confirmation_has_none():
    confirmed = ev.ActionConfirmed(
        id="cutover@1", by="alice", overridden=("green ready",), at=T1, reason="CAB said go"
    )
    assert run(planned(), confirmed).actions["cutover@1"].override_reason == "CAB said go"
    older = ev.from_record("action.confirm", {"id": "cutover@1", "by": "alice", "at": T1})
    assert run(planned(), older).actions["cutover@1"].override_reason == ""


def test_an_abort_says_who_why_when_and_the_action_runs_until_its_outcome():
    state = run(
        planned(),
        ev.ActionConfirmed(id="cutover@1", by="alice", at=T1),
        ev.ActionAbort(id="cutover@1", by="bob", reason="window closing", at=T2),
    )
    action = state.actions["cutover@1"]
    assert (action.aborted_by, action.abort_reason, action.aborted_at) == (
        "bob",
        "window closing",
        T2,
    )
    assert state.running_action() is not None  # stops at its safe point, then says so
    state = reduce(state, ev.ActionFinished(id="cutover@1", outcome="cancelled", at=T3))
    assert state.running_action() is None and state.actions["cutover@1"].abort_reason


def test_an_abort_of_an_action_never_planned_changes_nothing():
    state = State()
    assert reduce(state, ev.ActionAbort(id="nope", by="a", reason="r")) is state
