"""One simulated ERP pod: the HTTP endpoints the runbooks name, and its own metrics.

Each pod has a private `CollectorRegistry` (never the global one) whose exposition carries
every label itself — namespace, service, version, pod, and cAdvisor's namespace/pod/
container — so a plain scrape config without relabelling sees what a real cluster shows.
The traffic generator records simulated requests straight into `PodMetrics`; the HTTP
server only serves the result, and the SSE stream is real.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from cockpit.sim.background import Background

#: resolves a P95 anywhere from 50 ms to 5 s to within about a quarter of its value
LATENCY_BUCKETS = (
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5,
    0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 7.5, 10.0,
)  # fmt: skip
#: statuses exported from the start, so that "no traffic" reads as 0/0 and not as no series
INITIAL_STATUSES = ("200", "500")


class PodMetrics:
    """The pod's registry and its label-bound children, ready for the traffic thread."""

    def __init__(self, namespace: str, service: str, version: str, pod: str, container: str):
        self.registry = CollectorRegistry()
        app = {"namespace": namespace, "service": service, "version": version, "pod": pod}
        self._app = app
        self._requests = Counter(
            "http_requests_total",
            "HTTP requests served, by status code.",
            [*app, "status"],
            registry=self.registry,
        )
        for status in INITIAL_STATUSES:
            self._requests.labels(**app, status=status)
        self._latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency.",
            list(app),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        ).labels(**app)
        self._lock = threading.Lock()
        self._streams = 0  # real open /api/stream/workflow connections
        self._simulated_streams = 0
        Gauge("sse_connections", "Open SSE streams.", list(app), registry=self.registry).labels(
            **app
        ).set_function(self.sse_connections)
        cadvisor = {"namespace": namespace, "pod": pod, "container": container}
        self._memory = Gauge(
            "container_memory_working_set_bytes",
            "Current working set of the container in bytes.",
            list(cadvisor),
            registry=self.registry,
        ).labels(**cadvisor)
        self._cpu = Counter(
            "container_cpu_usage_seconds_total",
            "Cumulative cpu time consumed in seconds.",
            list(cadvisor),
            registry=self.registry,
        ).labels(**cadvisor)

    def observe(self, status: str, seconds: float) -> None:
        """One simulated request, as the ERP's middleware would record it."""
        self._requests.labels(**self._app, status=status).inc()
        self._latency.observe(seconds)

    def set_resources(self, memory_bytes: float, cpu_seconds: float) -> None:
        """The working set now, and CPU time used since the last call."""
        self._memory.set(memory_bytes)
        self._cpu.inc(cpu_seconds)

    def set_simulated_streams(self, count: int) -> None:
        with self._lock:
            self._simulated_streams = count

    def stream_opened(self) -> None:
        with self._lock:
            self._streams += 1

    def stream_closed(self) -> None:
        with self._lock:
            self._streams -= 1

    def sse_connections(self) -> float:
        with self._lock:
            return float(self._streams + self._simulated_streams)


class _Handler(BaseHTTPRequestHandler):
    server: _PodHttpServer
    timeout = 5.0  # a client that connects and says nothing must not hold a thread forever

    def do_GET(self) -> None:
        pod = self.server.pod
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            self._text(503 if pod.down else 200, "down\n" if pod.down else "ok\n")
        elif path == "/readyz":
            ready = pod.ready and not pod.down
            self._text(200 if ready else 503, "ready\n" if ready else "not ready\n")
        elif path == "/metrics":
            self._send(200, CONTENT_TYPE_LATEST, generate_latest(pod.metrics.registry))
        elif path == "/api/stream/workflow":
            self._stream(pod)
        else:
            self._text(404, "not found\n")

    def _text(self, status: int, text: str) -> None:
        self._send(status, "text/plain; charset=utf-8", text.encode())

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _stream(self, pod: ErpPod) -> None:
        """Server-Sent Events until the client leaves or the pod stops."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        pod.metrics.stream_opened()
        try:
            seq = 0
            while True:
                data = {"seq": seq, "pod": pod.name, "version": pod.version, "ts": time.time()}
                self.wfile.write(
                    f"event: workflow\nid: {seq}\ndata: {json.dumps(data)}\n\n".encode()
                )
                self.wfile.flush()
                seq += 1
                if pod.stopping.wait(pod.sse_interval):
                    return
        except OSError:  # the client went away
            return
        finally:
            pod.metrics.stream_closed()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the demo's terminal belongs to the cockpit."""


class _PodHttpServer(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins every handler: no thread outlives stop()
    block_on_close = True

    def __init__(self, pod: ErpPod) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.pod = pod


class ErpPod(Background):
    """A pod's server on a free loopback port; `ready` and `down` are set from outside.

    stop() stops serving, ends open streams (they watch `stopping`), closes the socket and
    joins every thread; SSE ticks in real time, for the real client reading it."""

    def __init__(
        self,
        name: str,
        *,
        namespace: str,
        service: str,
        version: str,
        container: str,
        sse_interval: float = 1.0,
    ) -> None:
        super().__init__()
        self.name, self.namespace, self.version = name, namespace, version
        self.sse_interval = sse_interval
        self.metrics = PodMetrics(namespace, service, version, name, container)
        self.ready = False  # the emulator's Ready condition
        self.down = False  # the version's behaviour says the application is down
        self._server: _PodHttpServer | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"pod {self.name} is not started")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _start(self) -> None:
        self._server = server = _PodHttpServer(self)
        self._on_stop(setattr, self, "_server", None)
        self._serve(f"erp-pod-{self.name}", server, poll_interval=0.1)
