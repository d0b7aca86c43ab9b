"""The invariants under random sequences on the whole app: real keys and pastes through the
cockpit's terminal parser, resizes, prompts, a full disk, restarts. Fewer than the engine's
(each sequence renders every step): `COCKPIT_TRUTH_EXAMPLES // 50` in each of two cases."""

import os

from hypothesis import HealthCheck, settings

from tests.truth.machine import CockpitMachine

EXAMPLES = int(os.environ.get("COCKPIT_TRUTH_EXAMPLES", "500"))
SETTINGS = settings(
    max_examples=max(EXAMPLES // 50, 1),
    stateful_step_count=20,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)


class TestCockpitA(CockpitMachine.TestCase):
    settings = SETTINGS


class TestCockpitB(CockpitMachine.TestCase):
    settings = SETTINGS
