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

__all__ = [
    "PRINTED_FONTS",
    "make_printed_digits",
    "matplotlib_font_picture",
    "render_font_digits",
]

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
# render_font_digits's slant (the top moves right by this x height) and tilt
# (degrees either way): handwriting leans, and Deskew straightens it again.
_SLANT = (-0.1, 0.3)
_TILT = 6.0


def _font_directory() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@functools.lru_cache(maxsize=256)
def _font(path: str, size: int):
    from PIL import ImageFont

    return ImageFont.truetype(path, size=size)


def _render(digit: int | str, font, stroke: int, canvas: int = 128) -> np.ndarray:
    """A dark digit (or any text) on light paper, as a user's print would come."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (canvas, canvas), 255)
    ImageDraw.Draw(image).text(
        (canvas // 2, canvas // 2),
        str(digit),
        fill=0,
        font=font,
        anchor="mm",
        stroke_width=stroke,
        stroke_fill=0,
    )
    return np.asarray(image)


def _lean(picture: np.ndarray, slant: float, angle: float) -> np.ndarray:
    """The picture sheared (its top moved right by ``slant`` x height) and
    turned by ``angle`` degrees anticlockwise, on light paper."""
    from PIL import Image

    image = Image.fromarray(picture)
    height = image.height
    image = image.transform(
        image.size,
        Image.Transform.AFFINE,
        (1, slant, -slant * height / 2, 0, 1, 0),
        resample=Image.Resampling.BILINEAR,
        fillcolor=255,
    )
    return np.asarray(
        image.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=255)
    )


def matplotlib_font_picture(
    text: str, font_name: str, size: int, stroke: int, slant: float, tilt: float
) -> np.ndarray:
    """``text`` in one of the fonts matplotlib ships (a file name of its
    ``mpl-data/fonts/ttf``), dark on light paper with room on every side,
    sheared by ``slant`` and turned by ``tilt`` degrees."""
    font = _font(str(_font_directory() / font_name), size)
    picture = _render(text, font, stroke, canvas=3 * size)
    return _lean(picture, slant, tilt)


def _checked_digits(digits) -> np.ndarray:
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
    return digits


def _font_digits(
    paths: list[str], n_samples: int, digits: np.ndarray, rng, *, lean: bool
) -> tuple[np.ndarray, np.ndarray]:
    """``n_samples`` digits rendered from the font files, digits and fonts
    taking turns, at random sizes and stroke weights (and, with ``lean``,
    slants and tilts), each prepared as a user's picture."""
    from skdigits._prediction.preparation import prepare_digit

    labels = digits[np.arange(n_samples) % len(digits)].astype(np.int64)
    # Each digit walks through the fonts from its own random start, so small
    # sets still see every font.
    start = rng.randint(len(paths), size=len(digits))
    turn = np.arange(n_samples) // len(digits)
    fonts = (start[np.arange(n_samples) % len(digits)] + turn) % len(paths)
    sizes = rng.randint(len(_SIZES), size=n_samples)
    strokes = rng.randint(len(_STROKES), size=n_samples)
    if lean:
        slants = rng.uniform(*_SLANT, size=n_samples)
        angles = rng.uniform(-_TILT, _TILT, size=n_samples)
    X = np.zeros((n_samples, 28, 28), dtype=np.uint8)
    for i in range(n_samples):
        size = _SIZES[sizes[i]]
        font = _font(paths[fonts[i]], size)
        # A heavier outline on the larger sizes only, so a stroke of 2 does
        # not close the counters of a small 8.
        stroke = _STROKES[strokes[i]] * size // _SIZES[-1]
        if lean:
            # Handwriting fonts reach further out of their em box than
            # printed ones: room on every side.
            picture = _render(int(labels[i]), font, stroke, canvas=3 * size)
            picture = _lean(picture, slants[i], angles[i])
        else:
            picture = _render(int(labels[i]), font, stroke)
        X[i] = prepare_digit(picture)
    return X, labels


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
    digits = _checked_digits(digits)
    rng = check_random_state(random_state)
    paths = [str(_font_directory() / name) for name in PRINTED_FONTS]
    return _font_digits(paths, n_samples, digits, rng, lean=False)


def _checked_font(path) -> str:
    """The font file's path, once it is known to draw ten distinct digits."""
    from PIL import ImageFont

    path = str(Path(path))
    try:
        font = ImageFont.truetype(path, size=40)
    except OSError as exc:
        raise ValueError(f"cannot read the font file {path!r}: {exc}") from exc
    glyphs = {_render(d, font, 0, canvas=120).tobytes() for d in range(10)}
    blank = np.full((120, 120), 255, dtype=np.uint8).tobytes()
    if len(glyphs) < 10 or blank in glyphs:
        raise ValueError(f"the font {path!r} does not draw ten different digits.")
    return path


@validate_params(
    {
        "font_files": ["array-like"],
        "n_samples": [Interval(Integral, 0, None, closed="left")],
        "digits": ["array-like", None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def render_font_digits(
    font_files,
    n_samples: int = 1000,
    *,
    digits=None,
    random_state: int | np.random.RandomState | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Render digits from the font files you give, as MNIST-style images.

    As :func:`make_printed_digits`, from other fonts, and leaning as
    handwriting does: each image is one digit in one of ``font_files``,
    drawn dark on light at a random size and stroke weight, sheared by a
    random slant and turned by a small random angle, then made MNIST-like by
    :func:`~skdigits.image_io.prepare_digit`. Digits and fonts take turns,
    so every digit (and every font within a digit) is equally common.

    skdigits ships no such fonts and reads none at run time: the shipped
    model's build script fetches handwriting fonts and passes them here.

    Parameters
    ----------
    font_files : array-like of str or path-like
        TrueType, OpenType or WOFF files, each of which must draw the ten
        digits.
    n_samples : int >= 0, default=1000
        Number of images.
    digits : array-like of int in 0-9, or None, default=None
        The digits to draw, in turn; None draws 0 to 9.
    random_state : int, RandomState instance or None, default=None
        Seeds the fonts' order, sizes, stroke weights, slants and tilts.

    Returns
    -------
    X : ndarray of shape (n_samples, 28, 28), dtype uint8
        White ink on black, 0-255, as MNIST.
    y : ndarray of shape (n_samples,), dtype int64
        The digit of each image.

    Raises
    ------
    ValueError
        If ``font_files`` is empty, a file cannot be read as a font or does
        not draw ten different digits (each named), or ``digits`` holds
        anything but the integers 0 to 9.

    See Also
    --------
    make_printed_digits : The same from the fonts matplotlib ships.

    Examples
    --------
    >>> from pathlib import Path
    >>> import matplotlib
    >>> from skdigits.datasets import render_font_digits
    >>> fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    >>> X, y = render_font_digits(
    ...     [fonts / "STIXGeneralItalic.ttf"], 12, random_state=0)
    >>> X.shape, X.dtype, y[:11]
    ((12, 28, 28), dtype('uint8'), array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0]))
    """
    paths = [
        _checked_font(path) for path in np.ravel(np.asarray(font_files, dtype=object))
    ]
    if not paths:
        raise ValueError("font_files must name at least one font file.")
    digits = _checked_digits(digits)
    rng = check_random_state(random_state)
    return _font_digits(paths, n_samples, digits, rng, lean=True)
