"""The default model: scaling, then the classifier, as one Pipeline.

:func:`make_digit_pipeline` is the one place it is built: ``skdigits
train``, the server's default model and the docs all use it.
:func:`transform_before_classifier` applies a fitted pipeline's steps before
its classifier, for whatever must see what the classifier sees.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from sklearn.pipeline import Pipeline

__all__ = [
    "continue_training",
    "final_estimator",
    "make_digit_pipeline",
    "transform_before_classifier",
]


def make_digit_pipeline(classifier: Any = None, *, deskew: bool = False) -> Pipeline:
    """``Pipeline([("scale", PixelScaler()), ("clf", classifier)])``.

    Parameters
    ----------
    classifier : DenseDigitClassifier or None, default=None
        The classifier; None makes a ``DenseDigitClassifier()`` with its
        defaults.
    deskew : bool, default=False
        Put a :class:`~skdigits.Deskew` step first, so that the model trains
        on deskewed digits and deskews those it reads (a saved model carries
        it). On the robustness benchmark's validation split it lifted
        strongly slanted digits from 89 % to 97 % and printed fonts from
        93 % to 97 % (see :doc:`/reading_digits`).

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Unfitted: it takes raw ``uint8`` images (flat or ``(n, 28, 28)``).

    Examples
    --------
    >>> from skdigits import DenseDigitClassifier, make_digit_pipeline
    >>> make_digit_pipeline(DenseDigitClassifier(epochs=5))
    Pipeline(steps=[('scale', PixelScaler()),
                    ('clf', DenseDigitClassifier(epochs=5))])
    >>> [name for name, _ in make_digit_pipeline(deskew=True).steps]
    ['deskew', 'scale', 'clf']
    """
    from skdigits._estimators.classifier import DenseDigitClassifier
    from skdigits._estimators.preprocessing import PixelScaler

    if classifier is None:
        classifier = DenseDigitClassifier()
    steps = [("scale", PixelScaler()), ("clf", classifier)]
    if deskew:
        from skdigits._estimators.deskew import Deskew

        steps.insert(0, ("deskew", Deskew()))
    return Pipeline(steps)


def transform_before_classifier(model: Any, X: Any) -> Any:
    """``X`` through a fitted Pipeline's steps before its classifier.

    A bare classifier takes ``X`` as it is.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits import PixelScaler
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.dummy import DummyClassifier
    >>> X = np.array([[0, 255], [255, 0]], dtype=np.uint8)
    >>> model = make_pipeline(PixelScaler(), DummyClassifier()).fit(X, [0, 1])
    >>> transform_before_classifier(model, X)
    array([[0., 1.],
           [1., 0.]], dtype=float32)
    """
    if isinstance(model, Pipeline):
        for _, step in model.steps[:-1]:
            if step is not None and step != "passthrough":
                X = step.transform(X)
    return X


def final_estimator(estimator: Any) -> Any:
    """The estimator that makes the predictions inside ``estimator``.

    A :class:`~sklearn.pipeline.Pipeline` is unwrapped to its last step and
    a fitted search (:class:`~sklearn.model_selection.GridSearchCV` and the
    like) to its ``best_estimator_``, repeatedly, so a search over a
    pipeline gives the pipeline's classifier. Anything else is returned as
    it is. This is where ``history_``, ``n_iter_`` or ``classes_`` of the
    model that was trained last are found.

    Parameters
    ----------
    estimator : estimator instance
        A classifier, a pipeline, or a fitted search.

    Returns
    -------
    final : estimator instance
        The innermost final estimator.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import MinMaxScaler
    >>> from skdigits._estimators.pipeline import final_estimator
    >>> pipe = make_pipeline(MinMaxScaler(), LogisticRegression())
    >>> final_estimator(pipe)
    LogisticRegression()
    >>> search = GridSearchCV(pipe, {"logisticregression__C": [1.0]}, cv=2)
    >>> final_estimator(search.fit([[0], [1], [0], [1]], [0, 1, 0, 1]))
    LogisticRegression()
    """
    while True:
        if hasattr(estimator, "steps"):  # a Pipeline, without importing it
            estimator = estimator.steps[-1][1]
        elif hasattr(estimator, "best_estimator_"):
            estimator = estimator.best_estimator_
        else:
            return estimator


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
        :func:`skdigits.persistence.save_model`, which is loaded first.
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
    >>> from skdigits._estimators.pipeline import continue_training
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = DenseDigitClassifier(hidden_layer_sizes=(16,), epochs=2,
    ...                            random_state=0).fit(X / 16, y)
    >>> clf = continue_training(clf, X / 16, y, epochs=3)
    >>> clf.n_iter_, len(clf.history_["loss"]), clf.warm_start
    (5, 5, False)
    """
    if isinstance(model, (str, os.PathLike)):
        from skdigits._estimators.persistence import load_model

        model = load_model(model)
    classifier = model[-1] if isinstance(model, Pipeline) else model
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
    Xt = transform_before_classifier(
        model, X
    )  # the fitted scaling is kept, not refitted
    classifier.set_params(**changes)
    try:
        classifier.fit(Xt, y)
    finally:
        classifier.set_params(**kept)
    return model
