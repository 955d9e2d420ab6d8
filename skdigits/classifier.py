"""The classifier: :class:`DenseDigitClassifier`, the notebook's network as a
scikit-learn estimator.

Its code lives in :mod:`skdigits._estimators.classifier`; this module is
where users import it from.
"""

from skdigits._estimators.classifier import DenseDigitClassifier

__all__ = [
    "DenseDigitClassifier",
]
