"""Fixtures for the simulator's tests: a seeded cluster per test on a clock the test drives.

Here the `cluster` fixture of tests/conftest.py is replaced by one whose controller runs on
a `ManualClock`: nothing reconciles until a test calls `clock.advance(…)`, and then
exactly the steps that fall due run, before `advance` returns. The API server, the ERP
pods' servers and the fleet following the store stay real (real clients talk to them),
so what crosses a socket is still awaited with `tests.helpers.poll.eventually`, never with a
fixed sleep.
"""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kubernetes import client, config

from cockpit.sim.clock import ManualClock
from cockpit.sim.kube.valeo import SimCluster, start_valeo


@pytest.fixture
def clock() -> ManualClock:
    """The simulator's time: it moves only in `clock.advance(seconds)`."""
    return ManualClock()


@pytest.fixture
def cluster(clock: ManualClock) -> Iterator[SimCluster]:
    """The runbooks' environment (six Ready pods) on `clock`, serving on a loopback port."""
    sim = start_valeo(clock=clock, bookmark_interval=0.2, seed_rng=7)
    port = sim.server.port
    try:
        yield sim
    finally:
        sim.stop()
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still open after stop()"
    leftovers = [t.name for t in threading.enumerate() if t.name.startswith("kube-sim")]
    assert not leftovers, f"threads left running after stop(): {leftovers}"


@pytest.fixture
def api(kubeconfig: Path) -> Iterator[client.ApiClient]:
    """The official client, configured the way the cockpit is: from a kubeconfig file."""
    api_client = config.new_client_from_config(config_file=str(kubeconfig))
    try:
        yield api_client
    finally:
        api_client.close()


@pytest.fixture
def kubectl_popen(
    kubectl_binary: Path, kubectl_env: dict[str, str]
) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start a long-running kubectl (e.g. `get -w`); every one is killed after the test."""
    started: list[subprocess.Popen[str]] = []

    def start(*args: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [str(kubectl_binary), *args],
            env=kubectl_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.kill()
        proc.communicate(timeout=10)
