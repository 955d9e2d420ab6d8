"""The training loop that ``DenseDigitClassifier.fit`` and ``partial_fit`` call.

The classifier validates and prepares the data (one-hot labels, weights, the
hold-out, the seed); :func:`train_network` builds or continues the Keras
network, adds the learning-rate schedule, its logger and early stopping, puts
the distortion layer in front when augmenting, trains through SciKeras and
hands back the plain network with its history.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import keras
import numpy as np

from skdigits._keras.callbacks import LearningRateLogger, LearningRateSchedule
from skdigits._keras.distortion import DistortionLayer
from skdigits._keras.network import (
    NETWORK_NAME,
    build_dense_network,
    compile_network,
)
from skdigits._keras.scikeras_glue import fit_keras_network

# What the estimator layer above passes in is read here, never imported:
# ``data`` is its TrainingData (X, Y, sample_weight, validation_data, seed),
# ``distortion`` a (RandomDistortion, image shape) pair.
Distortion = tuple[Any, tuple[int, int]]

__all__ = ["Training", "train_network"]


@dataclass(frozen=True)
class Training:
    """What one training call gives back."""

    model: keras.Model  #: the trained network, compiled, without distortion
    history: dict[str, list[float]]  #: this call's per-epoch metrics
    best_epoch: int | None  #: 0-based epoch early stopping restored, or None
    n_train: int  #: samples the optimizer saw per epoch


def train_network(
    network: keras.Model | None,
    data: tuple,
    params: Mapping[str, Any],
    distortion: Distortion | None,
    incremental: bool,
) -> Training:
    """Train ``network`` on (or, when None, a new network from scratch).

    ``data`` is what the classifier prepared (pixels, one-hot labels,
    weights, the hold-out and the seed); ``params`` are its parameters, as
    ``get_params()`` gives them, read here and nowhere else.
    ``incremental`` (``partial_fit``) runs one epoch at the constant
    learning rate; otherwise ``params["epochs"]`` epochs on the schedule.
    Early stopping runs when ``data.validation_data`` is given.
    """
    X, Y, sample_weight, validation_data, seed = data
    # SciKeras drops zero-weight samples before training.
    n_train = len(X) if sample_weight is None else int(np.count_nonzero(sample_weight))
    epochs = 1 if incremental else int(params["epochs"])
    stopper = None
    if validation_data is not None:
        stopper = keras.callbacks.EarlyStopping(
            monitor="val_accuracy",
            patience=int(params["n_iter_no_change"]),
            restore_best_weights=True,
        )
    callbacks = [
        *(params["callbacks"] or ()),
        _schedule(params, n_train, epochs, constant=incremental),
        LearningRateLogger(),
        *([stopper] if stopper is not None else []),
    ]
    if network is None:
        build_fn = partial(
            _build_compiled_network,
            classifier_params=params,
            seed=seed,
            distortion=distortion,
        )
    else:
        _align_dropout_streams(network)
        # SciKeras trains a given model on, as it is; an augmented fit puts the
        # distortion in front of it again (same optimizer, so its state goes on).
        build_fn = network
        if distortion is not None:
            build_fn = compile_network(
                _with_distortion(network, distortion, seed), network.optimizer
            )
    model, history = fit_keras_network(
        build_fn,
        X,
        Y,
        sample_weight=sample_weight,
        epochs=epochs,
        batch_size=int(params["batch_size"]),
        shuffle=bool(params["shuffle"]),
        verbose=int(params["verbose"]),
        callbacks=callbacks,
        validation_data=validation_data,
        random_state=seed,
    )
    if distortion is not None:
        # The network alone shares the trained weights and the optimizer (so
        # its state travels with it); prediction and a saved model never need
        # the distortion layer.
        model = compile_network(model.get_layer(NETWORK_NAME), model.optimizer)
    restored = stopper is not None and stopper.best_weights is not None
    best_epoch = stopper.best_epoch if restored else None
    return Training(model, history, best_epoch, n_train)


def _schedule(
    params: Mapping[str, Any], n_train: int, epochs: int, *, constant: bool
) -> LearningRateSchedule:
    """The learning-rate callback of one training call.

    ``"cosine"``: a linear warm-up over the first 10 % of this call's steps,
    then a half cosine to 0 at its last step. Each call counts its own steps,
    so a warm fit restarts the cycle.
    """
    learning_rate = float(params["learning_rate"])
    if constant or params["lr_schedule"] == "constant":
        return LearningRateSchedule(learning_rate, shape="constant")
    total_steps = math.ceil(n_train / int(params["batch_size"])) * epochs
    return LearningRateSchedule(
        learning_rate,
        total_steps=total_steps,
        warmup_steps=int(0.1 * total_steps),
    )


def _build_compiled_network(
    meta: dict[str, Any],
    *,
    classifier_params: Mapping[str, Any],
    seed: int | None,
    distortion: Distortion | None,
) -> keras.Model:
    """Model-building function for SciKeras: the network, compiled.

    (SciKeras passes its own ``params`` to a build function that names one,
    hence ``classifier_params``.)

    With a ``distortion``, the model that trains is the network behind a
    layer that distorts each training batch.
    """
    widths = tuple(int(w) for w in np.ravel(classifier_params["hidden_layer_sizes"]))
    network = build_dense_network(
        meta["n_features_in_"],
        meta["n_classes_"],
        hidden_layer_sizes=widths,
        activation=classifier_params["activation"],
        dropout=float(classifier_params["dropout"]),
        seed=seed,
    )
    model = (
        network if distortion is None else _with_distortion(network, distortion, seed)
    )
    ema_momentum = classifier_params.get("ema_momentum")
    return compile_network(
        model,
        classifier_params["optimizer"],
        float(classifier_params["learning_rate"]),
        None if ema_momentum is None else float(ema_momentum),
    )


def _with_distortion(network, distortion, seed: int | None) -> keras.Model:
    """``network`` behind a layer that distorts each training batch."""
    # Its own seed, so the distortions do not repeat the dropout's draws.
    layer_seed = None if seed is None else (seed + 7919) % (2**31 - 1)
    inputs = keras.Input(shape=(network.input_shape[-1],), name="pixels")
    distorted = DistortionLayer(*distortion, seed=layer_seed)(inputs)
    return keras.Model(inputs, network(distorted), name="augmented_training")


def _align_dropout_streams(model: keras.Model) -> None:
    """Set each dropout layer's random stream to the optimizer's step count.

    Keras advances a dropout layer's seed counter once per training step but
    does not save it with the model, so a pickled or saved network would
    restart its masks from 0. Tying the counter to the step count (which is
    saved) makes a continued fit draw the same masks with or without a round
    trip; in an uninterrupted run the two are already equal. Keras keeps the
    counters in each layer's ``_seed_generators``, its only handle on them.
    """
    step = int(model.optimizer.iterations.numpy())
    for layer in model.layers:
        for generator in getattr(layer, "_seed_generators", ()):
            state = generator.state.numpy().copy()
            state[-1] = step
            generator.state.assign(state)
