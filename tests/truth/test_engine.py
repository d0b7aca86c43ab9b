"""The invariants under random sequences at the engine level: cheap, so many of them.

Four cases of `COCKPIT_TRUTH_EXAMPLES // 4` sequences each (default 500 in all), so the
test workers share them. By hand: `COCKPIT_TRUTH_EXAMPLES=5000 pytest tests/truth`; a
failure prints its seed (`--hypothesis-seed=N` runs it again) and the shrunk steps.
"""

import os

from hypothesis import HealthCheck, settings

from tests.truth.engine_machine import EngineMachine

EXAMPLES = int(os.environ.get("COCKPIT_TRUTH_EXAMPLES", "500"))
SETTINGS = settings(
    max_examples=max(EXAMPLES // 4, 1),
    stateful_step_count=30,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)


class TestEngineA(EngineMachine.TestCase):
    settings = SETTINGS


class TestEngineB(EngineMachine.TestCase):
    settings = SETTINGS


class TestEngineC(EngineMachine.TestCase):
    settings = SETTINGS


class TestEngineD(EngineMachine.TestCase):
    settings = SETTINGS
