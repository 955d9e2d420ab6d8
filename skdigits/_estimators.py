"""Helpers about estimators that several modules need (no TensorFlow)."""

from __future__ import annotations

from typing import Any

__all__ = ["final_estimator"]


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
    >>> from skdigits._estimators import final_estimator
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
