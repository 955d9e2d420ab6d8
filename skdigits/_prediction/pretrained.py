"""The model skdigits ships: ready to read digits, with nothing to train.

``skdigits.load_pretrained()`` returns it; ``skdigits predict IMAGE...`` and
``skdigits serve`` use it when no model is given. It is a model file inside
the package (``skdigits/models/pretrained.skdigits``), built from full MNIST
by ``scripts/build_pretrained.py`` with a fixed seed, and it records where it
came from (its ``about``: recipe, seed, data checksum, skdigits version,
accuracies) and its calibrated "not sure" threshold.

Nothing here imports TensorFlow, Keras or scikit-learn, and nothing is
downloaded.
"""

from __future__ import annotations

from pathlib import Path

from skdigits._prediction.model import InferenceModel, load_inference_model

__all__ = ["load_pretrained"]

#: The shipped model file.
PRETRAINED_FILE = Path(__file__).with_name("models") / "pretrained.skdigits"
#: Its size limit in the package (the build script refuses a larger file).
MAX_PRETRAINED_BYTES = 3_500_000


def load_pretrained() -> InferenceModel:
    """The model skdigits ships, ready to predict, with NumPy only.

    A ``Pipeline([Deskew(), PixelScaler(), DenseDigitClassifier()])``
    (``make_digit_pipeline(deskew=True)``) trained on full MNIST by
    ``scripts/build_pretrained.py`` (the ``robust`` recipe, fixed seed),
    stored with float16 weights (read as float32). Its first step,
    :class:`~skdigits.Deskew`, straightens each slanted digit before the
    network reads it. It takes (n, 28, 28) or (n, 784) uint8 digits
    prepared as MNIST's were (see :func:`skdigits.image_io.prepare_digit`).
    MNIST is by Yann LeCun and Corinna Cortes, under CC BY-SA 3.0.

    Returns
    -------
    model : InferenceModel
        With ``about`` (the model's provenance: ``recipe``, ``params``,
        ``seed``, ``data_sha256``, ``skdigits_version``, ``train_seconds``,
        ``accuracy`` on the validation and test sets, ...) and
        ``unsure_below``, its calibrated "not sure" threshold on the top
        probability.

    See Also
    --------
    skdigits.inference.load_inference_model : Load any saved model this way.
    skdigits.persistence.load_model : Load a saved model as scikit-learn
        estimators.

    Examples
    --------
    >>> from skdigits import load_pretrained
    >>> from skdigits.datasets import load_mnist_sample
    >>> model = load_pretrained()
    >>> X_test, y_test = load_mnist_sample(return_X_y=True)[2:]
    >>> float((model.predict(X_test) == y_test).mean()) > 0.97
    True
    >>> model.about["seed"], 0.5 <= model.unsure_below < 1
    (0, True)
    """
    return load_inference_model(PRETRAINED_FILE)
