"""The ERP's pods, following the Kubernetes emulator's store the way kubelet and kube-proxy do.

A server runs for every Running pod of the app and stops when the pod goes away; a pod
takes traffic only while the Service's selector matches it and the emulator says it is
Ready — so patching the selector blue → green moves the traffic, as the cutover does.
The fleet lists once and then waits on the store's change feed (relisting after a
dropped or expired watch), the list-and-watch pattern of any controller.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from cockpit.sim.background import Background
from cockpit.sim.kube.controller import is_ready
from cockpit.sim.kube.store import ApiError, Obj, Store, WatchClosed
from cockpit.sim.service.pod import ErpPod

log = logging.getLogger(__name__)

PodFactory = Callable[[Obj], ErpPod]


@dataclass(frozen=True)
class FleetView:
    """An immutable snapshot the traffic thread can read without locks."""

    pods: tuple[ErpPod, ...] = ()  # every running pod, by name
    routable: tuple[ErpPod, ...] = ()  # selected by the Service and Ready


def _running(pod: Obj) -> bool:
    meta, status = pod["metadata"], pod.get("status") or {}
    return status.get("phase") == "Running" and not meta.get("deletionTimestamp")


class Fleet(Background):
    """Starts and stops `ErpPod`s as the store's pods come and go; keeps `view` current.

    It follows the store's change feed, not a clock: it reacts as soon as a pod changes."""

    def __init__(
        self,
        store: Store,
        make_pod: PodFactory,
        *,
        namespace: str,
        service: str,
        app: str,
    ) -> None:
        super().__init__()
        self.store, self.make_pod = store, make_pod
        self.namespace, self.service, self.app = namespace, service, app
        self.view = FleetView()
        self._servers: dict[str, ErpPod] = {}

    def _start(self) -> None:
        since = (self.store.watch_epoch, int(self.store.resource_version))  # before the list
        self._on_stop(self._stop_pods)  # after the watch has ended: nothing starts one again
        self.sync()
        self._thread("erp-sim-fleet", self._watch, *since)

    def _stop_pods(self) -> None:
        for pod in self._servers.values():
            pod.stop()
        self._servers.clear()
        self.view = FleetView()

    def sync(self) -> None:
        """Bring the servers and the routing in line with the store as it is now."""
        pods = self.store.list("pods", self.namespace, label_selector=f"app={self.app}")[0]
        running = {p["metadata"]["name"]: p for p in pods if _running(p)}
        for name in [n for n in self._servers if n not in running]:
            self._servers.pop(name).stop()
        for name, obj in running.items():
            if name not in self._servers:
                self._servers[name] = self.make_pod(obj).start()
            self._servers[name].ready = is_ready(obj)
        selector = self._selector()
        routable = tuple(
            self._servers[name]
            for name, obj in sorted(running.items())
            if selector is not None
            and all(obj["metadata"].get("labels", {}).get(k) == v for k, v in selector.items())
            and is_ready(obj)
        )
        self.view = FleetView(tuple(self._servers[n] for n in sorted(running)), routable)

    def _selector(self) -> dict[str, str] | None:
        """The Service's selector; None when it is gone or selects nothing (no endpoints)."""
        try:
            service = self.store.get("services", self.namespace, self.service)
        except ApiError:
            return None
        return (service.get("spec") or {}).get("selector") or None

    def _watch(self, epoch: int, rv: int) -> None:
        while not self.stopping.is_set():
            try:
                events, latest = self.store.events_after(rv, 0.2, epoch)
            except (WatchClosed, ApiError):  # dropped or expired: relist, then carry on
                epoch, rv = self.store.watch_epoch, int(self.store.resource_version)
                self._sync_logged()
                continue
            rv = latest
            if any(
                e.namespace == self.namespace and e.resource in ("pods", "services") for e in events
            ):
                self._sync_logged()

    def _sync_logged(self) -> None:
        try:
            self.sync()
        except Exception:  # one bad pass must not end the fleet; the next change retries
            log.exception("ERP fleet sync failed")
