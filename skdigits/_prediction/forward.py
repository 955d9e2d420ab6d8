"""The dense network's forward pass in NumPy: what every prediction runs.

Nothing here knows scikit-learn or Keras. ``skdigits._keras.network`` builds
the same network in Keras for training; :func:`dense_forward` evaluates it
from the trained weights. It exists because ``keras.Model.predict`` costs
tens of milliseconds per call whatever the batch size, while one sample
through three dense layers is a fraction of a millisecond of matrix products.
Each activation is a Keras name with an exact NumPy twin.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = [
    "ACTIVATIONS",
    "PREDICT_CHUNK_SIZE",
    "SELU_ALPHA",
    "SELU_SCALE",
    "blocked_matmul",
    "dense_forward",
    "dense_forward_in_chunks",
    "dense_log_proba_in_chunks",
    "dense_logits",
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


SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805

#: Hidden-layer activations: each one is a Keras name with an exact NumPy
#: twin, so that the fast prediction path gives Keras's probabilities.
ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": lambda z: np.maximum(z, 0),
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "elu": _elu,
    "selu": lambda z: (
        SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * np.expm1(np.minimum(z, 0)))
    ),
    "swish": lambda z: z * _sigmoid(z),
    "linear": lambda z: z,
}

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
    >>> from skdigits._prediction.forward import dense_forward
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
    >>> from skdigits._prediction.forward import dense_logits
    >>> W = [(np.eye(2, dtype=np.float32), np.ones(2, np.float32))]
    >>> dense_logits(W, np.array([[0.0, 2.0]], dtype=np.float32))
    array([[1., 3.]], dtype=float32)
    """
    act = ACTIVATIONS[activation]
    h = X
    for kernel, bias in weights[:-1]:
        h = act(blocked_matmul(h, kernel) + bias)
    kernel, bias = weights[-1]
    return blocked_matmul(h, kernel) + bias


#: Products of at most this many multiply-adds (m * k * n) OpenBLAS runs on
#: the calling thread (its SMP threshold, 65536 * GEMM_MULTITHREAD_THRESHOLD).
ONE_THREAD_PRODUCT = 2**18


def blocked_matmul(h: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """``h @ kernel``; for a few samples, in column blocks small enough that
    BLAS computes each on the calling thread.

    One sample through a 784x784 layer is above OpenBLAS's threading
    threshold, so it is split over the cores: on an idle machine that saves
    some 20 us, but when another process holds the second core the call
    waits for it, which made one-sample predictions take several ms at the
    90th percentile on a shared machine (benchmarks/latency.py). Blocks of at
    most :data:`ONE_THREAD_PRODUCT` multiply-adds stay on one thread. The
    results agree with ``h @ kernel`` to float32 rounding (another kernel
    may sum in another order); batches keep the threaded product.
    """
    rows, inner = h.shape
    width = ONE_THREAD_PRODUCT // max(rows * inner, 1)
    if width >= kernel.shape[1] or width < 64:
        return h @ kernel  # small enough already, or a real batch
    out = np.empty((rows, kernel.shape[1]), dtype=np.result_type(h, kernel))
    for start in range(0, kernel.shape[1], width):
        np.matmul(
            h, kernel[:, start : start + width], out=out[:, start : start + width]
        )
    return out


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
    >>> from skdigits._prediction.forward import (
    ...     PREDICT_CHUNK_SIZE, dense_forward_in_chunks)
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


def dense_log_proba_in_chunks(
    weights: Sequence[tuple[np.ndarray, np.ndarray]],
    X: np.ndarray,
    activation: str = "relu",
) -> np.ndarray:
    """Log-probabilities, as the log-softmax of :func:`dense_logits`, in chunks.

    ``log(dense_forward_in_chunks(...))``, but finite where a float32
    probability underflows to 0.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits._prediction.forward import dense_log_proba_in_chunks
    >>> W = [(np.array([[200.0, 0.0]], np.float32), np.zeros(2, np.float32))]
    >>> dense_log_proba_in_chunks(W, np.ones((1, 1), np.float32))
    array([[   0., -200.]], dtype=float32)
    """
    logits = np.concatenate(
        [
            dense_logits(weights, X[start : start + PREDICT_CHUNK_SIZE], activation)
            for start in range(0, max(X.shape[0], 1), PREDICT_CHUNK_SIZE)
        ]
    )
    logits -= logits.max(axis=1, keepdims=True)
    logits -= np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return logits
