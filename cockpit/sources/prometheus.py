"""Prometheus, polled on prometheus-api-client: instant queries, and a 30-minute backfill.

On start each query is asked over the last 30 minutes (`custom_query_range`) so the
sparklines have a past; then every `interval` seconds as an instant query
(`custom_query`) with a per-query timeout. Answers become `MetricObserved` events as
Prometheus gave them (NaN stays NaN, an empty vector stays empty); failures become the
source's status, and the last answer keeps its own time, so old data shows as old.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cockpit.clients.imports import preload
from cockpit.model import events as ev
from cockpit.model.placeholders import fill

Emit = Callable[[ev.Event], None]
SOURCE = "prometheus"
BACKFILL = timedelta(minutes=30)


@dataclass(frozen=True)
class PrometheusSettings:
    url: str
    queries: Mapping[str, str]  # name → PromQL, ${placeholders} filled from `values`
    values: Mapping[str, str] = field(default_factory=dict)
    interval: float = 5.0
    timeout: float = 5.0
    token: str | None = None
    basic_auth: tuple[str, str] | None = None
    verify_tls: bool = True
    backfill_step: str = "30s"


def _samples(result: list[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    out = []
    for series in result:
        labels = dict(series.get("metric") or {})
        labels.pop("__name__", None)
        points = series.get("values") or ([series["value"]] if "value" in series else [])
        out += [{"labels": labels, "t": float(t), "value": str(v)} for t, v in points]
    return tuple(out)


class PrometheusSource:
    name = SOURCE

    def __init__(self, settings: PrometheusSettings, emit: Emit, clock=None) -> None:
        self.settings = settings
        self.emit = emit
        self.clock = clock or (lambda: datetime.now(UTC))
        self._stop = threading.Event()
        self._reported: tuple[str, str] | None = None

    def loops(self) -> list[Callable[[], None]]:
        return [self.run]

    def stop(self) -> None:
        self._stop.set()

    def _client(self):
        # scipy.stats too: the window compares green with blue on these answers, and its
        # second-long first import belongs on this thread, before the first answer, not
        # on the UI's at the first comparison
        preload("prometheus_api_client.prometheus_connect", "urllib3.util.retry", "scipy.stats")
        from prometheus_api_client import PrometheusConnect
        from urllib3.util.retry import Retry

        headers = (
            {"Authorization": f"Bearer {self.settings.token}"} if self.settings.token else None
        )
        return PrometheusConnect(
            url=self.settings.url,
            headers=headers,
            auth=self.settings.basic_auth,
            disable_ssl=not self.settings.verify_tls,
            timeout=self.settings.timeout,
            retry=Retry(total=0),  # the poll itself is the retry: a dead server is said at once
        )

    def _report(self, state: str, detail: str = "") -> None:
        if (state, detail) != self._reported or state == "ok":
            self._reported = (state, detail)
            self.emit(
                ev.SourceStatus(
                    source=SOURCE, state=state, detail=detail, at=self.clock().isoformat()
                )
            )

    def _ask(self, prom, name: str, query: str, backfill: bool) -> None:
        at = self.clock()
        timeout = {"timeout": f"{round(self.settings.timeout * 1000)}ms"}  # Prometheus: no 0.5s
        if backfill:
            result = prom.custom_query_range(
                query,
                start_time=at - BACKFILL,
                end_time=at,
                step=self.settings.backfill_step,
                params=timeout,
            )
        else:
            result = prom.custom_query(query, params=timeout)
        self.emit(
            ev.MetricObserved(
                metric=name, samples=_samples(result), instant=not backfill, at=at.isoformat()
            )
        )

    def poll(self, prom, backfill: bool = False) -> None:
        """Every query once; the first failure names the query and the reason, and is said
        at once: the window holds from then, not after the other queries' timeouts. A
        round slower than the poll interval is "slow": the data on screen is older than
        it looks."""
        problem = None
        started = time.monotonic()
        for name, query in self.settings.queries.items():
            try:
                self._ask(prom, name, fill(query, self.settings.values), backfill)
            except Exception as error:  # each query on its own; none stops the others
                if problem is None:
                    problem = describe(error, name, self.settings.timeout)
                    self._report(*problem)
        took = time.monotonic() - started
        if problem is None and took > self.settings.interval:
            every = f"{self.settings.interval:g} s"
            problem = (
                "slow",
                f"{len(self.settings.queries)} queries took {took:.1f} s (every {every})",
            )
        self._report(*(problem or ("ok", "")))

    def run(self) -> None:
        prom = self._client()
        backfilled = False
        while not self._stop.is_set():
            if not backfilled:
                self.poll(prom, backfill=True)
                backfilled = self._reported is not None and self._reported[0] == "ok"
            self.poll(prom)
            self._stop.wait(self.settings.interval)


def describe(error: Exception, name: str, timeout: float) -> tuple[str, str]:
    from prometheus_api_client.exceptions import PrometheusApiClientException

    text = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
    if isinstance(error, PrometheusApiClientException):
        return "error", f"query {name}: {text}"
    if _read_timeout(error):  # it took the request, but did not answer in time
        return "slow", f"query {name}: no answer within {timeout:g} s"
    return "unreachable", f"{type(error).__name__}: {text}"


def _read_timeout(error: Exception) -> bool:
    """requests says a read timeout as ReadTimeout, or (with retries off) as a
    ConnectionError around urllib3's MaxRetryError(ReadTimeoutError)."""
    from requests.exceptions import ReadTimeout
    from urllib3.exceptions import MaxRetryError, ReadTimeoutError

    if isinstance(error, ReadTimeout):
        return True
    cause = error.args[0] if error.args else None
    return isinstance(cause, MaxRetryError) and isinstance(cause.reason, ReadTimeoutError)
