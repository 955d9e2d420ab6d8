"""skdigits: a scikit-learn compatible dense-network digit classifier.

Every public name (the list is the API page of the docs) can be imported
from here. The top level is lazy: ``import skdigits`` imports none of them
until it is used, and TensorFlow starts only when a network is built or
trained (never to predict or load a model).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it: the API page, name for name
_LAZY = {
    "DenseDigitClassifier": "skdigits.classifier",
    "PixelScaler": "skdigits.preprocessing",
    "Deskew": "skdigits.deskew",
    "ConfusionMatrixDisplay": "skdigits.plotting",
    "TrainingHistoryDisplay": "skdigits.plotting",
    "DigitGalleryDisplay": "skdigits.plotting",
    "MisclassifiedDisplay": "skdigits.plotting",
    "load_mnist_sample": "skdigits.datasets",
    "fetch_mnist": "skdigits.datasets",
    "fetch_mnist_or_sample": "skdigits.datasets",
    "describe_dataset": "skdigits.datasets",
    "make_printed_digits": "skdigits.datasets",
    "DatasetNotFoundError": "skdigits.datasets",
    "DatasetFormatError": "skdigits.datasets",
    "ChecksumError": "skdigits.datasets",
    "save_model": "skdigits.persistence",
    "load_model": "skdigits.persistence",
    "export_onnx": "skdigits.persistence",
    "ModelFormatError": "skdigits.persistence",
    "load_inference_model": "skdigits.inference",
    "InferenceModel": "skdigits.inference",
    "load_pretrained": "skdigits.pretrained",
    "RandomDistortion": "skdigits.augmentation",
    # Importable from here; documented (and listed in __all__) where it is
    # defined, skdigits.augmentation, as the API page documents data.
    "RECIPES": "skdigits.augmentation",
    "get_recipe": "skdigits.augmentation",
    "distort_images": "skdigits.augmentation",
    "make_committee": "skdigits.committee",
    "make_record_committee": "skdigits.committee",
    "read_digits": "skdigits.image_io",
    "DigitSource": "skdigits.image_io",
    "ImageReadError": "skdigits.image_io",
    "prepare_digit": "skdigits.image_io",
    "run": "skdigits.serve",
    "start": "skdigits.serve",
    "create_app": "skdigits.serve",
    "predict_digit": "skdigits.serve",
    "BackgroundServer": "skdigits.serve",
    "make_digit_pipeline": "skdigits.pipeline",
    "continue_training": "skdigits._training",
}

__all__ = [
    "BackgroundServer",
    "ChecksumError",
    "ConfusionMatrixDisplay",
    "DatasetFormatError",
    "DatasetNotFoundError",
    "DenseDigitClassifier",
    "Deskew",
    "DigitGalleryDisplay",
    "DigitSource",
    "ImageReadError",
    "InferenceModel",
    "MisclassifiedDisplay",
    "ModelFormatError",
    "PixelScaler",
    "RandomDistortion",
    "TrainingHistoryDisplay",
    "__version__",
    "continue_training",
    "create_app",
    "datasets",
    "describe_dataset",
    "distort_images",
    "export_onnx",
    "fetch_mnist",
    "fetch_mnist_or_sample",
    "get_recipe",
    "load_inference_model",
    "load_mnist_sample",
    "load_model",
    "load_pretrained",
    "make_committee",
    "make_digit_pipeline",
    "make_printed_digits",
    "make_record_committee",
    "predict_digit",
    "prepare_digit",
    "read_digits",
    "run",
    "save_model",
    "start",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from skdigits import datasets
    from skdigits._training import continue_training
    from skdigits.augmentation import (
        RECIPES,  # noqa: F401  (see _LAZY)
        RandomDistortion,
        distort_images,
        get_recipe,
    )
    from skdigits.classifier import DenseDigitClassifier
    from skdigits.committee import make_committee, make_record_committee
    from skdigits.datasets import (
        ChecksumError,
        DatasetFormatError,
        DatasetNotFoundError,
        describe_dataset,
        fetch_mnist,
        fetch_mnist_or_sample,
        load_mnist_sample,
        make_printed_digits,
    )
    from skdigits.deskew import Deskew
    from skdigits.image_io import (
        DigitSource,
        ImageReadError,
        prepare_digit,
        read_digits,
    )
    from skdigits.inference import InferenceModel, load_inference_model
    from skdigits.persistence import (
        ModelFormatError,
        export_onnx,
        load_model,
        save_model,
    )
    from skdigits.pipeline import make_digit_pipeline
    from skdigits.plotting import (
        ConfusionMatrixDisplay,
        DigitGalleryDisplay,
        MisclassifiedDisplay,
        TrainingHistoryDisplay,
    )
    from skdigits.preprocessing import PixelScaler
    from skdigits.pretrained import load_pretrained
    from skdigits.serve import BackgroundServer, create_app, predict_digit, run, start


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
