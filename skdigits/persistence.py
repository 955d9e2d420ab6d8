"""Pickle-free saving and loading of fitted skdigits models, and ONNX export."""

from skdigits._estimators.persistence import (
    ModelFormatError,
    export_onnx,
    load_model,
    save_model,
)

__all__ = [
    "ModelFormatError",
    "export_onnx",
    "load_model",
    "save_model",
]
