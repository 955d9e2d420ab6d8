"""Keras callbacks that skdigits uses during training, one small class each.

Keras callback classes must subclass ``keras.callbacks.Callback``, and
importing Keras starts TensorFlow, which takes seconds. So the classes are
defined the first time one of them is asked for (``skdigits.callbacks.X``,
through the module's ``__getattr__``), not when this module is imported: code
that only predicts or prints ``--help`` never pays for TensorFlow.

Each class is still a plain module attribute once defined, so instances
pickle and compare by class like any other.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from skdigits._tf_env import import_keras

# Defined on first access by __getattr__ below.
__all__ = ["LearningRateLogger", "LearningRateSchedule"]  # noqa: F822


@functools.cache
def _define_callbacks() -> dict[str, type]:
    keras = import_keras()

    class LearningRateLogger(keras.callbacks.Callback):
        """Add the optimizer's learning rate at the end of each epoch to the logs.

        The value is the rate the optimizer holds at the end of the epoch, so
        a schedule (warm-up, cosine decay) shows in
        ``history_["learning_rate"]``.

        Attributes
        ----------
        model : keras.Model
            Set by Keras: the model being trained.

        Examples
        --------
        >>> from skdigits.callbacks import LearningRateLogger
        >>> logger = LearningRateLogger()  # DenseDigitClassifier adds one itself
        >>> type(logger).__mro__[1].__name__
        'Callback'
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
        >>> from skdigits.callbacks import LearningRateSchedule
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
            self.model.optimizer.learning_rate = self.rate(self._step)

        def on_train_begin(self, logs: dict | None = None) -> None:
            self._step = 0
            self._apply()

        def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
            # A batch-begin hook keeps Keras's asynchronous dispatch of
            # batch-end logs; only batch-end hooks force a sync per step.
            self._apply()
            self._step += 1

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            # Leave the rate of the next step in place, so that a logger after
            # this callback records what the schedule has reached.
            self._apply()

    classes = {
        "LearningRateLogger": LearningRateLogger,
        "LearningRateSchedule": LearningRateSchedule,
    }
    for name, cls in classes.items():
        # Pickle finds the class again through this module's __getattr__.
        cls.__module__ = __name__
        cls.__qualname__ = name
    return classes


def __getattr__(name: str) -> Any:
    if name in __all__:
        cls = _define_callbacks()[name]
        globals()[name] = cls  # the next access is a plain lookup
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
