"""The invariants under random sequences at the engine level: cheap, so many of them.
`COCKPIT_TRUTH_EXAMPLES` scales every truth test (by hand: `=2000`)."""

import os

from hypothesis import HealthCheck, settings

from tests.truth.engine_machine import EngineMachine

EXAMPLES = int(os.environ.get("COCKPIT_TRUTH_EXAMPLES", "500"))

TestEngine = EngineMachine.TestCase
TestEngine.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=30,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)
