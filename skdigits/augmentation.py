"""Random distortions of training images, and the measured recipes.

:class:`RandomDistortion` is what ``DenseDigitClassifier(augment=...)``
takes; :data:`RECIPES` are the parameter sets the benchmark measured, and
:func:`get_recipe` returns one; :func:`distort_images` shows what a
distortion does to images.
"""

from skdigits._estimators.augmentation import (
    DESKEWED_RECIPES,
    RECIPES,
    RandomDistortion,
    distort_images,
    get_recipe,
)

__all__ = [
    "DESKEWED_RECIPES",
    "RECIPES",
    "RandomDistortion",
    "distort_images",
    "get_recipe",
]
