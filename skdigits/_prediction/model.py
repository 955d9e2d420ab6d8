"""Predict from a saved skdigits model with NumPy alone.

A fitted ``Pipeline([PixelScaler(), DenseDigitClassifier()])`` predicts with
a division and three matrix products, so deploying it should not need
TensorFlow, Keras or even scikit-learn (whose import alone takes about a
second). :func:`load_inference_model` reads a file written by
:func:`skdigits.persistence.save_model` (checked as
:func:`skdigits.persistence.load_model` checks it) and returns an
:class:`InferenceModel`, which predicts with NumPy.

Nothing here imports TensorFlow, Keras or scikit-learn.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from skdigits._prediction.forward import dense_forward_in_chunks
from skdigits._prediction.model_file import (
    ModelFormatError,  # noqa: F401  (what load_inference_model raises)
    fitted_activation,
    read_model_archive,
)
from skdigits._prediction.shear import deskew_images

__all__ = [
    "InferenceModel",
    "load_inference_model",
]


class InferenceModel:
    """A saved model's prediction, in NumPy: scaling, then the dense network.

    Made by :func:`load_inference_model`. It predicts exactly as the saved
    ``Pipeline`` (or classifier) did, bit for bit, for the inputs that
    ``skdigits predict`` gives it: non-negative pixels, flat or as images.
    It does not check its input the way scikit-learn does; load the model
    with :func:`skdigits.persistence.load_model` for that.

    Parameters
    ----------
    weights : list of (kernel, bias)
        The dense layers' float32 weights.
    activation : str
        Activation of the hidden layers.
    classes : ndarray of shape (n_classes,)
        The labels, in the order of the network's outputs.
    scale_by : list of (float, bool)
        ``(max_value_, clip)`` of each :class:`~skdigits.PixelScaler` step.
    unsure_below : float or None, default=None
        The model's calibrated "not sure" threshold on the top probability,
        if its file records one.
    about : dict or None, default=None
        Where the model came from, if its file says (the shipped model's
        does: see :func:`skdigits.pretrained.load_pretrained`).
    deskew_by : list of (float, tuple of (int, int)), default=()
        ``(max_shear, image_shape_)`` of each :class:`~skdigits.Deskew`
        step, applied before the scaling.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels ``predict`` returns.
    n_features_in_ : int
        Pixels per sample.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits.inference import InferenceModel
    >>> model = InferenceModel([(np.eye(2, dtype=np.float32), np.zeros(2, np.float32))],
    ...                        "relu", np.array(["cat", "dog"]), [(255.0, True)])
    >>> model.predict(np.array([[0, 255], [255, 0]], dtype=np.uint8))
    array(['dog', 'cat'], dtype='<U3')
    """

    def __init__(
        self,
        weights: list[tuple[np.ndarray, np.ndarray]],
        activation: str,
        classes: np.ndarray,
        scale_by: list[tuple[float, bool]],
        unsure_below: float | None = None,
        about: dict[str, Any] | None = None,
        deskew_by: list[tuple[float, tuple[int, int]]] = (),
    ) -> None:
        self.weights = weights
        self.activation = activation
        self.classes_ = classes
        self.scale_by = scale_by
        self.unsure_below = unsure_below
        self.about = about
        self.deskew_by = list(deskew_by)
        self.n_features_in_ = int(weights[0][0].shape[0])

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, float32, one row per sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
                (n_samples, height, width)
            Pixels on the scale the model was trained on (``uint8`` 0-255
            for a Pipeline with a PixelScaler).

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), dtype float32
            Probabilities in the order of ``classes_``.
        """
        X = np.asarray(X)
        X = X.reshape(X.shape[0], -1) if X.ndim != 2 else X
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features per sample, but the model takes "
                f"{self.n_features_in_}."
            )
        # The same float32 operations, in the same order, as Deskew ...
        for max_shear, shape in self.deskew_by:
            X = deskew_images(X.reshape(-1, *shape), max_shear).reshape(len(X), -1)
        # ... and as PixelScaler.
        for max_value, clip in self.scale_by:
            X = X.astype(np.float32)  # a copy: the caller's array is kept
            X /= np.float32(max_value)
            if clip:
                np.minimum(X, 1.0, out=X)
        X = np.asarray(X, dtype=np.float32)
        # The classifier's own forward pass, chunks included: bit for bit.
        return dense_forward_in_chunks(self.weights, X, self.activation)

    def predict(self, X: Any) -> np.ndarray:
        """Most probable label for each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
                (n_samples, height, width)
            Pixels, as for :meth:`predict_proba`.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def load_inference_model(path: str | os.PathLike[str]) -> InferenceModel:
    """Load a saved model for prediction with NumPy only.

    Reads the weights and the scaling of a file written by
    :func:`skdigits.persistence.save_model` (full or inference-only) without importing
    TensorFlow, Keras or scikit-learn.

    Parameters
    ----------
    path : str or path-like
        The model file.

    Returns
    -------
    model : InferenceModel
        Predicts as the saved model did.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ModelFormatError
        If the file is not a valid skdigits model.

    See Also
    --------
    skdigits.persistence.load_model : The scikit-learn estimators, able to
        train further.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sklearn.datasets import load_digits
    >>> from skdigits import DenseDigitClassifier, save_model
    >>> from skdigits.inference import load_inference_model
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = DenseDigitClassifier(hidden_layer_sizes=(16,), epochs=2,
    ...                            random_state=0).fit(X / 16, y)
    >>> path = save_model(clf, pathlib.Path(tempfile.mkdtemp()) / "d.skdigits")
    >>> model = load_inference_model(path)
    >>> (model.predict_proba(X / 16) == clf.predict_proba(X / 16)).all()
    np.True_
    """
    archive = read_model_archive(path, read_network=False)
    manifest = archive.manifest
    *preprocessing, classifier = manifest["steps"]
    # The file's steps are Deskew steps, then PixelScaler steps (checked).
    scalers = [s for s in preprocessing if s["class"] == "PixelScaler"]
    deskews = [s for s in preprocessing if s["class"] == "Deskew"]
    unsure = manifest.get("unsure")
    return InferenceModel(
        archive.weights,
        fitted_activation(classifier),
        classifier["fitted"]["classes_"],
        [(float(s["fitted"]["max_value_"]), s["params"]["clip"]) for s in scalers],
        unsure_below=None if unsure is None else float(unsure["below"]),
        about=manifest.get("about"),
        deskew_by=[
            (float(s["params"]["max_shear"]), tuple(s["fitted"]["image_shape_"]))
            for s in deskews
        ],
    )
