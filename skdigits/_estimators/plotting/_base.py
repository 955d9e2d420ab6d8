"""Helpers shared by the displays: turning feature rows back into images and
laying out image grids.

matplotlib (and seaborn) are imported inside the functions so that
``import skdigits.plotting`` stays cheap.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


class AxesArrayDisplay:
    """Base of the displays that draw on several Axes, kept in ``axes_``.

    scikit-learn keeps one Axes in ``ax_`` and an array of them in ``axes_``
    (``PartialDependenceDisplay``); these displays draw on several, so they
    set ``axes_`` and ``figure_``.
    """


# Height, in inches, of one title line on an image panel; panels grow by this
# much per line so titles never run into the image above them.
_TITLE_LINE_HEIGHT = 0.22


def as_images(X: ArrayLike, image_shape: tuple[int, int] | None = None) -> np.ndarray:
    """Return ``X`` as an array of 2-D images of shape (n_samples, h, w).

    Flat rows of ``d`` pixels are reshaped to ``image_shape``, or to a square
    when ``d`` is a perfect square (784 -> 28x28, load_digits' 64 -> 8x8).
    Image stacks (n, h, w) and single-channel stacks (n, h, w, 1) pass through.
    """
    X = np.asarray(X)
    if X.ndim == 4 and X.shape[-1] == 1:
        X = X[..., 0]
    if X.ndim == 3:
        if image_shape is not None and tuple(X.shape[1:]) != tuple(image_shape):
            raise ValueError(
                f"X holds images of shape {X.shape[1:]}, which does not match "
                f"image_shape={tuple(image_shape)}."
            )
        return X
    if X.ndim != 2:
        raise ValueError(
            "X must be flat (n_samples, n_pixels) or images (n_samples, height, "
            f"width); got an array of shape {X.shape}."
        )
    n_pixels = X.shape[1]
    if image_shape is None:
        side = math.isqrt(n_pixels)
        if side * side != n_pixels:
            raise ValueError(
                f"Cannot guess the image shape of {n_pixels} pixels per sample; "
                "pass image_shape=(height, width)."
            )
        image_shape = (side, side)
    height, width = image_shape
    if height * width != n_pixels:
        raise ValueError(
            f"image_shape={tuple(image_shape)} holds {height * width} pixels but "
            f"X has {n_pixels} features per sample."
        )
    return X.reshape(X.shape[0], height, width)


def pixel_range(images: np.ndarray) -> tuple[float, float]:
    """Colour limits shared by all panels, so brightness is comparable.

    uint8 pixels span 0-255 and floats in [0, 1] span 0-1 whatever the few
    shown images hold; anything else (e.g. load_digits' 0-16) uses its range.
    """
    if images.size == 0:
        return 0.0, 1.0
    if images.dtype == np.uint8:
        return 0.0, 255.0
    low, high = float(np.nanmin(images)), float(np.nanmax(images))
    if low >= 0 and high <= 1:
        return 0.0, 1.0
    low = min(low, 0.0)
    return low, high if high > low else low + 1.0


def image_grid(
    n_panels: int,
    ax: Any,
    *,
    ncols: int | None,
    title_lines: int,
    owner: str,
) -> tuple[Figure, np.ndarray]:
    """Return ``(figure, flat array of axes)`` with room for ``n_panels``.

    A new constrained-layout figure is made when ``ax`` is None, sized so each
    panel is about 1.6 inches wide plus room for its title lines. A given
    ``ax`` must hold at least ``n_panels`` axes; the spare ones are hidden.
    """
    import matplotlib.pyplot as plt

    n_panels = max(n_panels, 1)
    if ax is None:
        if ncols is None:
            ncols = min(n_panels, 5)
        ncols = max(1, min(int(ncols), n_panels))
        nrows = math.ceil(n_panels / ncols)
        panel = 1.6
        figsize = (
            max(panel * ncols, 3.2),
            nrows * (panel + title_lines * _TITLE_LINE_HEIGHT) + 0.5,
        )
        fig, axes = plt.subplots(
            nrows, ncols, figsize=figsize, layout="constrained", squeeze=False
        )
        axes = axes.ravel()
    else:
        axes = np.asarray(ax, dtype=object).ravel()
        if axes.size < n_panels:
            raise ValueError(
                f"{owner} needs {n_panels} axes but ax holds {axes.size}; pass "
                "ax=None to make a new figure."
            )
        fig = axes[0].figure
    for extra in axes[n_panels:]:
        extra.set_axis_off()
    return fig, axes


def show_image(ax: Axes, image: np.ndarray, title: str, **im_kw: Any) -> Any:
    """Draw one grey-scale digit without ticks and return its AxesImage."""
    im = ax.imshow(image, **im_kw)
    # No ticks (pixel coordinates mean nothing here) but keep a thin frame so
    # black digits on white paper still read as separate panels.
    ax.set(xticks=[], yticks=[])
    ax.set_title(title, fontsize="medium")
    return im


def plain_log_formatter() -> Any:
    """Tick labels for a log axis in plain decimals (0.05, 0.1, 0.2, 1, 10).

    matplotlib labels log axes as 10^k and, below 1, as "4e-01"; for losses
    and counts that span a few decades plain numbers at 1-2-5 steps read
    better. Wider ranges (over 3 decades) label powers of ten only, so the
    labels never crowd. Use it as both the major and the minor formatter.
    """
    from matplotlib.ticker import Formatter

    class _PlainLogFormatter(Formatter):
        def __call__(self, x: float, pos: int | None = None) -> str:
            if not x > 0:
                return ""
            vmin, vmax = sorted(self.axis.get_view_interval())
            wide = vmin > 0 and math.log10(vmax / vmin) > 3
            exponent = math.floor(math.log10(x) + 1e-9)
            mantissa = x / 10.0**exponent
            keep = (1,) if wide else (1, 2, 5)
            if any(math.isclose(mantissa, m, rel_tol=1e-6) for m in keep):
                return f"{x:g}"
            return ""

    return _PlainLogFormatter()
