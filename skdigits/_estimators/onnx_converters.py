"""skl2onnx converters for :class:`~skdigits.PixelScaler` and
:class:`~skdigits.DenseDigitClassifier`.

Importing this module needs the ``[onnx]`` extra (skl2onnx, onnx) and
registers both converters with skl2onnx, so that ``skl2onnx.to_onnx`` converts
a fitted ``Pipeline([PixelScaler(), DenseDigitClassifier()])`` or the
classifier alone, like any scikit-learn model. The public entry points are
:func:`skdigits._estimators.persistence.register_onnx_converters` and
:func:`skdigits.persistence.export_onnx`.

The graph is the NumPy forward pass (:func:`skdigits._prediction.forward.dense_forward`)
in ONNX operators: ``Cast``, ``Div`` and ``Min`` for the scaler, then
``MatMul``/``Add`` and the activation per hidden layer, ``Softmax``, and
``ArgMax`` into the labels. It never imports TensorFlow: the weights come from
the classifier's NumPy copy of them.
"""

from __future__ import annotations

import numpy as np
from skl2onnx import update_registered_converter
from skl2onnx.common._apply_operation import apply_cast, apply_reshape
from skl2onnx.common.data_types import (
    FloatTensorType,
    Int64TensorType,
    StringTensorType,
)
from skl2onnx.proto import onnx_proto

from skdigits._estimators.classifier import DenseDigitClassifier
from skdigits._estimators.preprocessing import PixelScaler
from skdigits._prediction.forward import SELU_ALPHA, SELU_SCALE

__all__ = ["register"]

_FLOAT = onnx_proto.TensorProto.FLOAT


def _n_features(operator) -> int:
    return int(operator.raw_operator.n_features_in_)


# ---- PixelScaler -------------------------------------------------------------


def _scaler_shape(operator) -> None:
    scaler = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    if scaler.output == "images":
        shape = [n, *scaler.image_shape_]
    else:
        shape = [n, _n_features(operator)]
    operator.outputs[0].type = FloatTensorType(shape)


def _flat_float_input(scope, operator, container, name: str) -> str:
    """The operator's input as flat float32 rows; the variable's name.

    Images (n, h, w) and flat rows (n, h*w) alike become (n, h*w) float32.
    """
    flat = scope.get_unique_variable_name(f"{name}_flat")
    as_float = scope.get_unique_variable_name(f"{name}_float")
    apply_reshape(
        scope,
        operator.inputs[0].full_name,
        flat,
        container,
        desired_shape=(-1, _n_features(operator)),
    )
    apply_cast(scope, flat, as_float, container, to=_FLOAT)
    return as_float


def _convert_scaler(scope, operator, container) -> None:
    scaler = operator.raw_operator
    as_float = _flat_float_input(scope, operator, container, "pixels")
    scaled = scope.get_unique_variable_name("pixels_scaled")
    # Divide (not multiply by scale_), as PixelScaler.transform does, so the
    # results are the same floats.
    max_value = scope.get_unique_variable_name("max_value")
    container.add_initializer(max_value, _FLOAT, [], [np.float32(scaler.max_value_)])
    container.add_node(
        "Div", [as_float, max_value], scaled, name=scope.get_unique_operator_name("Div")
    )
    result = scaled
    if scaler.clip:
        one, clipped = (
            scope.get_unique_variable_name("one"),
            scope.get_unique_variable_name("pixels_clipped"),
        )
        container.add_initializer(one, _FLOAT, [], [1.0])
        container.add_node(
            "Min", [scaled, one], clipped, name=scope.get_unique_operator_name("Min")
        )
        result = clipped
    if scaler.output == "images":
        apply_reshape(
            scope,
            result,
            operator.outputs[0].full_name,
            container,
            desired_shape=(-1, *scaler.image_shape_),
        )
    else:
        container.add_node(
            "Identity",
            result,
            operator.outputs[0].full_name,
            name=scope.get_unique_operator_name("Identity"),
        )


# ---- DenseDigitClassifier ------------------------------------------------------


def _label_type(classes: np.ndarray):
    if classes.dtype.kind in "biu":
        return Int64TensorType
    if classes.dtype.kind in "USO" and all(isinstance(c, str) for c in classes):
        return StringTensorType
    raise NotImplementedError(
        f"ONNX export supports integer or string class labels; this classifier "
        f"has labels of dtype {classes.dtype}."
    )


def _classifier_shape(operator) -> None:
    clf = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = _label_type(clf.classes_)([n])
    operator.outputs[1].type = FloatTensorType([n, len(clf.classes_)])


def _activation(scope, container, name: str, source: str, target: str) -> None:
    op = scope.get_unique_operator_name
    if name == "relu":
        container.add_node("Relu", source, target, name=op("Relu"))
    elif name == "tanh":
        container.add_node("Tanh", source, target, name=op("Tanh"))
    elif name == "sigmoid":
        container.add_node("Sigmoid", source, target, name=op("Sigmoid"))
    elif name == "elu":
        container.add_node("Elu", source, target, name=op("Elu"), alpha=1.0)
    elif name == "selu":
        container.add_node(
            "Selu",
            source,
            target,
            name=op("Selu"),
            alpha=SELU_ALPHA,
            gamma=SELU_SCALE,
        )
    elif name == "swish":
        gate = scope.get_unique_variable_name("swish_gate")
        container.add_node("Sigmoid", source, gate, name=op("Sigmoid"))
        container.add_node("Mul", [source, gate], target, name=op("Mul"))
    elif name == "linear":
        container.add_node("Identity", source, target, name=op("Identity"))
    else:  # pragma: no cover - _parameter_constraints allows no other name
        raise NotImplementedError(f"no ONNX form for activation {name!r}")


def _convert_classifier(scope, operator, container) -> None:
    clf = operator.raw_operator
    activation = clf.hidden_activation_
    weights = list(zip(clf.coefs_, clf.intercepts_, strict=True))
    op = scope.get_unique_operator_name
    h = _flat_float_input(scope, operator, container, "features")
    for i, (kernel, bias) in enumerate(weights):
        kernel_name = scope.get_unique_variable_name(f"kernel_{i}")
        bias_name = scope.get_unique_variable_name(f"bias_{i}")
        container.add_initializer(kernel_name, _FLOAT, kernel.shape, kernel.ravel())
        container.add_initializer(bias_name, _FLOAT, bias.shape, bias)
        product = scope.get_unique_variable_name(f"matmul_{i}")
        logits = scope.get_unique_variable_name(f"logits_{i}")
        container.add_node("MatMul", [h, kernel_name], product, name=op("MatMul"))
        container.add_node("Add", [product, bias_name], logits, name=op("Add"))
        if i < len(weights) - 1:
            h = scope.get_unique_variable_name(f"hidden_{i + 1}")
            _activation(scope, container, activation, logits, h)
    probabilities = operator.outputs[1].full_name
    container.add_node("Softmax", logits, probabilities, name=op("Softmax"), axis=-1)

    # Labels: classes_[argmax(probabilities)].
    classes = clf.classes_
    best = scope.get_unique_variable_name("best")
    container.add_node(
        "ArgMax", probabilities, best, name=op("ArgMax"), axis=1, keepdims=0
    )
    classes_name = scope.get_unique_variable_name("classes")
    if _label_type(classes) is Int64TensorType:
        values = classes.astype(np.int64)
        proto = onnx_proto.TensorProto.INT64
    else:
        values = np.array([str(c).encode("utf-8") for c in classes])
        proto = onnx_proto.TensorProto.STRING
    container.add_initializer(classes_name, proto, [len(values)], values.tolist())
    container.add_node(
        "Gather",
        [classes_name, best],
        operator.outputs[0].full_name,
        name=op("Gather"),
        axis=0,
    )


def register() -> None:
    """Register the converters with skl2onnx (idempotent)."""
    update_registered_converter(
        PixelScaler, "SkdigitsPixelScaler", _scaler_shape, _convert_scaler
    )
    update_registered_converter(
        DenseDigitClassifier,
        "SkdigitsDenseDigitClassifier",
        _classifier_shape,
        _convert_classifier,
        # skl2onnx's default classifier parser (labels and probabilities)
        # applies to classifiers that declare the zipmap option.
        options={"zipmap": [True, False, "columns"], "nocl": [False]},
    )


register()
