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
    # Traced once, inside the kinds' XLA function (the batch size is dynamic).
    assert [(shape[1:], strength) for shape, strength in calls] == [((28, 28), 1.0)]
    np.testing.assert_array_equal(inverted, 1.0 - warped)


def test_a_kind_at_strength_zero_is_skipped(monkeypatch):
    def fail(images, strength, seed_generator):
        raise AssertionError("a kind at strength 0 must not run")

    monkeypatch.setitem(keras_distortion.PIXEL_KINDS, "invert", fail)
    off = RandomDistortion(elastic_alpha=0)
    off.invert = 0.0
    out = keras_distortion.distort(_batch(), off, (28, 28), seed=0)
    assert out.shape == (4, 784)


def _one_stroke() -> np.ndarray:
    """A 4-pixel-wide vertical bar, as a 3-D stack of 8 images."""
    images = np.zeros((8, 28, 28), dtype=np.float32)
    images[:, 6:22, 12:16] = 1.0
    return images


def _kind(name, images, strength, seed=0):
    import keras

    generator = keras.random.SeedGenerator(seed)
    kind = keras_distortion.PIXEL_KINDS[name]
    return np.asarray(kind(keras.ops.convert_to_tensor(images), strength, generator))


def test_stroke_width_dilates_and_erodes_by_the_drawn_amount():
    images = _one_stroke()
    out = _kind("stroke_width", images, 2.0)
    # Each image's bar is 4 px wide; after a change of w pixels (|w| <= 2),
    # half on each side, a row across it holds 4 + w of ink: the blend of the
    # whole steps is linear in w, so the ink is 4 + w exactly (up to float
    # rounding), and w is spread over [-2, 2] across the images.
    ink = out[:, 14, :].sum(axis=1)
    assert ((ink >= 2 - 1e-5) & (ink <= 6 + 1e-5)).all(), ink
    assert ink.max() > 4.5 and ink.min() < 3.5, ink  # thicker and thinner ones
    # Only the bar's neighbouring columns change: radius <= 1.
    assert out[:, :, :10].max() == 0 and out[:, :, 18:].max() == 0
    # Strength is honoured: a larger one reaches further, a smaller one less.
    wide = _kind("stroke_width", images, 6.0)[:, 14, :].sum(axis=1)
    narrow = _kind("stroke_width", images, 0.5)[:, 14, :].sum(axis=1)
    assert np.abs(wide - 4).max() > 2.5 and np.abs(wide - 4).max() <= 6 + 1e-5
    assert np.abs(narrow - 4).max() <= 0.5 + 1e-5


def test_a_stroke_width_pair_bounds_thinning_and_thickening_apart():
    images = _one_stroke()
    # (thinner, thicker) = (0, 2): only thicker, by up to 2 px.
    ink = _kind("stroke_width", images, (0.0, 2.0))[:, 14, :].sum(axis=1)
    assert (ink >= 4 - 1e-5).all() and (ink <= 6 + 1e-5).all(), ink
    assert ink.max() > 5, ink
    # (1, 0): only thinner, by up to 1 px.
    ink = _kind("stroke_width", images, (1.0, 0.0))[:, 14, :].sum(axis=1)
    assert (ink >= 3 - 1e-5).all() and (ink <= 4 + 1e-5).all(), ink
    assert ink.min() < 3.5, ink


def test_stroke_width_keeps_each_image_peak():
    images = _one_stroke() * 0.8
    out = _kind("stroke_width", images, 3.0)
    np.testing.assert_allclose(out.max(axis=(1, 2)), 0.8, rtol=1e-5)


def test_blur_spreads_ink_by_the_drawn_width_and_keeps_the_peak():
    images = np.zeros((64, 28, 28), dtype=np.float32)
    images[:, 14, 14] = 1.0  # a point: its blur is the Gaussian itself
    rows = np.arange(28, dtype=np.float32)[:, None] - 14

    def spread(out):
        mass = out.sum(axis=(1, 2))
        return np.sqrt((out * rows**2).sum(axis=(1, 2)) / mass)

    out = _kind("blur", images, 2.0)
    sigmas = spread(out)
    # The drawn widths cover [0, 2]: point-like and wide images both appear,
    # none wider than the strength (the kernel's own sigma, up to rounding).
    assert sigmas.max() <= 2.0 + 1e-3 and sigmas.max() > 1.5, sigmas
    assert sigmas.min() < 0.5, sigmas
    np.testing.assert_allclose(out.max(axis=(1, 2)), 1.0, rtol=1e-5)
    assert spread(_kind("blur", images, 0.5)).max() <= 0.5 + 1e-3


def test_kinds_are_seeded_and_run_in_the_layer():
    X = _batch()
    both = RandomDistortion(
        rotation=0, scale=0, shift=0, elastic_alpha=0, stroke_width=2, blur=1
    )
    a = keras_distortion.distort(X, both, (28, 28), seed=0)
    np.testing.assert_array_equal(a, keras_distortion.distort(X, both, (28, 28), 0))
    assert not np.allclose(a, keras_distortion.distort(X, both, (28, 28), seed=1))
    assert not np.allclose(a, X)
