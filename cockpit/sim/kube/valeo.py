"""The runbooks' production environment, seeded into an emulated cluster.

Names follow the runbooks: namespace `production`, Service `valeo-erp` (selector on blue), the
Deployments `valeo-erp-blue` (2.9.0) and `valeo-erp-green` (3.0.0, just installed, not yet
receiving traffic), and the Helm release `valeo-erp-production` at revision 3, stored as Helm 3
stores releases so that anything reading Helm's Secrets (helm itself included) understands it.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType

import yaml

from cockpit.sim.clock import Clock
from cockpit.sim.kube.controller import Controller
from cockpit.sim.kube.server import KubeApiServer
from cockpit.sim.kube.store import Obj, Store

NAMESPACE = "production"
APP = "valeo-erp"
SERVICE = "valeo-erp"
RELEASE = "valeo-erp-production"
IMAGE = "registry.valeo.example.com/valeo-erp"
#: (revision, chart and app version, status, deployed at, description)
HELM_HISTORY = (
    (1, "2.8.0", "superseded", "2026-09-14T09:12:41.318Z", "Install complete"),
    (2, "2.9.0", "superseded", "2026-10-19T11:30:05.907Z", "Upgrade complete"),
    (3, "3.0.0", "deployed", "2026-11-21T11:30:12.441Z", "Upgrade complete"),
)
COLOUR_VERSIONS = {"blue": "2.9.0", "green": "3.0.0"}


def deployment(colour: str, replicas: int = 3) -> Obj:
    labels = {"app": APP, "version": colour}
    container = {
        "name": APP,
        "image": f"{IMAGE}:{COLOUR_VERSIONS[colour]}",
        "ports": [{"name": "http", "containerPort": 8000, "protocol": "TCP"}],
        "readinessProbe": {"httpGet": {"path": "/readyz", "port": 8000}, "periodSeconds": 5},
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8000}, "periodSeconds": 10},
    }
    return {
        "metadata": {
            "name": f"{APP}-{colour}",
            "namespace": NAMESPACE,
            "labels": {**labels, "app.kubernetes.io/managed-by": "Helm"},
            "annotations": {
                "meta.helm.sh/release-name": RELEASE,
                "meta.helm.sh/release-namespace": NAMESPACE,
            },
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
        },
    }


def service(colour: str = "blue") -> Obj:
    return {
        "metadata": {"name": SERVICE, "namespace": NAMESPACE, "labels": {"app": APP}},
        "spec": {
            "selector": {"app": APP, "version": colour},
            "ports": [{"name": "http", "port": 80, "targetPort": 8000, "protocol": "TCP"}],
        },
    }


def helm_release(revision: int, version: str, status: str, deployed: str, description: str) -> dict:
    """The release record Helm 3 serializes (pkg/release.Release, JSON field names)."""
    first = HELM_HISTORY[0][3]
    return {
        "name": RELEASE,
        "namespace": NAMESPACE,
        "version": revision,
        "info": {
            "first_deployed": first,
            "last_deployed": deployed,
            "deleted": "",
            "description": description,
            "status": status,
            "notes": f"valeo-erp {version} is running in namespace {NAMESPACE}.",
        },
        "chart": {
            "metadata": {
                "name": APP,
                "version": version,
                "appVersion": version,
                "apiVersion": "v2",
                "description": "VALEO NeuroERP",
                "type": "application",
            },
            "lock": None,
            "templates": [],
            "values": {"image": {"repository": IMAGE, "tag": version}, "replicaCount": 3},
            "schema": None,
            "files": [],
        },
        "config": {"image": {"tag": version}},
        "manifest": yaml.safe_dump_all([service(), deployment("green")], sort_keys=False),
        "hooks": [],
    }


def encode_release(release: dict) -> str:
    """Helm's encodeRelease: JSON, gzip (no mtime, as Go's writer leaves it), then base64
    (the Secret's data adds a second one)."""
    return base64.b64encode(gzip.compress(json.dumps(release).encode(), mtime=0)).decode()


def decode_release(secret: Obj) -> dict:
    """The inverse, from a release Secret as the API returns it."""
    encoded = base64.b64decode(secret["data"]["release"])
    return json.loads(gzip.decompress(base64.b64decode(encoded)))


def _unix(stamp: str) -> str:
    return str(int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()))


def release_secret(revision: int, version: str, status: str, deployed: str, description: str):
    """The Secret Helm's storage driver writes: labels for lookups, the release twice encoded."""
    release = helm_release(revision, version, status, deployed, description)
    labels = {"name": RELEASE, "owner": "helm", "status": status, "version": str(revision)}
    labels["createdAt"] = _unix(deployed)
    if revision < len(HELM_HISTORY):  # superseded by the next upgrade, which updated it
        labels["modifiedAt"] = _unix(HELM_HISTORY[revision][3])
    return {
        "metadata": {
            "name": f"sh.helm.release.v1.{RELEASE}.v{revision}",
            "namespace": NAMESPACE,
            "labels": labels,
        },
        "type": "helm.sh/release.v1",
        "data": {"release": base64.b64encode(encode_release(release).encode()).decode()},
    }


def seed(store: Store) -> None:
    """Create the runbooks' objects; a Controller then brings up their pods."""
    for name in ("default", "kube-system", NAMESPACE):
        store.create("namespaces", "", {"metadata": {"name": name}})
    store.create("services", NAMESPACE, service())
    for colour in ("blue", "green"):
        store.create("deployments", NAMESPACE, deployment(colour))
    for entry in HELM_HISTORY:
        store.create("secrets", NAMESPACE, release_secret(*entry))


def write_kubeconfig(
    path: str | os.PathLike[str],
    server_url: str,
    context: str = "valeo-sim",
    namespace: str = "production",
    token: str | None = None,
) -> Path:
    """A kubeconfig for kubectl and the Python client, readable by its owner only (0600)."""
    user = {"token": token} if token else {}
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": context, "cluster": {"server": server_url}}],
        "users": [{"name": context, "user": user}],
        "contexts": [
            {
                "name": context,
                "context": {"cluster": context, "user": context, "namespace": namespace},
            },
        ],
        "current-context": context,
        "preferences": {},
    }
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        yaml.safe_dump(config, out, sort_keys=False)
    path.chmod(0o600)  # O_CREAT's mode does not apply to a file that already existed
    return path


@dataclass
class SimCluster:
    """A seeded store, its API server and its controller, started and stopped together."""

    store: Store
    server: KubeApiServer
    controller: Controller

    @property
    def url(self) -> str:
        return self.server.url

    def stop(self) -> None:
        self.controller.stop()
        self.server.stop()

    def __enter__(self) -> SimCluster:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_valeo(
    *,
    token: str | None = None,
    speed: float | None = None,
    history: int = 1000,
    bookmark_interval: float = 5.0,
    seed_rng: int | None = None,
    clock: Clock | None = None,
) -> SimCluster:
    """Seed, settle (all six pods Ready before the first request) and start serving.

    The controller runs on `clock` (default: real time at `speed`)."""
    store = Store(history=history)
    seed(store)
    server = KubeApiServer(store, token=token, bookmark_interval=bookmark_interval)
    controller = Controller(store, server, speed=speed, seed=seed_rng, clock=clock)
    controller.settle()
    server.start()
    controller.start()
    return SimCluster(store, server, controller)
