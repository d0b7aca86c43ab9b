"""Kubernetes figures, against the emulator: API load, first pod table, key-to-screen.

    python bench/kube.py [--seconds 30] [--pods 10000]

- API requests per minute for one watched window: the cockpit (list + watch per kind,
  plus the lock renewals) beside what an engineer runs by hand, `watch -n2 kubectl get
  pods` (real kubectl, every 2 s), both counted at the emulator in the same run;
- time from `cockpit` start (source started) to the first pod table at N pods;
- key-to-screen latency at N pods: a key posted as the terminal would, until the pane
  has rendered the moved cursor (median and p99 of 200 keys).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cockpit.clients.kube import KubeSettings
from cockpit.model import events as ev
from cockpit.sim.kube.valeo import start_valeo, write_kubeconfig
from cockpit.sources.kube import KubeSource
from cockpit.sources.lock import WindowLock

KUBECTL = Path(sys.executable).parent / "kubectl"


def settings(kubeconfig: Path) -> KubeSettings:
    return KubeSettings(
        namespace="production", app="valeo-erp", service="valeo-erp", kubeconfig=str(kubeconfig)
    )


def cockpit_requests(kubeconfig: Path, seconds: float, server) -> tuple[int, int]:
    """What one cockpit asks of the API server: (at start, then over `seconds` of watching)."""
    source = KubeSource(settings(kubeconfig), lambda event: None)
    lock = WindowLock(settings(kubeconfig), "bench@host", lambda event: None)
    before = server.served
    threads = [threading.Thread(target=f, daemon=True) for f in source.loops() + lock.loops()]
    for thread in threads:
        thread.start()
    time.sleep(2.0)  # lists, watches and the first lock write are all made by now
    started = server.served - before
    time.sleep(seconds)
    steady = server.served - before - started
    source.stop()
    lock.stop()
    for thread in threads:
        thread.join(10)
    return started, steady


def kubectl_requests(kubeconfig: Path, seconds: float, server, home: Path) -> int:
    """`watch -n2 kubectl get pods`, as an engineer would leave it running."""
    env = os.environ | {"KUBECONFIG": str(kubeconfig), "HOME": str(home)}
    before = server.served
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        subprocess.run(
            [str(KUBECTL), "get", "pods", "-n", "production"],
            env=env,
            capture_output=True,
            check=True,
        )
        time.sleep(max(0.0, 2.0 - (time.monotonic() - started)))
    return server.served - before


def add_pods(store, count: int) -> None:
    """Ready pods of a third version, so the pane has `count` more rows to show."""
    for i in range(count):
        store.create(
            "pods",
            "production",
            {
                "metadata": {
                    "name": f"valeo-erp-load-{i:05d}",
                    "labels": {"app": "valeo-erp", "version": "load"},
                },
                "spec": {
                    "nodeName": f"node-{i % 50}",
                    "containers": [{"name": "erp", "image": "erp"}],
                },
                "status": {
                    "phase": "Running",
                    "startTime": "2026-11-21T08:00:00Z",
                    "conditions": [{"type": "Ready", "status": "True"}],
                    "containerStatuses": [
                        {"name": "erp", "ready": True, "restartCount": 0, "state": {"running": {}}}
                    ],
                },
            },
        )


async def pod_table(kubeconfig: Path, pods: int) -> tuple[float, list[float]]:
    from textual import events

    from cockpit.model.config import Config
    from cockpit.runtime.session import open_session
    from cockpit.runtime.wiring import source_factories
    from cockpit.ui.app import CockpitApp
    from cockpit.ui.widgets.pods_pane import PodsPane

    session = open_session(
        Config(layout="go-live", kubeconfig=str(kubeconfig), namespace="production")
    )
    start = time.perf_counter()
    app = CockpitApp(session, sources=source_factories(session), tick_seconds=None)
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.query_one("#pods", PodsPane)
        while len(pane.rows) < pods:
            await asyncio.sleep(0.005)
        first = time.perf_counter() - start
        app.dispatch(ev.Focus(pane="pods"))
        await pilot.pause()
        latencies = []
        for n in range(200):
            key = "j" if n % 100 < 50 else "k"
            expected_index = [r.key for r in pane.rows].index(pane.cursor) + (
                1 if key == "j" else -1
            )
            target = pane.rows[expected_index].key
            sent = time.perf_counter()
            app.post_message(events.Key(key, key))
            while pane.cursor != target:
                await asyncio.sleep(0.0005)
            strip = pane.render_line(expected_index - pane.scroll_offset.y)  # the painted line
            assert strip.cell_length > 0
            latencies.append(time.perf_counter() - sent)
        app.shutdown(0)
    return first, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--pods", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_STATE_HOME"] = tmp
        home = Path(tmp)
        with start_valeo(speed=1.0, bookmark_interval=5.0) as sim:
            kubeconfig = write_kubeconfig(home / "kubeconfig", sim.url)
            started, ours = cockpit_requests(kubeconfig, args.seconds, sim.server)
            theirs = kubectl_requests(kubeconfig, args.seconds, sim.server, home)
            per_minute = 60.0 / args.seconds
            print(f"API requests per minute, one window watched for {args.seconds:.0f} s")
            print(f"  cockpit: {started} requests to start (5 lists + 5 watches + lock), then")
            print(f"  cockpit, watching (lock renewals, re-watches)  {ours * per_minute:7.1f}")
            print(f"  watch -n2 kubectl get pods                     {theirs * per_minute:7.1f}")
            print(f"  ratio kubectl / cockpit: {theirs / max(ours, 1):.1f}x")

            sim.controller.stop()  # the emulator's controller is not what is measured
            add_pods(sim.store, args.pods)
            total = len(sim.store.list("pods", "production")[0])
            first, latencies = asyncio.run(pod_table(kubeconfig, total))
            ordered = sorted(latencies)
            print(f"{total} pods in the window")
            print(f"  start to first pod table: {first * 1000:.0f} ms")
            print(
                f"  key to screen: median {statistics.median(ordered) * 1000:.2f} ms, "
                f"p99 {ordered[int(len(ordered) * 0.99)] * 1000:.2f} ms (200 keys)"
            )


if __name__ == "__main__":
    main()
