"""The Kubernetes API as the cockpit reaches it, shared by the sources that watch it and the
actions that change it (neither imports the other).

The official client does authentication, TLS and kubeconfig/in-cluster configuration; its
first import goes through `preload` (see `cockpit.clients.imports`). Failures are said the
way an operator needs them: 401, 403 with the refused verb and resource, 404, unreachable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cockpit.clients.imports import preload


@dataclass(frozen=True)
class KubeSettings:
    namespace: str
    app: str  # label app=<app> selects the window's pods and Deployments
    service: str
    kubeconfig: str | None = None  # one file or a `:`-separated list; None: KUBECONFIG
    context: str | None = None  # None: the kubeconfig's current context
    lease: str | None = None  # the window lock's Lease, watched like the rest
    in_cluster: bool = False  # the pod's service account, no kubeconfig


def kube_settings(session) -> KubeSettings | None:
    """The session's cluster, window and lock, or None when no cluster is configured: the
    context the session resolved, so every request goes where the status bar says."""
    kube = session.kube
    if kube is None:
        return None
    return KubeSettings(
        namespace=session.namespace,
        app=session.values.get("app", ""),
        service=session.values.get("service", ""),
        kubeconfig=kube.kubeconfig,
        context=None if kube.in_cluster else kube.context,
        lease=session.lock,
        in_cluster=kube.in_cluster,
    )


def kube_client():
    """The `kubernetes.client` module, its first import through `preload`: a thread that
    imports it directly races the other sources' imports ("partially initialized module",
    a KeyError on 'kubernetes')."""
    preload("kubernetes.client", "kubernetes.config", "kubernetes.watch.watch")
    from kubernetes import client

    return client


def api_client(settings: KubeSettings):
    """The official client, from the kubeconfig files and context given, or in-cluster.

    A request the server does not answer in time fails at its timeout, never silently
    sent again (the pool's default would wait four timeouts: minutes on a watch, while the
    source still looks live); a failed connect is retried. The callers retry with their
    own back-off, and say what failed meanwhile.
    """
    client = kube_client()
    from kubernetes import config
    from urllib3.util.retry import Retry

    configuration = client.Configuration()
    if settings.in_cluster:
        config.load_incluster_config(client_configuration=configuration)
    else:
        config.load_kube_config(
            config_file=settings.kubeconfig,
            context=settings.context,
            client_configuration=configuration,
            persist_config=True,  # as new_client_from_config: refreshed tokens kept
        )
    configuration.retries = Retry(total=3, connect=3, read=0, status=0, other=0)
    return client.ApiClient(configuration)


class ApiProblem(Exception):
    """A failed request, said the way an operator needs it: what was refused, and why."""

    def __init__(self, state: str, detail: str) -> None:
        super().__init__(detail)
        self.state, self.detail = state, detail


def describe(error: Exception, verb: str, resource: str, namespace: str) -> ApiProblem:
    from kubernetes.client.exceptions import ApiException

    if isinstance(error, ApiException):
        message = ""
        try:
            message = json.loads(error.body or "{}").get("message", "")
        except (ValueError, AttributeError):
            message = ""
        if error.status == 401:
            return ApiProblem(
                "unauthorized", f"401 Unauthorized: {message or 'credentials rejected'}"
            )
        if error.status == 403:
            what = message or f"cannot {verb} {resource} in namespace {namespace}"
            return ApiProblem("forbidden", f"403 {verb} {resource}: {what}")
        if error.status == 404:
            return ApiProblem(
                "not found", f"404 {resource} in {namespace}: {message or 'not found'}"
            )
        return ApiProblem("error", f"{error.status} {verb} {resource}: {message or error.reason}")
    return ApiProblem("unreachable", f"{type(error).__name__}: {error}".splitlines()[0][:200])
