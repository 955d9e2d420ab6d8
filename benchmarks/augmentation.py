"""Question: what does on-the-fly augmentation buy, and what does it cost?

Two parts, both on the data of the run configuration (full MNIST for the
published numbers):

* ``epoch_cost``: seconds per epoch of the default network (784, 196), batch
  500) without augmentation and with each way of distorting the batches that
  was tried. Every candidate is a plain Keras model trained one epoch at a time,
  the candidates interleaved (A B C ... A B C ...) so that a burst of load on
  this shared machine hits them all; the first epoch of each (tracing, XLA
  compilation) is not counted. Ratios are against the un-augmented epoch of
  the same run.
* ``runs``: test accuracy after every epoch against the training seconds so
  far (the clock stops while the test set is scored) for the default
  classifier, the notebook's plain Keras loop, and the recipes of
  :data:`skdigits.augmentation.RECIPES`, the recipes over several seeds.
  Seconds are also given in *plain epochs*: divided by the median time of one
  un-augmented epoch of the notebook's network (784, 196) at batch 500 on the
  same training set, timed right before and right after each run
  (:class:`PlainEpochClock`), so that a figure survives the load of this
  shared machine. Each run says when it first reached each of
  :data:`LEVELS`, in seconds and plain epochs.

The recipes were chosen on a validation split of the training set (fit on
images 0-49,999, scored on 50,000-59,999), never on the test set
(:data:`CHOSEN` says how, per recipe); the test accuracy here comes after the
choice, from fits on the whole training set.
"""

from __future__ import annotations

import gc
import time

import numpy as np

from benchmarks._baselines import epoch_recorder
from benchmarks._epoch_cost import measure_epoch_cost
from benchmarks.common import RunConfig, load_data, loadavg, summarize

#: Seeds of the 15-minute stretch recipe: one, to keep the whole question
#: under an hour of a shared 2-core machine; raise it when the machine is free.
STRETCH_SEEDS = 3

#: Test accuracies whose first epoch each run reports (time to accuracy).
LEVELS = (0.985, 0.99, 0.993, 0.995)

#: How each recipe was chosen; stored with its runs.
CHOSEN = {
    "mnist-5min": "issue 11: widths, rates and epochs compared within a "
    "5-minute budget; fixed before this benchmark's test runs",
    "mnist-15min": "issue 11: the stretch recipe, a wider network for a "
    "15-minute budget; fixed before this benchmark's test runs",
    "mnist-fast": "issue 24: the best final accuracy on a validation split "
    "(fit on training images 0-49,999, scored on 50,000-59,999, seed 0) among "
    "the configurations of the augmentation page's trials table that the "
    "classifier's parameters express and that trained well within 30 plain "
    "epochs; the test set was not read to choose it",
}


def _curve(recorder, final_accuracy: float, wall: float) -> dict:
    seconds = np.cumsum(recorder.epoch_seconds)
    return {
        "test_accuracy": recorder.test_accuracy,
        "training_seconds": [float(s) for s in seconds],
        "final_accuracy": float(final_accuracy),
        "train_seconds": float(seconds[-1]),
        "wall_seconds": float(wall),
        "median_epoch_seconds": float(np.median(recorder.epoch_seconds)),
    }


class PlainEpochClock:
    """Times one un-augmented epoch of the notebook's network, (784, 196) at
    batch 500, on the training set: the unit of *plain epochs*.

    One compiled model is kept and trained on between the measured runs (its
    accuracy does not matter, only its time). Epochs are timed as the runs'
    are, from the start to the end of the epoch inside ``fit``
    (:func:`~benchmarks._baselines.epoch_recorder`), so ``fit``'s set-up is
    left out of both. The first epoch traces and compiles and is not timed.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, per_tick: int = 2) -> None:
        from skdigits._keras import keras  # TensorFlow's quiet start
        from skdigits._keras.network import build_dense_network

        self.X = X
        self.Y = np.eye(10, dtype=np.float32)[y]
        self.per_tick = per_tick
        self.model = build_dense_network(X.shape[1], 10, seed=0)
        self.model.compile(
            optimizer=keras.optimizers.Adam(1e-3),
            loss="categorical_crossentropy",
            metrics=["accuracy"],
        )
        self._epochs(1)
        self.seconds: list[float] = []

    def _epochs(self, n: int) -> list[float]:
        recorder = epoch_recorder()
        self.model.fit(
            self.X, self.Y, batch_size=500, epochs=n, verbose=0, callbacks=[recorder]
        )
        return recorder.epoch_seconds

    def tick(self) -> list[float]:
        """Time ``per_tick`` plain epochs now; return their seconds."""
        block = self._epochs(self.per_tick)
        self.seconds.extend(block)
        return block


def in_plain_epochs(run: dict, plain_seconds: float) -> dict:
    """``run`` with its seconds also in plain epochs, and its first epoch at
    each of :data:`LEVELS` (``None`` where never reached)."""
    plain = [s / plain_seconds for s in run["training_seconds"]]
    reached = {}
    for level in LEVELS:
        hit = next((i for i, a in enumerate(run["test_accuracy"]) if a >= level), None)
        reached[f"{level:.3f}"] = {
            "epoch": None if hit is None else hit + 1,
            "training_seconds": None if hit is None else run["training_seconds"][hit],
            "plain_epochs": None if hit is None else plain[hit],
        }
    return {
        **run,
        "plain_epoch_seconds": float(plain_seconds),
        "plain_epochs": plain,
        "total_plain_epochs": plain[-1],
        "to_accuracy": reached,
    }


def _clocked(clock: PlainEpochClock, jobs: list) -> list[dict]:
    """Run each job (a function returning a run), timing plain epochs before
    the first and after each: a run's unit is the median of the plain epochs
    on either side of it, so a change of load during the benchmark hits both."""
    before = clock.tick()
    runs = []
    for job in jobs:
        run = job()
        after = clock.tick()
        runs.append(in_plain_epochs(run, float(np.median(before + after))))
        before = after
    return runs


def _classifier_run(data, params: dict, seed: int) -> dict:
    from skdigits.classifier import DenseDigitClassifier

    recorder = epoch_recorder(data.X_test, data.y_test)
    clf = DenseDigitClassifier(**params, random_state=seed, callbacks=[recorder])
    t0 = time.perf_counter()
    clf.fit(data.X_train, data.y_train)
    wall = time.perf_counter() - t0
    run = _curve(recorder, clf.score(data.X_test, data.y_test), wall)
    del clf
    gc.collect()
    return {"seed": seed, **run}


def _notebook_run(data, epochs: int, seed: int) -> dict:
    """The notebook's loop in plain Keras: Dropout(0.1), 784, 196, Adam 1e-3,
    batch 1000."""
    from skdigits._keras import keras  # TensorFlow's quiet start

    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input(shape=(data.X_train.shape[1],)),
            keras.layers.Dropout(0.1),
            keras.layers.Dense(784, activation="relu"),
            keras.layers.Dense(196, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    recorder = epoch_recorder(data.X_test, data.y_test)
    Y = np.eye(10, dtype=np.float32)[data.y_train]
    t0 = time.perf_counter()
    model.fit(
        data.X_train,
        Y,
        batch_size=1000,
        epochs=epochs,
        verbose=0,
        callbacks=[recorder],
    )
    wall = time.perf_counter() - t0
    return {"seed": seed, **_curve(recorder, recorder.test_accuracy[-1], wall)}


def _to_accuracy_summary(runs: list[dict]) -> dict:
    """Per level: how many runs reached it, and their mean and worst seconds
    and plain epochs to it."""
    out = {}
    for level in (f"{level:.3f}" for level in LEVELS):
        hits = [r["to_accuracy"][level] for r in runs]
        hits = [h for h in hits if h["epoch"] is not None]
        plain = [h["plain_epochs"] for h in hits]
        secs = [h["training_seconds"] for h in hits]
        out[level] = {
            "n_reached": len(hits),
            "mean_plain_epochs": float(np.mean(plain)) if hits else None,
            "max_plain_epochs": float(np.max(plain)) if hits else None,
            "mean_seconds": float(np.mean(secs)) if hits else None,
        }
    return out


def summarize_runs(runs: list[dict]) -> dict:
    acc = np.array([r["final_accuracy"] for r in runs])
    secs = np.array([r["train_seconds"] for r in runs])
    plain = np.array([r["total_plain_epochs"] for r in runs])
    return {
        "n_seeds": len(runs),
        "mean_accuracy": float(acc.mean()),
        "std_accuracy": float(acc.std(ddof=1)) if len(acc) > 1 else 0.0,
        "min_accuracy": float(acc.min()),
        "max_accuracy": float(acc.max()),
        "mean_train_seconds": float(secs.mean()),
        "max_train_seconds": float(secs.max()),
        "mean_total_plain_epochs": float(plain.mean()),
        "max_total_plain_epochs": float(plain.max()),
        "to_accuracy": _to_accuracy_summary(runs),
    }


def measure(config: RunConfig) -> dict:
    from skdigits.augmentation import RECIPES

    data = (
        load_data(config, n_train=2000, n_test=500)
        if config.quick
        else (load_data(config))
    )
    seeds = list(config.seeds)
    quick = config.quick
    result: dict = {
        "n_train": len(data.X_train),
        "n_test": len(data.X_test),
        "source": data.source,
        "loadavg_start": loadavg(),
    }
    result["epoch_cost"] = measure_epoch_cost(data, rounds=1 if quick else 4)

    def shortened(params):
        return {**params, "epochs": 2} if quick else params

    clock = PlainEpochClock(data.X_train, data.y_train, per_tick=1 if quick else 2)
    runs: dict = {}
    runs["default"] = {
        "params": "DenseDigitClassifier()",
        "runs": _clocked(
            clock, [lambda: _classifier_run(data, shortened({}), seeds[0])]
        ),
    }
    runs["notebook"] = {
        "params": "plain Keras: Dropout(0.1), 784, 196, Adam 1e-3, batch 1000, "
        "100 epochs",
        "runs": _clocked(
            clock, [lambda: _notebook_run(data, 2 if quick else 100, seeds[0])]
        ),
    }
    # The quick run checks that every recipe runs and is stored: one seed each.
    for name, recipe_seeds in (
        ("mnist-fast", seeds[:1] if quick else seeds),
        ("mnist-5min", seeds[:1] if quick else seeds),
        ("mnist-15min", seeds[:1] if quick else seeds[:STRETCH_SEEDS]),
    ):
        params = RECIPES[name]
        runs[name] = {
            "params": {
                k: list(v) if isinstance(v, tuple) else v for k, v in params.items()
            },
            "chosen": CHOSEN[name],
            "runs": _clocked(
                clock,
                [
                    lambda s=s, p=params: _classifier_run(data, shortened(p), s)
                    for s in recipe_seeds
                ],
            ),
        }
    for entry in runs.values():
        entry["summary"] = summarize_runs(entry["runs"])
    result["runs"] = runs
    result["plain_epoch"] = {
        "what": "one un-augmented epoch of (784, 196) at batch 500 on the "
        "training set, timed before and after every run",
        **summarize(clock.seconds),
    }
    result["loadavg_end"] = loadavg()
    return result
