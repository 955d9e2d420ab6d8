"""skdigits._estimators.pixels: the pixel input both image transformers accept, and the
errors they both give for anything else."""

from __future__ import annotations

import numpy as np
import pytest

from skdigits import Deskew, PixelScaler
from skdigits._estimators.pixels import check_pixels

TRANSFORMERS = [PixelScaler, Deskew]


@pytest.mark.parametrize("shape", [(3, 784), (3, 28, 28), (1, 5)])
def test_numbers_keep_their_layout(shape):
    X = np.arange(np.prod(shape), dtype=np.uint8).reshape(shape)
    out = check_pixels(X, PixelScaler())
    assert out.shape == shape
    np.testing.assert_array_equal(out, X)


@pytest.mark.parametrize("transformer", TRANSFORMERS)
@pytest.mark.parametrize(
    ("X", "error", "match"),
    [
        ([["a", "b"]], ValueError, "numeric"),  # scikit-learn's message
        (np.array([[1, "a"]], dtype=object), ValueError, "only numbers .*'a'"),
        (np.zeros((2, 2, 2, 2)), ValueError, "got 4 dimensions"),
        (np.zeros((2, 0, 0)), ValueError, "empty images"),
        (-np.ones((2, 4)), ValueError, "Negative values in data passed to {name}"),
        ([[0.0, np.nan]], ValueError, "NaN"),
    ],
)
def test_both_transformers_refuse_the_same_input_the_same_way(
    transformer, X, error, match
):
    name = transformer.__name__
    with pytest.raises(error, match=match.format(name=name)):
        check_pixels(X, transformer())
    # ... before fitting anything: the estimator is left as it was.
    estimator = transformer()
    with pytest.raises(error, match=match.format(name=name)):
        estimator.fit(X)
    assert not hasattr(estimator, "n_features_in_")


def test_negative_values_can_be_allowed():
    X = -np.ones((2, 4))
    np.testing.assert_array_equal(
        check_pixels(X, PixelScaler(), allow_negative=True), X
    )
