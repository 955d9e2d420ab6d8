"""The one answer format for a prediction of one digit.

``skdigits predict --json``, the server's ``POST /api/predict`` and
:func:`skdigits.inference.predict_digit` all answer with :func:`digit_answer`'s
record, described by :data:`ANSWER_SCHEMA` (from which the server's OpenAPI
document takes it, and which the docs' "answer format" section lists). Each
caller adds what only it knows around the record: the CLI the ``file`` and
``index`` of the digit, the server the ``image`` the model was given.

A new field is a new entry in :class:`DigitAnswer`, in :data:`ANSWER_SCHEMA`
and in the docs. ``unsure`` says whether the answer is below the model's
"not sure" threshold (:mod:`skdigits._prediction.unsure`); the runner-up digit is given
either way, so that "not sure: 4 or 9?" can be said.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from skdigits._prediction.formatting import plain
from skdigits._prediction.unsure import FALLBACK_UNSURE_BELOW

__all__ = ["ANSWER_SCHEMA", "DigitAnswer", "digit_answer"]


@dataclass(frozen=True)
class DigitAnswer:
    """What the model says about one digit, as JSON-able values."""

    label: Any  #: the class with the highest probability
    probability: float  #: its probability
    unsure: bool  #: whether that probability is below the "not sure" threshold
    runner_up: Any  #: the class with the second highest probability
    runner_up_probability: float  #: its probability
    classes: list[Any]  #: the model's classes
    probabilities: list[float]  #: the probability of each class, in that order

    def to_json(self) -> dict[str, Any]:
        """The answer as a JSON-able dict, in :data:`ANSWER_SCHEMA`'s order."""
        return asdict(self)


def digit_answer(
    classes: Any, proba: Any, *, unsure_below: float = FALLBACK_UNSURE_BELOW
) -> dict[str, Any]:
    """The answer for one digit from the classes and its row of probabilities.

    Parameters
    ----------
    classes : array-like of shape (n_classes,)
        The model's ``classes_`` (at least two).
    proba : array-like of shape (n_classes,)
        The digit's probabilities, in the order of ``classes``.
    unsure_below : float, default=0.5
        The "not sure" threshold: the answer is unsure when its probability
        is below it (a model file's calibrated one, see
        ``skdigits._prediction.unsure.model_unsure_below``).

    Returns
    -------
    answer : dict
        ``label``, ``probability``, ``unsure``, ``runner_up``,
        ``runner_up_probability``, ``classes`` and ``probabilities``, as
        :data:`ANSWER_SCHEMA` describes them.

    Examples
    --------
    >>> import numpy as np
    >>> digit_answer(np.array([3, 7, 9]), np.array([0.2, 0.7, 0.1], dtype=np.float32))
    ... # doctest: +NORMALIZE_WHITESPACE
    {'label': 7, 'probability': 0.699999988079071, 'unsure': False,
     'runner_up': 3, 'runner_up_probability': 0.20000000298023224,
     'classes': [3, 7, 9],
     'probabilities': [0.20000000298023224, 0.699999988079071, 0.10000000149011612]}
    >>> digit_answer([4, 9], [0.6, 0.4], unsure_below=0.9)["unsure"]
    True
    """
    proba = np.asarray(proba)
    labels = [plain(c) for c in classes]
    # Stable: of equal probabilities, the first class wins, as in argmax.
    best, second = np.argsort(-proba, kind="stable")[:2]
    return DigitAnswer(
        label=labels[best],
        probability=float(proba[best]),
        unsure=bool(proba[best] < unsure_below),
        runner_up=labels[second],
        runner_up_probability=float(proba[second]),
        classes=labels,
        probabilities=[float(p) for p in proba],
    ).to_json()


#: JSON Schema of :func:`digit_answer`'s record.
ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "label": {"description": "The class with the highest probability."},
        "probability": {"type": "number", "description": "Its probability."},
        "unsure": {
            "type": "boolean",
            "description": "Whether its probability is below the model's "
            '"not sure" threshold: then the label is a guess, to show as '
            '"not sure (maybe label or runner_up)".',
        },
        "runner_up": {"description": "The class with the second highest probability."},
        "runner_up_probability": {"type": "number", "description": "Its probability."},
        "classes": {"type": "array", "description": "The model's classes."},
        "probabilities": {
            "type": "array",
            "items": {"type": "number"},
            "description": "The probability of each class, in the order of classes.",
        },
    },
    "required": [
        "label",
        "probability",
        "unsure",
        "runner_up",
        "runner_up_probability",
        "classes",
        "probabilities",
    ],
}
