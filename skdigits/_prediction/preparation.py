"""Prepare a picture of a digit the way MNIST was made.

MNIST digits are white on black, 28x28 pixels, with the digit scaled to fit a
20x20 box (keeping its aspect ratio, antialiased) and placed so that its
centre of mass sits in the middle of the field. A model trained on MNIST
expects exactly that, so a photo or a drawing of a digit has to go through
the same steps before it is classified:

1. ``to_grayscale``: one intensity channel, 0-255 (transparent pixels
   are laid over a background that keeps the ink visible);
2. ``has_light_background`` decides from the border pixels whether the
   ink is dark on a light background (then the image is inverted, step 5);
3. ``remove_noise``: a 3x3 median filter, if the paper at the border is
   grainy (sensor noise, salt and pepper), so that grains are not taken
   for ink;
4. ``flatten_background``: a smooth surface fitted to the paper (lit
   unevenly in a photo) is divided out, so that the paper is one level;
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

__all__ = [
    "MNIST_BOX",
    "MNIST_CENTER",
    "MNIST_SHAPE",
    "ImageReadError",
    "center_by_mass",
    "crop_to_ink",
    "fit_into_box",
    "flatten_background",
    "has_light_background",
    "prepare_digit",
    "remove_noise",
    "stroke_sharpness",
    "to_grayscale",
]

MNIST_SHAPE = (28, 28)
MNIST_BOX = 20
# Where MNIST's centres of mass sit, in (row, column) pixel indices: the
# original data set shifted every digit by whole pixels so that its centroid
# landed on pixel (14, 14) (measured: mean 14.0, spread +-0.5 on both axes).
MNIST_CENTER = (14.0, 14.0)

# Below this contrast (0-255 scale) an image is taken to hold no digit.
_MIN_CONTRAST = 10.0
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
# A picture is grainy (and worth a median filter) when pixels differ from
# the median of their row neighbours by more than this on average
# (grey levels, 0-255): clean scans and JPEGs stay far below it.
_GRAIN = 1.5
# Pictures smaller than this (shorter side, pixels) are never median-filtered:
# at MNIST's scale the strokes are 2-3 pixels wide, and a 3x3 median would
# eat them.
_DENOISE_SIDE = 56
# The lighting surface is fitted on a grid of at most this many cells a side;
# paper whose fitted brightness varies by no more than _EVEN_LIGHT grey levels
# across the picture is evenly lit and left as it is (faint pencil, with a
# contrast of 20, would lose more to the fit's own errors than it gains).
_LIGHT_GRID = 32
_EVEN_LIGHT = 8.0
# A picture whose ink is smaller than this (pixels, longer side) and than
# _SPECK_SHARE of the picture's longer side holds a speck, not a digit.
_SPECK_PIXELS = 6
_SPECK_SHARE = 0.1
# Strokes rise from paper to ink within a pixel or two of the 20x20 digit
# (measured: at least 0.19 of full ink per pixel even under a 2-pixel blur);
# a soft smudge rises by about 0.1 per pixel.
_MIN_SHARPNESS = 0.15


class ImageReadError(ValueError):
    """A file is not a readable digit image or array, or holds no digit.

    A subclass of :class:`ValueError`; the message names the file.
    ``skdigits predict`` prints it as a one-line error.

    See Also
    --------
    read_digits : Reads and prepares digit images.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skdigits.image_io import ImageReadError, read_digits
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "digit.png"
    ...     _ = path.write_bytes(b"not a PNG")
    ...     try:
    ...         read_digits([path])
    ...     except ImageReadError as exc:
    ...         print(type(exc).__name__, "digit.png" in str(exc))
    ImageReadError True
    """


# -- pixels ------------------------------------------------------------------


def _as_intensities(array: np.ndarray, what: str) -> np.ndarray:
    """Float32 intensities on a 0-255 scale from 0-255, 0-1 or bool pixels."""
    if array.dtype == bool:
        return array.astype(np.float32) * 255
    if array.dtype.kind not in "uif":
        raise ImageReadError(
            f"{what}: expected numeric pixels, got dtype {array.dtype}."
        )
    values = array.astype(np.float32)
    if values.size == 0:
        raise ImageReadError(f"{what}: the image is empty (shape {array.shape}).")
    if not np.all(np.isfinite(values)):
        raise ImageReadError(f"{what}: the pixels hold NaN or infinite values.")
    low, high = float(values.min()), float(values.max())
    if low < 0 or high > 255:
        raise ImageReadError(
            f"{what}: pixel values must lie in 0-255 (or 0-1); found "
            f"{low:g} to {high:g}."
        )
    if array.dtype.kind == "f" and high <= 1.0:
        values *= 255  # floats in [0, 1], as after PixelScaler
    return values


def to_grayscale(image: ArrayLike) -> np.ndarray:
    """One channel of intensities, 0-255, from grey, RGB or RGBA pixels.

    Colour is turned to grey with the ITU-R 601 luma weights that Pillow's
    ``convert("L")`` uses. Transparent pixels (an alpha channel) are laid over
    white, so dark ink on a transparent background reads as dark on white;
    if that leaves nothing to see (light ink), they are laid over black.

    Parameters
    ----------
    image : array-like of shape (height, width), (height, width, 3) or \
            (height, width, 4)
        Grey, RGB or RGBA pixels, 0-255 (any integer or float type) or floats
        in [0, 1]. A grey image with an alpha channel, (height, width, 2), is
        accepted too.

    Returns
    -------
    gray : ndarray of shape (height, width), dtype float32
        Intensities from 0 (black) to 255 (white).

    Raises
    ------
    ImageReadError
        The array does not have one of those shapes, or its pixels are not
        numbers in 0-255 (or 0-1).

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits._prediction.preparation import to_grayscale
    >>> rgb = np.zeros((2, 2, 3), dtype=np.uint8)
    >>> rgb[0, 0] = (255, 255, 255)  # one white pixel
    >>> to_grayscale(rgb)
    array([[255.,   0.],
           [  0.,   0.]], dtype=float32)
    >>> rgba = np.zeros((1, 2, 4), dtype=np.uint8)  # black ink, transparent
    >>> rgba[0, 0, 3] = 255  # the left pixel is opaque
    >>> to_grayscale(rgba)
    array([[  0., 255.]], dtype=float32)
    """
    array = np.asarray(image)
    if array.ndim == 2:
        return _as_intensities(array, "image")
    if array.ndim != 3 or array.shape[2] not in (2, 3, 4):
        raise ImageReadError(
            "image: expected grey (height, width), RGB (height, width, 3) or "
            f"RGBA (height, width, 4) pixels, got shape {array.shape}."
        )
    values = _as_intensities(array, "image")
    if array.shape[2] == 2:  # grey + alpha
        gray, alpha = values[..., 0], values[..., 1] / 255
    else:
        rgb = values[..., :3]
        gray = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        alpha = values[..., 3] / 255 if array.shape[2] == 4 else None
    if alpha is None:
        return gray.astype(np.float32)
    on_white = gray * alpha + 255 * (1 - alpha)
    if np.ptp(on_white) >= _MIN_CONTRAST:
        return on_white.astype(np.float32)
    return (gray * alpha).astype(np.float32)  # light ink: lay it over black


def _border(image: np.ndarray) -> np.ndarray:
    """The outermost ring of pixels."""
    if min(image.shape) <= 2:
        return image.ravel()
    return np.concatenate([image[0], image[-1], image[1:-1, 0], image[1:-1, -1]])


def has_light_background(image: ArrayLike) -> bool:
    """Whether the digit is dark ink on a light background.

    The background is read from the border pixels (a digit is drawn in the
    middle): it is light when their median is brighter than halfway between
    the image's darkest and brightest pixel. MNIST is the other way round
    (light ink on black), so such images are inverted before use.

    Parameters
    ----------
    image : array-like of shape (height, width)
        Grey intensities.

    Returns
    -------
    light : bool
        True for dark ink on a light background.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits._prediction.preparation import has_light_background
    >>> paper = np.full((5, 5), 250.0)
    >>> paper[1:4, 2] = 20.0  # a dark stroke
    >>> has_light_background(paper), has_light_background(255 - paper)
    (True, False)
    """
    image = np.asarray(image, dtype=np.float32)
    middle = (float(image.min()) + float(image.max())) / 2
    return bool(np.median(_border(image)) > middle)


def _grain(image: np.ndarray) -> float:
    """Mean distance of the pixels from the median of each pixel and its two
    neighbours in the row: 0 for clean paper, and the edges of strokes two
    pixels wide or more add nothing (a median of three keeps a monotonic
    edge), so what is left is noise."""
    if image.shape[1] < 3:
        return 0.0
    left, middle, right = image[:, :-2], image[:, 1:-1], image[:, 2:]
    median = np.maximum(
        np.minimum(left, middle), np.minimum(np.maximum(left, middle), right)
    )
    return float(np.abs(middle - median).mean())


def remove_noise(image: ArrayLike) -> np.ndarray:
    """Median-filter a grainy picture; leave a clean one as it is.

    Noise on the paper (a dark photo's sensor noise, salt and pepper) would
    otherwise be read as ink: it widens the crop box and speckles the digit.
    The grain is measured along the rows: if the pixels differ from the
    median of themselves and their two neighbours by more than 1.5 grey
    levels on average (strokes' edges do not count), a 3x3 median filter is
    applied. It removes isolated grains
    and halves Gaussian noise while keeping strokes at least 2 pixels wide.
    Clean scans and drawings are returned unchanged, as the filter would
    round the corners of their thinnest strokes, and so are pictures under
    56 pixels a side (MNIST-sized), whose strokes it would eat.

    Parameters
    ----------
    image : array-like of shape (height, width)
        Grey intensities, 0-255.

    Returns
    -------
    denoised : ndarray of shape (height, width), dtype float32
        The filtered picture, or the picture itself if it is not grainy.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits._prediction.preparation import remove_noise
    >>> paper = np.full((40, 40), 240.0)
    >>> paper[10:30, 18:22] = 20.0  # a stroke
    >>> bool(np.array_equal(remove_noise(paper), paper))  # clean: untouched
    True
    >>> rng = np.random.default_rng(0)
    >>> grainy = np.clip(paper + rng.normal(0, 40, paper.shape), 0, 255)
    >>> bool(remove_noise(grainy).std() < grainy.std())
    True
    """
    from PIL import Image, ImageFilter

    image = np.asarray(image, dtype=np.float32)
    if min(image.shape) < _DENOISE_SIDE or _grain(image) <= _GRAIN:
        return image
    filtered = Image.fromarray(image, mode="F").filter(ImageFilter.MedianFilter(3))
    return np.asarray(filtered, dtype=np.float32)


def _polynomial_terms(rows: np.ndarray, cols: np.ndarray) -> list[np.ndarray]:
    """1, r, c, r², rc, c²: a quadratic surface over (row, column)."""
    return [
        np.ones_like(rows * cols),
        rows,
        cols,
        rows * rows,
        rows * cols,
        cols * cols,
    ]


def flatten_background(image: ArrayLike, light: bool | None = None) -> np.ndarray:
    """Even out uneven lighting: divide the paper's own brightness out.

    A photo of a page is brighter where the light falls and darker in a
    shadow or a corner, so the same paper can be darker than the ink
    elsewhere, and no single level tells ink from paper. The paper's
    brightness is modelled as a smooth (quadratic) surface over the picture,
    fitted by least squares to the paper pixels only: the digit is found as
    what lies well on the ink side of the fit and left out, and the fit
    repeated. Dark ink on light paper is then divided by the surface (light
    multiplies what the paper reflects), light ink on a dark background has
    it subtracted, and the result rescaled to the surface's median level.
    Evenly lit pictures (the fitted brightness varies by 8 grey levels or
    less) are returned as they are.

    Parameters
    ----------
    image : array-like of shape (height, width)
        Grey intensities, 0-255.
    light : bool or None, default=None
        Whether the paper is light (dark ink); None decides with
        :func:`has_light_background`.

    Returns
    -------
    flat : ndarray of shape (height, width), dtype float32
        The picture with evenly lit paper, 0-255. Pictures smaller than 8
        pixels a side are returned as they are.

    Examples
    --------
    A stroke on paper that darkens from 250 (left) to 110 (right): the
    paper on the right is darker than the ink's left end before, and one
    level after:

    >>> import numpy as np
    >>> from skdigits._prediction.preparation import flatten_background
    >>> light = np.linspace(250, 110, 60)[np.newaxis, :].repeat(40, axis=0)
    >>> photo = light.copy()
    >>> photo[5:35, 10:50:8] = 0.6 * light[5:35, 10:50:8]  # strokes
    >>> flat = flatten_background(photo)
    >>> float(photo[0, -1]) < float(photo[20, 10])  # dark paper < ink
    True
    >>> paper = np.ones(photo.shape, dtype=bool)
    >>> paper[5:35, 10:50:8] = False
    >>> float(np.ptp(photo[paper])), float(np.ptp(flat[paper])) < 5  # one level
    (140.0, True)
    """
    from PIL import Image

    image = np.asarray(image, dtype=np.float32)
    height, width = image.shape
    if min(height, width) < 8:
        return image
    if light is None:
        light = has_light_background(image)
    grid = (min(width, _LIGHT_GRID), min(height, _LIGHT_GRID))
    cells = np.asarray(
        Image.fromarray(image, mode="F").resize(grid, Image.Resampling.BOX),
        dtype=np.float64,
    ).ravel()
    rows, cols = np.meshgrid(
        np.linspace(-1, 1, grid[1]), np.linspace(-1, 1, grid[0]), indexing="ij"
    )
    terms = np.stack([t.ravel() for t in _polynomial_terms(rows, cols)], axis=1)
    ink_sign = -1.0 if light else 1.0
    # The paper covers most of a picture of a digit: start from the cells on
    # the paper's side of the median, then keep those that the fit says are
    # not ink.
    ink = ink_sign * (cells - np.median(cells))
    paper = ink <= 0
    if np.ptp(cells[paper]) == 0:
        # Paper of one exact level (a drawing, a rendered page): the first
        # fit is that level, and later rounds add only cells within 2 grey
        # levels of it, far inside _EVEN_LIGHT, so the picture would be
        # returned as it is. Skipping the fits saves most of this function's
        # time (checked: the same output on the robustness benchmark's MNIST
        # shifts, font digits, letters, scribbles, blanks and the 63 digits
        # drawn on the serve page).
        return image
    for _ in range(4):
        coef = np.linalg.lstsq(terms[paper], cells[paper], rcond=None)[0]
        ink = ink_sign * (cells - terms @ coef)
        spread = 1.4826 * float(np.median(np.abs(ink[paper])))
        paper = ink < max(3 * spread, 2.0)
    rows = np.linspace(-1, 1, height, dtype=np.float32)[:, np.newaxis]
    cols = np.linspace(-1, 1, width, dtype=np.float32)[np.newaxis, :]
    surface = sum(
        np.float32(c) * t
        for c, t in zip(coef, _polynomial_terms(rows, cols), strict=True)
    )
    if float(surface.max() - surface.min()) <= _EVEN_LIGHT:
        return image
    level = float(np.median(surface))
    if light:
        flat = image * (level / np.maximum(surface, 1.0))
    else:
        flat = image - surface + level
    return np.clip(flat, 0, 255).astype(np.float32)


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
    skdigits._prediction.preparation.ImageReadError: no digit found: only a speck ...
    """
    image = np.asarray(image, dtype=np.float32)
    border = _border(image)
    background = float(np.median(border))
    ink = np.clip(image - background, 0, None)
    # The border of a tiny picture is most of it, digit included: too little
    # paper to measure its noise.
    noise = (
        1.4826 * float(np.median(np.abs(border - background)))
        if min(image.shape) >= _NOISE_SIDE
        else 0.0
    )
    strongest = float(ink.max()) if ink.size else 0.0
    if strongest < max(_MIN_CONTRAST, 2 * _NOISE_SIGMAS * noise):
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
    edge = float(_border(image).max())
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
