"""A picture's pixels and its paper: grey levels, which side is ink, grain, light.

The first steps of MNIST-style preparation, shared by one digit
(:func:`~skdigits._prediction.preparation.prepare_digit`) and a number
(:mod:`skdigits._prediction.numbers`):

1. :func:`to_grayscale`: one intensity channel, 0-255 (transparent pixels
   are laid over a background that keeps the ink visible);
2. :func:`has_light_background` decides from the border pixels whether the
   ink is dark on a light background;
3. :func:`remove_noise`: a 3x3 median filter, if the paper at the border is
   grainy (sensor noise, salt and pepper), so that grains are not taken
   for ink;
4. :func:`flatten_background`: a smooth surface fitted to the paper (lit
   unevenly in a photo) is divided out, so that the paper is one level.

Nothing here imports TensorFlow.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "MIN_CONTRAST",
    "ImageReadError",
    "border",
    "flatten_background",
    "has_light_background",
    "remove_noise",
    "to_grayscale",
]

# Below this contrast (0-255 scale) an image is taken to hold no digit.
MIN_CONTRAST = 10.0
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
    >>> from skdigits._prediction.paper import to_grayscale
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
    if np.ptp(on_white) >= MIN_CONTRAST:
        return on_white.astype(np.float32)
    return (gray * alpha).astype(np.float32)  # light ink: lay it over black


def border(image: np.ndarray) -> np.ndarray:
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
    >>> from skdigits._prediction.paper import has_light_background
    >>> paper = np.full((5, 5), 250.0)
    >>> paper[1:4, 2] = 20.0  # a dark stroke
    >>> has_light_background(paper), has_light_background(255 - paper)
    (True, False)
    """
    image = np.asarray(image, dtype=np.float32)
    middle = (float(image.min()) + float(image.max())) / 2
    return bool(np.median(border(image)) > middle)


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
    >>> from skdigits._prediction.paper import remove_noise
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
    >>> from skdigits._prediction.paper import flatten_background
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
