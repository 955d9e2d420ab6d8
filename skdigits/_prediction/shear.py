"""Moment-based deskewing in NumPy alone.

The arithmetic of :class:`skdigits.Deskew`, here so that
:mod:`skdigits.inference` deskews exactly as the fitted pipeline did without
importing scikit-learn.
"""

from __future__ import annotations

import numpy as np


def deskew_images(images: np.ndarray, max_shear: float = 1.0) -> np.ndarray:
    """Shear every image so that its ink has no slant.

    The slant of an image is ``cov(row, column) / var(row)`` of its pixel
    intensities: how far the ink moves right per row downwards. Each row is
    shifted sideways by that amount times its distance from the centre of
    mass (linear interpolation between pixels), so rows keep their place
    and the centre of mass stays where it was.

    Parameters
    ----------
    images : ndarray of shape (n_images, height, width)
        Non-negative intensities; an empty (all-zero) image is left as it is.
    max_shear : float, default=1.0
        Largest shear applied (1.0 is 45 degrees), so that a stroke that is
        mostly horizontal is not torn apart.

    Returns
    -------
    straight : ndarray of shape (n_images, height, width), dtype float32
        The sheared images. Ink shifted past the left or right edge is lost.

    Examples
    --------
    An italic bar, one pixel further right on every row up, is stood up:

    >>> import numpy as np
    >>> from skdigits._prediction.shear import deskew_images
    >>> bar = np.zeros((1, 5, 5))
    >>> for row in range(5):
    ...     bar[0, row, 4 - row] = 1.0
    >>> deskew_images(bar)[0].round(2)
    array([[0., 0., 1., 0., 0.],
           [0., 0., 1., 0., 0.],
           [0., 0., 1., 0., 0.],
           [0., 0., 1., 0., 0.],
           [0., 0., 1., 0., 0.]], dtype=float32)
    """
    images = np.asarray(images, dtype=np.float32)
    _, height, width = images.shape
    rows = np.arange(height, dtype=np.float32)[None, :, None]
    cols = np.arange(width, dtype=np.float32)[None, None, :]
    total = images.sum(axis=(1, 2), keepdims=True)
    total = np.where(total > 0, total, 1)
    row_mean = (images * rows).sum(axis=(1, 2), keepdims=True) / total
    col_mean = (images * cols).sum(axis=(1, 2), keepdims=True) / total
    centred = rows - row_mean
    row_var = (images * centred**2).sum(axis=(1, 2), keepdims=True) / total
    covariance = (images * centred * (cols - col_mean)).sum(
        axis=(1, 2), keepdims=True
    ) / total
    # One row (or an empty image) has no slant to measure.
    slant = np.where(row_var > 0, covariance / np.where(row_var > 0, row_var, 1), 0)
    slant = np.clip(slant, -max_shear, max_shear)
    # Each output pixel reads the input of its row at this column.
    source = cols + slant * centred
    left = np.floor(source)
    weight = source - left
    left = left.astype(np.intp)

    def read(column: np.ndarray) -> np.ndarray:
        inside = (column >= 0) & (column < width)
        picked = np.take_along_axis(images, np.clip(column, 0, width - 1), axis=2)
        return np.where(inside, picked, 0)

    return (read(left) * (1 - weight) + read(left + 1) * weight).astype(np.float32)
