"""Wrapper overhead: what ``DenseDigitClassifier`` adds to Keras's ``model.fit``.

Seconds per epoch of the classifier divided by those of plain ``model.fit``
on the same network, optimizer, data and batch size, in rounds with the
variants interleaved and their order rotated. Extra variants isolate the
suspects: ``random_state=0`` (SciKeras turns on op determinism during a
seeded fit), ``lr_schedule="constant"``, and plain ``model.fit`` inside
SciKeras's seeding context. Also the time outside the epochs, and a cProfile
of one fit split into Keras's ``Model.fit`` and everything else.
"""

from __future__ import annotations

import cProfile
import gc
import pstats
import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from functools import partial

import numpy as np

from benchmarks._baselines import epoch_recorder, one_hot
from benchmarks.common import RunConfig, load_data, summarize, top_functions


@dataclass(frozen=True)
class Sizes:
    n_train: int | None
    epochs: int  # per fit; epochs 2.. are the steady ones
    rounds: int


FULL = Sizes(n_train=None, epochs=5, rounds=5)
QUICK = Sizes(n_train=1000, epochs=2, rounds=1)


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

    def keras_fit(seed=None):
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
                epochs=sizes.epochs,
                shuffle=True,
                verbose=0,
                callbacks=[recorder],
            )
        return time.perf_counter() - t0, recorder.epoch_seconds

    def classifier_fit(**params):
        recorder = epoch_recorder()
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
