"""Pickle-free saving and loading of fitted skdigits models.

Unpickling runs arbitrary code, so a pickled model is only as safe as whoever
sent it. :func:`save_model` writes one zip file instead, holding:

* ``manifest.json``: the format version, and for each step its class name, its
  constructor parameters and its fitted attributes, as JSON;
* ``weights.npz``: the dense layers' weights as plain float32 arrays, which is
  all prediction needs (:mod:`skdigits.inference` predicts from them with
  NumPy alone);
* ``network.keras``: the compiled Keras network with its optimizer state, in
  Keras's own format, which continuing training needs. An inference-only file
  (``include_optimizer=False``) leaves it out and is less than half the size.

:func:`load_model` reads and checks the file without TensorFlow (see
``skdigits._prediction.model_file.read_model_archive``: no unpickling, only the three
members above, capped sizes, parts that agree) and returns estimators that
predict from the saved weights. The Keras network is rebuilt, with
TensorFlow, only when something reads ``model_`` or trains further.

Only skdigits's own estimators (and a Pipeline of them) are written or read, so
loading a file never instantiates a class the file names freely. ``pickle``,
``joblib`` and :func:`sklearn.base.clone` keep working as usual; this module is
for sharing models with people who should not have to trust you.
"""

from __future__ import annotations

import io
import json
import os
import warnings
import zipfile
from pathlib import Path
from typing import Any

from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from skdigits import __version__
from skdigits._estimators.augmentation import RandomDistortion
from skdigits._prediction.model_file import (
    ARCHIVE_ERRORS,
    MANIFEST,
    MAX_MANIFEST_BYTES,
    NETWORK,
    ModelArchive,
    ModelFormatError,
    check_members,
    encode_value,
    read_member,
    read_model_archive,
    step_kinds_problem,
    write_model_archive,
)
from skdigits._prediction.writing import write_atomically

__all__ = [
    "ModelFormatError",
    "export_onnx",
    "load_model",
    "save_model",
]

# What network.keras may hold: Keras's own members, and only the layers that
# build_dense_network makes. Anything else (a Lambda layer, a custom class)
# is refused before Keras sees the file; Keras's safe_mode is a second guard.
_KERAS_MEMBERS = frozenset({"config.json", "metadata.json", "model.weights.h5"})
_KERAS_LAYERS = frozenset({"InputLayer", "Dropout", "Dense"})


def _estimator_classes() -> dict[str, type]:
    # The allowlist of what a model file may contain.
    from skdigits._estimators.classifier import DenseDigitClassifier
    from skdigits._estimators.deskew import Deskew
    from skdigits._estimators.preprocessing import PixelScaler

    return {
        "DenseDigitClassifier": DenseDigitClassifier,
        "PixelScaler": PixelScaler,
        "Deskew": Deskew,
    }


# A RandomDistortion parameter (``augment=``) is stored as its own parameters
# under this key and rebuilt on load; the NumPy-only reader sees a plain dict.
_DISTORTION_KEY = "__distortion__"


def _plain_params(params: dict[str, Any]) -> dict[str, Any]:
    return {
        key: {_DISTORTION_KEY: value.get_params()}
        if isinstance(value, RandomDistortion)
        else value
        for key, value in params.items()
    }


def _rich_params(params: dict[str, Any]) -> dict[str, Any]:
    return {
        key: RandomDistortion(**value[_DISTORTION_KEY])
        if isinstance(value, dict) and set(value) == {_DISTORTION_KEY}
        else value
        for key, value in params.items()
    }


# MLPClassifier's coefs_ and intercepts_ are the dense layers' weights, which
# weights.npz holds already: as JSON they would be most of the file.
# load_model sets them again from the weights.
_FITTED_FROM_WEIGHTS = frozenset({"coefs_", "intercepts_"})


def _describe_step(name: str | None, estimator: Any) -> dict[str, Any]:
    kind = type(estimator).__name__
    if _estimator_classes().get(kind) is not type(estimator):
        raise TypeError(
            f"save_model saves skdigits's DenseDigitClassifier, PixelScaler "
            f"and Deskew (alone or in a Pipeline); got a {kind}. Use joblib or "
            "pickle for other estimators."
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
        if key.endswith("_")
        and not key.startswith("_")
        and key not in _FITTED_FROM_WEIGHTS
    }
    return {
        "name": name,
        "class": kind,
        "params": encode_value(_plain_params(params), f"{kind} parameters"),
        "fitted": encode_value(fitted, f"fitted {kind}"),
    }


# ---- save -----------------------------------------------------------------


def save_model(
    estimator: Any, path: str | os.PathLike[str], *, include_optimizer: bool = True
) -> Path:
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
    include_optimizer : bool, default=True
        Also save the compiled Keras network with its optimizer state, which
        continuing training needs. ``False`` writes an inference-only file:
        the weights and everything prediction needs, less than half the size
        (3.1 MB instead of 11 MB for the default network). A model loaded
        from it predicts identically, but refuses to continue training.

    Returns
    -------
    path : pathlib.Path
        The file written.

    See Also
    --------
    load_model : Read the file back.
    skdigits.inference.load_inference_model : Predict from the file with
        NumPy only.

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
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> path = save_model(clf, folder / "digits.skdigits")
    >>> (load_model(path).predict(X[:5] / 16) == clf.predict(X[:5] / 16)).all()
    np.True_
    >>> small = save_model(clf, folder / "small.skdigits", include_optimizer=False)
    >>> small.stat().st_size < path.stat().st_size
    True
    """
    path = Path(path)
    if isinstance(estimator, Pipeline):
        steps = list(estimator.steps)
    else:
        steps = [(None, estimator)]
    problem = step_kinds_problem([type(step).__name__ for _, step in steps])
    if problem:
        raise TypeError(f"save_model cannot save this: {problem}.")
    if not isinstance(include_optimizer, bool):
        raise TypeError(
            f"include_optimizer must be True or False; got {include_optimizer!r}."
        )
    manifest = {
        "skdigits_version": __version__,
        "pipeline": isinstance(estimator, Pipeline),
        "include_optimizer": include_optimizer,
        "steps": [_describe_step(name, step) for name, step in steps],
    }
    classifier = steps[-1][1]
    if include_optimizer and classifier._network.inference_only:
        raise ValueError(
            "This DenseDigitClassifier was loaded from an inference-only file, "
            "which holds no optimizer state to save; pass include_optimizer=False."
        )
    network = None
    if include_optimizer:
        from skdigits._keras.network import network_bytes

        network = network_bytes(classifier.model_)
    weights = list(zip(classifier.coefs_, classifier.intercepts_, strict=True))
    return write_model_archive(path, manifest, weights, network)


# ---- load -----------------------------------------------------------------


def _check_keras_config(config: Any, where: str = "config") -> None:
    """Refuse any object in a Keras config that is not one of Keras's own."""
    if isinstance(config, list):
        for item in config:
            _check_keras_config(item, where)
    elif isinstance(config, dict):
        if "class_name" in config:
            module, name = config.get("module"), config["class_name"]
            if (
                not isinstance(name, str)
                or not name.isidentifier()
                or name.startswith("_")
                or not isinstance(module, str)
                or not (module == "keras" or module.startswith("keras."))
                or config.get("registered_name") not in (None, name)
            ):
                raise ModelFormatError(
                    f"{NETWORK} holds {name!r:.60} from {module!r:.60} in {where}; "
                    "only Keras's own classes are loaded"
                )
        for key, value in config.items():
            _check_keras_config(value, f"{where}.{key}")


def _check_network(network: bytes) -> None:
    """Statically check ``network.keras`` (itself a zip) before Keras reads it."""
    try:
        with zipfile.ZipFile(io.BytesIO(network)) as zf:
            infos = check_members(zf, NETWORK, _KERAS_MEMBERS)
            if "config.json" not in infos or "model.weights.h5" not in infos:
                raise ModelFormatError(f"{NETWORK} is not a Keras model file")
            config = json.loads(
                read_member(zf, infos["config.json"], MAX_MANIFEST_BYTES)
            )
    except ARCHIVE_ERRORS as exc:
        if isinstance(exc, ModelFormatError):
            raise
        raise ModelFormatError(
            f"{NETWORK} is not a readable zip: {exc!r:.200}"
        ) from exc
    except RecursionError as exc:
        raise ModelFormatError(f"{NETWORK}'s config is too deep: {exc!r:.200}") from exc
    body = config.get("config") if isinstance(config, dict) else None
    layers = body.get("layers") if isinstance(body, dict) else None
    layers = layers if isinstance(layers, list) else None
    if layers is None or config.get("class_name") != "Sequential":
        raise ModelFormatError(
            f"{NETWORK} is not the Sequential network skdigits saves"
        )
    for layer in layers:
        kind = layer.get("class_name") if isinstance(layer, dict) else None
        if kind not in _KERAS_LAYERS:
            raise ModelFormatError(
                f"{NETWORK} holds a {kind!r:.60} layer; skdigits networks hold only "
                f"{sorted(_KERAS_LAYERS)}, and a file with anything else (such as "
                "a Lambda layer, which runs code) is refused"
            )
    _check_keras_config(config)


def _rebuild_step(entry: dict[str, Any], path: Path) -> Any:
    cls = _estimator_classes()[entry["class"]]
    try:
        estimator = cls(**_rich_params(entry["params"]))
        estimator._validate_params()
    except (TypeError, ValueError) as exc:
        raise ModelFormatError(
            f"{path}: invalid {cls.__name__} parameters: {exc}"
        ) from exc
    for key, value in entry["fitted"].items():
        # A fitted attribute never shadows a method or property of the class.
        if hasattr(cls, key):
            raise ModelFormatError(
                f"{path}: malformed step in {MANIFEST}: {key!r} is not a fitted "
                f"attribute of {cls.__name__}"
            )
        setattr(estimator, key, value)
    return estimator


def load_model(path: str | os.PathLike[str]) -> Any:
    """Load a model written by :func:`save_model`.

    The file is read and checked without TensorFlow, and the estimators
    predict from the saved weights with NumPy, exactly as the ones saved.
    TensorFlow starts only when the Keras network is needed: reading the
    classifier's ``model_``, training further, or saving with its optimizer.

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
        If the file is truncated or corrupted, of another kind, holds
        unexpected or oversized members, or its parts do not agree. Nothing
        in the file is ever unpickled, and a network holding anything but
        the Dense and Dropout layers skdigits makes is refused.

    See Also
    --------
    save_model : Write a model file.
    skdigits.inference.load_inference_model : Predict from a model file with
        NumPy only, without scikit-learn.

    Examples
    --------
    >>> from skdigits import load_model
    >>> load_model("no-such-model.skdigits")
    Traceback (most recent call last):
    ...
    FileNotFoundError: No model file at no-such-model.skdigits.
    """
    path = Path(path)
    archive: ModelArchive = read_model_archive(path)
    if archive.network is not None:
        try:
            _check_network(archive.network)
        except ModelFormatError as exc:
            raise ModelFormatError(f"{path}: {exc}") from exc.__cause__
    steps = [
        (entry["name"], _rebuild_step(entry, path))
        for entry in archive.manifest["steps"]
    ]
    classifier = steps[-1][1]
    classifier.coefs_ = [kernel for kernel, _ in archive.weights]
    classifier.intercepts_ = [bias for _, bias in archive.weights]
    if not hasattr(classifier, "hidden_activation_"):  # saved before 0.2
        classifier.hidden_activation_ = classifier.activation
    classifier._restore_network(archive.network, archive.weights, where=str(path))
    if archive.manifest["pipeline"]:
        return Pipeline(steps)
    return classifier


# ---- ONNX ------------------------------------------------------------------


def register_onnx_converters() -> None:
    """Teach skl2onnx to convert :class:`~skdigits.PixelScaler` and
    :class:`~skdigits.DenseDigitClassifier`.

    After this call, ``skl2onnx.to_onnx(model, X[:1])`` converts a fitted
    classifier, or a Pipeline of PixelScaler steps ending in one, like any
    scikit-learn model. Calling it again does nothing more. Needs the
    ``[onnx]`` extra (``pip install "skdigits[onnx]"``).

    Returns
    -------
    None
        The converters are registered with skl2onnx, for the whole process.

    Raises
    ------
    ImportError
        If skl2onnx is not installed; the message says how to install it.

    See Also
    --------
    export_onnx : Convert a model or a model file in one call.

    Examples
    --------
    >>> import numpy as np
    >>> from skl2onnx import to_onnx
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.pipeline import make_pipeline
    >>> from skdigits import DenseDigitClassifier, PixelScaler
    >>> from skdigits._estimators.persistence import register_onnx_converters
    >>> register_onnx_converters()
    >>> X, y = load_digits(return_X_y=True)
    >>> model = make_pipeline(PixelScaler(), DenseDigitClassifier(
    ...     hidden_layer_sizes=(16,), epochs=2, random_state=0)).fit(X, y)
    >>> onx = to_onnx(model, X[:1].astype(np.float32),
    ...               options={DenseDigitClassifier: {"zipmap": False}})
    >>> [output.name for output in onx.graph.output]
    ['label', 'probabilities']
    """
    try:
        import skdigits._estimators.onnx_converters  # noqa: F401  (registers on import)
    except ImportError as exc:
        raise ImportError(
            "ONNX export needs skl2onnx and onnx: pip install 'skdigits[onnx]' "
            f"({exc})."
        ) from exc


def export_onnx(model: Any, onnx_path: str | os.PathLike[str]) -> Path:
    """Write a model as an ONNX file, to run with onnxruntime in any language.

    Parameters
    ----------
    model : str, path-like, DenseDigitClassifier or Pipeline
        A model file written by :func:`save_model` (full or inference-only),
        or a fitted estimator as :func:`save_model` takes.
    onnx_path : str or path-like
        Where to write the ONNX model (``.onnx``).

    Returns
    -------
    path : pathlib.Path
        The file written.

    Notes
    -----
    The graph has one input, ``pixels``: float32 of shape
    ``(n_samples, n_features)`` (784 for MNIST; flatten images row by row,
    and give raw 0-255 values when the model starts with a PixelScaler). It
    has two outputs: ``label``, shape ``(n_samples,)``, int64 or string like
    ``classes_``, and ``probabilities``, float32 of shape
    ``(n_samples, n_classes)`` in the order of ``classes_``. They match
    ``predict`` and ``predict_proba`` to float32 rounding. The conversion
    never starts TensorFlow. Needs the ``[onnx]`` extra.

    ``skdigits._estimators.persistence.register_onnx_converters()`` teaches skl2onnx the
    converters, to call ``skl2onnx.to_onnx`` directly.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> from sklearn.datasets import load_digits
    >>> from skdigits import DenseDigitClassifier, save_model
    >>> from skdigits.persistence import export_onnx
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = DenseDigitClassifier(hidden_layer_sizes=(16,), epochs=2,
    ...                            random_state=0).fit(X / 16, y)
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> path = export_onnx(save_model(clf, folder / "m.skdigits"), folder / "m.onnx")
    >>> session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    >>> labels, proba = session.run(None, {"pixels": (X[:5] / 16).astype(np.float32)})
    >>> (labels == clf.predict(X[:5] / 16)).all()
    np.True_
    """
    register_onnx_converters()
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType

    from skdigits._estimators.classifier import DenseDigitClassifier
    from skdigits._estimators.deskew import Deskew

    if isinstance(model, (str, os.PathLike)):
        model = load_model(model)
    steps = model.steps if isinstance(model, Pipeline) else [(None, model)]
    if any(isinstance(step, Deskew) for _, step in steps):
        # Its shear depends on each image's moments: no skl2onnx converter.
        raise ValueError(
            "export_onnx cannot export a model with a Deskew step yet; "
            "use skdigits.inference.load_inference_model to predict without "
            "TensorFlow."
        )
    onnx_path = Path(onnx_path)
    n_features = int(model.n_features_in_)
    onx = to_onnx(
        model,
        initial_types=[("pixels", FloatTensorType([None, n_features]))],
        options={DenseDigitClassifier: {"zipmap": False}},
        final_types=None,
        target_opset=None,
    )
    _rename_outputs(onx, ["label", "probabilities"])
    payload = onx.SerializeToString()
    return write_atomically(onnx_path, lambda file: file.write_bytes(payload))


def _rename_outputs(onx: Any, names: list[str]) -> None:
    """Give the graph's outputs stable names (skl2onnx's depend on the steps)."""
    renames = {
        output.name: name for output, name in zip(onx.graph.output, names, strict=True)
    }
    for node in onx.graph.node:
        node.output[:] = [renames.get(name, name) for name in node.output]
    for output in onx.graph.output:
        output.name = renames[output.name]
