"""Confusion matrix display: scikit-learn's, with a log colour scale."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import is_classifier
from sklearn.metrics import ConfusionMatrixDisplay as _SklearnConfusionMatrixDisplay
from sklearn.metrics import confusion_matrix as _confusion_matrix
from sklearn.utils.multiclass import unique_labels

from skdigits._estimators.metrics import ConfusedPair, most_confused
from skdigits._estimators.plotting._base import plain_log_formatter

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

_NORMALIZE_TEXT = {
    None: ("Count", ""),
    "true": ("Fraction of true label", "normalized over true labels"),
    "pred": ("Fraction of predicted label", "normalized over predicted labels"),
    "all": ("Fraction of all samples", "normalized over all samples"),
}


def _relative_luminance(rgba: Any) -> float:
    """WCAG relative luminance of an sRGB colour."""
    rgb = np.asarray(rgba, dtype=float)[:3]
    linear = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(linear @ [0.2126, 0.7152, 0.0722])


def _contrast(rgba_1: Any, rgba_2: Any) -> float:
    """WCAG contrast ratio (1 to 21) between two colours."""
    l1, l2 = _relative_luminance(rgba_1), _relative_luminance(rgba_2)
    return (max(l1, l2) + 0.05) / (min(l1, l2) + 0.05)


class ConfusionMatrixDisplay(_SklearnConfusionMatrixDisplay):
    """Confusion matrix visualization with an optional log colour scale.

    A drop-in superset of :class:`sklearn.metrics.ConfusionMatrixDisplay`:
    every parameter of its constructor, :meth:`plot`, :meth:`from_estimator`
    and :meth:`from_predictions` works the same, because they are
    scikit-learn's: this class computes and draws through its parent and
    only adds
    ``log_scale`` (a :class:`~matplotlib.colors.LogNorm` colour scale, so the
    few off-diagonal mistakes of a good digit classifier are visible next to
    the large diagonal), a title, a labelled colour bar, text that stays
    readable on any cell, and ``most_confused``.

    It is recommended to create it with :meth:`from_estimator` or
    :meth:`from_predictions`. All parameters are stored as attributes.

    Parameters
    ----------
    confusion_matrix : ndarray of shape (n_classes, n_classes)
        Confusion matrix, raw or normalized.

    display_labels : array-like of shape (n_classes,), default=None
        Display labels for plot. If None, display labels are set from 0 to
        `n_classes - 1`.

    counts : ndarray of shape (n_classes, n_classes), default=None
        The raw (possibly sample-weighted) counts behind a normalized
        `confusion_matrix`. :meth:`from_estimator` and :meth:`from_predictions`
        always fill it in; ``most_confused`` uses it when given.

    normalize : {'true', 'pred', 'all'}, default=None
        How `confusion_matrix` was normalized, if it was. Only used to label
        the title and the colour bar.

    Attributes
    ----------
    im_ : matplotlib AxesImage
        Image representing the confusion matrix.

    text_ : ndarray of shape (n_classes, n_classes), dtype=matplotlib Text, \
            or None
        The value annotation of each cell. `None` if `include_values` is
        false.

    ax_ : matplotlib Axes
        Axes with confusion matrix.

    figure_ : matplotlib Figure
        Figure containing the confusion matrix.

    colorbar_ : matplotlib Colorbar or None
        The colour bar, or `None` if `colorbar` is false.

    See Also
    --------
    sklearn.metrics.ConfusionMatrixDisplay : The scikit-learn display this
        one extends.
    sklearn.metrics.confusion_matrix : Compute the confusion matrix.
    MisclassifiedDisplay : Show the images behind the off-diagonal cells.

    Notes
    -----
    With ``log_scale=True`` cells holding 0 cannot be placed on the colour
    scale; they are left empty (the axes background shows through, drawn
    with the colormap's "bad" colour) and, when values are included, are
    annotated "0" in grey. The scale runs from the smallest to the largest positive
    value. A matrix without any positive value falls back to a linear scale.

    Each annotation is drawn in whichever of the colormap's two end colours
    contrasts more (WCAG contrast ratio) with the cell's actual colour. For
    the default linear scale this matches scikit-learn's mid-range threshold
    for monotonic colormaps; unlike a fixed threshold it stays readable under
    a log scale.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skdigits.plotting import ConfusionMatrixDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = LogisticRegression(max_iter=1000).fit(X[:1000] / 16, y[:1000])
    >>> disp = ConfusionMatrixDisplay.from_estimator(
    ...     clf, X[1000:] / 16, y[1000:], log_scale=True
    ... )
    >>> int(disp.confusion_matrix.sum())
    797
    >>> pair = disp.most_confused(1)[0]
    >>> pair.count == pair.a_to_b + pair.b_to_a
    True
    >>> disp.figure_  # doctest: +SKIP
    """

    def __init__(
        self,
        confusion_matrix: ArrayLike,
        *,
        display_labels: ArrayLike | None = None,
        counts: ArrayLike | None = None,
        normalize: str | None = None,
    ) -> None:
        # scikit-learn's plot needs an array; a nested list is accepted here.
        super().__init__(np.asarray(confusion_matrix), display_labels=display_labels)
        self.counts = counts
        self.normalize = normalize

    def plot(
        self,
        *,
        log_scale: bool = False,
        title: str | None = None,
        ax: Axes | None = None,
        colorbar: bool = True,
        im_kw: dict[str, Any] | None = None,
        text_kw: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> ConfusionMatrixDisplay:
        """Plot visualization: scikit-learn's ``plot``, plus a log scale and a title.

        Parameters
        ----------
        log_scale : bool, default=False
            Colour the cells on a logarithmic scale
            (:class:`~matplotlib.colors.LogNorm`). Zero cells are left empty.

        title : str, default=None
            Axes title. If `None`, "Confusion matrix" followed by how the
            matrix was normalized and whether the colour scale is
            logarithmic. Pass "" for no title.

        ax : matplotlib Axes, default=None
            Axes object to plot on. If `None`, a new figure and axes is
            created, sized so that a 10x10 matrix of 4-digit counts is
            readable.

        colorbar : bool, default=True
            Whether or not to add a colour bar; it is labelled.

        im_kw : dict, default=None
            Keywords for `matplotlib.pyplot.imshow`. With `log_scale`,
            `vmin`/`vmax` given here become the limits of the log scale, and
            a `norm` given here replaces it.

        text_kw : dict, default=None
            Keywords for `matplotlib.pyplot.text`. Without a `color` here,
            each value is drawn in whichever end colour of the colormap
            contrasts more with its cell.

        **kwargs
            `include_values`, `cmap`, `xticks_rotation` and `values_format`,
            as in :meth:`sklearn.metrics.ConfusionMatrixDisplay.plot`, which
            draws the matrix.

        Returns
        -------
        display : ConfusionMatrixDisplay
            The display, with `ax_`, `figure_`, `im_`, `text_` and
            `colorbar_` set.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> from skdigits.plotting import ConfusionMatrixDisplay
        >>> disp = ConfusionMatrixDisplay([[980, 2, 0], [5, 1120, 10], [0, 0, 1000]])
        >>> fig, ax = plt.subplots()
        >>> disp = disp.plot(ax=ax, log_scale=True, colorbar=False)
        >>> disp.ax_ is ax, disp.colorbar_ is None
        (True, True)
        >>> disp.text_[0, 2].get_text()  # zero cells are left empty, labelled 0
        '0'
        """
        import matplotlib.pyplot as plt
        from matplotlib import cbook
        from matplotlib.colors import LogNorm
        from matplotlib.text import Text

        cm = np.asarray(self.confusion_matrix)
        n_classes = cm.shape[0]
        if ax is None:
            # matplotlib's default 6.4x4.8 squeezes 4-digit counts in a 10x10
            # matrix; grow with the number of classes, never below default.
            side = max(4.8, 0.5 * n_classes + 1.6)
            _, ax = plt.subplots(
                figsize=(side + 1.6 if colorbar else side, side),
                layout="constrained",
            )
        im_kw = dict(im_kw or {})
        use_log = bool(log_scale) and bool(np.any(cm > 0))
        if use_log and "norm" not in im_kw:
            positive = cm[cm > 0]
            vmin = im_kw.pop("vmin", None) or float(positive.min())
            vmax = im_kw.pop("vmax", None) or float(positive.max())
            if vmin >= vmax:  # e.g. a perfect classifier with equal supports
                vmin = vmax / 10.0
            im_kw["norm"] = LogNorm(vmin=vmin, vmax=vmax)

        super().plot(ax=ax, colorbar=colorbar, im_kw=im_kw, text_kw=text_kw, **kwargs)

        if self.text_ is not None:
            # scikit-learn picks the text colour by a threshold halfway
            # between the values, which fails on a log scale: take the end
            # colour that contrasts more with the cell as drawn instead.
            own_color = "color" in cbook.normalize_kwargs(text_kw or {}, Text)
            ends = (self.im_.cmap(1.0), self.im_.cmap(0))
            background = ax.get_facecolor()  # cells LogNorm cannot place
            for (i, j), text in np.ndenumerate(self.text_):
                value = cm[i, j]
                if use_log and value == 0:
                    # Empty cell: a plain, muted "0" keeps the eye on the
                    # non-zero cells (and reads better than "0.0" or "0e+00").
                    text.set_text("0")
                    if not own_color:
                        text.set_color("0.55")
                elif not own_color:
                    cell = (
                        background
                        if use_log and not value > 0
                        else self.im_.cmap(self.im_.norm(value))
                    )
                    text.set_color(max(ends, key=lambda c: _contrast(c, cell)))

        self.colorbar_ = self.im_.colorbar if colorbar else None
        if self.colorbar_ is not None:
            label, _ = _NORMALIZE_TEXT.get(self.normalize, ("", ""))
            if use_log:
                label = f"{label} (log scale)" if label else "log scale"
                # Plain 1, 10, 100 (or 0.01, 0.1) rather than 10^k.
                self.colorbar_.ax.yaxis.set_major_formatter(plain_log_formatter())
                self.colorbar_.ax.yaxis.set_minor_formatter(plain_log_formatter())
            self.colorbar_.set_label(label)
        # A grid from a global seaborn/ggplot style would cut through cells.
        ax.grid(False)

        if title is None:
            _, how = _NORMALIZE_TEXT.get(self.normalize, ("", ""))
            details = [how] if how else []
            if use_log:
                details.append("log colour scale")
            title = "Confusion matrix"
            if details:
                title += f" ({', '.join(details)})"
        if title:
            ax.set_title(title)
        return self

    @classmethod
    def from_estimator(
        cls, estimator: Any, X: ArrayLike, y: ArrayLike, **kwargs: Any
    ) -> ConfusionMatrixDisplay:
        """Plot the confusion matrix of a fitted classifier on ``(X, y)``.

        As :meth:`sklearn.metrics.ConfusionMatrixDisplay.from_estimator`:
        the estimator predicts ``X``, then :meth:`from_predictions` draws.

        Parameters
        ----------
        estimator : estimator instance
            Fitted classifier or a fitted :class:`~sklearn.pipeline.Pipeline`
            in which the last estimator is a classifier.

        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input values, as the estimator expects them.

        y : array-like of shape (n_samples,)
            Target values.

        **kwargs
            Keyword arguments of :meth:`from_predictions`.

        Returns
        -------
        display : ConfusionMatrixDisplay

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from sklearn.linear_model import LogisticRegression
        >>> from sklearn.pipeline import make_pipeline
        >>> from sklearn.preprocessing import MinMaxScaler
        >>> from skdigits.plotting import ConfusionMatrixDisplay
        >>> X, y = load_digits(return_X_y=True)
        >>> pipe = make_pipeline(MinMaxScaler(), LogisticRegression(max_iter=1000))
        >>> pipe = pipe.fit(X[:1000], y[:1000])
        >>> disp = ConfusionMatrixDisplay.from_estimator(
        ...     pipe, X[1000:], y[1000:], normalize="true", log_scale=True
        ... )
        >>> disp.confusion_matrix.sum(axis=1).round(6).tolist() == [1.0] * 10
        True
        """
        if not is_classifier(estimator):
            raise ValueError(f"{cls.__name__}.from_estimator only supports classifiers")
        return cls.from_predictions(y, estimator.predict(X), **kwargs)

    @classmethod
    def from_predictions(
        cls,
        y_true: ArrayLike,
        y_pred: ArrayLike,
        *,
        labels: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
        normalize: str | None = None,
        display_labels: ArrayLike | None = None,
        **kwargs: Any,
    ) -> ConfusionMatrixDisplay:
        """Plot the confusion matrix of true and predicted labels.

        As :meth:`sklearn.metrics.ConfusionMatrixDisplay.from_predictions`,
        which documents the parameters; the raw counts are kept in
        ``counts`` too, so ``most_confused`` ranks pairs by numbers of
        samples even when the matrix is normalized.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            True labels.

        y_pred : array-like of shape (n_samples,)
            Predicted labels.

        labels : array-like of shape (n_classes,), default=None
            Labels that index the matrix; those present in `y_true` or
            `y_pred`, sorted, if None.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        normalize : {'true', 'pred', 'all'}, default=None
            Normalize over the true labels (rows), the predicted labels
            (columns) or all samples; counts if None.

        display_labels : array-like of shape (n_classes,), default=None
            Tick labels; `labels`, or the labels found, if None.

        **kwargs
            Keyword arguments of :meth:`plot` (`log_scale`, `title`, and
            scikit-learn's `include_values`, `cmap`, `ax`, ...).

        Returns
        -------
        display : ConfusionMatrixDisplay

        Examples
        --------
        >>> from skdigits.plotting import ConfusionMatrixDisplay
        >>> y_true = ["cat", "dog", "dog", "bird", "cat", "dog"]
        >>> y_pred = ["cat", "cat", "dog", "bird", "dog", "dog"]
        >>> disp = ConfusionMatrixDisplay.from_predictions(y_true, y_pred)
        >>> disp.confusion_matrix.tolist()
        [[1, 0, 0], [0, 1, 1], [0, 1, 2]]
        >>> disp.most_confused()
        [ConfusedPair(label_a='cat', label_b='dog', count=2, a_to_b=1, b_to_a=1)]
        """
        if display_labels is None:
            display_labels = unique_labels(y_true, y_pred) if labels is None else labels
        counts = _confusion_matrix(
            y_true, y_pred, labels=labels, sample_weight=sample_weight
        )
        cm = counts
        if normalize is not None:
            cm = _confusion_matrix(
                y_true,
                y_pred,
                labels=labels,
                sample_weight=sample_weight,
                normalize=normalize,
            )
        display = cls(
            cm, display_labels=display_labels, counts=counts, normalize=normalize
        )
        return display.plot(**kwargs)

    def most_confused(self, n: int | None = 5) -> list[ConfusedPair]:
        """The pairs of classes the model mixes up most often.

        ``skdigits._estimators.metrics.most_confused`` of `counts` when the display
        has them (always, when made by :meth:`from_estimator` or
        :meth:`from_predictions`, so even a normalized display ranks pairs by
        numbers of samples), else of `confusion_matrix`, with
        `display_labels` as the labels.

        Parameters
        ----------
        n : int or None, default=5
            Number of pairs to return. `None` returns every confused pair.

        Returns
        -------
        pairs : list of ConfusedPair
            Largest `count` first; see ``skdigits._estimators.metrics.most_confused``.

        Examples
        --------
        >>> from skdigits.plotting import ConfusionMatrixDisplay
        >>> disp = ConfusionMatrixDisplay([[5, 2, 0], [3, 6, 1], [0, 4, 7]])
        >>> for pair in disp.most_confused():
        ...     print(pair.label_a, pair.label_b, pair.count)
        0 1 5
        1 2 5
        """
        matrix = self.counts if self.counts is not None else self.confusion_matrix
        return most_confused(matrix, self.display_labels, n)
