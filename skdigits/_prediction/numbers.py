"""Read a number: several digits side by side in one picture.

A model reads one digit; :func:`predict_number` finds the digits of a
number, reads each as :func:`skdigits.inference.predict_digit` reads one digit,
and says what it read and how sure it is. NumPy and SciPy only.

How the digits are found (recognition-driven segmentation):

1. The picture goes through the preparation of a single digit
   (:mod:`skdigits._prediction.paper`): grey, noise filtered if the paper is grainy,
   lighting evened out, inverted if the paper is light; a blank picture is
   refused as it is for one digit. A picture over :data:`WORKING_SIZE`
   pixels a side is first reduced, so the work is bounded.
2. The ink is thresholded and cut into connected marks. A long, thin
   horizontal line beside the digits (a ruled line, an underline) is taken
   out, specks far smaller than the digits are dropped, and a second line
   of digits is refused (:func:`predict_number` reads one line). The ink is
   reduced so that the digits are about 32 pixels tall.
3. Each mark that reads poorly as one digit, or is wider than the digit it
   reads as, and is wide enough for two, gets candidate cuts: the low
   points of its column ink profile and the dips of its outline from above
   and below (drop-fall), each followed from top to bottom along the path
   that crosses the least ink (a seam). Marks and the pieces between cuts
   are the *atoms*, ordered left to right.
4. A digit is a run of neighbouring atoms (a 5 whose flag is lifted, a 4
   written in two strokes, a broken pencil line; a wide mark read whole).
   Every plausible run is read by the model, in one ``predict_proba`` call
   per step (marks whole, then the pieces of the marks that were cut); a
   small dynamic programme picks the reading of all atoms with the best
   score: the sum of its digits' log probabilities, less costs for a digit
   wider than MNIST's digits of its class, for a fragment much shorter than
   the line's digits, for joining separate marks, for each stroke a cut
   crosses, for a mark left out as noise, and for each digit read from a
   single stack of ink (where one slanted digit is likelier than two
   touching ones). The same sums with log-sum-exp weigh every reading: the
   share held by the readings that spell the digits read says how sure the
   segmentation is.
5. The digits found are prepared with
   :func:`~skdigits.image_io.prepare_digit` and read as one digit is; a
   reading of one digit reads the whole picture, exactly as
   ``predict_digit`` does.

The costs were chosen on numbers made of MNIST's validation digits (training
images 50,000-59,999), never the test set; the numbers benchmark
(``benchmarks/numbers.py``) measures the reader.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from skdigits._prediction.answer import ANSWER_SCHEMA, digit_answer
from skdigits._prediction.model_choice import digit_model, few_blas_threads
from skdigits._prediction.paper import (
    ImageReadError,
    flatten_background,
    has_light_background,
    remove_noise,
    to_grayscale,
)
from skdigits._prediction.preparation import (
    center_by_mass,
    crop_to_ink,
    fit_into_box,
    prepare_digit,
    stroke_sharpness,
)
from skdigits._prediction.unsure import model_unsure_below

__all__ = ["NUMBER_SCHEMA", "predict_number"]

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
_WORK_HEIGHT = 32
# Ink at or above this share of the strongest ink makes a mark; fainter ink
# (antialiasing) is kept around the marks as part of their digits.
_MARK_INK = 0.3
# A mark whose height and width are both under this share of the digits'
# height is a speck (a dot of noise) and dropped.
_SPECK = 0.2
# Marks smaller than this share of the digits' height may be left out as
# noise, at a cost (see _SKIP_WEIGHT).
_SMALL = 0.6
# Marks at least _SPLIT_WIDTH of the digits' height wide and _SPLIT_TALL of
# it tall may hold touching digits and get candidate cuts, up to
# _CUTS_PER_HEIGHT for each digit height of their width; a piece between
# cuts is at least _MIN_PIECE of the height wide.
_SPLIT_WIDTH = 0.5
_SPLIT_TALL = 0.6
_MIN_PIECE = 0.12
_CUTS_PER_HEIGHT = 3
# A seam may wander this share of the height either side of its column.
_SEAM_REACH = 0.1
# A digit joining several marks is at most _MAX_WIDTH of the digits' height
# wide; a digit is made of at most _MAX_ATOMS atoms (or of all the pieces of
# one mark); atoms further apart than _JOIN_GAP of the height are not
# joined.
_MAX_WIDTH = 1.6
_MAX_ATOMS = 4
_JOIN_GAP = 0.2
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
# A reading's score is the sum of its digits' scores and of its cuts' and
# left-out marks' weights (a log-linear model over readings). A digit read as
# a class scores _WEIGHTS times its features (_features): the log of the
# class's probability; how much wider than MNIST's digits of that class it
# is (the square of the z-score of log width/height beyond 1); how much
# shorter than _SHORT of the line's digits it is; and how many more marks
# than one it joins. A digit that starts at a cut through a mark adds
# _CUT_WEIGHTS (once, and per stroke crossed); a mark left out as noise adds
# _SKIP_WEIGHT. The weights were chosen by coordinate search for the share
# of numbers read exactly, on numbers made of MNIST's validation digits
# (training images 50,000-59,999) as the numbers benchmark makes them.
_SHORT = 0.7
_WEIGHTS = np.array([1.0, -0.1, -4.0, -0.25])
_CUT_WEIGHTS = (0.0, -0.1)
_SKIP_WEIGHT = -0.5
# Each digit read from ink that is one stack of marks no wider than
# _ONE_STACK_WIDTH digit heights (see _one_stack) adds this: one digit
# slanted, turned or broken is likelier there than two touching digits. A
# trade-off: on the validation pictures it keeps 1-2 % more slanted and
# turned single digits whole, and splits 8-12 % fewer pairs of touching
# digits that are alone in the picture.
_ONE_STACK_WEIGHT = -0.25
_ONE_STACK_WIDTH = _MAX_WIDTH
# Mean and spread of log(width / height) of MNIST's training digits 0-9 (the
# first 50,000; ink at 30 % of the strongest).
_LOG_ASPECT = (
    (-0.11, 0.20),
    (-0.94, 0.47),
    (-0.07, 0.22),
    (-0.24, 0.22),
    (-0.24, 0.22),
    (-0.08, 0.27),
    (-0.33, 0.22),
    (-0.27, 0.22),
    (-0.28, 0.23),
    (-0.40, 0.21),
)
# A mark wide enough to hold two digits is cut only if, read whole, its
# score is below _SPLIT_BELOW or it is wider than MNIST's digits of the class
# it reads as (a z-score of log width/height above _SPLIT_WIDE_Z).
_SPLIT_BELOW = float(np.log(0.9))
_SPLIT_WIDE_Z = 1.5
# A candidate whose ink rises more gently than this is a smudge, not a digit
# (the rule of prepare_digit).
_MIN_SHARPNESS = 0.15
# Sideways steps of a seam cost this (ink is 0-1 per pixel crossed).
_SEAM_STEP = 0.05
# The number is "not sure" when the readings that spell its digits hold less
# than _READING_SURE of the weight of all readings, each reading weighing
# exp(_SHARPNESS x score) (sharper than exp(score): on the validation
# numbers that flags fewer right readings for the wrong ones it catches).
_READING_SURE = 0.5
_SHARPNESS = 4.0


@dataclass(eq=False)
class _Atom:
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
    whole: _Atom | None = None
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


def _working_picture(image: ArrayLike) -> tuple[np.ndarray, float]:
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


def _ink_map(gray: np.ndarray) -> np.ndarray:
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


# -- marks and atoms ----------------------------------------------------------


def _seams(
    ink: np.ndarray, columns: list[int], reach: int
) -> tuple[np.ndarray, np.ndarray]:
    """For each column, the top-to-bottom path through ``ink`` that crosses the
    least ink within ``reach`` columns of it: its column in every row, shape
    (n_columns, height), and the ink it crosses (in pixels of full ink). A
    step sideways costs a little, so straight cuts win ties."""
    height, width = ink.shape
    offsets = np.arange(-reach, reach + 1)
    cols = np.clip(np.asarray(columns)[:, np.newaxis] + offsets, 0, width - 1)
    cost = ink[:, cols] / max(float(ink.max()), 1e-6)  # (height, n, window)
    total = cost[0].copy()
    came = np.zeros((height, *cols.shape), dtype=np.int8)
    options = np.full((3, *cols.shape), np.inf)
    for row in range(1, height):
        options[0, :, 1:] = total[:, :-1] + _SEAM_STEP  # from the left
        options[1] = total
        options[2, :, :-1] = total[:, 1:] + _SEAM_STEP  # from the right
        move = options.argmin(axis=0)
        total = np.take_along_axis(options, move[np.newaxis], 0)[0] + cost[row]
        came[row] = move - 1
    place = total.argmin(axis=1)
    crossed = total[np.arange(len(columns)), place]
    path = np.empty((len(columns), height), dtype=np.int64)
    index = np.arange(len(columns))
    for row in range(height - 1, -1, -1):
        path[:, row] = cols[index, place]
        place = place + came[row, index, place]
    return path, crossed


def _cut_columns(ink: np.ndarray, digit_height: float) -> list[int]:
    """Columns where touching digits may meet: the low points of the ink's
    column profile, away from the mark's ends and from each other, lowest
    first, a few for each digit's width the mark spans."""
    width = ink.shape[1]
    edge = max(1, round(_MIN_PIECE * digit_height))
    if width < 2 * edge + 1:
        return []
    profile = np.convolve(ink.sum(axis=0), np.ones(3) / 3, mode="same")
    inner = np.arange(edge, width - edge)
    low = inner[
        (profile[inner] <= profile[inner - 1]) & (profile[inner] <= profile[inner + 1])
    ]
    # Where two digits touch, the outline of the ink dips from above or rises
    # from below (drop-fall): the deepest points of both outlines are cut
    # candidates too, tried after the profile's low points.
    inked = ink > 0
    rows = np.arange(ink.shape[0])[:, np.newaxis]
    top = np.where(inked, rows, ink.shape[0]).min(axis=0).astype(float)
    bottom = np.where(inked, rows, -1).max(axis=0).astype(float)
    dips = []
    for outline in (top, -bottom):
        smooth = np.convolve(outline, np.ones(3) / 3, mode="same")
        peaks = inner[
            (smooth[inner] >= smooth[inner - 1]) & (smooth[inner] > smooth[inner + 1])
        ]
        dips.extend(peaks[np.argsort(-smooth[peaks], kind="stable")][:2].tolist())
    if low.size == 0 and not dips:
        low = inner[[int(profile[inner].argmin())]]
    most = _CUTS_PER_HEIGHT * width / digit_height + 1
    chosen: list[int] = []
    ordered = [*low[np.argsort(profile[low], kind="stable")].tolist(), *dips]
    for column in ordered:
        if all(abs(column - c) >= edge for c in chosen):
            chosen.append(int(column))
        if len(chosen) >= most:
            break
    return sorted(chosen)


def _pieces(mark: _Atom, height: float, stroke: float) -> list[_Atom]:
    """The mark cut along seams at its candidate columns, left to right (the
    mark alone if it has none)."""
    cuts = _cut_columns(mark.ink, height)
    if not cuts:
        return [mark]
    reach = max(1, round(_SEAM_REACH * height))
    paths, crossed = _seams(mark.ink, cuts, reach)
    paths = np.maximum.accumulate(paths, axis=0)  # seams never cross
    rows, width = mark.ink.shape
    column = np.arange(width)[np.newaxis, :]
    bounds = [np.zeros(rows, int), *paths, np.full(rows, width)]
    strokes = [0.0, *(float(c) / stroke for c in crossed)]
    pieces = []
    for lo, hi, cut in zip(bounds[:-1], bounds[1:], strokes, strict=True):
        inside = (column >= lo[:, np.newaxis]) & (column < hi[:, np.newaxis])
        piece_ink = np.where(inside, mark.ink, 0)
        used_rows = np.flatnonzero(piece_ink.any(axis=1))
        used_cols = np.flatnonzero(piece_ink.any(axis=0))
        if used_rows.size == 0:
            continue
        r0, r1 = used_rows[0], used_rows[-1] + 1
        c0, c1 = used_cols[0], used_cols[-1] + 1
        pieces.append(
            _Atom(
                mark.top + r0,
                mark.left + c0,
                piece_ink[r0:r1, c0:c1],
                mark.mark,
                len(pieces) + 1,
                False,
                cut if pieces else 0.0,
                mark,
            )
        )
    for piece in pieces:
        piece.siblings = len(pieces)
    return pieces


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


def _find_marks(ink: np.ndarray) -> tuple[list[_Atom], float, float, float, bool]:
    """The marks of the number as atoms, left to right; the digits' height
    and the pen's width; the scale by which the ink was reduced; whether a
    ruled line was taken out."""
    from scipy import ndimage

    mask = ink >= _MARK_INK * float(ink.max())
    lined = _remove_lines(mask, ink)
    if not mask.any():
        raise ImageReadError("no digit found: only a ruled line stands out.")
    labels, boxes, heights, widths, areas = _label(ink)
    height = _digit_height(boxes, areas)
    keep = _not_specks(heights, widths, height)
    _check_one_line([boxes[i] for i in keep], height)
    factor = 1.0
    if height > _WORK_HEIGHT * 1.25:
        # Digits this tall read no better than at a third of the size, and
        # cost the square of it: work on the ink reduced.
        factor = _WORK_HEIGHT / height
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
        r0, r1, c0, c1 = (
            used_rows[0],
            used_rows[-1] + 1,
            used_cols[0],
            used_cols[-1] + 1,
        )
        small = extent[i] < _SMALL * height
        marks.append(
            _Atom(top + r0, left + c0, mark_ink[r0:r1, c0:c1], i + 1, 0, small)
        )
    marks.sort(key=lambda a: a.center)
    stroke = _stroke_width(labels > 0)
    return marks, height, stroke, factor, lined


# -- reading ------------------------------------------------------------------


def _segments(atoms: list[_Atom], height: float) -> list[tuple[int, int]]:
    """Runs of neighbouring atoms ``(i, j)`` (atoms i to j - 1) that may be one
    digit: not too many, no wide gap inside, and not too wide, unless they
    are all of one mark (a wide mark is read whole too)."""
    out = []
    for i in range(len(atoms)):
        right = atoms[i].right
        left = atoms[i].left
        marks = {atoms[i].mark}
        for j in range(i + 1, min(i + _MAX_ATOMS, len(atoms)) + 1):
            if j > i + 1:
                atom = atoms[j - 1]
                if atom.left - right > _JOIN_GAP * height:
                    break
                right, left = max(right, atom.right), min(left, atom.left)
                marks.add(atom.mark)
                if right - left > _MAX_WIDTH * height and len(marks) > 1:
                    break
            out.append((i, j))
        # All the pieces of a mark, however many: the mark read whole.
        first = atoms[i]
        if first.whole is not None and first.piece == 1 and first.siblings > _MAX_ATOMS:
            j = i + first.siblings
            if j <= len(atoms) and all(a.whole is first.whole for a in atoms[i:j]):
                out.append((i, j))
    return out


def _segment_ink(atoms: list[_Atom]) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The atoms' ink together on black, with a margin, and their box
    (top, left, bottom, right) in the working picture."""
    top = min(a.top for a in atoms)
    left = min(a.left for a in atoms)
    bottom = max(a.bottom for a in atoms)
    right = max(a.right for a in atoms)
    margin = 2
    shape = (bottom - top + 2 * margin, right - left + 2 * margin)
    if shape == (28, 28):  # prepare_digit would take it for an MNIST digit
        shape = (28, 29)
    canvas = np.zeros(shape, dtype=np.float32)
    for a in atoms:
        r, c = a.top - top + margin, a.left - left + margin
        window = canvas[r : r + a.ink.shape[0], c : c + a.ink.shape[1]]
        np.maximum(window, a.ink, out=window)
    return canvas, (top, left, bottom, right)


@dataclass
class _Candidate:
    """One run of atoms read as a digit."""

    proba: np.ndarray
    box: tuple[int, int, int, int]  # top, left, bottom, right (working pixels)
    label: Any  # the class read
    marks: int  # how many marks it joins
    classes: list  # the model's classes
    atoms: list = field(default_factory=list)  # the atoms it is made of
    image: np.ndarray | None = None  # the 28x28 image the model read
    # The candidate's score read as each class (features @ _WEIGHTS): its
    # label's is its score in the best reading, and all of them count in the
    # sum over readings.
    scores: np.ndarray | None = None


def _wide_z(label: Any, box: tuple[int, int, int, int]) -> float:
    """How much wider than MNIST's digits ``label`` the box is: the z-score of
    its log(width / height) among theirs (0 for labels that are not 0-9)."""
    if not (isinstance(label, (int, np.integer)) and 0 <= label <= 9):
        return 0.0
    top, left, bottom, right = box
    mean, spread = _LOG_ASPECT[int(label)]
    return float((np.log(max(right - left, 1) / max(bottom - top, 1)) - mean) / spread)


@functools.lru_cache(maxsize=8)
def _aspects(classes: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Mean and spread of log(width / height) for each class (0 and inf for
    classes that are not the digits 0-9: no cost for their width)."""
    mean, spread = np.zeros(len(classes)), np.full(len(classes), np.inf)
    for k, label in enumerate(classes):
        if isinstance(label, (int, np.integer)) and 0 <= label <= 9:
            mean[k], spread[k] = _LOG_ASPECT[int(label)]
    return mean, spread


def _features(candidate: _Candidate, height: float) -> np.ndarray:
    """The features of a candidate digit read as each class, shape
    (n_classes, len(_WEIGHTS)): see _WEIGHTS."""
    top, left, bottom, right = candidate.box
    tall, wide = max(bottom - top, 1), max(right - left, 1)
    mean, spread = _aspects(tuple(candidate.classes))
    features = np.empty((len(candidate.classes), len(_WEIGHTS)))
    features[:, 0] = np.log(np.maximum(candidate.proba, 1e-12))
    features[:, 1] = np.maximum((np.log(wide / tall) - mean) / spread - 1.0, 0.0) ** 2
    features[:, 2] = max(0.0, _SHORT - tall / height)
    features[:, 3] = candidate.marks - 1
    return features


def _score(candidate: _Candidate, height: float) -> float:
    """A candidate's score read as its label."""
    return float(_features(candidate, height)[int(candidate.proba.argmax())] @ _WEIGHTS)


def _read(
    model: Any,
    atoms: list[_Atom],
    height: float,
    known: dict[tuple[int, ...], _Candidate],
) -> dict[tuple[int, ...], _Candidate]:
    """Read every run of atoms that may be a digit and is not ``known`` yet,
    in one model call; the candidates by the ids of their atoms."""
    images, keys, boxes = [], [], []
    for i, j in _segments(atoms, height):
        key = tuple(id(a) for a in atoms[i:j])
        if key in known:
            continue
        whole = atoms[i].whole
        if (
            whole is not None
            and j - i == atoms[i].siblings
            and all(a.whole is whole for a in atoms[i:j])
            and (id(whole),) in known
        ):
            known[key] = known[(id(whole),)]  # the mark, read whole before
            continue
        canvas, box = _segment_ink(atoms[i:j])
        try:
            images.append(_candidate_image(canvas))
        except ImageReadError:  # a speck or a smudge: not a digit
            continue
        keys.append((key, len({a.mark for a in atoms[i:j]}), i, j))
        boxes.append(box)
    found = dict(known)
    if not images:
        return found
    proba = np.asarray(model.predict_proba(np.stack(images)))
    classes = list(model.classes_)
    for (key, marks, i, j), row, box, image in zip(
        keys, proba, boxes, images, strict=True
    ):
        found[key] = _Candidate(
            row,
            box,
            classes[int(row.argmax())],
            marks,
            classes,
            atoms=atoms[i:j],
            image=image,
        )
    return found


def _candidate_image(canvas: np.ndarray) -> np.ndarray:
    """``prepare_digit``'s last steps, for a candidate's ink already on black:
    its grey, lighting and inversion steps leave such a canvas as it is,
    and skipping them halves the cost of trying a candidate. The digits
    read in the end go through ``prepare_digit`` itself."""
    digit = fit_into_box(crop_to_ink(canvas))
    if stroke_sharpness(digit) < _MIN_SHARPNESS:
        raise ImageReadError("no digit found: only a soft smudge.")
    return center_by_mass(digit)


@dataclass
class _Reading:
    digits: list[_Candidate]
    # The best reading's share of all readings' weight (each reading weighs
    # exp(score), every class of every digit counted): how sure the
    # segmentation and the digits together are of it.
    share: float


def _best_reading(
    atoms: list[_Atom],
    candidates: dict[tuple[int, ...], _Candidate],
    height: float,
    per_digit: float = 0.0,
) -> _Reading:
    """The reading of every atom (a digit or left out) with the best score,
    by dynamic programming over (atoms read, digits so far), and its share
    of the weight of all readings (the same sums, with log-sum-exp)."""
    n = len(atoms)
    limit = min(n, MAX_DIGITS)
    best = np.full((n + 1, limit + 1), -np.inf)
    back: dict[tuple[int, int], tuple[int, int, _Candidate | None]] = {}
    best[0, 0] = 0.0
    ending: dict[int, list[tuple[int, _Candidate, float, float]]] = {}
    for i, j in _segments(atoms, height):
        candidate = candidates.get(tuple(id(a) for a in atoms[i:j]))
        if candidate is None:
            continue
        candidate.scores = _features(candidate, height) @ _WEIGHTS + per_digit
        score = float(candidate.scores[int(candidate.proba.argmax())])
        mass = float(np.logaddexp.reduce(_SHARPNESS * candidate.scores)) / _SHARPNESS
        if i > 0 and atoms[i - 1].mark == atoms[i].mark:
            # The digit starts at a cut through ink.
            cut = _CUT_WEIGHTS[0] + _CUT_WEIGHTS[1] * atoms[i].cut_strokes
            score, mass = score + cut, mass + cut
        ending.setdefault(j, []).append((i, candidate, score, mass))
    total = np.full(n + 1, -np.inf)  # log of the sum over readings
    total[0] = 0.0
    for j in range(1, n + 1):
        terms = [total[i] + _SHARPNESS * mass for i, _, _, mass in ending.get(j, ())]
        if atoms[j - 1].small:  # the atom may be left out as noise
            terms.append(total[j - 1] + _SHARPNESS * _SKIP_WEIGHT)
            values = best[j - 1] + _SKIP_WEIGHT
            better = values > best[j]
            best[j][better] = values[better]
            for count in np.flatnonzero(better):
                back[j, int(count)] = (j - 1, int(count), None)
        if terms:
            total[j] = np.logaddexp.reduce(terms)
        for i, candidate, score, _ in ending.get(j, ()):
            values = best[i, :limit] + score
            better = values > best[j, 1:]
            best[j, 1:][better] = values[better]
            for count in np.flatnonzero(better) + 1:
                back[j, int(count)] = (i, int(count) - 1, candidate)
    totals = best[n]
    count = int(totals.argmax())
    if not np.isfinite(totals[count]) or count == 0:
        raise ImageReadError("no digit found: no mark reads as a digit.")
    chosen = []
    j, c = n, count
    while j > 0:
        i, c_before, candidate = back[j, c]
        if candidate is not None:
            chosen.append(candidate)
        j, c = i, c_before
    chosen.reverse()
    # The weight of every reading that spells the same digits (however the
    # atoms are grouped), as a share of all readings' weight.
    spelled = [int(c.proba.argmax()) for c in chosen]
    same = np.full((n + 1, len(spelled) + 1), -np.inf)
    same[0, 0] = 0.0
    for j in range(1, n + 1):
        skip = _SHARPNESS * _SKIP_WEIGHT
        rows = [same[j - 1] + skip] if atoms[j - 1].small else []
        for i, candidate, score, _ in ending.get(j, ()):
            row = np.full(len(spelled) + 1, -np.inf)
            label_score = candidate.scores[spelled] + (score - _label_score(candidate))
            row[1:] = same[i, :-1] + _SHARPNESS * label_score
            rows.append(row)
        if rows:
            same[j] = np.logaddexp.reduce(np.stack(rows), axis=0)
    share = float(np.exp(min(same[n, -1] - total[n], 0.0)))
    return _Reading(chosen, share)


def _label_score(candidate: _Candidate) -> float:
    return float(candidate.scores[int(candidate.proba.argmax())])


def _to_split(atoms, candidates, height) -> list[_Atom]:
    """Marks that may hold touching digits: wide enough for two, and read
    whole either poorly or as a digit narrower than they are."""
    split = []
    for atom in atoms:
        rows, cols = atom.ink.shape
        if cols < _SPLIT_WIDTH * height or rows < _SPLIT_TALL * height:
            continue
        alone = candidates.get((id(atom),))
        if (
            alone is None
            or _score(alone, height) < _SPLIT_BELOW
            or _wide_z(alone.label, alone.box) > _SPLIT_WIDE_Z
        ):
            split.append(atom)
    return split


def _read_number(model: Any, ink: np.ndarray) -> tuple[_Reading, float, bool]:
    """The best reading of the ink, the scale of its boxes, and whether a
    ruled line was taken out."""
    atoms, height, stroke, factor, lined = _find_marks(ink)
    # Ink that is one stack of marks, with no paper beside it, is most often
    # one digit (slanted, turned or broken): more digits cost more there.
    per_digit = _ONE_STACK_WEIGHT if _one_stack(atoms, height) else 0.0
    candidates = _read(model, atoms, height, {})
    split = _to_split(atoms, candidates, height)
    if split:
        cut = []
        for atom in atoms:
            cut.extend(_pieces(atom, height, stroke) if atom in split else [atom])
        atoms = sorted(cut, key=lambda a: a.center)
        candidates = _read(model, atoms, height, candidates)
    return _best_reading(atoms, candidates, height, per_digit), factor, lined


def _one_stack(marks: list[_Atom], height: float) -> bool:
    """Whether the marks that are not small overlap one another in x as one
    chain (no paper between them from top to bottom) no wider than one
    digit slanted or turned can be."""
    big = sorted((m for m in marks if not m.small), key=lambda m: m.left)
    if not big:
        return False
    right = big[0].right
    for mark in big[1:]:
        if mark.left >= right:
            return False
        right = max(right, mark.right)
    return right - big[0].left <= _ONE_STACK_WIDTH * height


def _box(box: tuple[int, int, int, int], scale: float, shape) -> dict[str, int]:
    """A working-picture box (top, left, bottom, right) in the input's pixels."""
    top, left, bottom, right = (v / scale for v in box)
    top, left = max(int(np.floor(top)), 0), max(int(np.floor(left)), 0)
    bottom = min(int(np.ceil(bottom)), shape[0])
    right = min(int(np.ceil(right)), shape[1])
    return {"x": left, "y": top, "width": right - left, "height": bottom - top}


def predict_number(
    image: ArrayLike, model: Any = None, *, unsure_below: float | None = None
) -> dict[str, Any]:
    """Read a number: the digits in one line of a picture, left to right.

    The picture is prepared as for one digit (grey, noise, lighting, light or
    dark paper), its ink cut into marks, and the marks into digits: pieces of
    one digit (a lifted flag, a stroke written apart, a broken line) are
    joined and touching digits are split, each way tried by the model, and
    the reading whose digits the model is surest of wins (see the module's
    docstring). Specks and a ruled line are not digits. Each digit is then
    prepared with :func:`~skdigits.image_io.prepare_digit` and read as
    :func:`skdigits.inference.predict_digit` reads one; a picture read as one
    digit is read whole, exactly as ``predict_digit`` reads it.

    Parameters
    ----------
    image : array-like of shape (height, width) or (height, width, channels)
        Grey, RGB or RGBA pixels, 0-255 or floats in [0, 1], any size up to
        :data:`MAX_PIXELS` (larger than :data:`WORKING_SIZE` a side, it is
        reduced first).
    model : fitted classifier or None, default=None
        Takes (n, 28, 28) uint8 MNIST-style digits in ``predict_proba`` and
        has ``classes_``; None: the shipped model
        (:func:`skdigits.load_pretrained`, loaded once).
    unsure_below : float or None, default=None
        The "not sure" threshold on each digit's top probability; None: the
        model's calibrated ``unsure_below``, else 0.5.

    Returns
    -------
    answer : dict
        As :data:`NUMBER_SCHEMA` describes:

        - ``text``: the digits read, left to right, as a string;
        - ``digits``: one answer per digit, in the format of a single digit's
          (``label``, ``probability``, ``unsure``, ``runner_up``, ...), with
          ``box``, the digit's place in the picture (``x``, ``y``,
          ``width``, ``height`` in the input's pixels);
        - ``probability``: the product of the digits' probabilities;
        - ``unsure``: True when the number is not worth stating as read:
          a digit is unsure (its probability below ``unsure_below``), or
          the readings of the picture that spell these digits hold less
          than half the weight of all its readings (other cuts or joins
          read nearly as well: touching digits that no cut reads well, a
          mark that may or may not be a digit);
        - ``reason``: why it is unsure (``"digit"``, ``"reading"`` or both,
          joined by ``", "``), or None.

    Raises
    ------
    skdigits.image_io.ImageReadError
        Not an image array; no digit in it (blank, only specks or a line);
        two or more lines of digits (crop to one line); more than
        :data:`MAX_PIXELS` pixels, more than :data:`MAX_ASPECT` times longer
        than wide, or so many marks that it is not a number.

    See Also
    --------
    skdigits.inference.predict_digit : Reads a picture of one digit.

    Examples
    --------
    A "1" and a "7" drawn on a card, read by the shipped model:

    >>> import numpy as np
    >>> from skdigits._prediction.numbers import predict_number
    >>> card = np.full((60, 90), 250, dtype=np.uint8)
    >>> card[12:48, 22:26] = 20  # 1
    >>> card[12:16, 50:72] = 20  # the bar of the 7
    >>> for row in range(16, 48):  # its stem
    ...     col = 70 - (row - 16) * 14 // 32
    ...     card[row, col - 2 : col + 2] = 20
    >>> answer = predict_number(card)
    >>> answer["text"], [d["box"]["x"] for d in answer["digits"]]
    ('17', [22, 50])
    >>> answer["digits"][1]["label"], answer["unsure"]
    (7, False)
    """
    model = digit_model(model)
    below = model_unsure_below(model, unsure_below)
    # A handful of images per model call: waking OpenBLAS's threads costs
    # more than the products (45-55 ms of CPU per 6-digit number against
    # 13-15 ms on one thread, measured on a busy 2-core machine).
    with few_blas_threads(1):
        gray, scale = _working_picture(image)
        shape = np.asarray(image).shape[:2]
        ink = _ink_map(gray)
        reading, factor, lined = _read_number(model, ink)
        if len(reading.digits) == 1 and not lined:
            # One digit: read the whole picture, exactly as predict_digit does
            # (a batch of one, so the same arithmetic to the last bit).
            whole = prepare_digit(image)
            proba = np.asarray(model.predict_proba(whole[np.newaxis]))
        else:
            # Each digit found, prepared and read as predict_digit reads one.
            # Most are the very images their candidates were read from: only
            # the others are read again.
            prepared = [prepare_digit(_segment_ink(c.atoms)[0]) for c in reading.digits]
            proba = np.stack([c.proba for c in reading.digits])
            fresh = [
                k
                for k, (c, digit) in enumerate(
                    zip(reading.digits, prepared, strict=True)
                )
                if not np.array_equal(digit, c.image)
            ]
            if fresh:
                again = np.stack([prepared[k] for k in fresh])
                proba[fresh] = model.predict_proba(again)
        digits = []
        for candidate, row in zip(reading.digits, proba, strict=True):
            answer = digit_answer(model.classes_, row, unsure_below=below)
            answer["box"] = _box(candidate.box, scale * factor, shape)
            digits.append(answer)
        reasons = []
        if any(d["unsure"] for d in digits):
            reasons.append("digit")
        if reading.share < _READING_SURE:
            reasons.append("reading")
        return {
            "text": "".join(str(d["label"]) for d in digits),
            "digits": digits,
            "probability": float(np.prod([d["probability"] for d in digits])),
            "unsure": bool(reasons),
            "reason": ", ".join(reasons) or None,
        }


_BOX_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Where the digit is in the picture, in the input's pixels.",
    "properties": {
        "x": {"type": "integer", "description": "Left edge (column)."},
        "y": {"type": "integer", "description": "Top edge (row)."},
        "width": {"type": "integer"},
        "height": {"type": "integer"},
    },
    "required": ["x", "y", "width", "height"],
}

#: JSON Schema of :func:`predict_number`'s answer; each digit is a single
#: digit's answer (:data:`skdigits._prediction.answer.ANSWER_SCHEMA`) and its
#: box.
NUMBER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "text": {
            "type": "string",
            "description": "The digits read, left to right (their labels joined).",
        },
        "digits": {
            "type": "array",
            "description": "One answer per digit, left to right.",
            "items": {
                **ANSWER_SCHEMA,
                "properties": {**ANSWER_SCHEMA["properties"], "box": _BOX_SCHEMA},
                "required": [*ANSWER_SCHEMA["required"], "box"],
            },
        },
        "probability": {
            "type": "number",
            "description": "The product of the digits' probabilities.",
        },
        "unsure": {
            "type": "boolean",
            "description": 'Whether the number is "not sure": a digit is unsure, '
            "or other ways of cutting the ink into digits read nearly as well.",
        },
        "reason": {
            "type": ["string", "null"],
            "description": 'Why it is unsure: "digit" (a digit is unsure), '
            '"reading" (other ways of cutting the ink read nearly as well) or '
            'both, "digit, reading"; null when it is sure.',
        },
    },
    "required": ["text", "digits", "probability", "unsure", "reason"],
}
