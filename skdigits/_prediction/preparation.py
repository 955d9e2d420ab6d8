"""Prepare a picture of a digit the way MNIST was made.

MNIST digits are white on black, 28x28 pixels, with the digit scaled to fit a
20x20 box (keeping its aspect ratio, antialiased) and placed so that its
centre of mass sits in the middle of the field. A model trained on MNIST
expects exactly that, so a photo or a drawing of a digit has to go through
the same steps before it is classified:

1-4. grey pixels, inverted if the ink is dark on light paper, the paper's
   grain and uneven light removed (:mod:`skdigits._prediction.paper`);
5. ``crop_to_ink``: the background level is subtracted, ink is told from
   what is left of the noise, and the image is cropped to the bounding box
   of the ink; blank pictures and lone specks are refused;
6. ``fit_into_box``: scaled to fit into 20x20, keeping the aspect ratio;
   ``stroke_sharpness`` then refuses a soft smudge, which has no strokes;
7. ``center_by_mass``: pasted into 28x28 with its centre of mass in the
   middle.

:func:`prepare_digit` runs them all and returns ``uint8`` pixels 0-255,
what a fitted ``Pipeline([("scale", PixelScaler()), ("clf",
DenseDigitClassifier())])`` takes; reading files is
:mod:`skdigits._prediction.reading`'s job. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from skdigits._prediction.paper import (
    MIN_CONTRAST,
    ImageReadError,
    border,
    flatten_background,
    has_light_background,
    remove_noise,
    to_grayscale,
)

__all__ = [
    "MNIST_BOX",
    "MNIST_CENTER",
    "MNIST_SHAPE",
    "center_by_mass",
    "crop_to_ink",
    "fit_into_box",
    "prepare_digit",
    "stroke_sharpness",
]

MNIST_SHAPE = (28, 28)
MNIST_BOX = 20
# Where MNIST's centres of mass sit, in (row, column) pixel indices: the
# original data set shifted every digit by whole pixels so that its centroid
# landed on pixel (14, 14) (measured: mean 14.0, spread +-0.5 on both axes).
MNIST_CENTER = (14.0, 14.0)

# Ink fainter than this share of the strongest ink is background noise (JPEG
# ringing, paper texture) and is zeroed; the crop box is found from ink
# stronger than _BOX_INK, so that faint specks do not widen it.
_NOISE_INK = 0.10
_BOX_INK = 0.25
# Ink must also stand out from the paper's grain: pixels within this many
# noise standard deviations of the paper are paper, and the strongest ink
# must reach twice that.
_NOISE_SIGMAS = 3.0
_NOISE_SIDE = 8
# A picture whose ink is smaller than this (pixels, longer side) and than
# _SPECK_SHARE of the picture's longer side holds a speck, not a digit.
_SPECK_PIXELS = 6
_SPECK_SHARE = 0.1
# Strokes rise from paper to ink within a pixel or two of the 20x20 digit
# (measured: at least 0.19 of full ink per pixel even under a 2-pixel blur);
# a soft smudge rises by about 0.1 per pixel.
_MIN_SHARPNESS = 0.15


def crop_to_ink(image: ArrayLike) -> np.ndarray:
    """Subtract the background level and crop to the ink's bounding box.

    The image must be light ink on a dark background (invert it first if
    ``has_light_background``). The median of the border pixels is taken
    as the background and subtracted, and the spread of the border pixels
    as the paper's noise (for pictures at least 8 pixels a side). Ink
    fainter than a tenth of the strongest ink, or within three noise
    deviations of the paper (paper texture, JPEG noise, grains), becomes 0,
    and the crop box holds every pixel with at least a quarter of the
    strongest ink (and four and a half noise deviations).

    Parameters
    ----------
    image : array-like of shape (height, width)
        Light ink on a dark background, intensities 0-255.

    Returns
    -------
    cropped : ndarray of shape (box_height, box_width), dtype float32
        The ink, background at 0.

    Raises
    ------
    ImageReadError
        The image holds no digit: it is blank or nearly uniform, no pixel
        stands out from the paper's noise, or the ink is a lone speck
        (under 6 pixels and a tenth of the picture).

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits._prediction.preparation import crop_to_ink
    >>> image = np.full((6, 6), 30.0)  # a dark grey background
    >>> image[2:4, 1:5] = 230.0
    >>> crop_to_ink(image)
    array([[200., 200., 200., 200.],
           [200., 200., 200., 200.]], dtype=float32)

    A dot on a large page is not a digit:

    >>> page = np.zeros((200, 200))
    >>> page[90:93, 90:93] = 255.0
    >>> crop_to_ink(page)
    Traceback (most recent call last):
    ...
    skdigits._prediction.paper.ImageReadError: no digit found: only a speck ...
    """
    image = np.asarray(image, dtype=np.float32)
    ring = border(image)
    background = float(np.median(ring))
    ink = np.clip(image - background, 0, None)
    # The border of a tiny picture is most of it, digit included: too little
    # paper to measure its noise.
    noise = (
        1.4826 * float(np.median(np.abs(ring - background)))
        if min(image.shape) >= _NOISE_SIDE
        else 0.0
    )
    strongest = float(ink.max()) if ink.size else 0.0
    if strongest < max(MIN_CONTRAST, 2 * _NOISE_SIGMAS * noise):
        raise ImageReadError(
            "no digit found: the image is blank (no pixel stands out from "
            "the background)."
        )
    ink[ink < max(_NOISE_INK * strongest, _NOISE_SIGMAS * noise)] = 0
    box = ink >= max(_BOX_INK * strongest, 1.5 * _NOISE_SIGMAS * noise)
    rows = np.flatnonzero(box.any(axis=1))
    cols = np.flatnonzero(box.any(axis=0))
    extent = max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1
    if extent < _SPECK_PIXELS and extent < _SPECK_SHARE * max(image.shape):
        raise ImageReadError(
            f"no digit found: only a speck ({extent} pixels across) stands "
            "out from the background."
        )
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def fit_into_box(image: ArrayLike, size: int = MNIST_BOX) -> np.ndarray:
    """Scale an image to fit into a ``size`` x ``size`` box, keeping its shape.

    The longer side becomes ``size`` pixels; the shorter one is scaled by the
    same factor (at least 1 pixel). Resampling is Lanczos (antialiased), as
    MNIST's grey levels come from antialiasing. The ink is then stretched so
    that its strongest pixel is 255, as in MNIST.

    Parameters
    ----------
    image : array-like of shape (height, width)
        Light ink on black, intensities 0-255, e.g. from ``crop_to_ink``.
    size : int, default=20
        Side of the box; MNIST used 20.

    Returns
    -------
    fitted : ndarray of shape (new_height, new_width), dtype float32
        ``max(new_height, new_width) == size``; values 0-255.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits._prediction.preparation import fit_into_box
    >>> fit_into_box(np.full((100, 50), 128.0)).shape
    (20, 10)
    >>> fit_into_box(np.full((3, 6), 128.0)).shape  # small ones grow
    (10, 20)
    """
    from PIL import Image

    image = np.asarray(image, dtype=np.float32)
    height, width = image.shape
    scale = size / max(height, width)
    new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if new_size != (width, height):
        resized = Image.fromarray(image, mode="F").resize(
            new_size, Image.Resampling.LANCZOS
        )
        image = np.asarray(resized, dtype=np.float32)
    # Lanczos rings a little below 0 and above the input range.
    image = np.clip(image, 0, None)
    strongest = float(image.max())
    if strongest > 0:
        image = image * (255 / strongest)
    return image.astype(np.float32)


def stroke_sharpness(image: ArrayLike) -> float:
    """How steeply the ink rises from the background, per pixel, 0 to 1.

    The largest step between neighbouring pixels, as a share of the
    strongest ink; the edge of the image counts as a step down to the
    background where the ink there is strong (at least half the strongest:
    a stroke that fills its crop box). Measured on a digit fitted into 20x20
    (the output of :func:`fit_into_box`), pen strokes rise within a pixel or
    two (0.19 or more even blurred by 2 pixels), while a soft smudge or a
    shadow rises over many pixels (about 0.1): :func:`prepare_digit`
    refuses pictures below 0.15 as holding no digit.

    Parameters
    ----------
    image : array-like of shape (height, width)
        Light ink on black.

    Returns
    -------
    sharpness : float
        From 0 (no ink, or flat) to 1 (strong ink next to empty background).

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits._prediction.preparation import stroke_sharpness
    >>> stroke = np.zeros((20, 20))
    >>> stroke[2:18, 9:12] = 255.0
    >>> stroke_sharpness(stroke), stroke_sharpness(stroke[2:18, 9:12])
    (1.0, 1.0)
    >>> rows, cols = np.mgrid[0:20, 0:20]
    >>> smudge = 255 * np.exp(-((rows - 9.5) ** 2 + (cols - 9.5) ** 2) / 72)
    >>> round(stroke_sharpness(smudge), 2)
    0.11
    """
    image = np.asarray(image, dtype=np.float32)
    strongest = float(image.max()) if image.size else 0.0
    if strongest <= 0:
        return 0.0
    steps = [np.abs(np.diff(image, axis=axis)) for axis in (0, 1)]
    step = max((float(s.max()) for s in steps if s.size), default=0.0)
    edge = float(border(image).max())
    if edge >= 0.5 * strongest:
        step = max(step, edge)
    return step / strongest


def center_by_mass(
    image: ArrayLike,
    shape: tuple[int, int] = MNIST_SHAPE,
    center: tuple[float, float] = MNIST_CENTER,
) -> np.ndarray:
    """Paste an image into a black field with its centre of mass at ``center``.

    The image is shifted by whole pixels (as MNIST did), so the centre of
    mass lands within half a pixel of ``center``. If the ink is so lopsided
    that the shift would push part of it out of the field, the shift is
    reduced to keep all of it in.

    Parameters
    ----------
    image : array-like of shape (height, width)
        Light ink on black, no larger than ``shape``.
    shape : tuple of (int, int), default=(28, 28)
        Size of the field.
    center : tuple of (float, float), default=(14.0, 14.0)
        Target (row, column) of the centre of mass; MNIST's digits have it
        at pixel (14, 14).

    Returns
    -------
    field : ndarray of shape ``shape``, dtype uint8
        The image on black.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits._prediction.preparation import center_by_mass
    >>> blob = np.full((3, 3), 255.0)  # its centre of mass is pixel (1, 1)
    >>> field = center_by_mass(blob)
    >>> field.shape, np.argwhere(field).min(axis=0).tolist()
    ((28, 28), [13, 13])
    """
    image = np.asarray(image, dtype=np.float32)
    height, width = image.shape
    if height > shape[0] or width > shape[1]:
        raise ValueError(f"image of shape {image.shape} does not fit into {shape}.")
    total = float(image.sum())
    if total > 0:
        rows, cols = np.indices(image.shape)
        com_row = float((rows * image).sum()) / total
        com_col = float((cols * image).sum()) / total
    else:
        com_row, com_col = (height - 1) / 2, (width - 1) / 2
    top = min(max(round(center[0] - com_row), 0), shape[0] - height)
    left = min(max(round(center[1] - com_col), 0), shape[1] - width)
    field = np.zeros(shape, dtype=np.float32)
    field[top : top + height, left : left + width] = image
    return np.rint(np.clip(field, 0, 255)).astype(np.uint8)


def prepare_digit(image: ArrayLike) -> np.ndarray:
    """Turn a picture of one digit into a 28x28 MNIST-style image.

    A 28x28 image that is already light ink on a dark background (an MNIST
    digit) is returned unchanged, apart from its type. Anything else goes
    through the steps MNIST was made with: grayscale (``to_grayscale``),
    inverted if the background is light (``has_light_background``),
    cropped to the ink (``crop_to_ink``), scaled into 20x20
    (``fit_into_box``) and centred by its centre of mass in 28x28
    (``center_by_mass``).

    Parameters
    ----------
    image : array-like of shape (height, width) or (height, width, channels)
        Grey, RGB or RGBA pixels, 0-255 or floats in [0, 1]; any size.

    Returns
    -------
    digit : ndarray of shape (28, 28), dtype uint8
        White ink on black, 0-255.

    Raises
    ------
    ImageReadError
        Not an image array, or no digit in it (blank).

    Examples
    --------
    A dark "1" drawn on a light 60x40 card becomes an MNIST-style digit:

    >>> import numpy as np
    >>> from skdigits.image_io import prepare_digit
    >>> card = np.full((60, 40), 240, dtype=np.uint8)
    >>> card[10:50, 18:23] = 0  # the stroke
    >>> digit = prepare_digit(card)
    >>> digit.shape, digit.dtype, int(digit.max())
    ((28, 28), dtype('uint8'), 255)
    >>> rows = np.flatnonzero(digit.any(axis=1))
    >>> int(rows[-1] - rows[0] + 1)  # scaled to 20 pixels high
    20

    An MNIST digit passes through as it is:

    >>> from skdigits.datasets import load_mnist_sample
    >>> X_train, _, _, _ = load_mnist_sample(return_X_y=True)
    >>> bool(np.array_equal(prepare_digit(X_train[0]), X_train[0]))
    True
    """
    gray = to_grayscale(image)
    light = has_light_background(gray)
    if gray.shape == MNIST_SHAPE and not light:
        return np.rint(gray).astype(np.uint8)
    gray = flatten_background(remove_noise(gray), light)
    if light:
        gray = 255 - gray
    digit = fit_into_box(crop_to_ink(gray))
    if stroke_sharpness(digit) < _MIN_SHARPNESS:
        raise ImageReadError(
            "no digit found: only a soft smudge (no pen strokes) stands out "
            "from the background."
        )
    return center_by_mass(digit)
