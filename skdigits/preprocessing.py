"""Transformers for digit images: :class:`PixelScaler` (the notebook's
``X / X.max()``) and :class:`Deskew` (straightening slanted digits).
"""

from skdigits._estimators.deskew import Deskew
from skdigits._estimators.preprocessing import PixelScaler

__all__ = [
    "Deskew",
    "PixelScaler",
]
