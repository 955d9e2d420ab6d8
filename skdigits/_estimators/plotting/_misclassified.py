"""The test images a classifier got wrong."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils.multiclass import unique_labels

from skdigits._estimators.plotting._base import (
    AxesArrayDisplay,
    as_images,
    image_grid,
    pixel_range,
    show_image,
)
from skdigits._prediction.formatting import plain, probability_text

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

_ORDERS = ("confidence", "index")


def _proba_of_prediction(
    y_proba: ArrayLike, y_pred: np.ndarray, classes: ArrayLike | None
) -> np.ndarray:
    """Probability each sample's predicted label got, from predict_proba."""
    y_proba = np.asarray(y_proba, dtype=float)
    if y_proba.ndim == 1:  # already the probability of the prediction
        if y_proba.shape[0] != y_pred.shape[0]:
            raise ValueError(
                f"y_proba has {y_proba.shape[0]} values for {y_pred.shape[0]} samples."
            )
        return y_proba
    if y_proba.ndim != 2 or y_proba.shape[0] != y_pred.shape[0]:
        raise ValueError(
            "y_proba must have shape (n_samples,) or (n_samples, n_classes); "
            f"got {y_proba.shape} for {y_pred.shape[0]} samples."
        )
    classes = np.asarray(classes)
    if classes.shape[0] != y_proba.shape[1]:
        raise ValueError(
            f"y_proba has {y_proba.shape[1]} columns but there are "
            f"{classes.shape[0]} classes ({classes.tolist()}); pass labels= "
            "(the classifier's classes_) to say which column is which."
        )
    # Sorted lookup works for any orderable labels, strings included.
    order = np.argsort(classes)
    position = np.searchsorted(classes, y_pred, sorter=order)
    position = order[np.clip(position, 0, classes.shape[0] - 1)]
    if np.any(classes[position] != y_pred):
        missing = sorted(set(y_pred.tolist()) - set(classes.tolist()))
        raise ValueError(f"Predicted labels {missing} are not in labels.")
    return y_proba[np.arange(y_pred.shape[0]), position]


class MisclassifiedDisplay(AxesArrayDisplay):
    """The images a classifier got wrong, most confident mistakes first.

    Each panel is titled with the true label, the predicted label and, when
    known, the probability the classifier gave its (wrong) prediction.

    It is recommended to create it with :meth:`from_estimator` or
    :meth:`from_predictions`, which pick the mistakes. All parameters are
    stored as attributes.

    Parameters
    ----------
    images : array-like of shape (n_images, height, width) or (n_images, n_pixels)
        The misclassified images to show, in panel order.

    y_true : array-like of shape (n_images,)
        Their true labels.

    y_pred : array-like of shape (n_images,)
        Their predicted labels.

    y_proba : array-like of shape (n_images,), default=None
        Probability of each predicted label, or None if unknown.

    indices : array-like of shape (n_images,), default=None
        Where each image sits in the data it was drawn from; recorded as
        `indices_`. If None, positions in `images` are recorded.

    n_errors : int, default=None
        Total number of mistakes, of which `images` may be a part; shown in
        the title. If None, the number of images.

    n_samples : int, default=None
        Number of samples the mistakes were found among; shown in the title
        when given.

    image_shape : tuple of (int, int), default=None
        (height, width) of flat `images`; guessed for square images.

    Attributes
    ----------
    indices_ : ndarray of shape (n_images,)
        Indices of the shown mistakes in the `X` given to
        :meth:`from_estimator` or :meth:`from_predictions`, in panel order.
        Empty if there were no mistakes.

    axes_ : ndarray of matplotlib Axes
        All axes of the grid, flattened row by row; spare axes are hidden.
        With no mistakes, a single axes holding a message.

    figure_ : matplotlib Figure
        Figure containing the images.

    im_ : list of matplotlib AxesImage
        One image per shown mistake.

    See Also
    --------
    ConfusionMatrixDisplay : Counts of the mistakes per pair of classes.
    DigitGalleryDisplay : One sample per class.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skdigits.plotting import MisclassifiedDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = LogisticRegression(max_iter=1000).fit(X[:1000] / 16, y[:1000])
    >>> disp = MisclassifiedDisplay.from_estimator(
    ...     clf, X[1000:] / 16, y[1000:], n_images=5
    ... )
    >>> shown = disp.indices_ + 1000
    >>> bool((clf.predict(X[shown] / 16) != y[shown]).all())
    True
    >>> disp.figure_  # doctest: +SKIP
    """

    def __init__(
        self,
        images: ArrayLike,
        y_true: ArrayLike,
        y_pred: ArrayLike,
        *,
        y_proba: ArrayLike | None = None,
        indices: ArrayLike | None = None,
        n_errors: int | None = None,
        n_samples: int | None = None,
        image_shape: tuple[int, int] | None = None,
    ) -> None:
        self.images = images
        self.y_true = y_true
        self.y_pred = y_pred
        self.y_proba = y_proba
        self.indices = indices
        self.n_errors = n_errors
        self.n_samples = n_samples
        self.image_shape = image_shape

    def plot(
        self,
        ax: Sequence[Axes] | np.ndarray | None = None,
        *,
        ncols: int | None = None,
        cmap: Any = "gray",
        title: str | None = None,
        im_kw: dict[str, Any] | None = None,
    ) -> MisclassifiedDisplay:
        """Plot the misclassified images.

        Parameters
        ----------
        ax : array-like of matplotlib Axes, default=None
            At least one axes per image; spare axes are hidden. If `None`, a
            new figure with a grid of `ncols` columns is created.

        ncols : int, default=None
            Number of columns of a new grid; by default up to 5.

        cmap : str or matplotlib Colormap, default="gray"
            Grey-scale colormap.

        title : str, default=None
            Figure title. If `None`, says how many mistakes there are and
            how many are shown. Pass "" for no title.

        im_kw : dict, default=None
            Keywords passed to :meth:`matplotlib.axes.Axes.imshow`.

        Returns
        -------
        display : MisclassifiedDisplay
            The display, with `axes_`, `figure_`, `im_` and `indices_` set.

        Examples
        --------
        >>> import numpy as np
        >>> from skdigits.plotting import MisclassifiedDisplay
        >>> images = np.zeros((2, 28, 28), dtype=np.uint8)
        >>> disp = MisclassifiedDisplay(
        ...     images, y_true=[4, 7], y_pred=[9, 1], y_proba=[0.91, 0.55]
        ... ).plot()
        >>> len(disp.im_), disp.indices_.tolist()
        (2, [0, 1])
        """
        import matplotlib.pyplot as plt

        y_true = np.asarray(self.y_true)
        y_pred = np.asarray(self.y_pred)
        n_images = y_true.shape[0]
        if n_images:
            images = as_images(self.images, self.image_shape)
        else:  # no mistakes: any image shape will do
            images = np.asarray(self.images).reshape(0, 1, 1)
        y_proba = None if self.y_proba is None else np.asarray(self.y_proba)
        for name, values in (("y_pred", y_pred), ("y_proba", y_proba)):
            if values is not None and values.shape[0] != n_images:
                raise ValueError(
                    f"{name} has {values.shape[0]} values for {n_images} images."
                )
        if images.shape[0] != n_images:
            raise ValueError(f"Got {images.shape[0]} images but {n_images} labels.")

        n_errors = n_images if self.n_errors is None else self.n_errors
        if title is None:
            among = f" among {self.n_samples:,} samples" if self.n_samples else ""
            if n_errors == 0:
                title = "No misclassified samples"
            elif n_images < n_errors:
                title = f"{n_images} of {n_errors:,} misclassified samples{among}"
            else:
                title = f"{n_errors:,} misclassified samples{among}"
            if n_images and y_proba is not None:
                title += ", most confident first"

        self.im_ = []
        if n_images == 0:
            # Nothing went wrong: say so instead of drawing an empty grid.
            if ax is None:
                fig, panel_ax = plt.subplots(figsize=(4.0, 1.6), layout="constrained")
                axes = np.array([panel_ax], dtype=object)
            else:
                axes = np.asarray(ax, dtype=object).ravel()
                fig = axes[0].figure
            for panel_ax in axes:
                panel_ax.set_axis_off()
            axes[0].text(
                0.5,
                0.5,
                "The classifier got every sample right.",
                ha="center",
                va="center",
                transform=axes[0].transAxes,
            )
        else:
            title_lines = 2
            fig, axes = image_grid(
                n_images,
                ax,
                ncols=ncols,
                title_lines=title_lines,
                owner=type(self).__name__,
            )
            vmin, vmax = pixel_range(images)
            im_kw = {"cmap": cmap, "vmin": vmin, "vmax": vmax, **(im_kw or {})}
            for k in range(n_images):
                panel_title = f"true {plain(y_true[k])}\npred {plain(y_pred[k])}"
                if y_proba is not None:
                    panel_title += f" ({probability_text(y_proba[k], digits=0)})"
                self.im_.append(show_image(axes[k], images[k], panel_title, **im_kw))
        if title:
            fig.suptitle(title, fontsize="large")

        if self.indices is None:
            self.indices_ = np.arange(n_images)
        else:
            self.indices_ = np.asarray(self.indices, dtype=int)
        self.axes_ = axes
        self.figure_ = fig
        return self

    @classmethod
    def from_predictions(
        cls,
        y_true: ArrayLike,
        y_pred: ArrayLike,
        X: ArrayLike,
        *,
        y_proba: ArrayLike | None = None,
        labels: ArrayLike | None = None,
        n_images: int | None = 10,
        order: str = "confidence",
        image_shape: tuple[int, int] | None = None,
        ax: Sequence[Axes] | np.ndarray | None = None,
        ncols: int | None = None,
        cmap: Any = "gray",
        title: str | None = None,
        im_kw: dict[str, Any] | None = None,
    ) -> MisclassifiedDisplay:
        """Show the samples whose prediction differs from the true label.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            True labels.

        y_pred : array-like of shape (n_samples,)
            Predicted labels.

        X : array-like of shape (n_samples, n_pixels) or \
                (n_samples, height, width)
            The images, flat or not.

        y_proba : array-like of shape (n_samples, n_classes) or (n_samples,), \
                default=None
            Output of ``predict_proba`` (columns in the order of `labels`),
            or directly the probability of each predicted label.

        labels : array-like of shape (n_classes,), default=None
            The class of each column of a 2-D `y_proba` (a classifier's
            ``classes_``). If None, the sorted labels of `y_true` and
            `y_pred`, which must then number as many as the columns.

        n_images : int or None, default=10
            Show at most this many mistakes; None shows all of them.

        order : {"confidence", "index"}, default="confidence"
            "confidence" shows the mistakes with the highest probability on
            the wrong label first (ties in sample order); "index" keeps the
            sample order. Without `y_proba`, sample order is used.

        image_shape : tuple of (int, int), default=None
            (height, width) of flat rows; guessed for square images.

        ax : array-like of matplotlib Axes, default=None
            At least one axes per shown image. If `None`, a new figure is
            created.

        ncols : int, default=None
            Number of columns of a new grid; see :meth:`plot`.

        cmap : str or matplotlib Colormap, default="gray"
            Grey-scale colormap.

        title : str, default=None
            Figure title; see :meth:`plot`.

        im_kw : dict, default=None
            Keywords passed to :meth:`matplotlib.axes.Axes.imshow`.

        Returns
        -------
        display : MisclassifiedDisplay

        See Also
        --------
        MisclassifiedDisplay.from_estimator : Predict, then show mistakes.

        Examples
        --------
        >>> import numpy as np
        >>> from skdigits.plotting import MisclassifiedDisplay
        >>> X = np.zeros((4, 8, 8))
        >>> disp = MisclassifiedDisplay.from_predictions(
        ...     [1, 2, 3, 4], [1, 3, 3, 9], X, y_proba=[0.9, 0.6, 0.8, 0.99]
        ... )
        >>> disp.indices_.tolist()
        [3, 1]
        >>> disp.figure_  # doctest: +SKIP
        """
        if order not in _ORDERS:
            raise ValueError(f"order must be one of {_ORDERS}; got {order!r}.")
        if n_images is not None and n_images < 0:
            raise ValueError(f"n_images must be >= 0 or None; got {n_images}.")
        y_true = np.asarray(y_true)
        y_pred = np.asarray(y_pred)
        images = as_images(X, image_shape)
        n_samples = y_true.shape[0]
        if y_pred.shape[0] != n_samples or images.shape[0] != n_samples:
            raise ValueError(
                f"y_true, y_pred and X have {n_samples}, {y_pred.shape[0]} and "
                f"{images.shape[0]} samples; they must match."
            )
        proba = None
        if y_proba is not None:
            y_proba = np.asarray(y_proba, dtype=float)
            if y_proba.ndim == 2 and labels is None:
                labels = unique_labels(y_true, y_pred)
            proba = _proba_of_prediction(y_proba, y_pred, labels)

        wrong = np.flatnonzero(y_true != y_pred)
        if order == "confidence" and proba is not None:
            # Stable, so equally confident mistakes stay in sample order.
            wrong = wrong[np.argsort(-proba[wrong], kind="stable")]
        shown = wrong if n_images is None else wrong[:n_images]

        disp = cls(
            images[shown],
            y_true[shown],
            y_pred[shown],
            y_proba=None if proba is None else proba[shown],
            indices=shown,
            n_errors=wrong.shape[0],
            n_samples=n_samples,
        )
        return disp.plot(ax=ax, ncols=ncols, cmap=cmap, title=title, im_kw=im_kw)

    @classmethod
    def from_estimator(
        cls,
        estimator: Any,
        X: ArrayLike,
        y: ArrayLike,
        *,
        n_images: int | None = 10,
        order: str = "confidence",
        image_shape: tuple[int, int] | None = None,
        ax: Sequence[Axes] | np.ndarray | None = None,
        ncols: int | None = None,
        cmap: Any = "gray",
        title: str | None = None,
        im_kw: dict[str, Any] | None = None,
    ) -> MisclassifiedDisplay:
        """Predict `X` and show the samples the estimator got wrong.

        Parameters
        ----------
        estimator : estimator instance
            Fitted classifier or :class:`~sklearn.pipeline.Pipeline` ending in
            one. ``predict_proba`` is used for the confidences when available,
            with the estimator's ``classes_`` naming its columns.

        X : array-like of shape (n_samples, n_pixels) or \
                (n_samples, height, width)
            The images, as the estimator takes them. They are also what is
            shown, so for a Pipeline the raw (unscaled) digits appear.

        y : array-like of shape (n_samples,)
            True labels.

        n_images : int or None, default=10
            Show at most this many mistakes; None shows all of them.

        order : {"confidence", "index"}, default="confidence"
            Most confident mistakes first, or sample order.

        image_shape : tuple of (int, int), default=None
            (height, width) of flat rows; guessed for square images.

        ax : array-like of matplotlib Axes, default=None
            At least one axes per shown image. If `None`, a new figure is
            created.

        ncols : int, default=None
            Number of columns of a new grid; see :meth:`plot`.

        cmap : str or matplotlib Colormap, default="gray"
            Grey-scale colormap.

        title : str, default=None
            Figure title; see :meth:`plot`.

        im_kw : dict, default=None
            Keywords passed to :meth:`matplotlib.axes.Axes.imshow`.

        Returns
        -------
        display : MisclassifiedDisplay

        See Also
        --------
        MisclassifiedDisplay.from_predictions : Show mistakes of given
            predictions.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from sklearn.linear_model import LogisticRegression
        >>> from skdigits.plotting import MisclassifiedDisplay
        >>> X, y = load_digits(return_X_y=True)
        >>> clf = LogisticRegression(max_iter=1000).fit(X[:1000] / 16, y[:1000])
        >>> disp = MisclassifiedDisplay.from_estimator(clf, X[1000:] / 16, y[1000:])
        >>> len(disp.indices_)
        10
        >>> disp.figure_  # doctest: +SKIP
        """
        y_pred = np.asarray(estimator.predict(X))
        y_proba = labels = None
        if hasattr(estimator, "predict_proba"):
            y_proba = estimator.predict_proba(X)
            labels = estimator.classes_
        return cls.from_predictions(
            y,
            y_pred,
            X,
            y_proba=y_proba,
            labels=labels,
            n_images=n_images,
            order=order,
            image_shape=image_shape,
            ax=ax,
            ncols=ncols,
            cmap=cmap,
            title=title,
            im_kw=im_kw,
        )
