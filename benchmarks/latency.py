"""Prediction latency: ``predict_proba`` against SciKeras, Keras and scikit-learn.

``predict_proba`` at batch 1, 32 and 10,000 for the classifier, SciKeras's
``KerasClassifier`` (same network through ``model=``), Keras ``Model.predict``
(the reference of every ratio) and ``predict_on_batch``, and
``MLPClassifier``, candidates alternated in blocks. Also the NumPy path's
agreement with Keras, NumPy vs Keras by batch size (the measurement behind
using NumPy at every size), and a cProfile of the one-sample call.
"""

from __future__ import annotations

import cProfile
import pstats
import warnings
from dataclasses import asdict, dataclass, field

import numpy as np

from benchmarks._baselines import mlp_classifier, notebook_network
from benchmarks.common import (
    RunConfig,
    load_data,
    one_blas_thread,
    rows_of,
    time_interleaved,
    top_functions,
)

KERAS_BATCH = 1000  # a sensible batch for Keras's predict on big inputs
ONE_THREAD = "DenseDigitClassifier.predict_proba, 1 BLAS thread"


@dataclass(frozen=True)
class Sizes:
    n_train: int | None
    n_test: int | None
    fit_samples: int
    calls: dict[int, int] = field(default_factory=dict)  # batch -> timed calls
    warmup: int = 5
    blocks: int = 4  # candidates alternate in this many blocks of calls
    sweep_sizes: tuple[int, ...] = ()
    sweep_calls: int = 10
    profile_calls: int = 2000  # one-sample calls under cProfile


FULL = Sizes(
    n_train=None,
    n_test=None,
    fit_samples=10_000,
    calls={1: 200, 32: 200, 10_000: 20},
    sweep_sizes=(512, 2048, 4096, 10_000),
)
QUICK = Sizes(
    n_train=1000,
    n_test=300,
    fit_samples=1000,
    calls={1: 5, 32: 5, 4096: 1},  # 4096 > 2048: several chunks
    warmup=1,
    blocks=1,
    sweep_sizes=(4096,),
    sweep_calls=1,
    profile_calls=50,
)


def measure(config: RunConfig) -> dict:
    from scikeras.wrappers import KerasClassifier
    from sklearn.exceptions import ConvergenceWarning

    import skdigits._keras  # noqa: F401  (TensorFlow's quiet start, first)
    from skdigits._keras.network import dense_weights
    from skdigits._prediction.forward import PREDICT_CHUNK_SIZE, dense_forward
    from skdigits.classifier import DenseDigitClassifier

    sizes = QUICK if config.quick else FULL
    data = load_data(config, sizes.n_train, sizes.n_test)
    n = min(sizes.fit_samples, len(data.X_train))
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
    chunk = PREDICT_CHUNK_SIZE

    out: dict = {"sizes": asdict(sizes), "predict_chunk_size": chunk, "batches": {}}
    for batch, n_calls in sizes.calls.items():
        Xb = rows_of(data.X_test, batch)
        candidates = {
            "DenseDigitClassifier.predict_proba": lambda Xb=Xb: clf.predict_proba(Xb),
            "scikeras KerasClassifier.predict_proba": (
                lambda Xb=Xb: skc.predict_proba(Xb)
            ),
            "keras Model.predict": lambda Xb=Xb: model.predict(Xb, verbose=0),
            "keras Model.predict_on_batch": lambda Xb=Xb: model.predict_on_batch(Xb),
            "MLPClassifier.predict_proba": lambda Xb=Xb: mlp.predict_proba(Xb),
            ONE_THREAD: lambda Xb=Xb: clf.predict_proba(Xb),
            # The classifier's fast path without input validation.
            "numpy dense_forward": lambda Xb=Xb: dense_forward(weights, Xb, "relu"),
        }
        if batch > KERAS_BATCH:
            candidates[f"keras Model.predict(batch_size={KERAS_BATCH})"] = (
                lambda Xb=Xb: model.predict(Xb, batch_size=KERAS_BATCH, verbose=0)
            )
        warmup = sizes.warmup if batch <= 1000 else min(sizes.warmup, 2)
        res = time_interleaved(
            candidates,
            n_calls,
            warmup,
            sizes.blocks,
            contexts={ONE_THREAD: one_blas_thread},
        )
        ref = res["keras Model.predict"]["median"]
        for r in res.values():
            r["ratio_vs_keras_predict"] = r["median"] / ref
        out["batches"][str(batch)] = res

    out["agreement"] = agreement(clf, model, data.X_test)
    out["threshold_sweep"] = sweep(weights, model, data.X_test, sizes)
    out["batch1_profile"] = profile_one_sample(
        clf, data.X_test[:1], sizes.profile_calls
    )
    out["headline"] = headline(out)
    return out


def headline(out: dict) -> dict:
    """The figures the targets read: batch 1, and the largest batch measured."""
    batches = out["batches"]
    largest = max(batches, key=int)
    ours = "DenseDigitClassifier.predict_proba"
    return {
        "batch1_median_seconds": batches["1"][ours]["median"]
        if "1" in batches
        else None,
        "largest_batch": int(largest),
        "largest_batch_ratio_vs_keras_predict": batches[largest][ours][
            "ratio_vs_keras_predict"
        ],
    }


def agreement(clf, model, X_test) -> dict:
    """The classifier's NumPy predict_proba vs Keras on the whole test set."""
    p_numpy = clf.predict_proba(X_test)
    p_keras = model.predict(X_test, batch_size=KERAS_BATCH, verbose=0)
    diff = np.abs(p_numpy.astype(np.float64) - p_keras)
    return {
        "n_samples": len(X_test),
        "max_abs_diff": float(diff.max()),
        "mean_abs_diff": float(diff.mean()),
        "argmax_disagreements": int(np.sum(p_numpy.argmax(1) != p_keras.argmax(1))),
        "float32_eps": float(np.finfo(np.float32).eps),
        "dtype": str(p_numpy.dtype),
    }


def sweep(weights, model, X_test, sizes: Sizes) -> list[dict]:
    """NumPy forward vs Keras predict by batch size.

    The NumPy forward on the whole batch, in chunks (what ``predict_proba``
    does: ``dense_forward_in_chunks``), and with one BLAS thread, against Keras's
    ``predict`` and ``predict_on_batch`` (one call of the traced function, no
    data pipeline).
    """
    from skdigits._prediction.forward import dense_forward, dense_forward_in_chunks

    rows = []
    for n in sizes.sweep_sizes:
        Xn = rows_of(X_test, n)
        res = time_interleaved(
            {
                "numpy": lambda Xn=Xn: dense_forward(weights, Xn, "relu"),
                "numpy_chunked": lambda Xn=Xn: dense_forward_in_chunks(weights, Xn),
                "numpy_1_thread": lambda Xn=Xn: dense_forward(weights, Xn, "relu"),
                "keras_predict": lambda Xn=Xn: model.predict(
                    Xn, batch_size=KERAS_BATCH, verbose=0
                ),
                "keras_predict_on_batch": lambda Xn=Xn: model.predict_on_batch(Xn),
            },
            sizes.sweep_calls,
            1,
            sizes.blocks,
            contexts={"numpy_1_thread": one_blas_thread},
        )
        row = {"n_samples": n}
        for name, r in res.items():
            row[f"{name}_median"] = r["median"]
            row[f"{name}_p90"] = r["p90"]
        row["numpy_over_keras"] = row["numpy_median"] / row["keras_predict_median"]
        rows.append(row)
    return rows


def profile_one_sample(clf, x1, n_calls: int) -> dict:
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
    rows = top_functions(pstats.Stats(prof), ("skdigits", "sklearn", "numpy"), n=12)
    for r in rows:
        r["cumtime_per_call_us"] = r["cumtime"] / n_calls * 1e6
    return {"calls": n_calls, "top_functions": rows}
