"""A Prometheus for the simulated ERP: the real binary if there is one, else a faithful fake.

`start_prometheus` runs `prometheus` as a child process on a free loopback port, scraping
the pods, with its storage in a temporary directory; it is always killed on `stop()`.
`SimulatedPrometheus` serves Prometheus' HTTP API for exactly the cockpit's queries,
sampled from the pods' registries in-process, for machines without the binary; a test
holds it to the real one's answers for the same simulation.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

import httpx
import yaml
from prometheus_client import CollectorRegistry

from cockpit.sim.background import Background
from cockpit.sim.clock import Clock
from cockpit.sim.kube.valeo import APP, NAMESPACE, SERVICE
from cockpit.sim.service.promql import Query, Vector, format_value, known_queries
from cockpit.sim.service.tsdb import RETENTION, Ring, Sampler

#: Prometheus refuses range queries with more points than this per series
MAX_POINTS = 11_000
SIM_VERSION = "2.42.0-sim"

# --- the real binary ----------------------------------------------------------------------


def _duration(seconds: float) -> str:
    return f"{round(seconds * 1000)}ms"


def write_prometheus_config(path: Path, targets: Sequence[str], scrape_interval: float) -> Path:
    """A config scraping `targets` (host:port) as job `valeo-erp`; the labels come from them."""
    config = {
        "global": {
            "scrape_interval": _duration(scrape_interval),
            "evaluation_interval": _duration(scrape_interval),
        },
        "scrape_configs": [{"job_name": "valeo-erp", "static_configs": [{"targets": [*targets]}]}],
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM when its parent dies, even by SIGKILL — no orphan
    Prometheus after a crashed demo."""
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningPrometheus:
    """A `prometheus` child process and the temporary directory it owns."""

    url: str
    process: subprocess.Popen[bytes]
    directory: Path

    def stop(self) -> None:
        """Terminate (kill if it lingers), reap, and remove its storage."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> RunningPrometheus:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_prometheus(
    targets: Sequence[str],
    *,
    scrape_interval: float = 1.0,
    binary: str = "prometheus",
    ready_timeout: float = 30.0,
    blocks: Path | None = None,
) -> RunningPrometheus:
    """Start the real Prometheus scraping `targets`; returns once `/-/ready` says so.

    `blocks`: TSDB blocks (from `promtool tsdb create-blocks-from`) to start with, so
    there is a past to query (the benchmark's 30-minute graphs)."""
    found = shutil.which(binary)
    if found is None:
        raise FileNotFoundError(f"{binary} is not installed (Debian: apt install prometheus)")
    directory = Path(tempfile.mkdtemp(prefix="cockpit-prometheus-"))
    if blocks is not None:
        shutil.copytree(blocks, directory / "data")
    config = write_prometheus_config(directory / "prometheus.yml", targets, scrape_interval)
    port = _free_port()
    with (directory / "prometheus.log").open("wb") as log:
        process = subprocess.Popen(
            [
                found,
                f"--config.file={config}",
                f"--storage.tsdb.path={directory / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
    running = RunningPrometheus(f"http://127.0.0.1:{port}", process, directory)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{running.url}/-/ready", timeout=1.0).status_code == 200:
                return running
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    log_text = (directory / "prometheus.log").read_text(errors="replace")[-2000:]
    running.stop()
    raise RuntimeError(f"prometheus did not become ready in {ready_timeout:g} s:\n{log_text}")


# --- the fake -----------------------------------------------------------------------------


class BadData(Exception):
    """Answered as Prometheus answers a bad request: 400, errorType bad_data."""


_DURATION = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def parse_time(text: str, name: str) -> float:
    """Unix seconds or RFC 3339, as the API accepts them."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise BadData(
            f'invalid parameter "{name}": cannot parse "{text}" to a valid timestamp'
        ) from None


def parse_duration(text: str, name: str) -> float:
    """Seconds as a float, or a Prometheus duration such as `30s` or `1m30s`."""
    try:
        return float(text)
    except ValueError:
        pass
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise BadData(f'invalid parameter "{name}": cannot parse "{text}" to a valid duration')
    return sum(int(n) * _UNITS[u] for n, u in parts)


def _stamp(t: float) -> float | int:
    """A timestamp as Prometheus prints it: seconds, milliseconds after the point if any."""
    t = round(t, 3)
    return int(t) if t == int(t) else t


def _key(labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(labels.items()))


class SimulatedPrometheus(Background):
    """/api/v1/query, /api/v1/query_range, /-/ready and buildinfo over a sampled `Ring`.

    Samples are stamped, and an instant query without `time` answered, on its clock."""

    def __init__(
        self,
        registries: Callable[[], Mapping[str, CollectorRegistry]],
        *,
        namespace: str = NAMESPACE,
        service: str = SERVICE,
        app: str = APP,
        scrape_interval: float = 1.0,
        retention: float = RETENTION,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(clock)
        self.ring = Ring(retention)
        self.sampler = Sampler(registries, self.ring, scrape_interval, clock=self.clock)
        self.queries: dict[str, Query] = known_queries(namespace, service, app)
        self._server: _ApiServer | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the simulated Prometheus is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _start(self) -> None:
        self._child(self.sampler)
        self._server = server = _ApiServer(self)
        self._on_stop(setattr, self, "_server", None)
        self._serve("erp-sim-prometheus", server, poll_interval=0.1)

    # the API, independent of HTTP

    def _plan(self, query: str) -> Query:
        plan = self.queries.get(query.strip())
        if plan is None:
            raise BadData(
                "unsupported query: the simulated Prometheus answers only the cockpit's "
                f"queries, not {query!r}"
            )
        return plan

    def query(self, query: str, at: float | None = None) -> dict:
        """The `data` of an instant query: a vector at `at` (default: now)."""
        t = round(self.clock.now() if at is None else at, 3)
        vector = self._plan(query)(self.ring, t)
        result = [
            {"metric": labels, "value": [_stamp(t), format_value(value)]}
            for labels, value in vector
        ]
        return {"resultType": "vector", "result": result}

    def query_range(self, query: str, start: float, end: float, step: float) -> dict:
        """The `data` of a range query: the instant query at start, start + step, … ≤ end."""
        if end < start:
            raise BadData("end timestamp must not be before start time")
        if step <= 0:
            raise BadData(
                "zero or negative query resolution step widths are not accepted. "
                "Try a positive integer"
            )
        if (end - start) / step > MAX_POINTS:
            raise BadData(
                "exceeded maximum resolution of 11,000 points per timeseries. "
                "Try decreasing the query resolution (?step=XX)"
            )
        plan = self._plan(query)
        series: dict[tuple[tuple[str, str], ...], list] = {}
        for i in range(math.floor((end - start) / step) + 1):
            t = round(start + i * step, 3)
            vector: Vector = plan(self.ring, t)
            for labels, value in vector:
                series.setdefault(_key(labels), []).append([_stamp(t), format_value(value)])
        result = [{"metric": dict(key), "values": values} for key, values in sorted(series.items())]
        return {"resultType": "matrix", "result": result}

    def answer(self, path: str, params: Mapping[str, str]) -> tuple[int, dict]:
        """(HTTP status, JSON body) for one API call."""
        try:
            if "query" not in params:
                raise BadData('invalid parameter "query": unknown query')
            if path == "/api/v1/query":
                at = parse_time(params["time"], "time") if "time" in params else None
                data = self.query(params["query"], at)
            else:
                data = self.query_range(
                    params["query"],
                    parse_time(params.get("start", ""), "start"),
                    parse_time(params.get("end", ""), "end"),
                    parse_duration(params.get("step", ""), "step"),
                )
        except BadData as error:
            return 400, {"status": "error", "errorType": "bad_data", "error": str(error)}
        return 200, {"status": "success", "data": data}


class _ApiHandler(BaseHTTPRequestHandler):
    server: _ApiServer
    timeout = 5.0

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        self._route(url.path, parse_qs(url.query))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode()) if length else {}
        url = urlsplit(self.path)
        self._route(url.path, {**parse_qs(url.query), **form})

    def _route(self, path: str, query: dict[str, list[str]]) -> None:
        params = {k: v[-1] for k, v in query.items()}
        if path in ("/-/ready", "/-/healthy"):
            self._send(200, "text/plain; charset=utf-8", b"Prometheus Server is Ready.\n")
        elif path == "/api/v1/status/buildinfo":
            self._json(200, {"status": "success", "data": _BUILDINFO})
        elif path in ("/api/v1/query", "/api/v1/query_range"):
            self._json(*self.server.prometheus.answer(path, params))
        else:
            self._send(404, "text/plain; charset=utf-8", b"404 page not found\n")

    def _json(self, status: int, body: dict) -> None:
        self._send(status, "application/json", json.dumps(body).encode())

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the demo's terminal belongs to the cockpit."""


_BUILDINFO = {
    "version": SIM_VERSION,
    "revision": "cockpit-sim",
    "branch": "sim",
    "buildUser": "cockpit",
    "buildDate": "",
    "goVersion": "",
}


class _ApiServer(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins every handler
    block_on_close = True

    def __init__(self, prometheus: SimulatedPrometheus) -> None:
        super().__init__(("127.0.0.1", 0), _ApiHandler)
        self.prometheus = prometheus
