"""The source registry: which sources a session has, and nothing imported it does not use."""

import subprocess
import sys

from cockpit.runtime.sources import SOURCES, source_factories
from tests.ui.apps import make_session

NO_CLUSTER = """
import sys
from cockpit.runtime.sources import source_factories
from tests.ui.apps import make_session
assert source_factories(make_session("go-live", context=None)) == []
print(sorted(m for m in sys.modules if m.split(".")[0] in ("kubernetes", "psycopg", "httpx")))
"""


def test_a_session_that_configures_nothing_has_no_source_and_imports_no_client():
    done = subprocess.run(
        [sys.executable, "-c", NO_CLUSTER], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_each_source_answers_only_for_what_the_session_configures():
    assert list(SOURCES) == ["kubernetes", "prometheus", "probes", "postgres"]
    session = make_session("go-live", prometheus={"url": "http://127.0.0.1:1"})
    counts = {name: len(make(session)) for name, make in SOURCES.items()}
    assert counts == {"kubernetes": 3, "prometheus": 1, "probes": 0, "postgres": 0}
    assert len(source_factories(session)) == 4
