"""The cluster, watched: one list + watch per kind, emitting events, never touching widgets.

Each kind (pods, services, EndpointSlices, Deployments, Leases) runs one loop: list, then
watch from the list's resourceVersion with bookmarks; a 410 Gone re-lists; a dropped
connection resumes from the last resourceVersion seen; errors back off (`backoff.RETRY`,
from the start again after a watch that ran) and are reported as what they are — 401,
403 with the refused verb and resource, 404, unreachable — with the time of the last
good data kept by the reducer.

The official client does authentication, TLS and kubeconfig/in-cluster configuration;
responses are read as plain JSON (`_preload_content=False`): the client's model
deserialisation is the slow part at thousands of pods, and the cockpit keeps only a few
fields anyway.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cockpit.clients.kube import ApiProblem, KubeSettings, api_client, describe, kube_client
from cockpit.model import events as ev
from cockpit.sources.backoff import RETRY, Backoff
from cockpit.sources.kube_objects import SLIM

Emit = Callable[[ev.Event], None]
SOURCE = "kubernetes"
WATCH_SECONDS = 290  # below the API server's default request timeout, like client-go
FRESH_EVERY = 10.0


@dataclass(frozen=True)
class Timing:
    """How long the source waits for the API server and backs off after a failure (tests
    shrink them rather than sleep through them)."""

    retry: Backoff = RETRY
    connect: float = 5.0
    read: float = 30.0  # a list's answer
    watch_read: float = WATCH_SECONDS + 30  # a watch's next line (quiet watches are long)


class _Gone(Exception):
    """The watch's resourceVersion is too old: list again."""


class KubeSource:
    """`loops()` are run in threads (Textual thread workers in the app); `stop()` ends them."""

    KINDS = ("pods", "services", "endpointslices", "deployments", "leases")
    name = SOURCE

    def __init__(
        self,
        settings: KubeSettings,
        emit: Emit,
        clock: Callable[[], datetime] | None = None,
        timing: Timing = Timing(),
    ):
        self.settings = settings
        self.emit = emit
        self.clock = clock or (lambda: datetime.now(UTC))
        self.timing = timing
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._responses: set[Any] = set()
        # every kind is "connecting" until its first list: "ok" means all of them arrived
        self._problems: dict[str, ApiProblem] = {
            kind: ApiProblem("connecting", f"listing {kind}") for kind in self.KINDS
        }
        self._reported: tuple[str, str] | None = None
        self._reported_at: datetime | None = None
        self._client = None

    # --- lifecycle ---------------------------------------------------------------------------

    def loops(self) -> list[Callable[[], None]]:
        return [lambda kind=kind: self.run(kind) for kind in self.KINDS]

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            responses = list(self._responses)
        for response in responses:  # unblock reads parked in a watch
            # each on its own: a dying connection may fail either way, and urllib3 before
            # 2.3 has no shutdown() (a close alone would wait for the parked read)
            with contextlib.suppress(Exception):
                response.shutdown()
            with contextlib.suppress(Exception):
                response.close()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def now(self) -> str:
        return self.clock().isoformat()

    def _api(self):
        with self._lock:
            if self._client is None:
                self._client = api_client(self.settings)
            return self._client

    # --- one kind --------------------------------------------------------------------------

    def request(self, kind: str):
        """The list function and selectors for one kind (a subclass watches others)."""
        client = kube_client()
        api = self._api()
        s = self.settings
        app = f"app={s.app}"
        if kind == "pods":
            return client.CoreV1Api(api).list_namespaced_pod, {"label_selector": app}
        if kind == "services":
            return client.CoreV1Api(api).list_namespaced_service, {
                "field_selector": f"metadata.name={s.service}"
            }
        if kind == "endpointslices":
            selector = f"kubernetes.io/service-name={s.service}"
            return client.DiscoveryV1Api(api).list_namespaced_endpoint_slice, {
                "label_selector": selector
            }
        if kind == "deployments":
            return client.AppsV1Api(api).list_namespaced_deployment, {"label_selector": app}
        name = s.lease or "cockpit-window"
        return client.CoordinationV1Api(api).list_namespaced_lease, {
            "field_selector": f"metadata.name={name}"
        }

    def run(self, kind: str) -> None:
        waits = self.timing.retry.delays()
        resource_version: str | None = None
        while not self.stopped:
            verb = "list" if resource_version is None else "watch"
            try:
                if resource_version is None:
                    resource_version = self._list(kind)
                started = time.monotonic()
                resource_version = self._watch(kind, resource_version)
                waits = self.timing.retry.delays()  # it worked: the next failure waits least
                if not self.stopped and time.monotonic() - started < WATCH_SECONDS - 5:
                    # the server (or a proxy) cut the watch: until the next one delivers,
                    # what is shown may be old — say so rather than look live
                    detail = f"watch {kind} ended early; reconnecting"
                    self._problem(kind, ApiProblem("reconnecting", detail))
            except _Gone:
                resource_version = None  # re-list: the watch window has moved on
                # what was listed missed changes: not live again until the new list
                detail = f"watch {kind}: 410 Gone, its version expired; listing again"
                self._problem(kind, ApiProblem("relisting", detail))
            except Exception as error:  # every failure is reported, none ends the loop
                if self.stopped:
                    return
                self._problem(kind, describe(error, verb, kind, self.settings.namespace))
                self._stop.wait(next(waits))

    def _list(self, kind: str) -> str:
        func, selectors = self.request(kind)
        response = func(
            self.settings.namespace,
            _preload_content=False,
            _request_timeout=(self.timing.connect, self.timing.read),
            **selectors,
        )
        body = json.loads(response.data)
        self.observed(kind, "LIST", body.get("items") or [])
        self._ok(kind)
        return body.get("metadata", {}).get("resourceVersion", "")

    def _watch(self, kind: str, resource_version: str) -> str:
        from kubernetes.watch.watch import iter_resp_lines

        func, selectors = self.request(kind)
        response = func(
            self.settings.namespace,
            watch=True,
            resource_version=resource_version,
            allow_watch_bookmarks=True,
            timeout_seconds=WATCH_SECONDS,
            _preload_content=False,
            _request_timeout=(self.timing.connect, self.timing.watch_read),
            **selectors,
        )
        with self._lock:
            self._responses.add(response)
        try:
            if self.stopped:  # stopped while the request was in flight, out of its reach
                return resource_version
            # the server accepted a watch from where the data stands: nothing it shows is
            # missing a change from now on (a quiet watch may say nothing for a minute)
            self._ok(kind)
            for line in iter_resp_lines(response):
                if self.stopped:
                    break
                event = json.loads(line)
                kind_of, obj = event.get("type"), event.get("object") or {}
                if kind_of == "ERROR":
                    if obj.get("code") == 410:
                        raise _Gone
                    raise ApiProblem(
                        "error", f"{obj.get('code')} watch {kind}: {obj.get('message')}"
                    )
                resource_version = (obj.get("metadata") or {}).get(
                    "resourceVersion"
                ) or resource_version
                if kind_of == "BOOKMARK":
                    self._ok(kind)
                    continue
                self.observed(kind, kind_of, [obj])
                self._ok(kind)
        finally:
            with self._lock:
                self._responses.discard(response)
            response.release_conn()
        return resource_version

    def observed(self, kind: str, change: str, objects: list[dict[str, Any]]) -> None:
        """A list (change LIST) or one watch change, as events: only the facts shown."""
        items = tuple(SLIM[kind](obj) for obj in objects)
        self.emit(ev.KubeObserved(resource=kind, change=change, items=items, at=self.now()))

    # --- health ------------------------------------------------------------------------------

    def _ok(self, kind: str) -> None:
        with self._lock:
            self._problems.pop(kind, None)
        self._report()

    def _problem(self, kind: str, problem: ApiProblem) -> None:
        with self._lock:
            self._problems[kind] = problem
        self._report()

    def _report(self) -> None:
        """One status for the source: ok, or the first problem of any kind.

        A change is reported at once; an unchanged "ok" at most every `FRESH_EVERY`
        seconds, so the time of the last good data stays true without an event per pod.
        """
        with self._lock:
            problem = next(iter(self._problems.values()), None)
            state = (problem.state, problem.detail) if problem else ("ok", "")
            now = self.clock()
            recent = self._reported_at and (now - self._reported_at).total_seconds() < FRESH_EVERY
            if state == self._reported and (state[0] != "ok" or recent):
                return
            self._reported, self._reported_at = state, now
        self.emit(
            ev.SourceStatus(source=self.name, state=state[0], detail=state[1], at=now.isoformat())
        )
