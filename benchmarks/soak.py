"""Does a process that fits, fine-tunes or predicts many times stay flat?

Each loop runs in its own fresh process and records the resident memory
(after ``gc.collect()``) every few iterations:

* ``skdigits_fit``: successive ``DenseDigitClassifier(hidden_layer_sizes=(64,),
  epochs=1).fit`` on 2,000 training images, unseeded (a seeded fit resets
  part of TensorFlow's state on its own and would hide growth);
* ``keras_fit``: the same network built, compiled and fitted with plain
  Keras, releasing nothing: the reference;
* ``skdigits_partial_fit``: successive ``partial_fit`` calls on one
  estimator, if ``DenseDigitClassifier`` has ``partial_fit`` (detected);
* ``skdigits_predict`` and ``keras_predict``: single-sample
  ``predict_proba`` of a fitted classifier, and ``Model.predict_on_batch``
  of the same plain Keras network.

The growth is the least-squares slope of RSS against the iteration count
over the later part of the loop (fits 50-500), so that start-up allocations
and warm caches do not count.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from benchmarks.common import RunConfig, run_fresh

N_TRAIN = 2_000
HIDDEN = (64,)


def _loops(
    config: RunConfig, n_fits: int, n_reference_fits: int, n_predict: int
) -> dict[str, dict]:
    """Each loop's length, sampling step and where its growth is measured from."""
    if config.quick:
        # Two samples past the start (iterations 2 and 4) are the fewest a
        # slope needs; the quick run checks the loops, not the growth.
        n_fits, n_reference_fits, n_predict = 4, 4, 200

    def fits(n):
        return {"n": n, "every": 2 if config.quick else 10, "from": max(2, n // 10)}

    predict = {"n": n_predict, "every": n_predict // 20, "from": n_predict // 10}
    return {
        "skdigits_fit": fits(n_fits),
        "keras_fit": fits(n_reference_fits),
        "skdigits_partial_fit": fits(n_fits),
        "skdigits_predict": predict,
        "keras_predict": predict,
    }


def measure(
    config: RunConfig,
    *,
    n_fits: int = 500,
    n_reference_fits: int = 500,
    n_predict: int = 100_000,
) -> dict:
    """Run every loop in a fresh process, two at a time; fit the growth.

    The loop lengths default to the issue's (500 fits, 100,000 predictions);
    a busy machine may need shorter ones, which the result records.
    """
    from skdigits import DenseDigitClassifier

    loops = _loops(config, n_fits, n_reference_fits, n_predict)
    if not hasattr(DenseDigitClassifier, "partial_fit"):
        loops.pop("skdigits_partial_fit")

    def run(kind: str) -> dict:
        spec = loops[kind]
        code = (
            "from benchmarks.soak import _child; "
            f"_child({kind!r}, {spec['n']}, {spec['every']}, {config.data!r})"
        )
        # One thread each (skdigits passes OMP_NUM_THREADS on to TensorFlow):
        # on a shared 2-core machine more threads only wait for each other.
        env = {"TF_CPP_MIN_LOG_LEVEL": "3", "OMP_NUM_THREADS": "1"}
        return run_fresh(code, env=env)

    # Two processes at a time: memory is what is measured, not speed, and the
    # 500-fit loops take tens of minutes each.
    with ThreadPoolExecutor(max_workers=2) as pool:
        traces = dict(zip(loops, pool.map(run, loops), strict=True))
    result: dict = {
        "n_train": N_TRAIN,
        "hidden_layer_sizes": list(HIDDEN),
        "partial_fit_available": "skdigits_partial_fit" in loops,
    }
    for kind, trace in traces.items():
        result[kind] = {
            "n": loops[kind]["n"],
            **trace,
            **_growth(trace, loops[kind]["from"]),
        }
    return result


def _growth(trace: dict, start: int) -> dict:
    """MB per iteration from ``start`` on (least squares), and what it adds up to.

    A fitted slope, not last minus first: glibc hands memory back to the
    system now and then, so single samples dip by tens of MB.
    """
    i = np.asarray(trace["i"], dtype=float)
    rss = np.asarray(trace["rss_mb"], dtype=float)
    late = i >= start
    if late.sum() < 2:
        return {"from": start, "mb_per_iteration": None, "growth_mb": None}
    slope = float(np.polyfit(i[late], rss[late], 1)[0])
    return {
        "from": start,
        "mb_per_iteration": slope,
        "growth_mb": slope * float(i[late][-1] - i[late][0]),
        "rss_median_mb": float(np.median(rss[late])),
    }


def _child(kind: str, n: int, every: int, data: str) -> None:
    """One loop, in this (fresh) process; prints its trace as JSON."""
    import gc

    from tensorflow.python.eager import context
    from tensorflow.python.framework import ops

    from benchmarks.common import load_data, one_blas_thread, rss_mb
    from skdigits import DenseDigitClassifier
    from skdigits._keras import keras  # TensorFlow's quiet start

    d = load_data(RunConfig(data=data), n_train=N_TRAIN, n_test=1)
    X, y = d.X_train, d.y_train

    def keras_network():
        model = keras.Sequential(
            [
                keras.Input((X.shape[1],)),
                keras.layers.Dropout(0.1),
                *(keras.layers.Dense(w, activation="relu") for w in HIDDEN),
                keras.layers.Dense(10, activation="softmax"),
            ]
        )
        model.compile(
            optimizer="adam",
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        return model

    def classifier():
        return DenseDigitClassifier(hidden_layer_sizes=HIDDEN, epochs=1)

    if kind == "skdigits_fit":
        step = lambda i: classifier().fit(X, y)  # noqa: E731
    elif kind == "keras_fit":

        def step(i):
            keras_network().fit(X, y, epochs=1, batch_size=500, verbose=0)

    elif kind == "skdigits_partial_fit":
        clf = classifier()
        chunks = np.array_split(np.arange(len(X)), 10)

        def step(i):
            rows = chunks[i % len(chunks)]
            clf.partial_fit(X[rows], y[rows], classes=np.unique(y))

    elif kind == "skdigits_predict":
        clf = classifier().fit(X, y)
        step = lambda i: clf.predict_proba(X[i % len(X)][None])  # noqa: E731
    elif kind == "keras_predict":
        model = keras_network()
        model.fit(X, y, epochs=1, batch_size=500, verbose=0)
        step = lambda i: model.predict_on_batch(X[i % len(X)][None])  # noqa: E731
    else:
        raise ValueError(f"unknown soak loop {kind!r}")

    trace: dict[str, list] = {
        "i": [],
        "rss_mb": [],
        "tf_functions": [],
        "gradient_registry": [],
        "seconds": [],
    }
    start = time.perf_counter()
    one_blas_thread()  # applies until exit; 2 BLAS threads wait for a busy core
    for i in range(1, n + 1):
        step(i)
        if i % every == 0:
            gc.collect()
            trace["i"].append(i)
            trace["rss_mb"].append(round(rss_mb()["rss"], 2))
            trace["tf_functions"].append(len(context.context().list_function_names()))
            trace["gradient_registry"].append(len(ops._gradient_registry._registry))
            trace["seconds"].append(round(time.perf_counter() - start, 2))
    print(json.dumps(trace))
