"""The checks of ``DenseDigitClassifier``'s input that scikit-learn's
``validate_data`` does not do: stacks of images, and the classes of a stream.

Each raises a ``ValueError`` that names the problem, before anything is
trained or set.
"""

from __future__ import annotations

import math
from numbers import Integral
from typing import Any

import numpy as np
from sklearn.utils._param_validation import InvalidParameterError

__all__ = [
    "check_hidden_layer_sizes",
    "continued_classes",
    "flatten_images",
    "is_valid_float32_rows",
    "stream_classes",
    "unknown_labels_message",
]


def check_hidden_layer_sizes(sizes: Any, name: str) -> None:
    """Refuse widths that are not a non-empty sequence of positive integers
    (``_parameter_constraints`` can only say "array-like")."""
    widths = [] if isinstance(sizes, (str, bytes)) else list(np.ravel(sizes))
    if not widths or not all(
        isinstance(w, Integral) and not isinstance(w, bool) and w > 0 for w in widths
    ):
        raise InvalidParameterError(
            f"The 'hidden_layer_sizes' parameter of {name} must be a non-empty "
            f"sequence of positive integers such as (784, 196). Got {sizes!r} "
            "instead."
        )


def flatten_images(
    X: Any, fitted_shape: tuple[int, ...] | None, *, reset: bool, name: str
) -> tuple[Any, tuple[int, ...] | None]:
    """Turn a stack of images (n, h, w) into rows of pixels (n, h * w).

    Returns ``X`` and the image shape to record when ``reset`` (None for flat
    input); otherwise ``fitted_shape``, which a stack must match. DataFrames
    and sparse matrices pass through: ``validate_data`` decides about them.
    """
    if not isinstance(X, np.ndarray):
        if not isinstance(X, (list, tuple)):
            return X, None if reset else fitted_shape
        X = np.asarray(X)
    if X.ndim > 3:
        raise ValueError(
            f"X must be 2-D (n_samples, n_features) or a 3-D stack of images "
            f"(n_samples, height, width); got {X.ndim} dimensions, "
            f"shape {X.shape}."
        )
    if X.ndim != 3:
        return X, None if reset else fitted_shape
    image_shape = tuple(int(s) for s in X.shape[1:])
    if not reset and fitted_shape is not None and image_shape != fitted_shape:
        raise ValueError(
            f"X holds images of shape {image_shape}, but {name} was fitted on "
            f"images of shape {fitted_shape}."
        )
    return X.reshape(X.shape[0], math.prod(image_shape)), (
        image_shape if reset else fitted_shape
    )


def is_valid_float32_rows(estimator: Any, X: Any) -> bool:
    """Whether ``validate_data(estimator, X, reset=False, dtype=np.float32)``
    would return ``X`` itself, unchanged and without a warning.

    It would for a finite float32 ndarray of shape (n >= 1, n_features_in_)
    when the estimator was fitted without feature names. Its own checks
    (DataFrame detection, array-API dispatch, dtype and shape checks) cost
    as much as a one-sample forward pass. Anything else, including every
    input it would reject, still goes through it, so the errors and warnings
    are scikit-learn's own.
    """
    return (
        type(X) is np.ndarray
        and X.dtype == np.float32
        and X.ndim == 2
        and X.shape[0] >= 1
        and X.shape[1] == getattr(estimator, "n_features_in_", -1)
        and not hasattr(estimator, "feature_names_in_")
        # scikit-learn's own first pass: a finite sum means finite values
        # (an overflowing sum goes the slow way, which checks each value).
        and bool(np.isfinite(np.add.reduce(X, axis=None)))
    )


def stream_classes(classes: Any, name: str) -> np.ndarray:
    """The classes of the first ``partial_fit`` call: given, at least two."""
    if classes is None:
        raise ValueError(
            "classes must be passed on the first call to partial_fit: the "
            "network needs all the labels the stream can hold, e.g. "
            "classes=np.arange(10)."
        )
    classes = np.unique(np.asarray(classes))
    if classes.size < 2:
        raise ValueError(
            f"{name} needs at least 2 classes; partial_fit got classes={classes!r}."
        )
    return classes


def continued_classes(
    y: np.ndarray, classes: Any, fitted: np.ndarray, *, incremental: bool
) -> np.ndarray:
    """The classes of a continued call: those of the fit, unchanged."""
    if classes is not None and not np.array_equal(np.unique(classes), fitted):
        raise ValueError(
            f"classes={np.unique(classes)!r} differs from the classes of the "
            f"earlier calls, {fitted!r}; a network cannot change its "
            "classes. Call fit with warm_start=False to start anew."
        )
    if incremental:
        if not np.isin(y, fitted).all():
            raise ValueError(unknown_labels_message(y, fitted))
    elif not np.array_equal(np.unique(y), fitted):
        raise ValueError(
            f"warm_start=True continues a network trained on the classes "
            f"{fitted!r}, but y has the classes {np.unique(y)!r}. "
            "Give y the same classes, or set warm_start=False to start anew."
        )
    return fitted


def unknown_labels_message(y: Any, classes: Any) -> str:
    """Why labels outside the network's classes are refused."""
    unknown = np.setdiff1d(np.unique(y), classes)
    return (
        f"y holds labels {unknown.tolist()} that are not in classes "
        f"{np.asarray(classes).tolist()}. The "
        "network's classes are fixed by the first call to partial_fit (or by fit)."
    )
