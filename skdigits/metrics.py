"""Metrics for digit classifiers that scikit-learn does not have.

:func:`most_confused` ranks the pairs of classes a classifier mixes up, from
a confusion matrix. :class:`~skdigits.plotting.ConfusionMatrixDisplay` and
:func:`skdigits.report.evaluate` both call it. NumPy only: importing this
module starts neither matplotlib nor TensorFlow.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from skdigits._formatting import plain

__all__ = ["ConfusedPair", "most_confused"]


class ConfusedPair(NamedTuple):
    """Two classes that the model mixes up, as returned by :func:`most_confused`.

    ``count`` is ``a_to_b + b_to_a``: ``a_to_b`` samples of true class
    ``label_a`` were predicted as ``label_b`` and ``b_to_a`` the other way.
    It is a :func:`~collections.namedtuple`, so it also unpacks as
    ``label_a, label_b, count, a_to_b, b_to_a``.

    Parameters
    ----------
    label_a : object
        The first class of the pair, the one that comes first in the
        matrix's label order.
    label_b : object
        The second class of the pair.
    count : int or float
        ``a_to_b + b_to_a``; a float when the matrix holds fractions.
    a_to_b : int or float
        Samples of class ``label_a`` predicted as ``label_b``.
    b_to_a : int or float
        Samples of class ``label_b`` predicted as ``label_a``.

    See Also
    --------
    most_confused : Returns these, largest count first.

    Examples
    --------
    >>> from skdigits.metrics import most_confused
    >>> pair = most_confused([[50, 3, 0], [1, 40, 2], [0, 0, 45]], n=1)[0]
    >>> pair
    ConfusedPair(label_a=0, label_b=1, count=4, a_to_b=3, b_to_a=1)
    >>> label_a, label_b, count, a_to_b, b_to_a = pair
    >>> f"{label_a}<->{label_b}: {count} ({label_a}->{label_b} {a_to_b})"
    '0<->1: 4 (0->1 3)'
    """

    label_a: Any
    label_b: Any
    count: int | float
    a_to_b: int | float
    b_to_a: int | float


def most_confused(
    confusion_matrix: ArrayLike, labels: ArrayLike | None = None, n: int | None = 5
) -> list[ConfusedPair]:
    """The pairs of classes mixed up most often, both directions added up.

    The count of pair (a, b) is the number of samples of class a predicted
    as b plus the number of samples of class b predicted as a.

    Parameters
    ----------
    confusion_matrix : array-like of shape (n_classes, n_classes)
        Row = true class, column = predicted class, as returned by
        :func:`sklearn.metrics.confusion_matrix`. Raw counts rank pairs by
        numbers of samples; a normalized matrix adds up fractions instead
        (with ``normalize="true"``, the two error rates).
    labels : array-like of shape (n_classes,), default=None
        The class of each row and column; ``0 .. n_classes - 1`` if None.
    n : int or None, default=5
        Number of pairs to return; None returns every confused pair.

    Returns
    -------
    pairs : list of ConfusedPair
        Largest ``count`` first. Pairs with a count of 0 are never returned,
        so the list may be shorter than ``n``. Ties keep the order of the
        labels: pairs are compared by the position of ``label_a``, then of
        ``label_b``, and ``label_a`` is always the one that comes first.

    See Also
    --------
    skdigits.plotting.ConfusionMatrixDisplay.most_confused : The same, for a
        display's matrix.

    Examples
    --------
    >>> from skdigits.metrics import most_confused
    >>> for pair in most_confused([[5, 2, 0], [3, 6, 1], [0, 4, 7]], ["a", "b", "c"]):
    ...     print(pair.label_a, pair.label_b, pair.count)
    a b 5
    b c 5
    """
    if n is not None and n < 0:
        raise ValueError(f"n must be a non-negative integer or None; got {n}.")
    cm = np.asarray(confusion_matrix)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"Expected a square matrix; got shape {cm.shape}.")
    n_classes = cm.shape[0]
    labels = np.arange(n_classes) if labels is None else np.asarray(labels)
    if labels.shape[0] != n_classes:
        raise ValueError(
            f"labels has {labels.shape[0]} entries but the matrix has "
            f"{n_classes} classes."
        )
    # The upper triangle in row-major order is already sorted by (a, b); a
    # stable sort on the count then gives the documented tie-break.
    rows, cols = np.triu_indices(n_classes, k=1)
    a_to_b, b_to_a = cm[rows, cols], cm[cols, rows]
    totals = a_to_b + b_to_a
    order = np.argsort(-totals, kind="stable")
    order = order[totals[order] > 0][:n]
    as_number = float if cm.dtype.kind == "f" else int
    return [
        ConfusedPair(
            plain(labels[rows[k]]),
            plain(labels[cols[k]]),
            as_number(totals[k]),
            as_number(a_to_b[k]),
            as_number(b_to_a[k]),
        )
        for k in order
    ]
