"""Pixel scaling for digit images.

:class:`PixelScaler` divides every pixel by one global maximum, as in
``X.astype(float) / np.max(X)``. This module never imports TensorFlow.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils import Tags
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils._set_output import _get_output_config
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_is_fitted,
    validate_data,
)

from skdigits._estimators.pixels import check_pixels

__all__ = ["PixelScaler"]


def pixel_feature_names(image_shape: tuple[int, ...]) -> np.ndarray:
    """Names of the flattened pixels, row-major.

    ``(28, 28)`` gives ``"pixel_r00_c00"``, ..., ``"pixel_r27_c27"``;
    a 1-D shape ``(d,)`` gives ``"pixel_00"``, ..., one per position.
    """
    if len(image_shape) == 2:
        height, width = image_shape
        digits = max(2, len(str(max(height, width) - 1)))
        names = [
            f"pixel_r{r:0{digits}d}_c{c:0{digits}d}"
            for r in range(height)
            for c in range(width)
        ]
    else:
        (size,) = image_shape
        digits = max(2, len(str(size - 1)))
        names = [f"pixel_{i:0{digits}d}" for i in range(size)]
    return np.asarray(names, dtype=object)


def _image_shape_for(n_features: int) -> tuple[int, ...]:
    """Image shape assumed for flat input with ``n_features`` pixels."""
    side = math.isqrt(n_features)
    return (side, side) if side * side == n_features else (n_features,)


class PixelScaler(TransformerMixin, BaseEstimator):
    """Scale pixel intensities to [0, 1] by one global maximum.

    Every pixel of every image is divided by the same number: the largest
    pixel value seen in :meth:`fit` (or a fixed ``max_value``, such as 255 for
    8-bit images). This is ``X.astype(float) / np.max(X)`` as a transformer.
    Unlike :class:`~sklearn.preprocessing.MinMaxScaler`, which rescales each
    pixel position on its own and so inflates the faint, nearly empty border
    pixels of digit images, the relative brightness of all pixels is kept.

    It is the natural first step of a digit pipeline, e.g.
    ``Pipeline([("scale", PixelScaler()), ("clf", DenseDigitClassifier())])``
    with :class:`skdigits.DenseDigitClassifier`.

    Parameters
    ----------
    max_value : float or None, default=None
        The pixel value that maps to 1.0. ``None`` learns it in :meth:`fit`
        as the maximum of the training pixels. Give a fixed value (e.g. 255
        for ``uint8`` images) to make the scaling independent of the data,
        which also allows fitting on all-black images.

    clip : bool, default=True
        Whether :meth:`transform` clips values above the fitted maximum
        (possible for new data, or for training data above a fixed
        ``max_value``) to 1.0, so that the output always lies in [0, 1].
        With ``clip=False`` such values come out above 1.

    output : {"flat", "images"}, default="flat"
        Layout returned by :meth:`transform`: ``"flat"`` gives
        ``(n_samples, n_pixels)``, what scikit-learn estimators and
        :class:`~sklearn.pipeline.Pipeline` expect; ``"images"`` gives
        ``(n_samples, *image_shape_)``. ``"images"`` cannot be combined with
        ``set_output(transform="pandas")`` (a DataFrame is 2-D).

    Attributes
    ----------
    data_max_ : float
        Largest pixel value seen in :meth:`fit`.

    max_value_ : float
        The divisor actually used: ``max_value`` if given, else ``data_max_``.

    scale_ : float
        ``1 / max_value_``.

    image_shape_ : tuple of int
        Shape of one image. For image input ``(n_samples, height, width)``
        it is ``(height, width)``. For flat input ``(n_samples, n_pixels)``
        it is ``(side, side)`` when ``n_pixels`` is a perfect square
        (784 gives ``(28, 28)``), else ``(n_pixels,)``.

    n_features_in_ : int
        Number of pixels per image, ``prod(image_shape_)``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, only defined when fitted on a DataFrame.

    See Also
    --------
    sklearn.preprocessing.MinMaxScaler : Per-feature scaling to a range.
    sklearn.preprocessing.MaxAbsScaler : Per-feature scaling by the maximum.
    skdigits.datasets.load_mnist_sample : Bundled MNIST sample to try it on.

    Notes
    -----
    Input is validated before anything is learned: negative, NaN or infinite
    pixels, sparse matrices, arrays that are not 2-D or 3-D, empty arrays,
    non-numeric values and (without ``max_value``) an all-zero maximum raise
    ``ValueError`` or ``TypeError``, and a failed call leaves an already
    fitted scaler unchanged. :meth:`transform` also rejects images of a
    different size than those seen in :meth:`fit`; flat and image layouts of
    the same size may be mixed freely.

    The output is ``float32``, the precision neural networks train in, and
    the division is done in ``float32`` so that the maximum maps to exactly
    1.0.

    Examples
    --------
    Two 2x2 images; the brightest pixel (255) becomes 1.0:

    >>> import numpy as np
    >>> from skdigits.preprocessing import PixelScaler
    >>> X = np.array([[[0, 51], [102, 255]], [[0, 0], [204, 153]]], dtype=np.uint8)
    >>> scaler = PixelScaler().fit(X)
    >>> scaler.data_max_, scaler.image_shape_
    (255.0, (2, 2))
    >>> scaler.transform(X)
    array([[0. , 0.2, 0.4, 1. ],
           [0. , 0. , 0.8, 0.6]], dtype=float32)
    >>> scaler.get_feature_names_out()
    array(['pixel_r00_c00', 'pixel_r00_c01', 'pixel_r01_c00', 'pixel_r01_c01'],
          dtype=object)

    On real digits, flat output by default, or images:

    >>> from skdigits.datasets import load_mnist_sample
    >>> X_train, y_train, X_test, y_test = load_mnist_sample(return_X_y=True)
    >>> scaler = PixelScaler().fit(X_train)
    >>> scaler.transform(X_test).shape
    (1000, 784)
    >>> scaler.set_params(output="images").transform(X_test).shape
    (1000, 28, 28)
    """

    _parameter_constraints: dict[str, list[Any]] = {
        "max_value": [Interval(Real, 0, None, closed="neither"), None],
        "clip": ["boolean"],
        "output": [StrOptions({"flat", "images"})],
    }

    def __init__(
        self,
        max_value: float | None = None,
        *,
        clip: bool = True,
        output: str = "flat",
    ) -> None:
        self.max_value = max_value
        self.clip = clip
        self.output = output

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True  # pixels are intensities
        tags.input_tags.three_d_array = True  # (n_samples, height, width)
        # The output is float32 whatever the input dtype.
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    def _check_pixels(self, X: Any, *, allow_negative: bool = False) -> np.ndarray:
        """Validate X without touching the estimator; return it as an array.

        The result keeps the input layout: 2-D (flat) or 3-D (images).
        """
        return check_pixels(X, self, allow_negative=allow_negative)

    def _check_layout(self, X: np.ndarray, original: Any, *, reset: bool) -> None:
        """Check or record the image size and the sklearn feature bookkeeping."""
        flat = X.reshape(X.shape[0], -1)
        if not reset and X.ndim == 3 and X.shape[1:] != self.image_shape_:
            raise ValueError(
                f"X has images of shape {X.shape[1:]}, but {type(self).__name__} "
                f"was fitted on images of shape {self.image_shape_}."
            )
        # validate_data counts X.shape[1] as the features, which for images
        # is their height, so it sees the flat view; DataFrames (always 2-D)
        # are passed as given so that their column names are checked.
        names_source = original if hasattr(original, "columns") else flat
        validate_data(self, names_source, reset=reset, skip_check_array=True)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any = None) -> PixelScaler:
        """Learn the global maximum pixel value and the image shape.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or \
                (n_samples, height, width)
            Non-negative pixel intensities, e.g. ``uint8`` MNIST images.

        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : PixelScaler
            The fitted scaler.

        Examples
        --------
        >>> import numpy as np
        >>> from skdigits.preprocessing import PixelScaler
        >>> X = np.array([[0, 100, 200]], dtype=np.uint8)
        >>> PixelScaler().fit(X).max_value_
        200.0
        >>> PixelScaler(max_value=255).fit(X).max_value_
        255.0
        """
        X_checked = self._check_pixels(X)
        data_max = float(X_checked.max())
        max_value = data_max if self.max_value is None else float(self.max_value)
        if max_value == 0:
            raise ValueError(
                "The maximum pixel value of X is 0 (all images are black), so "
                "there is nothing to scale by. Pass a fixed max_value, e.g. "
                "PixelScaler(max_value=255) for uint8 images."
            )
        # Everything is validated: only now is any attribute set.
        self._check_layout(X_checked, X, reset=True)
        self.image_shape_ = (
            X_checked.shape[1:]
            if X_checked.ndim == 3
            else _image_shape_for(X_checked.shape[1])
        )
        self.data_max_ = data_max
        self.max_value_ = max_value
        self.scale_ = 1.0 / max_value
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Scale pixels to [0, 1].

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or \
                (n_samples, height, width)
            Non-negative pixel intensities with the image size seen in
            :meth:`fit`; either layout is accepted.

        Returns
        -------
        X_scaled : ndarray of shape (n_samples, n_pixels) or \
                (n_samples, height, width), dtype float32
            ``X / max_value_``, clipped to 1 when ``clip=True``; flat or
            images according to ``output``.

        Examples
        --------
        >>> import numpy as np
        >>> from skdigits.preprocessing import PixelScaler
        >>> scaler = PixelScaler().fit(np.array([[0, 100, 200]]))
        >>> scaler.transform(np.array([[50, 200, 300]]))  # 300 is clipped
        array([[0.25, 1.  , 1.  ]], dtype=float32)
        """
        check_is_fitted(self)
        if (
            self.output == "images"
            and _get_output_config("transform", self)["dense"] != "default"
        ):
            raise ValueError(
                'output="images" gives 3-D arrays, which cannot be returned as '
                'a DataFrame; use output="flat" with set_output(transform=...).'
            )
        X_checked = self._check_pixels(X)
        self._check_layout(X_checked, X, reset=False)
        X_scaled = X_checked.reshape(X_checked.shape[0], -1).astype(np.float32)
        # Divide rather than multiply by scale_, so the maximum gives exactly 1.
        X_scaled /= np.float32(self.max_value_)
        if self.clip:
            np.minimum(X_scaled, 1.0, out=X_scaled)
        if self.output == "images":
            return X_scaled.reshape(-1, *self.image_shape_)
        return X_scaled

    def inverse_transform(self, X: Any) -> np.ndarray:
        """Undo the scaling: multiply by ``max_value_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or \
                (n_samples, height, width)
            Scaled pixels, flat or as images.

        Returns
        -------
        X_original : ndarray of the same shape as ``X``, dtype float32
            Pixels on the original scale, in the layout given. Values clipped
            by :meth:`transform` are not recovered. Use
            ``np.rint(X_original).astype(np.uint8)`` to get 8-bit images back.

        Examples
        --------
        >>> import numpy as np
        >>> from skdigits.preprocessing import PixelScaler
        >>> X = np.array([[0, 51, 255]], dtype=np.uint8)
        >>> scaler = PixelScaler().fit(X)
        >>> np.rint(scaler.inverse_transform(scaler.transform(X))).astype(np.uint8)
        array([[  0,  51, 255]], dtype=uint8)
        """
        check_is_fitted(self)
        X_checked = self._check_pixels(X, allow_negative=True)
        self._check_layout(X_checked, X, reset=False)
        return X_checked.astype(np.float32) * np.float32(self.max_value_)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output pixels.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names. If None and the scaler was fitted on a
            DataFrame, its column names are used; if None otherwise, pixel
            names saying row and column are made from ``image_shape_``,
            e.g. ``"pixel_r03_c17"`` (row 3, column 17).

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per pixel; pixels are scaled in place, so names map
            one-to-one.

        Examples
        --------
        >>> import numpy as np
        >>> from skdigits.preprocessing import PixelScaler
        >>> scaler = PixelScaler().fit(np.ones((2, 28, 28)))
        >>> names = scaler.get_feature_names_out()
        >>> len(names), names[0], names[-1]
        (784, 'pixel_r00_c00', 'pixel_r27_c27')
        """
        check_is_fitted(self)
        if input_features is None and not hasattr(self, "feature_names_in_"):
            return pixel_feature_names(self.image_shape_)
        return _check_feature_names_in(self, input_features)
