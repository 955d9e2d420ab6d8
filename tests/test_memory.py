"""A process that fits many models must not keep anything of the finished ones.

Memory is checked through counts of what TensorFlow keeps, not through RSS
or time (the soak benchmark, ``benchmarks/soak.py``, measures RSS):

* the functions registered in the eager context: a fit that pinned its
  traced train step (e.g. through the gradient registry) keeps about twenty;
* the eager kernel cache, which TensorFlow does not let one count. A
  stateful random op run eagerly with fixed seeds keeps its generator in its
  cached kernel, so the number of values it has drawn since its kernel was
  cached is a counter that lives in that cache: it starts again only if the
  cache was emptied. Every uniquely named variable adds a kernel to that
  cache (see ``skdigits/_keras/scikeras_glue.py``), so a fit must empty it.
"""

from __future__ import annotations

import gc

import pytest

from skdigits.classifier import DenseDigitClassifier


def fit_unseeded(X, y):
    # Unseeded: a seeded fit calls tf.random.set_seed, which empties the
    # kernel cache on its own and would hide a missing release.
    return DenseDigitClassifier(hidden_layer_sizes=(8,), batch_size=64, epochs=1).fit(
        X, y
    )


def draw_from_cached_kernel() -> float:
    """One value from a stateful random op whose kernel the eager cache keeps."""
    import tensorflow as tf

    shape = tf.constant([], dtype=tf.int32)
    return float(
        tf.raw_ops.RandomUniform(shape=shape, dtype=tf.float32, seed=7, seed2=11)
    )


@pytest.fixture
def empty_kernel_cache():
    """The eager kernel cache emptied, and the sentinel's first draw from it."""
    from tensorflow.python.eager import context

    context.context().clear_kernel_cache()
    first = draw_from_cached_kernel()
    # The premise: the cached kernel goes on drawing new values. If TensorFlow
    # stopped caching it, this fails instead of the tests passing trivially.
    assert draw_from_cached_kernel() != first
    return first


def test_the_sentinel_counts_draws_until_the_cache_is_emptied(empty_kernel_cache):
    from tensorflow.python.eager import context

    third = draw_from_cached_kernel()
    assert third != empty_kernel_cache
    context.context().clear_kernel_cache()
    assert draw_from_cached_kernel() == empty_kernel_cache


def test_a_fit_leaves_no_cached_eager_kernels(digits300, empty_kernel_cache):
    fit_unseeded(*digits300)
    # The sentinel's kernel was evicted with the fit's own (one per variable):
    # its sequence starts again.
    assert draw_from_cached_kernel() == empty_kernel_cache


def test_fits_register_no_lasting_functions_in_the_eager_context(digits300):
    from tensorflow.python.eager import context

    fit_unseeded(*digits300)  # first fit: Keras's one-off functions
    gc.collect()
    before = set(context.context().list_function_names())
    fit_unseeded(*digits300)
    fit_unseeded(*digits300)
    gc.collect()
    assert set(context.context().list_function_names()) == before
