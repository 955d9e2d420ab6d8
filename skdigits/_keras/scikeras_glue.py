"""The one place that knows SciKeras, and what is cleaned up after each fit.

SciKeras's ``KerasClassifier`` is composed, not inherited (it cannot be a
scikit-learn classifier on scikit-learn >= 1.6), and after every fit three of
SciKeras's and TensorFlow's leftovers are released so that a process can train
many models without growing. The architecture page of the docs ("The Keras
side") tells why, with the measurements.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from scikeras.utils.transformers import ClassifierLabelEncoder
from scikeras.wrappers import KerasClassifier
from sklearn import config_context
from tensorflow.python.framework import config as tf_config

__all__ = ["fit_keras_network"]


class _SoftTargetEncoder(ClassifierLabelEncoder):
    """SciKeras's target encoder, taking rows of probabilities too.

    A row that is not one-hot (the uniform target of a picture of no digit,
    ``RandomDistortion(not_digits=...)``) makes the targets
    ``"continuous-multioutput"`` to scikit-learn, which SciKeras refuses; they
    pass through unchanged, as one-hot rows do."""

    def _type_of_target(self, y: np.ndarray) -> str:
        kind = super()._type_of_target(y)
        return "multilabel-indicator" if kind == "continuous-multioutput" else kind


class _KerasClassifier(KerasClassifier):
    """``KerasClassifier`` whose targets may be rows of probabilities (used
    inside ``fit_keras_network`` only, never as an estimator of its own)."""

    @property
    def target_encoder(self) -> _SoftTargetEncoder:
        categories = "auto" if self.classes_ is None else [self.classes_]
        return _SoftTargetEncoder(loss=self.loss, categories=categories)


def fit_keras_network(
    build_fn: Callable[..., Any],
    X: np.ndarray,
    Y: np.ndarray,
    *,
    sample_weight: np.ndarray | None = None,
    epochs: int,
    batch_size: int,
    shuffle: bool = True,
    verbose: int = 0,
    callbacks: Sequence[Any] = (),
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    random_state: int | None = None,
) -> tuple[Any, dict[str, list[float]]]:
    """Train a Keras network with SciKeras; return it and its history.

    Parameters
    ----------
    build_fn : callable or keras.Model
        ``build_fn(meta)`` returns a new compiled Keras model; SciKeras fills
        ``meta`` with ``n_features_in_`` and ``n_classes_``. A compiled
        ``keras.Model`` instead is trained on in place, from its current
        weights and optimizer state (continued training).
    X : ndarray of shape (n_samples, n_features), float32
        Validated inputs: finite, as are ``Y`` and ``sample_weight``
        (SciKeras does not check it again).
    Y : ndarray of shape (n_samples, n_classes), float32
        One-hot labels, or rows of target probabilities. SciKeras passes them
        through unchanged, so two classes train a softmax over two units,
        like ten.
    sample_weight : ndarray of shape (n_samples,) or None
        Per-sample weights; zero-weight samples are dropped.
    epochs, batch_size, shuffle, verbose :
        Passed to ``keras.Model.fit``.
    callbacks : sequence of keras.callbacks.Callback
        Callbacks for ``keras.Model.fit``.
    validation_data : (X_val, Y_val) or None
        Evaluated after every epoch; adds ``val_*`` entries to the history.
    random_state : int or None
        Seed for a reproducible fit; ``None`` leaves the global state alone.

    Returns
    -------
    model : keras.Model
        The trained network (``build_fn`` itself when that was a model).
    history : dict of str to list of float
        Per-epoch metrics, for example ``loss`` and ``accuracy``.
    """
    wrapper = _KerasClassifier(
        model=build_fn,
        epochs=epochs,
        batch_size=batch_size,
        shuffle=shuffle,
        verbose=verbose,
        callbacks=list(callbacks),
        random_state=random_state,
    )
    fit_kwargs = {} if validation_data is None else {"validation_data": validation_data}
    try:
        # The classifier has validated X, Y and sample_weight (finite
        # float32): SciKeras's check_X_y would scan them for NaN again, a
        # pass over every pixel of every fit.
        with _op_determinism_restored(), config_context(assume_finite=True):
            wrapper.fit(X, Y, sample_weight=sample_weight, **fit_kwargs)
    finally:
        _release_fit_leftovers()
    history = {
        key: [float(v) for v in values] for key, values in wrapper.history_.items()
    }
    return wrapper.model_, history


@contextmanager
def _op_determinism_restored() -> Iterator[None]:
    """Leave TensorFlow's op-determinism switch as it was found.

    Asking first also makes TensorFlow read ``TF_DETERMINISTIC_OPS`` now, from
    the user's environment, not later from the value SciKeras sets.
    """
    was_enabled = tf_config.is_op_determinism_enabled()
    try:
        yield
    finally:
        if not was_enabled and tf_config.is_op_determinism_enabled():
            tf_config.disable_op_determinism()


def _release_fit_leftovers() -> None:
    """Release what TensorFlow keeps of a finished fit (the docs' architecture page)."""
    _release_train_step_graphs()
    _release_eager_kernel_cache()


def _release_eager_kernel_cache() -> bool:
    """Empty the eager context's kernel cache, as ``clear_session`` does.

    Drops the ``VarHandleOp`` kernels that every eagerly created, uniquely
    named variable leaves behind (the docs' architecture page). TensorFlow waits for
    pending eager ops first, and a kernel in use by another thread is
    reference-counted, so that thread finishes its op and builds the kernel
    again next time. Returns False if TensorFlow's API has changed and
    nothing was released.
    """
    try:
        from tensorflow.python.eager import context

        clear = context.context().clear_kernel_cache
    except (ImportError, AttributeError):  # pragma: no cover - TF changed
        return False
    clear()
    return True


def _release_train_step_graphs() -> int:
    """Drop the gradient-registry entries that pin finished train-step graphs.

    Keras (TensorFlow backend) all-reduces the gradients of each traced train
    step through ``ReplicaContext.all_reduce``, a ``tf.custom_gradient``. In
    graph mode TensorFlow registers that gradient's closure under a fresh
    ``CustomGradient-<uid>`` name in ``ops._gradient_registry`` and never
    removes it; the closure holds the step's tensors, hence its whole
    FuncGraph. Only these all-reduce entries are dropped: the gradient of an
    optimizer update is never asked for, and a traced function does not
    consult the registry again. Returns how many were dropped; 0 if
    TensorFlow's internals have changed shape.
    """
    try:
        from tensorflow.python.framework import ops

        registry = ops._gradient_registry._registry
    except (ImportError, AttributeError):  # pragma: no cover - TF changed
        return 0
    dropped = 0
    for name, entry in list(registry.items()):
        if name.startswith("CustomGradient-") and _is_all_reduce_gradient(
            entry.get("type") if isinstance(entry, dict) else None
        ):
            registry.pop(name, None)
            dropped += 1
    return dropped


def _is_all_reduce_gradient(fn: Any) -> bool:
    """Whether ``fn`` is custom_gradient's wrapper around all_reduce's grad."""
    for cell in getattr(fn, "__closure__", None) or ():
        tape_grad_fn = cell.cell_contents
        if getattr(tape_grad_fn, "__name__", "") != "tape_grad_fn":
            continue
        for inner in getattr(tape_grad_fn, "__closure__", None) or ():
            name = getattr(inner.cell_contents, "__qualname__", "")
            if ".all_reduce.<locals>.grad_wrapper." in name:
                return True
    return False
