"""Pictures that are not digits (letters and scribbles), as MNIST-style images.

A model trained on digits alone answers every picture with a digit, and
often a sure one: a letter or a scribble gets a top probability of 0.9 or
more about half the time. Trained also on pictures that are none of the
digits, each with the same probability for every class (a *uniform target*:
Hendrycks, Mazeika and Dietterich's "outlier exposure", 2019), a model
learns to spread its probability over such pictures, so that its "not sure"
threshold catches them.

:func:`make_not_digits` makes them from code and from matplotlib's own
fonts, never from what the robustness benchmark reads:

* **letters** rendered from the STIX and Computer Modern fonts that
  matplotlib ships in its package (upright and italic), none of which
  fontconfig knows, so none is among the benchmark's fonts (a test checks
  it); only letters that no common way of writing a digit resembles
  (:data:`NOT_DIGIT_LETTERS`);
* **scribbles** drawn by this module's own generator: zigzags, tangles of
  Bézier curves, hatching and spirals, written with the pen of
  :func:`~skdigits.datasets.make_style_digits` (random width, slant, tilt and
  wobble). The benchmark's scribbles are random walks of its own; nothing
  here reads them.

Each picture is made MNIST-like by :func:`~skdigits.image_io.prepare_digit`,
as a user's picture is.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

__all__ = ["NOT_DIGIT_FONTS", "NOT_DIGIT_KINDS", "NOT_DIGIT_LETTERS", "make_not_digits"]

#: Letters drawn as "not a digit": none that a way of writing a digit looks
#: like (no O, o, D, Q, U for 0; I, l, i, J, j, T, t, L, Y for 1, 4 and 7; Z, z
#: for 2; S, s for 5; b, G, e for 6; B for 8; g, q, a, d, y for 9 and 4).
NOT_DIGIT_LETTERS = "ACEFHKMNPRVWXcfhkmnprvwx"

#: matplotlib's font files (``mpl-data/fonts/ttf``) the letters are rendered
#: from: STIX and Computer Modern, upright and italic. Not its DejaVu fonts,
#: which fontconfig knows as well.
NOT_DIGIT_FONTS: tuple[str, ...] = (
    "STIXGeneral.ttf",
    "STIXGeneralBol.ttf",
    "STIXGeneralItalic.ttf",
    "STIXGeneralBolIta.ttf",
    "cmr10.ttf",
    "cmb10.ttf",
    "cmss10.ttf",
    "cmti10.ttf",
    "cmtt10.ttf",
)

#: The kinds :func:`make_not_digits` makes, in turn.
NOT_DIGIT_KINDS: tuple[str, ...] = ("letter", "scribble")

_LETTER_SIZES = (40, 52, 64, 76)


def _letter(rng) -> np.ndarray:
    """One letter, dark on light, at a random size, weight, slant and tilt."""
    from skdigits._estimators.datasets._printed import matplotlib_font_picture

    name = NOT_DIGIT_FONTS[rng.randint(len(NOT_DIGIT_FONTS))]
    size = _LETTER_SIZES[rng.randint(len(_LETTER_SIZES))]
    letter = NOT_DIGIT_LETTERS[rng.randint(len(NOT_DIGIT_LETTERS))]
    stroke = int(rng.choice([0, 0, 1, 2])) * size // _LETTER_SIZES[-1]
    return matplotlib_font_picture(
        letter, name, size, stroke, rng.uniform(-0.1, 0.3), rng.uniform(-8, 8)
    )


def _zigzag(rng) -> list[np.ndarray]:
    """A pen going back and forth: 4 to 9 corners, across or down."""
    n = rng.randint(4, 10)
    along = np.linspace(0, 1, n) + rng.uniform(-0.04, 0.04, n)
    side = np.where(np.arange(n) % 2, 1.0, 0.0) * rng.uniform(0.5, 1.0)
    side = side + rng.uniform(-0.1, 0.1, n)
    points = np.column_stack([along, side])
    if rng.uniform() < 0.5:
        points = points[:, ::-1]
    return [points * rng.uniform(0.6, 1.0, 2)]


def _tangle(rng) -> list[np.ndarray]:
    """Two or three Bézier curves through random points of the box."""
    from skdigits._estimators.datasets._styles import bezier

    return [
        bezier(*rng.uniform(0, 1, (rng.randint(4, 7), 2)), n=40)
        for _ in range(rng.randint(2, 4))
    ]


def _hatching(rng) -> list[np.ndarray]:
    """Three to six parallel strokes, and sometimes a second set across."""
    strokes = []
    for _ in range(1 + (rng.uniform() < 0.5)):
        angle = rng.uniform(0, np.pi)
        direction = np.array([np.cos(angle), np.sin(angle)])
        normal = np.array([-direction[1], direction[0]])
        for offset in np.linspace(-0.35, 0.35, rng.randint(3, 7)):
            centre = 0.5 + offset * normal + rng.uniform(-0.04, 0.04, 2)
            half = rng.uniform(0.25, 0.45)
            strokes.append(
                np.array([centre - half * direction, centre + half * direction])
            )
    return strokes


def _spiral(rng) -> list[np.ndarray]:
    """A spiral of one and a half to three turns, in or out."""
    turns = rng.uniform(1.5, 3.0)
    t = np.linspace(0, 1, 80)
    angle = (
        rng.uniform(0, 2 * np.pi) + np.sign(rng.uniform(-1, 1)) * 2 * np.pi * turns * t
    )
    radius = 0.05 + 0.45 * t
    squash = rng.uniform(0.6, 1.0)
    return [
        np.column_stack(
            [0.5 + radius * np.cos(angle), 0.5 + squash * radius * np.sin(angle)]
        )
    ]


_SCRIBBLES = (_zigzag, _tangle, _hatching, _spiral)


def _scribble(rng) -> np.ndarray:
    from skdigits._estimators.datasets._styles import write_strokes

    draw = _SCRIBBLES[rng.randint(len(_SCRIBBLES))]
    return write_strokes(draw(rng), rng)


@validate_params(
    {
        "n_samples": [Interval(Integral, 0, None, closed="left")],
        "kinds": ["array-like", StrOptions(set(NOT_DIGIT_KINDS)), None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_not_digits(
    n_samples: int = 1000,
    *,
    kinds=None,
    random_state: int | np.random.RandomState | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Make pictures that are none of the digits, as 28x28 MNIST-style images.

    Letters (:data:`NOT_DIGIT_LETTERS`, rendered from matplotlib's STIX and
    Computer Modern fonts at random sizes, weights, slants and tilts) and
    scribbles (zigzags, tangles of curves, hatching, spirals, written with a
    pen of random width), taking turns, each made MNIST-like by
    :func:`~skdigits.image_io.prepare_digit`.

    ``DenseDigitClassifier(augment=RandomDistortion(not_digits=...))`` adds
    such images to its training data, each with the same target probability
    for every class, so that the model learns to be unsure of them. Made
    from code and matplotlib's own fonts: nothing is downloaded, and no font
    fontconfig knows is read.

    Parameters
    ----------
    n_samples : int >= 0, default=1000
        Number of images.
    kinds : {"letter", "scribble"}, array-like of them, or None, default=None
        The kinds to make, in turn; None makes both.
    random_state : int, RandomState instance or None, default=None
        Seeds the letters, fonts, strokes and the writing.

    Returns
    -------
    X : ndarray of shape (n_samples, 28, 28), dtype uint8
        White ink on black, 0-255, as MNIST.
    kind : ndarray of shape (n_samples,), dtype str
        The kind of each image.

    Raises
    ------
    ValueError
        If ``kinds`` is empty or names a kind not in ``NOT_DIGIT_KINDS``.

    See Also
    --------
    make_style_digits : Handwritten digits in the styles MNIST lacks.

    Examples
    --------
    >>> from skdigits.datasets import make_not_digits
    >>> X, kind = make_not_digits(4, random_state=0)
    >>> X.shape, X.dtype, X.max()
    ((4, 28, 28), dtype('uint8'), np.uint8(255))
    >>> kind.tolist()
    ['letter', 'scribble', 'letter', 'scribble']
    >>> make_not_digits(2, kinds="scribble", random_state=0)[1].tolist()
    ['scribble', 'scribble']
    """
    from skdigits._prediction.preparation import prepare_digit

    if kinds is None:
        kinds = list(NOT_DIGIT_KINDS)
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    if not kinds or any(k not in NOT_DIGIT_KINDS for k in kinds):
        raise ValueError(
            "kinds must be a non-empty list of "
            f"{', '.join(map(repr, NOT_DIGIT_KINDS))}; got {kinds!r}."
        )
    rng = check_random_state(random_state)
    X = np.zeros((n_samples, 28, 28), dtype=np.uint8)
    kind = np.array([kinds[i % len(kinds)] for i in range(n_samples)], dtype=str)
    for i in range(n_samples):
        picture = _letter(rng) if kind[i] == "letter" else _scribble(rng)
        X[i] = prepare_digit(picture)
    return X, kind
