"""The demo's world on loopback: the API emulator, the ERP pods and their traffic, metrics.

Everything is started here and stopped here, in reverse order, also after a failure
half-way: no thread, port or child process outlives `stop()`. Prometheus is the real
binary when it is installed, else the simulator's own query API (the status bar then
says "simulated metrics").
"""

from __future__ import annotations

import shutil
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

from cockpit.sim.background import Background
from cockpit.sim.clock import Clock, resolve
from cockpit.sim.kube.valeo import SimCluster, start_valeo, write_kubeconfig
from cockpit.sim.scenarios import SCENARIOS, Scenario
from cockpit.sim.service import ErpService, SimulatedPrometheus, start_prometheus


def closed_port() -> int:
    """A loopback port nothing listens on (the db-down scenario's database)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Environment(Background):
    """The whole simulated world on one clock (default: real time at `speed`)."""

    join_timeout = 10.0

    def __init__(
        self,
        scenario: str = "happy",
        *,
        speed: float | None = None,
        real_prometheus: bool | None = None,
        seed: int = 7,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(resolve(clock, speed))
        self.scenario: Scenario = SCENARIOS[scenario]
        #: None: the real one when installed
        self.real_prometheus = (
            shutil.which("prometheus") is not None if real_prometheus is None else real_prometheus
        )
        self.seed = seed
        self.directory = Path(tempfile.mkdtemp(prefix="cockpit-demo-"))
        self.kubeconfig = self.directory / "kubeconfig"
        self.prometheus_url = ""

    @property
    def speed(self) -> float:
        return self.clock.speed

    @property
    def simulated_metrics(self) -> bool:
        return not self.real_prometheus

    def _start(self) -> None:
        self._on_stop(shutil.rmtree, self.directory, ignore_errors=True)
        self.cluster: SimCluster = start_valeo(
            bookmark_interval=1.0, seed_rng=self.seed, clock=self.clock
        )
        self._on_stop(self.cluster.stop)
        write_kubeconfig(self.kubeconfig, self.cluster.url)
        self.erp = ErpService(self.cluster.store, seed=self.seed, clock=self.clock)
        self._child(self.erp)
        self._start_metrics()
        self.scenario.apply(self)

    def _start_metrics(self) -> None:
        if self.real_prometheus:
            running = start_prometheus(self.erp.targets(), scrape_interval=1.0)
            self._on_stop(running.stop)
            self.prometheus_url = running.url
        else:
            fake = SimulatedPrometheus(self.erp.registries, scrape_interval=1.0, clock=self.clock)
            self._child(fake)
            self.prometheus_url = fake.url

    def every(self, seconds: float, work: Callable[[], None], *, scaled: bool = True) -> None:
        """Run `work` every `seconds` (divided by the speed when `scaled`) until stopped."""
        interval = seconds / self.speed if scaled else seconds
        self._every(f"demo-{self.scenario.name}", interval, work)

    def urls(self) -> dict[str, str]:
        urls = {"Kubernetes API": self.cluster.url, "Prometheus": self.prometheus_url}
        return urls | {f"pod {name}": url for name, url in sorted(self.erp.pods().items())}
