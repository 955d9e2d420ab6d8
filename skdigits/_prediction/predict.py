"""From pictures and files to answers: the work behind every door that reads digits.

:func:`predict_digit` reads one picture, :func:`predict_digits` image files,
folders and ``.npy`` stacks. ``skdigits predict``, the server's
``POST /api/predict`` and Python callers all go through them, so a digit gets
the same answer (:mod:`skdigits._prediction.answer`) whichever door it came
in by; the command line and the server only parse and format.

A model is a fitted classifier with ``predict_proba`` and ``classes_`` that
takes MNIST-style (n, 28, 28) uint8 digits, the path of a saved model (read
with NumPy alone), or None for the model skdigits ships
(:mod:`skdigits._prediction.model_choice`). Neither TensorFlow nor
scikit-learn is imported.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from skdigits._prediction.answer import digit_answer
from skdigits._prediction.model_choice import digit_model, few_blas_threads
from skdigits._prediction.numbers import predict_number
from skdigits._prediction.paper import ImageReadError
from skdigits._prediction.preparation import prepare_digit
from skdigits._prediction.reading import ARRAY_SUFFIXES, iter_pictures
from skdigits._prediction.unsure import model_unsure_below

__all__ = ["picture_answer", "predict_digit", "predict_digits"]


def predict_digit(
    image: ArrayLike, model: Any = None, *, unsure_below: float | None = None
) -> dict[str, Any]:
    """Prepare one picture of a digit MNIST-style and classify it.

    The work behind ``POST /api/predict``, without HTTP.

    Parameters
    ----------
    image : array-like of shape (height, width) or (height, width, channels)
        The picture: grey, RGB or RGBA pixels, 0-255 or 0-1, any size.
    model : fitted classifier, str, path-like or None, default=None
        What reads it (see ``skdigits._prediction.model_choice.digit_model``):
        a classifier that takes (n, 28, 28) uint8 images in
        ``predict_proba``, as a Pipeline of :class:`~skdigits.PixelScaler` and
        :class:`~skdigits.DenseDigitClassifier` does, a saved model's path,
        or None for the shipped model.
    unsure_below : float or None, default=None
        The "not sure" threshold on the top probability; None: the model's
        calibrated ``unsure_below`` (a model file's), else 0.5.

    Returns
    -------
    answer : dict
        The answer format of every prediction (``label``, ``probability``,
        ``unsure``, ``runner_up``, ...: see the docs' answer format), and
        ``image``, the 28x28 uint8 image the model was given, as nested lists.

    Raises
    ------
    skdigits.image_io.ImageReadError
        The picture holds no digit or is not an image array.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.dummy import DummyClassifier
    >>> from skdigits.inference import predict_digit
    >>> card = np.full((60, 40), 240, dtype=np.uint8)
    >>> card[10:50, 18:23] = 0  # a dark "1" on light paper
    >>> predict_digit(card)["label"]  # the shipped model
    1
    >>> model = DummyClassifier().fit(np.zeros((2, 784)), [3, 7])
    >>> answer = predict_digit(card, model)
    >>> answer["label"], answer["probabilities"], len(answer["image"])
    (3, [0.5, 0.5], 28)
    >>> answer["unsure"], predict_digit(card, model, unsure_below=0.9)["unsure"]
    (False, True)
    """
    model = digit_model(model)
    digit = prepare_digit(image)
    with few_blas_threads(1):
        proba = np.asarray(model.predict_proba(digit[np.newaxis]))[0]
    below = model_unsure_below(model, unsure_below)
    return {
        **digit_answer(model.classes_, proba, unsure_below=below),
        "image": digit.tolist(),
    }


def predict_digits(
    inputs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    model: Any = None,
    *,
    unsure_below: float | None = None,
) -> list[dict[str, Any]]:
    """Read digit images and arrays, files and folders of them, to the end.

    What ``skdigits predict`` does: read PNG/JPEG files, folders and
    ``.npy`` arrays of MNIST-style digits. A picture is read as a number
    (:func:`skdigits.inference.predict_number`): a picture of one digit
    answers exactly as :func:`predict_digit` does, one of several digits
    with the number. A ``.npy`` digit is prepared as MNIST was made
    (:func:`skdigits.image_io.prepare_digit`) and read. A file that cannot
    be read (not an image, truncated, blank, no digit in it, a path that is
    not there) gets a record with its ``error``, and every other file is
    read all the same. With a saved model's path or the shipped
    model, neither TensorFlow nor scikit-learn is imported.

    Parameters
    ----------
    inputs : path or iterable of paths
        Image files, ``.npy`` files and folders of them.
    model : fitted classifier, str, path-like or None, default=None
        What reads them (see
        ``skdigits._prediction.model_choice.digit_model``): a fitted
        classifier, a file written by :func:`skdigits.persistence.save_model`,
        or None for the shipped model (:func:`skdigits.pretrained.load_pretrained`).
    unsure_below : float or None, default=None
        The "not sure" threshold; None: the model's calibrated one, or 0.5
        for a model without one.

    Returns
    -------
    records : list of dict
        One per picture or ``.npy`` digit, in order: ``file``, ``index``
        (position in a ``.npy`` stack, else None), then the answer format of
        every prediction (``label``, ``probability``, ``unsure``,
        ``runner_up``, ...: see the docs' answer format); a picture's record
        also holds ``text`` and ``digits`` (each digit's answer and box), and
        a picture of several digits answers with the number instead of one
        label (see ``skdigits._prediction.predict.picture_answer``); for a
        file that could not be read, ``error``, the reason, and no answer.

    Raises
    ------
    FileNotFoundError
        If the model does not exist.
    skdigits.persistence.ModelFormatError
        If the model file is not valid.
    ValueError
        If the model does not take 28x28 images, or no input is given.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from skdigits import DenseDigitClassifier, PixelScaler, save_model
    >>> from skdigits.datasets import load_mnist_sample
    >>> from skdigits.inference import predict_digits
    >>> X, y, X_test, y_test = load_mnist_sample(return_X_y=True)
    >>> model = make_pipeline(PixelScaler(), DenseDigitClassifier(
    ...     hidden_layer_sizes=(32,), epochs=2, random_state=0)).fit(X, y)
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> np.save(folder / "digits.npy", X_test[:2])
    >>> records = predict_digits([folder / "digits.npy"],
    ...                          save_model(model, folder / "m.skdigits"))
    >>> [(r["file"].endswith("digits.npy"), r["index"]) for r in records]
    [(True, 0), (True, 1)]
    >>> list(records[0])  # doctest: +NORMALIZE_WHITESPACE
    ['file', 'index', 'label', 'probability', 'unsure', 'runner_up',
     'runner_up_probability', 'classes', 'probabilities']
    >>> records[0]["label"] in range(10)
    True
    >>> shipped = predict_digits([folder / "digits.npy"])  # no model given
    >>> [r["label"] for r in shipped] == y_test[:2].tolist()
    True
    >>> _ = (folder / "note.png").write_bytes(b"not a picture")
    >>> [r.get("error", "read") for r in predict_digits([folder])]
    ... # doctest: +NORMALIZE_WHITESPACE
    ['read', 'read',
     '...note.png: not an image that can be read (expected PNG or JPEG).']
    """
    model = digit_model(model)
    below = model_unsure_below(model, unsure_below)
    records: list[dict[str, Any]] = []
    # Digits wait here to be read in one batch; a record waits for its answer.
    batch: list[np.ndarray] = []
    waiting: list[dict[str, Any]] = []
    for source, picture in iter_pictures(inputs):
        record: dict[str, Any] = {"file": source.file, "index": source.index}
        records.append(record)
        if isinstance(picture, Exception):
            record["error"] = _error_text(picture, source)
            continue
        try:
            if Path(source.file).suffix.lower() in ARRAY_SUFFIXES:
                batch.append(prepare_digit(picture))  # one 28x28 digit
                waiting.append(record)
            else:  # a picture: of one digit, or of a number
                number = predict_number(picture, model, unsure_below=below)
                record.update(picture_answer(number))
        except ImageReadError as exc:
            record["error"] = _error_text(exc, source)
    if not records:
        raise ValueError("no files given to read digits from.")
    if batch:
        with few_blas_threads(len(batch)):
            proba = model.predict_proba(np.stack(batch))
        for record, p in zip(waiting, proba, strict=True):
            record.update(digit_answer(model.classes_, p, unsure_below=below))
    return records


def picture_answer(number: dict[str, Any]) -> dict[str, Any]:
    """A picture's answer from :func:`~skdigits.inference.predict_number`'s.

    A picture of one digit answers as that digit does (the answer format,
    exactly as :func:`predict_digit` gives it), with ``text`` and ``digits``
    (its box) besides; a picture of several digits answers with the number:
    ``text``, ``probability`` (their product), ``unsure``, ``reason`` and
    ``digits``.
    """
    digits = number["digits"]
    if len(digits) == 1:
        answer = {k: v for k, v in digits[0].items() if k != "box"}
        return {**answer, "text": number["text"], "digits": digits}
    return {k: number[k] for k in ("text", "probability", "unsure", "reason", "digits")}


def _error_text(exc: Exception, source: Any) -> str:
    """An error's message, naming the file (or the digit of a stack) once."""
    message = str(exc).removeprefix("image: ")
    return message if message.startswith(source.file) else f"{source}: {message}"
