"""Seeded pictures of numbers for the numbers question (not a question itself).

A number is a few digits side by side in one picture. The generators here
make them, seeded, from three sources:

* MNIST digits (:func:`mnist_number`): each digit drawn 4x larger as the
  robustness question draws a single one (:func:`benchmarks._conditions.ink_of`),
  cropped to its ink, scaled by a random factor (size jitter), moved up or
  down (baseline jitter, on a line that may slope a little) and set after the
  previous digit with a chosen gap between their inks: negative gaps overlap
  the digits (they touch or cross), positive ones leave paper between them.
  The ink is then put on paper, optionally under one of the robustness
  question's photo-like conditions (:data:`PHOTO_CONDITIONS`, which call its
  functions);
* fonts (:func:`font_number`): the number typed in one of the installed fonts
  (:func:`benchmarks._fonts.installed_fonts`), handwriting and printed
  fonts apart, at a random size with a random stroke;
* the serve page: numbers written with the pointer on the real page
  (:mod:`benchmarks._page_numbers`, :data:`PAGE_SET`).

Nothing here is imported by the library.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from benchmarks._conditions import (
    INK,
    PAPER,
    UPSCALE,
    blurred,
    ink_of,
    jpeg,
    noisy,
    on_paper,
    uneven_light,
)
from benchmarks._fonts import Font, installed_fonts

#: Gaps between neighbouring digits' inks, in MNIST pixels (28 to a digit's
#: field, about 20 to its height): -3 overlaps the inks by 3 pixels.
GAPS_ALL = (-3, 8)
GAPS_APART = (0, 8)
GAPS_TOUCHING = (-3, -1)
#: Digits per number.
LENGTHS = (2, 8)
#: Each digit is scaled by a factor drawn from 1 +- this (size jitter) ...
SIZE_JITTER = 0.15
#: ... and moved up or down by up to this many MNIST pixels (baseline jitter),
#: on a line whose slope is drawn from +- LINE_SLOPE.
BASELINE_JITTER = 2.0
LINE_SLOPE = 0.08
#: Paper around the number, in MNIST pixels.
MARGIN = 6
#: The set of numbers written with the pointer on the serve page
#: (``benchmarks._page_numbers``).
PAGE_SET = "numbers written on the serve page"


@dataclass(frozen=True)
class NumberPicture:
    """One picture of a number: the pixels and the digits it shows."""

    picture: np.ndarray  #: uint8 (height, width), dark ink on light paper
    text: str  #: the digits, left to right
    gaps: tuple[int, ...] = ()  #: gaps between neighbours (MNIST pixels)
    singles: tuple[np.ndarray, ...] = ()  #: each digit alone, if asked for


def _ink_box(ink: np.ndarray, level: float = 0.1) -> tuple[slice, slice]:
    rows = np.flatnonzero(ink.max(axis=1) > level)
    cols = np.flatnonzero(ink.max(axis=0) > level)
    return slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)


def _scaled(ink: np.ndarray, factor: float) -> np.ndarray:
    from PIL import Image

    if abs(factor - 1) < 1e-6:
        return ink
    height, width = ink.shape
    size = (max(2, round(width * factor)), max(2, round(height * factor)))
    image = Image.fromarray(ink.astype(np.float32), mode="F")
    resized = image.resize(size, Image.Resampling.BICUBIC)
    return np.clip(np.asarray(resized, dtype=np.float32), 0, 1)


def compose(digits: np.ndarray, gaps, rng) -> tuple[np.ndarray, list[np.ndarray]]:
    """The ink (0-1, ``UPSCALE`` pixels per MNIST pixel) of ``digits`` (28x28
    MNIST images) set left to right, ``gaps[k]`` MNIST pixels between the
    inks of digit k and k + 1, with size and baseline jitter (seeded); and
    each digit's own ink as it was set (cropped and scaled)."""
    pieces = []
    for digit in digits:
        ink = ink_of(digit)
        blank = ink.max() <= 0.1
        piece = ink if blank else ink[_ink_box(ink)]
        pieces.append(_scaled(piece, 1 + rng.uniform(-SIZE_JITTER, SIZE_JITTER)))
    slope = rng.uniform(-LINE_SLOPE, LINE_SLOPE)
    lefts, x = [], 0.0
    for k, piece in enumerate(pieces):
        lefts.append(round(x))
        gap = gaps[k] if k < len(gaps) else 0
        x += piece.shape[1] + gap * UPSCALE
    tallest = max(p.shape[0] for p in pieces)
    # Digits of different heights share a baseline (their bottoms), then move.
    tops = [
        tallest
        - p.shape[0]
        + slope * left
        + rng.uniform(-BASELINE_JITTER, BASELINE_JITTER) * UPSCALE
        for p, left in zip(pieces, lefts, strict=True)
    ]
    low = min(tops)
    tops = [round(t - low) for t in tops]
    margin = MARGIN * UPSCALE
    height = max(t + p.shape[0] for t, p in zip(tops, pieces, strict=True))
    width = max(left + p.shape[1] for left, p in zip(lefts, pieces, strict=True))
    canvas = np.zeros((height + 2 * margin, width + 2 * margin), dtype=np.float32)
    for piece, top, left in zip(pieces, tops, lefts, strict=True):
        window = canvas[
            margin + top : margin + top + piece.shape[0],
            margin + left : margin + left + piece.shape[1],
        ]
        np.maximum(window, piece, out=window)  # overlapping inks: the darker
    return canvas, pieces


def mnist_number(X: np.ndarray, y: np.ndarray, rng, gaps=GAPS_ALL, lengths=LENGTHS):
    """The ink, text, gaps and digits' own inks (see :func:`compose`) of one
    number of MNIST digits drawn from ``X``."""
    n = int(rng.integers(lengths[0], lengths[1] + 1))
    pick = rng.integers(0, len(X), size=n)
    between = tuple(int(g) for g in rng.integers(gaps[0], gaps[1] + 1, size=n - 1))
    ink, pieces = compose(X[pick], between, rng)
    return ink, "".join(str(int(d)) for d in y[pick]), between, pieces


def low_resolution(ink: np.ndarray, digit_pixels: int) -> np.ndarray:
    """The number scanned so that a digit (the ink's height) is
    ``digit_pixels`` tall, then enlarged back (bilinear): the robustness
    question's ``low_resolution``, which squeezes its square picture into a
    square, kept to the number's aspect ratio."""
    from PIL import Image

    rows = np.flatnonzero(ink.max(axis=1) > 0.25)
    height = rows[-1] - rows[0] + 1 if rows.size else ink.shape[0]
    factor = digit_pixels / height
    small = (max(2, round(ink.shape[1] * factor)), max(2, round(ink.shape[0] * factor)))
    image = Image.fromarray(ink.astype(np.float32), mode="F")
    tiny = image.resize(small, Image.Resampling.BOX)
    back = tiny.resize((ink.shape[1], ink.shape[0]), Image.Resampling.BILINEAR)
    return np.clip(np.asarray(back, dtype=np.float32), 0, 1)


def _lit(ink, rng):
    light = uneven_light(ink.shape, rng)
    return on_paper(ink, light, 0.4 * light)


#: Photo-like conditions on a number's ink, each from the robustness
#: question's functions (name -> function(ink, rng) -> uint8 picture).
PHOTO_CONDITIONS: dict[str, Callable] = {
    "clean": lambda ink, rng: on_paper(ink),
    "uneven lighting, strong": _lit,
    "noise sigma 25": lambda ink, rng: noisy(on_paper(ink), rng, 25),
    "JPEG quality 20": lambda ink, rng: jpeg(on_paper(ink), 20),
    "blur 1 px": lambda ink, rng: on_paper(blurred(ink, UPSCALE)),
    "low resolution 14 px": lambda ink, rng: on_paper(low_resolution(ink, 14)),
}


def mnist_numbers(
    X,
    y,
    n: int,
    seed,
    gaps=GAPS_ALL,
    condition: str = "clean",
    singles: bool = False,
    lengths=LENGTHS,
) -> list[NumberPicture]:
    """``n`` numbers of MNIST digits under a photo-like ``condition``: the
    same numbers (digits, gaps, jitter) for every condition of one seed.
    With ``singles``, each number's ``singles`` holds each of its digits
    alone on paper, drawn as it was in the number under the same condition:
    their error is what the number's digit error is compared with."""
    rng = np.random.default_rng(seed)
    shift = PHOTO_CONDITIONS[condition]
    out = []
    for i in range(n):
        ink, text, between, pieces = mnist_number(X, y, rng, gaps, lengths)
        picture = shift(ink, np.random.default_rng([*np.atleast_1d(seed), i, 7]))
        alone = ()
        if singles:
            look = np.random.default_rng([*np.atleast_1d(seed), i, 8])
            margin = MARGIN * UPSCALE
            alone = tuple(shift(np.pad(p, margin), look) for p in pieces)
        out.append(NumberPicture(picture, text, between, alone))
    return out


def font_number(font: Font, text: str, rng) -> np.ndarray:
    """``text`` typed in ``font``, dark on light paper, at a random size and
    stroke, with paper around it."""
    from PIL import Image, ImageDraw, ImageFont

    size = int(rng.integers(50, 100))
    stroke = int(rng.choice([0, 0, 1, 2]))
    pil = ImageFont.truetype(font.file, size=size, index=font.index)
    left, top, right, bottom = ImageDraw.Draw(Image.new("L", (1, 1))).textbbox(
        (0, 0), text, font=pil, stroke_width=stroke
    )
    pad = int(rng.integers(10, 40))
    image = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), int(PAPER))
    ImageDraw.Draw(image).text(
        (pad - left, pad - top),
        text,
        fill=int(INK),
        font=pil,
        stroke_width=stroke,
        stroke_fill=int(INK),
    )
    return np.asarray(image)


def font_numbers(fonts: list[Font], n: int, seed) -> list[NumberPicture]:
    """``n`` numbers of 2-8 random digits, each in a font drawn from ``fonts``."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        font = fonts[int(rng.integers(len(fonts)))]
        count = int(rng.integers(LENGTHS[0], LENGTHS[1] + 1))
        text = "".join(str(int(d)) for d in rng.integers(0, 10, size=count))
        out.append(NumberPicture(font_number(font, text, rng), text))
    return out


def fonts_by_kind() -> tuple[dict[str, list[Font]], str | None]:
    """The installed fonts as ``{"handwriting": [...], "printed": [...]}``
    (the robustness question's split), or why there are none."""
    fonts, why = installed_fonts()
    kinds = {
        "handwriting": [f for f in fonts if f.handwriting],
        "printed": [f for f in fonts if not f.handwriting],
    }
    return {k: v for k, v in kinds.items() if v}, why
