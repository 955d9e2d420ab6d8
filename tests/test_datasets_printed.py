"""Printed digits rendered from matplotlib's fonts (skdigits.datasets)."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pytest
from scipy import ndimage

from skdigits.datasets import PRINTED_FONTS, make_printed_digits


def test_the_fonts_are_matplotlibs_own():
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    assert all((folder / name).is_file() for name in PRINTED_FONTS)


def test_images_are_mnist_style_and_the_digits_take_turns():
    X, y = make_printed_digits(120, random_state=0)
    assert X.shape == (120, 28, 28) and X.dtype == np.uint8
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y, np.arange(120) % 10)
    for image in X:
        # prepare_digit's contract: the ink fills a 20x20 box (its longer
        # side), full ink, centred by its centre of mass.
        rows, cols = np.nonzero(image)
        assert max(np.ptp(rows), np.ptp(cols)) + 1 in (19, 20, 21)
        assert image.max() == 255
        centre = np.asarray(ndimage.center_of_mass(image.astype(float)))
        assert np.abs(centre - 13.5).max() <= 1.0


def test_every_font_draws_each_digit():
    # Twelve of each digit walk through the six fonts twice: at least six
    # different shapes per digit (sizes and strokes vary too).
    X, y = make_printed_digits(120, random_state=1)
    for digit in range(10):
        assert len({image.tobytes() for image in X[y == digit]}) >= len(PRINTED_FONTS)


def test_random_state_makes_the_same_images():
    X1, y1 = make_printed_digits(30, random_state=3)
    X2, y2 = make_printed_digits(30, random_state=3)
    X3, _ = make_printed_digits(30, random_state=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def test_digits_chooses_the_labels_and_zero_samples_is_empty():
    _, y = make_printed_digits(5, digits=[7, 1], random_state=0)
    np.testing.assert_array_equal(y, [7, 1, 7, 1, 7])
    X, y = make_printed_digits(0, random_state=0)
    assert X.shape == (0, 28, 28) and y.shape == (0,)


@pytest.mark.parametrize("digits", [[], [10], [-1], ["4"], [[1, 2]], [1.5]])
def test_bad_digits_are_named(digits):
    with pytest.raises(ValueError, match=r"digits must be .* the integers 0 to 9"):
        make_printed_digits(3, digits=digits)


def test_a_bad_count_is_a_parameter_error():
    from sklearn.utils._param_validation import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="n_samples"):
        make_printed_digits(-1)
