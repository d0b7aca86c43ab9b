"""Fixtures for the Kubernetes emulator: a seeded cluster per test, torn down without leftovers."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kubernetes import client, config


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
