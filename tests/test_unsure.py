"""The "not sure" rule (skdigits._prediction.unsure): threshold and calibration."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import beta

from skdigits._prediction.unsure import (
    FALLBACK_UNSURE_BELOW,
    calibrate_unsure_below,
    check_unsure_below,
    model_unsure_below,
)


class _Model:
    def __init__(self, unsure_below):
        self.unsure_below = unsure_below


def test_the_threshold_is_the_override_else_the_models_else_the_fallback():
    assert model_unsure_below(_Model(0.93)) == 0.93
    assert model_unsure_below(_Model(None)) == FALLBACK_UNSURE_BELOW == 0.5
    assert model_unsure_below(_Model(0.93), 0.7) == 0.7
    for bad in (0, -0.1, 1.01, "x", float("nan"), None):
        with pytest.raises(ValueError, match=r"probability in \(0, 1\]"):
            check_unsure_below(bad)
    assert check_unsure_below(1) == 1.0


def _held_out(n: int, seed: int):
    """Ten classes; the network's top probability is right with a chance
    that grows with it, as a trained network's does."""
    rng = np.random.default_rng(seed)
    top = np.clip(1 - rng.exponential(0.01, n), 0.2, 1)
    y = rng.integers(0, 10, n)
    right = rng.uniform(size=n) < top**4
    read = np.where(right, y, (y + rng.integers(1, 10, n)) % 10)
    proba = np.full((n, 10), 0.0)
    proba[np.arange(n), read] = top
    proba[np.arange(n), (read + 1) % 10] = 1 - top
    return proba, y


def test_calibration_keeps_the_error_among_accepted_answers_under_the_target():
    proba, y = _held_out(10_000, 0)
    classes = np.arange(10)
    for target in (0.01, 0.02, 0.03):
        cal = calibrate_unsure_below(proba, y, classes, target_error=target)
        kept = proba.max(axis=1) >= cal["below"]
        wrong = proba.argmax(axis=1) != y
        # What it reports is what the threshold does on these digits ...
        assert cal["share_unsure"] == pytest.approx(1 - kept.mean())
        assert cal["error_when_sure"] == pytest.approx(wrong[kept].mean())
        assert cal["error_all"] == pytest.approx(wrong.mean())
        # ... its bound is under the target, and the threshold next below
        # it (0.001 lower) would not be (or it is the loosest candidate).
        assert cal["error_when_sure"] <= cal["error_upper_bound"] <= target
        if cal["below"] > 0.5:
            looser = proba.max(axis=1) >= round(cal["below"] - 0.001, 3)
            n, errors = looser.sum(), wrong[looser].sum()
            assert beta.ppf(0.95, errors + 1, n - errors) > target
    # A stricter target needs a higher threshold.
    loose = calibrate_unsure_below(proba, y, classes, target_error=0.03)["below"]
    strict = calibrate_unsure_below(proba, y, classes, target_error=0.01)["below"]
    assert strict > loose


def test_the_chosen_threshold_holds_on_new_digits_of_the_same_kind():
    # The guarantee: with 95 % confidence over the calibration draw, the
    # error among accepted answers on new digits is at most the target.
    # Over 20 calibration draws, the error on a large fresh set may pass the
    # target at most a few times (5 % of 20 is 1; allow 3 for chance).
    classes = np.arange(10)
    test_proba, test_y = _held_out(200_000, 999)
    misses = 0
    for seed in range(20):
        proba, y = _held_out(5_000, seed)
        below = calibrate_unsure_below(proba, y, classes, target_error=0.02)["below"]
        kept = test_proba.max(axis=1) >= below
        misses += (test_proba.argmax(axis=1)[kept] != test_y[kept]).mean() > 0.02
    assert misses <= 3


def test_an_unreachable_target_makes_every_answer_unsure():
    proba, y = _held_out(2_000, 1)
    y = (proba.argmax(axis=1) + 1) % 10  # always wrong
    cal = calibrate_unsure_below(proba, y, np.arange(10), target_error=0.01)
    assert cal["below"] == 1.0 and cal["share_unsure"] > 0.9
