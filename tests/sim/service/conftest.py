"""The simulated ERP beside the emulated cluster, torn down with no port or thread left."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cockpit.sim.clock import ManualClock
from cockpit.sim.kube.valeo import SimCluster
from cockpit.sim.service import ErpService
from tests.sim.service.helpers import assert_no_leftovers


@pytest.fixture
def erp(cluster: SimCluster, clock: ManualClock) -> Iterator[ErpService]:
    """Six pods with servers, 400 simulated requests/s on `clock`, streams every 0.1 s."""
    service = ErpService(cluster.store, rate=400.0, seed=3, sse_interval=0.1, clock=clock).start()
    ports = [pod.port for pod in service.fleet.view.pods]
    try:
        yield service
    finally:
        ports += [pod.port for pod in service.fleet.view.pods]
        service.stop()
    assert_no_leftovers(ports)
