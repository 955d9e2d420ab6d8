"""The one answer format for a prediction of one digit.

``skdigits predict --json``, the server's ``POST /api/predict`` and
:func:`skdigits.serve.predict_digit` all answer with :func:`digit_answer`'s
record, described by :data:`ANSWER_SCHEMA` (from which the server's OpenAPI
document takes it, and which the docs' "answer format" section lists). Each
caller adds what only it knows around the record: the CLI the ``file`` and
``index`` of the digit, the server the ``image`` the model was given.

A new field (say, whether the model is unsure, or the runner-up digit) is a
new entry in :class:`DigitAnswer`, in :data:`ANSWER_SCHEMA` and in the docs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from skdigits._formatting import plain

__all__ = ["ANSWER_SCHEMA", "DigitAnswer", "digit_answer"]


@dataclass(frozen=True)
class DigitAnswer:
    """What the model says about one digit, as JSON-able values."""

    label: Any  #: the class with the highest probability
    probability: float  #: its probability
    classes: list[Any]  #: the model's classes
    probabilities: list[float]  #: the probability of each class, in that order

    def to_json(self) -> dict[str, Any]:
        """The answer as a JSON-able dict, in :data:`ANSWER_SCHEMA`'s order."""
        return asdict(self)


def digit_answer(classes: Any, proba: Any) -> dict[str, Any]:
    """The answer for one digit from the classes and its row of probabilities.

    Parameters
    ----------
    classes : array-like of shape (n_classes,)
        The model's ``classes_``.
    proba : array-like of shape (n_classes,)
        The digit's probabilities, in the order of ``classes``.

    Returns
    -------
    answer : dict
        ``label``, ``probability``, ``classes`` and ``probabilities``, as
        :data:`ANSWER_SCHEMA` describes them.

    Examples
    --------
    >>> import numpy as np
    >>> digit_answer(np.array([3, 7]), np.array([0.25, 0.75], dtype=np.float32))
    {'label': 7, 'probability': 0.75, 'classes': [3, 7], 'probabilities': [0.25, 0.75]}
    """
    proba = np.asarray(proba)
    labels = [plain(c) for c in classes]
    best = int(np.argmax(proba))
    return DigitAnswer(
        label=labels[best],
        probability=float(proba[best]),
        classes=labels,
        probabilities=[float(p) for p in proba],
    ).to_json()


#: JSON Schema of :func:`digit_answer`'s record.
ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "label": {"description": "The class with the highest probability."},
        "probability": {"type": "number", "description": "Its probability."},
        "classes": {"type": "array", "description": "The model's classes."},
        "probabilities": {
            "type": "array",
            "items": {"type": "number"},
            "description": "The probability of each class, in the order of classes.",
        },
    },
    "required": ["label", "probability", "classes", "probabilities"],
}
