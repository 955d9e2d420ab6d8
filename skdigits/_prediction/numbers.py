"""Read a number: several digits side by side in one picture.

A model reads one digit; :func:`predict_number` finds the digits of a
number, reads each as :func:`skdigits.inference.predict_digit` reads one digit,
and says what it read and how sure it is. NumPy and SciPy only.

How the digits are found (recognition-driven segmentation):

1. The picture goes through the preparation of a single digit
   (:mod:`skdigits._prediction.paper`): grey, noise filtered if the paper is grainy,
   lighting evened out, inverted if the paper is light; a blank picture is
   refused as it is for one digit. A picture over
   ``WORKING_SIZE`` pixels a side is first
   reduced, so the work is bounded.
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

The steps live in :mod:`skdigits._prediction.marks` (1-2),
:mod:`skdigits._prediction.cuts` (3) and
:mod:`skdigits._prediction.number_lattice` (4). The costs were chosen on
numbers made of MNIST's validation digits (training images 50,000-59,999),
never the test set; the numbers benchmark (``benchmarks/numbers.py``)
measures the reader.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from skdigits._prediction.answer import ANSWER_SCHEMA, digit_answer
from skdigits._prediction.marks import ink_map, working_picture
from skdigits._prediction.model_choice import digit_model, few_blas_threads
from skdigits._prediction.number_lattice import (
    READING_SURE,
    Reading,
    read_number,
    segment_ink,
)
from skdigits._prediction.preparation import prepare_digit
from skdigits._prediction.unsure import model_unsure_below

__all__ = ["NUMBER_SCHEMA", "predict_number"]

# Ink that is one chain of marks read as k >= 2 digits is read as one digit
# when the whole picture's top probability (read as predict_digit reads it)
# is at least the k digits' joint one, times exp(_BEYOND_TWO) for each digit
# beyond two (a chain read as many digits is digits that touch, far more
# often than one digit in pieces). On the validation pictures (MNIST training
# images 50,000-59,999) the rule keeps 21 of the 33 single digits (of 4,200,
# under the robustness question's conditions) that the reading alone split,
# and changes the reading of no MNIST number; any value from 0.1 to 0.3
# does the same, 0 reads 1.7 % more digits wrong among touching digits.
_BEYOND_TWO = 0.2


def _box(box: tuple[int, int, int, int], scale: float, shape) -> dict[str, int]:
    """A working-picture box (top, left, bottom, right) in the input's pixels."""
    top, left, bottom, right = (v / scale for v in box)
    top, left = max(int(np.floor(top)), 0), max(int(np.floor(left)), 0)
    bottom = min(int(np.ceil(bottom)), shape[0])
    right = min(int(np.ceil(right)), shape[1])
    return {"x": left, "y": top, "width": right - left, "height": bottom - top}


def _read_digits(model: Any, reading: Reading) -> np.ndarray:
    """Each digit found, prepared and read as predict_digit reads one. Most
    are the very images their candidates were read from: only the others
    are read again."""
    prepared = [prepare_digit(segment_ink(c.atoms)[0]) for c in reading.digits]
    proba = np.stack([c.proba for c in reading.digits])
    fresh = [
        k
        for k, (c, digit) in enumerate(zip(reading.digits, prepared, strict=True))
        if not np.array_equal(digit, c.image)
    ]
    if fresh:
        proba[fresh] = model.predict_proba(np.stack([prepared[k] for k in fresh]))
    return proba


def _union(boxes: list[tuple[int, int, int, int]]) -> tuple[int, int, int, int]:
    tops, lefts, bottoms, rights = zip(*boxes, strict=True)
    return min(tops), min(lefts), max(bottoms), max(rights)


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
        ``skdigits._prediction.marks.MAX_PIXELS`` (larger than
        ``WORKING_SIZE`` a side, it is reduced first).
    model : fitted classifier or None, default=None
        Takes (n, 28, 28) uint8 MNIST-style digits in ``predict_proba`` and
        has ``classes_``; None: the shipped model
        (:func:`skdigits.pretrained.load_pretrained`, loaded once).
    unsure_below : float or None, default=None
        The "not sure" threshold on each digit's top probability; None: the
        model's calibrated ``unsure_below``, else 0.5.

    Returns
    -------
    answer : dict
        As ``NUMBER_SCHEMA`` (its OpenAPI schema) describes:

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
        ``MAX_PIXELS`` pixels, more than
        ``MAX_ASPECT`` times longer than wide,
        or so many marks that it is not a number.

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
        gray, scale = working_picture(image)
        shape = np.asarray(image).shape[:2]
        ink = ink_map(gray)
        reading, factor, lined = read_number(model, ink)
        found = [c.box for c in reading.digits]
        proba = None
        if len(found) > 1 or lined:
            proba = _read_digits(model, reading)
        if not lined and (len(found) == 1 or reading.chain):
            # One digit, or ink that is one chain of marks (one digit slanted,
            # turned or broken, or digits that touch): the whole picture read
            # exactly as predict_digit reads it (a batch of one, so the same
            # arithmetic to the last bit) is the answer when it is at least
            # as likely as the digits found together (see _BEYOND_TWO).
            whole = prepare_digit(image)
            one = np.asarray(model.predict_proba(whole[np.newaxis]))
            if proba is None or np.log(one.max()) >= np.log(
                proba.max(axis=1)
            ).sum() + _BEYOND_TWO * (len(found) - 2):
                found, proba = [_union(found)], one
        digits = []
        for box, row in zip(found, proba, strict=True):
            answer = digit_answer(model.classes_, row, unsure_below=below)
            answer["box"] = _box(box, scale * factor, shape)
            digits.append(answer)
        reasons = []
        if any(d["unsure"] for d in digits):
            reasons.append("digit")
        if reading.share < READING_SURE:
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
