"""One random sample image per class."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils import check_random_state

from skdigits._estimators.plotting._base import (
    AxesArrayDisplay,
    as_images,
    image_grid,
    pixel_range,
    show_image,
)
from skdigits._prediction.formatting import plain

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes


class DigitGalleryDisplay(AxesArrayDisplay):
    """A gallery of digit images, each titled with its label.

    :meth:`from_data` shows one randomly chosen sample of every class, like
    the first figure of the classic Keras MNIST notebook.

    Parameters
    ----------
    images : array-like of shape (n_images, height, width) or (n_images, n_pixels)
        The images to show. Flat rows are reshaped as in :meth:`from_data`.

    labels : array-like of shape (n_images,)
        The label of each image, shown as its title.

    indices : array-like of shape (n_images,), default=None
        Where each image sits in the data it was drawn from; recorded as
        `indices_`. If None, positions in `images` are recorded.

    image_shape : tuple of (int, int), default=None
        (height, width) of flat `images`; guessed for square images.

    Attributes
    ----------
    indices_ : ndarray of shape (n_images,)
        Indices of the shown samples in the `X` given to :meth:`from_data`,
        in panel order.

    axes_ : ndarray of matplotlib Axes
        All axes of the grid, flattened row by row; spare axes are hidden.

    figure_ : matplotlib Figure
        Figure containing the gallery.

    im_ : list of matplotlib AxesImage
        One image per shown sample.

    See Also
    --------
    MisclassifiedDisplay : The images a classifier got wrong.

    Notes
    -----
    All panels share one grey-scale range (0-255 for uint8 pixels, 0-1 for
    floats in [0, 1], the data's range otherwise) so brightness compares
    across panels.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skdigits.plotting import DigitGalleryDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> disp = DigitGalleryDisplay.from_data(X, y, random_state=0)
    >>> y[disp.indices_].tolist()
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    >>> disp.figure_  # doctest: +SKIP
    """

    def __init__(
        self,
        images: ArrayLike,
        labels: ArrayLike,
        *,
        indices: ArrayLike | None = None,
        image_shape: tuple[int, int] | None = None,
    ) -> None:
        self.images = images
        self.labels = labels
        self.indices = indices
        self.image_shape = image_shape

    def plot(
        self,
        ax: Sequence[Axes] | np.ndarray | None = None,
        *,
        ncols: int | None = None,
        cmap: Any = "gray",
        title: str | None = None,
        im_kw: dict[str, Any] | None = None,
    ) -> DigitGalleryDisplay:
        """Plot the gallery.

        Parameters
        ----------
        ax : array-like of matplotlib Axes, default=None
            At least one axes per image; spare axes are hidden. If `None`, a
            new figure with a grid of `ncols` columns is created.

        ncols : int, default=None
            Number of columns of a new grid; by default up to 5, so ten
            classes show as two readable rows.

        cmap : str or matplotlib Colormap, default="gray"
            Grey-scale colormap; "gray" draws white digits on black as in
            the notebook, "gray_r" black on white.

        title : str, default=None
            Figure title. If `None`, "One random sample per class". Pass ""
            for no title.

        im_kw : dict, default=None
            Keywords passed to :meth:`matplotlib.axes.Axes.imshow`.

        Returns
        -------
        display : DigitGalleryDisplay
            The display, with `axes_`, `figure_`, `im_` and `indices_` set.

        Examples
        --------
        >>> import numpy as np
        >>> from skdigits.plotting import DigitGalleryDisplay
        >>> images = np.zeros((3, 28, 28), dtype=np.uint8)
        >>> disp = DigitGalleryDisplay(images, [7, 2, 1]).plot(ncols=3, cmap="gray_r")
        >>> [ax.get_title() for ax in disp.axes_]
        ['label 7', 'label 2', 'label 1']
        """
        images = as_images(self.images, self.image_shape)
        labels = np.asarray(self.labels)
        if labels.shape[0] != images.shape[0]:
            raise ValueError(
                f"Got {images.shape[0]} images but {labels.shape[0]} labels."
            )
        n_images = images.shape[0]
        fig, axes = image_grid(
            n_images, ax, ncols=ncols, title_lines=1, owner=type(self).__name__
        )
        vmin, vmax = pixel_range(images)
        im_kw = {"cmap": cmap, "vmin": vmin, "vmax": vmax, **(im_kw or {})}
        self.im_ = [
            show_image(panel_ax, image, f"label {plain(label)}", **im_kw)
            for panel_ax, image, label in zip(axes, images, labels, strict=False)
        ]
        if n_images == 0:
            axes[0].set_axis_off()
            axes[0].text(0.5, 0.5, "no images", ha="center", va="center")
        if title is None:
            title = "One random sample per class"
        if title:
            fig.suptitle(title, fontsize="large")

        if self.indices is None:
            self.indices_ = np.arange(n_images)
        else:
            self.indices_ = np.asarray(self.indices)
        self.axes_ = axes
        self.figure_ = fig
        return self

    @classmethod
    def from_data(
        cls,
        X: ArrayLike,
        y: ArrayLike,
        *,
        random_state: int | np.random.RandomState | None = None,
        image_shape: tuple[int, int] | None = None,
        ax: Sequence[Axes] | np.ndarray | None = None,
        ncols: int | None = None,
        cmap: Any = "gray",
        title: str | None = None,
        im_kw: dict[str, Any] | None = None,
    ) -> DigitGalleryDisplay:
        """Show one random sample of each class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or \
                (n_samples, height, width)
            Images, flat or not; uint8 0-255 or floats.

        y : array-like of shape (n_samples,)
            Labels. Classes are shown in sorted order.

        random_state : int, RandomState instance or None, default=None
            Controls which sample of each class is drawn. Pass an int for
            the same gallery on every call.

        image_shape : tuple of (int, int), default=None
            (height, width) of flat rows. If None, rows of a square number
            of pixels are made square (784 -> 28x28, 64 -> 8x8).

        ax : array-like of matplotlib Axes, default=None
            At least one axes per class. If `None`, a new figure is created.

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
        display : DigitGalleryDisplay

        Examples
        --------
        >>> import numpy as np
        >>> from skdigits.plotting import DigitGalleryDisplay
        >>> X = np.zeros((6, 28, 28), dtype=np.uint8)
        >>> y = np.array(["a", "b", "a", "c", "b", "c"])
        >>> disp = DigitGalleryDisplay.from_data(X, y, random_state=1)
        >>> y[disp.indices_].tolist()
        ['a', 'b', 'c']
        >>> disp.figure_  # doctest: +SKIP
        """
        images = as_images(X, image_shape)
        y = np.asarray(y)
        if y.shape[0] != images.shape[0]:
            raise ValueError(f"X has {images.shape[0]} samples but y has {y.shape[0]}.")
        rng = check_random_state(random_state)
        classes = np.unique(y)
        indices = np.array(
            [rng.choice(np.flatnonzero(y == label)) for label in classes], dtype=int
        )
        disp = cls(images[indices], classes, indices=indices)
        return disp.plot(ax=ax, ncols=ncols, cmap=cmap, title=title, im_kw=im_kw)
