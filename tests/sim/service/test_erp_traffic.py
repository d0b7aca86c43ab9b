"""Traffic follows the emulator: the Service's selector, readiness, pods coming and going."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

import httpx

from cockpit.sim.service import ErpService
from tests.sim.service.helpers import (
    assert_no_leftovers,
    patch_selector,
    port_is_closed,
    requests_by,
    scrape,
)


def grows(read: Callable[[], dict[str, float]], seconds: float = 0.6) -> set[str]:
    """Which keys' counts grow over `seconds`."""
    before = read()
    time.sleep(seconds)
    after = read()
    return {k for k, v in after.items() if v > before.get(k, 0)}


def test_traffic_goes_to_the_selected_version_and_moves_on_cutover(erp, cluster):
    by_version = partial(requests_by, erp, "version")
    assert grows(by_version) == {"blue"}
    patch_selector(cluster.store, "green")
    time.sleep(0.3)  # the fleet notices within one watch round
    assert grows(by_version) == {"green"}
    patch_selector(cluster.store, "blue")  # the fast rollback
    time.sleep(0.3)
    assert grows(by_version) == {"blue"}


def test_the_rate_can_change_while_running(erp):
    erp.rate = 0
    time.sleep(0.2)
    assert grows(partial(requests_by, erp, "version")) == set()


def test_pods_that_are_not_ready_get_no_traffic(erp, cluster, eventually):
    cluster.controller.crashloop("valeo-erp-blue", n=1)
    sick = eventually(
        lambda: [p for p in erp.fleet.view.pods if p.version == "blue" and not p.ready]
    )
    assert sick[0] not in erp.fleet.view.routable
    growing = grows(partial(requests_by, erp, "pod"))
    assert sick[0].name not in growing and len(growing) == 2


def test_error_ratio_shows_as_5xx_counts(erp):
    erp.set_behaviour("blue", error_ratio=0.5)
    time.sleep(0.2)  # a tick that drew with the old knobs has finished
    before = requests_by(erp, "status", version="blue")
    time.sleep(1.0)
    after = requests_by(erp, "status", version="blue")
    ok, failed = after["200"] - before["200"], after["500"] - before["500"]
    assert 0.35 < failed / (ok + failed) < 0.65


def test_down_version_fails_every_request_and_its_probes(erp):
    erp.set_behaviour("blue", down=True)
    url = next(u for name, u in erp.pods().items() if "-blue-" in name)
    before = requests_by(erp, "status", version="blue")
    time.sleep(0.5)
    after = requests_by(erp, "status", version="blue")
    assert after["503"] > 0
    assert after["200"] == before["200"] and after["500"] == before["500"]
    assert httpx.get(f"{url}/readyz").status_code == 503
    assert httpx.get(f"{url}/healthz").status_code == 503
    erp.set_behaviour("blue", down=False)
    assert httpx.get(f"{url}/readyz").status_code == 200


def test_servers_follow_the_emulators_pods(erp, cluster, eventually):
    before = erp.pods()
    victim = sorted(before)[0]
    port = next(p.port for p in erp.fleet.view.pods if p.name == victim)
    cluster.controller.kill_pod(victim)
    eventually(lambda: victim not in erp.pods())
    assert port_is_closed(port)
    after = eventually(lambda: len(erp.pods()) == 6 and erp.pods())
    (replacement,) = set(after) - set(before)
    assert httpx.get(f"{after[replacement]}/healthz").status_code == 200


def test_sse_clients_follow_the_service_after_cutover(cluster, eventually):
    with ErpService(cluster.store, rate=50, speed=200, seed=5) as erp:

        def sse() -> dict[str, float]:
            totals: dict[str, float] = {}
            for url in erp.pods().values():
                for labels, value in scrape(url)["sse_connections"]:
                    totals[labels["version"]] = totals.get(labels["version"], 0) + value
            return totals

        eventually(lambda: sse() == {"blue": 40, "green": 0})
        patch_selector(cluster.store, "green")
        eventually(lambda: sse() == {"blue": 0, "green": 40})
        ports = [int(u.rsplit(":", 1)[1]) for u in erp.pods().values()]
    assert_no_leftovers(ports)


def test_resources_are_plausible(erp):
    def cpu_and_memory() -> dict[str, tuple[float, float]]:
        out = {}
        for name, url in erp.pods().items():
            samples = scrape(url)
            out[name] = (
                samples["container_cpu_usage_seconds_total"][0][1],
                samples["container_memory_working_set_bytes"][0][1],
            )
        return out

    before, started = cpu_and_memory(), time.monotonic()
    time.sleep(1.0)
    after, elapsed = cpu_and_memory(), time.monotonic() - started
    for name, (cpu, memory) in after.items():
        assert 0.05 < (cpu - before[name][0]) / elapsed < 0.6, name
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
