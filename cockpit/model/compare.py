"""Green against blue, beside the runbook's fixed thresholds: a Mann-Whitney U test. Pure.

The runbook's triggers say when green is bad in absolute terms ("> 5 %"); this says
whether green is worse than blue was, on the same metric, whatever the absolute level.
One-sided, "green worse": for a metric whose trigger fires on high values (errors,
latency) the alternative is "green's values tend to be greater than blue's", for one
that fires on low values it is "less". The decision, on the test's p-value:

- Fail: p < 0.01 — green is worse than blue beyond reasonable doubt;
- Marginal: p < 0.05 — it may be: the window holds and a person decides;
- Pass: otherwise (green no worse, or better);
- unknown: fewer than MIN_SAMPLES finite values on either side — never a pass.

Samples are a version's finite values over the last WINDOW, thinned to one per SPACING
(NaN is "no traffic": it says nothing about quality), newest CAP per side. The values of
a rate over [5m] follow each other closely, so consecutive samples are not independent as
the test assumes and its p-value is on the optimistic side: thinning tempers that, and a
Marginal result is a question to a person, not a verdict.
scipy is imported when a test actually runs, so starting the cockpit does not pay for it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from cockpit.model.metrics import Sample

PASS, MARGINAL, FAIL, UNKNOWN = "Pass", "Marginal", "Fail", "unknown"
FAIL_P, MARGINAL_P = 0.01, 0.05
MIN_SAMPLES = 8  # per side
CAP = 60  # per side: at SPACING, half an hour
WINDOW = 30 * 60.0  # seconds: what the metrics keep
SPACING = 30.0  # seconds between the samples used: Prometheus' backfill step
HIGHER, LOWER = "higher", "lower"  # which way is worse


@dataclass(frozen=True)
class Comparison:
    outcome: str  # Pass | Marginal | Fail | unknown
    n_blue: int
    n_green: int
    u: float | None = None  # green's U statistic
    p: float | None = None  # one-sided: "green worse"
    #: P(green > blue) + ½·P(tie), U / (n_blue · n_green): 0.5 is no difference
    share: float | None = None
    effect: str = ""  # green higher | green lower | no difference

    def describe(self) -> str:
        """One line, as the panes, the soak and the report say it."""
        if self.outcome == UNKNOWN:
            return (
                f"unknown: too few samples (blue {self.n_blue}, green {self.n_green}; "
                f"needs {MIN_SAMPLES} each)"
            )
        return (
            f"{self.outcome}: {self.effect}, U={self.u:g}, p={self.p:.3g} "
            f"(n {self.n_blue}/{self.n_green})"
        )


def worse_way(op: str) -> str | None:
    """Which way a trigger `op` says is worse; None for == and !=."""
    return HIGHER if op in (">", ">=") else LOWER if op in ("<", "<=") else None


def thin(samples: Sequence[Sample], now: float, window: float, spacing: float) -> list[Sample]:
    """The finite samples of the last `window` seconds, at least `spacing` apart from the
    newest back, at most CAP of them; in time order."""
    kept: list[Sample] = []
    for sample in reversed(samples):
        if sample.t <= now - window or len(kept) == CAP:
            break
        if math.isfinite(sample.value) and (not kept or kept[-1].t - sample.t >= spacing):
            kept.append(sample)
    return kept[::-1]


def compare(blue: Sequence[float], green: Sequence[float], worse: str) -> Comparison:
    """Green against blue by a one-sided Mann-Whitney U test (ties: mid-ranks, with the
    tie correction of the normal approximation); the values are finite."""
    n_blue, n_green = len(blue), len(green)
    if min(n_blue, n_green) < MIN_SAMPLES:
        return Comparison(UNKNOWN, n_blue, n_green)
    if len({*blue, *green}) == 1:  # all equal: nothing to rank, and no difference
        return Comparison(PASS, n_blue, n_green, n_blue * n_green / 2, 1.0, 0.5, "no difference")
    from scipy.stats import mannwhitneyu

    alternative = "greater" if worse == HIGHER else "less"
    result = mannwhitneyu(list(green), list(blue), alternative=alternative)
    u, p = float(result.statistic), float(result.pvalue)
    if not math.isfinite(p):
        return Comparison(UNKNOWN, n_blue, n_green)
    share = u / (n_blue * n_green)
    effect = "green higher" if share > 0.5 else "green lower" if share < 0.5 else "no difference"
    outcome = FAIL if p < FAIL_P else MARGINAL if p < MARGINAL_P else PASS
    return Comparison(outcome, n_blue, n_green, u, p, share, effect)
