"""Keras callbacks that skdigits uses during training, one small class each.

:class:`~skdigits.DenseDigitClassifier` adds a :class:`LearningRateSchedule`
and a :class:`LearningRateLogger` to every fit; ``skdigits train`` adds a
:class:`TestSetMonitor` for the learning curves.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import keras
import numpy as np

__all__ = ["LearningRateLogger", "LearningRateSchedule", "TestSetMonitor"]


class LearningRateLogger(keras.callbacks.Callback):
    """Add the optimizer's learning rate at the end of each epoch to the logs.

    The value is the rate of the last step of the epoch, so a schedule
    (warm-up, cosine decay) shows in ``history_["learning_rate"]``.
    :class:`~skdigits.DenseDigitClassifier` always adds one.

    Attributes
    ----------
    model : keras.Model
        The network being trained; Keras sets it.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skdigits import DenseDigitClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = DenseDigitClassifier((16,), epochs=2, random_state=0)
    >>> clf = clf.fit(X[:200] / 16, y[:200])
    >>> len(clf.history_["learning_rate"])
    2
    """

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None:
            rate = self.model.optimizer.learning_rate
            logs["learning_rate"] = float(keras.ops.convert_to_numpy(rate))


class LearningRateSchedule(keras.callbacks.Callback):
    """Set the optimizer's learning rate before every step of one ``fit``.

    ``"cosine"`` warms the rate up linearly from 0 to ``peak`` over the
    first ``warmup_steps`` steps, then decays it along a half cosine to 0
    at step ``total_steps`` (Keras's ``CosineDecay`` with warm-up, same
    numbers). ``"constant"`` holds ``peak``.

    Steps are counted from the start of the ``fit`` this callback is
    given to, not from the optimizer's step count, so a continued fit
    runs a new cycle while Adam's moments and step count carry on. The
    optimizer holds a plain rate (a variable), which, unlike a schedule
    object baked into the compiled train step, can change between fits.

    Parameters
    ----------
    peak : float
        The rate after the warm-up (``"cosine"``), or throughout
        (``"constant"``).
    total_steps : int, default=1
        Training steps of the cycle: batches per epoch times epochs.
    warmup_steps : int, default=0
        Steps of the linear warm-up from 0.
    shape : {"cosine", "constant"}, default="cosine"
        The shape of the schedule.

    Examples
    --------
    >>> from skdigits._keras.callbacks import LearningRateSchedule
    >>> schedule = LearningRateSchedule(0.01, total_steps=10, warmup_steps=2)
    >>> [round(schedule.rate(step), 4) for step in (0, 1, 2, 6, 10)]
    [0.0, 0.005, 0.01, 0.005, 0.0]
    """

    def __init__(
        self,
        peak: float,
        total_steps: int = 1,
        warmup_steps: int = 0,
        shape: str = "cosine",
    ) -> None:
        super().__init__()
        self.peak = float(peak)
        self.total_steps = max(int(total_steps), 1)
        self.warmup_steps = int(warmup_steps)
        self.shape = shape
        self._step = 0
        self._variable = None

    def rate(self, step: int) -> float:
        """The learning rate of the ``step``-th update (0-based) of the fit."""
        if self.shape == "constant":
            return self.peak
        if step < self.warmup_steps:
            return self.peak * step / self.warmup_steps
        decay_steps = self.total_steps - self.warmup_steps
        done = min(step - self.warmup_steps, decay_steps) / decay_steps
        return self.peak * 0.5 * (1.0 + math.cos(math.pi * done))

    def _apply(self) -> None:
        rate = self.rate(self._step)
        if self._variable is None:
            self.model.optimizer.learning_rate = rate
        else:
            # What the optimizer's setter does (round to float32, assign),
            # without Keras's checks around it: half the time of a step's
            # assignment, and the same float32 value, so the same training.
            self._variable.assign(np.float32(rate), read_value=False)

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._step = 0
        self._variable = _backing_variable(self.model.optimizer)
        self._apply()

    def on_train_end(self, logs: dict | None = None) -> None:
        self._variable = None  # holds no TensorFlow object between fits

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        # A batch-begin hook keeps Keras's asynchronous dispatch of
        # batch-end logs; only batch-end hooks force a sync per step.
        self._apply()
        self._step += 1

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        # Leave the rate of the next step in place, so that a logger after
        # this callback records what the schedule has reached.
        self._apply()


def _backing_variable(optimizer: Any) -> Any:
    """The TensorFlow variable behind the optimizer's float learning rate,
    or None where there is none to assign (then the setter is used).

    Setting ``optimizer.learning_rate`` goes through Keras's property and
    ``Variable.assign`` (type and shape checks, conversion), about 0.1 ms
    more per training step than assigning the backing ``tf.Variable``.
    """
    rate = optimizer.learning_rate
    if not isinstance(rate, keras.Variable):
        return None
    variable = getattr(rate, "value", None)
    if (
        type(variable).__name__ != "ResourceVariable"
        or variable.dtype.name != "float32"
    ):
        return None
    return variable


class TestSetMonitor(keras.callbacks.Callback):
    """Add ``test_loss`` and ``test_accuracy`` to the logs at each epoch end.

    As in the notebook's learning curves, the test set is watched while
    the network trains; it is never used to choose anything. The time it
    takes is kept in ``seconds``, so that it can be left out of the
    training time.

    Parameters
    ----------
    X : array-like of shape (n_samples, ...)
        Test inputs as the pipeline takes them (raw pixels).
    y : array-like of shape (n_samples,)
        Test labels. Samples whose label is not in ``classes`` are left out.
    classes : array-like of shape (n_classes,)
        The classifier's ``classes_``, in the order of the network's
        outputs (``np.unique`` of the training labels).
    preprocess : callable, default=None
        Turns ``X`` into the network's input: for a pipeline, the fitted
        steps before the classifier. It is called once, when training
        begins, so the steps fitted before the classifier can be used.
    batch_size : int, default=2000
        Samples per forward pass.

    Attributes
    ----------
    seconds : float
        Time spent on the test set so far, in seconds.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from skdigits import DenseDigitClassifier
    >>> from skdigits._keras.callbacks import TestSetMonitor
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16
    >>> monitor = TestSetMonitor(X[200:400], y[200:400], classes=np.unique(y))
    >>> clf = DenseDigitClassifier((16,), epochs=3, random_state=0,
    ...                            callbacks=[monitor]).fit(X[:200], y[:200])
    >>> len(clf.history_["test_accuracy"]), monitor.seconds > 0
    (3, True)
    """

    __test__ = False  # a test-set monitor, not a pytest test class

    def __init__(
        self,
        X: Any,
        y: Any,
        *,
        classes: Any,
        preprocess: Callable[[Any], Any] | None = None,
        batch_size: int = 2000,
    ) -> None:
        super().__init__()
        classes = np.asarray(classes)
        y = np.asarray(y)
        self._known = np.isin(y, classes)
        self._y_index = np.searchsorted(classes, y[self._known])
        self._X_raw = X
        self._preprocess = preprocess
        self.batch_size = batch_size
        self.seconds = 0.0

    def on_train_begin(self, logs: dict | None = None) -> None:
        start = time.perf_counter()
        X = np.asarray(self._X_raw)[self._known]
        X = X if self._preprocess is None else self._preprocess(X)
        # The network takes flat rows: images are flattened, as the
        # classifier flattens them.
        self._X = np.asarray(X).reshape(len(X), -1)
        self.seconds += time.perf_counter() - start

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        start = time.perf_counter()
        proba = self.model.predict(self._X, batch_size=self.batch_size, verbose=0)
        rows = np.arange(len(self._y_index))
        picked = np.clip(proba[rows, self._y_index], 1e-7, 1.0)
        if logs is not None:
            logs["test_loss"] = float(-np.log(picked).mean())
            logs["test_accuracy"] = float(
                (proba.argmax(axis=1) == self._y_index).mean()
            )
        self.seconds += time.perf_counter() - start
