"""MNIST loaders and printed digits, following scikit-learn's dataset conventions.

``load_*`` functions read data shipped with skdigits; ``fetch_*`` functions
find (or download) data that lives elsewhere. Both return a
:class:`~sklearn.utils.Bunch` with a ``DESCR``, or arrays with
``return_X_y=True``. :func:`make_printed_digits` and
:func:`make_style_digits`, like scikit-learn's ``make_*`` generators, return
``X, y`` of images they render from fonts or draw from pen strokes;
:func:`render_font_digits` renders them from font files you give.
Nothing here imports TensorFlow; keras is imported only if
:func:`fetch_mnist` has to download.
"""

from skdigits._estimators.datasets._base import (
    ChecksumError,
    DatasetFormatError,
    DatasetNotFoundError,
    get_data_home,  # noqa: F401  (importable from here, not public API)
)
from skdigits._estimators.datasets._idx import read_idx  # noqa: F401  (as get_data_home)
from skdigits._estimators.datasets._mnist import (
    fetch_mnist,
    fetch_mnist_or_sample,
    load_mnist_sample,
)
from skdigits._estimators.datasets._not_digits import (
    NOT_DIGIT_FONTS,
    NOT_DIGIT_LETTERS,
    make_not_digits,
)
from skdigits._estimators.datasets._printed import (
    PRINTED_FONTS,
    make_printed_digits,
    render_font_digits,
)
from skdigits._estimators.datasets._styles import STYLE_DIGITS, make_style_digits
from skdigits._estimators.datasets._summary import (
    DatasetSummary,  # noqa: F401  (what describe_dataset returns)
    SplitSummary,  # noqa: F401
    describe_dataset,
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
