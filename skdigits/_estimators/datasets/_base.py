"""Shared helpers: data home, DESCR texts, errors and checksum checks."""

from __future__ import annotations

import hashlib
import os
from importlib import resources
from pathlib import Path

__all__ = [
    "ChecksumError",
    "DatasetFormatError",
    "DatasetNotFoundError",
    "get_data_home",
]

# Known checksums of MNIST files, by file name. A file whose name is not
# listed cannot be checked (there is nothing to compare it with).
#
# sha256 of whole files as they are shipped: the shared mnist.npz and its
# gzipped IDX files, and the mnist.npz that keras downloads.
KNOWN_SHA256: dict[str, frozenset[str]] = {
    "mnist.npz": frozenset(
        {
            "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64",
            # keras.datasets.mnist / storage.googleapis.com copy
            "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
        }
    ),
    "train-images-idx3-ubyte.gz": frozenset(
        {"0b367032e93c5d0cea0925647cfdb18614af8ee15f83e6f2fc2ad904a6835971"}
    ),
    "train-labels-idx1-ubyte.gz": frozenset(
        {"1787548bbe0bff1ec2ecdc0ef292b02df999e2d1a6002d27500982c652b17203"}
    ),
    "t10k-images-idx3-ubyte.gz": frozenset(
        {"1a1a05eab793c14bb050b398624a11b0ffd1a2953baed553b1b9bd079e2a20be"}
    ),
    "t10k-labels-idx1-ubyte.gz": frozenset(
        {"b91679a0acfe4ba0e50a2437a903084cba1f5f92592b016a25a7dfd00455798b"}
    ),
}

# The published md5 of the four original IDX files, decompressed. A gzip
# wrapper's own hash depends on how it was compressed; the content's does not.
KNOWN_MD5: dict[str, str] = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}


class _LocatedError(Exception):
    """Adds where a data error happened, for callers to word it their way."""

    def __init__(
        self,
        *args: object,
        setting: str | None = None,
        location: str | os.PathLike[str] | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(*args)
        #: Where the failing location came from: ``"path"``, ``"SKDIGITS_MNIST"``,
        #: ``"data home"``, or None when not known.
        self.setting = setting
        #: The file or folder that failed, when there is one.
        self.location = None if location is None else Path(location)
        #: What is wrong with ``location``, without naming it.
        self.reason = reason


class DatasetFormatError(_LocatedError, ValueError):
    """A data file is corrupt, truncated, or not in the expected format.

    A subclass of :class:`ValueError`. The message names the file and what
    is wrong with it.

    Attributes
    ----------
    setting : str or None
        Which of :func:`fetch_mnist`'s places the location came from:
        ``"path"``, ``"SKDIGITS_MNIST"`` or ``"data home"``; None if unknown.
    location : pathlib.Path or None
        The file or folder at fault, when there is one.
    reason : str or None
        What is wrong with ``location``, without naming it, so that a
        command line can name its own option instead.

    See Also
    --------
    ChecksumError : A known file with the wrong checksum.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skdigits.datasets import DatasetFormatError
    >>> from skdigits._estimators.datasets import read_idx
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "labels"
    ...     _ = path.write_bytes(b"not an IDX file")
    ...     try:
    ...         read_idx(path)
    ...     except DatasetFormatError as exc:
    ...         print("not an IDX file" in str(exc))
    True
    """


class ChecksumError(DatasetFormatError):
    """A data file with a known name does not have the known checksum.

    Raised for the files whose checksums skdigits knows (``mnist.npz`` and
    the four MNIST IDX files, gzipped or not). A subclass of
    :class:`DatasetFormatError`, so of :class:`ValueError` too.

    See Also
    --------
    fetch_mnist : Its ``verify_checksums=False`` skips the check.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skdigits.datasets import ChecksumError
    >>> from skdigits._estimators.datasets import read_idx
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "t10k-labels-idx1-ubyte"  # a known name
    ...     _ = path.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 1, 7]))
    ...     try:
    ...         read_idx(path)
    ...     except ChecksumError as exc:
    ...         print(type(exc).__name__, "md5" in str(exc))
    ...     labels = read_idx(path, verify_checksum=False)
    ChecksumError True
    >>> labels
    array([7], dtype=uint8)
    """


class DatasetNotFoundError(_LocatedError, FileNotFoundError):
    """The data was not found anywhere it was looked for.

    A subclass of :class:`FileNotFoundError`; the message lists the places
    that were searched and how to point skdigits at a copy.

    Attributes
    ----------
    setting : str or None
        Which of :func:`fetch_mnist`'s places the location came from:
        ``"path"``, ``"SKDIGITS_MNIST"`` or ``"data home"``; None if unknown.
    location : pathlib.Path or None
        The file or folder at fault, when there is one.
    reason : str or None
        What is wrong with ``location``, without naming it, so that a
        command line can name its own option instead.

    See Also
    --------
    fetch_mnist : Describes where MNIST is looked for.

    Examples
    --------
    >>> from skdigits.datasets import DatasetNotFoundError, fetch_mnist
    >>> try:
    ...     fetch_mnist("/no/such/mnist.npz")
    ... except DatasetNotFoundError as exc:
    ...     print(str(exc).split(":")[0])
    path=/no/such/mnist.npz does not exist
    >>> issubclass(DatasetNotFoundError, FileNotFoundError)
    True
    """


def get_data_home(data_home: str | os.PathLike[str] | None = None) -> Path:
    """Return the folder where skdigits keeps downloaded data.

    The folder is not created here; it is created when something is written
    to it (e.g. by the download in :func:`fetch_mnist`).

    Parameters
    ----------
    data_home : str or path-like or None, default=None
        The folder to use. If None, the environment variable
        ``SKDIGITS_DATA`` is used if set and non-empty, else
        ``~/skdigits_data``. ``~`` is expanded.

    Returns
    -------
    data_home : pathlib.Path
        The data folder. MNIST lives in its ``mnist`` subfolder.

    See Also
    --------
    fetch_mnist : Uses ``<data_home>/mnist``.
    sklearn.datasets.get_data_home : The scikit-learn equivalent.

    Examples
    --------
    >>> from skdigits._estimators.datasets import get_data_home
    >>> get_data_home("/srv/data").as_posix()
    '/srv/data'
    """
    if data_home is None:
        data_home = os.environ.get("SKDIGITS_DATA") or "~/skdigits_data"
    return Path(data_home).expanduser()


def load_descr(name: str) -> str:
    """Read ``descr/<name>`` shipped with the package."""
    return (
        resources.files("skdigits._estimators.datasets")
        .joinpath("descr", name)
        .read_text(encoding="utf-8")
    )


def canonical_idx_name(name: str) -> str:
    """``t10k-images.idx3-ubyte.gz`` -> ``t10k-images-idx3-ubyte``."""
    return name.removesuffix(".gz").replace(".idx", "-idx")


def verify_checksum(path: Path, raw: bytes, content: bytes) -> str | None:
    """Check a file against the known checksums for its name.

    Parameters
    ----------
    path : Path
        The file; only its name is used to pick the checksum, and it is
        named in errors.
    raw : bytes
        The file's bytes as stored.
    content : bytes
        The decompressed bytes for a gzipped file, else ``raw``.

    Returns
    -------
    algorithm : {"sha256", "md5"} or None
        What was verified, or None when the name is not a known one.

    Raises
    ------
    ChecksumError
        The name is known and the checksum differs.
    """
    # Each file is hashed at most once: a known wrapper's sha256 settles it,
    # otherwise the content's md5 (which covers any re-compression) does.
    sha256_known = KNOWN_SHA256.get(path.name)
    if sha256_known:
        sha256 = hashlib.sha256(raw).hexdigest()
        if sha256 in sha256_known:
            return "sha256"
    md5_known = KNOWN_MD5.get(canonical_idx_name(path.name))
    hint = (
        "The file is corrupt or not the original MNIST; replace it (delete it "
        "to download it again), or pass verify_checksums=False if you trust it."
    )
    if md5_known is None:
        if not sha256_known:
            return None
        raise ChecksumError(
            f"{path}: sha256 {sha256} does not match the known checksum of "
            f"{path.name} ({', '.join(sorted(sha256_known))}). {hint}"
        )
    md5 = hashlib.md5(content, usedforsecurity=False).hexdigest()
    if md5 != md5_known:
        what = "decompressed content" if content is not raw else "content"
        raise ChecksumError(
            f"{path}: md5 of its {what} is {md5}, but the original "
            f"{canonical_idx_name(path.name)} has md5 {md5_known}. {hint}"
        )
    return "md5"
