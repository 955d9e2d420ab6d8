"""The default model as a Pipeline, and training a fitted one on.

:func:`make_digit_pipeline` builds ``Pipeline([PixelScaler(),
DenseDigitClassifier()])``; :func:`continue_training` trains a fitted or
saved one more epochs, from where it stopped.
"""

from skdigits._estimators.pipeline import continue_training, make_digit_pipeline

__all__ = [
    "continue_training",
    "make_digit_pipeline",
]
