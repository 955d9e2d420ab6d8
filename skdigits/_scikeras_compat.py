"""The one place that knows SciKeras, and how skdigits works around its age.

SciKeras 0.13 is its last release. On scikit-learn >= 1.6 its
``KerasClassifier`` puts ``ClassifierMixin`` to the right of ``BaseEstimator``
and declares its tags through the removed ``_more_tags`` API, so it gets
``estimator_type=None``: ``is_classifier`` is False, cross-validation falls back
to plain KFold, scikit-learn's displays refuse it and ``check_estimator`` fails.
None of that can be repaired by inheritance: ``class X(ClassifierMixin,
KerasClassifier)`` is an MRO error, and any subclass of SciKeras's
``BaseWrapper`` still carries ``_more_tags`` in its MRO, which scikit-learn's
``check_estimator_tags_renamed`` rejects.

So skdigits composes instead of inheriting. Its estimators are plain
scikit-learn estimators (mixins left of ``BaseEstimator``, ``__sklearn_tags__``,
``validate_data``, ``_parameter_constraints``) that hand the Keras part of
``fit`` to a SciKeras ``KerasClassifier`` through :func:`fit_keras_network`.
SciKeras keeps doing what it is good at:

* calling the model-building function with the data's metadata
  (``n_features_in_``, ``n_classes_``);
* seeding Python, NumPy and TensorFlow and enabling deterministic ops for a
  reproducible fit, then restoring the global state;
* dropping zero-weight samples, running ``Model.fit`` with the callbacks, and
  collecting the per-epoch history;
* making Keras models picklable (importing SciKeras registers this).

Three of SciKeras's and TensorFlow's leftovers are cleaned up here, after
every fit, so that a process can train many models (GridSearchCV,
check_estimator, a server that retrains) without growing:

* SciKeras sets ``TF_DETERMINISTIC_OPS=1`` *before* asking TensorFlow whether
  op determinism was on. TensorFlow reads that variable lazily, on the first
  question, so in a fresh process the answer is "it was on already" and
  SciKeras never turns it off: every later unseeded fit then fails with
  "Random ops require a seed". :func:`fit_keras_network` restores the state it
  found.
* TensorFlow keeps a closure of every traced train step's all-reduce custom
  gradient in a process-global registry, which pins each finished model's
  graph in memory (tensorflow/tensorflow#97697; ``clear_session`` does not
  help). :func:`_release_train_step_graphs` drops those entries.
* TensorFlow's eager context caches the kernel of every op it has run
  eagerly, keyed by the op's attributes, and keeps it until the cache is
  cleared. In TensorFlow 2.21 every variable created eagerly runs a
  ``VarHandleOp`` whose ``debug_name`` attribute is the variable's name, and
  Keras names each new model's variables uniquely (``dense_12/kernel``, the
  optimizer's moments of it, the metrics' totals). So every fit adds one
  cache entry per variable, about 34 KB each, that no later op ever looks
  up: about 0.5 MB per fit of a one-hidden-layer network, held in C++, out
  of reach of Python's garbage collector, ``gc.get_objects()`` and
  ``malloc_trim``. (TensorFlow fixed the same leak once, by giving eager
  variables one constant ``shared_name``, tensorflow/tensorflow#19671; the
  newer ``debug_name`` attribute brings it back; see also #40171.) Plain
  TensorFlow shows it::

      for i in range(20_000):  # RSS +34 KB per iteration, for ever
          tf.Variable(1.0, name=f"model_{i}/kernel")

  (a constant name stays flat), and so does building a ``keras.Sequential``
  of two ``Dense`` layers and its Adam state in a loop, without training:
  +0.485 MB per model (docs/performance.rst). TensorFlow offers no way to
  evict single entries, only to clear the whole cache, which is what
  ``keras.backend.clear_session()`` does and what ``tf.random.set_seed``
  does too; :func:`_release_eager_kernel_cache` does that, and nothing
  else of ``clear_session`` (which would also reset the user's Keras name
  counters). The cost is that the next eager op of each kind builds its
  kernel again (microseconds) and that a legacy stateful random op run
  eagerly with an explicit seed starts its sequence again, as after
  ``set_seed``. Models stay intact: their variables are resources owned by
  their Python objects, not by the cache.

Nothing else in skdigits imports SciKeras.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from skdigits._tf_env import import_keras

import_keras()  # quiet, thread-aware TensorFlow start before SciKeras imports it

from scikeras.wrappers import KerasClassifier  # noqa: E402
from tensorflow.python.framework import config as _tf_config  # noqa: E402

__all__ = ["fit_keras_network"]


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
        Validated inputs.
    Y : ndarray of shape (n_samples, n_classes), float32
        One-hot labels. SciKeras passes one-hot targets through unchanged, so
        two classes train a softmax over two units, like ten.
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
    wrapper = KerasClassifier(
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
        with _op_determinism_restored():
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
    was_enabled = _tf_config.is_op_determinism_enabled()
    try:
        yield
    finally:
        if not was_enabled and _tf_config.is_op_determinism_enabled():
            _tf_config.disable_op_determinism()


def _release_fit_leftovers() -> None:
    """Release what TensorFlow keeps of a finished fit (module docstring)."""
    _release_train_step_graphs()
    _release_eager_kernel_cache()


def _release_eager_kernel_cache() -> bool:
    """Empty the eager context's kernel cache, as ``clear_session`` does.

    Drops the ``VarHandleOp`` kernels that every eagerly created, uniquely
    named variable leaves behind (module docstring). TensorFlow waits for
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
