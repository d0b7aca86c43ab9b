"""Everything a cockpit run needs, resolved before the UI starts (all the file I/O)."""

from __future__ import annotations

import getpass
import os
import socket
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo

from cockpit.load.errors import LoadError
from cockpit.load.workspace import Workspace, open_layout
from cockpit.model.config import ActionsConfig, Config, PostgresConfig, PrometheusConfig


@dataclass(frozen=True)
class KubeTarget:
    """Where the cluster is: None fields mean kubectl's defaults (KUBECONFIG, current context)."""

    kubeconfig: str | None
    context: str | None


@dataclass(frozen=True)
class Session:
    workspace: Workspace
    compact: Workspace | None
    operator: str
    context: str
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

    @property
    def postgres_configured(self) -> bool:
        """A DSN in the config (even an empty one: libpq's defaults) or PG* variables."""
        return self.postgres.dsn is not None or any(
            name in os.environ for name in ("PGHOST", "PGDATABASE", "PGSERVICE")
        )


def login_user() -> str:
    """Who is logged in on this terminal (the journal records it beside the operator)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "operator")


def default_operator() -> str:
    return f"{login_user()}@{socket.gethostname()}"


def kube_target(config: Config) -> KubeTarget | None:
    """A cluster counts as configured when named: a context, a kubeconfig, KUBECONFIG, or
    running in a pod. A stray ~/.kube/config alone does not point the cockpit anywhere."""
    named = config.context or config.kubeconfig or os.environ.get("KUBECONFIG")
    if named or os.environ.get("KUBERNETES_SERVICE_HOST"):
        return KubeTarget(kubeconfig=config.kubeconfig, context=config.context)
    return None


def open_session(config: Config, today: date | None = None) -> Session:
    """Load the layout (and its compact twin); `LoadError` lists every problem found."""
    loaded: dict = {}
    workspace = open_layout(config.layout, loaded)
    compact = open_layout(workspace.compact_path, loaded) if workspace.compact_path else None
    if compact is not None:
        missing = set(workspace.runbooks) - set(compact.runbooks)
        if missing:
            raise LoadError.at(
                str(compact.layout_path),
                1,
                1,
                f"compact layout lacks checklists {sorted(missing)} of {config.layout}",
            )
    context = config.context or "no context"
    namespace = config.namespace or (
        config.contexts.get(context).namespace if context in config.contexts else None
    )
    namespace = namespace or "default"
    tz = ZoneInfo(config.timezone) if config.timezone else datetime.now().astimezone().tzinfo
    values = dict(workspace.layout.vars) | dict(config.vars)
    values |= {"namespace": namespace, "context": context}
    return Session(
        values=values,
        kube=kube_target(config),
        prometheus=config.prometheus if config.prometheus.url else None,
        lock=config.lock,
        actions=config.actions,
        postgres=config.postgres,
        workspace=workspace,
        compact=compact,
        operator=config.operator or default_operator(),
        context=context,
        namespace=namespace,
        read_only=config.effective_read_only(),
        window=config.window or f"{context}@{namespace}",
        t0=config.t0 or today or date.today(),
        tz=tz,
        keys=dict(config.keys),
    )
