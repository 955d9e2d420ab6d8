"""MNIST loaders: the full data set from disk or keras, and the bundled sample."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import socket
import zipfile
import zlib
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from skdigits._estimators.datasets import _base
from skdigits._estimators.datasets._base import (
    ChecksumError,
    DatasetFormatError,
    DatasetNotFoundError,
    get_data_home,
    load_descr,
)
from skdigits._estimators.datasets._idx import read_idx
from skdigits._estimators.preprocessing import pixel_feature_names

__all__ = ["fetch_mnist", "fetch_mnist_or_sample", "load_mnist_sample"]

IMAGE_SHAPE = (28, 28)
N_CLASSES = 10

# Where keras.datasets.mnist downloads from, and that file's sha256.
KERAS_MNIST_URL = (
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
)
KERAS_MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
# A download that gets no answer for this long fails, instead of hanging on a
# network that drops packets (fetch_mnist_or_sample then falls back).
DOWNLOAD_TIMEOUT = 30.0

# Output name -> (npz key in the keras layout, original IDX file name).
_SPLIT_FILES = {
    "X_train": ("x_train", "train-images-idx3-ubyte"),
    "y_train": ("y_train", "train-labels-idx1-ubyte"),
    "X_test": ("x_test", "t10k-images-idx3-ubyte"),
    "y_test": ("y_test", "t10k-labels-idx1-ubyte"),
}

# The bundled sample, written by scripts/make_mnist_sample.py. Its sha256 is
# checked on every load (the file is small); rebuilding the sample changes
# the hash (zip timestamps), so update it together with the file.
SAMPLE_FILE = "mnist_sample.npz"
SAMPLE_SHA256 = "6e81eb6a7b8ec6c59b639d5a9f1f9202a4ad442b5fcf24a4a68b96ecea7218cd"


# -- validation of the four arrays -------------------------------------------


def _check_images(images: np.ndarray, where: str) -> np.ndarray:
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise DatasetFormatError(
            f"{where}: expected images of shape (n, 28, 28), got {images.shape}."
        )
    if images.dtype != np.uint8:
        raise DatasetFormatError(
            f"{where}: expected uint8 pixels (0-255), got dtype {images.dtype}."
        )
    return images


def _check_labels(labels: np.ndarray, images: np.ndarray, where: str) -> np.ndarray:
    if labels.ndim != 1:
        raise DatasetFormatError(
            f"{where}: expected labels of shape (n,), got {labels.shape}."
        )
    if labels.dtype.kind not in "iu":
        raise DatasetFormatError(
            f"{where}: expected integer labels, got dtype {labels.dtype}."
        )
    if len(labels) != len(images):
        raise DatasetFormatError(
            f"{where}: {len(labels)} labels for {len(images)} images; the "
            "counts must match."
        )
    if labels.size and (labels.min() < 0 or labels.max() >= N_CLASSES):
        bad = labels[(labels < 0) | (labels >= N_CLASSES)]
        raise DatasetFormatError(
            f"{where}: labels must be digits 0-9, found {bad[0]} "
            f"({bad.size} label(s) out of range)."
        )
    return labels.astype(np.uint8, copy=False)


# -- readers -----------------------------------------------------------------


def _parse_mnist_npz(
    raw: bytes, path: Path | str, *, extra: tuple[str, ...] = ()
) -> dict[str, np.ndarray]:
    """Arrays of a keras-layout npz given as bytes, validated."""
    if raw[:2] != b"PK":
        raise DatasetFormatError(
            f"{path}: not an .npz file (expected a zip archive, the file "
            f"starts with {raw[:4]!r}). For IDX files, give the folder that "
            "holds all four."
        )
    keys = [key for key, _ in _SPLIT_FILES.values()]
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
            missing = [key for key in (*keys, *extra) if key not in npz.files]
            arrays = {key: npz[key] for key in npz.files if key in (*keys, *extra)}
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, ValueError) as exc:
        raise DatasetFormatError(f"{path}: corrupt .npz file ({exc})") from exc
    if missing:
        raise DatasetFormatError(
            f"{path}: missing arrays {missing}; expected the keras layout "
            "x_train, y_train, x_test, y_test."
        )
    out = {}
    for name, (key, _) in _SPLIT_FILES.items():
        if name.startswith("X"):
            out[name] = _check_images(arrays[key], f"{path} [{key}]")
        else:
            images = out["X" + name[1:]]
            out[name] = _check_labels(arrays[key], images, f"{path} [{key}]")
    out.update((key, arrays[key]) for key in extra)
    return out


def _read_npz(path: Path, *, verify: bool) -> dict[str, np.ndarray]:
    raw = path.read_bytes()  # read once: hashed and parsed from memory
    if verify:
        _base.verify_checksum(path, raw, raw)
    return _parse_mnist_npz(raw, path)


def _read_idx_files(files: dict[str, Path], *, verify: bool) -> dict[str, np.ndarray]:
    out = {}
    for name in _SPLIT_FILES:
        array = read_idx(files[name], verify_checksum=verify)
        if name.startswith("X"):
            out[name] = _check_images(array, str(files[name]))
        else:
            x_name = "X" + name[1:]
            out[name] = _check_labels(
                array, out[x_name], f"{files[name]} (images: {files[x_name].name})"
            )
    return out


def _find_idx_file(folder: Path, base: str) -> Path | None:
    # Also accept "train-images.idx3-ubyte", as some unpackers name them.
    dotted = base.replace("-idx", ".idx")
    for name in (f"{base}.gz", base, f"{dotted}.gz", dotted):
        if (folder / name).is_file():
            return folder / name
    return None


def _locate(location: Path, label: str) -> Path | dict[str, Path] | None:
    """What to read at ``location``: an npz, four IDX files, or None.

    An existing file is taken as an npz. In a folder, ``mnist.npz`` wins over
    IDX files (one file, one checksum). A folder with only some of the four
    IDX files is an error rather than "not found", to name what is missing.
    """
    if location.is_file():
        return location
    if not location.is_dir():
        return None
    if (location / "mnist.npz").is_file():
        return location / "mnist.npz"
    found = {
        name: _find_idx_file(location, base) for name, (_, base) in _SPLIT_FILES.items()
    }
    if all(found.values()):
        return found  # type: ignore[return-value]
    if any(found.values()):
        missing = [
            f"{base}[.gz]"
            for name, (_, base) in _SPLIT_FILES.items()
            if found[name] is None
        ]
        reason = f"has some MNIST IDX files but not {', '.join(missing)}."
        raise DatasetNotFoundError(
            f"{label} {location} {reason}",
            setting=label,
            location=location,
            reason=reason,
        )
    return None


def _read(found: Path | dict[str, Path], *, verify: bool) -> tuple[dict, str]:
    if isinstance(found, dict):
        folder = next(iter(found.values())).parent
        return _read_idx_files(found, verify=verify), str(folder)
    return _read_npz(found, verify=verify), str(found)


def _download_mnist(folder: Path) -> Path:
    """Download the keras ``mnist.npz`` into ``folder``; return its path.

    Keras (imported only here: it starts TensorFlow) shows a progress bar
    and checks the file's sha256.
    """
    # Through skdigits's quiet start: a plain `import keras` would print
    # TensorFlow's start-up notices on the terminal.
    from skdigits._keras.download import get_file

    folder.mkdir(parents=True, exist_ok=True)
    with _socket_timeout(DOWNLOAD_TIMEOUT):
        return Path(
            get_file(
                fname="mnist.npz",
                origin=KERAS_MNIST_URL,
                file_hash=KERAS_MNIST_SHA256,
                cache_dir=str(folder.parent),
                cache_subdir=folder.name,
            )
        )


@contextlib.contextmanager
def _socket_timeout(seconds: float) -> Iterator[None]:
    """Make sockets (keras's download has no timeout of its own) give up."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


# -- public API ----------------------------------------------------------------


def _make_bunch(arrays: dict[str, np.ndarray], source: str, descr: str) -> Bunch:
    return Bunch(
        **arrays,
        target_names=np.arange(N_CLASSES),
        feature_names=list(pixel_feature_names(IMAGE_SHAPE)),
        image_shape=IMAGE_SHAPE,
        source=source,
        DESCR=descr,
    )


def _not_found_message(looked: list[str], data_folder: Path, why: str) -> str:
    places = "\n".join(f"  - {place}" for place in looked)
    return (
        f"MNIST was not found. Looked in:\n{places}\n{why}\n"
        "To use a local copy, pass fetch_mnist(path=...) or set SKDIGITS_MNIST "
        "to a keras-layout mnist.npz, or to a folder holding mnist.npz or the "
        "four IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, "
        "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each optionally "
        f".gz); or put them in {data_folder}. For offline examples, "
        "skdigits.datasets.load_mnist_sample() ships with the package."
    )


def fetch_mnist(
    path: str | os.PathLike[str] | None = None,
    *,
    data_home: str | os.PathLike[str] | None = None,
    download_if_missing: bool = True,
    return_X_y: bool = False,
    verify_checksums: bool = True,
) -> Bunch | tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Load the full MNIST digits: 60,000 training and 10,000 test images.

    The data is looked for, in this order, in:

    1. ``path``, if given;
    2. the environment variable ``SKDIGITS_MNIST``, if set;
    3. the data home, ``<data_home>/mnist/`` (see ``get_data_home``);
    4. the internet: keras's copy of ``mnist.npz`` is downloaded into
       ``<data_home>/mnist/``, with a progress bar, if
       ``download_if_missing`` is true.

    Steps 1-3 accept a keras-layout ``.npz`` file, or a folder holding
    ``mnist.npz`` or the four original IDX files, gzipped or not. When
    ``path`` or ``SKDIGITS_MNIST`` is given but holds no MNIST, that is an
    error: the later places are not tried.

    Parameters
    ----------
    path : str or path-like or None, default=None
        A keras-layout ``.npz`` file (arrays ``x_train``, ``y_train``,
        ``x_test``, ``y_test``) or a folder as described above.

    data_home : str or path-like or None, default=None
        The skdigits data folder; see ``get_data_home``.

    download_if_missing : bool, default=True
        Whether to download MNIST with keras when it is not found locally.
        If False, a :class:`DatasetNotFoundError` is raised instead.

    return_X_y : bool, default=False
        If True, return ``(X_train, y_train, X_test, y_test)`` instead of a
        Bunch.

    verify_checksums : bool, default=True
        Check files with the known MNIST names against their known sha256
        (``mnist.npz``, the ``*-ubyte.gz`` files) or the published md5 of
        the decompressed IDX files. Each file is hashed once. Files with
        other names cannot be checked.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        X_train : ndarray of shape (60000, 28, 28), dtype uint8
            Training images, pixel values 0 (background) to 255.
        y_train : ndarray of shape (60000,), dtype uint8
            Training labels, digits 0-9.
        X_test : ndarray of shape (10000, 28, 28), dtype uint8
            Test images.
        y_test : ndarray of shape (10000,), dtype uint8
            Test labels.
        target_names : ndarray of shape (10,)
            The classes, 0-9.
        feature_names : list of str
            Names of the 784 pixels of a flattened image, row-major,
            ``"pixel_r00_c00"`` to ``"pixel_r27_c27"``.
        image_shape : tuple of int
            ``(28, 28)``.
        source : str
            The file or folder the data was read from.
        DESCR : str
            Description of the data set.

    (X_train, y_train, X_test, y_test) : tuple of ndarray
        If ``return_X_y`` is True.

    Raises
    ------
    DatasetNotFoundError
        MNIST is not found and download is disabled or failed. The message
        says where it looked. A subclass of :class:`FileNotFoundError`.
        Its ``setting`` is ``"path"`` or ``"SKDIGITS_MNIST"`` when a location
        given there is wrong (``location`` and ``reason`` then say which and
        why), and ``"data home"`` otherwise.
    DatasetFormatError
        A file is corrupt, truncated, or has wrong shapes or labels. A
        subclass of :class:`ValueError`; its ``setting`` says where the
        file's location came from, as for :class:`DatasetNotFoundError`.
    ChecksumError
        A file with a known name does not have the known checksum. A
        subclass of :class:`DatasetFormatError`.

    See Also
    --------
    load_mnist_sample : A stratified sample bundled with skdigits (offline).
    describe_dataset : Shapes, pixel range and class counts.

    Notes
    -----
    The split is the canonical one: the training images come from 250
    writers, the test images from others, so test accuracy measures
    generalisation to new writers. Do not shuffle the two together.

    ``keras.datasets.mnist.load_data()`` caches in ``~/.keras/datasets``;
    point ``path`` there to reuse an earlier keras download.

    Examples
    --------
    Full MNIST, from ``SKDIGITS_MNIST``, the data home or the internet:

    >>> from skdigits.datasets import fetch_mnist
    >>> mnist = fetch_mnist()  # doctest: +SKIP
    >>> mnist.X_train.shape, mnist.y_test.shape  # doctest: +SKIP
    ((60000, 28, 28), (10000,))

    Any keras-layout ``.npz`` can be read; here one made from the bundled
    sample:

    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from skdigits.datasets import load_mnist_sample
    >>> X_train, y_train, X_test, y_test = load_mnist_sample(return_X_y=True)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "my_digits.npz"
    ...     np.savez(path, x_train=X_train[:100], y_train=y_train[:100],
    ...              x_test=X_test[:10], y_test=y_test[:10])
    ...     digits = fetch_mnist(path)
    >>> digits.X_train.shape, digits.y_test.shape, digits.source.endswith(".npz")
    ((100, 28, 28), (10,), True)
    """
    looked = []
    verify = verify_checksums
    # An explicit location (path, then SKDIGITS_MNIST) is used if given and
    # must hold MNIST: silently falling back elsewhere would hide a typo.
    for label, value in (
        ("path", path),
        ("SKDIGITS_MNIST", os.environ.get("SKDIGITS_MNIST") or None),
    ):
        if value is None:
            looked.append(f"{label}: not given")
            continue
        location = Path(value).expanduser()
        found = _locate(location, label)
        if found is None:
            what = "does not exist" if not location.exists() else "holds no MNIST"
            reason = (
                f"{what}: expected a keras-layout .npz file "
                "or a folder with mnist.npz or the four MNIST IDX files "
                "(train-images-idx3-ubyte, train-labels-idx1-ubyte, "
                "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each "
                "optionally .gz)."
            )
            raise DatasetNotFoundError(
                f"{label}={location} {reason}",
                setting=label,
                location=location,
                reason=reason,
            )
        setting = label
        break
    else:  # neither given: the data home, then the download
        setting = "data home"
        data_folder = get_data_home(data_home) / "mnist"
        found = _locate(data_folder, "data home")
        if found is None:
            looked.append(f"data home: {data_folder} (no mnist.npz or IDX files)")
            if not download_if_missing:
                raise DatasetNotFoundError(
                    _not_found_message(
                        looked,
                        data_folder,
                        "Download is disabled (download_if_missing=False).",
                    ),
                    setting=setting,
                    location=data_folder,
                    reason="holds no MNIST and download is disabled",
                )
            try:
                found = _download_mnist(data_folder)
            except Exception as exc:
                raise DatasetNotFoundError(
                    _not_found_message(
                        looked,
                        data_folder,
                        f"Downloading {KERAS_MNIST_URL} failed: "
                        f"{type(exc).__name__}: {exc}",
                    ),
                    setting=setting,
                    location=data_folder,
                    reason=f"holds no MNIST and downloading it failed ({exc})",
                ) from exc
            verify = False  # keras has just checked the download's sha256
    try:
        arrays, source = _read(found, verify=verify)
    except DatasetFormatError as exc:
        # The readers name the file; the caller may want to name the setting.
        exc.setting = setting
        raise
    if return_X_y:
        return arrays["X_train"], arrays["y_train"], arrays["X_test"], arrays["y_test"]
    return _make_bunch(arrays, source, load_descr("mnist.rst"))


def fetch_mnist_or_sample(
    path: str | os.PathLike[str] | None = None,
    *,
    data_home: str | os.PathLike[str] | None = None,
    download_if_missing: bool = True,
) -> Bunch:
    """Load full MNIST if it can be had, else the bundled sample.

    What ``skdigits train`` trains on: :func:`fetch_mnist` looks in its
    places (``path``, ``SKDIGITS_MNIST``, the data home, the download);
    when MNIST is in none of them, :func:`load_mnist_sample` is returned
    instead, and says so. A ``path`` or ``SKDIGITS_MNIST`` that holds no
    MNIST is still an error: a typo is no reason to train on other data.

    Parameters
    ----------
    path : str or path-like or None, default=None
        As for :func:`fetch_mnist`.

    data_home : str or path-like or None, default=None
        As for :func:`fetch_mnist`.

    download_if_missing : bool, default=True
        Whether to try downloading MNIST before falling back to the sample.
        A download that gets no answer for ``DOWNLOAD_TIMEOUT`` (30) seconds
        fails.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        :func:`fetch_mnist`'s or :func:`load_mnist_sample`'s Bunch, plus:

        is_sample : bool
            Whether this is the bundled sample.
        not_found : str or None
            Why full MNIST was not used: the data home and what is wrong
            with it (no files, and download disabled or failed, with the
            error); None for full MNIST.

    Raises
    ------
    DatasetNotFoundError
        ``path`` or ``SKDIGITS_MNIST`` names a place that holds no MNIST;
        its ``setting`` says which.
    DatasetFormatError
        A file that was found is damaged (see :func:`fetch_mnist`).

    See Also
    --------
    fetch_mnist : Full MNIST, or an error.
    load_mnist_sample : The bundled sample.

    Examples
    --------
    With MNIST nowhere (an empty data home, ``SKDIGITS_MNIST`` unset, no
    download), the sample:

    >>> import os
    >>> import tempfile
    >>> from unittest import mock
    >>> from skdigits.datasets import fetch_mnist_or_sample
    >>> with (tempfile.TemporaryDirectory() as empty,
    ...       mock.patch.dict(os.environ, {"SKDIGITS_MNIST": ""})):
    ...     data = fetch_mnist_or_sample(data_home=empty, download_if_missing=False)
    >>> data.is_sample, data.X_train.shape
    (True, (10000, 28, 28))
    >>> data.not_found.endswith("mnist holds no MNIST and download is disabled")
    True
    """
    try:
        bunch = fetch_mnist(
            path, data_home=data_home, download_if_missing=download_if_missing
        )
    except DatasetNotFoundError as exc:
        if exc.setting != "data home":  # a place the user named is wrong
            raise
        bunch = load_mnist_sample()
        bunch.is_sample, bunch.not_found = True, f"{exc.location} {exc.reason}"
        return bunch
    bunch.is_sample, bunch.not_found = False, None
    return bunch


def load_mnist_sample(
    *, return_X_y: bool = False
) -> Bunch | tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Load the stratified sample of real MNIST bundled with skdigits.

    10,000 training images drawn from the 60,000 MNIST training images and
    1,000 test images drawn from the 10,000 test images, each stratified by
    digit, so that examples and quick experiments run offline. A model
    trained on it reaches a meaningful accuracy; for final figures use
    :func:`fetch_mnist`.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(X_train, y_train, X_test, y_test)`` instead of a
        Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        The same layout as :func:`fetch_mnist` (``X_train`` of shape
        (10000, 28, 28), ``y_train`` (10000,), ``X_test`` (1000, 28, 28),
        ``y_test`` (1000,), all uint8; ``target_names``, ``feature_names``,
        ``image_shape``, ``source`` and ``DESCR``), plus:

        train_index : ndarray of shape (10000,)
            Positions of the training images in the full MNIST training set.
        test_index : ndarray of shape (1000,)
            Positions of the test images in the full MNIST test set.

    (X_train, y_train, X_test, y_test) : tuple of ndarray
        If ``return_X_y`` is True.

    Raises
    ------
    ChecksumError
        The bundled file does not have the recorded sha256 (a damaged
        installation).

    See Also
    --------
    fetch_mnist : The full data set.
    describe_dataset : Shapes, pixel range and class counts.

    Notes
    -----
    The sample was made by ``scripts/make_mnist_sample.py`` from the full
    MNIST files, with a fixed seed; ``DESCR`` gives the details and the
    per-class counts. MNIST is by Yann LeCun, Corinna Cortes and Christopher
    J.C. Burges, under the CC BY-SA 3.0 license.

    Examples
    --------
    >>> from skdigits.datasets import load_mnist_sample
    >>> sample = load_mnist_sample()
    >>> sample.X_train.shape, sample.X_test.shape
    ((10000, 28, 28), (1000, 28, 28))
    >>> int(sample.y_train[0]), int(sample.X_train.max())
    (5, 255)
    """
    resource = resources.files("skdigits._estimators.datasets").joinpath(
        "data", SAMPLE_FILE
    )
    raw = resource.read_bytes()
    sha256 = hashlib.sha256(raw).hexdigest()
    if sha256 != SAMPLE_SHA256:
        raise ChecksumError(
            f"{resource}: sha256 {sha256} differs from the recorded "
            f"{SAMPLE_SHA256}; the bundled sample is damaged. Reinstall skdigits."
        )
    arrays = _parse_mnist_npz(raw, resource, extra=("train_index", "test_index"))
    if return_X_y:
        return arrays["X_train"], arrays["y_train"], arrays["X_test"], arrays["y_test"]
    train_index = arrays.pop("train_index")
    test_index = arrays.pop("test_index")
    bunch = _make_bunch(
        arrays, f"bundled sample {resource}", load_descr("mnist_sample.rst")
    )
    bunch.train_index = train_index
    bunch.test_index = test_index
    return bunch
