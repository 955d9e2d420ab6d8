"""The SciKeras glue cleans up after every fit, so one process can fit many
models (GridSearchCV, check_estimator). The fresh-process side of the
op-determinism fix is in test_reliability.py (it needs a new interpreter)."""

from __future__ import annotations

import gc

import pytest

from skdigits._keras import scikeras_glue as compat
from skdigits._keras.scikeras_glue import (
    _op_determinism_restored,
    _release_train_step_graphs,
)
from skdigits.classifier import DenseDigitClassifier


def custom_gradient_entries() -> int:
    from tensorflow.python.framework import ops

    return sum(
        name.startswith("CustomGradient-") for name in ops._gradient_registry._registry
    )


def fit_small(X, y, **params):
    return DenseDigitClassifier(
        hidden_layer_sizes=(8,), batch_size=64, epochs=1, **params
    ).fit(X, y)


def test_without_the_release_fits_pile_up_all_reduce_gradients(digits300, monkeypatch):
    # What the release is for, shown by switching it off: if TensorFlow
    # renamed or stopped registering these entries, this fails, rather than
    # the test below passing because there is nothing to count.
    _release_train_step_graphs()
    before = custom_gradient_entries()
    monkeypatch.setattr(compat, "_release_train_step_graphs", lambda: 0)
    fit_small(*digits300)
    per_fit = custom_gradient_entries() - before
    assert per_fit > 0  # each traced train step registers all-reduce gradients
    fit_small(*digits300)
    gc.collect()
    assert custom_gradient_entries() == before + 2 * per_fit  # and they stay
    monkeypatch.undo()
    assert _release_train_step_graphs() == 2 * per_fit  # the release drops them
    assert custom_gradient_entries() == before


def test_finished_fits_do_not_pile_up_train_step_graphs(digits300):
    fit_small(*digits300)  # whatever earlier tests left, this fit's are gone
    before = custom_gradient_entries()
    for _ in range(2):
        fit_small(*digits300)
    # Each fit traces its train step, which registers all-reduce gradients
    # (tensorflow/tensorflow#97697, shown above); they were dropped again.
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


@pytest.mark.parametrize("enabled_before", [False, True])
def test_the_guard_leaves_op_determinism_as_it_found_it(enabled_before):
    # In this process TensorFlow has long read TF_DETERMINISTIC_OPS, so
    # SciKeras's own reset works here; the guard must hold on its own, as it
    # does in a fresh interpreter (tested end to end in test_reliability.py).
    from tensorflow.python.framework import config

    (
        config.enable_op_determinism
        if enabled_before
        else config.disable_op_determinism
    )()
    try:
        with _op_determinism_restored():
            config.enable_op_determinism()  # what SciKeras does for a seeded fit
        assert config.is_op_determinism_enabled() is enabled_before
    finally:
        config.disable_op_determinism()
