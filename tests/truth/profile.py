"""How many sequences a truth test runs: `COCKPIT_TRUTH_EXAMPLES` (CI: 500 engine-level
sequences; by hand, e.g. 5000), shared by the cases that split them over the workers."""

import os

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("COCKPIT_TRUTH_EXAMPLES", "500"))


def share(fraction: float, steps: int) -> settings:
    """`fraction` of the sequences, `steps` steps each; a failure prints its blob and seed."""
    return settings(
        max_examples=max(int(EXAMPLES * fraction), 1),
        stateful_step_count=steps,
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )
