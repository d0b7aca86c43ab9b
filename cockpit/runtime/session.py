"""Everything a cockpit run needs, resolved before the UI starts (all the file I/O)."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from cockpit.audit.session_record import login_user
from cockpit.load.errors import LoadError
from cockpit.load.kubeconfig import resolve_context
from cockpit.load.workspace import open_layout
from cockpit.model.config import Config
from cockpit.model.session import KubeTarget, Session

#: what the window is called when there is no kubeconfig context to name it
IN_CLUSTER = "in-cluster"
NO_CLUSTER = "no cluster"
SERVICE_ACCOUNT_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")


def default_operator() -> str:
    return f"{login_user()}@{socket.gethostname()}"


def lock_holder(operator: str) -> str:
    """This process's holderIdentity in the window lock, like client-go's `hostname_<uuid>`:
    the operator (readable), then the pid and a random part, so a second cockpit of the same
    account — or one restarted after a kill -9 — is another holder, not the same one."""
    return f"{operator}#{os.getpid()}-{secrets.token_hex(3)}"


def _in_cluster(environ: Mapping[str, str]) -> KubeTarget:
    host, port = environ["KUBERNETES_SERVICE_HOST"], environ.get("KUBERNETES_SERVICE_PORT", "443")
    try:
        namespace = SERVICE_ACCOUNT_NAMESPACE.read_text().strip() or None
    except OSError:
        namespace = None
    server = f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"
    return KubeTarget(None, IN_CLUSTER, server, namespace, in_cluster=True)


def kube_target(config: Config, environ: Mapping[str, str] = os.environ) -> KubeTarget | None:
    """A cluster counts as configured when named: a context, a kubeconfig, KUBECONFIG, or
    running in a pod. A stray ~/.kube/config alone does not point the cockpit anywhere.
    A named context must exist (`LoadError` otherwise): the window is named after it."""
    in_pod = bool(environ.get("KUBERNETES_SERVICE_HOST"))
    if config.context or config.kubeconfig or environ.get("KUBECONFIG"):
        found = resolve_context(config.kubeconfig, config.context, environ, required=not in_pod)
        if found is not None:
            files = os.pathsep.join(found.files)
            return KubeTarget(files, found.name, found.server, found.namespace)
    return _in_cluster(environ) if in_pod else None


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
    kube = kube_target(config)
    context = kube.context if kube is not None else NO_CLUSTER
    per_context = config.contexts.get(context)
    namespace = (
        config.namespace
        or (per_context.namespace if per_context else None)
        or (kube.namespace if kube is not None else None)
        or "default"  # kubectl's, too
    )
    operator = config.operator or default_operator()
    tz = ZoneInfo(config.timezone) if config.timezone else datetime.now().astimezone().tzinfo
    values = dict(workspace.layout.vars) | dict(config.vars)
    values |= {"namespace": namespace, "context": context}
    return Session(
        values=values,
        kube=kube,
        server=kube.server if kube is not None else "",
        prometheus=config.prometheus if config.prometheus.url else None,
        lock=config.lock,
        actions=config.actions,
        postgres=config.postgres,
        workspace=workspace,
        compact=compact,
        operator=operator,
        holder=lock_holder(operator),
        context=context,
        namespace=namespace,
        read_only=config.effective_read_only(context),
        approval=config.effective_approval(context),
        window=config.window or f"{context}@{namespace}",
        t0=config.t0 or today or date.today(),
        tz=tz,
        keys=dict(config.keys),
        login=login_user(),
    )
