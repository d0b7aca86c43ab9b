"""What judging the window costs once a second, with and without green against blue.

    python bench/judge.py [--rounds 300]

The state holds what half an hour of polling leaves: error rate, P95 and SSE per version,
a sample every 5 s (360 per series). Timed: `judge_window` as the app calls it each second
— the runbook's rules with their evidence, then again with the Mann-Whitney comparisons
(scipy imported beforehand: its one-off import is timed on its own). Median and p99 per
call, and the ratio of the medians.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cockpit.load.files import load_runbook
from cockpit.model import events as ev
from cockpit.model.reduce import reduce
from cockpit.model.rules import judge_window
from cockpit.model.state import initial_state

NOW = datetime(2026, 11, 21, 12, 30, tzinfo=UTC)
KEYS = {"error_rate": "error_rate", "p95_latency": "p95", "sse_connections": "sse"}
LEVELS = {"error_rate": 0.003, "p95": 0.18, "sse": 120.0}


def state():
    runbook = load_runbook(Path(__file__).resolve().parents[1] / "checklists/deployment-plan.yaml")
    s = initial_state({"plan": runbook})
    rng = random.Random(1)
    for metric, level in LEVELS.items():
        samples = tuple(
            {
                "labels": {"version": version},
                "t": (NOW - timedelta(seconds=5 * i)).timestamp(),
                "value": str(level * rng.uniform(0.9, 1.1 if version == "blue" else 1.3)),
            }
            for i in range(360)
            for version in ("blue", "green")
        )
        s = reduce(s, ev.MetricObserved(metric=metric, samples=samples, instant=False))
    s = reduce(s, ev.SourceStatus(source="prometheus", state="ok"))
    return reduce(s, ev.ClockTick(now=NOW.isoformat()))


def timed(call, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return sorted(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=300)
    rounds = parser.parse_args().rounds
    s = state()
    start = time.perf_counter()
    import scipy.stats  # noqa: F401  the comparison's first call pays this once

    print(
        f"scipy.stats import (once, at the first comparison): {time.perf_counter() - start:.3f} s"
    )
    plain = lambda: judge_window(s, "plan", KEYS, "valeo-erp", "version")  # noqa: E731
    both = lambda: judge_window(  # noqa: E731
        s, "plan", KEYS, "valeo-erp", "version", versions=("blue", "green")
    )
    verdict = both()
    assert verdict is not None
    outcomes = [(i["metric"], i["state"]) for i in verdict.evidence if i["kind"] == "compare"]
    print(f"comparisons: {outcomes}")
    results = {name: timed(call, rounds) for name, call in (("rules", plain), ("+compare", both))}
    for name, times in results.items():
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print(f"judge_window {name:<9} median {statistics.median(times):.3f} ms, p99 {p99:.3f} ms")
    ratio = statistics.median(results["+compare"]) / statistics.median(results["rules"])
    print(f"ratio with/without the comparison (medians): {ratio:.2f}x")


if __name__ == "__main__":
    main()
