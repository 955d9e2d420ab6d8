"""Cutting a mark that may hold touching digits into pieces.

A mark wide enough for two digits gets candidate cuts: the low points of its
column ink profile and the dips of its outline from above and below
(drop-fall), each followed from top to bottom along the path that crosses
the least ink (a seam). The pieces between cuts are atoms
(:class:`skdigits._prediction.marks.Atom`) which the reading
(:mod:`skdigits._prediction.number_lattice`) joins back into digits. NumPy
only.
"""

from __future__ import annotations

import numpy as np

from skdigits._prediction.marks import Atom

__all__ = ["SPLIT_TALL", "SPLIT_WIDTH", "pieces"]

# Marks at least SPLIT_WIDTH of the digits' height wide and SPLIT_TALL of
# it tall may hold touching digits and get candidate cuts, up to
# _CUTS_PER_HEIGHT for each digit height of their width; a piece between
# cuts is at least _MIN_PIECE of the height wide.
SPLIT_WIDTH = 0.5
SPLIT_TALL = 0.6
_MIN_PIECE = 0.12
_CUTS_PER_HEIGHT = 3
# A seam may wander this share of the height either side of its column.
_SEAM_REACH = 0.1
# Sideways steps of a seam cost this (ink is 0-1 per pixel crossed).
_SEAM_STEP = 0.05


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


def pieces(mark: Atom, height: float, stroke: float) -> list[Atom]:
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
            Atom(
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
