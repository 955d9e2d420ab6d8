"""A first look at a digits data set: shapes, pixel range, class counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from skdigits._prediction.formatting import plain, text_table

__all__ = ["DatasetSummary", "SplitSummary", "describe_dataset"]


@dataclass(frozen=True)
class SplitSummary:
    """Figures for one split (e.g. train) of a data set.

    Made by :func:`describe_dataset`; all parameters are stored as
    attributes of the same name.

    Parameters
    ----------
    name : str
        The split's name, e.g. ``"train"``.
    n_samples : int
        Number of images.
    image_shape : tuple of int
        Shape of one image (or of one flat row).
    dtype : str
        Pixel dtype, e.g. ``"uint8"``.
    pixel_min, pixel_max : int or float
        Smallest and largest pixel value (None when there are no pixels).
    class_counts : dict
        Number of images per class label, in sorted label order.

    See Also
    --------
    DatasetSummary : The figures of all splits.

    Examples
    --------
    >>> from skdigits.datasets import describe_dataset, load_mnist_sample
    >>> test = describe_dataset(load_mnist_sample())["test"]
    >>> test.n_samples, test.image_shape, test.dtype
    (1000, (28, 28), 'uint8')
    >>> test.class_counts[5]
    89
    """

    name: str
    n_samples: int
    image_shape: tuple[int, ...]
    dtype: str
    pixel_min: int | float | None
    pixel_max: int | float | None
    class_counts: dict[Any, int]


@dataclass(frozen=True)
class DatasetSummary:
    """Figures of a data set, per split; ``str()`` gives a readable table.

    Made by :func:`describe_dataset`; all parameters are stored as
    attributes of the same name.

    Parameters
    ----------
    splits : tuple of SplitSummary
        One entry per split, e.g. train then test.
    title : str
        First line of the text form.
    source : str or None
        Where the data came from, if known.

    See Also
    --------
    describe_dataset : Makes it.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits.datasets import describe_dataset
    >>> X = np.zeros((3, 8, 8), dtype=np.uint8)
    >>> summary = describe_dataset((X, np.array([1, 0, 1])), title="Tiny")
    >>> summary.classes, summary["data"].class_counts
    ([0, 1], {0: 1, 1: 2})
    >>> print(summary)
    Tiny
    <BLANKLINE>
    split  images  image shape  dtype  pixel min  pixel max
    data        3  8x8          uint8          0          0
    <BLANKLINE>
    class  data
    0         1
    1         2
    total     3
    """

    splits: tuple[SplitSummary, ...]
    title: str = "Dataset summary"
    source: str | None = None

    def __getitem__(self, name: str) -> SplitSummary:
        """The split called ``name``, e.g. ``summary["train"]``.

        Parameters
        ----------
        name : str
            The split's name.

        Returns
        -------
        split : SplitSummary
            Its figures.
        """
        for split in self.splits:
            if split.name == name:
                return split
        raise KeyError(name)

    @property
    def classes(self) -> list[Any]:
        """All class labels seen in any split, sorted.

        Returns
        -------
        classes : list
            The labels, each once.

        Examples
        --------
        >>> from skdigits.datasets import describe_dataset, load_mnist_sample
        >>> describe_dataset(load_mnist_sample()).classes
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
        """
        return sorted({label for s in self.splits for label in s.class_counts})

    def to_text(self) -> str:
        """The figures as a compact plain-text report.

        Returns
        -------
        text : str
            The title, the source if known, a table of the splits and a
            table of the class counts per split; what ``str()`` gives.

        Examples
        --------
        >>> from skdigits.datasets import describe_dataset, load_mnist_sample
        >>> text = describe_dataset(load_mnist_sample()).to_text()
        >>> text.splitlines()[0]
        'Dataset summary'
        """
        lines = [self.title]
        if self.source:
            lines.append(f"source: {self.source}")
        lines.append("")
        rows = [("split", "images", "image shape", "dtype", "pixel min", "pixel max")]
        for s in self.splits:
            rows.append(
                (
                    s.name,
                    str(s.n_samples),
                    "x".join(map(str, s.image_shape)),
                    s.dtype,
                    str(s.pixel_min),
                    str(s.pixel_max),
                )
            )
        lines += text_table(rows, left=(0, 2, 3)).splitlines()
        lines.append("")
        counts = [("class", *(s.name for s in self.splits))]
        for label in self.classes:
            counts.append(
                (str(label), *(str(s.class_counts.get(label, 0)) for s in self.splits))
            )
        counts.append(("total", *(str(s.n_samples) for s in self.splits)))
        lines += text_table(counts, left=(0,)).splitlines()
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()


def _summarize_split(name: str, X: Any, y: Any) -> SplitSummary:
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim < 2:
        raise ValueError(
            f"{name}: expected images (n, height, width) or flat rows "
            f"(n, n_pixels), got shape {X.shape}."
        )
    if y.ndim != 1 or len(y) != len(X):
        raise ValueError(
            f"{name}: expected one label per image ({len(X)}), got labels of "
            f"shape {y.shape}."
        )
    labels, counts = np.unique(y, return_counts=True)
    return SplitSummary(
        name=name,
        n_samples=len(X),
        image_shape=tuple(X.shape[1:]),
        dtype=str(X.dtype),
        pixel_min=plain(X.min()) if X.size else None,
        pixel_max=plain(X.max()) if X.size else None,
        class_counts={
            plain(label): int(count)
            for label, count in zip(labels, counts, strict=True)
        },
    )


def describe_dataset(data: Any, *, title: str | None = None) -> DatasetSummary:
    """Summarize a digits data set: shapes, dtype, pixel range, class counts.

    This is the first look at the data: how many images per split, their
    shape and dtype, the range of pixel values (which tells how to scale
    them) and how many images each class has (to spot imbalance).

    Parameters
    ----------
    data : Bunch, mapping or tuple
        A Bunch or mapping with ``X_train``, ``y_train``, ``X_test`` and
        ``y_test`` (as returned by :func:`fetch_mnist` and
        :func:`load_mnist_sample`); the tuple ``(X_train, y_train, X_test,
        y_test)`` (as given with ``return_X_y=True``); or one split
        ``(X, y)``.

    title : str or None, default=None
        First line of the text form. By default, ``"Dataset summary"``.

    Returns
    -------
    summary : DatasetSummary
        The figures, per split (``summary["train"].class_counts``, ...).
        ``print(summary)`` shows them as a compact table.

    See Also
    --------
    fetch_mnist : Full MNIST.
    load_mnist_sample : The bundled MNIST sample.

    Examples
    --------
    >>> from skdigits.datasets import describe_dataset, load_mnist_sample
    >>> summary = describe_dataset(load_mnist_sample(), title="MNIST sample")
    >>> summary["train"].n_samples, summary["test"].pixel_max
    (10000, 255)
    >>> print(summary)  # doctest: +ELLIPSIS
    MNIST sample
    source: bundled sample ...mnist_sample.npz
    <BLANKLINE>
    split  images  image shape  dtype  pixel min  pixel max
    train   10000  28x28        uint8          0        255
    test     1000  28x28        uint8          0        255
    <BLANKLINE>
    class  train  test
    0        987    98
    1       1124   114
    2        993   103
    3       1022   101
    4        974    98
    5        904    89
    6        986    96
    7       1044   103
    8        975    97
    9        991   101
    total  10000  1000
    """
    source = None
    if isinstance(data, Mapping):
        try:
            parts = [data[key] for key in ("X_train", "y_train", "X_test", "y_test")]
        except KeyError as exc:
            raise ValueError(
                f"data has no {exc.args[0]!r}; expected X_train, y_train, X_test "
                "and y_test."
            ) from None
        source = data.get("source")
    elif isinstance(data, Sequence) and len(data) in (2, 4):
        parts = list(data)
    else:
        raise TypeError(
            "data must be a Bunch/mapping with X_train, y_train, X_test and "
            "y_test, a tuple (X_train, y_train, X_test, y_test), or a tuple "
            f"(X, y); got {type(data).__name__}."
        )
    names = ("train", "test") if len(parts) == 4 else ("data",)
    splits = tuple(
        _summarize_split(name, parts[2 * i], parts[2 * i + 1])
        for i, name in enumerate(names)
    )
    return DatasetSummary(
        splits=splits, title=title or "Dataset summary", source=source
    )
