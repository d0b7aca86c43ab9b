"""A Kubernetes API emulator: a real HTTP server that the official client and kubectl talk to.

`Store` holds the objects, `KubeApiServer` serves them, `Controller` plays the kube controllers
and kubelet (and injects faults), and `valeo` seeds the runbooks' environment.
"""

from cockpit.sim.kube.controller import Controller
from cockpit.sim.kube.server import KubeApiServer
from cockpit.sim.kube.store import ApiError, Store

__all__ = ["ApiError", "Controller", "KubeApiServer", "Store"]
