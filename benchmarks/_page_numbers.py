"""Numbers written on the ``skdigits serve`` page with a pointer (not a question).

The numbers question's set of numbers "written on the serve page": each
number is 2-5 digits, each digit one of the hand-made stroke templates of
:mod:`benchmarks._strokes` (the styles whose shape does not decide the digit,
:data:`~benchmarks._strokes.AMBIGUOUS`, left out: their truth is two
digits), placed side by side in one line as a person writes on the pad
(:func:`write_number`, seeded by :func:`random_number`): one height for the
number with a little jitter per digit, a baseline that wanders a little,
one slant and one pen for the number, paper between neighbours' inks. They
are drawn with Selenium pointer actions on the real page served with the
model (:mod:`benchmarks.drawing`), and the page's answer is read back from
it: the number, whether it is unsure and why, and each digit's box as the
page draws it. :func:`page_numbers` returns the pad's pictures (what the
server read), the true texts and the page's answers.

Coordinates are those of :func:`benchmarks.drawing.draw`: shares of the pad's
height, the unit square at the pad's middle. Nothing here is imported by
the library; Selenium, Chromium and chromedriver are needed only by
:func:`page_numbers`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from benchmarks._strokes import AMBIGUOUS, TEMPLATES, Placement, Stroke, place

__all__ = [
    "GAPS",
    "LENGTHS",
    "PEN",
    "WrittenNumber",
    "page_numbers",
    "random_number",
    "write_number",
]

#: Digits per number.
LENGTHS = (2, 5)
#: The number's height, in shares of the pad's height; each digit's is the
#: number's times 1 +- SIZE_JITTER.
HEIGHTS = (0.4, 0.7)
SIZE_JITTER = 0.08
#: Each digit's centre moves up or down by up to this share of the pad's
#: height (a baseline that wanders).
BASELINE_JITTER = 0.03
#: Paper between neighbouring digits' inks, in shares of the number's height
#: (below 0: they overlap, as about one pair in ten does).
GAPS = (-0.03, 0.3)
#: The page's pen, in shares of the pad's height (its LINE_WIDTH, 20 of 280
#: pixels): the paper between two inks is that much less than between their
#: strokes.
PEN = 20 / 280
#: The number's slant (the top moves right by slant x height).
SLANTS = (-0.1, 0.3)
#: Paper kept at the pad's left and right edges, in shares of its height.
EDGE = 0.06
#: The styles a number is written in: every template but the ambiguous ones.
STYLES = {
    digit: [style for style in styles if (digit, style) not in AMBIGUOUS]
    for digit, styles in TEMPLATES.items()
}


@dataclass(frozen=True)
class WrittenNumber:
    """A number as written on the pad: its digits, their styles, the strokes."""

    text: str  #: the digits, left to right
    styles: tuple[str, ...]  #: each digit's template, "digit: style"
    strokes: list[Stroke]  #: every stroke, in the order written


def _x_extent(strokes: list[Stroke]) -> tuple[float, float]:
    xs = [x for stroke in strokes for x, _ in stroke]
    return min(xs), max(xs)


def write_number(
    digits: list[tuple[int, str]],
    rng: np.random.Generator,
    *,
    room: float,
    height: float = 0.6,
    gaps: list[float] | None = None,
    slant: float = 0.0,
    passes: int = 1,
    tremor: float = 0.0,
    centre: tuple[float, float] = (0.5, 0.5),
    jitter: bool = False,
) -> list[Stroke]:
    """The strokes of ``digits`` (``(digit, style)`` pairs) written side by
    side on a pad ``room`` heights wide.

    ``gaps`` (one fewer than the digits; default 0.15 each) is the paper
    between neighbouring inks (the page's pen, :data:`PEN`, wide) in shares
    of ``height``; ``centre`` is where
    the number's middle goes. If the number would be wider than the pad
    less :data:`EDGE` at each side, it is written smaller until it fits.
    ``jitter`` varies each digit's size and baseline
    (:data:`SIZE_JITTER`, :data:`BASELINE_JITTER`)."""
    gaps = [0.15] * (len(digits) - 1) if gaps is None else list(gaps)
    usable = room - 2 * EDGE
    sizes = [
        1 + rng.uniform(-SIZE_JITTER, SIZE_JITTER) if jitter else 1.0 for _ in digits
    ]
    shifts = [rng.uniform(-1, 1) * BASELINE_JITTER if jitter else 0.0 for _ in digits]
    for _ in range(5):  # each pass writes it smaller, if it did not fit
        placed = [
            place(
                TEMPLATES[digit][style],
                Placement(
                    height=height * size,
                    # Written at the unit square's middle (where place keeps
                    # every point on the pad), moved along the line below.
                    centre=(0.5, centre[1] + shift),
                    slant=slant,
                    tremor=tremor,
                    passes=passes,
                ),
                rng,
            )
            for (digit, style), size, shift in zip(digits, sizes, shifts, strict=True)
        ]
        extents = [_x_extent(strokes) for strokes in placed]
        steps = [PEN + height * gap for gap in gaps]  # stroke to stroke
        width = sum(right - left for left, right in extents) + sum(steps)
        if width <= usable:
            break
        height *= 0.95 * usable / width
    left = min(
        max(centre[0] - width / 2, 0.5 - room / 2 + EDGE), 0.5 + room / 2 - EDGE - width
    )
    out = []
    for k, (strokes, (first, last)) in enumerate(zip(placed, extents, strict=True)):
        out += [[(x - first + left, y) for x, y in stroke] for stroke in strokes]
        left += last - first + (steps[k] if k < len(steps) else 0.0)
    return out


def random_number(rng: np.random.Generator, room: float) -> WrittenNumber:
    """A seeded number as people write one on the pad (see the module's
    docstring) on a pad ``room`` heights wide."""
    n = int(rng.integers(LENGTHS[0], LENGTHS[1] + 1))
    digits = [int(d) for d in rng.integers(0, 10, n)]
    styles = [str(rng.choice(STYLES[d])) for d in digits]
    height = float(rng.uniform(*HEIGHTS))
    # Room above and below for the number, its baseline's wander and slant.
    spare = max(0.0, (1 - 1.1 * height) / 2 - BASELINE_JITTER - 0.02)
    strokes = write_number(
        list(zip(digits, styles, strict=True)),
        rng,
        room=room,
        height=height,
        gaps=list(rng.uniform(*GAPS, n - 1)),
        slant=float(rng.uniform(*SLANTS)),
        passes=int(rng.choice([1, 1, 2])),
        tremor=0.008,
        centre=(0.5 + rng.uniform(-1, 1) * room / 4, 0.5 + rng.uniform(-1, 1) * spare),
        jitter=True,
    )
    return WrittenNumber(
        "".join(map(str, digits)),
        tuple(f"{d}: {s}" for d, s in zip(digits, styles, strict=True)),
        strokes,
    )


def page_numbers(model, n: int, seed: int) -> dict:
    """``n`` seeded numbers written with the mouse on the page served with
    ``model``, and what the page read.

    Returns a dict: ``pictures`` (the pad as the server read it, uint8 grey,
    dark ink on white), ``texts`` (the digits written), ``styles`` (each
    digit's template), ``page_answers`` (the page's reading: ``text``,
    ``unsure`` and ``reason`` as the page states them, and ``digits``, each
    box drawn with its ``label``, ``probability``, ``unsure`` and ``box`` in
    the picture's pixels) and ``what``; or, without a browser, empty lists
    and ``skipped``, why.
    """
    from benchmarks.drawing import (
        browser_missing,
        clear,
        draw,
        open_browser,
        open_page,
        pad_picture,
        pad_width,
        read_number,
    )

    out: dict = {"pictures": [], "texts": [], "styles": [], "page_answers": []}
    why = browser_missing()
    if why is not None:
        return {**out, "skipped": why}
    from skdigits.serve import start_server

    rng = np.random.default_rng([seed, 31])
    with start_server(model, echo=lambda line: None) as server:
        driver = open_browser()
        try:
            open_page(driver, server.url)
            room = pad_width(driver)
            for _ in range(n):
                number = random_number(rng, room)
                draw(driver, number.strokes)
                answer = read_number(driver)
                picture = pad_picture(driver)
                out["pictures"].append(
                    np.clip(np.rint(picture), 0, 255).astype(np.uint8)
                )
                out["texts"].append(number.text)
                out["styles"].append(number.styles)
                out["page_answers"].append(
                    {
                        "text": answer["text"],
                        "unsure": answer["unsure"],
                        "reason": answer["reason"],
                        "digits": [
                            {k: d[k] for k in ("label", "probability", "unsure", "box")}
                            for d in answer["digits"]
                        ],
                    }
                )
                clear(driver)
        finally:
            driver.quit()
    out["what"] = (
        f"{n} numbers of {LENGTHS[0]}-{LENGTHS[1]} digits from the stroke templates "
        "(the ambiguous 1s left out), written with the mouse on the page: "
        f"{HEIGHTS[0]:.0%}-{HEIGHTS[1]:.0%} of the pad tall, gaps "
        f"{GAPS[0]}-{GAPS[1]} of the height, slant {SLANTS[0]} to {SLANTS[1]}, "
        "a third gone over twice"
    )
    return out
