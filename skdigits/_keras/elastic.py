"""Simard's elastic displacement fields, in NumPy: the bank a fit draws from.

Drawing and smoothing fresh noise for every image of every batch cost more
than the warp itself (``benchmarks/augmentation.py``), so each fit draws a
bank of :data:`FIELD_BANK_SIZE` fields once, and every image picks two.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["FIELD_BANK_SIZE", "elastic_field_bank", "gaussian_smoothing_matrix"]


def gaussian_smoothing_matrix(size: int, sigma: float) -> np.ndarray:
    """``G`` such that ``G @ v`` is ``v`` convolved with a Gaussian.

    Zero padding outside, kernel cut at 4 sigma and normalised to sum 1 over
    its full support, as ``scipy.ndimage.gaussian_filter(mode="constant")``.
    """
    radius = int(4.0 * sigma + 0.5)
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    kernel /= kernel.sum()
    index = np.arange(size)
    distance = index[:, None] - index[None, :]
    matrix = np.where(
        np.abs(distance) <= radius, kernel[np.clip(distance + radius, 0, 2 * radius)], 0
    )
    return matrix.astype(np.float32)


#: Elastic fields are drawn from a bank of this many precomputed smoothed
#: fields per fit (a fresh field per image cost more than the network's
#: train step: see the benchmark). Each image picks one field for x and
#: another for y, each with a random sign: 4 * 1024**2 combinations.
FIELD_BANK_SIZE = 1024


def elastic_field_bank(
    distortion: Any,
    image_shape: tuple[int, int],
    size: int = FIELD_BANK_SIZE,
    random_state: int | np.random.RandomState | None = None,
) -> np.ndarray:
    """``size`` elastic displacement fields, flat, in pixels.

    Each is uniform noise in [-1, 1] smoothed by a Gaussian of standard
    deviation ``elastic_sigma`` (zero padding, cut at 4 sigma, as
    ``scipy.ndimage.gaussian_filter(mode="constant")``) and multiplied by
    ``elastic_alpha``: Simard et al.'s recipe.

    Parameters
    ----------
    distortion : RandomDistortion
        Gives ``elastic_alpha`` and ``elastic_sigma``.
    image_shape : (int, int)
        ``(height, width)`` of the fields.
    size : int, default=FIELD_BANK_SIZE
        Number of fields.
    random_state : int, RandomState instance or None, default=None
        Seeds the noise.

    Returns
    -------
    ndarray of shape (size, height * width), float32
        One displacement field per row, in pixels.

    Examples
    --------
    >>> from skdigits._keras.elastic import elastic_field_bank
    >>> from skdigits.augmentation import RandomDistortion
    >>> bank = elastic_field_bank(RandomDistortion(), (28, 28), size=8, random_state=0)
    >>> bank.shape
    (8, 784)
    >>> 0.5 < float(bank.reshape(8, 28, 28)[:, 8:20, 8:20].std()) < 3
    True
    """
    height, width = image_shape
    rng = check_random_state(random_state)
    noise = rng.uniform(-1.0, 1.0, size=(size, height, width))
    g_rows = gaussian_smoothing_matrix(height, distortion.elastic_sigma)
    g_cols = gaussian_smoothing_matrix(width, distortion.elastic_sigma)
    fields = np.einsum("ij,njk,lk->nil", g_rows, noise, g_cols)
    return (distortion.elastic_alpha * fields).reshape(size, -1).astype(np.float32)
