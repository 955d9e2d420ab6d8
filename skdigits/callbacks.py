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
from typing import Any

from skdigits._tf_env import import_keras

# Defined on first access by __getattr__ below.
__all__ = ["LearningRateLogger"]  # noqa: F822


@functools.cache
def _define_callbacks() -> dict[str, type]:
    keras = import_keras()

    class LearningRateLogger(keras.callbacks.Callback):
        """Add the optimizer's learning rate at the end of each epoch to the logs.

        The value is the rate of the last step of the epoch, so a schedule
        (warm-up, cosine decay) shows in ``history_["learning_rate"]``.
        """

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            if logs is not None:
                rate = self.model.optimizer.learning_rate
                logs["learning_rate"] = float(keras.ops.convert_to_numpy(rate))

    classes = {"LearningRateLogger": LearningRateLogger}
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
