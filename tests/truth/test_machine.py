"""The invariants under random sequences: `COCKPIT_TRUTH_EXAMPLES` sets how many (CI: the
default; by hand: `COCKPIT_TRUTH_EXAMPLES=5000 pytest tests/truth`)."""

import os

from hypothesis import HealthCheck, settings

from tests.truth.machine import CockpitMachine

EXAMPLES = int(os.environ.get("COCKPIT_TRUTH_EXAMPLES", "60"))

TestCockpit = CockpitMachine.TestCase
TestCockpit.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=25,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)
