"""The simulated VALEO ERP: pods with real HTTP endpoints and metrics, traffic, Prometheus.

`ErpService` follows the Kubernetes emulator's pods and Service (a cutover in the emulator
moves the traffic); `start_prometheus` runs the real Prometheus against it and
`SimulatedPrometheus` answers the cockpit's queries where there is no binary.
"""

from cockpit.sim.service.behaviour import Behaviour
from cockpit.sim.service.prometheus import (
    RunningPrometheus,
    SimulatedPrometheus,
    start_prometheus,
    write_prometheus_config,
)
from cockpit.sim.service.service import ErpService

__all__ = [
    "Behaviour",
    "ErpService",
    "RunningPrometheus",
    "SimulatedPrometheus",
    "start_prometheus",
    "write_prometheus_config",
]
