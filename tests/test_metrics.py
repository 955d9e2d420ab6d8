"""Tests for skdigits.metrics.most_confused."""

from __future__ import annotations

import numpy as np
import pytest

from skdigits.metrics import ConfusedPair, most_confused
from skdigits.plotting import ConfusionMatrixDisplay

CM = np.array([[50, 3, 0, 1], [1, 40, 2, 0], [0, 4, 45, 1], [0, 0, 1, 30]])


def test_pairs_add_both_directions_largest_first():
    pairs = most_confused(CM, n=None)
    assert pairs[0] == ConfusedPair(1, 2, 6, 2, 4)
    assert [p.count for p in pairs] == [6, 4, 2, 1]
    for pair in pairs:
        assert pair.a_to_b == CM[pair.label_a, pair.label_b]
        assert pair.b_to_a == CM[pair.label_b, pair.label_a]


def test_ties_follow_the_label_order_and_zero_pairs_are_dropped():
    cm = np.array([[9, 1, 1], [1, 9, 0], [1, 0, 9]])
    pairs = most_confused(cm, labels=["c", "a", "b"], n=None)
    assert [(p.label_a, p.label_b) for p in pairs] == [("c", "a"), ("c", "b")]
    assert most_confused(cm, n=1) == [ConfusedPair(0, 1, 2, 1, 1)]
    # Many ties among 435 pairs: by count, then by position.
    many = np.random.default_rng(0).integers(0, 3, (30, 30))
    ranked = [(-p.count, p.label_a, p.label_b) for p in most_confused(many, n=None)]
    assert ranked == sorted(ranked)
    assert most_confused(cm, n=0) == []


def test_fractions_stay_floats_and_labels_are_plain_python():
    pairs = most_confused(CM / CM.sum(axis=1, keepdims=True), np.arange(4), n=1)
    assert isinstance(pairs[0].count, float)
    assert type(pairs[0].label_a) is int


@pytest.mark.parametrize(
    ("cm", "labels", "n", "match"),
    [
        (np.zeros((2, 3)), None, 5, "square"),
        (CM, [0, 1], 5, "labels has 2 entries"),
        (CM, None, -1, "non-negative"),
    ],
)
def test_bad_input_is_a_clear_error(cm, labels, n, match):
    with pytest.raises(ValueError, match=match):
        most_confused(cm, labels, n)


def test_the_display_ranks_with_the_same_function():
    y_true = np.repeat(np.arange(4), CM.sum(axis=1))
    y_pred = np.concatenate(
        [np.repeat(np.arange(4), row) for row in CM]  # row i: CM[i, j] times j
    )
    disp = ConfusionMatrixDisplay.from_predictions(y_true, y_pred, normalize="true")
    # Normalized for the picture, ranked by counts.
    assert disp.most_confused(None) == most_confused(CM, n=None)
