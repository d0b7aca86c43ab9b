"""Reading the simulated ERP the way a scraper does: over HTTP, parsed by prometheus_client."""

from __future__ import annotations

import socket
import threading
from collections import defaultdict

import httpx
from prometheus_client.parser import text_string_to_metric_families

from cockpit.sim.kube.store import Store
from cockpit.sim.service import ErpService


def scrape(url: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Sample name → [(labels, value)] from a pod's /metrics."""
    response = httpx.get(f"{url}/metrics", timeout=5)
    response.raise_for_status()
    out: dict[str, list[tuple[dict[str, str], float]]] = defaultdict(list)
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            out[sample.name].append((sample.labels, sample.value))
    return out


def requests_by(erp: ErpService, label: str, **where: str) -> dict[str, float]:
    """Sum of http_requests_total over every pod, grouped by `label`, filtered by `where`."""
    totals: dict[str, float] = defaultdict(float)
    for url in erp.pods().values():
        for labels, value in scrape(url)["http_requests_total"]:
            if all(labels.get(k) == v for k, v in where.items()):
                totals[labels[label]] += value
    return dict(totals)


def routed(erp: ErpService) -> set[str]:
    """The versions the fleet sends traffic to now."""
    return {pod.version for pod in erp.fleet.view.routable}


def patch_selector(store: Store, version: str) -> None:
    """What the cockpit's cutover does: point the Service at another colour."""

    def change(service: dict) -> dict:
        service["spec"]["selector"]["version"] = version
        return service

    store.mutate("services", "production", "valeo-erp", change)


def port_is_closed(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) != 0


def assert_no_leftovers(ports: list[int]) -> None:
    still_open = [port for port in ports if not port_is_closed(port)]
    assert not still_open, f"ports still accepting connections after stop(): {still_open}"
    threads = [t.name for t in threading.enumerate() if t.name.startswith("erp-")]
    assert not threads, f"threads left running after stop(): {threads}"
