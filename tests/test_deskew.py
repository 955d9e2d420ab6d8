"""Tests for skdigits._estimators.deskew: moment-based deskewing of digit images."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.neighbors import NearestCentroid
from sklearn.pipeline import Pipeline

from skdigits._estimators.deskew import Deskew
from skdigits._prediction.shear import deskew_images
from skdigits.datasets import load_mnist_sample
from skdigits.preprocessing import PixelScaler


def _moments(image: np.ndarray) -> tuple[float, float, float]:
    """Centre of mass (row, column) and slant cov(row, column) / var(row)."""
    rows, cols = np.indices(image.shape)
    total = image.sum()
    r = (rows * image).sum() / total
    c = (cols * image).sum() / total
    slant = ((rows - r) * (cols - c) * image).sum() / ((rows - r) ** 2 * image).sum()
    return r, c, slant


def _italic_bar(shear: float, side: int = 28) -> np.ndarray:
    """A vertical bar whose top leans right by ``shear`` pixels per row."""
    image = np.zeros((side, side), dtype=np.float32)
    for row in range(4, side - 4):
        col = side / 2 + shear * (side / 2 - row)
        left = int(np.floor(col))
        image[row, left] += 255 * (1 - (col - left))
        image[row, left + 1] += 255 * (col - left)
    return image


@pytest.mark.parametrize("shear", [-0.5, -0.2, 0.3, 0.6])
def test_removes_the_slant_of_a_sheared_bar(shear):
    bar = _italic_bar(shear)
    assert abs(_moments(bar)[2] + shear) < 1e-3  # leaning right: slant < 0
    straight = deskew_images(bar[None])[0]
    # Linear interpolation blurs the bar by under a pixel: the slant left is
    # a small fraction of what it was.
    assert abs(_moments(straight)[2]) < 0.05 * abs(shear)
    # Ink is kept (nothing crosses the edges) and stays centred on its row.
    assert_allclose(straight.sum(), bar.sum(), rtol=1e-5)
    assert_allclose(_moments(straight)[:2], _moments(bar)[:2], atol=0.05)


def test_upright_and_empty_images_are_left_alone():
    upright = np.zeros((1, 28, 28), dtype=np.float32)
    upright[0, 4:24, 13:15] = 255
    assert_array_equal(deskew_images(upright), upright)
    blank = np.zeros((2, 28, 28), dtype=np.float32)
    assert_array_equal(deskew_images(blank), blank)


def test_max_shear_limits_the_shear():
    bar = _italic_bar(0.6)[None]
    limited = deskew_images(bar, max_shear=0.2)[0]
    # Only 0.2 of the 0.6 is removed.
    assert_allclose(_moments(limited)[2], -0.4, atol=0.02)
    assert_array_equal(deskew_images(bar, max_shear=0.0), bar)


def test_straightens_mnist_digits():
    X, _, _, _ = load_mnist_sample(return_X_y=True)
    X = X[:200].astype(np.float32)
    before = np.array([abs(_moments(x)[2]) for x in X])
    after = np.array([abs(_moments(x)[2]) for x in deskew_images(X)])
    assert np.median(before) > 0.1  # MNIST's writers slant
    assert np.median(after) < 0.2 * np.median(before)


def test_transformer_keeps_layout_and_scale():
    X, _, _, _ = load_mnist_sample(return_X_y=True)
    images = X[:5]
    flat = images.reshape(5, -1)
    deskew = Deskew().fit(flat)
    assert deskew.image_shape_ == (28, 28)
    assert deskew.n_features_in_ == 784
    out_flat = deskew.transform(flat)
    out_images = deskew.transform(images)
    assert out_flat.shape == (5, 784)
    assert out_images.shape == (5, 28, 28)
    assert out_flat.dtype == np.float32
    assert_array_equal(out_flat, out_images.reshape(5, -1))
    assert_allclose(out_images, deskew_images(images))
    assert out_flat.max() <= 255


def test_flat_input_that_is_not_square_is_one_row():
    X = np.arange(12, dtype=float).reshape(2, 6)
    deskew = Deskew().fit(X)
    assert deskew.image_shape_ == (1, 6)
    assert_array_equal(deskew.transform(X), X)


def test_bad_input_is_refused_before_fitting():
    deskew = Deskew()
    with pytest.raises(ValueError, match="Negative values"):
        deskew.fit(-np.ones((2, 4)))
    with pytest.raises(ValueError, match="dimensions"):
        deskew.fit(np.zeros((2, 2, 2, 2)))
    assert not hasattr(deskew, "image_shape_")
    with pytest.raises(NotFittedError):
        deskew.transform(np.zeros((1, 4)))
    fitted = Deskew().fit(np.zeros((2, 28, 28)))
    with pytest.raises(ValueError, match="fitted on images of shape"):
        fitted.transform(np.zeros((2, 14, 56)))
    with pytest.raises(ValueError, match="max_shear"):
        Deskew(max_shear=-1).fit(np.zeros((2, 4)))


def test_pipeline_carries_it():
    X, y, X_test, _ = load_mnist_sample(return_X_y=True)
    model = Pipeline(
        [
            ("deskew", Deskew()),
            ("scale", PixelScaler()),
            ("clf", NearestCentroid()),
        ]
    ).fit(X[:300], y[:300])
    seen = model[:-1].transform(X_test[:4])
    expected = deskew_images(X_test[:4]).reshape(4, -1)
    assert_allclose(seen * model["scale"].max_value_, expected, rtol=1e-5, atol=1e-3)
    assert clone(model)["deskew"].get_params() == {"max_shear": 1.0}
