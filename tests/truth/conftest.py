"""The long profile (`COCKPIT_TRUTH_EXAMPLES` above CI's 500) runs for longer than the
suite's per-test timeout: it grows with the sequences asked for."""

import pytest

from tests.truth.profile import EXAMPLES


def pytest_collection_modifyitems(config, items) -> None:
    scale = max(EXAMPLES / 500, 1.0)
    timeout = config.getini("timeout")
    for item in items:
        if item.path.parent.name == "truth":
            item.add_marker(pytest.mark.timeout(float(timeout or 900) * scale))
