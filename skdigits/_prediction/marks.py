"""Finding the marks of a number: the ink of one line of digits, cut into marks.

The first steps of :func:`skdigits._prediction.numbers.predict_number`: the
picture reduced to a working size and prepared as for one digit (grey,
noise, lighting, light or dark paper); its ink thresholded into connected
marks; ruled lines and underlines taken out, specks dropped, a second line
of digits refused; the ink reduced so that the digits are about
:data:`WORK_HEIGHT` pixels tall. Each mark is an :class:`Atom`, the unit the
cuts (:mod:`skdigits._prediction.cuts`) and the reading
(:mod:`skdigits._prediction.number_lattice`) work on. NumPy and SciPy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from skdigits._prediction.paper import (
    ImageReadError,
    flatten_background,
    has_light_background,
    remove_noise,
    to_grayscale,
)
from skdigits._prediction.preparation import crop_to_ink

__all__ = [
    "MAX_ASPECT",
    "MAX_DIGITS",
    "MAX_MARKS",
    "MAX_PIXELS",
    "WORKING_SIZE",
    "WORK_HEIGHT",
    "Atom",
    "find_marks",
    "ink_map",
    "working_picture",
]

#: Pictures with more pixels than this are refused (as the server refuses
#: larger uploads): reducing them would cost seconds.
MAX_PIXELS = 40_000_000
#: Larger pictures are reduced (area averaging) so that their longer side is
#: this many pixels before the digits are looked for, as the server does.
WORKING_SIZE = 1024
#: A picture longer than this many times its height (or the reverse) holds
#: no line of digits that can be read.
MAX_ASPECT = 40
#: At most this many digits are read; more marks than MAX_MARKS is not a
#: number but a page of text or noise, and refused before any reading.
MAX_DIGITS = 32
MAX_MARKS = 64

# The marks are found on the ink reduced so that the digits are about this
# many pixels tall (larger ones cost more and read no better: the model sees
# them at 20 pixels).
WORK_HEIGHT = 32
# Ink at or above this share of the strongest ink makes a mark; fainter ink
# (antialiasing) is kept around the marks as part of their digits.
_MARK_INK = 0.3
# A mark whose height and width are both under this share of the digits'
# height is a speck (a dot of noise) and dropped.
_SPECK = 0.2
# Marks smaller than this share of the digits' height may be left out as
# noise, at a cost (see _SKIP_WEIGHT).
_SMALL = 0.6
# A band of marks at least _ROW_WIDE times wider than tall is a row of
# digits (for telling a second line of digits from a broken digit); rows with
# paper of _ROW_GAP of the digits' height between them are two lines.
_ROW_WIDE = 1.2
_ROW_GAP = 0.15
# Horizontal runs of ink at least _LINE_LENGTH times the height of the other
# ink (or spanning _LINE_SPAN of the picture) are a ruled line, not a digit,
# if the line is thin (at most _LINE_THICK of that height) and beside the
# digits (at most _LINE_SIDE of the other ink on its far side); a picture
# of nothing but such runs holds a line if they are _LINE_LONE times longer
# than thick.
_LINE_LENGTH = 1.5
_LINE_SPAN = 0.9
_LINE_SIDE = 0.2
_LINE_THICK = 0.3
_LINE_LONE = 8


@dataclass(eq=False)
class Atom:
    """A mark, or the piece of a mark between two cuts, with its ink."""

    top: int
    left: int
    ink: np.ndarray  # the ink (0-255) in its box, zero outside the atom
    mark: int  # the mark it belongs to
    piece: int  # its place among the mark's pieces (0 if not cut)
    small: bool  # small enough to be left out as noise
    # Strokes crossed by the cut on its left (ink crossed / stroke width),
    # for a piece that is not its mark's first; 0 otherwise.
    cut_strokes: float = 0.0
    # For a piece: the whole mark it was cut from, and how many pieces it has.
    whole: Atom | None = None
    siblings: int = 1

    @property
    def bottom(self) -> int:
        return self.top + self.ink.shape[0]

    @property
    def right(self) -> int:
        return self.left + self.ink.shape[1]

    @property
    def center(self) -> float:
        return self.left + self.ink.shape[1] / 2


# -- the picture --------------------------------------------------------------


def working_picture(image: ArrayLike) -> tuple[np.ndarray, float]:
    """Grey intensities at most WORKING_SIZE a side, and the scale applied."""
    array = np.asarray(image)
    if array.ndim in (2, 3):
        height, width = array.shape[:2]
        if height * width > MAX_PIXELS:
            raise ImageReadError(
                f"image: {width}x{height} pixels is too large to read a number "
                f"from (at most {MAX_PIXELS:,} pixels); reduce it first."
            )
        if min(height, width) > 0 and max(height, width) > MAX_ASPECT * min(
            height, width
        ):
            raise ImageReadError(
                f"image: {width}x{height} pixels is too long and thin to hold a "
                f"line of digits (at most {MAX_ASPECT} times longer than wide)."
            )
    gray = to_grayscale(image)
    scale = min(1.0, WORKING_SIZE / max(gray.shape))
    if scale < 1.0:
        from PIL import Image

        size = (
            max(1, round(gray.shape[1] * scale)),
            max(1, round(gray.shape[0] * scale)),
        )
        reduced = Image.fromarray(gray, mode="F").resize(size, Image.Resampling.BOX)
        gray = np.asarray(reduced, dtype=np.float32)
    return gray, scale


def _border(image: np.ndarray) -> np.ndarray:
    return np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])


def ink_map(gray: np.ndarray) -> np.ndarray:
    """Light ink on black, background at 0, prepared as for one digit."""
    light = has_light_background(gray)
    flat = flatten_background(remove_noise(gray), light)
    if light:
        flat = 255 - flat
    crop_to_ink(flat)  # refuses a blank picture or a lone speck, as for a digit
    border = _border(flat)
    background = float(np.median(border))
    noise = 1.4826 * float(np.median(np.abs(border - background)))
    ink = np.clip(flat - background, 0, None)
    # As crop_to_ink: faint ink and the paper's grain are background.
    ink[ink < max(0.1 * float(ink.max()), 3 * noise)] = 0
    return ink


def _row_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every horizontal run of the mask: its row, first column and length."""
    height, width = mask.shape
    padded = np.zeros((height, width + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    step = np.diff(padded, axis=1)
    rows, starts = np.nonzero(step == 1)
    _, ends = np.nonzero(step == -1)
    return rows, starts, ends - starts


def _remove_lines(mask: np.ndarray, ink: np.ndarray) -> bool:
    """Take ruled lines and underlines out of ``mask`` and ``ink`` (in place):
    horizontal runs much longer than the other ink is tall, or spanning the
    picture, with most of the other ink on one side. Whether one was
    found."""
    rows, starts, lengths = _row_runs(mask)
    if lengths.size == 0:
        return False
    cols = np.flatnonzero(mask.any(axis=0))
    span = cols[-1] - cols[0] + 1
    long_runs = lengths >= 0.6 * span
    if not long_runs.any():
        return False
    line_rows = np.zeros(mask.shape[0], dtype=bool)
    line_rows[rows[long_runs]] = True
    other = mask.any(axis=1) & ~line_rows
    other_rows = np.flatnonzero(other)
    if other_rows.size == 0:
        # Nothing but long runs: a line if far longer than thick (a bar of
        # overlapping 1s is not).
        if lengths[long_runs].max() < _LINE_LONE * line_rows.sum():
            return False
        other_height = 0
    else:
        other_height = other_rows[-1] - other_rows[0] + 1
        if line_rows.sum() > _LINE_THICK * other_height:
            return False  # a line is thin beside the digits
    line = (lengths >= _LINE_LENGTH * other_height) | (
        lengths >= _LINE_SPAN * mask.shape[1]
    )
    line &= long_runs
    if not line.any():
        return False
    # A ruled line runs under (or over) the digits, not through them: most of
    # the other ink is on one side of it (the bars of flat 4s joined in a row
    # have ink above and below).
    middle = float(np.median(rows[line]))
    counts = mask[:, :].sum(axis=1) * ~line_rows
    above, below = (
        float(counts[: int(middle)].sum()),
        float(counts[int(middle) :].sum()),
    )
    if min(above, below) > _LINE_SIDE * (above + below):
        return False
    removed = np.zeros(mask.shape, dtype=bool)
    for row, start, length in zip(rows[line], starts[line], lengths[line], strict=True):
        # The antialiased rows next to the line go with it.
        removed[max(row - 1, 0) : row + 2, start : start + length] = True
    mask &= ~removed
    ink[removed] = 0
    return True


def _digit_height(boxes: list[tuple[slice, slice]], areas: np.ndarray) -> float:
    """The digits' height: the median height of the stacks of marks (marks
    that share most of their columns, with little paper between them: a
    digit broken across, a 5 and its lifted flag), counting marks that are
    not much smaller than the largest."""
    big = [
        box for box, area in zip(boxes, areas, strict=True) if area >= 0.2 * areas.max()
    ]
    big.sort(key=lambda box: box[1].start)
    stacks: list[list[int]] = []  # top, bottom, left, right
    for rows, cols in big:
        for stack in stacks:
            shared = min(stack[3], cols.stop) - max(stack[2], cols.start)
            narrower = min(stack[3] - stack[2], cols.stop - cols.start)
            apart = max(stack[0], rows.start) - min(stack[1], rows.stop)
            shorter = min(stack[1] - stack[0], rows.stop - rows.start)
            if shared >= 0.5 * narrower and apart <= 0.5 * shorter:
                stack[0], stack[1] = min(stack[0], rows.start), max(stack[1], rows.stop)
                stack[2], stack[3] = min(stack[2], cols.start), max(stack[3], cols.stop)
                break
        else:
            stacks.append([rows.start, rows.stop, cols.start, cols.stop])
    return float(np.median([bottom - top for top, bottom, _, _ in stacks]))


def _check_one_line(boxes: list[tuple[slice, slice]], height: float) -> None:
    """Refuse a picture that holds two or more lines of digits: bands of
    marks as tall as digits, one above another with paper between them,
    each a row of digits (two marks or more, wider than tall, or one mark
    far wider than tall). A digit broken across, as a pencil line with a
    gap, makes narrow bands of one mark."""
    tall = [box for box in boxes if box[0].stop - box[0].start >= 0.5 * height]
    if len(tall) < 2:
        return
    tall.sort(key=lambda box: box[0].start)
    bands = [[tall[0]]]
    bottom = tall[0][0].stop
    for box in tall[1:]:
        if box[0].start >= bottom:  # paper between: a new band starts
            bands.append([box])
        else:
            bands[-1].append(box)
        bottom = max(bottom, box[0].stop)
    rows = []  # top, bottom, left, right of the bands that are rows
    for band in bands:
        top, low = min(b[0].start for b in band), max(b[0].stop for b in band)
        left, right = min(b[1].start for b in band), max(b[1].stop for b in band)
        wide = right - left >= _ROW_WIDE * (low - top)
        if wide and (len(band) >= 2 or right - left >= 2 * _ROW_WIDE * (low - top)):
            rows.append((top, low, left, right))
    # Rows beside each other (a steep slope) are one line; rows that share
    # columns, with paper between them, are stacked.
    stacked = any(
        min(a[3], b[3]) > max(a[2], b[2]) and b[0] - a[1] >= _ROW_GAP * height
        for i, a in enumerate(rows)
        for b in rows[i + 1 :]
    )
    if stacked:
        raise ImageReadError(
            f"image: {len(rows)} lines of digits found; a number is read from "
            "one line: crop the picture to each line and read them one by one."
        )


def _label(ink: np.ndarray):
    """Marks of the ink: labels, boxes, heights, widths and areas."""
    from scipy import ndimage

    mask = ink >= _MARK_INK * float(ink.max())
    labels, count = ndimage.label(mask, structure=np.ones((3, 3), bool))
    boxes = ndimage.find_objects(labels)
    heights = np.array([b[0].stop - b[0].start for b in boxes])
    widths = np.array([b[1].stop - b[1].start for b in boxes])
    areas = np.bincount(labels.ravel(), minlength=count + 1)[1:]
    return labels, boxes, heights, widths, areas


def _reduced(ink: np.ndarray, factor: float) -> np.ndarray:
    from PIL import Image

    size = (max(1, round(ink.shape[1] * factor)), max(1, round(ink.shape[0] * factor)))
    image = Image.fromarray(ink.astype(np.float32), mode="F")
    return np.asarray(image.resize(size, Image.Resampling.BOX), dtype=np.float32)


def _stroke_width(mask: np.ndarray) -> float:
    """The pen's width: the median length of the mask's horizontal runs."""
    _, _, lengths = _row_runs(mask)
    return float(np.median(lengths)) if lengths.size else 1.0


def _not_specks(heights: np.ndarray, widths: np.ndarray, height: float) -> list[int]:
    """The marks that are not specks, refusing a picture with too many."""
    extent = np.maximum(heights, widths)
    keep = [i for i in range(len(extent)) if extent[i] >= _SPECK * height]
    if len(keep) > MAX_MARKS:
        raise ImageReadError(
            f"image: {len(keep)} separate marks found; that is not a line of "
            f"digits (at most {MAX_DIGITS} digits are read)."
        )
    return keep


def find_marks(ink: np.ndarray) -> tuple[list[Atom], float, float, float, bool]:
    """The marks of the number as atoms, left to right; the digits' height
    and the pen's width; the scale by which the ink was reduced; whether a
    ruled line was taken out."""
    from scipy import ndimage

    if not float(ink.max()) > 0:
        # Nothing darker than the paper (a flat or noisy picture whose
        # preparation found no ink): every pixel would be one empty mark.
        raise ImageReadError("no digit found: nothing stands out from the paper.")
    mask = ink >= _MARK_INK * float(ink.max())
    lined = _remove_lines(mask, ink)
    if not mask.any():
        raise ImageReadError("no digit found: only a ruled line stands out.")
    labels, boxes, heights, widths, areas = _label(ink)
    height = _digit_height(boxes, areas)
    keep = _not_specks(heights, widths, height)
    _check_one_line([boxes[i] for i in keep], height)
    factor = 1.0
    if height > WORK_HEIGHT * 1.25:
        # Digits this tall read no better than at a third of the size, and
        # cost the square of it: work on the ink reduced.
        factor = WORK_HEIGHT / height
        ink = _reduced(ink, factor)
        labels, boxes, heights, widths, areas = _label(ink)
        height *= factor  # thin strokes may break when reduced: not re-measured
        keep = _not_specks(heights, widths, height)
    extent = np.maximum(heights, widths)
    marks = []
    rim = np.ones((3, 3), bool)
    for i in keep:
        rows, cols = boxes[i]
        top, left = max(rows.start - 1, 0), max(cols.start - 1, 0)
        window = (slice(top, rows.stop + 1), slice(left, cols.stop + 1))
        # The faint antialiased rim around the mark is the digit's too.
        grown = ndimage.binary_dilation(labels[window] == i + 1, structure=rim)
        mark_ink = np.where(grown, ink[window], 0).astype(np.float32)
        used_rows = np.flatnonzero(mark_ink.any(axis=1))
        used_cols = np.flatnonzero(mark_ink.any(axis=0))
        if used_rows.size == 0:  # a mark of the reduced ink only, without ink
            continue
        r0, r1, c0, c1 = (
            used_rows[0],
            used_rows[-1] + 1,
            used_cols[0],
            used_cols[-1] + 1,
        )
        small = extent[i] < _SMALL * height
        marks.append(Atom(top + r0, left + c0, mark_ink[r0:r1, c0:c1], i + 1, 0, small))
    if not marks:
        raise ImageReadError("no digit found: nothing stands out from the paper.")
    marks.sort(key=lambda a: a.center)
    stroke = _stroke_width(labels > 0)
    return marks, height, stroke, factor, lined
