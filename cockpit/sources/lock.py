"""The window lock: a coordination.k8s.io/v1 Lease; only its holder may run actions.

Like client-go's leader election: the holder renews `renewTime` every `renew_every`
seconds with optimistic concurrency (the update carries the resourceVersion it read; a
409 means someone else wrote first, so read again). A released lease (no holder) is
taken; a lease whose holder stopped renewing is *stale* and is never taken silently —
`take_over()` is an explicit step the operator confirms, and it is journaled.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from cockpit.clients.kube import ApiProblem, KubeSettings, api_client, describe, kube_client
from cockpit.model import events as ev

Emit = Callable[[ev.Event], None]


def _micro(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
    except ValueError:
        return None


class WindowLock:
    name = "lock"

    def __init__(
        self,
        settings: KubeSettings,
        identity: str,
        emit: Emit,
        clock: Callable[[], datetime] | None = None,
        duration: int = 30,
        renew_every: float = 10.0,
        timeout: float = 10.0,
    ) -> None:
        self.settings = settings
        self.identity = identity
        self.emit = emit
        self.clock = clock or (lambda: datetime.now(UTC))
        self.duration = duration
        self.renew_every = renew_every
        self.timeout = timeout  # each request's (tests shrink it rather than wait)
        self.lease_name = settings.lease or "cockpit-window"
        self._stop = threading.Event()
        self._write = threading.Lock()  # one writer at a time: renewals vs. take-over
        self._held = False
        self._until: datetime | None = None  # when this cockpit's last claim lapses
        self._client = None

    def loops(self) -> list[Callable[[], None]]:
        return [self.run]

    def stop(self) -> None:
        """Returns at once (called from the UI); the loop's thread gives the lease back."""
        self._stop.set()

    # --- API -------------------------------------------------------------------------------

    def _api(self):
        if self._client is None:
            self._client = kube_client().CoordinationV1Api(api_client(self.settings))
        return self._client

    def _read(self) -> dict[str, Any] | None:
        from kubernetes.client.exceptions import ApiException

        try:
            response = self._api().read_namespaced_lease(
                self.lease_name,
                self.settings.namespace,
                _preload_content=False,
                _request_timeout=self.timeout,
            )
        except ApiException as error:
            if error.status == 404:
                return None
            raise
        return json.loads(response.data)

    def _body(self, holder: str, lease: dict[str, Any] | None, acquired: bool) -> dict[str, Any]:
        now = _micro(self.clock())
        spec = dict((lease or {}).get("spec") or {})
        spec.update(holderIdentity=holder, leaseDurationSeconds=self.duration, renewTime=now)
        if acquired:
            spec["acquireTime"] = now
            spec["leaseTransitions"] = int(spec.get("leaseTransitions") or 0) + (1 if lease else 0)
        metadata: dict[str, Any] = {"name": self.lease_name, "namespace": self.settings.namespace}
        if lease is not None:
            metadata["resourceVersion"] = lease["metadata"]["resourceVersion"]
        return {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": metadata,
            "spec": spec,
        }

    def _put(self, holder: str, lease: dict[str, Any] | None, acquired: bool) -> None:
        """Create or replace; a 409 (someone else wrote) propagates as ApiException."""
        body = self._body(holder, lease, acquired)
        if lease is None:
            self._api().create_namespaced_lease(
                self.settings.namespace, body, _request_timeout=self.timeout
            )
        else:
            self._api().replace_namespaced_lease(
                self.lease_name, self.settings.namespace, body, _request_timeout=self.timeout
            )
        if holder == self.identity:  # claimed until the lease says it lapses
            renewed = _parse(body["spec"]["renewTime"])
            self._until = renewed + timedelta(seconds=self.duration) if renewed else None

    # --- the loop ----------------------------------------------------------------------------

    def _status(self, state: str, holder: str, detail: str = "") -> None:
        mine = state == "held" and self._until is not None
        until = self._until.isoformat() if mine else ""
        at = self.clock().isoformat()
        self.emit(ev.LockStatus(state=state, holder=holder, detail=detail, at=at, until=until))

    def tick(self) -> None:
        """Read the lease and do what a holder, a newcomer or an observer does."""
        from kubernetes.client.exceptions import ApiException

        with self._write:
            lease = self._read()
            spec = (lease or {}).get("spec") or {}
            holder = spec.get("holderIdentity") or ""
            renewed = _parse(spec.get("renewTime") or spec.get("acquireTime") or "")
            duration = int(spec.get("leaseDurationSeconds") or self.duration)
            expired = renewed is None or renewed + timedelta(seconds=duration) < self.clock()
            try:
                if holder == self.identity or not holder:
                    self._put(self.identity, lease, acquired=holder != self.identity)
                    self._held = True
                    self._status("held", self.identity)
                    return
            except ApiException as error:
                if error.status != 409:
                    raise
                self._held = False
                self._status("contended", holder, "409: someone else wrote the lease first")
                return
            self._held = False
            if expired:
                since = renewed.isoformat() if renewed else "never"
                self._status("stale", holder, f"{holder} stopped renewing (last {since})")
            else:
                self._status("observer", holder)

    def run(self) -> None:
        try:
            self._run()
        finally:
            if self._held:
                self._release()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.renew()
            self._stop.wait(self.renew_every)

    def renew(self) -> None:
        """One turn of the loop: `tick`, or report why it failed."""
        try:
            self.tick()
        except Exception as error:  # reported; the loop goes on
            problem = (
                error
                if isinstance(error, ApiProblem)
                else describe(error, "update", "leases", self.settings.namespace)
            )
            self._held = False
            self._status("error", "", problem.detail)

    def holds(self) -> bool:
        """Whether this cockpit may act as the window's holder now: it wrote the lease
        last, and that claim has not lapsed (a loop stalled past the lease — Ctrl+Z, a
        frozen VM — may have lost it to a take-over without knowing; client-go's leader
        stops leading then too)."""
        return self._held and self._until is not None and self.clock() < self._until

    def take_over(self) -> str:
        """Take a stale lease (the operator confirmed it). Returns what happened."""
        from kubernetes.client.exceptions import ApiException

        with self._write:
            lease = self._read()
            previous = ((lease or {}).get("spec") or {}).get("holderIdentity") or ""
            try:
                self._put(self.identity, lease, acquired=True)
            except ApiException as error:
                if error.status == 409:
                    self._status(
                        "contended", previous, "409: the lease changed while taking it over"
                    )
                    return "not taken: the lease changed in the meantime"
                raise
            self._held = True
            self._status("held", self.identity, f"taken over from {previous or 'nobody'}")
            return f"taken over from {previous or 'nobody'}"

    def _release(self) -> None:
        """Give the window back on the way out (holder cleared, as client-go does)."""
        try:
            with self._write:
                lease = self._read()
                holder = ((lease or {}).get("spec") or {}).get("holderIdentity")
                if lease is not None and holder == self.identity:
                    self._put("", lease, acquired=False)
        except Exception:  # leaving anyway; the lease will expire
            pass
        self._held = False
