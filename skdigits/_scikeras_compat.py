"""The one place that knows SciKeras, and how skdigits works around its age.

SciKeras 0.13 is its last release. On scikit-learn >= 1.6 its
``KerasClassifier`` puts ``ClassifierMixin`` to the right of ``BaseEstimator``
and declares its tags through the removed ``_more_tags`` API, so it gets
``estimator_type=None``: ``is_classifier`` is False, cross-validation falls back
to plain KFold, scikit-learn's displays refuse it and ``check_estimator`` fails.
None of that can be repaired by inheritance: ``class X(ClassifierMixin,
KerasClassifier)`` is an MRO error, and any subclass of SciKeras's
``BaseWrapper`` still carries ``_more_tags`` in its MRO, which scikit-learn's
``check_estimator_tags_renamed`` rejects.

So skdigits composes instead of inheriting. Its estimators are plain
scikit-learn estimators (mixins left of ``BaseEstimator``, ``__sklearn_tags__``,
``validate_data``, ``_parameter_constraints``) that hand the Keras part of
``fit`` to a SciKeras ``KerasClassifier`` through :func:`fit_keras_network`.
SciKeras keeps doing what it is good at:

* calling the model-building function with the data's metadata
  (``n_features_in_``, ``n_classes_``);
* seeding Python, NumPy and TensorFlow and enabling deterministic ops for a
  reproducible fit, then restoring the global state;
* dropping zero-weight samples, running ``Model.fit`` with the callbacks, and
  collecting the per-epoch history;
* making Keras models picklable (importing SciKeras registers this).

Nothing else in skdigits imports SciKeras.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from skdigits._tf_env import import_keras

import_keras()  # quiet, thread-aware TensorFlow start before SciKeras imports it

from scikeras.wrappers import KerasClassifier  # noqa: E402

__all__ = ["fit_keras_network"]


def fit_keras_network(
    build_fn: Callable[..., Any],
    X: np.ndarray,
    Y: np.ndarray,
    *,
    sample_weight: np.ndarray | None = None,
    epochs: int,
    batch_size: int,
    shuffle: bool = True,
    verbose: int = 0,
    callbacks: Sequence[Any] = (),
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    random_state: int | None = None,
) -> tuple[Any, dict[str, list[float]]]:
    """Train a new Keras network with SciKeras; return it and its history.

    Parameters
    ----------
    build_fn : callable
        ``build_fn(meta)`` returns a compiled Keras model. SciKeras fills
        ``meta`` with ``n_features_in_`` and ``n_classes_``.
    X : ndarray of shape (n_samples, n_features), float32
        Validated inputs.
    Y : ndarray of shape (n_samples, n_classes), float32
        One-hot labels. SciKeras passes one-hot targets through unchanged, so
        two classes train a softmax over two units, like ten.
    sample_weight : ndarray of shape (n_samples,) or None
        Per-sample weights; zero-weight samples are dropped.
    epochs, batch_size, shuffle, verbose :
        Passed to ``keras.Model.fit``.
    callbacks : sequence of keras.callbacks.Callback
        Callbacks for ``keras.Model.fit``.
    validation_data : (X_val, Y_val) or None
        Evaluated after every epoch; adds ``val_*`` entries to the history.
    random_state : int or None
        Seed for a reproducible fit; ``None`` leaves the global state alone.

    Returns
    -------
    model : keras.Model
        The trained network.
    history : dict of str to list of float
        Per-epoch metrics, for example ``loss`` and ``accuracy``.
    """
    wrapper = KerasClassifier(
        model=build_fn,
        epochs=epochs,
        batch_size=batch_size,
        shuffle=shuffle,
        verbose=verbose,
        callbacks=list(callbacks),
        random_state=random_state,
    )
    fit_kwargs = {} if validation_data is None else {"validation_data": validation_data}
    wrapper.fit(X, Y, sample_weight=sample_weight, **fit_kwargs)
    history = {
        key: [float(v) for v in values] for key, values in wrapper.history_.items()
    }
    return wrapper.model_, history
