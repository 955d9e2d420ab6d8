"""The notebook's dense network, in plain Keras, and its NumPy forward pass.

Nothing here knows scikit-learn. :func:`build_dense_network` makes the Keras
model; :func:`dense_forward` evaluates the same model with NumPy from its
trained weights. The second exists because ``keras.Model.predict`` costs tens
of milliseconds per call whatever the batch size, while one sample through
three dense layers is a fraction of a millisecond of matrix products.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # keras is imported lazily: it starts TensorFlow
    import keras

__all__ = [
    "ACTIVATIONS",
    "OPTIMIZERS",
    "PREDICT_CHUNK_SIZE",
    "build_dense_network",
    "dense_forward",
    "dense_forward_in_chunks",
    "dense_logits",
    "make_optimizer",
]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # Split by sign so that exp never overflows.
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def _elu(z: np.ndarray) -> np.ndarray:
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))


_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805

#: Hidden-layer activations: each one is a Keras name with an exact NumPy
#: twin, so that the fast prediction path gives Keras's probabilities.
ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": lambda z: np.maximum(z, 0),
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "elu": _elu,
    "selu": lambda z: (
        _SELU_SCALE * np.where(z > 0, z, _SELU_ALPHA * np.expm1(np.minimum(z, 0)))
    ),
    "swish": lambda z: z * _sigmoid(z),
    "linear": lambda z: z,
}

#: Keras optimizer names that take a ``learning_rate``.
OPTIMIZERS = ("adam", "adamw", "nadam", "adamax", "rmsprop", "sgd", "adagrad")


def build_dense_network(
    n_features: int,
    n_classes: int,
    *,
    hidden_layer_sizes: Sequence[int] = (784, 196),
    activation: str = "relu",
    dropout: float = 0.1,
    seed: int | None = None,
) -> keras.Model:
    """Build the notebook's network: Dropout, dense hidden layers, softmax.

    Parameters
    ----------
    n_features : int
        Number of input pixels (784 for 28x28 images).
    n_classes : int
        Number of output classes.
    hidden_layer_sizes : sequence of int, default=(784, 196)
        Width of each hidden ``Dense`` layer.
    activation : str, default="relu"
        Activation of the hidden layers, one of :data:`ACTIVATIONS`.
    dropout : float, default=0.1
        Rate of the ``Dropout`` applied to the input pixels, as in the notebook.
    seed : int or None, default=None
        Seeds the initial weights and the dropout masks, each layer from its
        own seed drawn from ``seed``. None leaves them to Keras, which draws
        them from Python's global ``random``.

    Returns
    -------
    model : keras.Model
        An uncompiled ``keras.Sequential`` model.

    Examples
    --------
    >>> from skdigits.network import build_dense_network
    >>> model = build_dense_network(784, 10)
    >>> model.count_params()
    771270
    >>> import numpy as np
    >>> def first_kernel(seed):
    ...     model = build_dense_network(4, 2, hidden_layer_sizes=(3,), seed=seed)
    ...     return model.weights[0].numpy()
    >>> np.array_equal(first_kernel(0), first_kernel(0))
    True
    >>> np.array_equal(first_kernel(0), first_kernel(1))
    False
    """
    from skdigits._tf_env import import_keras

    keras = import_keras()
    # Explicit per-layer seeds: Keras would otherwise draw them from Python's
    # global `random`, which any other thread of the process (a Dask worker's
    # event loop, say) may advance between seeding and building.
    n_seeds = len(hidden_layer_sizes) + 2  # dropout, hidden layers, output
    if seed is None:
        seeds = iter([None] * n_seeds)
    else:
        rng = np.random.default_rng(seed)
        seeds = iter(rng.integers(1, 2**31 - 1, size=n_seeds).tolist())

    def dense(width: int, activation: str, name: str) -> keras.layers.Dense:
        initializer = keras.initializers.GlorotUniform(seed=next(seeds))
        return keras.layers.Dense(
            width, activation=activation, kernel_initializer=initializer, name=name
        )

    layers = [keras.Input(shape=(n_features,), name="pixels")]
    dropout_seed = next(seeds)
    if dropout > 0:
        layers.append(
            keras.layers.Dropout(dropout, seed=dropout_seed, name="input_dropout")
        )
    for i, width in enumerate(hidden_layer_sizes, start=1):
        layers.append(dense(width, activation, f"hidden_{i}"))
    layers.append(dense(n_classes, "softmax", "probabilities"))
    return keras.Sequential(layers, name="dense_digit_network")


def make_optimizer(name: str, learning_rate: float) -> keras.optimizers.Optimizer:
    """Return a fresh Keras optimizer ``name`` with the given learning rate.

    Parameters
    ----------
    name : str
        Keras name of the optimizer, one of :data:`OPTIMIZERS`.
    learning_rate : float or keras.optimizers.schedules.LearningRateSchedule
        A fixed learning rate, or a schedule giving the rate at each training
        step (as ``DenseDigitClassifier`` passes for ``lr_schedule="cosine"``).

    Returns
    -------
    optimizer : keras.optimizers.Optimizer
        A new optimizer instance, never shared between models.

    Examples
    --------
    >>> from skdigits.network import make_optimizer
    >>> opt = make_optimizer("adam", 0.001)
    >>> type(opt).__name__, round(float(opt.learning_rate), 6)
    ('Adam', 0.001)
    """
    from skdigits._tf_env import import_keras

    keras = import_keras()
    return keras.optimizers.get(
        {"class_name": name, "config": {"learning_rate": learning_rate}}
    )


#: Samples per forward pass in :func:`dense_forward_in_chunks`: big enough for
#: fast matrix products, small enough that the hidden activations of a huge X
#: never all sit in memory at once.
PREDICT_CHUNK_SIZE = 2048


def dense_forward(
    weights: Sequence[tuple[np.ndarray, np.ndarray]],
    X: np.ndarray,
    activation: str = "relu",
) -> np.ndarray:
    """Class probabilities of the dense network, computed with NumPy.

    Dropout is the identity at inference, so only the dense layers count.
    The whole of ``X`` goes through at once; predictions go through
    :func:`dense_forward_in_chunks`.

    Parameters
    ----------
    weights : sequence of (kernel, bias) pairs
        The dense layers' weights, first hidden layer first, output layer last.
    X : ndarray of shape (n_samples, n_features), dtype float32
        Input pixels.
    activation : str, default="relu"
        Activation of the hidden layers.

    Returns
    -------
    proba : ndarray of shape (n_samples, n_classes), dtype float32
        Softmax probabilities; rows sum to 1.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits.network import dense_forward
    >>> W = [(np.eye(2, dtype=np.float32), np.zeros(2, np.float32))]
    >>> dense_forward(W, np.array([[0.0, 0.0]], dtype=np.float32))
    array([[0.5, 0.5]], dtype=float32)
    """
    logits = dense_logits(weights, X, activation)
    # Stable softmax: shift by the row maximum before exponentiating.
    logits -= logits.max(axis=1, keepdims=True)
    np.exp(logits, out=logits)
    logits /= logits.sum(axis=1, keepdims=True)
    return logits


def dense_logits(
    weights: Sequence[tuple[np.ndarray, np.ndarray]],
    X: np.ndarray,
    activation: str = "relu",
) -> np.ndarray:
    """The output layer's pre-activations (logits), computed with NumPy.

    :func:`dense_forward` is their softmax; ``predict_log_proba`` takes
    their log-softmax, which stays finite where a probability underflows.

    Parameters
    ----------
    weights : sequence of (kernel, bias) pairs
        The dense layers' weights, first hidden layer first, output layer last.
    X : ndarray of shape (n_samples, n_features), dtype float32
        Input pixels.
    activation : str, default="relu"
        Activation of the hidden layers.

    Returns
    -------
    logits : ndarray of shape (n_samples, n_classes), dtype float32
        One row of logits per sample.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits.network import dense_logits
    >>> W = [(np.eye(2, dtype=np.float32), np.ones(2, np.float32))]
    >>> dense_logits(W, np.array([[0.0, 2.0]], dtype=np.float32))
    array([[1., 3.]], dtype=float32)
    """
    act = ACTIVATIONS[activation]
    h = X
    for kernel, bias in weights[:-1]:
        h = act(h @ kernel + bias)
    kernel, bias = weights[-1]
    return h @ kernel + bias


def dense_forward_in_chunks(
    weights: Sequence[tuple[np.ndarray, np.ndarray]],
    X: np.ndarray,
    activation: str = "relu",
) -> np.ndarray:
    """:func:`dense_forward` on :data:`PREDICT_CHUNK_SIZE` samples at a time.

    What ``DenseDigitClassifier.predict_proba`` and the NumPy-only
    :class:`skdigits.inference.InferenceModel` run, so that both give the
    same probabilities bit for bit, with bounded memory for any ``X``.

    Parameters
    ----------
    weights : sequence of (kernel, bias) pairs
        As for :func:`dense_forward`.
    X : ndarray of shape (n_samples, n_features), dtype float32
        Input pixels.
    activation : str, default="relu"
        Activation of the hidden layers.

    Returns
    -------
    proba : ndarray of shape (n_samples, n_classes), dtype float32
        Softmax probabilities, row for row as :func:`dense_forward` gives them.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits.network import PREDICT_CHUNK_SIZE, dense_forward_in_chunks
    >>> W = [(np.eye(2, dtype=np.float32), np.zeros(2, np.float32))]
    >>> X = np.zeros((PREDICT_CHUNK_SIZE + 1, 2), dtype=np.float32)
    >>> dense_forward_in_chunks(W, X).shape
    (2049, 2)
    """
    if X.shape[0] <= PREDICT_CHUNK_SIZE:  # one chunk: no concatenating copy
        return dense_forward(weights, X, activation)
    return np.concatenate(
        [
            dense_forward(weights, X[start : start + PREDICT_CHUNK_SIZE], activation)
            for start in range(0, X.shape[0], PREDICT_CHUNK_SIZE)
        ]
    )
