"""Memory: peak RSS of one fit, and RSS over many successive small fits.

Each group of jobs runs in a fresh Python process, so that nothing measured
before can pollute it: the peak RSS (VmHWM, reset just before the fit) of one
default fit and of the same training in plain Keras, and the RSS after each
of many small fits, each replacing the previous estimator as GridSearchCV
does, as shipped, with ``gc.collect()``, with ``clear_session()``, without
the gradient-registry release, and for plain Keras.
"""

from __future__ import annotations

import gc
import json
import time
from dataclasses import asdict, dataclass

import numpy as np

from benchmarks._baselines import notebook_model, one_hot
from benchmarks.common import (
    RunConfig,
    load_data,
    reset_peak_rss,
    rss_mb,
    run_fresh,
    summarize,
)


@dataclass(frozen=True)
class Sizes:
    n_train: int | None
    n_test: int | None
    fits: int
    checkpoints: tuple[int, int]
    samples: int
    peak_epochs: int | None  # None: the classifier's default
    children: tuple[tuple[str, ...], ...]  # each inner tuple: one fresh process


FULL = Sizes(
    n_train=None,
    n_test=None,
    fits=50,
    checkpoints=(5, 50),
    samples=2000,
    peak_epochs=None,
    children=(
        ("peak_classifier",),
        ("peak_keras",),
        ("repeat_classifier",),
        ("repeat_classifier_gc",),
        ("repeat_classifier_norelease",),
        ("repeat_classifier_norelease_clear_session",),
        ("repeat_keras",),
        ("repeat_keras_release",),
    ),
)
QUICK = Sizes(
    n_train=1000,
    n_test=300,
    fits=4,
    checkpoints=(2, 4),
    samples=300,
    peak_epochs=1,
    # One child only: each TensorFlow start-up costs seconds.
    children=(("peak_classifier", "repeat_classifier"),),
)


def measure(config: RunConfig) -> dict:
    sizes = QUICK if config.quick else FULL
    out: dict = {"sizes": asdict(sizes), "children": [], "process_baselines": {}}
    for jobs in sizes.children:
        code = (
            "from benchmarks.common import RunConfig\n"
            "from benchmarks.memory import child\n"
            f"child({list(jobs)!r}, RunConfig(data={config.data!r}, "
            f"quick={config.quick!r}))\n"
        )
        t0 = time.perf_counter()
        result = run_fresh(code)
        out["children"].append(
            {"jobs": list(jobs), "wall_seconds": time.perf_counter() - t0}
        )
        for key, value in result.items():
            if key in jobs:
                out[key] = value
            else:
                out["process_baselines"].setdefault(",".join(jobs), {})[key] = value
    return out


def child(jobs: list[str], config: RunConfig) -> None:
    """Run memory jobs in this (fresh) process; print one JSON line."""
    import skdigits._keras  # noqa: F401  (start TensorFlow before the first reading)

    sizes = QUICK if config.quick else FULL
    baseline = rss_mb()
    data = load_data(config, sizes.n_train, sizes.n_test)
    gc.collect()
    result = {
        "rss_after_imports_mb": baseline["rss"],
        "rss_after_data_mb": rss_mb()["rss"],
    }
    for job in jobs:
        kind, _, variant = job.partition("_")
        run = peak if kind == "peak" else repeat
        result[job] = run(data, sizes, variant)
    print(json.dumps(result))


def peak(data, sizes: Sizes, kind: str) -> dict:
    """Peak RSS while fitting the default classifier, or plain Keras, once."""
    from skdigits.classifier import DenseDigitClassifier

    clf = DenseDigitClassifier()
    epochs = sizes.peak_epochs or clf.epochs
    gc.collect()
    before = rss_mb()
    reset = reset_peak_rss()
    t0 = time.perf_counter()
    if kind == "classifier":
        clf.set_params(epochs=epochs).fit(data.X_train, data.y_train)
    else:  # the same training in plain Keras: a reference for the wrapper's share
        model = notebook_model(data.X_train.shape[1], 10)
        model.fit(
            data.X_train,
            one_hot(data.y_train),
            batch_size=clf.batch_size,
            epochs=epochs,
            verbose=0,
        )
    wall = time.perf_counter() - t0
    after = rss_mb()
    return {
        "epochs": epochs,
        "n_train": len(data.X_train),
        "data_mb": (data.X_train.nbytes + data.X_test.nbytes) / 2**20,
        "rss_before_mb": before["rss"],
        "peak_rss_mb": after["peak"],
        "peak_increase_mb": after["peak"] - before["rss"] if reset else None,
        "rss_after_mb": after["rss"],
        "peak_reset_worked": reset,
        "fit_seconds": wall,
    }


def repeat(data, sizes: Sizes, variant: str) -> dict:
    """RSS after each of many small fits, each replacing the previous estimator
    (what GridSearchCV and check_estimator do)."""
    import skdigits._keras.scikeras_glue as compat
    from skdigits._keras import keras  # TensorFlow's quiet start
    from skdigits.classifier import DenseDigitClassifier

    # DenseDigitClassifier drops the gradient-registry entries that pin each
    # finished train step (compat._release_train_step_graphs, after every
    # fit); the "norelease" variants switch that off to show what it saves.
    release = compat._release_train_step_graphs
    if "norelease" in variant:
        compat._release_train_step_graphs = lambda: 0
    X, y = data.X_train[: sizes.samples], data.y_train[: sizes.samples]
    Y = one_hot(y)
    estimator = None
    rss, fit_seconds, objects, released = [], [], {}, 0
    for i in range(1, sizes.fits + 1):
        t0 = time.perf_counter()
        if variant.startswith("keras"):  # control: the same network, no wrapper
            estimator = notebook_model(X.shape[1], 10, hidden=(64,))
            estimator.fit(X, Y, batch_size=1000, epochs=1, verbose=0)
            if variant == "keras_release":
                released += release()
        else:
            estimator = DenseDigitClassifier(hidden_layer_sizes=(64,), epochs=1)
            estimator.fit(X, y)
        # The other remedies tried, after each fit:
        if variant.endswith("_gc"):
            gc.collect()
        elif variant.endswith("_clear_session"):
            keras.backend.clear_session()
        fit_seconds.append(time.perf_counter() - t0)
        rss.append(rss_mb()["rss"])
        if i in (1, *sizes.checkpoints):
            objects[str(i)] = len(gc.get_objects())  # Python-level leak check
    a, b = sizes.checkpoints
    slope = np.polyfit(np.arange(a, b + 1), rss[a - 1 : b], 1)[0] if b > a else 0.0
    return {
        "variant": variant,
        "fits": sizes.fits,
        "n_samples": len(X),
        "rss_mb": rss,
        "checkpoints": [a, b],
        "rss_at_first_checkpoint_mb": rss[a - 1],
        "rss_at_last_checkpoint_mb": rss[b - 1],
        "growth_ratio": rss[b - 1] / rss[a - 1],
        "mb_per_fit": float(slope),
        "python_objects": objects,
        "gradient_entries_released": released,
        "gradient_registry_size": gradient_registry_size(),
        "fit_seconds": summarize(fit_seconds),
        "fit_seconds_first_last": [fit_seconds[a - 1], fit_seconds[b - 1]],
    }


def gradient_registry_size() -> int | None:
    try:
        from tensorflow.python.framework import ops

        return len(ops._gradient_registry._registry)
    except (ImportError, AttributeError):
        return None
