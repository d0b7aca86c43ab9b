"""Helm release history, read natively, and `helm rollback` run as a cancellable child process.

History is read from Helm 3's own storage (Secrets labelled `owner=helm,name=<release>`,
type `helm.sh/release.v1`) so the cockpit can show it and pick a rollback target without
a helm binary on the bastion. The rollback itself is left to helm: it renders hooks, waits and
records the new revision, none of which the cockpit should imitate. The argument list names
the target revision explicitly, so what the operator confirmed is what runs.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import gzip
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import threading
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import IO, TYPE_CHECKING, Any

from cockpit.clients.kube import KubeSettings, api_client, describe, kube_client

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

#: Helm's driver checks these three bytes (gzip magic + deflate); anything else is plain JSON
GZIP_MAGIC = b"\x1f\x8b\x08"
#: statuses of a revision that ran to completion, the ones a default rollback may go back to
ROLLBACK_STATUSES = frozenset({"deployed", "superseded"})
STDERR_TAIL = 20
#: Helm's release name rule (chartutil.ValidateReleaseName) and Kubernetes' DNS-1123 label
RELEASE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
NAMESPACE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


@dataclass(frozen=True)
class Revision:
    """One row of `helm history`; `error` is set when the Secret could not be decoded.

    An unreadable revision keeps what the Secret's labels tell (number, status, time) so
    the history still shows it in its place instead of silently missing a row.
    """

    release: str
    namespace: str
    revision: int
    status: str
    chart: str
    chart_version: str
    app_version: str
    updated: datetime | None  # info.last_deployed; from the labels when unreadable
    description: str
    secret: str
    error: str | None = None

    @property
    def readable(self) -> bool:
        return self.error is None


class ReleaseDecodeError(ValueError):
    """A release Secret whose payload is not a Helm release; names the Secret."""

    def __init__(self, secret: str, reason: str) -> None:
        super().__init__(f"Helm release secret {secret}: {reason}")
        self.secret, self.reason = secret, reason


class RollbackError(ValueError):
    """No revision to roll back to, said with what the history holds."""


@dataclass(frozen=True)
class RollbackResult:
    exit_code: int  # negative: killed by that signal
    stderr_tail: str  # the last STDERR_TAIL lines, where helm says why it failed
    cancelled: bool


def _check_names(release: str, namespace: str) -> None:
    if not RELEASE_NAME.match(release) or len(release) > 53:
        raise ValueError(f"not a Helm release name: {release!r}")
    if not NAMESPACE_NAME.match(namespace) or len(namespace) > 63:
        raise ValueError(f"not a namespace name: {namespace!r}")


# --- reading the history ---------------------------------------------------------------------


def _release_payload(name: str, data: Any) -> bytes:
    """Secret data (base64) → Helm's encoded release (base64) → gzip or plain JSON bytes."""
    encoded = (data or {}).get("release") if isinstance(data, dict) else None
    if not isinstance(encoded, str) or not encoded:
        raise ReleaseDecodeError(name, "no data.release")
    try:
        inner = base64.b64decode(encoded, validate=True)
    except binascii.Error as error:
        raise ReleaseDecodeError(name, f"data.release is not base64 ({error})") from None
    try:
        payload = base64.b64decode(inner, validate=True)
    except binascii.Error as error:
        raise ReleaseDecodeError(name, f"release is not Helm's base64 ({error})") from None
    if not payload.startswith(GZIP_MAGIC):
        return payload  # stored before Helm compressed releases
    try:
        return gzip.decompress(payload)
    except (OSError, EOFError, zlib.error) as error:
        raise ReleaseDecodeError(name, f"release gzip is corrupt ({error})") from None


def _timestamp(name: str, text: Any) -> datetime:
    """Go's RFC 3339 (nanoseconds are cut to micro by fromisoformat)."""
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        raise ReleaseDecodeError(name, f"info.last_deployed is not a time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def decode_release_secret(secret: dict[str, Any]) -> Revision:
    """A Revision from a release Secret as the API returns it (raw JSON)."""
    metadata = secret.get("metadata") or {}
    name = metadata.get("name") or "<unnamed secret>"
    payload = _release_payload(name, secret.get("data"))
    try:
        release = json.loads(payload)
    except ValueError as error:
        raise ReleaseDecodeError(name, f"release is not JSON ({error})") from None
    if not isinstance(release, dict):
        raise ReleaseDecodeError(name, "release is not a JSON object")
    version = release.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ReleaseDecodeError(name, f"release has no revision number: {version!r}")
    info = release.get("info") or {}
    chart = (release.get("chart") or {}).get("metadata") or {}
    return Revision(
        release=str(release.get("name") or ""),
        namespace=str(release.get("namespace") or metadata.get("namespace") or ""),
        revision=version,
        status=str(info.get("status") or "unknown"),
        chart=str(chart.get("name") or ""),
        chart_version=str(chart.get("version") or ""),
        app_version=str(chart.get("appVersion") or ""),
        updated=_timestamp(name, info.get("last_deployed")),
        description=str(info.get("description") or ""),
        secret=name,
    )


def _unreadable(secret: dict[str, Any], error: ReleaseDecodeError) -> Revision:
    """What the storage driver's labels tell about a Secret whose payload is lost."""
    metadata = secret.get("metadata") or {}
    labels = metadata.get("labels") or {}
    version = str(labels.get("version", ""))
    stamp = str(labels.get("modifiedAt") or labels.get("createdAt") or "")
    return Revision(
        release=str(labels.get("name") or ""),
        namespace=str(metadata.get("namespace") or ""),
        revision=int(version) if version.isdigit() else 0,
        status=str(labels.get("status") or "unknown"),
        chart="",
        chart_version="",
        app_version="",
        updated=datetime.fromtimestamp(int(stamp), UTC) if stamp.isdigit() else None,
        description="",
        secret=error.secret,
        error=str(error),
    )


def history(api: ApiClient | KubeSettings, release: str, namespace: str) -> list[Revision]:
    """The release's revisions, newest first; unreadable ones included with `error` set.

    `api` is a kubernetes ApiClient, or KubeSettings to build (and close) one the way the
    kube source does. API failures raise sources.kube.ApiProblem (401, 403 on list secrets…).
    """
    client = kube_client()
    _check_names(release, namespace)  # the release goes into a label selector
    owned = isinstance(api, KubeSettings)
    connection = api_client(api) if owned else api
    try:
        response = client.CoreV1Api(connection).list_namespaced_secret(
            namespace,
            label_selector=f"owner=helm,name={release}",
            _preload_content=False,
            _request_timeout=(5, 30),
        )
        body = json.loads(response.data)
    except Exception as error:  # said as ApiProblem, the way the cockpit reports the API
        raise describe(error, "list", "secrets", namespace) from error
    finally:
        if owned:
            connection.close()
    return sorted(_revisions(body.get("items") or []), key=lambda r: (-r.revision, r.secret))


def _revisions(secrets: Iterable[dict[str, Any]]) -> Iterable[Revision]:
    for secret in secrets:
        try:
            yield decode_release_secret(secret)
        except ReleaseDecodeError as error:
            yield _unreadable(secret, error)


def rollback_target(history: Sequence[Revision], revision: int | None = None) -> Revision:
    """The revision to roll back to: the one asked for, or the newest earlier good one.

    Bare `helm rollback` goes to current−1 whatever its status; the cockpit skips failed,
    pending and unreadable revisions instead, and passes the number explicitly.
    """
    if not history:
        raise RollbackError("no Helm release revisions found")
    current = max(r.revision for r in history)
    release = next((r.release for r in history if r.release), "the release")
    if revision is not None:
        chosen = next((r for r in history if r.revision == revision), None)
        if chosen is None:
            known = ", ".join(str(r.revision) for r in history)
            raise RollbackError(f"{release} has no revision {revision} (revisions: {known})")
        if chosen.error:
            raise RollbackError(f"revision {revision} cannot be read: {chosen.error}")
        if revision == current:
            raise RollbackError(f"revision {revision} is the current revision of {release}")
        return chosen
    earlier = sorted((r for r in history if r.revision < current), key=lambda r: -r.revision)
    for candidate in earlier:
        if candidate.readable and candidate.status in ROLLBACK_STATUSES:
            return candidate
    skipped = ", ".join(f"{r.revision} {'unreadable' if r.error else r.status}" for r in earlier)
    raise RollbackError(
        f"{release} has no earlier deployed or superseded revision to roll back to "
        f"(current {current}; earlier: {skipped or 'none'})"
    )


# --- running helm ----------------------------------------------------------------------------


def helm_binary() -> str | None:
    """helm on PATH, or None: the caller then says the rollback needs helm installed."""
    return shutil.which("helm")


def rollback_argv(
    release: str,
    namespace: str,
    revision: int,
    kube_context: str | None = None,
    kubeconfig: str | None = None,
    timeout: timedelta = timedelta(minutes=5),
    *,
    helm: str = "helm",
) -> list[str]:
    """`helm rollback` as an argument list; names are checked so none can pass as a flag."""
    _check_names(release, namespace)
    if isinstance(revision, bool) or not isinstance(revision, int) or revision < 1:
        raise ValueError(f"not a revision number: {revision!r}")
    seconds = int(timeout.total_seconds())
    if seconds < 1:
        raise ValueError(f"timeout must be at least a second: {timeout}")
    argv = [helm, "rollback", release, str(revision), "-n", namespace, "--wait"]
    argv += ["--timeout", f"{seconds}s"]
    if kube_context:
        argv += ["--kube-context", kube_context]
    if kubeconfig and os.pathsep not in kubeconfig:  # helm's flag takes one file; a list
        argv += ["--kubeconfig", kubeconfig]  # came from KUBECONFIG, which helm inherits
    return argv


def _pump(stream: IO[str], name: str, lines: queue.Queue[tuple[str, str | None]]) -> None:
    """Read one pipe to its end: both pipes are drained, so helm never blocks on a full one."""
    with stream:
        for line in stream:
            lines.put((name, line.rstrip("\r\n")))
    lines.put((name, None))


def _signal_group(process: subprocess.Popen[str], signum: int) -> None:
    """The child's process group (its own session), so what it spawned goes with it."""
    if process.poll() is None:  # not reaped: the pid, and so the group, is still ours
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signum)


def _stop(process: subprocess.Popen[str], grace: float) -> None:
    _signal_group(process, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        _signal_group(process, signal.SIGKILL)


def run_rollback(
    argv: Sequence[str],
    cancel: threading.Event,
    output: Callable[[str], None],
    *,
    grace: float = 5.0,
) -> RollbackResult:
    """Run `argv` (no shell), calling `output` per line of stdout and stderr as they come.

    `output` is called on the calling thread. Setting `cancel` sends SIGTERM, then SIGKILL
    after `grace` seconds. OSError (helm missing, not executable) is raised as is.
    """
    lines: queue.Queue[tuple[str, str | None]] = queue.Queue()
    tail: deque[str] = deque(maxlen=STDERR_TAIL)
    process = subprocess.Popen(
        list(argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    for name, stream in (("stdout", process.stdout), ("stderr", process.stderr)):
        threading.Thread(
            target=_pump, args=(stream, name, lines), name=f"helm-{name}", daemon=True
        ).start()
    cancelled = False
    open_pipes = 2
    while open_pipes:
        if cancel.is_set() and not cancelled:
            cancelled = True
            _stop(process, grace)
        try:
            name, line = lines.get(timeout=0.1)
        except queue.Empty:
            continue
        if line is None:
            open_pipes -= 1
            continue
        if name == "stderr":
            tail.append(line)
        output(line)
    return RollbackResult(process.wait(), "\n".join(tail), cancelled)
