"""Plots for digit classifiers, following scikit-learn's Display API.

Each display's ``__init__`` only stores data; ``plot(ax=None, ...)`` draws and
sets ``figure_`` and ``ax_`` (one Axes) or ``axes_`` (an array of Axes, as
scikit-learn's ``PartialDependenceDisplay``); the ``from_*`` class methods
compute what to show and then plot it.

- :class:`ConfusionMatrixDisplay`: scikit-learn's confusion matrix display,
  plus a log colour scale and :meth:`~ConfusionMatrixDisplay.most_confused`
  (``skdigits._estimators.metrics.most_confused`` of its matrix).
- :class:`TrainingHistoryDisplay`: loss (log scale) and accuracy per epoch.
- :class:`DigitGalleryDisplay`: one random sample image per class.
- :class:`MisclassifiedDisplay`: the images a classifier got wrong.

Nothing here imports TensorFlow or the classifier; matplotlib and seaborn are
imported only when something is drawn.
"""

from skdigits._estimators.metrics import ConfusedPair
from skdigits._estimators.plotting._confusion_matrix import ConfusionMatrixDisplay
from skdigits._estimators.plotting._gallery import DigitGalleryDisplay
from skdigits._estimators.plotting._history import TrainingHistoryDisplay
from skdigits._estimators.plotting._misclassified import MisclassifiedDisplay

__all__ = [
    "ConfusedPair",
    "ConfusionMatrixDisplay",
    "DigitGalleryDisplay",
    "MisclassifiedDisplay",
    "TrainingHistoryDisplay",
]
