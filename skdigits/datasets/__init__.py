"""MNIST loaders, following scikit-learn's dataset conventions.

``load_*`` functions read data shipped with skdigits; ``fetch_*`` functions
find (or download) data that lives elsewhere. Both return a
:class:`~sklearn.utils.Bunch` with a ``DESCR``, or arrays with
``return_X_y=True``. Nothing here imports TensorFlow; keras is imported only
if :func:`fetch_mnist` has to download.
"""

from skdigits.datasets._base import (
    ChecksumError,
    DatasetFormatError,
    DatasetNotFoundError,
    get_data_home,
)
from skdigits.datasets._idx import read_idx
from skdigits.datasets._mnist import (
    fetch_mnist,
    fetch_mnist_or_sample,
    load_mnist_sample,
)
from skdigits.datasets._summary import DatasetSummary, SplitSummary, describe_dataset

__all__ = [
    "ChecksumError",
    "DatasetFormatError",
    "DatasetNotFoundError",
    "DatasetSummary",
    "SplitSummary",
    "describe_dataset",
    "fetch_mnist",
    "fetch_mnist_or_sample",
    "get_data_home",
    "load_mnist_sample",
    "read_idx",
]
