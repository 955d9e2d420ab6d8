"""MNIST loaders and printed digits, following scikit-learn's dataset conventions.

``load_*`` functions read data shipped with skdigits; ``fetch_*`` functions
find (or download) data that lives elsewhere. Both return a
:class:`~sklearn.utils.Bunch` with a ``DESCR``, or arrays with
``return_X_y=True``. :func:`make_printed_digits`, like scikit-learn's
``make_*`` generators, returns ``X, y`` of images it renders from fonts;
:func:`make_not_digits` returns pictures that are none of the digits.
Nothing here imports TensorFlow; keras is imported only if
:func:`fetch_mnist` has to download.
"""

from skdigits._estimators.datasets import (
    NOT_DIGIT_FONTS,
    NOT_DIGIT_LETTERS,
    PRINTED_FONTS,
    STYLE_DIGITS,
    ChecksumError,
    DatasetFormatError,
    DatasetNotFoundError,
    describe_dataset,
    fetch_mnist,
    fetch_mnist_or_sample,
    load_mnist_sample,
    make_not_digits,
    make_printed_digits,
    make_style_digits,
    render_font_digits,
)

__all__ = [
    "NOT_DIGIT_FONTS",
    "NOT_DIGIT_LETTERS",
    "PRINTED_FONTS",
    "STYLE_DIGITS",
    "ChecksumError",
    "DatasetFormatError",
    "DatasetNotFoundError",
    "describe_dataset",
    "fetch_mnist",
    "fetch_mnist_or_sample",
    "load_mnist_sample",
    "make_not_digits",
    "make_printed_digits",
    "make_style_digits",
    "render_font_digits",
]
