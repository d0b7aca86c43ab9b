"""The demo's environment on a manual clock: scenarios play out exactly as time is advanced."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import httpx
import pytest

from cockpit.sim.clock import ManualClock
from cockpit.sim.environment import Environment
from cockpit.sim.scenarios import BAD_GREEN
from tests.sim.service.helpers import patch_selector

SSE = 'sum by (version) (sse_connections{namespace="production",service="valeo-erp"})'


@pytest.fixture
def environment() -> Iterator[Callable]:
    started: list[Environment] = []

    def start(scenario: str, clock: ManualClock) -> Environment:
        started.append(Environment(scenario, clock=clock, real_prometheus=False).start())
        return started[-1]

    yield start
    for env in started:
        env.stop()
        assert not env.directory.exists()
    left = [t.name for t in threading.enumerate() if t.name.startswith(("kube-sim", "erp", "demo"))]
    assert not left, f"threads outlived the environment: {left}"


def test_bad_green_sours_green_once_the_service_selects_it(environment):
    clock = ManualClock(speed=10)
    env = environment("bad-green", clock)
    clock.advance(1.0)
    assert env.erp.behaviour("green").error_ratio < BAD_GREEN["error_ratio"]
    patch_selector(env.cluster.store, "green")
    assert env.erp.behaviour("green").error_ratio < BAD_GREEN["error_ratio"]  # not yet looked
    clock.advance(0.05)  # the scenario looks every 0.5 simulated seconds
    assert env.erp.behaviour("green").error_ratio == BAD_GREEN["error_ratio"]


def test_crashloop_restarts_at_the_clocks_speed(environment):
    clock = ManualClock(speed=10)
    env = environment("crashloop", clock)
    assert env.speed == 10
    clock.advance(0.2)  # 2 simulated seconds: four controller steps
    pods = env.cluster.store.list("pods", "production", label_selector="version=green")[0]
    restarts = sorted(p["status"]["containerStatuses"][0]["restartCount"] for p in pods)
    assert restarts == [0, 2, 2]


def test_the_simulated_prometheus_samples_on_the_same_clock(environment):
    clock = ManualClock()
    env = environment("happy", clock)
    clock.advance(3.0)  # scrapes every second, traffic every 0.1 s
    body = httpx.get(f"{env.prometheus_url}/api/v1/query", params={"query": SSE}).json()
    values = {s["metric"]["version"]: s["value"] for s in body["data"]["result"]}
    assert values == {"blue": [clock.now(), "40"], "green": [clock.now(), "0"]}
