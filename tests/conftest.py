"""Shared fixtures: the five source runbooks in `shared/seeds`, beside the repository."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit.sim.kube.valeo import SimCluster, start_valeo, write_kubeconfig

REPO = Path(__file__).resolve().parents[1]
SEEDS_DIR = REPO / ".." / "shared" / "seeds"

#: readable name → file name prefix in shared/seeds
SEED_PREFIXES = {
    "pre-deployment-check": "000_",
    "deployment-plan": "001_",
    "go-live-checklist": "002_",
    "pre-go-live-checklist": "003_",
    "deployment-plan-v1": "004_",
}


@pytest.fixture(scope="session")
def repo_dir() -> Path:
    return REPO


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    assert SEEDS_DIR.is_dir(), f"the seed runbooks are missing: expected {SEEDS_DIR.resolve()}"
    return SEEDS_DIR


@pytest.fixture(scope="session")
def seeds(seeds_dir: Path) -> dict[str, Path]:
    """Readable name → seed file, e.g. `seeds["deployment-plan"]`."""
    found = {}
    for name, prefix in SEED_PREFIXES.items():
        matches = sorted(seeds_dir.glob(f"{prefix}*"))
        assert len(matches) == 1, f"expected one seed {prefix}* in {seeds_dir}, found {matches}"
        found[name] = matches[0]
    return found


# --- the Kubernetes emulator, for the tests of sim/, sources/ and ui/ ------------------

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
