"""Handwritten digits in the styles MNIST lacks, drawn from pen strokes.

MNIST's writers were American: their 1 is a plain stroke, their 7 has no bar,
their 4 is open at the top and their 2 has no loop. A model trained on MNIST
alone reads a European 1 (a long flag, no foot) as 7 and a closed 4 as 9.
:func:`make_style_digits` draws the missing styles as a person would: each
digit is a few strokes (lines and Bézier curves) whose proportions are drawn
anew for every image, written with a pen of random width at a random slant,
size and tilt, with a hand's wobble, dark on light paper, and then made
MNIST-like by :func:`~skdigits.image_io.prepare_digit`, the preparation a
user's picture goes through. Everything is made from code: no font, no
file, no download.

A shape that two digits are written as is drawn labelled with each of them
equally often (:data:`STYLE_DIGITS` names them): a 1 with a long flag and no
foot is also a 7 without a bar, so a model trained on these learns that it
cannot tell them apart (about even odds, which the shipped model's threshold
calls "not sure, 1 or 7") rather than one answer. See "Reading your own
digits" in the docs for the rule.

The templates are this module's own. The robustness benchmark draws its own
digits (``benchmarks/drawing.py``) to test models with; nothing here reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

__all__ = ["STYLE_DIGITS", "bezier", "make_style_digits", "write_strokes"]

Stroke = np.ndarray  # (n_points, 2): x to the right, y down; a digit is ~1 tall


# -- curves ---------------------------------------------------------------------


def _p(x: float, y: float) -> np.ndarray:
    """A point, or a step, as an array (so that ``+`` adds)."""
    return np.array([x, y], dtype=float)


def _bezier(*points, n: int = 24) -> Stroke:
    """The Bézier curve of the control points (any degree), de Casteljau."""
    p = np.asarray(points, dtype=float)
    t = np.linspace(0.0, 1.0, n)[:, None, None]
    q = np.broadcast_to(p, (n, *p.shape))
    while q.shape[1] > 1:
        q = (1 - t) * q[:, :-1] + t * q[:, 1:]
    return q[:, 0]


def _arc(centre, rx: float, ry: float, start: float, end: float, n: int = 32):
    """An elliptic arc from angle ``start`` to ``end`` (degrees; 0 is to the
    right and 90 is down, so growing angles turn clockwise on the page)."""
    a = np.radians(np.linspace(start, end, n))
    return np.column_stack([centre[0] + rx * np.cos(a), centre[1] + ry * np.sin(a)])


def _join(*pieces) -> Stroke:
    """One stroke through the pieces in turn (a shared end point once)."""
    out = [np.asarray(pieces[0], dtype=float)]
    for piece in pieces[1:]:
        piece = np.asarray(piece, dtype=float)
        if np.allclose(out[-1][-1], piece[0]):
            piece = piece[1:]
        out.append(piece)
    return np.vstack(out)


def _at_height(stroke: Stroke, y: float) -> float:
    """The x where a stroke that runs downwards crosses height ``y``."""
    order = np.argsort(stroke[:, 1])
    return float(np.interp(y, stroke[order, 1], stroke[order, 0]))


# -- the styles -------------------------------------------------------------------
#
# Each draws one digit's strokes in a box about 1 tall, its proportions drawn
# from ``rng``; _write then slants, tilts, stretches and wobbles them.


def _one_flag_and_base(rng) -> list[Stroke]:
    top = np.array([0.5, 0.0])
    bottom = np.array([0.5 + rng.uniform(-0.04, 0.04), 1.0])
    length, angle = rng.uniform(0.14, 0.3), np.radians(rng.uniform(28, 62))
    start = top + length * np.array([-np.cos(angle), np.sin(angle)])
    # A hand's flag bows a little, mostly upwards.
    bow = rng.uniform(-0.07, -0.02) * np.array([np.sin(angle), np.cos(angle)])
    flag = _bezier(start, (start + top) / 2 + bow, top, n=10)
    stem = _bezier(top, (top + bottom) / 2 + _p(rng.uniform(-0.03, 0.03), 0), bottom)
    left, right = rng.uniform(0.14, 0.32), rng.uniform(0.14, 0.32)
    tilt = rng.uniform(-0.03, 0.03)
    base = _bezier(
        bottom + _p(-left, tilt),
        bottom + _p(0, rng.uniform(-0.02, 0.02)),
        bottom + _p(right, -tilt),
        n=12,
    )
    if rng.uniform() < 0.7:  # flag and stem in one go
        return [_join(flag, stem), base]
    return [flag, stem, base]


def _one_or_seven(rng) -> list[Stroke]:
    """A long flag, no foot, no bar: a European 1, or a 7 without a bar.

    The flag drops 20-55 degrees below level from the top of the stem and
    reaches out at least a fifth of the height (0.36 x cos 55 degrees): no
    mere tick, which MNIST's 1s have and which reads as 1."""
    top = np.array([0.55, 0.0])
    bottom = np.array([0.55 + rng.uniform(-0.07, 0.05), 1.0])
    length, angle = rng.uniform(0.36, 0.62), np.radians(rng.uniform(20, 55))
    start = top + length * np.array([-np.cos(angle), np.sin(angle)])
    bow = rng.uniform(-0.07, 0.03) * np.array([np.sin(angle), np.cos(angle)])
    flag = _bezier(start, (start + top) / 2 + bow, top, n=14)
    stem = _bezier(top, (top + bottom) / 2 + _p(rng.uniform(-0.04, 0.04), 0), bottom)
    return [_join(flag, stem)]


def _seven_barred(rng) -> list[Stroke]:
    width = rng.uniform(0.5, 0.72)
    # The top rises a little to the right, and the stem bows in.
    left = np.array([0.0, rng.uniform(0.02, 0.12)])
    corner = np.array([width, rng.uniform(-0.03, 0.02)])
    foot = np.array([width * rng.uniform(0.0, 0.45), 1.0])
    top = _bezier(left, (left + corner) / 2 + _p(0, rng.uniform(-0.04, 0.02)), corner)
    bow = rng.uniform(-0.13, 0.0)
    stem = _bezier(corner, (corner + foot) / 2 + _p(bow, 0), foot)
    pieces = [top, stem]
    if rng.uniform() < 0.35:  # a small downward tick where the top begins
        pieces.insert(0, _bezier(left + _p(0.01, rng.uniform(0.08, 0.18)), left, n=6))
    y = rng.uniform(0.42, 0.6)
    x = _at_height(stem, y)
    tilt = rng.uniform(-0.04, 0.03)
    bar = _bezier(
        [x - rng.uniform(0.08, 0.2), y + tilt],
        [x + rng.uniform(0.08, 0.18), y - tilt],
        n=10,
    )
    return [_join(*pieces), bar]


def _four_closed(rng) -> list[Stroke]:
    width = rng.uniform(0.55, 0.78)
    stem_x = width * rng.uniform(0.6, 0.8)
    bar_y = rng.uniform(0.55, 0.74)
    apex = np.array([stem_x, rng.uniform(0.0, 0.06)])
    corner = np.array([rng.uniform(0.0, 0.06), bar_y])
    end = np.array([width + rng.uniform(0.0, 0.12), bar_y + rng.uniform(-0.04, 0.02)])
    if rng.uniform() < 0.6:  # a pointed top, as printed
        side = _bezier(apex, (apex + corner) / 2 + rng.uniform(-0.03, 0.03, 2), corner)
    else:  # a rounded top: the left side arches over to the stem
        side = _bezier(
            apex,
            [stem_x * rng.uniform(0.1, 0.5), rng.uniform(-0.12, -0.02)],
            [rng.uniform(-0.06, 0.02), bar_y * rng.uniform(0.3, 0.55)],
            corner,
        )
    bar = _bezier(corner, end, n=12)
    stem_top = apex - _p(0, rng.uniform(0.0, 0.08))
    stem = _bezier(stem_top, [stem_x + rng.uniform(-0.05, 0.03), 1.0], n=16)
    return [_join(side, bar), stem]


def _two_looped(rng) -> list[Stroke]:
    width = rng.uniform(0.5, 0.7)
    start = np.array([rng.uniform(0.0, 0.08), rng.uniform(0.12, 0.3)])
    shoulder = np.array([width, rng.uniform(0.22, 0.36)])
    hump = _bezier(
        start,
        [start[0] + rng.uniform(-0.04, 0.06), -0.06],
        [width + rng.uniform(-0.02, 0.06), -0.06],
        shoulder,
    )
    # The loop: a clockwise turn in the bottom-left corner, entered from its
    # upper right heading down-left, left from its right heading down.
    r = rng.uniform(0.07, 0.13)
    centre = np.array([rng.uniform(0.06, 0.16), 1.0 - r * rng.uniform(0.9, 1.3)])
    squash = rng.uniform(0.8, 1.3)
    loop = _arc(centre, r * squash, r, -45, rng.uniform(330, 375))
    enter = loop[0]
    descent = _bezier(
        shoulder,
        shoulder + _p(0.0, rng.uniform(0.12, 0.25)),
        enter + _p(0.25, -0.25),
        enter,
    )
    leave = loop[-1]
    base_end = np.array(
        [width + rng.uniform(0.0, 0.12), 1.0 + rng.uniform(-0.04, 0.03)]
    )
    base = _bezier(leave, [leave[0] + 0.1, 1.02], base_end, n=14)
    return [_join(hump, descent, loop, base)]


def _bowl(rng, width):
    centre = np.array([width * rng.uniform(0.4, 0.48), rng.uniform(0.2, 0.3)])
    rx, ry = width * rng.uniform(0.4, 0.5), rng.uniform(0.17, 0.27)
    return centre, rx, ry


def _nine_open(rng) -> list[Stroke]:
    """The bowl does not close: a gap between its end and the stem."""
    width = rng.uniform(0.5, 0.7)
    centre, rx, ry = _bowl(rng, width)
    start = rng.uniform(-25, 0)
    # Anticlockwise from the stem over the top and round, stopping short of
    # the stem: the bowl is open at its lower right.
    bowl = _arc(centre, rx, ry, start, start - rng.uniform(232, 275))
    stem_x = centre[0] + rx * rng.uniform(1.0, 1.15)
    stem = _bezier(
        [stem_x, centre[1] - ry * rng.uniform(0.6, 1.0)],
        [stem_x + rng.uniform(-0.03, 0.03), 0.6],
        [stem_x - rng.uniform(0.0, 0.12), 1.0],
    )
    return [bowl, stem]


def _nine_closed(rng) -> list[Stroke]:
    width = rng.uniform(0.5, 0.7)
    centre, rx, ry = _bowl(rng, width)
    start = rng.uniform(-20, 10)
    # Round the bowl (anticlockwise on the page) and on past where it began,
    # the bowl leaning back as a quick hand's does.
    bowl = _arc(centre, rx, ry, start, start - rng.uniform(370, 400), n=40)
    lean = np.radians(rng.uniform(-35, -8))
    turn = np.array([[np.cos(lean), -np.sin(lean)], [np.sin(lean), np.cos(lean)]])
    bowl = (bowl - centre) @ turn.T + centre
    right = bowl[np.argmax(bowl[:, 0])]
    foot = np.array([right[0] - rng.uniform(0.04, 0.2), 1.0])
    if rng.uniform() < 0.6:  # a straight stem
        tail = _bezier(bowl[-1], right, foot, n=18)
    else:  # a tail that curls to the left
        tail = _bezier(
            bowl[-1],
            right + _p(0.02, 0.35),
            [right[0] - rng.uniform(0.0, 0.1), 1.05],
            [rng.uniform(0.0, 0.2), rng.uniform(0.85, 0.95)],
            n=24,
        )
    return [_join(bowl, tail)]


def _three_flat_top(rng) -> list[Stroke]:
    width = rng.uniform(0.5, 0.68)
    left = np.array([rng.uniform(0.0, 0.08), rng.uniform(-0.02, 0.04)])
    corner = np.array([width, rng.uniform(-0.03, 0.02)])
    waist = np.array([width * rng.uniform(0.35, 0.6), rng.uniform(0.3, 0.44)])
    top = _bezier(left, corner, n=10)
    diagonal = _bezier(
        corner, (corner + waist) / 2 + _p(rng.uniform(-0.03, 0.03), 0), waist
    )
    belly = _bezier(
        waist,
        [width + rng.uniform(0.05, 0.2), waist[1] + rng.uniform(-0.02, 0.06)],
        [width + rng.uniform(0.05, 0.2), 1.08],
        [rng.uniform(-0.05, 0.1), rng.uniform(0.95, 1.05)],
        [rng.uniform(-0.05, 0.05), rng.uniform(0.8, 0.9)],
        n=30,
    )
    return [_join(top, diagonal, belly)]


def _zero_slashed(rng) -> list[Stroke]:
    """A programmer's or an engineer's 0, slashed to tell it from the O."""
    width = rng.uniform(0.5, 0.72)
    centre = np.array([width / 2, 0.5])
    start = -90 + rng.uniform(-30, 25)
    ring = _arc(centre, width / 2, 0.5, start, start - rng.uniform(355, 380), n=44)
    # Corner to corner, inside the ring or a little past it.
    reach = rng.uniform(0.3, 0.62)
    tilt = rng.uniform(0.55, 0.8)  # how steep, as a share of the height
    slash = _bezier(
        centre + _p(reach * width, -tilt * reach),
        centre + _p(-reach * width, tilt * reach),
        n=10,
    )
    return [ring, slash]


_DRAW: dict[str, Callable] = {
    "1, flag and base": _one_flag_and_base,
    "1 or 7, long flag, no foot, no bar": _one_or_seven,
    "7, barred": _seven_barred,
    "4, closed": _four_closed,
    "2, looped": _two_looped,
    "9, open": _nine_open,
    "9, closed": _nine_closed,
    "3, flat top": _three_flat_top,
    "0, slashed": _zero_slashed,
}

#: The styles :func:`make_style_digits` draws, each with the digits its shape
#: may be read as. One digit: the shape decides it (a 7 with a bar is a 7, a
#: 1 with a base is a 1). Two: the shape is either (a long flag, no foot and
#: no bar is a European 1 or a 7 without a bar), and images of that style are
#: labelled with each in turn, so that a model learns to be unsure between
#: them rather than to answer one.
STYLE_DIGITS: dict[str, tuple[int, ...]] = {
    "1, flag and base": (1,),
    "1 or 7, long flag, no foot, no bar": (1, 7),
    "7, barred": (7,),
    "4, closed": (4,),
    "2, looped": (2,),
    "9, open": (9,),
    "9, closed": (9,),
    "3, flat top": (3,),
    "0, slashed": (0,),
}


# -- writing --------------------------------------------------------------------


def _wobble(stroke: Stroke, rng, amount: float) -> Stroke:
    """A hand's tremor: a smooth random sideways drift along the stroke."""
    steps = np.linalg.norm(np.diff(stroke, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(steps)])
    drift = np.zeros_like(stroke)
    for wavelength in (0.5, 0.25):
        phase = rng.uniform(0, 2 * np.pi, 2)
        size = amount * wavelength / 0.5 * rng.uniform(0.5, 1.0, 2)
        drift += size * np.sin(2 * np.pi * s[:, None] / wavelength + phase)
    return stroke + drift


def _write(strokes: list[Stroke], rng) -> np.ndarray:
    """The strokes written dark on light paper: slanted, tilted, stretched,
    with a wobble and a pen of random width, at a random size."""
    from PIL import Image, ImageDraw

    slant = rng.uniform(-0.12, 0.35)  # the top leans right by slant x height
    tilt = np.radians(rng.uniform(-8, 8))
    stretch = rng.uniform(0.8, 1.2)  # wider or narrower
    wobble = rng.uniform(0.004, 0.014)
    height = rng.uniform(56, 110)  # pixels
    pen = height * rng.uniform(0.06, 0.15)
    rotation = np.array([[np.cos(tilt), -np.sin(tilt)], [np.sin(tilt), np.cos(tilt)]])
    written = []
    for stroke in strokes:
        p = _wobble(stroke, rng, wobble)
        x = (p[:, 0] - 0.3) * stretch + slant * (0.5 - p[:, 1])
        p = np.column_stack([x, p[:, 1] - 0.5]) @ rotation.T
        written.append(p * height)
    points = np.vstack(written)
    margin = pen + 8
    offset = margin - points.min(axis=0)
    size = np.ceil(points.max(axis=0) + offset + margin).astype(int)
    image = Image.new("L", (int(size[0]), int(size[1])), 255)
    draw = ImageDraw.Draw(image)
    width = max(1, round(pen))
    for p in written:
        xy = [tuple(q) for q in p + offset]
        draw.line(xy, fill=0, width=width, joint="curve")
        for x, y in (xy[0], xy[-1]):  # round pen ends
            draw.ellipse((x - pen / 2, y - pen / 2, x + pen / 2, y + pen / 2), fill=0)
    return np.asarray(image)


def bezier(*points, n: int = 24) -> Stroke:
    """The Bézier curve of the control points, ``n`` points along it."""
    return _bezier(*points, n=n)


def write_strokes(strokes: list[Stroke], rng) -> np.ndarray:
    """Strokes in a box about 1 tall written as a hand would, dark on light
    paper: the pen, slant, tilt, stretch and wobble of
    :func:`make_style_digits`, drawn from ``rng`` (a RandomState)."""
    return _write(strokes, rng)


@validate_params(
    {
        "n_samples": [Interval(Integral, 0, None, closed="left")],
        "styles": ["array-like", None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_style_digits(
    n_samples: int = 1000,
    *,
    styles=None,
    random_state: int | np.random.RandomState | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw handwritten digits in the styles MNIST lacks, as MNIST images.

    Each image is one of :data:`STYLE_DIGITS`'s styles (a 1 with a flag and
    a base, a barred 7, a closed 4, a looped 2, an open or closed 9, a 3 with
    a flat top, a slashed 0, and the long-flagged 1 that is also a 7 without
    a bar),
    drawn as pen strokes whose proportions, pen width, slant, tilt, size and
    wobble are new for every image, dark on light, then made MNIST-like by
    :func:`~skdigits.image_io.prepare_digit`, the preparation a user's
    picture goes through. The styles take turns: image ``i`` is of style
    ``styles[i % len(styles)]``. A style that may be two digits is labelled
    with each of them in turn, so both labels come with the same shapes.

    ``DenseDigitClassifier(augment=RandomDistortion(style_digits=...))``
    adds such images to its training data; use this function to look at
    them, or to add them to a training set yourself. Made from code alone:
    nothing is read or downloaded.

    Parameters
    ----------
    n_samples : int >= 0, default=1000
        Number of images.
    styles : array-like of str, or None, default=None
        Keys of :data:`STYLE_DIGITS` to draw, in turn; None draws them all.
    random_state : int, RandomState instance or None, default=None
        Seeds the shapes and the writing.

    Returns
    -------
    X : ndarray of shape (n_samples, 28, 28), dtype uint8
        White ink on black, 0-255, as MNIST.
    y : ndarray of shape (n_samples,), dtype int64
        The digit of each image.

    Raises
    ------
    ValueError
        If ``styles`` is empty or names a style that is not in
        :data:`STYLE_DIGITS`.

    See Also
    --------
    make_printed_digits : Printed digits, rendered from fonts.

    Examples
    --------
    >>> from skdigits.datasets import STYLE_DIGITS, make_style_digits
    >>> X, y = make_style_digits(18, random_state=0)
    >>> X.shape, X.dtype, X.max()
    ((18, 28, 28), dtype('uint8'), np.uint8(255))
    >>> y[:9]
    array([1, 1, 7, 4, 2, 9, 9, 3, 0])
    >>> y[9:]  # the long-flagged 1 is labelled 7 the second time
    array([1, 7, 7, 4, 2, 9, 9, 3, 0])
    >>> STYLE_DIGITS["1 or 7, long flag, no foot, no bar"]
    (1, 7)
    >>> make_style_digits(3, styles=["4, closed", "7, barred"], random_state=0)[1]
    array([4, 7, 4])
    """
    from skdigits._prediction.preparation import prepare_digit

    if styles is None:
        styles = list(STYLE_DIGITS)
    styles = list(styles)
    unknown = [s for s in styles if not isinstance(s, str) or s not in STYLE_DIGITS]
    if not styles or unknown:
        raise ValueError(
            "styles must be a non-empty list of keys of STYLE_DIGITS "
            f"({', '.join(map(repr, STYLE_DIGITS))}); got {styles!r}."
        )
    rng = check_random_state(random_state)
    turn = np.arange(n_samples) // len(styles)
    X = np.zeros((n_samples, 28, 28), dtype=np.uint8)
    y = np.zeros(n_samples, dtype=np.int64)
    for i in range(n_samples):
        style = styles[i % len(styles)]
        digits = STYLE_DIGITS[style]
        y[i] = digits[turn[i] % len(digits)]
        X[i] = prepare_digit(_write(_DRAW[style](rng), rng))
    return X, y
