"""Printed digits rendered from fonts, as MNIST-style training images.

MNIST holds handwriting only. Its 4s are mostly open at the top, and a model
trained on it alone reads the closed 4 of most printed fonts as a 9. These
images give training the printed shapes. They are rendered from the upright
fonts that matplotlib ships in its own package (STIX and Computer Modern),
not from the fonts installed on the machine: every installed font is a test
condition of the robustness benchmark, so it must not be trained on.
"""

from __future__ import annotations

import functools
from numbers import Integral
from pathlib import Path

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

__all__ = ["PRINTED_FONTS", "make_printed_digits"]

#: The font files the digits are rendered from, in matplotlib's
#: ``mpl-data/fonts/ttf``: Times-like serif (STIX, regular and bold) and
#: Computer Modern (roman, bold, sans, typewriter). Only upright styles:
#: ``Deskew`` straightens slanted digits before the model reads them.
PRINTED_FONTS: tuple[str, ...] = (
    "STIXGeneral.ttf",
    "STIXGeneralBol.ttf",
    "cmr10.ttf",
    "cmb10.ttf",
    "cmss10.ttf",
    "cmtt10.ttf",
)

# Rendering sizes in pixels (the digit is then fitted into 20x20, so these
# vary only how smooth the strokes are); a few, so each font loads once each.
_SIZES = (40, 52, 64, 76)
# Extra outline width in pixels at each size: regular to heavy strokes.
_STROKES = (0, 0, 1, 2)


def _font_directory() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@functools.lru_cache(maxsize=len(PRINTED_FONTS) * len(_SIZES))
def _font(name: str, size: int):
    from PIL import ImageFont

    return ImageFont.truetype(_font_directory() / name, size=size)


def _render(digit: int, font, stroke: int) -> np.ndarray:
    """A dark digit on light paper, as a user's print would come."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (128, 128), 255)
    ImageDraw.Draw(image).text(
        (64, 64),
        str(digit),
        fill=0,
        font=font,
        anchor="mm",
        stroke_width=stroke,
        stroke_fill=0,
    )
    return np.asarray(image)


@validate_params(
    {
        "n_samples": [Interval(Integral, 0, None, closed="left")],
        "digits": ["array-like", None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_printed_digits(
    n_samples: int = 1000,
    *,
    digits=None,
    random_state: int | np.random.RandomState | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Render printed digits as 28x28 MNIST-style images, with their labels.

    Each image is one digit in one of :data:`PRINTED_FONTS`, drawn dark on
    light at a random size and stroke weight, then made MNIST-like by
    :func:`~skdigits.image_io.prepare_digit`, the preparation a user's picture
    goes through. Digits and fonts take turns, so every digit (and every font
    within a digit) is equally common.

    ``DenseDigitClassifier(augment=RandomDistortion(printed_digits=...))``
    adds such images to its training data; use this function to look at them,
    or to add them to a training set yourself.

    Parameters
    ----------
    n_samples : int >= 0, default=1000
        Number of images.
    digits : array-like of int in 0-9, or None, default=None
        The digits to draw, in turn; None draws 0 to 9.
    random_state : int, RandomState instance or None, default=None
        Seeds the fonts' order, sizes and stroke weights.

    Returns
    -------
    X : ndarray of shape (n_samples, 28, 28), dtype uint8
        White ink on black, 0-255, as MNIST.
    y : ndarray of shape (n_samples,), dtype int64
        The digit of each image.

    Raises
    ------
    ValueError
        If ``digits`` holds anything but the integers 0 to 9, or is empty.

    Examples
    --------
    >>> from skdigits.datasets import make_printed_digits
    >>> X, y = make_printed_digits(20, random_state=0)
    >>> X.shape, X.dtype, X.max()
    ((20, 28, 28), dtype('uint8'), np.uint8(255))
    >>> y[:12]
    array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1])
    >>> make_printed_digits(3, digits=[4, 9], random_state=0)[1]
    array([4, 9, 4])
    """
    from skdigits._prediction.preparation import prepare_digit

    if digits is None:
        digits = np.arange(10)
    digits = np.asarray(digits)
    if (
        digits.ndim != 1
        or len(digits) == 0
        or not np.issubdtype(digits.dtype, np.integer)
        or not np.isin(digits, np.arange(10)).all()
    ):
        raise ValueError(
            "digits must be a non-empty list of the integers 0 to 9; got "
            f"{digits.tolist()!r}."
        )
    rng = check_random_state(random_state)
    labels = digits[np.arange(n_samples) % len(digits)].astype(np.int64)
    # Each digit walks through the fonts from its own random start, so small
    # sets still see every font.
    start = rng.randint(len(PRINTED_FONTS), size=len(digits))
    turn = np.arange(n_samples) // len(digits)
    fonts = (start[np.arange(n_samples) % len(digits)] + turn) % len(PRINTED_FONTS)
    sizes = rng.randint(len(_SIZES), size=n_samples)
    strokes = rng.randint(len(_STROKES), size=n_samples)
    X = np.zeros((n_samples, 28, 28), dtype=np.uint8)
    for i in range(n_samples):
        font = _font(PRINTED_FONTS[fonts[i]], _SIZES[sizes[i]])
        # A heavier outline on the larger sizes only, so a stroke of 2 does
        # not close the counters of a small 8.
        stroke = _STROKES[strokes[i]] * _SIZES[sizes[i]] // _SIZES[-1]
        X[i] = prepare_digit(_render(int(labels[i]), font, stroke))
    return X, labels
