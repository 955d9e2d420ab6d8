"""The NumPy forward pass gives Keras's probabilities, for every activation.

``predict_proba`` never calls Keras: it runs the trained weights through
``skdigits._prediction.forward.dense_forward``, whose activations are written
by hand (selu's and elu's constants, a sign-split sigmoid, swish). Each must match
Keras to float32 rounding, over the whole range a hidden layer produces.
"""

from __future__ import annotations

import numpy as np
import pytest

from skdigits._keras import keras  # TensorFlow's quiet start
from skdigits._keras.network import build_dense_network
from skdigits._prediction.forward import ACTIVATIONS, dense_forward

# Pre-activations from deep negative to deep positive: saturation, the kink at
# 0, and values where a naive exp would overflow in float32.
Z = np.r_[
    np.linspace(-100, 100, 801),
    np.linspace(-3, 3, 1201),
    [-1e-6, 0.0, 1e-6, -88.8, 88.8, -1e4, 1e4],
].astype(np.float32)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_numpy_activation_is_kerass_to_float32_rounding(name):
    ours = ACTIVATIONS[name](Z)
    theirs = keras.ops.convert_to_numpy(keras.activations.get(name)(Z))
    assert ours.dtype == np.float32
    assert np.all(np.isfinite(ours))
    # Each side within 4 float32 ulps of the exact value (NumPy documents its
    # SIMD float32 exp, log and SVML-based functions to at most 4 ULP, and
    # picks the implementation by the CPU's vector width; Eigen's are within
    # that), so 8 ulps relative apart; plus absolute slack near 0, where Keras
    # computes elu as exp(z) - 1, exact only to an ulp of 1 (2**-23).
    ulp = 2.0**-23
    np.testing.assert_allclose(ours, theirs, rtol=8 * ulp, atol=2 * ulp)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_dense_forward_matches_keras_predict(name, assert_within_float32_rounding):
    rng = np.random.default_rng(0)
    model = build_dense_network(
        30, 7, hidden_layer_sizes=(40, 20), activation=name, dropout=0.2, seed=0
    )
    # Larger weights than Glorot's, so the hidden layers reach the tails.
    model.set_weights([3 * w for w in model.get_weights()])
    weights = [
        (layer.kernel.numpy(), layer.bias.numpy())
        for layer in model.layers
        if isinstance(layer, keras.layers.Dense)
    ]
    X = rng.normal(scale=2.0, size=(256, 30)).astype(np.float32)
    ours = dense_forward(weights, X, name)
    theirs = keras.ops.convert_to_numpy(model(X, training=False))
    assert ours.dtype == np.float32 and ours.shape == (256, 7)
    # NumPy's BLAS and TensorFlow add the same float32 products in orders that
    # depend on the CPU (vector width, BLAS kernel, threads), so the claim is
    # agreement to float32 rounding: both within the worst-case accumulation
    # error of the exact (float64) forward pass, derived per entry from the
    # layer widths and |W| |x| in conftest.float32_forward_bound.
    worst, _ = assert_within_float32_rounding(
        ours, theirs, X, weights=weights, activation=name
    )
    assert worst <= 1
    # Not a trivial agreement: the outputs are far from uniform (1/7), and
    # the activation matters.
    assert ours.max(axis=1).mean() > 0.3
    if name != "linear":
        assert not np.allclose(ours, dense_forward(weights, X, "linear"), atol=1e-3)
