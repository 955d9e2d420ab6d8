"""Continue training a saved or fitted model: the library side of
``skdigits train --continue RUN/model.skdigits``.

A saved model file holds the compiled Keras network with its optimizer state,
and the classifier's whole ``history_``. :func:`continue_training` loads it,
keeps the fitted scaling as it is, and trains the classifier on with
``warm_start=True``, so the history, and the learning curves of a report
written from it, cover every epoch from the first run on.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from sklearn.pipeline import Pipeline

__all__ = ["continue_training"]


def continue_training(
    model: Any | str | os.PathLike[str],
    X: Any,
    y: Any,
    *,
    epochs: int,
    callbacks: Sequence[Any] | None = None,
    verbose: int | None = None,
) -> Any:
    """Train a fitted model ``epochs`` more epochs, from where it stopped.

    Parameters
    ----------
    model : DenseDigitClassifier, Pipeline, str or path-like
        A fitted :class:`~skdigits.DenseDigitClassifier` (or a Pipeline
        ending in one), or the path of a file written by
        :func:`skdigits.save_model`, which is loaded first.
    X : array-like of shape (n_samples, n_features) or \
            (n_samples, height, width)
        Training inputs, as the model takes them (raw images for a pipeline
        that starts with a :class:`~skdigits.PixelScaler`).
    y : array-like of shape (n_samples,)
        Labels, with the same classes as the first training.
    epochs : int
        Epochs to add. They run as one new learning-rate cycle (see
        :class:`~skdigits.DenseDigitClassifier`'s ``warm_start``).
    callbacks : list of keras.callbacks.Callback, default=None
        Keras callbacks for this training only; the returned model's
        ``callbacks`` parameter is set back to what it was.
    verbose : {0, 1, 2}, default=None
        Keras's verbosity for this training; None keeps the model's.

    Returns
    -------
    model : DenseDigitClassifier or Pipeline
        The model, trained on, with ``warm_start`` and ``epochs`` as it had
        them. Its classifier's ``history_`` covers the whole training. If
        training raises, an estimator passed in is left as it was.

    Raises
    ------
    ValueError
        If ``y`` has other classes than the model, ``X`` another number of
        features, or the model was saved without its optimizer state.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skdigits import DenseDigitClassifier
    >>> from skdigits.training import continue_training
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = DenseDigitClassifier(hidden_layer_sizes=(16,), epochs=2,
    ...                            random_state=0).fit(X / 16, y)
    >>> clf = continue_training(clf, X / 16, y, epochs=3)
    >>> clf.n_iter_, len(clf.history_["loss"]), clf.warm_start
    (5, 5, False)
    """
    if isinstance(model, (str, os.PathLike)):
        from skdigits.persistence import load_model

        model = load_model(model)
    if isinstance(model, Pipeline):
        steps, classifier = model.steps[:-1], model.steps[-1][1]
    else:
        steps, classifier = [], model
    kept = {
        name: value
        for name, value in classifier.get_params(deep=False).items()
        if name in {"warm_start", "epochs", "callbacks", "verbose"}
    }
    changes: dict[str, Any] = {"warm_start": True, "epochs": epochs}
    if callbacks is not None:
        changes["callbacks"] = list(callbacks)
    if verbose is not None:
        changes["verbose"] = verbose
    Xt = X
    for _, step in steps:  # the fitted scaling is kept, not refitted
        if step is not None and step != "passthrough":
            Xt = step.transform(Xt)
    classifier.set_params(**changes)
    try:
        classifier.fit(Xt, y)
    finally:
        classifier.set_params(**kept)
    return model
