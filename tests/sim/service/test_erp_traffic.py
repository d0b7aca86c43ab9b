"""Traffic follows the emulator: the Service's selector, readiness, pods coming and going.

Traffic runs on the manual clock, so a test says how much time passes and counts exactly
what that time brought; the fleet follows the store's change feed, which `eventually`
awaits.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import httpx
import pytest

from cockpit.sim.clock import ManualClock
from cockpit.sim.service import ErpService
from cockpit.sim.service.traffic import SSE_SETTLE
from tests.helpers.poll import eventually
from tests.sim.service.helpers import (
    assert_no_leftovers,
    patch_selector,
    port_is_closed,
    requests_by,
    routed,
    scrape,
)


def grows(read: Callable[[], dict[str, float]], clock: ManualClock, seconds: float = 0.6):
    """Which keys' counts grow while `seconds` pass."""
    before = read()
    clock.advance(seconds)
    after = read()
    return {k for k, v in after.items() if v > before.get(k, 0)}


def served(erp: ErpService, clock: ManualClock, seconds: float, **where: str) -> dict[str, float]:
    """Requests by status served while `seconds` pass."""
    before = requests_by(erp, "status", **where)
    clock.advance(seconds)
    after = requests_by(erp, "status", **where)
    return {k: v - before.get(k, 0) for k, v in after.items()}


def cpu_and_memory(erp: ErpService) -> dict[str, tuple[float, float]]:
    out = {}
    for name, url in erp.pods().items():
        samples = scrape(url)
        out[name] = (
            samples["container_cpu_usage_seconds_total"][0][1],
            samples["container_memory_working_set_bytes"][0][1],
        )
    return out


def test_traffic_goes_to_the_selected_version_and_moves_on_cutover(erp, cluster, clock):
    by_version = partial(requests_by, erp, "version")
    assert grows(by_version, clock) == {"blue"}
    patch_selector(cluster.store, "green")
    eventually(lambda: routed(erp) == {"green"}, what="all traffic on green")
    assert grows(by_version, clock) == {"green"}
    patch_selector(cluster.store, "blue")  # the fast rollback
    eventually(lambda: routed(erp) == {"blue"}, what="all traffic on blue")
    assert grows(by_version, clock) == {"blue"}


def test_the_rate_is_requests_per_second_and_can_change_while_running(erp, clock):
    assert sum(served(erp, clock, 1.0).values()) == pytest.approx(400, abs=1)
    erp.rate = 0
    assert grows(partial(requests_by, erp, "version"), clock) == set()


def test_speed_compresses_the_requests_but_not_the_cpu_time(cluster):
    clock = ManualClock(speed=10)
    with ErpService(cluster.store, rate=50.0, seed=4, clock=clock) as erp:
        before = cpu_and_memory(erp)
        assert sum(served(erp, clock, 2.0).values()) == pytest.approx(50 * 10 * 2, abs=1)
        after = cpu_and_memory(erp)
        ports = [pod.port for pod in erp.fleet.view.pods]
    for name, (cpu, _) in after.items():  # 0.1 to 0.5 cores per second of the clock
        assert 0.2 - 1e-9 <= cpu - before[name][0] <= 1.0 + 1e-9, name
    assert_no_leftovers(ports)


def test_pods_that_are_not_ready_get_no_traffic(erp, cluster, clock):
    cluster.controller.crashloop("valeo-erp-blue", n=1)
    clock.advance(0.5)  # one controller step: the pod is no longer Ready
    sick = eventually(
        lambda: [p for p in erp.fleet.view.pods if p.version == "blue" and not p.ready],
        what="a blue pod not ready in the fleet's view",
    )
    assert sick[0] not in erp.fleet.view.routable
    growing = grows(partial(requests_by, erp, "pod"), clock)
    assert sick[0].name not in growing and len(growing) == 2


def test_error_ratio_shows_as_5xx_counts(erp, clock):
    erp.set_behaviour("blue", error_ratio=0.5)
    counts = served(erp, clock, 1.0, version="blue")
    total = counts["200"] + counts["500"]
    assert total == pytest.approx(400, abs=1)
    assert 0.4 < counts["500"] / total < 0.6


def test_down_version_fails_every_request_and_its_probes(erp, clock):
    erp.set_behaviour("blue", down=True)
    url = next(u for name, u in erp.pods().items() if "-blue-" in name)
    counts = served(erp, clock, 0.5, version="blue")
    assert counts["503"] == pytest.approx(200, abs=1)
    assert counts["200"] == counts["500"] == 0
    assert httpx.get(f"{url}/readyz").status_code == 503
    assert httpx.get(f"{url}/healthz").status_code == 503
    erp.set_behaviour("blue", down=False)
    assert httpx.get(f"{url}/readyz").status_code == 200


def test_servers_follow_the_emulators_pods(erp, cluster, clock):
    before = erp.pods()
    victim = sorted(before)[0]
    port = next(p.port for p in erp.fleet.view.pods if p.name == victim)
    cluster.controller.kill_pod(victim)
    eventually(lambda: victim not in erp.pods(), what="the killed pod's server gone")
    assert port_is_closed(port)
    clock.advance(0.5)  # the replacement is created, Pending: no server yet
    assert len(erp.pods()) == 5
    clock.advance(0.5)  # Running: its server starts
    after = eventually(lambda: len(erp.pods()) == 6 and erp.pods(), what="six pod servers")
    (replacement,) = set(after) - set(before)
    assert httpx.get(f"{after[replacement]}/healthz").status_code == 200


def test_sse_clients_follow_the_service_after_cutover(cluster, clock):
    with ErpService(cluster.store, rate=50, seed=5, clock=clock) as erp:

        def sse() -> dict[str, float]:
            totals: dict[str, float] = {}
            for url in erp.pods().values():
                for labels, value in scrape(url)["sse_connections"]:
                    totals[labels["version"]] = totals.get(labels["version"], 0) + value
            return totals

        clock.advance(0.1)  # the first tick: a version starts settled
        assert sse() == {"blue": 40, "green": 0}
        patch_selector(cluster.store, "green")
        eventually(lambda: routed(erp) == {"green"}, what="all traffic on green")
        clock.advance(SSE_SETTLE)  # 1 - 1/e of the clients have moved: 40/e stay on blue
        assert sse() == {"blue": 15, "green": 25}
        clock.advance(5 * SSE_SETTLE)
        assert sse() == {"blue": 0, "green": 40}
        ports = [int(u.rsplit(":", 1)[1]) for u in erp.pods().values()]
    assert_no_leftovers(ports)


def test_resources_are_plausible(erp, clock):
    before = cpu_and_memory(erp)
    clock.advance(10.0)
    for name, (cpu, memory) in cpu_and_memory(erp).items():
        assert 1.0 - 1e-9 <= cpu - before[name][0] <= 5.0 + 1e-9, name  # 0.1 to 0.5 cores
        assert 300 * 2**20 <= memory <= 600 * 2**20, name


def test_stop_closes_every_port_even_with_streams_open(cluster):
    erp = ErpService(cluster.store, rate=100, seed=2, sse_interval=0.1).start()
    ports = [pod.port for pod in erp.fleet.view.pods]
    url = next(iter(erp.pods().values()))
    with httpx.stream("GET", f"{url}/api/stream/workflow", timeout=5) as response:
        next(response.iter_lines())
        erp.stop()
    assert erp.pods() == {}
    assert_no_leftovers(ports)
    erp.stop()  # twice is harmless
