"""What ``DenseDigitClassifier`` trains on, and what a training call leaves.

:func:`prepare_training_data` turns checked pixels and labels into what the
trainer takes: one-hot labels, sample weights times class weights, the
early-stopping hold-out (stratified), this call's seed, and the printed and
style digits a :class:`~skdigits.augmentation.RandomDistortion` adds (after
the hold-out, so that early stopping validates on the user's images only).
:func:`fitted_attributes` turns what the trainer gives back into the
classifier's fitted attributes, ``MLPClassifier``'s among them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Integral
from typing import Any, NamedTuple

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import _check_sample_weight

from skdigits._estimators.augmentation import with_added_digits

__all__ = [
    "TrainingData",
    "concatenate_histories",
    "fitted_attributes",
    "prepare_training_data",
    "seed_of",
]


class TrainingData(NamedTuple):
    """The arrays one training call takes."""

    X: np.ndarray  #: pixels, float32
    Y: np.ndarray  #: one-hot labels, float32
    sample_weight: np.ndarray | None  #: per-sample weights, or None
    validation_data: tuple[np.ndarray, np.ndarray] | None  #: the hold-out
    seed: int | None  #: this call's seed


def seed_of(random_state: Any) -> int | None:
    """An int seed from ``random_state`` (None stays None)."""
    if random_state is None:
        return None
    if isinstance(random_state, Integral):
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def prepare_training_data(
    X: np.ndarray,
    y: np.ndarray,
    classes: np.ndarray,
    sample_weight: Any,
    params: Mapping[str, Any],
    distortion: Any,
    incremental: bool,
    steps_before: int | None,
) -> TrainingData:
    """The data of one ``fit`` or ``partial_fit`` call, ready to train on.

    ``params`` are the classifier's (``get_params()``); ``distortion`` is
    the resolved ``(RandomDistortion, image_shape)`` or None;
    ``steps_before`` is ``t_`` when the call continues a network, else None.
    """
    if sample_weight is not None:
        sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float32)
    y_index = np.searchsorted(classes, y)
    sample_weight = _class_weighted(
        y, y_index, classes, sample_weight, params["class_weight"], incremental
    )
    Y = np.eye(len(classes), dtype=np.float32)[y_index]
    seed = seed_of(params["random_state"])
    validation_data = None
    if params["early_stopping"] and not incremental:
        X, Y, sample_weight, validation_data = _hold_out(
            X, Y, y_index, sample_weight, params["validation_fraction"], seed
        )
    if steps_before is not None and seed is not None:
        # A new shuffle order for each continued call, yet the same after
        # a pickle round trip: t_ is part of the fitted state.
        seed = int(np.random.SeedSequence([seed, steps_before]).generate_state(1)[0])
    if distortion is not None:
        X, Y, sample_weight = with_added_digits(
            X, Y, sample_weight, classes, *distortion, seed
        )
    return TrainingData(X, Y, sample_weight, validation_data, seed)


def _class_weighted(y, y_index, classes, sample_weight, class_weight, incremental):
    """``sample_weight`` times the weight of each sample's class."""
    if class_weight is None:
        return sample_weight
    if isinstance(class_weight, str) and incremental:
        raise ValueError(
            "class_weight='balanced' is not supported by partial_fit: one "
            "chunk does not tell the class frequencies. Pass "
            "class_weight=dict(zip(classes, compute_class_weight('balanced', "
            "classes=classes, y=y_all))) computed over all the labels."
        )
    per_class = compute_class_weight(class_weight, classes=classes, y=y)
    weights = per_class[y_index].astype(np.float32)
    return weights if sample_weight is None else weights * sample_weight


def _hold_out(X, Y, y_index, sample_weight, validation_fraction, seed):
    """Stratified train/validation split of the training data."""
    n_samples = len(y_index)
    n_val = max(1, math.ceil(validation_fraction * n_samples))
    if n_val >= n_samples:
        raise ValueError(
            f"early_stopping needs more than {n_samples} samples to hold out "
            f"validation_fraction={validation_fraction}."
        )
    # Stratify when every class can give a sample to both sides.
    counts = np.bincount(y_index)
    can_stratify = counts.min() >= 2 and len(counts) <= min(n_val, n_samples - n_val)
    stratify = y_index if can_stratify else None
    train, val = train_test_split(
        np.arange(n_samples), test_size=n_val, stratify=stratify, random_state=seed
    )
    sw_train = None if sample_weight is None else sample_weight[train]
    return X[train], Y[train], sw_train, (X[val], Y[val])


def concatenate_histories(
    before: dict[str, list[float]], after: dict[str, list[float]]
) -> dict[str, list[float]]:
    """One per-epoch history of two training calls, every list one entry per
    epoch: a metric missing from one call (say, ``val_accuracy`` when only the
    second used early stopping) is NaN for that call's epochs."""
    n_before = len(before.get("loss", []))
    n_after = len(after.get("loss", []))
    return {
        key: [
            *before.get(key, [math.nan] * n_before),
            *after.get(key, [math.nan] * n_after),
        ]
        for key in [*before, *(k for k in after if k not in before)]
    }


def fitted_attributes(
    run: Any,
    classes: np.ndarray,
    activation: str,
    *,
    before: Mapping[str, Any] | None,
    early_stopping: bool,
) -> dict[str, Any]:
    """The fitted attributes one training call leaves, from the trainer's run.

    ``before`` is the classifier's state when the call continues its network
    (its ``n_iter_``, ``t_`` and ``history_`` go on), else None. The weights
    prediction runs on and ``MLPClassifier``'s other fitted attributes keep
    that estimator's meanings.
    """
    from skdigits._keras.network import dense_weights

    previous_epochs = before["n_iter_"] if before is not None else 0
    history = run.history
    if before is not None:
        history = concatenate_histories(before["history_"], history)
    n_iter = len(history["loss"])
    weights = dense_weights(run.model)
    loss_curve = list(history["loss"])
    scores = history.get("val_accuracy") if early_stopping else None
    return {
        "classes_": classes,
        "n_classes_": len(classes),
        "history_": history,
        "n_iter_": n_iter,
        "t_": (before["t_"] if before is not None else 0)
        + run.n_train * (n_iter - previous_epochs),
        "best_epoch_": None
        if run.best_epoch is None
        else previous_epochs + run.best_epoch + 1,
        "coefs_": [kernel for kernel, _ in weights],
        "intercepts_": [bias for _, bias in weights],
        "hidden_activation_": activation,
        "n_layers_": len(weights) + 1,
        "n_outputs_": len(classes),
        "out_activation_": "softmax",
        "loss_curve_": loss_curve,
        "loss_": loss_curve[-1],
        "validation_scores_": None if scores is None else list(scores),
        "best_validation_score_": None if scores is None else float(np.nanmax(scores)),
        "best_loss_": None if scores is not None else min(loss_curve),
    }
