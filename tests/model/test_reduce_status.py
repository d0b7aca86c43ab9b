"""What the state says of the sources, the window lock, the window's verdict and the
banners: each keeps `since` while it stays the same, and starts it again when it changes."""

from cockpit.model import events as ev
from cockpit.model.reduce import reduce
from cockpit.model.state import AlertState, LockState, SourceState, State, WindowState

T0, T1, T2, T3 = (f"2026-11-21T11:0{n}:00+00:00" for n in range(4))


def run(*events, state=None):
    state = state or State()
    for event in events:
        state = reduce(state, event)
    return state


# --- sources ---------------------------------------------------------------------------------


def test_source_since_is_kept_while_its_state_stays_and_the_detail_follows():
    state = run(
        ev.SourceStatus(source="prometheus", state="unreachable", detail="refused", at=T0),
        ev.SourceStatus(source="prometheus", state="unreachable", detail="timeout", at=T1),
    )
    assert state.sources["prometheus"] == SourceState("unreachable", "timeout", T0, "")


def test_source_since_starts_again_on_a_new_state_and_last_ok_is_the_last_ok_report():
    state = run(
        ev.SourceStatus(source="kubernetes", state="connecting", at=T0),
        ev.SourceStatus(source="kubernetes", state="ok", at=T1),
        ev.SourceStatus(source="kubernetes", state="ok", at=T2),
    )
    assert state.sources["kubernetes"] == SourceState("ok", "", T1, T2)
    state = run(ev.SourceStatus(source="kubernetes", state="unreachable", at=T3), state=state)
    # data of T2 is what the panes still show: its age is said with it
    assert state.sources["kubernetes"] == SourceState("unreachable", "", T3, T2)


def test_sources_are_kept_apart():
    state = run(
        ev.SourceStatus(source="kubernetes", state="ok", at=T0),
        ev.SourceStatus(source="postgres", state="not configured", at=T1),
    )
    assert state.sources["kubernetes"].last_ok == T0
    assert state.sources["postgres"] == SourceState("not configured", "", T1, "")


# --- the window lock --------------------------------------------------------------------------


def test_lock_since_is_kept_for_the_same_state_and_holder():
    holder = "alice@bastion#4711-3f9a2c"
    state = run(
        ev.LockStatus(state="held", holder=holder, at=T0),
        ev.LockStatus(state="held", holder=holder, detail="renewed", at=T1),
    )
    assert state.lock == LockState("held", holder, "renewed", T0)


def test_lock_since_starts_again_when_the_state_or_the_holder_changes():
    state = run(
        ev.LockStatus(state="observer", holder="bob@bastion#1-a", at=T0),
        ev.LockStatus(state="observer", holder="carol@bastion#2-b", at=T1),
    )
    assert state.lock.since == T1 and state.lock.holder == "carol@bastion#2-b"
    state = run(ev.LockStatus(state="stale", holder="carol@bastion#2-b", at=T2), state=state)
    assert state.lock == LockState("stale", "carol@bastion#2-b", "", T2)


def test_a_takeover_is_journaled_but_the_lock_is_what_the_lease_says_next():
    """Confirming the takeover does not make this cockpit the holder: only the lock
    source's next report (after the Lease was written) does, so actions wait for it."""
    stale = run(ev.LockStatus(state="stale", holder="bob@bastion#1-a", at=T0))
    taken = run(ev.LockTakeover(previous="bob@bastion#1-a", by="alice", at=T1), state=stale)
    assert taken.lock == LockState("stale", "bob@bastion#1-a", "", T0)
    held = run(ev.LockStatus(state="held", holder="alice@bastion#4711-3f", at=T2), state=taken)
    assert held.lock == LockState("held", "alice@bastion#4711-3f", "", T2)


def test_no_lock_is_not_configured_until_a_report():
    assert State().lock == LockState("not configured", "", "", "")


# --- the window's verdict ---------------------------------------------------------------------


def test_window_since_is_kept_while_the_verdict_stays_and_the_reasons_follow():
    state = run(
        ev.WindowJudged(state="HOLD", reasons=("p95: no data",), at=T0),
        ev.WindowJudged(state="HOLD", reasons=("p95: blue data is stale",), at=T1),
    )
    assert state.window == WindowState("HOLD", ("p95: blue data is stale",), T0)
    state = run(ev.WindowJudged(state="OK", at=T2), state=state)
    assert state.window == WindowState("OK", (), T2)
    state = run(ev.WindowJudged(state="ROLLBACK", reasons=["error rate 7 %"], at=T3), state=state)
    assert state.window == WindowState("ROLLBACK", ("error rate 7 %",), T3)


def test_the_window_is_not_judged_before_the_first_verdict():
    assert State().window == WindowState("", (), "")


# --- banners ----------------------------------------------------------------------------------


def test_an_alert_is_raised_kept_while_its_message_stays_and_cleared_by_an_empty_one():
    rollback = "ROLLBACK TRIGGER error rate > 5 %: green at 0.07"
    state = run(
        ev.Alert(key="rules", level="error", message=rollback, at=T0),
        ev.Alert(key="rules", level="error", message=rollback, at=T1),
        ev.Alert(key="journal", level="error", message="journal unwritable", at=T1),
    )
    assert state.alerts["rules"] == AlertState("error", rollback, T0)
    state = run(ev.Alert(key="rules", level="error", message=rollback + "9", at=T2), state=state)
    assert state.alerts["rules"].since == T2  # a new message is a new banner
    state = run(ev.Alert(key="rules", level="error", message="", at=T3), state=state)
    assert "rules" not in state.alerts
    assert state.alerts["journal"] == AlertState("error", "journal unwritable", T1)


def test_clearing_an_alert_that_was_never_raised_is_harmless():
    state = run(ev.Alert(key="rules", level="error", message="", at=T0))
    assert dict(state.alerts) == {}
