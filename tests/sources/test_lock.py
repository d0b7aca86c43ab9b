"""The window lock against the emulator: one holder, observers, stale, take-over, 409."""

from datetime import UTC, datetime, timedelta

import pytest
from kubernetes import client, config

from cockpit.clients.kube import KubeSettings
from cockpit.sources.lock import WindowLock


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def make_lock(kubeconfig):
    made = []

    def make(identity, clock):
        events = []
        settings = KubeSettings(
            namespace="production",
            app="valeo-erp",
            service="valeo-erp",
            kubeconfig=str(kubeconfig),
            lease="cockpit-window",
        )
        lock = WindowLock(settings, identity, events.append, clock=clock, duration=30)
        made.append(lock)
        return lock, events

    yield make
    for lock in made:
        lock._stop.set()


def lease_holder(kubeconfig):
    api = config.new_client_from_config(config_file=str(kubeconfig))
    lease = client.CoordinationV1Api(api).read_namespaced_lease("cockpit-window", "production")
    api.close()
    return lease.spec.holder_identity


def test_first_cockpit_holds_second_observes(cluster, kubeconfig, make_lock):
    clock = Clock()
    alice, alice_events = make_lock("alice@bastion", clock)
    bob, bob_events = make_lock("bob@bastion", clock)
    alice.tick()
    bob.tick()
    assert (alice_events[-1].state, alice_events[-1].holder) == ("held", "alice@bastion")
    assert (bob_events[-1].state, bob_events[-1].holder) == ("observer", "alice@bastion")
    clock.now += timedelta(seconds=10)
    alice.tick()  # renewal keeps it
    bob.tick()
    assert bob_events[-1].state == "observer" and lease_holder(kubeconfig) == "alice@bastion"


def test_a_silent_holder_goes_stale_and_is_taken_over_only_when_asked(
    cluster, kubeconfig, make_lock
):
    clock = Clock()
    alice, _ = make_lock("alice@bastion", clock)
    bob, bob_events = make_lock("bob@bastion", clock)
    alice.tick()
    clock.now += timedelta(seconds=45)  # alice's SSH died: no renewal for longer than 30 s
    bob.tick()
    assert (bob_events[-1].state, bob_events[-1].holder) == ("stale", "alice@bastion")
    bob.tick()
    assert lease_holder(kubeconfig) == "alice@bastion"  # never taken silently
    assert bob.take_over() == "taken over from alice@bastion"
    assert lease_holder(kubeconfig) == "bob@bastion" and bob_events[-1].state == "held"
    alice.tick()  # alice comes back: she is an observer now
    assert lease_holder(kubeconfig) == "bob@bastion"


def test_a_concurrent_write_is_a_409_not_a_lost_update(cluster, kubeconfig, make_lock):
    clock = Clock()
    alice, alice_events = make_lock("alice@bastion", clock)
    alice.tick()
    stale_read = alice._read()
    api = config.new_client_from_config(config_file=str(kubeconfig))
    client.CoordinationV1Api(api).patch_namespaced_lease(
        "cockpit-window", "production", {"spec": {"holderIdentity": "carol@laptop"}}
    )
    api.close()
    alice._read = lambda: stale_read  # alice read before carol wrote
    alice.tick()
    assert alice_events[-1].state == "contended" and "409" in alice_events[-1].detail
    assert lease_holder(kubeconfig) == "carol@laptop"


def test_leaving_releases_the_lock(cluster, kubeconfig, make_lock):
    clock = Clock()
    alice, _ = make_lock("alice@bastion", clock)
    bob, bob_events = make_lock("bob@bastion", clock)
    alice.tick()
    alice.stop()
    alice.run()  # the loop ends at once, and gives the lease back on its way out
    assert not lease_holder(kubeconfig)
    bob.tick()
    assert (bob_events[-1].state, bob_events[-1].holder) == ("held", "bob@bastion")


# --- one holder per process: two cockpits of the same account ------------------------------


@pytest.fixture
def account_lock(kubeconfig):
    """The window lock as `cockpit run` builds it (session → source_factories), for one operator."""
    from cockpit.runtime.sources import source_factories
    from tests.ui.apps import make_session

    made = []

    def make(operator, clock):
        session = make_session(
            "go-live", operator=operator, kubeconfig=str(kubeconfig), context="valeo-sim"
        )
        events = []
        (lock,) = [
            s for s in (f(events.append) for f in source_factories(session)) if s.name == "lock"
        ]
        lock.clock = clock
        made.append(lock)
        return lock, events

    yield make
    for lock in made:
        lock._stop.set()


def test_two_cockpits_of_one_account_are_a_holder_and_an_observer(
    cluster, kubeconfig, account_lock
):
    clock = Clock()
    first, first_events = account_lock("alice@bastion", clock)
    second, second_events = account_lock("alice@bastion", clock)
    assert first.identity != second.identity
    assert first.identity.startswith("alice@bastion#")  # the operator stays readable
    first.tick()
    second.tick()
    assert (first_events[-1].state, first_events[-1].holder) == ("held", first.identity)
    assert (second_events[-1].state, second_events[-1].holder) == ("observer", first.identity)
    clock.now += timedelta(seconds=10)
    second.tick()
    first.tick()
    assert second_events[-1].state == "observer" and lease_holder(kubeconfig) == first.identity


def test_the_observer_of_the_same_account_leaving_keeps_the_holders_lock(
    cluster, kubeconfig, account_lock
):
    clock = Clock()
    first, _ = account_lock("alice@bastion", clock)
    second, _ = account_lock("alice@bastion", clock)
    first.tick()
    second.tick()
    second.stop()
    second.run()  # gives back only what it holds: nothing
    assert lease_holder(kubeconfig) == first.identity


def test_a_stale_lock_of_the_same_account_is_taken_over_only_when_asked(
    cluster, kubeconfig, account_lock
):
    clock = Clock()
    crashed, _ = account_lock("alice@bastion", clock)
    restarted, events = account_lock("alice@bastion", clock)
    crashed.tick()
    clock.now += timedelta(seconds=45)  # kill -9: no renewal, no release
    restarted.tick()
    assert (events[-1].state, events[-1].holder) == ("stale", crashed.identity)
    assert lease_holder(kubeconfig) == crashed.identity  # not silently reclaimed
    assert restarted.take_over() == f"taken over from {crashed.identity}"
    assert lease_holder(kubeconfig) == restarted.identity and events[-1].state == "held"
    crashed.stop()
    crashed.run()  # the old one coming back and leaving releases nothing of the new one's
    assert lease_holder(kubeconfig) == restarted.identity


def test_a_holder_that_stopped_renewing_stops_believing_it_holds(cluster, kubeconfig, make_lock):
    """Its loop stalled (Ctrl+Z, a frozen VM) past the lease: the other took it over, and
    only one of them believes it holds the window (found by tests/truth/kube_machine.py)."""
    clock = Clock()
    alice, _ = make_lock("alice@bastion", clock)
    bob, _ = make_lock("bob@bastion", clock)
    alice.tick()
    assert alice.holds() and not bob.holds()
    clock.now += timedelta(seconds=29)
    assert alice.holds()  # within the lease she renewed
    clock.now += timedelta(seconds=16)  # no renewal for 45 s
    assert not alice.holds()
    bob.tick()
    bob.take_over()
    assert bob.holds() and not alice.holds()
    alice.tick()  # back: an observer
    assert bob.holds() and not alice.holds()
