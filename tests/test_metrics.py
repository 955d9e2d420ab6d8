"""Tests for skdigits._estimators.metrics: most_confused and evaluate."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.dummy import DummyClassifier
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    log_loss,
    precision_recall_fscore_support,
)

from skdigits._estimators.metrics import (
    ConfusedPair,
    evaluate,
    format_confused_pair,
    most_confused,
)
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


# -- evaluate ------------------------------------------------------------------


def test_evaluate_matches_sklearn_metrics(small_pipeline, sample_split):
    _, _, X_test, y_test = sample_split
    result = evaluate(small_pipeline, X_test, y_test)
    proba = small_pipeline.predict_proba(X_test)
    assert result.accuracy == pytest.approx(
        accuracy_score(y_test, small_pipeline.predict(X_test))
    )
    assert result.loss == pytest.approx(
        log_loss(y_test, proba, labels=small_pipeline.classes_)
    )
    np.testing.assert_array_equal(result.y_pred, small_pipeline.predict(X_test))
    np.testing.assert_array_equal(
        result.confusion_matrix, confusion_matrix(y_test, result.y_pred)
    )
    assert result.n_samples == 400
    assert result.n_errors == int((result.y_pred != y_test).sum())
    cm = result.confusion_matrix
    assert result.most_confused == most_confused(cm, range(10), n=5)
    for pair in result.most_confused:
        assert pair.a_to_b == cm[pair.label_a, pair.label_b]
        assert pair.b_to_a == cm[pair.label_b, pair.label_a]
    counts = [pair.count for pair in result.most_confused]
    assert counts == sorted(counts, reverse=True) and len(counts) <= 5
    rows = result.per_class()
    assert [row["label"] for row in rows] == list(range(10))
    precision, recall, _, support = precision_recall_fscore_support(
        y_test, result.y_pred, labels=range(10)
    )
    np.testing.assert_allclose([row["precision"] for row in rows], precision)
    np.testing.assert_allclose([row["recall"] for row in rows], recall)
    assert [row["support"] for row in rows] == support.tolist()


def test_evaluate_with_classes_missing_from_the_test_set(small_pipeline, sample_split):
    _, _, X_test, y_test = sample_split
    keep = np.isin(y_test, [0, 1])  # log loss still knows all ten classes
    result = evaluate(small_pipeline, X_test[keep], y_test[keep], n_pairs=2)
    assert math.isfinite(result.loss)
    assert result.confusion_matrix.shape == (10, 10)
    assert len(result.most_confused) <= 2


def test_per_class_precision_of_a_never_predicted_class_is_nan():
    X, y = load_digits(return_X_y=True)
    dummy = DummyClassifier(strategy="most_frequent").fit(X, y)
    rows = evaluate(dummy, X, y).per_class()
    predicted = int(dummy.predict(X[:1])[0])
    assert math.isnan(rows[(predicted + 1) % 10]["precision"])
    assert rows[predicted]["recall"] == 1.0


def test_format_confused_pair():
    pair = ConfusedPair(2, 7, 14, 7, 7)
    assert format_confused_pair(pair) == "2↔7: 14 (7 + 7)"
    assert format_confused_pair(pair, ascii=True) == "2<->7: 14 (7 + 7)"
