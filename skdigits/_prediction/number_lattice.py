"""Reading the candidates of a number and choosing the best reading.

A digit is a run of neighbouring atoms (marks, or pieces of marks cut by
:mod:`skdigits._prediction.cuts`). Every plausible run is read by the model,
in one ``predict_proba`` call per step (marks whole, then the pieces of the
marks that were cut); a small dynamic programme picks the reading of all
atoms with the best score: the sum of its digits' log probabilities, less
costs for a digit wider than MNIST's digits of its class, for a fragment
much shorter than the line's digits, for joining separate marks, for each
stroke a cut crosses, for a mark left out as noise, and for each digit read
from a single stack of ink (where one slanted digit is likelier than two
touching ones). The same sums with log-sum-exp weigh every reading: the
share held by the readings that spell the digits read says how sure the
segmentation is. NumPy only.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from skdigits._prediction.cuts import SPLIT_TALL, SPLIT_WIDTH, pieces
from skdigits._prediction.marks import MAX_DIGITS, Atom, find_marks
from skdigits._prediction.paper import ImageReadError
from skdigits._prediction.preparation import (
    center_by_mass,
    crop_to_ink,
    fit_into_box,
    stroke_sharpness,
)

__all__ = [
    "READING_SURE",
    "Candidate",
    "Reading",
    "one_chain",
    "read_number",
    "segment_ink",
]

# A digit joining several marks is at most _MAX_WIDTH of the digits' height
# wide; a digit is made of at most _MAX_ATOMS atoms (or of all the pieces of
# one mark); atoms further apart than _JOIN_GAP of the height are not
# joined.
_MAX_WIDTH = 1.6
_MAX_ATOMS = 4
_JOIN_GAP = 0.2
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
# The number is "not sure" when the readings that spell its digits hold less
# than READING_SURE of the weight of all readings, each reading weighing
# exp(_SHARPNESS x score) (sharper than exp(score): on the validation
# numbers that flags fewer right readings for the wrong ones it catches).
READING_SURE = 0.5
_SHARPNESS = 4.0


# -- reading ------------------------------------------------------------------


def _segments(atoms: list[Atom], height: float) -> list[tuple[int, int]]:
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


def segment_ink(atoms: list[Atom]) -> tuple[np.ndarray, tuple[int, int, int, int]]:
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
class Candidate:
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


def _features(candidate: Candidate, height: float) -> np.ndarray:
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


def _score(candidate: Candidate, height: float) -> float:
    """A candidate's score read as its label."""
    return float(_features(candidate, height)[int(candidate.proba.argmax())] @ _WEIGHTS)


def _read(
    model: Any,
    atoms: list[Atom],
    height: float,
    known: dict[tuple[int, ...], Candidate],
) -> dict[tuple[int, ...], Candidate]:
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
        canvas, box = segment_ink(atoms[i:j])
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
        found[key] = Candidate(
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
class Reading:
    digits: list[Candidate]
    # The best reading's share of all readings' weight (each reading weighs
    # exp(score), every class of every digit counted): how sure the
    # segmentation and the digits together are of it.
    share: float
    # Whether the marks are one chain (see one_chain).
    chain: bool = False


def _best_reading(
    atoms: list[Atom],
    candidates: dict[tuple[int, ...], Candidate],
    height: float,
    per_digit: float = 0.0,
) -> Reading:
    """The reading of every atom (a digit or left out) with the best score,
    by dynamic programming over (atoms read, digits so far), and its share
    of the weight of all readings (the same sums, with log-sum-exp)."""
    n = len(atoms)
    limit = min(n, MAX_DIGITS)
    best = np.full((n + 1, limit + 1), -np.inf)
    back: dict[tuple[int, int], tuple[int, int, Candidate | None]] = {}
    best[0, 0] = 0.0
    ending: dict[int, list[tuple[int, Candidate, float, float]]] = {}
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
    return Reading(chosen, share)


def _label_score(candidate: Candidate) -> float:
    return float(candidate.scores[int(candidate.proba.argmax())])


def _to_split(atoms, candidates, height) -> list[Atom]:
    """Marks that may hold touching digits: wide enough for two, and read
    whole either poorly or as a digit narrower than they are."""
    split = []
    for atom in atoms:
        rows, cols = atom.ink.shape
        if cols < SPLIT_WIDTH * height or rows < SPLIT_TALL * height:
            continue
        alone = candidates.get((id(atom),))
        if (
            alone is None
            or _score(alone, height) < _SPLIT_BELOW
            or _wide_z(alone.label, alone.box) > _SPLIT_WIDE_Z
        ):
            split.append(atom)
    return split


def read_number(model: Any, ink: np.ndarray) -> tuple[Reading, float, bool]:
    """The best reading of the ink, the scale of its boxes, and whether a
    ruled line was taken out."""
    atoms, height, stroke, factor, lined = find_marks(ink)
    chain = one_chain(atoms)
    # Ink that is one stack of marks, with no paper beside it, is most often
    # one digit (slanted, turned or broken): more digits cost more there.
    per_digit = _ONE_STACK_WEIGHT if chain and _one_stack(atoms, height) else 0.0
    candidates = _read(model, atoms, height, {})
    split = _to_split(atoms, candidates, height)
    if split:
        cut = []
        for atom in atoms:
            cut.extend(pieces(atom, height, stroke) if atom in split else [atom])
        atoms = sorted(cut, key=lambda a: a.center)
        candidates = _read(model, atoms, height, candidates)
    reading = _best_reading(atoms, candidates, height, per_digit)
    reading.chain = chain
    return reading, factor, lined


def one_chain(marks: list[Atom]) -> bool:
    """Whether the marks that are not small overlap one another in x as one
    chain: no paper between them from top to bottom, as in one digit (or in
    digits that touch)."""
    big = sorted((m for m in marks if not m.small), key=lambda m: m.left)
    if not big:
        return False
    right = big[0].right
    for mark in big[1:]:
        if mark.left >= right:
            return False
        right = max(right, mark.right)
    return True


def _one_stack(marks: list[Atom], height: float) -> bool:
    """Whether the chain of marks is no wider than one digit slanted or
    turned can be."""
    big = [m for m in marks if not m.small]
    width = max(m.right for m in big) - min(m.left for m in big)
    return width <= _ONE_STACK_WIDTH * height
