"""Confusion matrix display with a log colour scale and a most-confused helper."""

from __future__ import annotations

from itertools import product
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import is_classifier
from sklearn.metrics import ConfusionMatrixDisplay as _SklearnConfusionMatrixDisplay
from sklearn.metrics import confusion_matrix as _confusion_matrix
from sklearn.utils.multiclass import unique_labels

from skdigits.plotting._base import _as_label, _plain_log_formatter

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

_NORMALIZE_TEXT = {
    None: ("Count", ""),
    "true": ("Fraction of true label", "normalized over true labels"),
    "pred": ("Fraction of predicted label", "normalized over predicted labels"),
    "all": ("Fraction of all samples", "normalized over all samples"),
}


class ConfusedPair(NamedTuple):
    """Two classes that the model mixes up, as returned by ``most_confused``.

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
        ``a_to_b + b_to_a``; a float when the matrix was normalized and had
        no raw counts.
    a_to_b : int or float
        Samples of class ``label_a`` predicted as ``label_b``.
    b_to_a : int or float
        Samples of class ``label_b`` predicted as ``label_a``.

    See Also
    --------
    ConfusionMatrixDisplay.most_confused : Returns these, largest count first.

    Examples
    --------
    >>> from skdigits.plotting import ConfusionMatrixDisplay
    >>> disp = ConfusionMatrixDisplay([[50, 3, 0], [1, 40, 2], [0, 0, 45]])
    >>> pair = disp.most_confused(1)[0]
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


def _relative_luminance(rgba: Any) -> float:
    """WCAG relative luminance of an sRGB colour."""
    rgb = np.asarray(rgba, dtype=float)[:3]
    linear = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(linear @ [0.2126, 0.7152, 0.0722])


def _contrast(rgba_1: Any, rgba_2: Any) -> float:
    """WCAG contrast ratio (1 to 21) between two colours."""
    l1, l2 = _relative_luminance(rgba_1), _relative_luminance(rgba_2)
    return (max(l1, l2) + 0.05) / (min(l1, l2) + 0.05)


def _format_value(value: Any, values_format: str | None, is_float: bool) -> str:
    # Same rule as scikit-learn: 'd' or '.2g', whichever is shorter.
    if values_format is not None:
        return format(value, values_format)
    text = format(value, ".2g")
    if not is_float:
        text_d = format(value, "d")
        if len(text_d) < len(text):
            text = text_d
    return text


def _merge_kw(defaults: dict[str, Any], user: dict[str, Any] | None, artist: Any):
    """``defaults`` updated by ``user`` with matplotlib aliases resolved, so a
    user's ``c=`` replaces our ``color=`` instead of clashing with it."""
    from matplotlib import cbook

    return {**defaults, **cbook.normalize_kwargs(user or {}, artist)}


class ConfusionMatrixDisplay(_SklearnConfusionMatrixDisplay):
    """Confusion matrix visualization with an optional log colour scale.

    A drop-in superset of :class:`sklearn.metrics.ConfusionMatrixDisplay`:
    every parameter of its constructor, :meth:`plot`, :meth:`from_estimator`
    and :meth:`from_predictions` works the same. On top it adds
    ``log_scale`` (a :class:`~matplotlib.colors.LogNorm` colour scale, so the
    few off-diagonal mistakes of a good digit classifier are visible next to
    the large diagonal), a title, a labelled colour bar and
    :meth:`most_confused`.

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
        always fill it in; :meth:`most_confused` uses it when given.

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
        super().__init__(confusion_matrix, display_labels=display_labels)
        self.counts = counts
        self.normalize = normalize

    def plot(
        self,
        *,
        include_values: bool = True,
        cmap: Any = "viridis",
        xticks_rotation: str | float = "horizontal",
        values_format: str | None = None,
        ax: Axes | None = None,
        colorbar: bool = True,
        im_kw: dict[str, Any] | None = None,
        text_kw: dict[str, Any] | None = None,
        log_scale: bool = False,
        title: str | None = None,
    ) -> ConfusionMatrixDisplay:
        """Plot visualization.

        Parameters
        ----------
        include_values : bool, default=True
            Includes values in confusion matrix.

        cmap : str or matplotlib Colormap, default='viridis'
            Colormap recognized by matplotlib.

        xticks_rotation : {'vertical', 'horizontal'} or float, \
                default='horizontal'
            Rotation of xtick labels.

        values_format : str, default=None
            Format specification for values in confusion matrix. If `None`,
            the format specification is 'd' or '.2g' whichever is shorter.

        ax : matplotlib Axes, default=None
            Axes object to plot on. If `None`, a new figure and axes is
            created, sized so that a 10x10 matrix of 4-digit counts is
            readable.

        colorbar : bool, default=True
            Whether or not to add a colorbar to the plot.

        im_kw : dict, default=None
            Dict with keywords passed to `matplotlib.pyplot.imshow` call.
            With `log_scale`, `vmin`/`vmax` given here become the limits of
            the log scale, and a `norm` given here replaces it.

        text_kw : dict, default=None
            Dict with keywords passed to `matplotlib.pyplot.text` call.

        log_scale : bool, default=False
            Colour the cells on a logarithmic scale
            (:class:`~matplotlib.colors.LogNorm`). Zero cells are left empty.

        title : str, default=None
            Axes title. If `None`, "Confusion matrix" followed by how the
            matrix was normalized and whether the colour scale is
            logarithmic. Pass "" for no title.

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
        from matplotlib.colors import LogNorm
        from matplotlib.text import Text

        cm = np.asarray(self.confusion_matrix)
        n_classes = cm.shape[0]

        if ax is None:
            # matplotlib's default 6.4x4.8 squeezes 4-digit counts in a 10x10
            # matrix; grow with the number of classes, never below default.
            side = max(4.8, 0.5 * n_classes + 1.6)
            fig, ax = plt.subplots(
                figsize=(side + 1.6 if colorbar else side, side),
                layout="constrained",
            )
        else:
            fig = ax.figure

        im_kw = dict(im_kw or {})
        use_log = bool(log_scale) and bool(np.any(cm > 0))
        if use_log and "norm" not in im_kw:
            positive = cm[cm > 0]
            vmin = im_kw.pop("vmin", None) or float(positive.min())
            vmax = im_kw.pop("vmax", None) or float(positive.max())
            if vmin >= vmax:  # e.g. a perfect classifier with equal supports
                vmin = vmax / 10.0
            im_kw["norm"] = LogNorm(vmin=vmin, vmax=vmax)
        im_kw = {"interpolation": "nearest", "cmap": cmap, **im_kw}

        self.im_ = ax.imshow(cm, **im_kw)
        self.text_ = None
        cmap_min, cmap_max = self.im_.cmap(0), self.im_.cmap(1.0)
        # Cells LogNorm cannot place (<= 0) show the axes background.
        background = ax.get_facecolor()
        is_float = cm.dtype.kind == "f"

        if include_values:
            self.text_ = np.empty_like(cm, dtype=object)
            for i, j in product(range(n_classes), range(n_classes)):
                value = cm[i, j]
                if use_log and not value > 0:
                    cell = background
                else:
                    cell = self.im_.cmap(self.im_.norm(value))
                color = max((cmap_max, cmap_min), key=lambda c: _contrast(c, cell))
                text = _format_value(value, values_format, is_float)
                if use_log and value == 0:
                    # Empty cell: a plain, muted "0" keeps the eye on the
                    # non-zero cells (and reads better than "0.0" or "0e+00").
                    text, color = "0", "0.55"
                kwargs = _merge_kw(
                    {"ha": "center", "va": "center", "color": color}, text_kw, Text
                )
                self.text_[i, j] = ax.text(j, i, text, **kwargs)

        if self.display_labels is None:
            display_labels = np.arange(n_classes)
        else:
            display_labels = self.display_labels

        self.colorbar_ = None
        if colorbar:
            self.colorbar_ = fig.colorbar(self.im_, ax=ax)
            label, _ = _NORMALIZE_TEXT.get(self.normalize, ("", ""))
            if use_log:
                label = f"{label} (log scale)" if label else "log scale"
                # Plain 1, 10, 100 (or 0.01, 0.1) rather than 10^k.
                for set_formatter in (
                    self.colorbar_.ax.yaxis.set_major_formatter,
                    self.colorbar_.ax.yaxis.set_minor_formatter,
                ):
                    set_formatter(_plain_log_formatter())
            self.colorbar_.set_label(label)

        ax.set(
            xticks=np.arange(n_classes),
            yticks=np.arange(n_classes),
            xticklabels=display_labels,
            yticklabels=display_labels,
            ylabel="True label",
            xlabel="Predicted label",
        )
        ax.set_ylim((n_classes - 0.5, -0.5))
        # A grid from a global seaborn/ggplot style would cut through cells.
        ax.grid(False)
        plt.setp(ax.get_xticklabels(), rotation=xticks_rotation)

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

        self.figure_ = fig
        self.ax_ = ax
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator: Any,
        X: ArrayLike,
        y: ArrayLike,
        *,
        labels: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
        normalize: str | None = None,
        display_labels: ArrayLike | None = None,
        include_values: bool = True,
        xticks_rotation: str | float = "horizontal",
        values_format: str | None = None,
        cmap: Any = "viridis",
        ax: Axes | None = None,
        colorbar: bool = True,
        im_kw: dict[str, Any] | None = None,
        text_kw: dict[str, Any] | None = None,
        log_scale: bool = False,
        title: str | None = None,
    ) -> ConfusionMatrixDisplay:
        """Plot Confusion Matrix given an estimator and some data.

        Parameters
        ----------
        estimator : estimator instance
            Fitted classifier or a fitted :class:`~sklearn.pipeline.Pipeline`
            in which the last estimator is a classifier.

        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input values, as the estimator expects them.

        y : array-like of shape (n_samples,)
            Target values.

        labels : array-like of shape (n_classes,), default=None
            List of labels to index the confusion matrix. This may be used to
            reorder or select a subset of labels. If `None` is given, those
            that appear at least once in `y_true` or `y_pred` are used in
            sorted order.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        normalize : {'true', 'pred', 'all'}, default=None
            Normalizes the matrix over the true conditions (rows), the
            predicted conditions (columns) or all samples. If `None`, counts
            are shown. The raw counts are kept in `counts` either way.

        display_labels : array-like of shape (n_classes,), default=None
            Target names used for plotting. By default, `labels` will be used
            if it is defined, otherwise the unique labels of `y_true` and
            `y_pred` will be used.

        include_values : bool, default=True
            Includes values in confusion matrix.

        xticks_rotation : {'vertical', 'horizontal'} or float, \
                default='horizontal'
            Rotation of xtick labels.

        values_format : str, default=None
            Format specification for values in confusion matrix. If `None`, the
            format specification is 'd' or '.2g' whichever is shorter.

        cmap : str or matplotlib Colormap, default='viridis'
            Colormap recognized by matplotlib.

        ax : matplotlib Axes, default=None
            Axes object to plot on. If `None`, a new figure and axes is
            created.

        colorbar : bool, default=True
            Whether or not to add a colorbar to the plot.

        im_kw : dict, default=None
            Dict with keywords passed to `matplotlib.pyplot.imshow` call.

        text_kw : dict, default=None
            Dict with keywords passed to `matplotlib.pyplot.text` call.

        log_scale : bool, default=False
            Colour the cells on a logarithmic scale; see :meth:`plot`.

        title : str, default=None
            Axes title; see :meth:`plot`.

        Returns
        -------
        display : ConfusionMatrixDisplay

        See Also
        --------
        ConfusionMatrixDisplay.from_predictions : Plot the confusion matrix
            given the true and predicted labels.

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
        >>> disp.figure_  # doctest: +SKIP
        """
        method_name = f"{cls.__name__}.from_estimator"
        if not is_classifier(estimator):
            raise ValueError(f"{method_name} only supports classifiers")
        y_pred = estimator.predict(X)
        return cls.from_predictions(
            y,
            y_pred,
            labels=labels,
            sample_weight=sample_weight,
            normalize=normalize,
            display_labels=display_labels,
            include_values=include_values,
            xticks_rotation=xticks_rotation,
            values_format=values_format,
            cmap=cmap,
            ax=ax,
            colorbar=colorbar,
            im_kw=im_kw,
            text_kw=text_kw,
            log_scale=log_scale,
            title=title,
        )

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
        include_values: bool = True,
        xticks_rotation: str | float = "horizontal",
        values_format: str | None = None,
        cmap: Any = "viridis",
        ax: Axes | None = None,
        colorbar: bool = True,
        im_kw: dict[str, Any] | None = None,
        text_kw: dict[str, Any] | None = None,
        log_scale: bool = False,
        title: str | None = None,
    ) -> ConfusionMatrixDisplay:
        """Plot Confusion Matrix given true and predicted labels.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            True labels.

        y_pred : array-like of shape (n_samples,)
            The predicted labels given by the method `predict` of a
            classifier.

        labels : array-like of shape (n_classes,), default=None
            List of labels to index the confusion matrix. This may be used to
            reorder or select a subset of labels. If `None` is given, those
            that appear at least once in `y_true` or `y_pred` are used in
            sorted order.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        normalize : {'true', 'pred', 'all'}, default=None
            Normalizes the matrix over the true conditions (rows), the
            predicted conditions (columns) or all samples. If `None`, counts
            are shown. The raw counts are kept in `counts` either way, so
            :meth:`most_confused` ranks pairs by counts.

        display_labels : array-like of shape (n_classes,), default=None
            Target names used for plotting. By default, `labels` will be used
            if it is defined, otherwise the unique labels of `y_true` and
            `y_pred` will be used.

        include_values : bool, default=True
            Includes values in confusion matrix.

        xticks_rotation : {'vertical', 'horizontal'} or float, \
                default='horizontal'
            Rotation of xtick labels.

        values_format : str, default=None
            Format specification for values in confusion matrix. If `None`, the
            format specification is 'd' or '.2g' whichever is shorter.

        cmap : str or matplotlib Colormap, default='viridis'
            Colormap recognized by matplotlib.

        ax : matplotlib Axes, default=None
            Axes object to plot on. If `None`, a new figure and axes is
            created.

        colorbar : bool, default=True
            Whether or not to add a colorbar to the plot.

        im_kw : dict, default=None
            Dict with keywords passed to `matplotlib.pyplot.imshow` call.

        text_kw : dict, default=None
            Dict with keywords passed to `matplotlib.pyplot.text` call.

        log_scale : bool, default=False
            Colour the cells on a logarithmic scale; see :meth:`plot`.

        title : str, default=None
            Axes title; see :meth:`plot`.

        Returns
        -------
        display : ConfusionMatrixDisplay

        See Also
        --------
        ConfusionMatrixDisplay.from_estimator : Plot the confusion matrix
            given an estimator, the data, and the label.

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
        >>> disp.figure_  # doctest: +SKIP
        """
        if display_labels is None:
            if labels is None:
                display_labels = unique_labels(y_true, y_pred)
            else:
                display_labels = labels

        counts = _confusion_matrix(
            y_true, y_pred, labels=labels, sample_weight=sample_weight
        )
        if normalize is None:
            cm = counts
        else:
            cm = _confusion_matrix(
                y_true,
                y_pred,
                labels=labels,
                sample_weight=sample_weight,
                normalize=normalize,
            )

        disp = cls(
            confusion_matrix=cm,
            display_labels=display_labels,
            counts=counts,
            normalize=normalize,
        )
        return disp.plot(
            include_values=include_values,
            cmap=cmap,
            ax=ax,
            xticks_rotation=xticks_rotation,
            values_format=values_format,
            colorbar=colorbar,
            im_kw=im_kw,
            text_kw=text_kw,
            log_scale=log_scale,
            title=title,
        )

    def most_confused(self, n: int | None = 5) -> list[ConfusedPair]:
        """Return the pairs of classes the model mixes up most often.

        The two directions of a pair are added up: the count of pair
        (a, b) is the number of samples of class a predicted as b plus the
        number of samples of class b predicted as a.

        Parameters
        ----------
        n : int or None, default=5
            Number of pairs to return. `None` returns every confused pair.

        Returns
        -------
        pairs : list of ConfusedPair
            Named tuples ``(label_a, label_b, count, a_to_b, b_to_a)``,
            largest `count` first. Pairs with a count of 0 are never
            returned, so the list may be shorter than `n`.

        Notes
        -----
        Values come from `counts` when available (always, for displays made
        by :meth:`from_estimator` or :meth:`from_predictions`), so even with
        ``normalize=...`` the ranking is by numbers of samples. For a display
        built directly from a normalized matrix without `counts`, the
        normalized values are added up instead (e.g. with
        ``normalize='true'``, the sum of the two error rates).

        Ties are broken by the order of the labels in the matrix (the order
        of `display_labels`, which is the sorted label order by default):
        pairs are compared by the position of ``label_a``, then of
        ``label_b``, and ``label_a`` is always the one that comes first.

        Examples
        --------
        >>> from skdigits.plotting import ConfusionMatrixDisplay
        >>> disp = ConfusionMatrixDisplay([[5, 2, 0], [3, 6, 1], [0, 4, 7]])
        >>> for pair in disp.most_confused():
        ...     print(pair.label_a, pair.label_b, pair.count)
        0 1 5
        1 2 5
        """
        if n is not None and n < 0:
            raise ValueError(f"n must be a non-negative integer or None; got {n}.")
        source = self.counts if self.counts is not None else self.confusion_matrix
        cm = np.asarray(source)
        if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
            raise ValueError(f"Expected a square matrix; got shape {cm.shape}.")
        n_classes = cm.shape[0]
        if self.display_labels is None:
            labels = np.arange(n_classes)
        else:
            labels = np.asarray(self.display_labels)
            if labels.shape[0] != n_classes:
                raise ValueError(
                    f"display_labels has {labels.shape[0]} entries but the "
                    f"matrix has {n_classes} classes."
                )

        # Upper triangle in row-major order is already sorted by (a, b); a
        # stable sort on the count then gives the documented tie-break.
        rows, cols = np.triu_indices(n_classes, k=1)
        a_to_b, b_to_a = cm[rows, cols], cm[cols, rows]
        totals = a_to_b + b_to_a
        order = np.argsort(-totals, kind="stable")
        order = order[totals[order] > 0][:n]

        as_number = float if cm.dtype.kind == "f" else int
        return [
            ConfusedPair(
                _as_label(labels[rows[k]]),
                _as_label(labels[cols[k]]),
                as_number(totals[k]),
                as_number(a_to_b[k]),
                as_number(b_to_a[k]),
            )
            for k in order
        ]
