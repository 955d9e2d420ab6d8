"""Metrics for digit classifiers that scikit-learn does not have.

:func:`most_confused` ranks the pairs of classes a classifier mixes up, from
a confusion matrix; :class:`~skdigits.plotting.ConfusionMatrixDisplay` and
:func:`evaluate` both call it. :func:`evaluate` tests a fitted classifier
(accuracy, log loss, the confusion matrix and those pairs), for the command
line, training runs and the report. Importing this module starts neither
matplotlib nor TensorFlow; scikit-learn's metrics load inside
:func:`evaluate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from skdigits._prediction.formatting import plain

__all__ = [
    "ConfusedPair",
    "Evaluation",
    "evaluate",
    "format_confused_pair",
    "most_confused",
]


class ConfusedPair(NamedTuple):
    """Two classes that the model mixes up, as ``most_confused`` returns them.

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
    skdigits.plotting.ConfusionMatrixDisplay.most_confused : Returns these,
        largest count first.

    Examples
    --------
    >>> from skdigits._estimators.metrics import most_confused
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
    >>> from skdigits._estimators.metrics import most_confused
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


@dataclass(frozen=True)
class Evaluation:
    """A classifier's results on labelled test data (see :func:`evaluate`).

    Attributes
    ----------
    accuracy : float
        Share of correctly classified samples.
    loss : float
        Log loss (cross-entropy) of the predicted probabilities.
    classes : ndarray of shape (n_classes,)
        The classifier's ``classes_``: rows, columns and probability columns
        follow this order.
    y_true, y_pred : ndarray of shape (n_samples,)
        True and predicted labels.
    y_proba : ndarray of shape (n_samples, n_classes)
        Predicted probabilities.
    confusion_matrix : ndarray of shape (n_classes, n_classes)
        Counts: row = true class, column = predicted class.
    most_confused : list of ConfusedPair
        The pairs of classes mixed up most, both directions added up.

    See Also
    --------
    evaluate : Makes it from a fitted classifier and test data.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.dummy import DummyClassifier
    >>> from skdigits._estimators.metrics import evaluate
    >>> X, y = np.zeros((4, 2)), np.array([0, 0, 0, 1])
    >>> result = evaluate(DummyClassifier().fit(X, y), X, y)
    >>> result.accuracy, result.n_samples, result.n_errors
    (0.75, 4, 1)
    >>> result.confusion_matrix
    array([[3, 0],
           [1, 0]])
    """

    accuracy: float
    loss: float
    classes: np.ndarray
    y_true: np.ndarray = field(repr=False)
    y_pred: np.ndarray = field(repr=False)
    y_proba: np.ndarray = field(repr=False)
    confusion_matrix: np.ndarray = field(repr=False)
    most_confused: list[ConfusedPair] = field(repr=False)

    @property
    def n_samples(self) -> int:
        """Number of test samples."""
        return int(self.y_true.shape[0])

    @property
    def n_errors(self) -> int:
        """Number of misclassified test samples."""
        return int(np.sum(self.y_true != self.y_pred))

    def to_text(self, *, ascii: bool = False) -> str:
        """Accuracy, loss and the most confused pairs, for a terminal.

        Parameters
        ----------
        ascii : bool, default=False
            Write ``<->`` and ``->`` instead of ``↔`` and ``→``.

        Returns
        -------
        text : str
            A few lines, without a final newline.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.dummy import DummyClassifier
        >>> from skdigits._estimators.metrics import evaluate
        >>> X, y = np.zeros((4, 2)), np.array([0, 0, 0, 1])
        >>> print(evaluate(DummyClassifier().fit(X, y), X, y).to_text(ascii=True))
        Test accuracy: 75.00% (1 of 4 test images wrong)
        Test loss:     0.5623 (log loss)
        Most confused pairs (mistakes a->b + b->a, true->predicted):
          0<->1: 1 (0 + 1)
        """
        lines = [
            f"Test accuracy: {self.accuracy:.2%} ({self.n_errors:,} of "
            f"{self.n_samples:,} test images wrong)",
            f"Test loss:     {self.loss:.4f} (log loss)",
        ]
        if self.most_confused:
            to = "->" if ascii else "→"
            lines.append(
                f"Most confused pairs (mistakes a{to}b + b{to}a, true{to}predicted):"
            )
            lines += [
                f"  {format_confused_pair(pair, ascii=ascii)}"
                for pair in self.most_confused
            ]
        return "\n".join(lines)

    def per_class(self) -> list[dict[str, Any]]:
        """Support, recall and precision of each class, in ``classes`` order.

        Computed by :func:`sklearn.metrics.precision_recall_fscore_support`.

        Returns
        -------
        rows : list of dict
            ``{"label", "support", "recall", "precision"}`` per class; recall
            is the share of that class's samples found, precision the share
            of that class's predictions that were right (NaN when the class
            was never predicted, and recall NaN when it has no sample).
        """
        from sklearn.metrics import precision_recall_fscore_support

        precision, recall, _, support = precision_recall_fscore_support(
            self.y_true,
            self.y_pred,
            labels=self.classes,
            zero_division=np.nan,
        )
        return [
            {
                "label": plain(label),
                "support": int(n),
                "recall": float(r),
                "precision": float(p),
            }
            for label, n, r, p in zip(
                self.classes, support, recall, precision, strict=True
            )
        ]


def evaluate(estimator: Any, X: ArrayLike, y: ArrayLike, *, n_pairs: int = 5):
    """Test a fitted classifier: accuracy, log loss, confusion matrix, pairs.

    Parameters
    ----------
    estimator : fitted classifier or Pipeline
        Anything with ``predict_proba`` and ``classes_``, such as a fitted
        ``Pipeline([("scale", PixelScaler()), ("clf", DenseDigitClassifier())])``.
    X : array-like of shape (n_samples, ...)
        Test inputs, as the estimator takes them.
    y : array-like of shape (n_samples,)
        True labels.
    n_pairs : int, default=5
        How many most-confused pairs to keep.

    Returns
    -------
    evaluation : Evaluation
        Predictions (the most probable class), probabilities and the figures
        computed from them. The loss is
        ``sklearn.metrics.log_loss(y, proba, labels=classes_)``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skdigits._estimators.metrics import evaluate, format_confused_pair
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = LogisticRegression(max_iter=2000).fit(X[:1000] / 16, y[:1000])
    >>> result = evaluate(clf, X[1000:] / 16, y[1000:])
    >>> result.n_samples, round(result.accuracy, 3) > 0.85, result.loss < 0.5
    (797, True, True)
    >>> print(format_confused_pair(result.most_confused[0]))  # doctest: +SKIP
    1↔8: 9 (4 + 5)
    """
    from sklearn.metrics import confusion_matrix, log_loss

    y_true = np.asarray(y)
    classes = np.asarray(estimator.classes_)
    y_proba = np.asarray(estimator.predict_proba(X))
    y_pred = classes[np.argmax(y_proba, axis=1)]
    cm = confusion_matrix(y_true, y_pred, labels=classes)
    return Evaluation(
        accuracy=float(np.mean(y_pred == y_true)),
        loss=float(log_loss(y_true, y_proba, labels=classes)),
        classes=classes,
        y_true=y_true,
        y_pred=y_pred,
        y_proba=y_proba,
        confusion_matrix=cm,
        most_confused=most_confused(cm, classes, n_pairs),
    )


def format_confused_pair(pair: ConfusedPair, *, ascii: bool = False) -> str:
    """One line for a confused pair: both labels, total, and each direction.

    Parameters
    ----------
    pair : ConfusedPair
        As returned by ``most_confused``.
    ascii : bool, default=False
        Write ``<->`` instead of ``↔`` (for terminals that cannot show it).

    Returns
    -------
    line : str
        ``"a↔b: total (a→b + b→a)"``, where ``a→b`` counts samples of true
        class ``a`` predicted as ``b``.

    Examples
    --------
    >>> from skdigits._estimators.metrics import ConfusedPair, format_confused_pair
    >>> print(format_confused_pair(ConfusedPair(2, 7, 14, 9, 5)))
    2↔7: 14 (9 + 5)
    >>> print(format_confused_pair(ConfusedPair(4, 9, 3, 0, 3), ascii=True))
    4<->9: 3 (0 + 3)
    """
    arrow = "<->" if ascii else "↔"
    return (
        f"{pair.label_a}{arrow}{pair.label_b}: {pair.count} "
        f"({pair.a_to_b} + {pair.b_to_a})"
    )
