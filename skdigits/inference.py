"""Predict from a saved skdigits model with NumPy alone.

A fitted ``Pipeline([PixelScaler(), DenseDigitClassifier()])`` predicts with
a division and three matrix products, so deploying it should not need
TensorFlow, Keras or even scikit-learn (whose import alone takes about a
second). This module reads a file written by :func:`skdigits.persistence.save_model`,
checks it, and predicts from it with NumPy: :func:`load_inference_model`
returns an :class:`InferenceModel`, and :func:`predict_digits` is the whole of
``skdigits predict`` (read images, prepare them as MNIST, classify).

It is also where a model file, which may come from anyone, is read and
checked: :func:`read_model_archive` never unpickles, refuses archive members
with unexpected names, refuses decompressed sizes over a cap (zip bombs) and
checks that every part agrees with the others before anything is built.
:func:`skdigits.persistence.load_model` builds the scikit-learn objects on top of it.

Nothing here imports TensorFlow, Keras or scikit-learn.
"""

from __future__ import annotations

import contextlib
import io
import json
import lzma
import math
import os
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from skdigits._formatting import plain
from skdigits.network import ACTIVATIONS, dense_forward_in_chunks

__all__ = [
    "InferenceModel",
    "ModelFormatError",
    "load_inference_model",
    "predict_digits",
    "read_model_archive",
]

FORMAT_NAME = "skdigits-model"
#: Version of the model file format. Version 2 added ``weights.npz`` (the
#: network's weights as plain arrays, so that prediction needs no Keras) and
#: made ``network.keras`` optional (absent from inference-only files).
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
WEIGHTS = "weights.npz"
NETWORK = "network.keras"
_MEMBERS = frozenset({MANIFEST, WEIGHTS, NETWORK})

# Decompressed-size caps, checked before and while reading (the sizes in a
# zip's directory can lie). The default network's weights are 3 MB; a
# manifest is a few kB plus the training history.
MAX_MANIFEST_BYTES = 64 * 2**20
MAX_MEMBER_BYTES = 2**30
# weights.npz holds one kernel and one bias per dense layer.
_MAX_LAYERS = 64

# What zipfile, zlib, lzma and numpy raise for a damaged archive (a bad CRC,
# a corrupt deflate stream, an unknown compression, a truncated array header).
_ARCHIVE_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
    NotImplementedError,
    ValueError,
    RuntimeError,
)


class ModelFormatError(ValueError):
    """A file is not a valid skdigits model, or its parts do not agree.

    A subclass of :class:`ValueError`, raised by
    :func:`skdigits.persistence.load_model` and
    :func:`~skdigits.inference.load_inference_model` for a truncated or
    corrupted file, a file of another kind, an archive with unexpected
    members or oversized contents, or a model whose saved classes or shapes
    do not match its network. The message names the file and what is wrong with it.

    See Also
    --------
    skdigits.persistence.load_model : Reads a model file as scikit-learn estimators.
    skdigits.inference.load_inference_model : Reads a model file for NumPy-only
        prediction.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skdigits.inference import ModelFormatError, load_inference_model
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "model.skdigits"
    ...     _ = path.write_text("not a model")
    ...     try:
    ...         load_inference_model(path)
    ...     except ModelFormatError as exc:
    ...         print(type(exc).__name__, "model.skdigits" in str(exc))
    ModelFormatError True
    """


# ---- JSON encoding of parameters and fitted attributes ---------------------


def encode_value(value: Any, where: str) -> Any:
    """Encode a parameter or fitted attribute as JSON-able data (no pickle)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, tuple):
        return {"__tuple__": [encode_value(v, where) for v in value]}
    if isinstance(value, list):
        return [encode_value(v, where) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: encode_value(v, where) for k, v in value.items()}
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufUSO":
        return {
            "__ndarray__": [encode_value(v, where) for v in value.tolist()],
            "dtype": value.dtype.str,
            "shape": list(value.shape),
        }
    raise TypeError(
        f"{where} holds a {type(value).__name__}, which cannot be saved without "
        "pickle. Only numbers, strings, booleans, None, lists, tuples, dicts and "
        "arrays of those can be."
    )


def decode_value(value: Any) -> Any:
    """Inverse of :func:`encode_value`; raises ValueError for malformed data."""
    if isinstance(value, list):
        return [decode_value(v) for v in value]
    if isinstance(value, dict):
        if "__tuple__" in value:
            items = value["__tuple__"]
            if not isinstance(items, list):
                raise ValueError("a tuple must be stored as a list")
            return tuple(decode_value(v) for v in items)
        if "__ndarray__" in value:
            dtype = np.dtype(value["dtype"])
            if dtype.kind not in "biufUSO":
                raise ValueError(f"arrays of dtype {dtype} are not saved")
            items, shape = value["__ndarray__"], value["shape"]
            if not isinstance(shape, list) or not all(
                isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape
            ):
                raise ValueError(f"bad array shape {shape!r}")
            if dtype.kind == "O" and not _is_flat_json(items):
                raise ValueError("object arrays may hold only numbers and strings")
            return np.asarray(items, dtype=dtype).reshape(shape)
        return {k: decode_value(v) for k, v in value.items()}
    return value


def _is_flat_json(items: Any) -> bool:
    if isinstance(items, list):
        return all(_is_flat_json(v) for v in items)
    return isinstance(items, (str, int, float)) or items is None


# ---- reading and checking an archive ---------------------------------------


class ModelArchive(NamedTuple):
    """The checked contents of a model file.

    Attributes
    ----------
    manifest : dict
        ``manifest.json``, parsed; ``steps`` hold decoded ``params`` and
        ``fitted`` dicts.
    weights : list of (kernel, bias)
        The dense layers' float32 weights, first hidden layer first.
    network : bytes or None
        ``network.keras`` (the compiled Keras network with its optimizer
        state), or None for an inference-only file (``manifest
        ["include_optimizer"]`` is false) or when not asked for.
    """

    manifest: dict[str, Any]
    weights: list[tuple[np.ndarray, np.ndarray]]
    network: bytes | None


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes:
    """Read a member, refusing more than ``cap`` decompressed bytes."""
    if info.file_size > cap:
        raise ModelFormatError(
            f"{info.filename} would decompress to {info.file_size} bytes, over "
            f"the limit of {cap}"
        )
    with zf.open(info) as member:
        # The directory's size can lie: never read more than the cap.
        data = member.read(cap + 1)
    if len(data) > cap:
        raise ModelFormatError(f"{info.filename} decompresses to over {cap} bytes")
    return data


def _check_members(zf: zipfile.ZipFile, what: str, allowed: frozenset[str]) -> dict:
    infos = zf.infolist()
    names = [info.filename for info in infos]
    unexpected = sorted(set(names) - allowed)
    if unexpected:
        raise ModelFormatError(
            f"{what} holds unexpected members {unexpected[:5]}; a model file "
            f"holds only {sorted(allowed)}"
        )
    if len(set(names)) != len(names):
        raise ModelFormatError(f"{what} holds a member twice")
    if sum(info.file_size for info in infos) > MAX_MEMBER_BYTES + MAX_MANIFEST_BYTES:
        raise ModelFormatError(f"{what} would decompress to too many bytes")
    return {info.filename: info for info in infos}


def _read_weights(payload: bytes) -> list[tuple[np.ndarray, np.ndarray]]:
    """Parse ``weights.npz``: ``kernel_0, bias_0, ...`` as plain float32 arrays."""
    with zipfile.ZipFile(io.BytesIO(payload)) as zf:
        n_layers = len(zf.infolist()) // 2
        if not 1 <= n_layers <= _MAX_LAYERS:
            raise ModelFormatError(f"{WEIGHTS} holds {len(zf.infolist())} arrays")
        allowed = frozenset(
            f"{kind}_{i}.npy" for i in range(n_layers) for kind in ("kernel", "bias")
        )
        # Only those names, each once: so every kernel has its bias.
        infos = _check_members(zf, WEIGHTS, allowed)
        arrays = {}
        for name, info in infos.items():
            data = _read_member(zf, info, MAX_MEMBER_BYTES)
            # allow_pickle=False: an object array is refused, never unpickled.
            array = np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)
            if array.dtype != np.float32:
                raise ModelFormatError(
                    f"{WEIGHTS}: {name} is {array.dtype}, not float32"
                )
            arrays[name.removesuffix(".npy")] = array
    weights = [(arrays[f"kernel_{i}"], arrays[f"bias_{i}"]) for i in range(n_layers)]
    for i, (kernel, bias) in enumerate(weights):
        if kernel.ndim != 2 or bias.shape != kernel.shape[1:] or 0 in kernel.shape:
            raise ModelFormatError(
                f"{WEIGHTS}: layer {i} has kernel {kernel.shape} and bias {bias.shape}"
            )
        if i and kernel.shape[0] != weights[i - 1][0].shape[1]:
            raise ModelFormatError(
                f"{WEIGHTS}: layer {i} takes {kernel.shape[0]} inputs, but layer "
                f"{i - 1} gives {weights[i - 1][0].shape[1]}"
            )
    return weights


def write_weights(weights: Iterable[tuple[np.ndarray, np.ndarray]]) -> bytes:
    """``weights.npz`` for :func:`_read_weights`, as bytes."""
    arrays = {}
    for i, (kernel, bias) in enumerate(weights):
        arrays[f"kernel_{i}"] = np.ascontiguousarray(kernel, dtype=np.float32)
        arrays[f"bias_{i}"] = np.ascontiguousarray(bias, dtype=np.float32)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_positive_number(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def _check_steps(manifest: dict, weights: list) -> list[dict[str, Any]]:
    """Decode and check the manifest's steps against the weights."""
    entries = manifest.get("steps")
    if not isinstance(entries, list) or not entries:
        raise ModelFormatError(f"{MANIFEST} lists no estimator")
    steps = []
    for entry in entries:
        if not isinstance(entry, dict) or not {"class", "params", "fitted"} <= set(
            entry
        ):
            raise ModelFormatError(f"malformed step in {MANIFEST}: {entry!r:.200}")
        name = entry.get("name")
        if not (name is None or isinstance(name, str)):
            raise ModelFormatError(f"malformed step in {MANIFEST}: name {name!r:.80}")
        try:
            params = decode_value(entry["params"])
            fitted = decode_value(entry["fitted"])
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise ModelFormatError(
                f"malformed step in {MANIFEST}: {exc!r:.200}"
            ) from exc
        if not isinstance(params, dict) or not isinstance(fitted, dict):
            raise ModelFormatError(f"malformed step in {MANIFEST}: not a dict")
        for key in fitted:
            if not (key.isidentifier() and key.endswith("_")) or key.startswith("_"):
                raise ModelFormatError(
                    f"malformed step in {MANIFEST}: {key!r:.80} is not a fitted "
                    "attribute name"
                )
        steps.append(
            {"name": name, "class": entry["class"], "params": params, "fitted": fitted}
        )
    names = [step["name"] for step in steps]
    if manifest["pipeline"]:
        if not all(isinstance(n, str) and n and "__" not in n for n in names) or len(
            set(names)
        ) != len(names):
            raise ModelFormatError(f"bad Pipeline step names {names!r:.200}")
    elif len(steps) != 1:
        raise ModelFormatError(f"{MANIFEST} lists {len(steps)} steps but no Pipeline")
    *scalers, classifier = steps
    if classifier["class"] != "DenseDigitClassifier" or any(
        step["class"] != "PixelScaler" for step in scalers
    ):
        raise ModelFormatError(
            f"malformed step in {MANIFEST}: a model is PixelScaler steps ending "
            f"in a DenseDigitClassifier, not {[step['class'] for step in steps]!r:.200}"
        )
    _check_classifier(classifier, weights)
    for scaler in scalers:
        _check_scaler(scaler, classifier["fitted"]["n_features_in_"])
    return steps


def _check_classifier(step: dict, weights: list) -> None:
    params, fitted = step["params"], step["fitted"]
    activation = params.get("activation")
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ModelFormatError(f"unknown activation {activation!r:.80}")
    classes = fitted.get("classes_")
    n_features = fitted.get("n_features_in_")
    if not isinstance(classes, np.ndarray) or classes.ndim != 1 or classes.size < 2:
        raise ModelFormatError("classes_ is not an array of at least 2 labels")
    if not _is_int(n_features):
        raise ModelFormatError("n_features_in_ is not an integer")
    n_inputs, n_outputs = weights[0][0].shape[0], weights[-1][0].shape[1]
    if n_inputs != n_features or n_outputs != classes.size:
        raise ModelFormatError(
            f"the network takes {n_inputs} inputs and gives {n_outputs} outputs, "
            f"but the classifier expects {n_features} features and "
            f"{classes.size} classes"
        )
    widths = [kernel.shape[1] for kernel, _ in weights[:-1]]
    sizes = params.get("hidden_layer_sizes")
    if not isinstance(sizes, (list, tuple)) or list(sizes) != widths:
        raise ModelFormatError(
            f"hidden_layer_sizes {sizes!r:.80} does not match the network's "
            f"hidden layers {widths}"
        )
    _check_image_shape(fitted.get("image_shape_"), n_features)


def _check_image_shape(shape: Any, n_features: int) -> None:
    if shape is None:
        return
    if (
        not isinstance(shape, tuple)
        or not all(_is_int(s) and s > 0 for s in shape)
        or math.prod(shape) != n_features
    ):
        raise ModelFormatError(
            f"image_shape_ {shape!r:.80} does not hold {n_features} pixels"
        )


def _check_scaler(step: dict, n_features: int) -> None:
    params, fitted = step["params"], step["fitted"]
    if not _is_positive_number(fitted.get("max_value_")):
        raise ModelFormatError("PixelScaler's max_value_ is not a positive number")
    if not isinstance(params.get("clip"), bool):
        raise ModelFormatError("PixelScaler's clip is not a boolean")
    if fitted.get("n_features_in_") != n_features:
        raise ModelFormatError(
            f"PixelScaler gives {fitted.get('n_features_in_')!r:.40} pixels, but "
            f"the classifier takes {n_features}"
        )
    _check_image_shape(fitted.get("image_shape_"), n_features)


def read_model_archive(
    path: str | os.PathLike[str], *, read_network: bool = True
) -> ModelArchive:
    """Read and check a model file, without unpickling or importing Keras.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`skdigits.persistence.save_model`.
    read_network : bool, default=True
        Also read ``network.keras`` (the Keras network with its optimizer
        state) into memory; prediction does not need it.

    Returns
    -------
    archive : ModelArchive
        The manifest, decoded and checked, and the weights.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ModelFormatError
        For anything else that is wrong with the file.

    Examples
    --------
    >>> from skdigits.inference import read_model_archive
    >>> read_model_archive("no-such-model.skdigits")
    Traceback (most recent call last):
    ...
    FileNotFoundError: No model file at no-such-model.skdigits.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No model file at {path}.")
    if path.is_dir():
        raise ModelFormatError(f"{path} is a folder, not a skdigits model file.")
    try:
        return _read_archive(path, read_network)
    except ModelFormatError as exc:
        raise ModelFormatError(f"{path}: {exc}") from exc.__cause__
    except _ARCHIVE_ERRORS as exc:
        raise ModelFormatError(
            f"{path} is not a readable skdigits model file (truncated, corrupted "
            f"or of another kind): {exc!r:.300}"
        ) from exc


def _read_archive(path: Path, read_network: bool) -> ModelArchive:
    with zipfile.ZipFile(path) as zf:
        infos = _check_members(zf, "the archive", _MEMBERS)
        if MANIFEST not in infos or WEIGHTS not in infos:
            raise ModelFormatError(
                f"a zip file but not a skdigits model: it lacks {MANIFEST} or {WEIGHTS}"
            )
        manifest_bytes = _read_member(zf, infos[MANIFEST], MAX_MANIFEST_BYTES)
        manifest = _parse_manifest(manifest_bytes)
        weights = _read_weights(_read_member(zf, infos[WEIGHTS], MAX_MEMBER_BYTES))
        has_network = NETWORK in infos
        if has_network != manifest["include_optimizer"]:
            raise ModelFormatError(
                f"{MANIFEST} and the archive disagree on whether it holds {NETWORK}"
            )
        network = None
        if has_network and read_network:
            network = _read_member(zf, infos[NETWORK], MAX_MEMBER_BYTES)
    manifest["steps"] = _check_steps(manifest, weights)
    return ModelArchive(manifest, weights, network)


def _parse_manifest(payload: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(payload)
    except (ValueError, RecursionError) as exc:
        raise ModelFormatError(f"{MANIFEST} is not valid JSON: {exc!r:.200}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise ModelFormatError("not a skdigits model file")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        from skdigits import __version__

        raise ModelFormatError(
            f"uses model format version {version!r:.20}; this skdigits "
            f"({__version__}) reads version {FORMAT_VERSION}"
        )
    for key in ("pipeline", "include_optimizer"):
        if not isinstance(manifest.get(key), bool):
            raise ModelFormatError(f"{MANIFEST}: {key} is not true or false")
    return manifest


# ---- NumPy-only prediction -------------------------------------------------


class InferenceModel:
    """A saved model's prediction, in NumPy: scaling, then the dense network.

    Made by :func:`load_inference_model`. It predicts exactly as the saved
    ``Pipeline`` (or classifier) did, bit for bit, for the inputs that
    ``skdigits predict`` gives it: non-negative pixels, flat or as images.
    It does not check its input the way scikit-learn does; load the model
    with :func:`skdigits.persistence.load_model` for that.

    Parameters
    ----------
    weights : list of (kernel, bias)
        The dense layers' float32 weights.
    activation : str
        Activation of the hidden layers.
    classes : ndarray of shape (n_classes,)
        The labels, in the order of the network's outputs.
    scale_by : list of (float, bool)
        ``(max_value_, clip)`` of each :class:`~skdigits.PixelScaler` step.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels ``predict`` returns.
    n_features_in_ : int
        Pixels per sample.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits.inference import InferenceModel
    >>> model = InferenceModel([(np.eye(2, dtype=np.float32), np.zeros(2, np.float32))],
    ...                        "relu", np.array(["cat", "dog"]), [(255.0, True)])
    >>> model.predict(np.array([[0, 255], [255, 0]], dtype=np.uint8))
    array(['dog', 'cat'], dtype='<U3')
    """

    def __init__(
        self,
        weights: list[tuple[np.ndarray, np.ndarray]],
        activation: str,
        classes: np.ndarray,
        scale_by: list[tuple[float, bool]],
    ) -> None:
        self.weights = weights
        self.activation = activation
        self.classes_ = classes
        self.scale_by = scale_by
        self.n_features_in_ = int(weights[0][0].shape[0])

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, float32, one row per sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
                (n_samples, height, width)
            Pixels on the scale the model was trained on (``uint8`` 0-255
            for a Pipeline with a PixelScaler).

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), dtype float32
            Probabilities in the order of ``classes_``.
        """
        X = np.asarray(X)
        X = X.reshape(X.shape[0], -1) if X.ndim != 2 else X
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features per sample, but the model takes "
                f"{self.n_features_in_}."
            )
        # The same float32 operations, in the same order, as PixelScaler.
        for max_value, clip in self.scale_by:
            X = X.astype(np.float32)  # a copy: the caller's array is kept
            X /= np.float32(max_value)
            if clip:
                np.minimum(X, 1.0, out=X)
        X = np.asarray(X, dtype=np.float32)
        # The classifier's own forward pass, chunks included: bit for bit.
        return dense_forward_in_chunks(self.weights, X, self.activation)

    def predict(self, X: Any) -> np.ndarray:
        """Most probable label for each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
                (n_samples, height, width)
            Pixels, as for :meth:`predict_proba`.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def load_inference_model(path: str | os.PathLike[str]) -> InferenceModel:
    """Load a saved model for prediction with NumPy only.

    Reads the weights and the scaling of a file written by
    :func:`skdigits.persistence.save_model` (full or inference-only) without importing
    TensorFlow, Keras or scikit-learn.

    Parameters
    ----------
    path : str or path-like
        The model file.

    Returns
    -------
    model : InferenceModel
        Predicts as the saved model did.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ModelFormatError
        If the file is not a valid skdigits model.

    See Also
    --------
    skdigits.persistence.load_model : The scikit-learn estimators, able to
        train further.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sklearn.datasets import load_digits
    >>> from skdigits import DenseDigitClassifier, save_model
    >>> from skdigits.inference import load_inference_model
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = DenseDigitClassifier(hidden_layer_sizes=(16,), epochs=2,
    ...                            random_state=0).fit(X / 16, y)
    >>> path = save_model(clf, pathlib.Path(tempfile.mkdtemp()) / "d.skdigits")
    >>> model = load_inference_model(path)
    >>> (model.predict_proba(X / 16) == clf.predict_proba(X / 16)).all()
    np.True_
    """
    archive = read_model_archive(path, read_network=False)
    *scalers, classifier = archive.manifest["steps"]
    return InferenceModel(
        archive.weights,
        classifier["params"]["activation"],
        classifier["fitted"]["classes_"],
        [(float(s["fitted"]["max_value_"]), s["params"]["clip"]) for s in scalers],
    )


def _one_blas_thread_for_few(n_samples: int) -> contextlib.AbstractContextManager:
    """One BLAS thread for a handful of digits.

    Waking OpenBLAS's thread pool for three rows costs more than the products
    themselves, and on a busy machine the wait for a second core was measured
    at 0.1-0.4 s (against 1-2 ms on one thread). threadpoolctl comes with
    scikit-learn and imports in a few ms; without it, nothing changes.
    """
    if n_samples > 256:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - installed with scikit-learn
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def predict_digits(
    model_path: str | os.PathLike[str],
    inputs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
) -> list[dict[str, Any]]:
    """Classify digit images and arrays with a saved model, NumPy only.

    What ``skdigits predict`` does: read PNG/JPEG files, folders and
    ``.npy`` arrays, prepare each digit as MNIST was made
    (:func:`skdigits.image_io.read_digits`), and classify them with
    :func:`load_inference_model`. Neither TensorFlow nor scikit-learn is
    imported.

    Parameters
    ----------
    model_path : str or path-like
        A file written by :func:`skdigits.persistence.save_model`.
    inputs : path or iterable of paths
        Image files, ``.npy`` files and folders of them.

    Returns
    -------
    records : list of dict
        One per digit, in order: ``file``, ``index`` (position in a ``.npy``
        stack, else None), ``prediction`` (a label as a Python value),
        ``probability`` of it, and ``probabilities`` of every class keyed by
        the label's text.

    Raises
    ------
    FileNotFoundError
        If the model or an input does not exist.
    ModelFormatError
        If the model file is not valid.
    skdigits.image_io.ImageReadError
        If an input is not a readable digit.
    ValueError
        If the model does not take 28x28 images.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from skdigits import DenseDigitClassifier, PixelScaler, save_model
    >>> from skdigits.datasets import load_mnist_sample
    >>> from skdigits.inference import predict_digits
    >>> X, y, X_test, y_test = load_mnist_sample(return_X_y=True)
    >>> model = make_pipeline(PixelScaler(), DenseDigitClassifier(
    ...     hidden_layer_sizes=(32,), epochs=2, random_state=0)).fit(X, y)
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> np.save(folder / "digits.npy", X_test[:2])
    >>> records = predict_digits(save_model(model, folder / "m.skdigits"),
    ...                          [folder / "digits.npy"])
    >>> [(r["file"].endswith("digits.npy"), r["index"]) for r in records]
    [(True, 0), (True, 1)]
    >>> sorted(records[0])
    ['file', 'index', 'prediction', 'probabilities', 'probability']
    >>> records[0]["prediction"] in range(10)
    True
    """
    from skdigits.image_io import read_digits

    model = load_inference_model(model_path)
    images, sources = read_digits(inputs)
    if model.n_features_in_ != images[0].size:
        raise ValueError(
            f"{model_path}: the model takes {model.n_features_in_} pixels per "
            f"image, but digits are prepared as 28x28 = {images[0].size} pixels."
        )
    with _one_blas_thread_for_few(len(images)):
        proba = model.predict_proba(images)
    classes = [plain(c) for c in model.classes_]
    return [
        {
            "file": source.file,
            "index": source.index,
            "prediction": classes[k],
            "probability": float(p[k]),
            "probabilities": {
                str(label): float(value)
                for label, value in zip(classes, p, strict=True)
            },
        }
        for source, p, k in zip(sources, proba, proba.argmax(axis=1), strict=True)
    ]
