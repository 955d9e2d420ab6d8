"""Wrapper overhead: what ``DenseDigitClassifier`` adds to Keras's ``model.fit``.

Seconds per epoch of the classifier divided by those of plain ``model.fit``
on the same network, optimizer, data and batch size, in rounds with the
variants interleaved and their order rotated. Extra variants isolate the
suspects: ``random_state=0`` (SciKeras turns on op determinism during a
seeded fit), ``lr_schedule="constant"``, and plain ``model.fit`` inside
SciKeras's seeding context. Also the time outside the epochs, and a cProfile
of one fit split into Keras's ``Model.fit`` and everything else.

The whole fit (issue 35): build, trace and every epoch, from scratch, plain
``model.fit`` against the classifier, unseeded and seeded, at a few and at
the default number of epochs, in interleaved rounds: the ratio of medians
and each variant's spread (max / min), with the full garbage collections
that fell inside each fit (which land on whichever fit crosses CPython's
threshold). And an epoch against the cores' peak (``benchmarks/_peak.py``).
"""

from __future__ import annotations

import cProfile
import gc
import os
import pstats
import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from functools import partial

import numpy as np

from benchmarks import _peak as peak
from benchmarks._baselines import epoch_recorder, one_hot
from benchmarks.common import RunConfig, load_data, summarize, top_functions


@dataclass(frozen=True)
class Sizes:
    n_train: int | None
    epochs: int  # per fit; epochs 2.. are the steady ones
    rounds: int
    whole_fit_epochs: tuple[int, ...] = (3, 15)  # a few, and the default
    whole_fits: int = 8  # fits of each variant, interleaved
    gemm_n: int = 4096  # the peak's GEMM is n x n x n
    gemm_reps: int = 10
    peak_variants: tuple[str, ...] | None = None  # None: all of peak.VARIANTS
    variant_epochs: int = 3


FULL = Sizes(n_train=None, epochs=5, rounds=5)
QUICK = Sizes(
    n_train=1000,
    epochs=2,
    rounds=1,
    whole_fit_epochs=(1, 2),
    whole_fits=2,
    gemm_n=512,
    gemm_reps=2,
    peak_variants=("default (batch 500)",),
    variant_epochs=2,
)


def steady(run: dict) -> list[float]:
    """Epochs 2..: the first epoch of every fit includes tf.function tracing."""
    return run["epoch_seconds"][1:]


def measure(config: RunConfig) -> dict:
    from scikeras.utils.random_state import tensorflow_random_state
    from sklearn.base import clone

    from skdigits._keras.network import build_dense_network, make_optimizer
    from skdigits.classifier import DenseDigitClassifier

    sizes = QUICK if config.quick else FULL
    data = load_data(config, sizes.n_train, 1)
    X, y = data.X_train, data.y_train
    Y = one_hot(y)
    base = DenseDigitClassifier(epochs=sizes.epochs)
    p = base.get_params()

    def keras_fit(seed=None, epochs=sizes.epochs):
        # The classifier's own network and optimizer, trained by model.fit.
        # The clock starts before building, as the classifier's fit builds too.
        recorder = epoch_recorder()
        t0 = time.perf_counter()
        model = build_dense_network(
            X.shape[1],
            10,
            hidden_layer_sizes=p["hidden_layer_sizes"],
            activation=p["activation"],
            dropout=p["dropout"],
            seed=seed,
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
                epochs=epochs,
                shuffle=True,
                verbose=0,
                callbacks=[recorder],
            )
        return time.perf_counter() - t0, recorder.epoch_seconds

    def classifier_fit(**params):
        recorder = epoch_recorder()
        clf = clone(base).set_params(callbacks=[recorder])
        clf.set_params(**params)
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
    for r in range(sizes.rounds):
        # Rotate the order each round so that no variant always runs first.
        for name in names[r % len(names) :] + names[: r % len(names)]:
            wall, epochs = variants[name]()
            runs[name].append({"wall_seconds": wall, "epoch_seconds": epochs})
            gc.collect()

    out: dict = {
        "sizes": asdict(sizes),
        "epochs_per_fit": sizes.epochs,
        "rounds": sizes.rounds,
        "batch_size": p["batch_size"],
        "n_train": len(X),
    }
    out.update(ratios(runs))
    out["ratio"] = out["classifier"]["ratio_vs_keras_fit"]
    out["profile"] = profile_fit(clone(base).set_params(epochs=2), X, y)
    out["whole_fit"] = {
        f"epochs_{epochs}": whole_fit_ratios(
            time_whole_fits(keras_fit, classifier_fit, epochs, sizes.whole_fits)
        )
        for epochs in sizes.whole_fit_epochs
    }
    steady_epochs = [s for run in runs["keras_fit"] for s in steady(run)]
    out["peak"] = peak.measure_peak(
        len(X), steady_epochs, sizes.gemm_n, sizes.gemm_reps
    )
    out["peak"]["variants"] = peak.variants(
        len(X), sizes.variant_epochs, sizes.peak_variants
    )
    out["peak_ratio"] = out["peak"]["ratio_to_tf_gemm"]
    return out


WHOLE_FIT_VARIANTS = (
    "keras_fit",
    "classifier",
    "classifier_seeded",
    "keras_fit_seeded",
)


def time_whole_fits(keras_fit, classifier_fit, epochs: int, n_fits: int) -> dict:
    """``n_fits`` whole fits of each variant, interleaved, order rotated.

    Each fit starts from a collected heap (as the per-epoch rounds), and the
    full (generation 2) collections that still fall inside it are timed, so
    that a slow fit can be told from a slow wrapper.
    """
    fits = {
        "keras_fit": lambda: keras_fit(epochs=epochs),
        "classifier": lambda: classifier_fit(epochs=epochs),
        "classifier_seeded": lambda: classifier_fit(epochs=epochs, random_state=0),
        "keras_fit_seeded": lambda: keras_fit(seed=0, epochs=epochs),
    }
    full_gc = {"seconds": 0.0, "start": 0.0}

    def on_gc(phase, info):
        if info["generation"] == 2:
            if phase == "start":
                full_gc["start"] = time.perf_counter()
            else:
                full_gc["seconds"] += time.perf_counter() - full_gc["start"]

    runs: dict[str, list[dict]] = {name: [] for name in WHOLE_FIT_VARIANTS}
    gc.callbacks.append(on_gc)
    try:
        for r in range(n_fits):
            k = r % len(WHOLE_FIT_VARIANTS)
            for name in WHOLE_FIT_VARIANTS[k:] + WHOLE_FIT_VARIANTS[:k]:
                gc.collect()
                full_gc["seconds"] = 0.0
                load = os.getloadavg()[0]
                wall, _ = fits[name]()
                runs[name].append(
                    {
                        "wall_seconds": wall,
                        "full_gc_seconds": full_gc["seconds"],
                        "load1": round(load, 2),
                    }
                )
    finally:
        gc.callbacks.remove(on_gc)
    return runs


def whole_fit_ratios(runs: dict[str, list[dict]]) -> dict:
    """Medians, spreads and ratios to plain ``model.fit`` of whole fits."""

    def walls(name):
        return [run["wall_seconds"] for run in runs[name]]

    ref = summarize(walls("keras_fit"))
    ref_spread = ref["max"] / ref["min"]
    out = {}
    for name in runs:
        stats = summarize(walls(name))
        spread = stats["max"] / stats["min"]
        out[name] = {
            "runs": runs[name],
            "fit_seconds": stats,
            "ratio_of_medians": stats["median"] / ref["median"],
            "ratio_of_minima": stats["min"] / ref["min"],
            "spread": spread,  # max / min of this variant's fits
            "spread_vs_keras_fit": spread / ref_spread,
            "fits_with_full_gc": sum(run["full_gc_seconds"] > 0 for run in runs[name]),
        }
    # The seeded classifier against plain model.fit in SciKeras's seeding
    # context too (op determinism on), to tell the wrapper from determinism.
    seeded = summarize(walls("keras_fit_seeded"))["median"]
    out["classifier_seeded"]["ratio_to_seeded_keras_fit"] = (
        out["classifier_seeded"]["fit_seconds"]["median"] / seeded
    )
    return out


def ratios(runs: dict[str, list[dict]]) -> dict:
    """Each variant's steady seconds per epoch, and its ratios to ``keras_fit``."""
    ref_runs = runs["keras_fit"]
    ref = np.median([s for run in ref_runs for s in steady(run)])
    out = {}
    for name, rs in runs.items():
        stats = summarize([s for run in rs for s in steady(run)])
        out[name] = {
            "runs": rs,
            "seconds_per_epoch": stats,
            "ratio_vs_keras_fit": float(stats["median"] / ref),
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
    return out


def profile_fit(clf, X, y) -> dict:
    """cProfile one fit; split its time into Keras's Model.fit and the rest."""
    prof = cProfile.Profile()
    prof.enable()
    clf.fit(X, y)
    prof.disable()
    st = pstats.Stats(prof)
    keras_fit = max(
        (
            ct
            for (file, _, func), (_, _, _, ct, _) in st.stats.items()
            if func == "fit" and "keras" in file and "trainer" in file
        ),
        default=0.0,
    )
    return {
        "epochs": clf.epochs,
        "total_seconds": st.total_tt,
        "keras_model_fit_seconds": keras_fit,
        "outside_model_fit_seconds": st.total_tt - keras_fit,
        # Functions that enclose Model.fit (fit -> SciKeras -> ...) say nothing;
        # list what runs beside it: validation, build, encoding.
        "top_wrapper_functions": [
            row
            for row in top_functions(st, ("skdigits", "scikeras", "sklearn"), n=40)
            if row["cumtime"] < 0.99 * keras_fit
        ][:12],
    }
