"""The notebook's dense network in Keras, and what training does to it.

:func:`build_dense_network` makes the network whose NumPy twin is
``skdigits._prediction.forward.dense_forward``; the other functions compile it, read its
weights out, and snapshot, check or restore what training changes.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np

__all__ = [
    "NETWORK_NAME",
    "build_dense_network",
    "compile_network",
    "dense_weights",
    "describe_network",
    "load_network",
    "make_optimizer",
    "network_bytes",
    "network_from_weights",
    "restore_training_state",
    "snapshot_training_state",
]

#: The name of the network inside an augmented training model.
NETWORK_NAME = "dense_digit_network"


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
        Activation of the hidden layers, one of
        ``skdigits._prediction.forward.ACTIVATIONS``.
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
    >>> from skdigits._keras.network import build_dense_network
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
    return keras.Sequential(layers, name=NETWORK_NAME)


def make_optimizer(
    name: str, learning_rate: float, ema_momentum: float | None = None
) -> keras.optimizers.Optimizer:
    """Return a fresh Keras optimizer ``name`` with the given learning rate.

    Parameters
    ----------
    name : str
        Keras name of the optimizer, such as ``"adam"``.
    learning_rate : float or keras.optimizers.schedules.LearningRateSchedule
        A fixed learning rate, or a schedule giving the rate at each training
        step (as ``DenseDigitClassifier`` passes for ``lr_schedule="cosine"``).
    ema_momentum : float in (0, 1) or None, default=None
        Keep an exponential moving average of the weights, updated after
        every step with this momentum (Keras's ``use_ema``); ``Model.fit``
        ends by putting the average in place of the weights. None keeps no
        average.

    Returns
    -------
    optimizer : keras.optimizers.Optimizer
        A new optimizer instance, never shared between models.

    Examples
    --------
    >>> from skdigits._keras.network import make_optimizer
    >>> opt = make_optimizer("adam", 0.001)
    >>> type(opt).__name__, round(float(opt.learning_rate), 6)
    ('Adam', 0.001)
    >>> opt = make_optimizer("adam", 0.001, ema_momentum=0.999)
    >>> opt.use_ema, opt.ema_momentum
    (True, 0.999)
    """
    config: dict[str, Any] = {"learning_rate": learning_rate}
    if ema_momentum is not None:
        # Overwritten at the end of fit only (ema_overwrite_frequency=None):
        # training itself runs on the raw weights.
        config.update(use_ema=True, ema_momentum=float(ema_momentum))
    return keras.optimizers.get({"class_name": name, "config": config})


def compile_network(
    model: keras.Model,
    optimizer: Any,
    learning_rate: Any = None,
    ema_momentum: float | None = None,
):
    """Compile ``model`` for training: cross-entropy, accuracy, ``optimizer``.

    ``optimizer`` is a name (a new optimizer at ``learning_rate``, keeping
    an average of the weights if ``ema_momentum`` is given, is made) or an
    optimizer instance, whose state then carries on.
    """
    if isinstance(optimizer, str):
        optimizer = make_optimizer(optimizer, learning_rate, ema_momentum)
    model.compile(
        optimizer=optimizer, loss="categorical_crossentropy", metrics=["accuracy"]
    )
    return model


def dense_weights(model: keras.Model) -> list[tuple[np.ndarray, np.ndarray]]:
    """The dense layers' (kernel, bias), copied out of Keras for NumPy."""
    return [
        tuple(np.asarray(w, dtype=np.float32) for w in layer.get_weights())
        for layer in model.layers
        if isinstance(layer, keras.layers.Dense)
    ]


def describe_network(model: keras.Model) -> dict[str, Any]:
    """The settings ``model`` was built with, as the classifier names them.

    The activation is not among them: Keras's own name may differ from the
    classifier's (swish is "silu"); the classifier keeps the one it fitted.
    """
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    dropouts = [
        layer for layer in model.layers if isinstance(layer, keras.layers.Dropout)
    ]
    optimizer = model.optimizer
    return {
        "hidden_layer_sizes": tuple(int(layer.units) for layer in dense[:-1]),
        "dropout": float(dropouts[0].rate) if dropouts else 0.0,
        "optimizer": type(optimizer).__name__.lower(),
        "ema_momentum": float(optimizer.ema_momentum) if optimizer.use_ema else None,
    }


def snapshot_training_state(model: keras.Model) -> tuple[list, list[np.ndarray]]:
    """Copies of every variable that training changes: weights, optimizer
    state (moments, step count, rate) and the dropout layers' seed streams."""
    variables = [*model.variables, *model.optimizer.variables]
    return variables, [np.array(v.numpy(), copy=True) for v in variables]


def restore_training_state(variables: list, values: list[np.ndarray]) -> None:
    """Put back what :func:`snapshot_training_state` copied."""
    for variable, value in zip(variables, values, strict=True):
        variable.assign(value)


def network_bytes(model: keras.Model) -> bytes:
    """``model`` in Keras's own ``.keras`` format, optimizer state included."""
    # Through a file: Keras saves to a path ending in .keras, not to a buffer.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "network.keras"
        model.save(path)
        return path.read_bytes()


def load_network(payload: bytes) -> keras.Model:
    """The compiled network that :func:`network_bytes` wrote.

    Only Keras's own classes are loaded (``safe_mode``): callers that read a
    file from elsewhere check its contents first (``skdigits.persistence``).
    """
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "network.keras"
        path.write_bytes(payload)
        return keras.saving.load_model(path, safe_mode=True)


def network_from_weights(
    weights: Sequence[tuple[np.ndarray, np.ndarray]], activation: str, dropout: float
) -> keras.Model:
    """The network of an inference-only file: its layers and weights, uncompiled.

    There is no optimizer state to restore, so the model is left uncompiled:
    Keras itself refuses to ``fit`` it, and the classifier refuses to continue
    training from it.
    """
    model = build_dense_network(
        weights[0][0].shape[0],
        weights[-1][0].shape[1],
        hidden_layer_sizes=[kernel.shape[1] for kernel, _ in weights[:-1]],
        activation=activation,
        dropout=dropout,
    )
    model.set_weights([array for pair in weights for array in pair])
    return model
