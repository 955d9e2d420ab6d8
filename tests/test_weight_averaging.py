"""DenseDigitClassifier(ema_momentum=...): an average of the weights, kept by
the optimizer during training and put in place of the weights when fit ends."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.utils._param_validation import InvalidParameterError

from skdigits import load_model, save_model
from skdigits.classifier import DenseDigitClassifier


def tiny(**params) -> DenseDigitClassifier:
    defaults = dict(hidden_layer_sizes=(16,), batch_size=32, epochs=3, random_state=0)
    return DenseDigitClassifier(**{**defaults, **params})


def test_off_by_default():
    assert DenseDigitClassifier().get_params()["ema_momentum"] is None


@pytest.mark.parametrize("momentum", [0, 1, -0.5, 1.5, "0.9"])
def test_a_momentum_outside_0_1_is_refused(digits300, momentum):
    X, y = digits300
    with pytest.raises(InvalidParameterError, match="ema_momentum"):
        tiny(ema_momentum=momentum).fit(X, y)


def test_fit_ends_with_the_average_of_the_same_trajectory(digits300):
    X, y = digits300
    raw = tiny(epochs=20).fit(X, y)
    averaged = tiny(epochs=20, ema_momentum=0.9).fit(X, y)
    optimizer = averaged.model_.optimizer
    assert optimizer.use_ema and optimizer.ema_momentum == pytest.approx(0.9)
    # The weights the classifier predicts with are the optimizer's averages ...
    averages = [v.numpy() for v in optimizer._model_variables_moving_average]
    kernels = [
        w
        for pair in zip(averaged.coefs_, averaged.intercepts_, strict=True)
        for w in pair
    ]
    for average, weight in zip(averages, kernels, strict=True):
        assert_array_equal(average, weight)
    # ... of the same training (the average does not steer it): the history
    # is the raw run's, and the weights differ from its last step's.
    assert_array_equal(raw.history_["loss"], averaged.history_["loss"])
    assert not np.array_equal(raw.coefs_[0], averaged.coefs_[0])
    assert averaged.score(X, y) > 0.8


def test_a_warm_fit_cannot_change_it(digits300):
    X, y = digits300
    clf = tiny(ema_momentum=0.9, warm_start=True).fit(X, y)
    clf.set_params(ema_momentum=0.99)
    with pytest.raises(
        ValueError, match=r"ema_momentum=0.99.*built with ema_momentum=0.9"
    ):
        clf.fit(X, y)
    clf.set_params(ema_momentum=0.9).fit(X, y)  # the same goes on
    assert clf.n_iter_ == 6


def test_the_average_survives_a_round_trip(digits300, tmp_path):
    X, y = digits300
    clf = tiny(ema_momentum=0.9).fit(X, y)
    loaded = load_model(save_model(clf, tmp_path / "m.skdigits"))
    assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert loaded.model_.optimizer.use_ema
