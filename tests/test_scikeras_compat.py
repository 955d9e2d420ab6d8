"""The SciKeras glue cleans up after every fit, so one process can fit many
models (GridSearchCV, check_estimator). The fresh-process side of the
op-determinism fix is in test_reliability.py (it needs a new interpreter)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits

from skdigits._scikeras_compat import _release_train_step_graphs
from skdigits.classifier import DenseDigitClassifier


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X[:300] / 16.0).astype(np.float32), y[:300]


def custom_gradient_entries() -> int:
    from tensorflow.python.framework import ops

    return sum(
        name.startswith("CustomGradient-") for name in ops._gradient_registry._registry
    )


def fit_small(X, y, **params):
    return DenseDigitClassifier(
        hidden_layer_sizes=(8,), batch_size=64, epochs=1, **params
    ).fit(X, y)


def test_finished_fits_do_not_pile_up_train_step_graphs(digits):
    fit_small(*digits)  # whatever earlier tests left, this fit's are gone
    before = custom_gradient_entries()
    for _ in range(3):
        fit_small(*digits)
    # Each fit traces its train step, which registers all-reduce gradients
    # (tensorflow/tensorflow#97697); they must all have been dropped again.
    assert custom_gradient_entries() == before
    assert _release_train_step_graphs() == 0  # nothing left to drop


def test_the_release_targets_only_all_reduce_gradients():
    import tensorflow as tf

    @tf.custom_gradient
    def scaled(x):
        return 2 * x, lambda upstream: upstream * 2

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = scaled(x)
        return tape.gradient(y, x)

    _release_train_step_graphs()  # start from no all-reduce entries
    before = custom_gradient_entries()
    step(tf.constant(1.0))
    assert custom_gradient_entries() == before + 1  # a user's own gradient
    _release_train_step_graphs()
    assert custom_gradient_entries() == before + 1  # is kept


def test_a_seeded_fit_leaves_op_determinism_as_it_found_it(digits):
    from tensorflow.python.framework.config import is_op_determinism_enabled

    assert not is_op_determinism_enabled()
    fit_small(*digits, random_state=0)
    assert not is_op_determinism_enabled()
    fit_small(*digits, random_state=None)  # needs no seed
