"""The model skdigits ships: ready to read digits, with nothing to train.

:func:`load_pretrained` returns it. It is a model file inside the package,
built from full MNIST by ``scripts/build_pretrained.py`` with a fixed seed;
it records where it came from and its calibrated "not sure" threshold.
Nothing here imports TensorFlow, Keras or scikit-learn, and nothing is
downloaded.
"""

from skdigits._prediction.pretrained import load_pretrained

__all__ = [
    "load_pretrained",
]
