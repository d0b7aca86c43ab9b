"""A cockpit run, resolved: the layout with its checklists, the cluster, the operator.

Pure values, made once before the UI starts (`cockpit.runtime.session.open_session` does
the file I/O) and read by every layer above: the journal's `session.start`, the checks,
the actions.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, tzinfo
from pathlib import Path

from cockpit.model.checklist import Runbook
from cockpit.model.config import ActionsConfig, ApprovalConfig, PostgresConfig, PrometheusConfig
from cockpit.model.layout import Layout


@dataclass(frozen=True)
class Workspace:
    layout: Layout
    layout_path: Path
    runbooks: dict[str, Runbook]
    #: the layout's `compact` twin, found like its checklists (None: it has none)
    compact_path: Path | None = None


@dataclass(frozen=True)
class KubeTarget:
    """The cluster, resolved once before the UI starts. The context the status bar names is
    the one the source, the lock and the actions are given: never left to a client's own
    defaults (the Python client merges KUBECONFIG lists unlike kubectl)."""

    kubeconfig: str | None  # the kubeconfig files read, `:`-separated; None in a pod
    context: str  # the kubeconfig's context, or "in-cluster"
    server: str = ""  # the API server's URL, without any credential
    namespace: str | None = None  # the context's (or the pod's) namespace
    in_cluster: bool = False


@dataclass(frozen=True)
class Session:
    workspace: Workspace
    compact: Workspace | None
    operator: str
    context: str  # the kubeconfig context, "in-cluster" or "no cluster"
    namespace: str
    read_only: bool
    window: str
    t0: date
    tz: tzinfo | None
    keys: dict[str, str]
    values: dict[str, str] = field(default_factory=dict)  # for ${placeholders}
    kube: KubeTarget | None = None  # None: Kubernetes is not configured
    prometheus: PrometheusConfig | None = None  # None: Prometheus is not configured
    lock: str = "cockpit-window"
    actions: ActionsConfig = field(default_factory=ActionsConfig)
    postgres: PostgresConfig = field(default_factory=PostgresConfig)
    #: the demo compresses the runbook's durations (the rules' `for`) by this factor
    speed: float = 1.0
    #: said in the status bar, e.g. "DEMO · simulated metrics"
    note: str = ""
    #: the cluster's API server (journaled beside the context); "" without a cluster
    server: str = ""
    #: this process's identity in the window lock (see `lock_holder`)
    holder: str = ""
    #: four-eyes: which moves need a second operator's approval (None: none do)
    approval: ApprovalConfig | None = None
    #: the OS account this cockpit runs under (four-eyes: two names, one account, is one
    #: person); "" when unknown
    login: str = ""

    @property
    def postgres_configured(self) -> bool:
        """A DSN in the config (even an empty one: libpq's defaults) or PG* variables."""
        return self.postgres.dsn is not None or any(
            name in os.environ for name in ("PGHOST", "PGDATABASE", "PGSERVICE")
        )
