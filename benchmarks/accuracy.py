"""Accuracy and time to accuracy: how good, and how soon.

Test accuracy after every epoch and the *training* seconds to first reach
98.5 %, for (a) ``DenseDigitClassifier()`` with whatever its defaults are,
(b) the notebook's plain Keras loop (Adam 1e-3, one-hot cross-entropy, batch
1000, 100 epochs) and (c) ``MLPClassifier((784, 196))`` trained the same way,
one ``partial_fit`` per epoch. A Keras callback times each epoch and only then
evaluates, so evaluation is never training time.
"""

from __future__ import annotations

import gc
import time
from dataclasses import asdict, dataclass

import numpy as np

from benchmarks._baselines import (
    epoch_recorder,
    mlp_classifier,
    notebook_model,
    one_hot,
)
from benchmarks.common import RunConfig, load_data, summarize

TARGET_ACCURACY = 0.985  # the "time to accuracy" threshold (test accuracy)


@dataclass(frozen=True)
class Sizes:
    n_train: int | None  # None: every sample
    n_test: int | None
    baseline_epochs: int  # the notebook's Keras loop and MLPClassifier
    clf_epochs: int | None  # None: DenseDigitClassifier's own default


FULL = Sizes(n_train=None, n_test=None, baseline_epochs=100, clf_epochs=None)
QUICK = Sizes(n_train=1000, n_test=300, baseline_epochs=2, clf_epochs=2)


def time_to_accuracy(accuracy, epoch_seconds, target=TARGET_ACCURACY) -> dict:
    """First epoch (1-based) whose test accuracy reaches ``target``, and the
    training seconds summed up to and including it."""
    elapsed = np.cumsum(epoch_seconds)
    for i, acc in enumerate(accuracy):
        if acc >= target:
            return {"epoch": i + 1, "training_seconds": float(elapsed[i])}
    return {"epoch": None, "training_seconds": None}


def run_summary(accuracy, epoch_seconds, wall, **extra) -> dict:
    steady = epoch_seconds[1:] or epoch_seconds  # the first epoch also traces
    best = int(np.argmax(accuracy)) if accuracy else None
    return {
        "epochs": len(epoch_seconds),
        "test_accuracy": [float(a) for a in accuracy],
        "epoch_seconds": [float(s) for s in epoch_seconds],
        "training_seconds": float(np.sum(epoch_seconds)),
        "seconds_per_epoch": summarize(steady),
        "wall_seconds": float(wall),
        "final_accuracy": float(accuracy[-1]) if accuracy else None,
        "best_accuracy": float(accuracy[best]) if accuracy else None,
        "best_epoch": best + 1 if accuracy else None,
        "first_at_target": time_to_accuracy(accuracy, epoch_seconds),
        **extra,
    }


def measure(config: RunConfig) -> dict:
    import skdigits._keras  # noqa: F401  (start TensorFlow outside every timing)
    from skdigits.classifier import DenseDigitClassifier

    sizes = QUICK if config.quick else FULL
    data = load_data(config, sizes.n_train, sizes.n_test)
    out: dict = {"target_accuracy": TARGET_ACCURACY, "sizes": asdict(sizes)}

    # (a) The default classifier, whatever its defaults are today.
    clf = DenseDigitClassifier()
    defaults = clf.get_params()
    if sizes.clf_epochs:
        clf.set_params(epochs=sizes.clf_epochs)
    recorder = epoch_recorder(data.X_test, data.y_test)
    clf.set_params(callbacks=[recorder])  # the only change: the timing callback
    t0 = time.perf_counter()
    clf.fit(data.X_train, data.y_train)
    wall = time.perf_counter() - t0
    out["classifier"] = run_summary(
        recorder.test_accuracy,
        recorder.epoch_seconds,
        wall,
        params={k: v for k, v in defaults.items() if k != "callbacks"},
        epochs_overridden=sizes.clf_epochs,
        score_check=float(clf.score(data.X_test, data.y_test)),
        learning_rate=clf.history_.get("learning_rate"),
    )
    del clf, recorder
    gc.collect()

    # (b) The notebook's plain Keras loop: no wrapper, one-hot labels.
    model = notebook_model(data.X_train.shape[1], 10)
    recorder = epoch_recorder(data.X_test, data.y_test)
    t0 = time.perf_counter()
    model.fit(
        data.X_train,
        one_hot(data.y_train),
        batch_size=1000,
        epochs=sizes.baseline_epochs,
        verbose=0,
        callbacks=[recorder],
    )
    wall = time.perf_counter() - t0
    out["keras"] = run_summary(
        recorder.test_accuracy,
        recorder.epoch_seconds,
        wall,
        optimizer_updates=int(model.optimizer.iterations),
    )
    del model, recorder
    gc.collect()

    # (c) MLPClassifier, one partial_fit per epoch so that each epoch is
    # scored. partial_fit keeps Adam's moments between calls (fit with
    # warm_start would restart Adam every epoch).
    mlp = mlp_classifier()
    classes = np.arange(10)
    accuracy, epoch_seconds = [], []
    t_start = time.perf_counter()
    for _ in range(sizes.baseline_epochs):
        t0 = time.perf_counter()
        mlp.partial_fit(data.X_train, data.y_train, classes=classes)
        epoch_seconds.append(time.perf_counter() - t0)
        accuracy.append(float(np.mean(mlp.predict(data.X_test) == data.y_test)))
    wall = time.perf_counter() - t_start
    out["mlp"] = run_summary(
        accuracy,
        epoch_seconds,
        wall,
        optimizer_updates=int(mlp._optimizer.t),  # Adam steps: epochs * batches
        params=mlp.get_params(),
    )
    return out
