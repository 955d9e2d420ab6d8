"""Read digits with NumPy alone: saved models, pictures and files to answers.

:func:`load_inference_model` reads a file written by
:func:`skdigits.persistence.save_model` into an :class:`InferenceModel`,
which predicts with a division and a few matrix products.
:func:`predict_digit` reads one picture of a digit, :func:`predict_number`
one picture of a number (several digits in a line), and
:func:`predict_digits` image files, folders and ``.npy`` stacks, with a
fitted model, a saved one or the shipped one
(:func:`skdigits.pretrained.load_pretrained`), and answer in the docs' answer format.
``skdigits predict`` and ``skdigits serve`` stand on these.

Nothing here imports TensorFlow, Keras or scikit-learn.
"""

from skdigits._prediction.model import InferenceModel, load_inference_model
from skdigits._prediction.numbers import predict_number
from skdigits._prediction.predict import predict_digit, predict_digits

__all__ = [
    "InferenceModel",
    "load_inference_model",
    "predict_digit",
    "predict_digits",
    "predict_number",
]
