"""``skdigits predict``'s work: image files in, one record per digit out.

NumPy and Pillow only: neither TensorFlow nor scikit-learn is imported, so a
prediction from the command line costs well under a second.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from typing import Any

from skdigits._answer import digit_answer
from skdigits._unsure import model_unsure_below
from skdigits.image_io import read_digits
from skdigits.inference import load_inference_model
from skdigits.pretrained import PRETRAINED_FILE

__all__ = ["predict_digits"]


def _one_blas_thread_for_few(n_samples: int) -> contextlib.AbstractContextManager:
    """One BLAS thread for a handful of digits.

    Waking OpenBLAS's thread pool for three rows costs more than the products
    themselves, and on a busy machine the wait for a second core was measured
    at 0.1-0.4 s (against 1-2 ms on one thread). threadpoolctl comes with
    scikit-learn and imports in a few ms; without it, nothing changes.
    """
    if n_samples > 256:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - installed with scikit-learn
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def predict_digits(
    model_path: str | os.PathLike[str] | None,
    inputs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    unsure_below: float | None = None,
) -> list[dict[str, Any]]:
    """Classify digit images and arrays with a saved model, NumPy only.

    What ``skdigits predict`` does: read PNG/JPEG files, folders and
    ``.npy`` arrays, prepare each digit as MNIST was made
    (:func:`skdigits.image_io.read_digits`), and classify them with
    :func:`skdigits.inference.load_inference_model`. Neither TensorFlow nor
    scikit-learn is imported.

    Parameters
    ----------
    model_path : str, path-like or None
        A file written by :func:`skdigits.persistence.save_model`, or None
        for the shipped model (:func:`skdigits.load_pretrained`).
    inputs : path or iterable of paths
        Image files, ``.npy`` files and folders of them.
    unsure_below : float or None, default=None
        The "not sure" threshold; None: the model's calibrated one, or 0.5
        for a model without one.

    Returns
    -------
    records : list of dict
        One per digit, in order: ``file``, ``index`` (position in a ``.npy``
        stack, else None), then the answer format of every prediction
        (``label``, ``probability``, ``unsure``, ``runner_up``, ...: see the
        docs' answer format).

    Raises
    ------
    FileNotFoundError
        If the model or an input does not exist.
    skdigits.persistence.ModelFormatError
        If the model file is not valid.
    skdigits.image_io.ImageReadError
        If an input is not a readable digit.
    ValueError
        If the model does not take 28x28 images.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from skdigits import DenseDigitClassifier, PixelScaler, save_model
    >>> from skdigits.datasets import load_mnist_sample
    >>> from skdigits._cli_predict import predict_digits
    >>> X, y, X_test, y_test = load_mnist_sample(return_X_y=True)
    >>> model = make_pipeline(PixelScaler(), DenseDigitClassifier(
    ...     hidden_layer_sizes=(32,), epochs=2, random_state=0)).fit(X, y)
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> np.save(folder / "digits.npy", X_test[:2])
    >>> records = predict_digits(save_model(model, folder / "m.skdigits"),
    ...                          [folder / "digits.npy"])
    >>> [(r["file"].endswith("digits.npy"), r["index"]) for r in records]
    [(True, 0), (True, 1)]
    >>> list(records[0])  # doctest: +NORMALIZE_WHITESPACE
    ['file', 'index', 'label', 'probability', 'unsure', 'runner_up',
     'runner_up_probability', 'classes', 'probabilities']
    >>> records[0]["label"] in range(10)
    True
    >>> shipped = predict_digits(None, [folder / "digits.npy"])  # no model given
    >>> [r["label"] for r in shipped] == y_test[:2].tolist()
    True
    """
    if model_path is None:
        model_path = PRETRAINED_FILE
    model = load_inference_model(model_path)
    below = model_unsure_below(model, unsure_below)
    images, sources = read_digits(inputs)
    if model.n_features_in_ != images[0].size:
        raise ValueError(
            f"{model_path}: the model takes {model.n_features_in_} pixels per "
            f"image, but digits are prepared as 28x28 = {images[0].size} pixels."
        )
    with _one_blas_thread_for_few(len(images)):
        proba = model.predict_proba(images)
    return [
        {
            "file": source.file,
            "index": source.index,
            **digit_answer(model.classes_, p, unsure_below=below),
        }
        for source, p in zip(sources, proba, strict=True)
    ]
