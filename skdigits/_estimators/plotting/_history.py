"""Learning curves (loss and accuracy per epoch) from a Keras-style history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from skdigits._estimators.pipeline import final_estimator
from skdigits._estimators.plotting._base import AxesArrayDisplay, plain_log_formatter

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

# (history key, panel title, y label); older Keras logged accuracy as "acc".
_PANELS = (
    (("loss",), "Loss", "Loss"),
    (("accuracy", "acc"), "Accuracy", "Accuracy"),
)


def _history_array(history: Mapping[str, Sequence[float]], key: str) -> np.ndarray:
    values = np.asarray(history[key], dtype=float)
    if values.ndim != 1:
        raise ValueError(f"history[{key!r}] must be a list of per-epoch values.")
    return values


class TrainingHistoryDisplay(AxesArrayDisplay):
    """Learning curves: loss (log scale) and accuracy per epoch.

    Two side-by-side axes show the training and, when recorded, validation
    loss on a logarithmic y axis and the accuracy, against the 1-based epoch
    number. The epoch whose weights early stopping restored is marked by a
    vertical line on both axes.

    It is recommended to create it with :meth:`from_estimator` or
    :meth:`from_history`. All parameters are stored as attributes.

    Parameters
    ----------
    history : dict of str to list of float
        Per-epoch values as in Keras' ``History.history`` (and a fitted
        ``DenseDigitClassifier``'s ``history_``): "loss" is required;
        "accuracy" (or "acc"), "val_loss" and "val_accuracy" are plotted when
        present; any other key (e.g. "learning_rate") is ignored.

    best_epoch : int, default=None
        1-based epoch whose weights were restored by early stopping, or
        None for no marker.

    estimator_name : str, default=None
        Name shown in the figure title.

    Attributes
    ----------
    axes_ : ndarray of shape (2,), dtype=matplotlib Axes
        The loss axes and the accuracy axes, in that order. It is always an
        array of two axes, also when `ax` was given.

    figure_ : matplotlib Figure
        Figure containing the curves.

    lines_ : dict of str to matplotlib Line2D
        The curve drawn for each plotted history key, e.g. "loss",
        "val_loss", "accuracy", "val_accuracy".

    best_epoch_lines_ : list of matplotlib Line2D or None
        The vertical markers of `best_epoch` (one per axes), or None.

    epochs_ : ndarray of shape (n_epochs,)
        The x values, 1 to `n_epochs`.

    See Also
    --------
    ConfusionMatrixDisplay : Where the fitted model goes wrong.

    Notes
    -----
    Loss values that are not positive cannot be shown on the log axis and
    are clipped. When the history holds no accuracy, the right axes says so
    instead of showing curves.

    The figure is drawn in seaborn's "whitegrid" style, applied only while
    plotting (matplotlib's global settings are left alone).

    Examples
    --------
    >>> from skdigits.plotting import TrainingHistoryDisplay
    >>> history = {
    ...     "loss": [0.9, 0.5, 0.3, 0.25],
    ...     "accuracy": [0.7, 0.85, 0.9, 0.92],
    ...     "val_loss": [0.6, 0.4, 0.35, 0.38],
    ...     "val_accuracy": [0.8, 0.88, 0.9, 0.89],
    ... }
    >>> disp = TrainingHistoryDisplay.from_history(history, best_epoch=3)
    >>> disp.epochs_.tolist()
    [1, 2, 3, 4]
    >>> sorted(disp.lines_)
    ['accuracy', 'loss', 'val_accuracy', 'val_loss']
    >>> disp.figure_  # doctest: +SKIP
    """

    def __init__(
        self,
        history: Mapping[str, Sequence[float]],
        *,
        best_epoch: int | None = None,
        estimator_name: str | None = None,
    ) -> None:
        self.history = history
        self.best_epoch = best_epoch
        self.estimator_name = estimator_name

    def plot(
        self,
        ax: Sequence[Axes] | np.ndarray | None = None,
        *,
        log_loss: bool = True,
        title: str | None = None,
    ) -> TrainingHistoryDisplay:
        """Plot the learning curves.

        Parameters
        ----------
        ax : array-like of 2 matplotlib Axes, default=None
            The axes for the loss and for the accuracy. If `None`, a new
            figure with two side-by-side axes is created.

        log_loss : bool, default=True
            Use a logarithmic y axis for the loss.

        title : str, default=None
            Figure title. If `None`, "Training history" followed by
            `estimator_name` when set. Pass "" for no title.

        Returns
        -------
        display : TrainingHistoryDisplay
            The display, with `axes_`, `figure_`, `lines_`,
            `best_epoch_lines_` and `epochs_` set.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> from skdigits.plotting import TrainingHistoryDisplay
        >>> disp = TrainingHistoryDisplay({"loss": [0.7, 0.3, 0.2]}, best_epoch=2)
        >>> fig, axes = plt.subplots(1, 2)
        >>> disp = disp.plot(ax=axes, log_loss=False, title="")
        >>> disp.axes_[0].get_yscale(), len(disp.best_epoch_lines_)
        ('linear', 2)
        """
        import matplotlib.pyplot as plt
        import seaborn as sns
        from matplotlib.ticker import MaxNLocator

        history = self.history
        if "loss" not in history:
            raise ValueError(
                "history has no 'loss' key; got keys "
                f"{sorted(history)}. Expected a Keras History.history dict."
            )
        n_epochs = len(_history_array(history, "loss"))
        if n_epochs == 0:
            raise ValueError("history['loss'] is empty: nothing to plot.")
        best_epoch = self.best_epoch
        if best_epoch is not None and not 1 <= best_epoch <= n_epochs:
            raise ValueError(
                f"best_epoch={best_epoch} is outside the {n_epochs} recorded "
                "epochs (it is 1-based)."
            )
        epochs = np.arange(1, n_epochs + 1)

        if ax is not None:
            axes = np.asarray(ax, dtype=object).ravel()
            if axes.size != 2:
                raise ValueError(
                    "ax must hold exactly 2 axes (loss, accuracy); got "
                    f"{axes.size}. Use e.g. plt.subplots(1, 2)."
                )

        # The style applies to what is created inside the block only, so the
        # caller's rcParams survive.
        with sns.axes_style("whitegrid"):
            own_figure = ax is None
            if own_figure:
                fig, axes = plt.subplots(
                    1, 2, figsize=(10.0, 4.4), layout="constrained"
                )
                axes = np.asarray(axes, dtype=object)
            else:
                fig = axes[0].figure

            self.lines_ = {}
            for panel_ax, (keys, panel_title, ylabel) in zip(
                axes, _PANELS, strict=True
            ):
                key = next((k for k in keys if k in history), None)
                panel_ax.set_title(panel_title)
                panel_ax.set_xlabel("Epoch")
                if key is None:
                    panel_ax.text(
                        0.5,
                        0.5,
                        f"no {panel_title.lower()} recorded",
                        ha="center",
                        va="center",
                        transform=panel_ax.transAxes,
                        color="0.4",
                    )
                    panel_ax.set(xticks=[], yticks=[])
                    continue
                for name, label, style, color in (
                    (key, "train", "-", "C0"),
                    (f"val_{key}", "validation", "--", "C1"),
                    # The notebook watched the test set per epoch; the CLI
                    # records it as test_* (monitoring only, never selection).
                    (f"test_{key}", "test", ":", "C2"),
                ):
                    if name not in history:
                        continue
                    values = _history_array(history, name)
                    if len(values) != n_epochs:
                        raise ValueError(
                            f"history[{name!r}] has {len(values)} values but "
                            f"history['loss'] has {n_epochs}."
                        )
                    # Markers only when few enough epochs to tell them apart.
                    marker = "o" if n_epochs <= 20 else None
                    (self.lines_[name],) = panel_ax.plot(
                        epochs,
                        values,
                        linestyle=style,
                        color=color,
                        marker=marker,
                        markersize=4,
                        linewidth=1.8,
                        label=label,
                    )
                if key == "loss" and log_loss:
                    panel_ax.set_yscale("log")
                    # Losses span about a decade: label in plain decimals
                    # (0.4, 0.2, 0.1) including minor ticks, not 4x10^-1.
                    panel_ax.yaxis.set_major_formatter(plain_log_formatter())
                    panel_ax.yaxis.set_minor_formatter(plain_log_formatter())
                    ylabel = f"{ylabel} (log scale)"
                panel_ax.set_ylabel(ylabel)
                # Epochs are whole numbers (ticks on 1, 2, 5 multiples); pad by
                # half an epoch so the end points are not glued to the frame.
                panel_ax.xaxis.set_major_locator(
                    MaxNLocator(integer=True, steps=[1, 2, 5, 10])
                )
                panel_ax.set_xlim(0.5, n_epochs + 0.5)

            self.best_epoch_lines_ = None
            if best_epoch is not None:
                self.best_epoch_lines_ = [
                    panel_ax.axvline(
                        best_epoch,
                        color="0.3",
                        linestyle=":",
                        linewidth=1.5,
                        label=f"restored weights (epoch {best_epoch})",
                        zorder=1,
                    )
                    for panel_ax in axes
                ]
            if own_figure:
                # One legend for both panels, below them: the curves of a
                # 30-epoch run fill every corner of the axes.
                entries: dict[str, Any] = {}
                for panel_ax in axes:
                    handles, labels = panel_ax.get_legend_handles_labels()
                    for handle, label in zip(handles, labels, strict=True):
                        entries.setdefault(label, handle)
                if entries:
                    fig.legend(
                        entries.values(),
                        entries.keys(),
                        loc="outside lower center",
                        ncols=len(entries),
                        frameon=False,
                    )
            else:
                for panel_ax in axes:
                    if panel_ax.get_legend_handles_labels()[0]:
                        panel_ax.legend(loc="best")

            if title is None:
                title = "Training history"
                if self.estimator_name:
                    title += f" of {self.estimator_name}"
            if title:
                fig.suptitle(title, fontsize="x-large")

        self.epochs_ = epochs
        self.axes_ = axes
        self.figure_ = fig
        return self

    @classmethod
    def from_history(
        cls,
        history: Mapping[str, Sequence[float]],
        *,
        best_epoch: int | None = None,
        estimator_name: str | None = None,
        ax: Sequence[Axes] | np.ndarray | None = None,
        log_loss: bool = True,
        title: str | None = None,
    ) -> TrainingHistoryDisplay:
        """Plot learning curves from a Keras-style history dict.

        Parameters
        ----------
        history : dict of str to list of float
            Per-epoch values, e.g. ``keras.callbacks.History.history``.

        best_epoch : int, default=None
            1-based epoch to mark as restored by early stopping.

        estimator_name : str, default=None
            Name shown in the figure title.

        ax : array-like of 2 matplotlib Axes, default=None
            The axes for the loss and for the accuracy. If `None`, a new
            figure is created.

        log_loss : bool, default=True
            Use a logarithmic y axis for the loss.

        title : str, default=None
            Figure title; see :meth:`plot`.

        Returns
        -------
        display : TrainingHistoryDisplay

        See Also
        --------
        TrainingHistoryDisplay.from_estimator : Plot a fitted classifier's
            history.

        Examples
        --------
        >>> from skdigits.plotting import TrainingHistoryDisplay
        >>> disp = TrainingHistoryDisplay.from_history(
        ...     {"loss": [1.0, 0.5, 0.4], "accuracy": [0.6, 0.8, 0.85]}
        ... )
        >>> disp.axes_.shape
        (2,)
        >>> disp.figure_  # doctest: +SKIP
        """
        disp = cls(history, best_epoch=best_epoch, estimator_name=estimator_name)
        return disp.plot(ax=ax, log_loss=log_loss, title=title)

    @classmethod
    def from_estimator(
        cls,
        estimator: Any,
        *,
        ax: Sequence[Axes] | np.ndarray | None = None,
        log_loss: bool = True,
        title: str | None = None,
    ) -> TrainingHistoryDisplay:
        """Plot the learning curves of a fitted classifier.

        Parameters
        ----------
        estimator : estimator instance
            A fitted estimator with a ``history_`` dict (and optionally
            ``best_epoch_``), such as ``DenseDigitClassifier``, or a
            :class:`~sklearn.pipeline.Pipeline` (or a search such as
            :class:`~sklearn.model_selection.GridSearchCV`) ending in one.

        ax : array-like of 2 matplotlib Axes, default=None
            The axes for the loss and for the accuracy. If `None`, a new
            figure is created.

        log_loss : bool, default=True
            Use a logarithmic y axis for the loss.

        title : str, default=None
            Figure title; see :meth:`plot`.

        Returns
        -------
        display : TrainingHistoryDisplay

        See Also
        --------
        TrainingHistoryDisplay.from_history : Plot a history dict.

        Examples
        --------
        >>> from types import SimpleNamespace
        >>> from skdigits.plotting import TrainingHistoryDisplay
        >>> fitted = SimpleNamespace(  # stands in for a fitted classifier
        ...     history_={"loss": [0.8, 0.4, 0.3], "val_loss": [0.6, 0.5, 0.55]},
        ...     best_epoch_=2,
        ... )
        >>> disp = TrainingHistoryDisplay.from_estimator(fitted)
        >>> disp.best_epoch
        2
        >>> disp.figure_  # doctest: +SKIP
        """
        final = final_estimator(estimator)
        history = getattr(final, "history_", None)
        if history is None:
            raise ValueError(
                f"{type(final).__name__} has no history_: fit it first, or use "
                "an estimator that records per-epoch training history (e.g. "
                "skdigits.DenseDigitClassifier)."
            )
        disp = cls(
            history,
            best_epoch=getattr(final, "best_epoch_", None),
            estimator_name=type(final).__name__,
        )
        return disp.plot(ax=ax, log_loss=log_loss, title=title)
