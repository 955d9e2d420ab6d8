"""The model file: its layout, its JSON codec, its reader and its writer.

A model file (``.skdigits``) is a zip holding ``manifest.json`` (the steps,
their parameters and fitted attributes, as JSON), ``weights.npz`` (the dense
layers' weights: float32, or float16 for a smaller file, always read as
float32) and, unless inference-only, ``network.keras`` (the Keras network
with its optimizer state, as bytes this module never opens). The manifest may
also hold ``about`` (where the model came from: free-form JSON) and
``unsure`` (its calibrated "not sure" rule: ``{"below": p, ...}``, see
:mod:`skdigits._prediction.unsure`).

A model file may come from anyone: :func:`read_model_archive` never
unpickles, refuses archive members with unexpected names, refuses
decompressed sizes over a cap (zip bombs) and checks that every part agrees
with the others before anything is built. :func:`write_model_archive` writes
the same layout, atomically
(:func:`skdigits._prediction.writing.write_atomically`).
``skdigits.persistence`` builds scikit-learn estimators on top of this
module, ``skdigits.inference`` the NumPy-only model, and ``skdigits.serve``
uses the latter.

Nothing here imports TensorFlow, Keras or scikit-learn.
"""

from __future__ import annotations

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

from skdigits._prediction.forward import ACTIVATIONS
from skdigits._prediction.writing import write_atomically

__all__ = [
    "ARCHIVE_ERRORS",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "MANIFEST",
    "MAX_MANIFEST_BYTES",
    "MAX_MEMBER_BYTES",
    "NETWORK",
    "WEIGHTS",
    "ModelArchive",
    "ModelFormatError",
    "check_members",
    "decode_value",
    "encode_value",
    "fitted_activation",
    "read_member",
    "read_model_archive",
    "rewrite_model_archive",
    "step_kinds_problem",
    "write_model_archive",
]

FORMAT_NAME = "skdigits-model"
#: Version of the model file format. Version 2 added ``weights.npz`` (the
#: network's weights as plain arrays, so that prediction needs no Keras) and
#: made ``network.keras`` optional (absent from inference-only files).
#: Version 2 files may also hold float16 weights and the optional ``about``
#: and ``unsure`` entries; an older reader refuses float16 weights by name.
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
# float16 halves a file (the shipped model's, to fit the package); every
# layer is computed in float32 after reading.
_WEIGHT_DTYPES = (np.dtype(np.float32), np.dtype(np.float16))

# What zipfile, zlib, lzma and numpy raise for a damaged archive (a bad CRC,
# a corrupt deflate stream, an unknown compression, a truncated array header).
ARCHIVE_ERRORS = (
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
    >>> from skdigits.inference import load_inference_model
    >>> from skdigits.persistence import ModelFormatError
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


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes:
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


def check_members(zf: zipfile.ZipFile, what: str, allowed: frozenset[str]) -> dict:
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
    """Parse ``weights.npz``: ``kernel_0, bias_0, ...`` as plain float32 arrays
    (stored as float32 or float16)."""
    with zipfile.ZipFile(io.BytesIO(payload)) as zf:
        n_layers = len(zf.infolist()) // 2
        if not 1 <= n_layers <= _MAX_LAYERS:
            raise ModelFormatError(f"{WEIGHTS} holds {len(zf.infolist())} arrays")
        allowed = frozenset(
            f"{kind}_{i}.npy" for i in range(n_layers) for kind in ("kernel", "bias")
        )
        # Only those names, each once: so every kernel has its bias.
        infos = check_members(zf, WEIGHTS, allowed)
        arrays = {}
        for name, info in infos.items():
            data = read_member(zf, info, MAX_MEMBER_BYTES)
            # allow_pickle=False: an object array is refused, never unpickled.
            array = np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)
            if array.dtype not in _WEIGHT_DTYPES:
                raise ModelFormatError(
                    f"{WEIGHTS}: {name} is {array.dtype}, not float32 or float16"
                )
            arrays[name.removesuffix(".npy")] = array.astype(np.float32, copy=False)
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


def _write_weights(
    weights: Iterable[tuple[np.ndarray, np.ndarray]], dtype: Any = np.float32
) -> bytes:
    """``weights.npz`` for :func:`_read_weights`, as bytes."""
    dtype = np.dtype(dtype)
    if dtype not in _WEIGHT_DTYPES:
        raise ValueError(f"weights are saved as float32 or float16, not {dtype}")
    arrays = {}
    for i, (kernel, bias) in enumerate(weights):
        arrays[f"kernel_{i}"] = np.ascontiguousarray(kernel, dtype=dtype)
        arrays[f"bias_{i}"] = np.ascontiguousarray(bias, dtype=dtype)
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
    problem = step_kinds_problem([step["class"] for step in steps])
    if problem:
        raise ModelFormatError(f"malformed step in {MANIFEST}: {problem}")
    *preprocessing, classifier = steps
    _check_classifier(classifier, weights)
    for step in preprocessing:
        check = _check_deskew if step["class"] == "Deskew" else _check_scaler
        check(step, classifier["fitted"]["n_features_in_"])
    return steps


def step_kinds_problem(kinds: list[str]) -> str | None:
    """What is wrong with a model's steps, named by class; None if nothing.

    A model is :class:`~skdigits.Deskew` steps, then
    :class:`~skdigits.PixelScaler` steps, ending in one
    :class:`~skdigits.DenseDigitClassifier`, alone or in a Pipeline.

    >>> step_kinds_problem(["PixelScaler", "DenseDigitClassifier"]) is None
    True
    >>> step_kinds_problem(["Deskew", "PixelScaler", "DenseDigitClassifier"]) is None
    True
    >>> print(step_kinds_problem(["DenseDigitClassifier", "PixelScaler"]))
    a model is a DenseDigitClassifier, or a Pipeline of Deskew steps, then
    PixelScaler steps, ending in one; got ['DenseDigitClassifier', 'PixelScaler']
    """
    *preprocessing, classifier = kinds
    n_deskew = next(
        (i for i, kind in enumerate(preprocessing) if kind != "Deskew"),
        len(preprocessing),
    )
    if classifier == "DenseDigitClassifier" and all(
        kind == "PixelScaler" for kind in preprocessing[n_deskew:]
    ):
        return None
    return (
        "a model is a DenseDigitClassifier, or a Pipeline of Deskew steps, then "
        f"PixelScaler steps, ending in one; got {list(kinds)!r:.200}"
    )


def _check_classifier(step: dict, weights: list) -> None:
    params, fitted = step["params"], step["fitted"]
    activation = fitted_activation(step)
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


def fitted_activation(step: dict[str, Any]) -> Any:
    """The hidden layers' activation of a classifier step, as fitted.

    Files saved before ``hidden_activation_`` existed have only the
    ``activation`` parameter, which was the fitted one.
    """
    return step["fitted"].get("hidden_activation_", step["params"].get("activation"))


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


def _check_deskew(step: dict, n_features: int) -> None:
    params, fitted = step["params"], step["fitted"]
    max_shear = params.get("max_shear")
    if not (_is_positive_number(max_shear) or max_shear == 0):
        raise ModelFormatError("Deskew's max_shear is not a number >= 0")
    if fitted.get("n_features_in_") != n_features:
        raise ModelFormatError(
            f"Deskew gives {fitted.get('n_features_in_')!r:.40} pixels, but "
            f"the classifier takes {n_features}"
        )
    shape = fitted.get("image_shape_")
    if shape is None or len(shape) != 2:
        raise ModelFormatError(f"Deskew's image_shape_ {shape!r:.80} is not 2-D")
    _check_image_shape(shape, n_features)


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
    >>> from skdigits._prediction.model_file import read_model_archive
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
    except ARCHIVE_ERRORS as exc:
        raise ModelFormatError(
            f"{path} is not a readable skdigits model file (truncated, corrupted "
            f"or of another kind): {exc!r:.300}"
        ) from exc


def _read_archive(path: Path, read_network: bool) -> ModelArchive:
    with zipfile.ZipFile(path) as zf:
        infos = check_members(zf, "the archive", _MEMBERS)
        if MANIFEST not in infos or WEIGHTS not in infos:
            raise ModelFormatError(
                f"a zip file but not a skdigits model: it lacks {MANIFEST} or {WEIGHTS}"
            )
        manifest_bytes = read_member(zf, infos[MANIFEST], MAX_MANIFEST_BYTES)
        manifest = _parse_manifest(manifest_bytes)
        weights = _read_weights(read_member(zf, infos[WEIGHTS], MAX_MEMBER_BYTES))
        has_network = NETWORK in infos
        if has_network != manifest["include_optimizer"]:
            raise ModelFormatError(
                f"{MANIFEST} and the archive disagree on whether it holds {NETWORK}"
            )
        network = None
        if has_network and read_network:
            network = read_member(zf, infos[NETWORK], MAX_MEMBER_BYTES)
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
    if not isinstance(manifest.get("about", {}), dict):
        raise ModelFormatError(f"{MANIFEST}: about is not an object")
    unsure = manifest.get("unsure")
    if unsure is not None:
        below = unsure.get("below") if isinstance(unsure, dict) else None
        if not (_is_positive_number(below) and below <= 1):
            raise ModelFormatError(
                f"{MANIFEST}: unsure holds no threshold 'below' in (0, 1]"
            )
    return manifest


# ---- writing ---------------------------------------------------------------


def write_model_archive(
    path: Path,
    manifest: dict[str, Any],
    weights: Iterable[tuple[np.ndarray, np.ndarray]],
    network: bytes | None,
    *,
    weights_dtype: Any = np.float32,
) -> Path:
    """Write a model file: the manifest, the weights and, if any, the network.

    ``manifest`` gets the format's name and version in front; ``network`` is
    ``network.keras`` as bytes, or None for an inference-only file, as
    ``manifest["include_optimizer"]`` says. ``weights_dtype`` is float32 or
    float16 (half the size; read back as float32).
    """
    if manifest["include_optimizer"] != (network is not None):
        raise ValueError("include_optimizer says whether the network is written")
    manifest = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, **manifest}
    payload = _write_weights(weights, weights_dtype)

    def write(partial_file: Path) -> None:
        with zipfile.ZipFile(partial_file, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(MANIFEST, json.dumps(manifest, indent=1))
            # Stored, not deflated: float weights shrink by 7 % at most, and
            # inflating them was most of the time to read a model.
            zf.writestr(WEIGHTS, payload, compress_type=zipfile.ZIP_STORED)
            if network is not None:
                zf.writestr(NETWORK, network)

    return write_atomically(path, write)


def rewrite_model_archive(
    source: str | os.PathLike[str],
    path: str | os.PathLike[str],
    *,
    weights_dtype: Any = np.float32,
    about: dict[str, Any] | None = None,
    unsure: dict[str, Any] | None = None,
) -> Path:
    """Copy an inference-only model file, with other weights' precision and
    with ``about`` and ``unsure`` entries in its manifest.

    What builds the shipped model (``scripts/build_pretrained.py``): the
    steps are copied as saved, and the copy is read back and checked.
    """
    archive = read_model_archive(source, read_network=False)
    if archive.manifest["include_optimizer"]:
        raise ValueError(f"{source} holds a network; save it inference-only")
    with zipfile.ZipFile(source) as zf:
        manifest = json.loads(zf.read(MANIFEST))
    for key in ("format", "format_version"):
        manifest.pop(key)
    for key, value in (("about", about), ("unsure", unsure)):
        if value is not None:
            manifest[key] = encode_value(value, key)
    written = write_model_archive(
        Path(path), manifest, archive.weights, None, weights_dtype=weights_dtype
    )
    read_model_archive(written, read_network=False)
    return written
