"""HTTP probes on httpx: the checklists' `http` checks, asked every `interval` seconds.

Each check is a request with its own timeout and TLS verification on; the answer is
judged against the check's expectation and, where asked, its body: `prometheus` must
parse as the exposition format, `sse` must deliver an event before the timeout. Results
are `CheckResult` events on their items, with what was seen ("200 in 12 ms", "timeout
after 5 s", "TLS: certificate verify failed").
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from cockpit.clients.imports import preload
from cockpit.model.checklist import HttpCheck
from cockpit.model.placeholders import fill, missing
from cockpit.sources.base import CheckingSource, Emit

SOURCE = "probes"


@dataclass(frozen=True)
class Probe:
    checklist: str
    item: str
    check: HttpCheck


@dataclass(frozen=True)
class ProbeSettings:
    probes: tuple[Probe, ...]
    values: Mapping[str, str] = field(default_factory=dict)
    interval: float = 10.0
    verify_tls: bool = True


def _exposition_ok(text: str) -> str | None:
    """None when the body parses as Prometheus exposition format, else why not."""
    from prometheus_client.parser import text_string_to_metric_families

    try:
        families = list(text_string_to_metric_families(text))
    except (ValueError, TypeError, IndexError) as error:
        return f"not Prometheus format: {error}"
    return None if families else "no metrics in the body"


def probe(client, check: HttpCheck, url: str) -> tuple[str, str]:
    """(pass | fail, what was seen) for one request."""
    import httpx

    timeout = check.timeout.total_seconds()
    started = time.monotonic()
    try:
        if check.body == "sse":
            with client.stream(check.method, url, timeout=timeout) as response:
                if response.status_code != 200:
                    return "fail", f"{response.status_code} {response.reason_phrase}"
                deadline = started + timeout
                for line in response.iter_lines():
                    if line.startswith(("data:", "event:")):
                        return (
                            "pass",
                            f"SSE event after {(time.monotonic() - started) * 1000:.0f} ms",
                        )
                    if time.monotonic() > deadline:
                        break
                return "fail", f"no SSE event within {timeout:g} s"
        response = client.request(check.method, url, timeout=timeout)
    except httpx.TimeoutException:
        return "fail", f"timeout after {timeout:g} s"
    except httpx.ConnectError as error:
        text = str(error)
        if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
            return "fail", "TLS: certificate verify failed"
        return "fail", f"cannot connect: {text[:120]}"
    except httpx.HTTPError as error:
        return "fail", f"{type(error).__name__}: {str(error)[:120]}"
    elapsed = (time.monotonic() - started) * 1000
    seen = f"{response.status_code} in {elapsed:.0f} ms"
    if not check.expect.holds(response.status_code):
        return "fail", f"{response.status_code} {response.reason_phrase} (expected {check.expect})"
    if check.body == "prometheus":
        problem = _exposition_ok(response.text)
        if problem:
            return "fail", problem
    return "pass", seen


class ProbeSource(CheckingSource):
    name = SOURCE

    def __init__(self, settings: ProbeSettings, emit: Emit, clock=None) -> None:
        super().__init__(emit, clock)
        self.settings = settings

    def round(self, client) -> None:
        for p in self.settings.probes:
            if missing(p.check.url, self.settings.values):
                status, detail = "unknown", f"no value for the placeholder in {p.check.url}"
            else:
                status, detail = probe(client, p.check, fill(p.check.url, self.settings.values))
            self.result(p.checklist, p.item, status, detail)
        self.status("ok")

    def run(self) -> None:
        preload("httpx", "httpcore", "prometheus_client.parser")
        import httpx

        with httpx.Client(verify=self.settings.verify_tls, follow_redirects=False) as client:
            while not self._stop.is_set():
                self.round(client)
                self._stop.wait(self.settings.interval)
