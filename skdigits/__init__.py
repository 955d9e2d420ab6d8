"""skdigits: a scikit-learn compatible dense-network digit classifier.

The top level is lazy: ``import skdigits`` does not start TensorFlow, which
takes seconds. TensorFlow loads the first time ``DenseDigitClassifier`` (or
persistence) is touched; the scaler, the data loaders and the plots never load
it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY = {
    "DenseDigitClassifier": "skdigits.classifier",
    "PixelScaler": "skdigits.preprocessing",
    "ConfusionMatrixDisplay": "skdigits.plotting",
    "TrainingHistoryDisplay": "skdigits.plotting",
    "DigitGalleryDisplay": "skdigits.plotting",
    "MisclassifiedDisplay": "skdigits.plotting",
    "save_model": "skdigits.persistence",
    "load_model": "skdigits.persistence",
}

__all__ = [
    "ConfusionMatrixDisplay",
    "DenseDigitClassifier",
    "DigitGalleryDisplay",
    "MisclassifiedDisplay",
    "PixelScaler",
    "TrainingHistoryDisplay",
    "__version__",
    "datasets",
    "load_model",
    "save_model",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from skdigits import datasets
    from skdigits.classifier import DenseDigitClassifier
    from skdigits.persistence import load_model, save_model
    from skdigits.plotting import (
        ConfusionMatrixDisplay,
        DigitGalleryDisplay,
        MisclassifiedDisplay,
        TrainingHistoryDisplay,
    )
    from skdigits.preprocessing import PixelScaler


def __getattr__(name: str) -> Any:
    if name == "datasets":
        return importlib.import_module("skdigits.datasets")
    try:
        module = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'skdigits' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # cache: the next access is a plain lookup
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
