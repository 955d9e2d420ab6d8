"""Which model reads: a fitted one, a saved one, or the one skdigits ships.

:func:`digit_model` turns what a caller gives (a fitted classifier, a model
file's path, or None) into the model that reads, and :func:`check_digit_model`
is the one check that it can read MNIST-style 28x28 digits;
:func:`few_blas_threads` keeps a handful of digits' products on the calling
thread. Every door that reads digits (``predict_digit``, ``predict_digits``,
``predict_number``, the server) goes through them. NumPy only.
"""

from __future__ import annotations

import contextlib
import functools
import os
from typing import Any

from skdigits._prediction.formatting import plain
from skdigits._prediction.model import load_inference_model
from skdigits._prediction.preparation import MNIST_SHAPE
from skdigits._prediction.pretrained import load_pretrained

__all__ = ["check_digit_model", "digit_model", "few_blas_threads"]

_MNIST_PIXELS = MNIST_SHAPE[0] * MNIST_SHAPE[1]


@functools.lru_cache(maxsize=1)
def _shipped_model() -> Any:
    # Loaded once per process: the callers only read it.
    return load_pretrained()


def digit_model(model: Any = None) -> Any:
    """The model to predict with: a fitted one as it is, a saved one loaded.

    Parameters
    ----------
    model : fitted classifier, str, path-like or None, default=None
        A fitted classifier; the path of a file written by
        :func:`skdigits.persistence.save_model` (loaded with
        :func:`skdigits.inference.load_inference_model`, NumPy only); or None
        for the shipped model (:func:`skdigits.load_pretrained`, loaded once
        per process).

    Returns
    -------
    model : fitted classifier
        Checked by :func:`check_digit_model`.
    """
    if model is None:
        model = _shipped_model()
    elif isinstance(model, (str, os.PathLike)):
        model = load_inference_model(model)
    check_digit_model(model)
    return model


def check_digit_model(model: Any) -> list[Any]:
    """Refuse a model that cannot read MNIST-style 28x28 digits.

    Parameters
    ----------
    model : object
        The model to check.

    Returns
    -------
    classes : list
        The model's classes, as JSON values.

    Raises
    ------
    ValueError
        The model has no ``predict_proba`` or ``classes_``, or takes another
        number of pixels than 28x28.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.dummy import DummyClassifier
    >>> from skdigits._prediction.model_choice import check_digit_model
    >>> check_digit_model(DummyClassifier().fit(np.zeros((2, 784)), [3, 7]))
    [3, 7]
    >>> check_digit_model(DummyClassifier().fit(np.zeros((2, 64)), [3, 7]))
    Traceback (most recent call last):
    ...
    ValueError: the model takes 64 pixels per image, but digits are prepared ...
    """
    for name in ("predict_proba", "classes_"):
        if not hasattr(model, name):
            raise ValueError(
                "the model must be a fitted classifier with predict_proba and "
                f"classes_ (e.g. from skdigits.load_model); it has no {name}."
            )
    n_pixels = getattr(model, "n_features_in_", _MNIST_PIXELS)
    if n_pixels != _MNIST_PIXELS:
        raise ValueError(
            f"the model takes {n_pixels} pixels per image, but digits are "
            f"prepared as 28x28 = {_MNIST_PIXELS} pixels (train it on 28x28 "
            "MNIST-style digits)."
        )
    return [plain(c) for c in model.classes_]


@functools.lru_cache(maxsize=1)
def _blas_controller() -> Any:
    """threadpoolctl's view of the loaded BLAS libraries, found once: finding
    them reads the process's memory map (about 1 ms a call), limiting them
    through it costs microseconds. None without threadpoolctl."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - installed with scikit-learn
        return None
    return ThreadpoolController()


def few_blas_threads(n_samples: int) -> contextlib.AbstractContextManager:
    """One BLAS thread for a handful of digits.

    Waking OpenBLAS's thread pool for a few rows costs more than the products
    themselves, and on a busy machine the wait for a second core can last
    far longer than the work. threadpoolctl comes with scikit-learn and
    imports in a few ms; the libraries it limits are found once per process
    (NumPy's BLAS is loaded with NumPy, before any call); without it,
    nothing changes.
    """
    if n_samples > 256:
        return contextlib.nullcontext()
    controller = _blas_controller()
    if controller is None:  # pragma: no cover - installed with scikit-learn
        return contextlib.nullcontext()
    return controller.limit(limits=1, user_api="blas")
