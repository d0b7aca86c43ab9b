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
import threading
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType

from cockpit.sim.kube.valeo import SimCluster, start_valeo, write_kubeconfig
from cockpit.sim.scenarios import SCENARIOS, Scenario
from cockpit.sim.service import ErpService, SimulatedPrometheus, start_prometheus


def closed_port() -> int:
    """A loopback port nothing listens on (the db-down scenario's database)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Environment:
    def __init__(
        self,
        scenario: str = "happy",
        *,
        speed: float = 1.0,
        real_prometheus: bool | None = None,
        seed: int = 7,
    ) -> None:
        self.scenario: Scenario = SCENARIOS[scenario]
        self.speed = speed
        #: None: the real one when installed
        self.real_prometheus = (
            shutil.which("prometheus") is not None if real_prometheus is None else real_prometheus
        )
        self.seed = seed
        self.directory = Path(tempfile.mkdtemp(prefix="cockpit-demo-"))
        self.kubeconfig = self.directory / "kubeconfig"
        self.prometheus_url = ""
        self._stack = ExitStack()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def simulated_metrics(self) -> bool:
        return not self.real_prometheus

    def start(self) -> Environment:
        try:
            self._stack.callback(shutil.rmtree, self.directory, ignore_errors=True)
            self.cluster: SimCluster = start_valeo(
                speed=self.speed, bookmark_interval=1.0, seed_rng=self.seed
            )
            self._stack.callback(self.cluster.stop)
            write_kubeconfig(self.kubeconfig, self.cluster.url)
            self.erp = ErpService(self.cluster.store, speed=self.speed, seed=self.seed).start()
            self._stack.callback(self.erp.stop)
            self._start_metrics()
            self._stack.callback(self._join_threads)
            self.scenario.apply(self)
        except BaseException:
            self.stop()
            raise
        return self

    def _start_metrics(self) -> None:
        if self.real_prometheus:
            running = start_prometheus(self.erp.targets(), scrape_interval=1.0)
            self._stack.callback(running.stop)
            self.prometheus_url = running.url
        else:
            fake = SimulatedPrometheus(self.erp.registries, scrape_interval=1.0).start()
            self._stack.callback(fake.stop)
            self.prometheus_url = fake.url

    def every(self, seconds: float, work: Callable[[], None], *, scaled: bool = True) -> None:
        """Run `work` every `seconds` (divided by the speed when `scaled`) until stopped."""
        interval = seconds / self.speed if scaled else seconds

        def loop() -> None:
            while not self._stop.wait(interval):
                work()

        thread = threading.Thread(target=loop, name=f"demo-{self.scenario.name}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def _join_threads(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(10)

    def urls(self) -> dict[str, str]:
        urls = {"Kubernetes API": self.cluster.url, "Prometheus": self.prometheus_url}
        return urls | {f"pod {name}": url for name, url in sorted(self.erp.pods().items())}

    def stop(self) -> None:
        self._stack.close()

    def __enter__(self) -> Environment:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
