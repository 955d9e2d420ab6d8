#!/usr/bin/env python
"""Performance benchmark of ``skdigits.DenseDigitClassifier`` (issue "Performance").

One process run measures four things, so that every ratio compares runs taken
on the same machine, under the same load, minutes apart:

1. ``accuracy``: test accuracy after every epoch, and the training seconds to
   first reach 98.5 %, for the default ``DenseDigitClassifier()``, the
   notebook's plain Keras loop and scikit-learn's ``MLPClassifier``.
2. ``overhead``: seconds per epoch of ``DenseDigitClassifier`` over plain
   ``model.fit`` on the same network and data, in interleaved runs, plus a
   cProfile of where the wrapper spends time outside Keras.
3. ``latency``: ``predict_proba`` latency at batch 1, 32 and 10,000 against
   SciKeras's ``KerasClassifier``, Keras ``Model.predict`` and
   ``MLPClassifier``; the NumPy/Keras agreement, and NumPy vs Keras by batch size.
4. ``memory``: peak RSS of one full fit, and RSS over 50 successive small fits,
   each measured in a fresh subprocess so the other sections cannot pollute it.

Usage::

    python benchmarks/bench.py --data /path/to/mnist.npz        # full run
    python benchmarks/bench.py --data sample --quick            # smoke test
    python benchmarks/bench.py --data mnist.npz --sections latency --output /tmp/b

``--data`` takes a keras-layout ``.npz`` (any sizes), a folder that
``skdigits.datasets.fetch_mnist`` accepts, or ``sample`` for the bundled
sample. Results go to ``RESULTS.md`` and ``results.json`` in ``--output``
(default: this folder); a run of some sections writes only those sections.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pstats
import shlex
import subprocess
import sys
import time
import warnings
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from types import SimpleNamespace

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))  # run as a script: make `benchmarks` importable

from benchmarks.common import (  # noqa: E402
    loadavg,
    machine_info,
    one_blas_thread,
    reset_peak_rss,
    rows_of,
    rss_mb,
    summarize,
    time_interleaved,
)

SECTIONS = ("accuracy", "overhead", "latency", "memory")
TARGET_ACCURACY = 0.985  # "time to accuracy" threshold (test accuracy)


# -- configuration -------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    """Sizes of one run. ``FULL`` is the benchmark; ``QUICK`` only smoke-tests it."""

    quick: bool
    n_train: int | None  # None: every training sample
    n_test: int | None
    baseline_epochs: int  # notebook Keras loop and MLPClassifier
    clf_epochs: int | None  # None: DenseDigitClassifier's own default
    overhead_epochs: int
    overhead_rounds: int
    latency_fit_samples: int
    latency_calls: dict[int, int]  # batch size -> timed calls
    latency_warmup: int
    latency_blocks: int  # candidates alternate in this many blocks of calls
    threshold_sizes: tuple[int, ...]
    threshold_calls: int
    profile_calls: int  # one-sample predict_proba calls under cProfile
    mem_fits: int
    mem_checkpoints: tuple[int, int]
    mem_samples: int
    mem_peak_epochs: int | None  # None: the classifier's default
    # Each inner tuple runs in its own fresh subprocess.
    mem_children: tuple[tuple[str, ...], ...] = field(default=())


FULL = Config(
    quick=False,
    n_train=None,
    n_test=None,
    baseline_epochs=100,
    clf_epochs=None,
    overhead_epochs=5,
    overhead_rounds=5,
    latency_fit_samples=10_000,
    latency_calls={1: 200, 32: 200, 10_000: 20},
    latency_warmup=5,
    latency_blocks=4,
    threshold_sizes=(512, 2048, 4096, 10_000),
    threshold_calls=10,
    profile_calls=2000,
    mem_fits=50,
    mem_checkpoints=(5, 50),
    mem_samples=2000,
    mem_peak_epochs=None,
    mem_children=(
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

QUICK = Config(
    quick=True,
    n_train=1000,
    n_test=300,
    baseline_epochs=2,
    clf_epochs=2,
    overhead_epochs=2,  # the second epoch is the one without tracing
    overhead_rounds=1,
    latency_fit_samples=1000,
    latency_calls={1: 5, 32: 5, 4096: 1},  # 4096 > 2048: several chunks
    latency_warmup=1,
    latency_blocks=1,
    threshold_sizes=(4096,),
    threshold_calls=1,
    profile_calls=50,
    mem_fits=4,
    mem_checkpoints=(2, 4),
    mem_samples=300,
    mem_peak_epochs=1,
    # One child only: each TensorFlow start-up costs seconds.
    mem_children=(("peak_classifier", "repeat_classifier"),),
)


# -- small helpers ---------------------------------------------------------------


def time_to_accuracy(accuracy, epoch_seconds, target=TARGET_ACCURACY) -> dict:
    """First epoch (1-based) whose test accuracy reaches ``target``, and the
    training seconds summed up to and including it."""
    elapsed = np.cumsum(epoch_seconds)
    for i, acc in enumerate(accuracy):
        if acc >= target:
            return {"epoch": i + 1, "training_seconds": float(elapsed[i])}
    return {"epoch": None, "training_seconds": None}


def make_epoch_recorder(X_eval=None, y_eval=None):
    """A Keras callback recording each epoch's training seconds.

    With ``X_eval``, it also records test accuracy after every epoch. The clock
    stops at the top of ``on_epoch_end``, *before* the evaluation, so the
    evaluation never counts as training time.
    """
    import keras

    class EpochRecorder(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.epoch_seconds: list[float] = []
            self.test_accuracy: list[float] = []

        def on_epoch_begin(self, epoch, logs=None):
            self._t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.epoch_seconds.append(time.perf_counter() - self._t0)
            if X_eval is not None:
                proba = self.model.predict(X_eval, batch_size=2500, verbose=0)
                self.test_accuracy.append(float(np.mean(proba.argmax(1) == y_eval)))

    return EpochRecorder()


def notebook_network(n_features: int, n_classes: int, hidden=(784, 196)):
    """The notebook's network written directly in Keras, uncompiled (no skdigits)."""
    import keras

    return keras.Sequential(
        [
            keras.Input(shape=(n_features,)),
            keras.layers.Dropout(0.1),
            *(keras.layers.Dense(w, activation="relu") for w in hidden),
            keras.layers.Dense(n_classes, activation="softmax"),
        ]
    )


def notebook_model(n_features: int, n_classes: int, hidden=(784, 196), lr=1e-3):
    """The notebook's network compiled as the notebook did (Adam, one-hot CE)."""
    import keras

    model = notebook_network(n_features, n_classes, hidden)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=lr),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def dense_weights(model) -> list[tuple[np.ndarray, np.ndarray]]:
    """(kernel, bias) of every Dense layer, for ``skdigits.network.dense_forward``."""
    import keras

    return [
        tuple(np.asarray(w) for w in layer.get_weights())
        for layer in model.layers
        if isinstance(layer, keras.layers.Dense)
    ]


def one_hot(y: np.ndarray, n_classes: int = 10) -> np.ndarray:
    return np.eye(n_classes, dtype=np.float32)[y]


def mlp_classifier(**params):
    """MLPClassifier set up as the same training as the notebook's Keras loop.

    ``alpha=0``: the Keras network has no L2 penalty (MLP's default is 1e-4).
    ``epsilon=1e-7``: Keras Adam's default (MLP's is 1e-8); betas are equal.
    ``shuffle=True``: every ``partial_fit`` call is one epoch over a freshly
    shuffled order, like Keras's per-epoch shuffle. There is no dropout.
    """
    from sklearn.neural_network import MLPClassifier

    settings = dict(
        hidden_layer_sizes=(784, 196),
        activation="relu",
        solver="adam",
        alpha=0.0,
        batch_size=1000,
        learning_rate_init=1e-3,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        shuffle=True,
    )
    return MLPClassifier(**{**settings, **params})


# -- data ----------------------------------------------------------------------------


def load_data(spec: str, cfg: Config) -> SimpleNamespace:
    """Flat float32 pixels / 255 and int labels, as the notebook fed Keras.

    The classifier validates to float32 anyway; giving it float32 up front
    keeps a conversion out of every timing.
    """
    from skdigits.datasets import fetch_mnist, load_mnist_sample

    if spec == "sample":
        arrays = load_mnist_sample(return_X_y=True)
        source = "skdigits.datasets.load_mnist_sample()"
    else:
        arrays = fetch_mnist(spec, download_if_missing=False, return_X_y=True)
        source = str(Path(spec).resolve())
    X_train, y_train, X_test, y_test = arrays

    def features(X, n):
        X = X[:n] if n else X
        return X.reshape(len(X), -1).astype(np.float32) / np.float32(255)

    def labels(y, n):
        return (y[:n] if n else y).astype(np.int64)

    return SimpleNamespace(
        X_train=features(X_train, cfg.n_train),
        y_train=labels(y_train, cfg.n_train),
        X_test=features(X_test, cfg.n_test),
        y_test=labels(y_test, cfg.n_test),
        source=source,
    )


# -- 1. accuracy and time to accuracy --------------------------------------------


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


def section_accuracy(data, cfg: Config) -> dict:
    from skdigits.classifier import DenseDigitClassifier

    out: dict = {"target_accuracy": TARGET_ACCURACY}

    # (a) The default classifier, whatever its defaults are today.
    clf = DenseDigitClassifier()
    defaults = clf.get_params()
    print(f"  DenseDigitClassifier defaults: {defaults}", flush=True)
    if cfg.clf_epochs:
        clf.set_params(epochs=cfg.clf_epochs)
    recorder = make_epoch_recorder(data.X_test, data.y_test)
    clf.set_params(callbacks=[recorder])  # the only change: our timing callback
    t0 = time.perf_counter()
    clf.fit(data.X_train, data.y_train)
    wall = time.perf_counter() - t0
    out["classifier"] = run_summary(
        recorder.test_accuracy,
        recorder.epoch_seconds,
        wall,
        params={k: v for k, v in defaults.items() if k != "callbacks"},
        epochs_overridden=cfg.clf_epochs,
        score_check=float(clf.score(data.X_test, data.y_test)),
        learning_rate=clf.history_.get("learning_rate"),
    )
    report_run("DenseDigitClassifier()", out["classifier"])
    del clf, recorder
    gc.collect()

    # (b) The notebook's plain Keras loop: no wrapper, one-hot labels.
    model = notebook_model(data.X_train.shape[1], 10)
    recorder = make_epoch_recorder(data.X_test, data.y_test)
    t0 = time.perf_counter()
    model.fit(
        data.X_train,
        one_hot(data.y_train),
        batch_size=1000,
        epochs=cfg.baseline_epochs,
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
    report_run("notebook Keras loop", out["keras"])
    del model, recorder
    gc.collect()

    # (c) MLPClassifier, one partial_fit per epoch so we can score each epoch.
    # partial_fit keeps Adam's moments between calls (fit with warm_start
    # would restart Adam every epoch); each call is exactly one epoch.
    mlp = mlp_classifier()
    classes = np.arange(10)
    accuracy, epoch_seconds = [], []
    t_start = time.perf_counter()
    for _ in range(cfg.baseline_epochs):
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
        params={k: v for k, v in mlp.get_params().items()},
    )
    report_run("MLPClassifier", out["mlp"])
    return out


def report_run(name: str, r: dict) -> None:
    hit = r["first_at_target"]
    to = (
        f"epoch {hit['epoch']} after {hit['training_seconds']:.1f} s"
        if hit["epoch"]
        else "never"
    )
    print(
        f"  {name}: {r['epochs']} epochs, "
        f"{r['seconds_per_epoch']['median']:.2f} s/epoch, "
        f"final {r['final_accuracy']:.4f}, best {r['best_accuracy']:.4f} "
        f"(epoch {r['best_epoch']}), {TARGET_ACCURACY:.1%}: {to}",
        flush=True,
    )


# -- 2. wrapper overhead -----------------------------------------------------------


def section_overhead(data, cfg: Config) -> dict:
    from scikeras.utils.random_state import tensorflow_random_state
    from sklearn.base import clone

    from skdigits.classifier import DenseDigitClassifier
    from skdigits.network import build_dense_network, make_optimizer

    X, y = data.X_train, data.y_train
    Y = one_hot(y)
    base = DenseDigitClassifier(epochs=cfg.overhead_epochs)
    p = base.get_params()

    def keras_fit(seed=None):
        # The classifier's own network and optimizer, trained by model.fit.
        # The clock starts before building, as the classifier's fit builds too.
        recorder = make_epoch_recorder()
        t0 = time.perf_counter()
        model = build_dense_network(
            X.shape[1],
            10,
            hidden_layer_sizes=p["hidden_layer_sizes"],
            activation=p["activation"],
            dropout=p["dropout"],
        )
        model.compile(
            optimizer=make_optimizer(p["optimizer"], p["learning_rate"]),
            loss="categorical_crossentropy",
            metrics=["accuracy"],
        )
        # SciKeras's own seeding context (seeds + op determinism) for the
        # seeded control, so the determinism cost can be told from the wrapper's.
        with tensorflow_random_state(seed) if seed is not None else nullcontext():
            model.fit(
                X,
                Y,
                batch_size=p["batch_size"],
                epochs=cfg.overhead_epochs,
                shuffle=True,
                verbose=0,
                callbacks=[recorder],
            )
        return time.perf_counter() - t0, recorder.epoch_seconds

    def classifier_fit(**params):
        recorder = make_epoch_recorder()
        clf = clone(base).set_params(callbacks=[recorder], **params)
        t0 = time.perf_counter()
        clf.fit(X, y)
        return time.perf_counter() - t0, recorder.epoch_seconds

    variants = {
        "keras_fit": keras_fit,
        "classifier": classifier_fit,
        "classifier_seeded": partial(classifier_fit, random_state=0),
        "classifier_constant_lr": partial(classifier_fit, lr_schedule="constant"),
        "keras_fit_seeded": partial(keras_fit, seed=0),
    }
    runs: dict[str, list] = {name: [] for name in variants}
    names = list(variants)
    for r in range(cfg.overhead_rounds):
        # Rotate the order each round so no variant always runs first.
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            wall, epochs = variants[name]()
            runs[name].append({"wall_seconds": wall, "epoch_seconds": epochs})
            print(
                f"  round {r + 1} {name}: "
                + " ".join(f"{s:.2f}" for s in epochs)
                + f" s/epoch, fit {wall:.1f} s",
                flush=True,
            )
            gc.collect()

    def steady(run):  # the first epoch of every fit includes tf.function tracing
        return run["epoch_seconds"][1:]

    out: dict = {
        "epochs_per_fit": cfg.overhead_epochs,
        "rounds": cfg.overhead_rounds,
        "batch_size": p["batch_size"],
        "n_train": len(X),
    }
    ref = np.median([s for run in runs["keras_fit"] for s in steady(run)])
    for name, rs in runs.items():
        pooled = [s for run in rs for s in steady(run)]
        stats = summarize(pooled)
        ref_runs = runs["keras_fit"]
        out[name] = {
            "runs": rs,
            "seconds_per_epoch": stats,
            "ratio_vs_keras_fit": stats["median"] / ref,
            # Same-round ratios show how much the ratio itself moves with load.
            "ratio_per_round": [
                float(np.median(steady(a)) / np.median(steady(b)))
                for a, b in zip(rs, ref_runs, strict=True)
            ],
            "first_epoch_seconds": summarize([run["epoch_seconds"][0] for run in rs]),
            # Build, validation, data conversion: fit time outside the epochs.
            "outside_epochs_seconds": summarize(
                [run["wall_seconds"] - sum(run["epoch_seconds"]) for run in rs]
            ),
            "fit_wall_seconds": summarize([run["wall_seconds"] for run in rs]),
        }
    out["ratio"] = out["classifier"]["ratio_vs_keras_fit"]
    out["profile"] = profile_classifier_fit(clone(base), X, y, epochs=2)
    return out


def profile_classifier_fit(clf, X, y, *, epochs: int) -> dict:
    """cProfile one fit; split its time into Keras's Model.fit and the rest."""
    clf.set_params(epochs=epochs)
    prof = cProfile.Profile()
    prof.enable()
    clf.fit(X, y)
    prof.disable()
    st = pstats.Stats(prof)
    total = st.total_tt
    keras_fit = max(
        (
            ct
            for (file, _, func), (_, _, _, ct, _) in st.stats.items()
            if func == "fit" and "keras" in file and "trainer" in file
        ),
        default=0.0,
    )
    return {
        "epochs": epochs,
        "total_seconds": total,
        "keras_model_fit_seconds": keras_fit,
        "outside_model_fit_seconds": total - keras_fit,
        # Functions that enclose Model.fit (fit -> SciKeras -> ...) say nothing;
        # list what runs beside it: validation, build, encoding.
        "top_wrapper_functions": [
            row
            for row in top_functions(st, ("skdigits", "scikeras", "sklearn"), n=40)
            if row["cumtime"] < 0.99 * keras_fit
        ][:12],
    }


def top_functions(st: pstats.Stats, packages, n: int, key: int = 3) -> list[dict]:
    """The ``n`` functions from ``packages`` with the largest cumulative time."""
    rows = []
    for (file, line, func), (_, nc, tt, ct, _) in st.stats.items():
        parts = Path(file).parts
        if not any(p in parts for p in packages):
            continue
        short = "/".join(parts[-2:])
        rows.append(
            {
                "function": f"{short}:{line}({func})",
                "calls": nc,
                "tottime": tt,
                "cumtime": ct,
            }
        )
    rows.sort(key=lambda r: r["cumtime" if key == 3 else "tottime"], reverse=True)
    return rows[:n]


# -- 3. prediction latency ---------------------------------------------------------


def section_latency(data, cfg: Config) -> dict:
    from scikeras.wrappers import KerasClassifier
    from sklearn.exceptions import ConvergenceWarning

    from skdigits.classifier import DenseDigitClassifier
    from skdigits.network import dense_forward

    n = min(cfg.latency_fit_samples, len(data.X_train))
    Xf, yf = data.X_train[:n], data.y_train[:n]
    # Brief fits: latency does not depend on how well the weights are trained.
    clf = DenseDigitClassifier(epochs=1, random_state=0).fit(Xf, yf)
    skc = KerasClassifier(
        model=lambda meta: notebook_network(meta["n_features_in_"], meta["n_classes_"]),
        loss="categorical_crossentropy",
        optimizer="adam",
        optimizer__learning_rate=1e-3,
        epochs=1,
        batch_size=1000,  # SciKeras uses it for predict too
        verbose=0,
        random_state=0,
    ).fit(Xf, yf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = mlp_classifier(max_iter=1, batch_size=min(1000, n)).fit(Xf, yf)
    model = clf.model_
    weights = dense_weights(model)
    keras_batch = 1000  # a sensible batch for Keras's predict on big inputs
    chunk = getattr(DenseDigitClassifier, "_predict_chunk_size", 2048)

    out: dict = {"predict_chunk_size": chunk, "batches": {}}
    for batch, n_calls in cfg.latency_calls.items():
        Xb = rows_of(data.X_test, batch)
        candidates = {
            "DenseDigitClassifier.predict_proba": lambda Xb=Xb: clf.predict_proba(Xb),
            "scikeras KerasClassifier.predict_proba": lambda Xb=Xb: skc.predict_proba(
                Xb
            ),
            "keras Model.predict": lambda Xb=Xb: model.predict(Xb, verbose=0),
            "keras Model.predict_on_batch": lambda Xb=Xb: model.predict_on_batch(Xb),
            "MLPClassifier.predict_proba": lambda Xb=Xb: mlp.predict_proba(Xb),
            "DenseDigitClassifier.predict_proba, 1 BLAS thread": (
                lambda Xb=Xb: clf.predict_proba(Xb)
            ),
            # The classifier's fast path without input validation.
            "numpy dense_forward": lambda Xb=Xb: dense_forward(weights, Xb, "relu"),
        }
        if batch > keras_batch:
            candidates[f"keras Model.predict(batch_size={keras_batch})"] = (
                lambda Xb=Xb: model.predict(Xb, batch_size=keras_batch, verbose=0)
            )
        warmup = cfg.latency_warmup if batch <= 1000 else min(cfg.latency_warmup, 2)
        res = time_interleaved(
            candidates,
            n_calls,
            warmup,
            cfg.latency_blocks,
            contexts={
                "DenseDigitClassifier.predict_proba, 1 BLAS thread": one_blas_thread
            },
        )
        ref = res["keras Model.predict"]["median"]
        for r in res.values():
            r["ratio_vs_keras_predict"] = r["median"] / ref
        out["batches"][str(batch)] = res
        print(
            f"  batch {batch}: "
            + ", ".join(f"{k} {v['median'] * 1e3:.3f} ms" for k, v in res.items()),
            flush=True,
        )

    out["agreement"] = check_agreement(clf, model, data.X_test, keras_batch)
    out["threshold_sweep"] = threshold_sweep(
        weights, model, data.X_test, cfg, keras_batch, chunk
    )
    out["batch1_profile"] = profile_predict_proba(
        clf, data.X_test[:1], cfg.profile_calls
    )
    return out


def check_agreement(clf, model, X_test, keras_batch) -> dict:
    """The classifier's NumPy predict_proba vs Keras on the whole test set."""
    p_numpy = clf.predict_proba(X_test)
    p_keras = model.predict(X_test, batch_size=keras_batch, verbose=0)
    diff = np.abs(p_numpy.astype(np.float64) - p_keras)
    res = {
        "n_samples": len(X_test),
        "max_abs_diff": float(diff.max()),
        "mean_abs_diff": float(diff.mean()),
        "argmax_disagreements": int(np.sum(p_numpy.argmax(1) != p_keras.argmax(1))),
        "float32_eps": float(np.finfo(np.float32).eps),
        "dtype": str(p_numpy.dtype),
    }
    print(
        f"  agreement NumPy vs Keras: max |diff| {res['max_abs_diff']:.2e}", flush=True
    )
    return res


def threshold_sweep(
    weights, model, X_test, cfg: Config, keras_batch, chunk
) -> list[dict]:
    """NumPy forward vs Keras predict by batch size.

    The NumPy forward on the whole batch, in chunks of ``chunk`` (what
    ``predict_proba`` does), and with one BLAS thread, against Keras's
    ``predict`` and ``predict_on_batch`` (one call of the traced function, no
    data pipeline).
    """
    from skdigits.network import dense_forward

    def chunked(Xn):
        return np.concatenate(
            [
                dense_forward(weights, Xn[i : i + chunk])
                for i in range(0, len(Xn), chunk)
            ]
        )

    rows = []
    for n in cfg.threshold_sizes:
        Xn = rows_of(X_test, n)
        res = time_interleaved(
            {
                "numpy": lambda Xn=Xn: dense_forward(weights, Xn, "relu"),
                "numpy_chunked": lambda Xn=Xn: chunked(Xn),
                "numpy_1_thread": lambda Xn=Xn: dense_forward(weights, Xn, "relu"),
                "keras_predict": lambda Xn=Xn: model.predict(
                    Xn, batch_size=keras_batch, verbose=0
                ),
                "keras_predict_on_batch": lambda Xn=Xn: model.predict_on_batch(Xn),
            },
            cfg.threshold_calls,
            1,
            cfg.latency_blocks,
            contexts={"numpy_1_thread": one_blas_thread},
        )
        row = {"n_samples": n}
        for name, r in res.items():
            row[f"{name}_median"] = r["median"]
            row[f"{name}_p90"] = r["p90"]
        row["numpy_over_keras"] = row["numpy_median"] / row["keras_predict_median"]
        rows.append(row)
        print(
            f"  by size n={n}: "
            + ", ".join(f"{k} {r['median'] * 1e3:.1f} ms" for k, r in res.items()),
            flush=True,
        )
    return rows


def profile_predict_proba(clf, x1, n_calls: int) -> dict:
    """Where one-sample predict_proba spends its time (cProfile, per call).

    With one BLAS thread, so that the busy second core's scheduling tails do
    not swamp the averages cProfile reports.
    """
    prof = cProfile.Profile()
    with one_blas_thread():
        prof.enable()
        for _ in range(n_calls):
            clf.predict_proba(x1)
        prof.disable()
    st = pstats.Stats(prof)
    rows = top_functions(st, ("skdigits", "sklearn", "numpy"), n=12)
    for r in rows:
        r["cumtime_per_call_us"] = r["cumtime"] / n_calls * 1e6
    return {"calls": n_calls, "top_functions": rows}


# -- 4. memory -----------------------------------------------------------------------


def memory_peak(data, cfg: Config, kind: str) -> dict:
    """Peak RSS while fitting the default classifier, or plain Keras, once."""
    from skdigits.classifier import DenseDigitClassifier

    clf = DenseDigitClassifier()
    epochs = cfg.mem_peak_epochs or clf.epochs
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


def memory_repeat(data, cfg: Config, variant: str) -> dict:
    """RSS after each of many small fits, each replacing the previous estimator
    (what GridSearchCV and check_estimator do)."""
    import keras

    import skdigits._scikeras_compat as compat
    from skdigits.classifier import DenseDigitClassifier

    # DenseDigitClassifier drops the gradient-registry entries that pin each
    # finished train step (compat._release_train_step_graphs, after every
    # fit); the "norelease" variants switch that off to show what it saves.
    release = compat._release_train_step_graphs
    if "norelease" in variant:
        compat._release_train_step_graphs = lambda: 0
    X, y = data.X_train[: cfg.mem_samples], data.y_train[: cfg.mem_samples]
    Y = one_hot(y)
    estimator = None
    rss, fit_seconds, objects, released = [], [], {}, 0
    for i in range(1, cfg.mem_fits + 1):
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
        if i in (1, *cfg.mem_checkpoints):
            objects[str(i)] = len(gc.get_objects())  # Python-level leak check
    a, b = cfg.mem_checkpoints
    slope = np.polyfit(np.arange(a, b + 1), rss[a - 1 : b], 1)[0] if b > a else 0.0
    return {
        "variant": variant,
        "fits": cfg.mem_fits,
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


def memory_child(jobs: list[str], args, cfg: Config) -> None:
    """Run memory jobs in this (fresh) process; print one JSON line."""
    # skdigits starts TensorFlow quietly; start it before the first RSS reading.
    from skdigits.classifier import DenseDigitClassifier  # noqa: F401

    baseline = rss_mb()
    data = load_data(args.data, cfg)
    gc.collect()
    result = {
        "rss_after_imports_mb": baseline["rss"],
        "rss_after_data_mb": rss_mb()["rss"],
    }
    for job in jobs:
        kind, _, variant = job.partition("_")
        if kind == "peak":
            result[job] = memory_peak(data, cfg, variant)
        else:
            result[job] = memory_repeat(data, cfg, variant)
    print("MEMORY-JSON " + json.dumps(result, default=jsonable))


def section_memory(args, cfg: Config) -> dict:
    out: dict = {"children": []}
    for jobs in cfg.mem_children:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--data", args.data]
        cmd += ["--memory-child", ",".join(jobs)] + (["--quick"] if cfg.quick else [])
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("MEMORY-JSON ")]
        if proc.returncode != 0 or not lines:
            out["children"].append(
                {"jobs": jobs, "error": proc.returncode, "stderr": proc.stderr[-3000:]}
            )
            print(f"  memory child {jobs} FAILED:\n{proc.stderr[-3000:]}", flush=True)
            continue
        result = json.loads(lines[-1][len("MEMORY-JSON ") :])
        out["children"].append({"jobs": jobs, "wall_seconds": wall})
        for key, value in result.items():
            if key in jobs:
                out[key] = value
                summary = (
                    f"peak {value['peak_rss_mb']:.0f} MB"
                    if key.startswith("peak")
                    else f"RSS {value['rss_at_first_checkpoint_mb']:.0f} -> "
                    f"{value['rss_at_last_checkpoint_mb']:.0f} MB "
                    f"(x{value['growth_ratio']:.3f}, {value['mb_per_fit']:.2f} MB/fit)"
                )
                print(f"  {key}: {summary}", flush=True)
            else:
                out.setdefault("process_baselines", {}).setdefault(",".join(jobs), {})[
                    key
                ] = value
    return out


# -- machine, targets, output -----------------------------------------------------


def evaluate_targets(results: dict) -> list[dict]:
    """Each goal of the issue with the measured figure and whether it is met."""
    t = []

    def add(section, what, target, value, met, unit=""):
        t.append(
            {
                "section": section,
                "what": what,
                "target": target,
                "measured": value,
                "unit": unit,
                "met": None if value is None else bool(met),
            }
        )

    acc = results.get("accuracy")
    if acc:
        c = acc["classifier"]
        add(
            "accuracy",
            "final test accuracy, default classifier",
            ">= 98.6 %",
            c["final_accuracy"],
            c["final_accuracy"] >= 0.986,
            "fraction",
        )
        s = c["first_at_target"]["training_seconds"]
        add(
            "accuracy",
            "training s to first 98.5 %, default classifier",
            "<= 30 s",
            s,
            s is not None and s <= 30,
            "s",
        )
    ov = results.get("overhead")
    if ov:
        add(
            "overhead",
            "s/epoch DenseDigitClassifier / plain model.fit",
            "<= 1.05",
            ov["ratio"],
            ov["ratio"] <= 1.05,
            "ratio",
        )
    lat = results.get("latency")
    if lat:
        b = lat["batches"]
        if "1" in b:
            m = b["1"]["DenseDigitClassifier.predict_proba"]["median"]
            add(
                "latency",
                "predict_proba median, batch 1",
                "<= 0.2 ms",
                m * 1e3,
                m <= 0.2e-3,
                "ms",
            )
        large = max(b, key=int)
        r = b[large]["DenseDigitClassifier.predict_proba"]["ratio_vs_keras_predict"]
        add(
            "latency",
            f"predict_proba / Keras predict, batch {large}",
            "<= 1.0",
            r,
            r <= 1.0,
            "ratio",
        )
        d = lat["agreement"]["max_abs_diff"]
        add(
            "latency",
            "max |predict_proba - model_.predict|, test set",
            "float32 rounding (<= 1e-5)",
            d,
            d <= 1e-5,
            "",
        )
    mem = results.get("memory")
    if mem and "repeat_classifier" in mem:
        r = mem["repeat_classifier"]
        a, b2 = r["checkpoints"]
        add(
            "memory",
            f"RSS after {b2} fits / after {a} fits",
            "<= 1.10",
            r["growth_ratio"],
            r["growth_ratio"] <= 1.10,
            "ratio",
        )
    return t


def jsonable(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, (tuple, set)):
        return list(o)
    return str(o)


# -- RESULTS.md ----------------------------------------------------------------------


def md_table(headers, rows) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def pct(x):
    return "—" if x is None else f"{100 * x:.2f} %"


def sec(x, digits=2):
    return "—" if x is None else f"{x:.{digits}f}"


def ms(x):
    return "—" if x is None else (f"{x * 1e3:.3f}" if x < 0.01 else f"{x * 1e3:.1f}")


def write_markdown(results: dict, path: Path) -> None:
    m = results["machine"]
    out = [
        "# skdigits performance benchmark",
        "",
        "Generated by `benchmarks/bench.py`; raw numbers in `results.json`."
        + (
            " **Quick run: tiny sizes, the numbers mean nothing.**"
            if results["quick"]
            else ""
        ),
        "",
        "## Machine and run",
        "",
        md_table(
            ["", ""],
            [
                ["command", f"`{results['command']}`"],
                ["date (UTC)", m["date"]],
                ["CPU", f"{m['cpu']}, {m['cores']} cores ({m['cores_usable']} usable)"],
                ["RAM", f"{m['ram_gb']} GB"],
                ["OS", m["os"]],
                ["Python", m["python"]],
                [
                    "libraries",
                    ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v),
                ],
                ["git", m["git"]],
                ["data", results["data"]],
                [
                    "load average (1/5/15 min) per section",
                    "; ".join(
                        f"{s}: {v['start']} → {v['end']}"
                        for s, v in results["load"].items()
                    ),
                ],
                ["total wall time", f"{results['wall_seconds'] / 60:.1f} min"],
            ],
        ),
        "",
        "## Targets",
        "",
        md_table(
            ["section", "what", "target", "measured", "met"],
            [
                [
                    t["section"],
                    t["what"],
                    t["target"],
                    fmt_target(t),
                    {True: "yes", False: "**no**", None: "—"}[t["met"]],
                ]
                for t in results["targets"]
            ],
        ),
        "",
    ]
    if "accuracy" in results:
        out += md_accuracy(results["accuracy"])
    if "overhead" in results:
        out += md_overhead(results["overhead"])
    if "latency" in results:
        out += md_latency(results["latency"])
    if "memory" in results:
        out += md_memory(results["memory"])
    path.write_text("\n".join(out) + "\n")


def fmt_target(t) -> str:
    v = t["measured"]
    if v is None:
        return "never reached"
    if t["unit"] == "fraction":
        return pct(v)
    if t["unit"] == "ratio":
        return f"{v:.3f}"
    if t["unit"] in ("s", "ms"):
        return f"{v:.3f} {t['unit']}"
    return f"{v:.2e}"


def md_accuracy(a: dict) -> list[str]:
    names = {
        "classifier": "DenseDigitClassifier() (defaults)",
        "keras": "notebook Keras loop (Adam 1e-3, 100 epochs)",
        "mlp": "MLPClassifier (784, 196), Adam 1e-3",
    }
    rows = []
    for key, label in names.items():
        r = a[key]
        s = r["seconds_per_epoch"]
        hit = r["first_at_target"]
        rows.append(
            [
                label,
                r["epochs"],
                f"{s['median']:.2f} ({s['min']:.2f}–{s['max']:.2f})",
                sec(r["training_seconds"], 1),
                sec(r["wall_seconds"], 1),
                pct(r["final_accuracy"]),
                f"{pct(r['best_accuracy'])} (ep {r['best_epoch']})",
                hit["epoch"] or "never",
                sec(hit["training_seconds"], 1),
            ]
        )
    checkpoints = [
        e
        for e in (1, 5, 10, 15, 20, 30, 36, 50, 75, 100)
        if any(e <= a[k]["epochs"] for k in names)
    ]
    acc_rows = [
        [label]
        + [
            pct(a[k]["test_accuracy"][e - 1]) if e <= a[k]["epochs"] else ""
            for e in checkpoints
        ]
        for k, label in names.items()
    ]
    params = a["classifier"]["params"]
    return [
        "## 1. Accuracy and time to accuracy",
        "",
        "Test accuracy is evaluated after every epoch by a callback whose clock "
        "stops before evaluating, so *training s* excludes evaluation. s/epoch "
        "is the median over epochs 2.. (the first also traces), range in brackets. "
        "Unseeded single runs: accuracy varies by about ±0.1 % between runs.",
        "",
        md_table(
            [
                "model",
                "epochs",
                "s/epoch",
                "training s",
                "wall s",
                "final acc",
                "best acc",
                f"first ≥ {TARGET_ACCURACY:.1%} (epoch)",
                f"training s to {TARGET_ACCURACY:.1%}",
            ],
            rows,
        ),
        "",
        "Test accuracy at selected epochs:",
        "",
        md_table(["model"] + [f"ep {e}" for e in checkpoints], acc_rows),
        "",
        "DenseDigitClassifier defaults read with `get_params()` at run time"
        + (
            f" (epochs overridden to {a['classifier']['epochs_overridden']} by --quick)"
            if a["classifier"].get("epochs_overridden")
            else ""
        )
        + ":",
        "",
        # JSON turns tuples into lists; show them as get_params() gave them.
        "`"
        + ", ".join(
            f"{k}={tuple(v) if isinstance(v, list) else v!r}" for k, v in params.items()
        )
        + "`",
        "",
        f"Optimizer steps: Keras {a['keras']['optimizer_updates']}, "
        f"MLPClassifier {a['mlp']['optimizer_updates']} (equal = same number of "
        "Adam updates). MLPClassifier: alpha=0, epsilon=1e-7 (Keras's), "
        "shuffle=True, one `partial_fit` per epoch (keeps Adam's state), no dropout.",
        "",
    ]


def md_overhead(o: dict) -> list[str]:
    labels = {
        "keras_fit": "plain `model.fit` (reference)",
        "classifier": "DenseDigitClassifier (defaults: LR schedule, unseeded)",
        "classifier_seeded": "DenseDigitClassifier(random_state=0): op determinism",
        "classifier_constant_lr": "DenseDigitClassifier(lr_schedule='constant'): "
        "no schedule",
        "keras_fit_seeded": "plain `model.fit` inside SciKeras's seeding context",
    }
    rows = []
    ref_min = o["keras_fit"]["seconds_per_epoch"]["min"]
    for key, label in labels.items():
        r = o[key]
        s = r["seconds_per_epoch"]
        rows.append(
            [
                label,
                sec(s["median"], 3),
                sec(s["iqr"], 3),
                f"{s['min']:.2f}–{s['max']:.2f}",
                f"{r['ratio_vs_keras_fit']:.3f}",
                f"{s['min'] / ref_min:.3f}",
                " / ".join(f"{x:.3f}" for x in r["ratio_per_round"]),
                sec(r["first_epoch_seconds"]["median"]),
                sec(r["outside_epochs_seconds"]["median"]),
            ]
        )
    p = o["profile"]
    prof_rows = [
        [f"`{f['function']}`", f["calls"], sec(f["cumtime"], 3), sec(f["tottime"], 3)]
        for f in p["top_wrapper_functions"][:10]
    ]
    return [
        "## 2. Wrapper overhead",
        "",
        f"Full training set, batch {o['batch_size']} (the classifier's default), "
        f"{o['epochs_per_fit']} epochs per fit, "
        f"{o['rounds']} rounds with the variants interleaved "
        "(order rotated each round). "
        "s/epoch pools epochs 2.. of every fit; the ratio divides medians taken in the "
        "same run. *outside epochs* = fit wall time minus the epochs (build, "
        "validation, conversion to tensors). On a shared machine whose epoch "
        "times jump between levels, the ratio of the fastest epochs (*ratio of "
        "minima*) is the steadier reading of the wrapper's own cost.",
        "",
        md_table(
            [
                "variant",
                "s/epoch median",
                "IQR",
                "min–max",
                "ratio vs model.fit",
                "ratio of minima",
                "ratio per round",
                "1st epoch s",
                "outside epochs s",
            ],
            rows,
        ),
        "",
        f"cProfile of one default fit ({p['epochs']} epochs): total "
        f"{p['total_seconds']:.2f} s, of which Keras `Model.fit` "
        f"{p['keras_model_fit_seconds']:.2f} s and everything else (validation, "
        f"one-hot, SciKeras, model build) {p['outside_model_fit_seconds']:.2f} s. "
        "Largest skdigits/SciKeras/scikit-learn functions beside `Model.fit`:",
        "",
        md_table(["function", "calls", "cumtime s", "tottime s"], prof_rows),
        "",
    ]


def md_latency(lat: dict) -> list[str]:
    batches = list(lat["batches"])
    names = []
    for b in batches:
        names += [n for n in lat["batches"][b] if n not in names]
    rows = []
    for n in names:
        row = [n]
        for b in batches:
            r = lat["batches"][b].get(n)
            row.append(
                ""
                if r is None
                else f"{ms(r['median'])} ({ms(r['p90'])}) "
                f"×{r['ratio_vs_keras_predict']:.3g}"
            )
        rows.append(row)
    ag = lat["agreement"]
    sweep = [
        [
            s["n_samples"],
            ms(s["numpy_median"]),
            ms(s["numpy_chunked_median"]),
            ms(s["numpy_1_thread_median"]),
            ms(s["keras_predict_median"]),
            ms(s["keras_predict_on_batch_median"]),
            f"{s['numpy_over_keras']:.2f}",
        ]
        for s in lat["threshold_sweep"]
    ]
    prof = lat["batch1_profile"]
    prof_rows = [
        [f"`{f['function']}`", f"{f['cumtime_per_call_us']:.1f}"]
        for f in prof["top_functions"][:8]
    ]
    counts = {
        b: r["DenseDigitClassifier.predict_proba"]["n"]
        for b, r in lat["batches"].items()
    }
    return [
        "## 3. Prediction latency",
        "",
        "Median (p90) in ms per call after warm-up, and ×ratio to Keras "
        "`Model.predict` (default batch_size=32) at the same batch; calls per "
        f"candidate: {counts}, candidates alternated in blocks. Models fitted briefly "
        "on the first training samples (latency does not depend on training).",
        "",
        md_table(["candidate"] + [f"batch {b}" for b in batches], rows),
        "",
        f"Agreement on {ag['n_samples']} test images, `predict_proba` (NumPy, "
        f"chunks of {lat['predict_chunk_size']}) vs `model_.predict`: max "
        f"|diff| {ag['max_abs_diff']:.2e}, mean {ag['mean_abs_diff']:.2e}, "
        f"{ag['argmax_disagreements']} argmax disagreements (float32 eps "
        f"{ag['float32_eps']:.1e}).",
        "",
        "NumPy forward by batch size (whole batch; in chunks of "
        f"`_predict_chunk_size` = {lat['predict_chunk_size']}, as `predict_proba` "
        "runs it; with one BLAS thread) vs Keras `predict` (batch_size=1000) and "
        "Keras `predict_on_batch` (medians, ms):",
        "",
        md_table(
            [
                "samples",
                "NumPy",
                "NumPy chunked",
                "NumPy 1 thread",
                "Keras predict",
                "Keras predict_on_batch",
                "NumPy / Keras predict",
            ],
            sweep,
        ),
        "",
        f"cProfile of {prof['calls']} one-sample `predict_proba` calls, cumulative "
        "µs per call (profiling inflates them):",
        "",
        md_table(["function", "µs/call"], prof_rows),
        "",
    ]


REPEAT_LABELS = {
    "repeat_classifier": "DenseDigitClassifier as shipped (releases after each fit)",
    "repeat_classifier_gc": "as shipped + gc.collect()",
    "repeat_classifier_norelease": "without the release",
    "repeat_classifier_norelease_clear_session": (
        "without the release + clear_session()"
    ),
    "repeat_keras": "plain Keras fit (control)",
    "repeat_keras_release": "plain Keras fit + the release",
}


def md_memory(mem: dict) -> list[str]:
    out = [
        "## 4. Memory",
        "",
        "Each row group ran in a fresh subprocess. RSS from /proc/self/status "
        "(VmRSS; peak = VmHWM, reset just before the fit via /proc/self/clear_refs).",
        "",
    ]
    peaks = [(k, v) for k, v in mem.items() if k.startswith("peak_")]
    if peaks:
        out += [
            md_table(
                [
                    "fit",
                    "epochs",
                    "train samples",
                    "RSS before fit MB",
                    "peak RSS MB",
                    "peak − before MB",
                    "RSS after MB",
                    "fit s",
                ],
                [
                    [
                        k.removeprefix("peak_"),
                        v["epochs"],
                        v["n_train"],
                        sec(v["rss_before_mb"], 0),
                        sec(v["peak_rss_mb"], 0),
                        sec(v["peak_increase_mb"], 0),
                        sec(v["rss_after_mb"], 0),
                        sec(v["fit_seconds"], 1),
                    ]
                    for k, v in peaks
                ],
            ),
            "",
        ]
    reps = [(k, v) for k, v in mem.items() if k.startswith("repeat_")]
    if reps:
        a, b = reps[0][1]["checkpoints"]
        out += [
            f"Successive small fits (hidden (64,), 1 epoch, {reps[0][1]['n_samples']} "
            "samples), each replacing the previous estimator:",
            "",
            md_table(
                [
                    "loop",
                    "RSS after 1 MB",
                    f"after {a} MB",
                    f"after {b} MB",
                    f"{b}/{a}",
                    f"MB per fit ({a}..{b})",
                    f"Python objects 1 → {a} → {b}",
                    "gradient registry entries",
                    "s/fit median",
                ],
                [
                    [
                        REPEAT_LABELS.get(k, k),
                        sec(v["rss_mb"][0], 0),
                        sec(v["rss_at_first_checkpoint_mb"], 0),
                        sec(v["rss_at_last_checkpoint_mb"], 0),
                        f"{v['growth_ratio']:.3f}",
                        f"{v['mb_per_fit']:.2f}",
                        " → ".join(str(x) for x in v["python_objects"].values()),
                        v.get("gradient_registry_size"),
                        sec(v["fit_seconds"]["median"]),
                    ]
                    for k, v in reps
                ],
            ),
            "",
            "The growth is TensorFlow's: every traced train step registers its "
            "optimizer's all-reduce `tf.custom_gradient` in the process-global "
            "gradient registry, which pins the whole step graph (tensorflow/tensorflow "
            "issue 97697); `clear_session` does not clear it. DenseDigitClassifier "
            "drops those entries after each fit "
            "(`_release_train_step_graphs` in `skdigits/_scikeras_compat.py`).",
            "",
        ]
    return out


# -- main --------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data",
        default=None,
        help="mnist.npz (keras layout, any sizes), a folder "
        "fetch_mnist accepts, or 'sample' for the bundled sample",
    )
    parser.add_argument(
        "--output",
        default=str(HERE),
        help="folder for RESULTS.md and results.json (default: %(default)s)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny configuration for the smoke test (numbers meaningless)",
    )
    parser.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help="comma-separated subset of %(default)s",
    )
    parser.add_argument("--memory-child", default=None, help=argparse.SUPPRESS)
    parser.add_argument(
        "--from-json",
        default=None,
        metavar="RESULTS_JSON",
        help="only rewrite RESULTS.md (in --output) from a results.json",
    )
    args = parser.parse_args(argv)
    if args.data is None and args.from_json is None:
        parser.error("--data is required")
    args.sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = set(args.sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {SECTIONS}")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    cfg = QUICK if args.quick else FULL
    if args.memory_child:
        memory_child(args.memory_child.split(","), args, cfg)
        return 0
    if args.from_json:
        results = json.loads(Path(args.from_json).read_text())
        results["targets"] = evaluate_targets(results)
        write_markdown(results, Path(args.output) / "RESULTS.md")
        return 0

    start = time.perf_counter()
    results: dict = {
        "quick": cfg.quick,
        "config": asdict(cfg),
        "command": shlex.join(["python", "benchmarks/bench.py", *sys.argv[1:]]),
        "python_executable": sys.executable,
        "machine": machine_info(),
        "sections": args.sections,
        "load": {},
    }
    print(f"machine: {results['machine']}", flush=True)
    data = None
    if any(s != "memory" for s in args.sections):
        # Start TensorFlow (quietly, through skdigits) outside every timing.
        from skdigits.classifier import DenseDigitClassifier  # noqa: F401

        data = load_data(args.data, cfg)
        print(
            f"data: {len(data.X_train)} train, {len(data.X_test)} test from "
            f"{data.source}",
            flush=True,
        )
    results["data"] = data.source if data else args.data
    runners = {
        "accuracy": lambda: section_accuracy(data, cfg),
        "overhead": lambda: section_overhead(data, cfg),
        "latency": lambda: section_latency(data, cfg),
        "memory": lambda: section_memory(args, cfg),
    }
    for name in SECTIONS:
        if name not in args.sections:
            continue
        print(f"== {name}", flush=True)
        load0, t0 = loadavg(), time.perf_counter()
        results[name] = runners[name]()
        results["load"][name] = {
            "start": load0,
            "end": loadavg(),
            "seconds": time.perf_counter() - t0,
        }
        gc.collect()
    results["wall_seconds"] = time.perf_counter() - start
    results["targets"] = evaluate_targets(results)

    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    (output / "results.json").write_text(
        json.dumps(results, indent=1, default=jsonable)
    )
    write_markdown(results, output / "RESULTS.md")
    print("== targets", flush=True)
    for t in results["targets"]:
        print(
            f"  [{'ok' if t['met'] else 'MISS'}] {t['what']}: {fmt_target(t)} "
            f"(target {t['target']})",
            flush=True,
        )
    print(
        f"wrote {output / 'RESULTS.md'} and results.json "
        f"in {results['wall_seconds'] / 60:.1f} min",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
