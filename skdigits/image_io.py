"""Read digit pictures and prepare them the way MNIST was made.

:func:`prepare_digit` turns one picture into a 28x28 MNIST-style digit;
:func:`read_digits` reads PNG or JPEG files, folders of them and ``.npy``
arrays and prepares every digit, with a :class:`DigitSource` for each.
Both raise :class:`ImageReadError` for what is not a readable digit.
Nothing here imports TensorFlow.
"""

from skdigits._prediction.paper import ImageReadError
from skdigits._prediction.preparation import prepare_digit
from skdigits._prediction.reading import DigitSource, read_digits

__all__ = [
    "DigitSource",
    "ImageReadError",
    "prepare_digit",
    "read_digits",
]
