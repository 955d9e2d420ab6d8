"""Validation of pixel input, shared by the transformers that take images.

:class:`~skdigits.PixelScaler` and :class:`~skdigits.Deskew` accept the same
input (flat ``(n_samples, n_pixels)`` or ``(n_samples, height, width)``
non-negative numbers) and refuse it with the same messages. This module
never imports TensorFlow.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.validation import check_array

__all__ = ["check_pixels"]


def check_pixels(X: Any, estimator: Any, *, allow_negative: bool = False) -> np.ndarray:
    """``X`` as a validated numeric array, in its own layout (2-D or 3-D).

    Parameters
    ----------
    X : array-like
        Pixels, flat or as images.
    estimator : estimator instance
        Named in the error messages.
    allow_negative : bool, default=False
        Accept negative values (``inverse_transform`` of centred data).

    Returns
    -------
    X : ndarray of shape (n_samples, n_pixels) or (n_samples, height, width)

    Raises
    ------
    TypeError or ValueError
        Non-numbers (saying that pixels must be numbers), NaN or infinity,
        more than 3 dimensions, empty images, or negative values.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits import PixelScaler
    >>> from skdigits._estimators.pixels import check_pixels
    >>> check_pixels(np.zeros((2, 28, 28), np.uint8), PixelScaler()).shape
    (2, 28, 28)
    >>> check_pixels(-np.ones((1, 4)), PixelScaler())
    Traceback (most recent call last):
    ...
    ValueError: Negative values in data passed to PixelScaler (minimum -1.0); ...
    """
    try:
        X = check_array(
            X,
            accept_sparse=False,
            dtype="numeric",
            allow_nd=True,
            ensure_all_finite=True,
            input_name="X",
            estimator=estimator,
        )
    except (TypeError, ValueError) as exc:
        # numpy's "could not convert string to float: 'a'" does not say
        # what was being converted; keep its text, add the context.
        message = str(exc)
        if "could not convert" in message.lower() or "must be a string or" in message:
            error = TypeError if isinstance(exc, TypeError) else ValueError
            raise error(
                f"X must contain only numbers (pixel intensities): {message}"
            ) from exc
        raise
    if X.ndim > 3:
        raise ValueError(
            f"Expected X of shape (n_samples, n_pixels) or "
            f"(n_samples, height, width), got {X.ndim} dimensions "
            f"(shape={X.shape})."
        )
    if X.size == 0:
        # check_array only checks the feature count of 2-D input.
        raise ValueError(
            f"Found empty images (shape={X.shape}); each image needs at "
            "least one pixel."
        )
    if not allow_negative and X.dtype.kind not in "bu" and X.min() < 0:
        raise ValueError(
            f"Negative values in data passed to {type(estimator).__name__} "
            f"(minimum {X.min()}); pixel intensities must be >= 0."
        )
    return X
