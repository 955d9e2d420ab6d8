"""The distortion layer's batch distorter: skdigits._keras.distortion."""

from __future__ import annotations

import numpy as np

from skdigits._keras import distortion as keras_distortion
from skdigits.augmentation import RandomDistortion


def _batch() -> np.ndarray:
    X = np.zeros((4, 28 * 28), dtype=np.float32)
    X.reshape(4, 28, 28)[:, 8:20, 12:16] = 1.0
    return X


def test_a_new_kind_is_one_function_and_one_parameter(monkeypatch):
    # The shape that the next kinds (stroke width, blur) plug into: a
    # strength on RandomDistortion, and a function under its name.
    calls = []

    def invert(images, strength, seed_generator):
        calls.append((tuple(images.shape), strength))
        return strength - images

    monkeypatch.setitem(keras_distortion.PIXEL_KINDS, "invert", invert)
    plain = RandomDistortion(elastic_alpha=0)
    plain.invert = 0.0
    with_kind = RandomDistortion(elastic_alpha=0)
    with_kind.invert = 1.0  # stands for the new parameter
    X = _batch()
    warped = keras_distortion.distort(X, plain, (28, 28), seed=0)
    inverted = keras_distortion.distort(X, with_kind, (28, 28), seed=0)
    assert calls == [((4, 28, 28), 1.0)]
    np.testing.assert_array_equal(inverted, 1.0 - warped)


def test_a_kind_at_strength_zero_is_skipped(monkeypatch):
    def fail(images, strength, seed_generator):
        raise AssertionError("a kind at strength 0 must not run")

    monkeypatch.setitem(keras_distortion.PIXEL_KINDS, "invert", fail)
    off = RandomDistortion(elastic_alpha=0)
    off.invert = 0.0
    out = keras_distortion.distort(_batch(), off, (28, 28), seed=0)
    assert out.shape == (4, 784)
