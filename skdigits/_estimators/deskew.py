"""Straighten slanted digits by their image moments.

MNIST's writers slant their digits by various amounts, and users slant theirs
more. :class:`Deskew` removes the slant the way LeCun et al. deskewed MNIST
for their "deskewing" results: each image is sheared horizontally so that
the second-order moment linking rows and columns vanishes, about its
centre of mass. Placed before the scaler in a pipeline, it runs the same way
when the model is trained and when it predicts, and a saved pipeline carries
it. This module never imports TensorFlow.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils import Tags
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from skdigits._estimators.pixels import check_pixels
from skdigits._prediction.shear import deskew_images

__all__ = ["Deskew"]


def _image_shape(n_features: int) -> tuple[int, int]:
    """Images of flat input: square if the pixel count is, else one row."""
    side = math.isqrt(n_features)
    return (side, side) if side * side == n_features else (1, n_features)


class Deskew(TransformerMixin, BaseEstimator):
    """Remove the slant of digit images by moment-based shearing.

    Every image is sheared horizontally about its centre of mass until its
    rows and columns are uncorrelated, as LeCun
    et al. did for their deskewed-MNIST results. It takes raw pixels and
    keeps their scale, so it goes first in a digit pipeline:
    ``Pipeline([("deskew", Deskew()), ("scale", PixelScaler()), ("clf",
    DenseDigitClassifier())])``. It learns nothing from the data except the
    image size; fitting it in the pipeline makes the model train on deskewed
    digits and deskew the digits it predicts.

    Parameters
    ----------
    max_shear : float, default=1.0
        Largest shear applied (1.0 moves the top of a 28-pixel digit by
        about 28 pixels relative to its bottom, 45 degrees).

    Attributes
    ----------
    image_shape_ : tuple of (int, int)
        Shape of one image: ``(height, width)`` for image input, the square
        of the pixel count for flat input (784 gives ``(28, 28)``), else
        ``(1, n_pixels)``, for which there is no slant to remove.

    n_features_in_ : int
        Number of pixels per image.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, only defined when fitted on a DataFrame.

    See Also
    --------
    skdigits.PixelScaler : The scaling step that follows it.
    skdigits.make_digit_pipeline : The default pipeline.

    Notes
    -----
    The output is ``float32`` on the input's scale, in the input's layout
    (flat or images). Negative, NaN or infinite pixels raise ``ValueError``.

    References
    ----------
    Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, "Gradient-based learning
    applied to document recognition", Proc. IEEE 86(11), 1998; the MNIST
    page lists the results "deskewing" as preprocessing.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits._estimators.deskew import Deskew
    >>> italic = np.zeros((1, 5, 5), dtype=np.uint8)
    >>> for row in range(5):
    ...     italic[0, row, 4 - row] = 255
    >>> Deskew().fit_transform(italic).reshape(5, 5).max(axis=0)
    array([  0.,   0., 255.,   0.,   0.], dtype=float32)

    In a digit pipeline:

    >>> from sklearn.pipeline import Pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skdigits import PixelScaler
    >>> from skdigits.datasets import load_mnist_sample
    >>> X_train, y_train, X_test, y_test = load_mnist_sample(return_X_y=True)
    >>> model = Pipeline(
    ...     [("deskew", Deskew()), ("scale", PixelScaler()),
    ...      ("clf", LogisticRegression(max_iter=200))]
    ... ).fit(X_train[:500], y_train[:500])
    >>> model.predict(X_test[:3]).shape
    (3,)
    """

    _parameter_constraints: dict[str, list[Any]] = {
        "max_shear": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, max_shear: float = 1.0) -> None:
        self.max_shear = max_shear

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True  # pixels are intensities
        tags.input_tags.three_d_array = True  # (n_samples, height, width)
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    def _check_pixels(self, X: Any, *, reset: bool) -> np.ndarray:
        """Validated pixels as an array in the input's layout."""
        original = X
        X = check_pixels(X, self)
        if not reset and X.ndim == 3 and X.shape[1:] != self.image_shape_:
            raise ValueError(
                f"X has images of shape {X.shape[1:]}, but Deskew was fitted "
                f"on images of shape {self.image_shape_}."
            )
        flat = X.reshape(X.shape[0], -1)
        # validate_data counts columns; DataFrames keep their names checked.
        source = original if hasattr(original, "columns") else flat
        validate_data(self, source, reset=reset, skip_check_array=True)
        return X

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any = None) -> Deskew:
        """Record the image shape.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or \
                (n_samples, height, width)
            Non-negative pixel intensities.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : Deskew
            The fitted transformer.

        Examples
        --------
        >>> import numpy as np
        >>> from skdigits._estimators.deskew import Deskew
        >>> Deskew().fit(np.zeros((2, 784))).image_shape_
        (28, 28)
        """
        X = self._check_pixels(X, reset=True)
        self.image_shape_ = X.shape[1:] if X.ndim == 3 else _image_shape(X.shape[1])
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Shear every image upright.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or \
                (n_samples, height, width)
            Non-negative pixel intensities of the image size seen in
            :meth:`fit`.

        Returns
        -------
        X_straight : ndarray of the shape of ``X``, dtype float32
            The deskewed images, on the input's scale.

        Examples
        --------
        >>> import numpy as np
        >>> from skdigits._estimators.deskew import Deskew
        >>> X = np.zeros((1, 784))
        >>> Deskew().fit(X).transform(X).shape
        (1, 784)
        """
        check_is_fitted(self)
        X = self._check_pixels(X, reset=False)
        images = X.reshape(X.shape[0], *self.image_shape_)
        return deskew_images(images, self.max_shear).reshape(X.shape)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output pixels: the input's, one for one.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; None uses the fitted names, or
            ``"x0"``, ``"x1"``, ... for arrays.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per pixel.

        Examples
        --------
        >>> import numpy as np
        >>> from skdigits._estimators.deskew import Deskew
        >>> Deskew().fit(np.zeros((1, 4))).get_feature_names_out()
        array(['x0', 'x1', 'x2', 'x3'], dtype=object)
        """
        from sklearn.utils.validation import _check_feature_names_in

        check_is_fitted(self)
        return _check_feature_names_in(self, input_features)
