"""Every kind of source and when a session has it: one line each in SOURCES.

Each entry gives the factories of its source for a session (none when the session does not
configure it), importing its client only then: a cockpit without a cluster never imports
the Kubernetes client. A new source is a module in `sources/` plus a line here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from cockpit.model.session import Session
from cockpit.sources.base import SourceFactory


def _kubernetes(session: Session) -> list[SourceFactory]:
    """The watch, the window lock and the four-eyes approvals, on one cluster."""
    from cockpit.clients.kube import kube_settings

    settings = kube_settings(session)
    if settings is None:
        return []
    from cockpit.sources.approvals import ApprovalWatch
    from cockpit.sources.kube import KubeSource
    from cockpit.sources.lock import WindowLock

    return [
        lambda emit: KubeSource(settings, emit),
        lambda emit: WindowLock(settings, session.holder, emit),
        lambda emit: ApprovalWatch(settings, emit),  # four-eyes, any cockpit
    ]


def _basic_auth(environ: Mapping[str, str]) -> tuple[str, str] | None:
    """Prometheus behind basic auth: credentials from the environment, never the config."""
    user = environ.get("COCKPIT_PROMETHEUS_USER")
    return (user, environ.get("COCKPIT_PROMETHEUS_PASSWORD", "")) if user else None


def _prometheus(session: Session) -> list[SourceFactory]:
    if session.prometheus is None:
        return []
    from cockpit.sources.prometheus import PrometheusSettings, PrometheusSource

    queries: dict[str, str] = {}
    for workspace in filter(None, (session.compact, session.workspace)):
        queries |= workspace.layout.queries
        for pane in workspace.layout.panes():  # PromQL written on the pane itself
            if pane.kind == "metric" and pane.query and pane.query not in queries:
                queries[pane.query] = pane.query
    settings = PrometheusSettings(
        url=session.prometheus.url,
        queries=queries,
        values=session.values,
        timeout=session.prometheus.timeout.total_seconds(),
        verify_tls=session.prometheus.verify_tls,
        token=os.environ.get("COCKPIT_PROMETHEUS_TOKEN"),
        basic_auth=_basic_auth(os.environ),
    )
    return [lambda emit: PrometheusSource(settings, emit)]


def _probes(session: Session) -> list[SourceFactory]:
    """The runbooks' HTTP checks, once the session knows the service's base URL."""
    if not session.values.get("base_url"):
        return []
    from cockpit.model.checklist import HttpCheck
    from cockpit.sources.probes import Probe, ProbeSettings, ProbeSource

    probes = tuple(
        Probe(name, item.id, item.check)
        for name, runbook in session.workspace.runbooks.items()
        for item in runbook.walk_items()
        if isinstance(item.check, HttpCheck)
    )
    settings = ProbeSettings(probes=probes, values=session.values)
    return [lambda emit: ProbeSource(settings, emit)]


def _postgres(session: Session) -> list[SourceFactory]:
    if not session.postgres_configured:
        return []
    from cockpit.sources.postgres import PostgresSettings, PostgresSource

    backup_dir = session.postgres.backup_dir
    settings = PostgresSettings.from_runbooks(
        session.workspace.runbooks,
        session.postgres.dsn or "",
        session.values,
        backup_dir=Path(backup_dir) if backup_dir else None,
    )
    return [lambda emit: PostgresSource(settings, emit)]


SOURCES: dict[str, Callable[[Session], list[SourceFactory]]] = {
    "kubernetes": _kubernetes,
    "prometheus": _prometheus,
    "probes": _probes,
    "postgres": _postgres,
}


def source_factories(session: Session) -> list[SourceFactory]:
    """A factory per configured source; the engine's host starts them with its `emit`."""
    return [factory for configured in SOURCES.values() for factory in configured(session)]
