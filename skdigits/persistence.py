"""Pickle-free saving and loading of fitted skdigits models.

Unpickling runs arbitrary code, so a pickled model is only as safe as whoever
sent it. :func:`save_model` writes one zip file instead, holding:

* ``manifest.json``: the format version, and for each step its class name, its
  constructor parameters and its fitted attributes, as JSON;
* ``network.keras``: the Keras network in Keras's own format, loaded back with
  Keras's ``safe_mode`` (no deserialised lambdas).

Only skdigits's own estimators (and a Pipeline of them) are written or read, so
loading a file never instantiates a class the file names freely. ``pickle``,
``joblib`` and :func:`sklearn.base.clone` keep working as usual; this module is
for sharing models with people who should not have to trust you.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from skdigits import __version__
from skdigits.augmentation import RandomDistortion

__all__ = ["FORMAT_VERSION", "ModelFormatError", "load_model", "save_model"]

FORMAT_NAME = "skdigits-model"
FORMAT_VERSION = 1
_MANIFEST = "manifest.json"
_NETWORK = "network.keras"


class ModelFormatError(ValueError):
    """A file is not a valid skdigits model, or its parts do not agree.

    A subclass of :class:`ValueError`, raised by :func:`load_model` for a
    truncated or corrupted file, a file of another kind, or a model whose
    saved classes or shapes do not match its network. The message names the
    file and what is wrong with it.

    See Also
    --------
    load_model : Reads a model file.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skdigits.persistence import ModelFormatError, load_model
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "model.skdigits"
    ...     _ = path.write_text("not a model")
    ...     try:
    ...         load_model(path)
    ...     except ModelFormatError as exc:
    ...         print(type(exc).__name__, "model.skdigits" in str(exc))
    ModelFormatError True
    """


def _estimator_classes() -> dict[str, type]:
    # The allowlist of what a model file may contain; imported lazily because
    # the classifier starts TensorFlow.
    from skdigits.classifier import DenseDigitClassifier
    from skdigits.preprocessing import PixelScaler

    return {"DenseDigitClassifier": DenseDigitClassifier, "PixelScaler": PixelScaler}


# ---- JSON encoding of parameters and fitted attributes ---------------------


def _encode(value: Any, where: str) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, where) for v in value]}
    if isinstance(value, list):
        return [_encode(v, where) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _encode(v, where) for k, v in value.items()}
    if isinstance(value, RandomDistortion):
        # augment=RandomDistortion(...): its parameters, rebuilt on load.
        return {"__distortion__": _encode(value.get_params(), where)}
    if isinstance(value, np.ndarray):
        items = [_encode(v, where) for v in value.tolist()]
        return {
            "__ndarray__": items,
            "dtype": value.dtype.str,
            "shape": list(value.shape),
        }
    raise TypeError(
        f"{where} holds a {type(value).__name__}, which cannot be saved without "
        "pickle. Only numbers, strings, booleans, None, lists, tuples, dicts and "
        "arrays of those can be."
    )


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if "__tuple__" in value:
            return tuple(_decode(v) for v in value["__tuple__"])
        if "__distortion__" in value:
            return RandomDistortion(**_decode(value["__distortion__"]))
        if "__ndarray__" in value:
            array = np.asarray(value["__ndarray__"], dtype=np.dtype(value["dtype"]))
            return array.reshape(value["shape"])
        return {k: _decode(v) for k, v in value.items()}
    return value


def _describe_step(name: str | None, estimator: Any) -> dict[str, Any]:
    kind = type(estimator).__name__
    if _estimator_classes().get(kind) is not type(estimator):
        raise TypeError(
            f"save_model saves skdigits's DenseDigitClassifier and PixelScaler "
            f"(alone or in a Pipeline); got a {kind}. Use joblib or pickle for "
            "other estimators."
        )
    check_is_fitted(estimator)
    params = estimator.get_params(deep=False)
    if params.get("callbacks") is not None:
        warnings.warn(
            "Keras callbacks cannot be saved pickle-free; the saved model has "
            "callbacks=None.",
            UserWarning,
            stacklevel=3,
        )
        params["callbacks"] = None
    fitted = {
        key: value
        for key, value in vars(estimator).items()
        if key.endswith("_") and not key.startswith("_") and key != "model_"
    }
    return {
        "name": name,
        "class": kind,
        "params": _encode(params, f"{kind} parameters"),
        "fitted": _encode(fitted, f"fitted {kind}"),
    }


# ---- save -----------------------------------------------------------------


def save_model(estimator: Any, path: str | os.PathLike[str]) -> Path:
    """Save a fitted model to one pickle-free file.

    Parameters
    ----------
    estimator : DenseDigitClassifier or Pipeline
        A fitted :class:`~skdigits.DenseDigitClassifier`, or a fitted
        :class:`~sklearn.pipeline.Pipeline` of :class:`~skdigits.PixelScaler`
        steps ending in one.
    path : str or path-like
        Where to write; ``.skdigits`` is the customary suffix. The file is
        written to a temporary name first, so a failed save never leaves a
        half-written file behind.

    Returns
    -------
    path : pathlib.Path
        The file written.

    See Also
    --------
    load_model : Read the file back.

    Notes
    -----
    Keras callbacks (the ``callbacks`` parameter) are not saved.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sklearn.datasets import load_digits
    >>> from skdigits import DenseDigitClassifier, load_model, save_model
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = DenseDigitClassifier(hidden_layer_sizes=(16,), epochs=2,
    ...                            random_state=0).fit(X / 16, y)
    >>> path = save_model(clf, pathlib.Path(tempfile.mkdtemp()) / "digits.skdigits")
    >>> (load_model(path).predict(X[:5] / 16) == clf.predict(X[:5] / 16)).all()
    np.True_
    """
    path = Path(path)
    if isinstance(estimator, Pipeline):
        steps = list(estimator.steps)
    else:
        steps = [(None, estimator)]
    classifier = steps[-1][1]
    if type(classifier).__name__ != "DenseDigitClassifier" or any(
        type(step).__name__ != "PixelScaler" for _, step in steps[:-1]
    ):
        raise TypeError(
            "save_model saves a DenseDigitClassifier, or a Pipeline of "
            "PixelScaler steps ending in one; got "
            f"{[type(step).__name__ for _, step in steps]}."
        )
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "skdigits_version": __version__,
        "pipeline": isinstance(estimator, Pipeline),
        "steps": [_describe_step(name, step) for name, step in steps],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        network_file = Path(tmp) / _NETWORK
        classifier.model_.save(network_file)
        partial_file = path.with_name(path.name + ".partial")
        with zipfile.ZipFile(partial_file, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(_MANIFEST, json.dumps(manifest, indent=1))
            zf.write(network_file, _NETWORK)
        os.replace(partial_file, path)
    return path


# ---- load -----------------------------------------------------------------


def _read_archive(path: Path) -> tuple[dict[str, Any], bytes]:
    if not path.exists():
        raise FileNotFoundError(f"No model file at {path}.")
    if path.is_dir():
        raise ModelFormatError(f"{path} is a folder, not a skdigits model file.")
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if _MANIFEST not in names or _NETWORK not in names:
                raise ModelFormatError(
                    f"{path} is a zip file but not a skdigits model: it lacks "
                    f"{_MANIFEST} or {_NETWORK}."
                )
            manifest_bytes = zf.read(_MANIFEST)
            network = zf.read(_NETWORK)
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise ModelFormatError(
            f"{path} is not a readable skdigits model file (truncated, corrupted "
            f"or of another kind): {exc}"
        ) from exc
    try:
        manifest = json.loads(manifest_bytes)
    except ValueError as exc:
        raise ModelFormatError(f"{path}: {_MANIFEST} is not valid JSON: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise ModelFormatError(f"{path} is not a skdigits model file.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ModelFormatError(
            f"{path} uses model format version {manifest.get('format_version')}; "
            f"this skdigits ({__version__}) reads version {FORMAT_VERSION}."
        )
    return manifest, network


def _rebuild_step(entry: dict[str, Any], path: Path) -> Any:
    classes = _estimator_classes()
    try:
        cls = classes[entry["class"]]
        params = _decode(entry["params"])
        fitted = _decode(entry["fitted"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFormatError(
            f"{path}: malformed step in {_MANIFEST}: {exc!r}"
        ) from exc
    try:
        estimator = cls(**params)
        estimator._validate_params()
    except (TypeError, ValueError) as exc:
        raise ModelFormatError(
            f"{path}: invalid {cls.__name__} parameters: {exc}"
        ) from exc
    vars(estimator).update(fitted)
    return estimator


def _load_network(network: bytes, path: Path):
    from skdigits._tf_env import import_keras

    keras = import_keras()
    with tempfile.TemporaryDirectory() as tmp:
        network_file = Path(tmp) / _NETWORK
        network_file.write_bytes(network)
        try:
            return keras.saving.load_model(network_file, safe_mode=True)
        except Exception as exc:  # Keras raises many types for a bad file
            raise ModelFormatError(
                f"{path}: the Keras network inside cannot be loaded: {exc}"
            ) from exc


def load_model(path: str | os.PathLike[str]) -> Any:
    """Load a model written by :func:`save_model`.

    Parameters
    ----------
    path : str or path-like
        The model file.

    Returns
    -------
    estimator : DenseDigitClassifier or Pipeline
        The fitted estimator, predicting exactly as the one saved.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ModelFormatError
        If the file is truncated or corrupted, of another kind, or its network
        does not match its classes or input size.

    See Also
    --------
    save_model : Write a model file.

    Examples
    --------
    >>> from skdigits import load_model
    >>> load_model("no-such-model.skdigits")
    Traceback (most recent call last):
    ...
    FileNotFoundError: No model file at no-such-model.skdigits.
    """
    from skdigits.classifier import _dense_weights

    path = Path(path)
    manifest, network = _read_archive(path)
    entries = manifest.get("steps")
    if not isinstance(entries, list) or not entries:
        raise ModelFormatError(f"{path}: {_MANIFEST} lists no estimator.")
    steps = [(entry.get("name"), _rebuild_step(entry, path)) for entry in entries]
    classifier = steps[-1][1]
    if type(classifier).__name__ != "DenseDigitClassifier":
        raise ModelFormatError(f"{path}: the last step is not a DenseDigitClassifier.")
    model = _load_network(network, path)
    n_inputs, n_outputs = model.input_shape[-1], model.output_shape[-1]
    if n_inputs != classifier.n_features_in_ or n_outputs != len(classifier.classes_):
        raise ModelFormatError(
            f"{path}: the network takes {n_inputs} inputs and gives {n_outputs} "
            f"outputs, but the classifier expects {classifier.n_features_in_} "
            f"features and {len(classifier.classes_)} classes."
        )
    classifier.model_ = model
    classifier._forward_spec = (classifier.activation, _dense_weights(model))
    if manifest.get("pipeline"):
        return Pipeline(steps)
    return classifier
