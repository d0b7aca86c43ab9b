"""Two cockpits on one window: the lock's holder may act, the other one observes."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from cockpit.audit.journal import Journal
from cockpit.audit.read import read_records
from cockpit.audit.trail import AuditTrail
from cockpit.clients.kube import KubeSettings
from cockpit.model import events as ev
from cockpit.runtime.sources import source_factories
from cockpit.sources.lock import WindowLock
from cockpit.ui.app import CockpitApp
from cockpit.ui.screens.confirm import Confirm
from cockpit.ui.screens.prompt import Prompt
from tests.helpers.poll import eventually_async
from tests.ui.apps import make_session, screen_text


def cockpit(kubeconfig, operator, journal):
    session = make_session(
        "go-live", operator=operator, kubeconfig=str(kubeconfig), context="valeo-sim"
    )
    trail = AuditTrail(Journal(journal))
    return CockpitApp(session, trail=trail, sources=source_factories(session), tick_seconds=None)


async def wait_for(pilot, condition: Callable[[], object], what: str) -> None:
    await eventually_async(condition, what=what, pause=pilot.pause)


async def test_the_holder_may_act(cluster, kubeconfig, tmp_path):
    alice = cockpit(kubeconfig, "alice@bastion", tmp_path / "a.jsonl")
    async with alice.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: alice.state.lock.state == "held", "alice's lock held")
        assert alice.can_mutate() is None
        assert "🔒 mine" in alice.query_one("#status-bar").render().plain
        alice.shutdown(0)


async def test_a_second_cockpit_observes_and_may_not_act(cluster, kubeconfig, tmp_path):
    settings = KubeSettings(
        namespace="production", app="valeo-erp", service="valeo-erp", kubeconfig=str(kubeconfig)
    )
    holder = WindowLock(settings, "alice@bastion", lambda event: None)
    holder.tick()  # another cockpit, elsewhere, holds the window
    bob = cockpit(kubeconfig, "bob@laptop", tmp_path / "b.jsonl")
    async with bob.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: bob.state.lock.state == "observer", "bob's lock observer")
        assert bob.can_mutate() == "the window lock is held by alice@bastion: only its holder acts"
        bar = bob.query_one("#status-bar").render().plain
        assert "│ observer │" in bar and "lock held by alice@bastion" in bar and " rw " not in bar
        bob.shutdown(0)


async def test_an_observer_at_80x24_is_told_so_and_offered_no_risky_key(
    cluster, kubeconfig, tmp_path
):
    settings = KubeSettings(
        namespace="production", app="valeo-erp", service="valeo-erp", kubeconfig=str(kubeconfig)
    )
    WindowLock(settings, "alice@bastion", lambda event: None).tick()
    bob = cockpit(kubeconfig, "bob@laptop", tmp_path / "b.jsonl")
    async with bob.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: bob.state.lock.state == "observer", "bob's lock observer")
        await pilot.pause()
        *_, bar, footer = screen_text(bob)
        assert "│ observer │" in bar and " rw " not in bar, bar
        assert not {"Cutover", "Rollback", "Backup"} & set(footer.split()), footer
        bob.shutdown(0)


async def test_a_second_cockpit_of_the_same_account_observes_and_may_not_act(
    cluster, kubeconfig, tmp_path
):
    first = cockpit(kubeconfig, "alice@bastion", tmp_path / "a1.jsonl")
    second = cockpit(kubeconfig, "alice@bastion", tmp_path / "a2.jsonl")
    async with first.run_test(size=(160, 48)) as first_pilot:
        await wait_for(first_pilot, lambda: first.state.lock.state == "held", "first's lock held")
        async with second.run_test(size=(160, 48)) as pilot:
            await wait_for(
                pilot, lambda: second.state.lock.state == "observer", "second's lock observer"
            )
            holder = second.state.lock.holder
            assert holder == first.session.holder != second.session.holder
            reason = second.can_mutate()
            assert reason == f"the window lock is held by {holder}: only its holder acts"
            bar = second.query_one("#status-bar").render().plain
            assert "🔒 mine" not in bar and f"lock held by {holder}" in bar
            await pilot.press("c")
            await pilot.pause()
            assert second.state.actions == {} and len(second.screen_stack) == 1
            second.shutdown(0)
        assert first.can_mutate() is None
        assert "🔒 mine" in first.query_one("#status-bar").render().plain
        first.shutdown(0)


def stale_lease(kubeconfig, holder="bob@laptop"):
    """A cockpit elsewhere took the window five minutes ago, then went silent (kill -9)."""
    settings = KubeSettings(
        namespace="production", app="valeo-erp", service="valeo-erp", kubeconfig=str(kubeconfig)
    )
    then = datetime.now(UTC) - timedelta(minutes=5)
    WindowLock(settings, holder, lambda event: None, clock=lambda: then).tick()


async def test_a_take_over_asks_why_and_journals_the_reason(cluster, kubeconfig, tmp_path):
    stale_lease(kubeconfig)
    alice = cockpit(kubeconfig, "alice@bastion", tmp_path / "a.jsonl")
    async with alice.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: alice.state.lock.state == "stale", "alice's lock stale")
        alice.take_over_lock()
        await pilot.pause()
        assert isinstance(alice.screen, Confirm)
        await pilot.press("y")
        assert isinstance(alice.screen, Prompt)
        await pilot.press(*"bob's laptop died", "enter")
        await wait_for(pilot, lambda: alice.state.lock.state == "held", "alice's lock held")
        alice.shutdown(0)
    (taken,) = [r.data for r in read_records(tmp_path / "a.jsonl") if r.kind == "lock.takeover"]
    assert (taken["previous"], taken["by"], taken["reason"]) == (
        "bob@laptop",
        "alice@bastion",
        "bob's laptop died",
    )


async def test_a_take_over_without_a_reason_does_not_happen(cluster, kubeconfig, tmp_path):
    stale_lease(kubeconfig)
    alice = cockpit(kubeconfig, "alice@bastion", tmp_path / "a.jsonl")
    alice.NOTIFICATION_TIMEOUT = 600  # its notice is the mark the test waits for
    async with alice.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: alice.state.lock.state == "stale", "alice's lock stale")
        alice.take_over_lock()
        await pilot.pause()
        await pilot.press("y")
        assert isinstance(alice.screen, Prompt)
        await pilot.press("escape")
        # a mark, not a pause: the refusal's notice is said once the answer was handled
        await wait_for(
            pilot,
            lambda: any(n.message.startswith("not taken over") for n in alice._notifications),
            "the refusal's notice",
        )
        assert alice.state.lock.state == "stale" and alice.can_mutate() is not None
        alice.shutdown(0)
    records = list(read_records(tmp_path / "a.jsonl"))
    assert not any(r.kind == "lock.takeover" for r in records)
    notices = [r.data["message"] for r in records if r.kind == "notice"]
    assert "not taken over: bob@laptop keeps the lock (a take-over needs a reason)" in notices


async def test_a_claim_that_lapsed_is_not_shown_as_mine(tmp_path):
    """Renewals stopped past the lease (Ctrl+Z, a frozen VM): the status bar no longer says
    the lock is ours; another cockpit may have taken it over meanwhile."""
    from tests.ui.apps import NOW, build_app

    app = build_app(trail=AuditTrail(Journal(tmp_path / "j.jsonl")))
    async with app.run_test(size=(160, 48)) as pilot:
        until = NOW.astimezone(UTC) + timedelta(seconds=30)
        held = ev.LockStatus(
            "held", app.session.holder, at=NOW.isoformat(), until=until.isoformat()
        )
        app.dispatch(held)
        await pilot.pause()
        assert "🔒 mine" in app.query_one("#status-bar").render().plain
        app.dispatch(ev.ClockTick(now=(until + timedelta(seconds=1)).isoformat()))
        await pilot.pause()
        bar = app.query_one("#status-bar").render().plain
        assert "🔒 mine" not in bar and "│ observer │" in bar, bar
        app.shutdown(0)
