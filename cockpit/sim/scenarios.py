"""What goes wrong in each demo: faults set at the start, or when the cutover happens.

A scenario turns the simulator's knobs only; the cockpit sees the consequences through
the same sources and rules as in production.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cockpit.sim.environment import Environment

BAD_GREEN = {"error_ratio": 0.08, "median": 0.6, "p95": 2.6}


@dataclass(frozen=True)
class Scenario:
    name: str
    story: str

    def apply(self, env: Environment) -> None:
        """Set the scenario's faults; long-running ones get a thread that stops with `env`."""
        if self.name == "crashloop":
            env.cluster.controller.crashloop("valeo-erp-green", 2)
        elif self.name == "slow-api":
            env.cluster.controller.set_latency(1.5)
            # real seconds: the API's trouble does not speed up with the demo
            env.every(30.0, env.cluster.controller.drop_watches, scaled=False)
        elif self.name == "bad-green":
            env.every(0.5, lambda: _sour_green_after_cutover(env))


def _sour_green_after_cutover(env: Environment) -> None:
    """Once the Service selects green, green's errors and latency climb past the triggers."""
    service = env.cluster.store.get("services", "production", "valeo-erp")
    green = service["spec"]["selector"].get("version") == "green"
    behaviour = env.erp.behaviour("green")
    if green and behaviour.error_ratio < BAD_GREEN["error_ratio"]:
        env.erp.set_behaviour("green", **BAD_GREEN)


SCENARIOS = {
    s.name: s
    for s in (
        Scenario("happy", "green is healthy: the cutover succeeds and the soak passes"),
        Scenario(
            "bad-green",
            "after the cutover green's error rate climbs past 5 % and P95 past 2000 ms: "
            "the rollback trigger fires, rolling back to blue restores health",
        ),
        Scenario("crashloop", "two green pods crash-loop: the cutover's preconditions refuse"),
        Scenario("db-down", "PostgreSQL is unreachable: backup and database checks fail"),
        Scenario(
            "slow-api",
            "the Kubernetes API answers slowly and drops watches: the cockpit stays "
            "responsive and shows how old its data is",
        ),
    )
}
