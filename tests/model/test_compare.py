"""Green against blue: the Mann-Whitney decision and its edge cases."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys

from cockpit.model.compare import (
    CAP,
    FAIL,
    HIGHER,
    LOWER,
    MARGINAL,
    MIN_SAMPLES,
    PASS,
    UNKNOWN,
    compare,
    thin,
    worse_way,
)
from cockpit.model.metrics import Sample

BLUE = [0.080, 0.082, 0.079, 0.081, 0.083, 0.080, 0.078, 0.082, 0.081, 0.080]


def test_a_clearly_worse_green_fails_and_a_like_one_passes():
    worse = compare(BLUE, [v + 0.3 for v in BLUE], HIGHER)
    assert worse.outcome == FAIL and worse.effect == "green higher"
    assert worse.u == 100 and worse.p is not None and worse.p < 0.01 and worse.share == 1.0
    alike = compare(BLUE, list(reversed(BLUE)), HIGHER)
    assert alike.outcome == PASS and alike.p is not None and alike.p > 0.4
    better = compare(BLUE, [v - 0.03 for v in BLUE], HIGHER)  # one-sided: better is a pass
    assert better.outcome == PASS and better.effect == "green lower"


def test_lower_is_worse_when_the_trigger_fires_low():
    assert worse_way("<") == LOWER and worse_way(">=") == HIGHER and worse_way("==") is None
    assert compare(BLUE, [v - 0.03 for v in BLUE], LOWER).outcome == FAIL
    assert compare(BLUE, [v + 0.3 for v in BLUE], LOWER).outcome == PASS


def test_a_slight_shift_is_marginal():
    blue = [float(i) for i in range(20)]
    green = [v + 4.0 for v in blue]  # a shift of a fifth of the spread
    result = compare(blue, green, HIGHER)
    assert result.outcome == MARGINAL, result
    assert 0.01 <= (result.p or 0) < 0.05


def test_all_equal_is_a_pass_with_no_difference():
    result = compare([0.0] * 10, [0.0] * 12, HIGHER)
    assert (result.outcome, result.p, result.effect) == (PASS, 1.0, "no difference")
    assert result.u == 60


def test_ties_use_mid_ranks():
    blue = [0.0] * 8 + [0.01] * 2
    green = [0.0] * 2 + [0.01] * 8  # mostly the tied higher value
    result = compare(blue, green, HIGHER)
    assert result.u == 2 * 8 * 0.5 + 8 * 8 + 8 * 2 * 0.5  # ties count a half
    assert result.outcome == FAIL and result.effect == "green higher"


def test_too_few_samples_is_unknown_never_a_pass():
    few = compare(BLUE, BLUE[: MIN_SAMPLES - 1], HIGHER)
    assert few.outcome == UNKNOWN and few.p is None
    assert "too few samples" in few.describe() and f"green {MIN_SAMPLES - 1}" in few.describe()
    assert compare([], [], HIGHER).outcome == UNKNOWN


def test_infinite_values_rank_highest():
    result = compare(BLUE, [math.inf] * 10, HIGHER)  # histogram_quantile past the last bucket
    assert result.outcome == FAIL


def test_thin_keeps_finite_spaced_recent_samples_and_caps_them():
    samples = [Sample(float(t), math.nan if t % 7 == 0 else 0.01) for t in range(0, 4000, 5)]
    kept = thin(samples, 4000.0, 1800.0, 30.0)
    assert all(math.isfinite(s.value) for s in kept)
    assert all(b.t - a.t >= 30 for a, b in itertools.pairwise(kept))
    assert kept[0].t > 4000 - 1800 and kept == sorted(kept, key=lambda s: s.t)
    assert len(kept) <= CAP  # half an hour at 30 s
    assert len(thin(samples, 4000.0, 1800.0, 1.0)) == CAP


def test_scipy_is_not_imported_by_starting_the_cockpit():
    code = "import sys, cockpit.ui.app, cockpit.cli; print('scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
