"""Does continued training work, and do halving searches save time?

Three questions of issue 12, on the data of the run configuration:

1. **warm_start**: two ``fit`` calls of ``E`` epochs each with
   ``warm_start=True`` against one fit of ``2E`` epochs, and against the
   first ``E``-epoch fit alone (a second fit from scratch with the same
   ``random_state`` is bit-identical to it, so it is not run twice).
2. **partial_fit**: ``P`` passes over the training set in 10 chunks per pass,
   read from a memory-mapped ``.npy``, against one ``fit`` of ``P`` epochs at
   the same constant learning rate (``partial_fit`` trains at a constant rate);
   the first warm fit above is the same number of epochs with the default
   cosine schedule. A second loop visits the chunks in a new order each pass
   and anneals ``learning_rate`` between passes along that cosine, as the
   docs recommend, to compare with it.
3. **halving searches**: the seconds ``HalvingGridSearchCV`` takes over the
   same grid as ``GridSearchCV``, with ``resource="epochs"`` and with
   ``resource="n_samples"``, and the accuracy of what each picked.

Every accuracy is on the test set, per seed of the configuration.
"""

from __future__ import annotations

import itertools
import math
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import RunConfig, load_data, loadavg

QUESTION = "continued_training"


def _classifier(config: RunConfig, seed: int, **params):
    from skdigits import DenseDigitClassifier

    if config.quick:
        params = {"hidden_layer_sizes": (32,), "batch_size": 100, **params}
    return DenseDigitClassifier(random_state=seed, **params)


def _warm_start(config: RunConfig, data, seed: int, epochs: int) -> dict:
    clf = _classifier(config, seed, epochs=epochs, warm_start=True)
    start = time.perf_counter()
    clf.fit(data.X_train, data.y_train)
    first_seconds = time.perf_counter() - start
    after_first = clf.score(data.X_test, data.y_test)
    start = time.perf_counter()
    clf.fit(data.X_train, data.y_train)
    second_seconds = time.perf_counter() - start
    warm = clf.score(data.X_test, data.y_test)
    once = _classifier(config, seed, epochs=2 * epochs)
    start = time.perf_counter()
    once.fit(data.X_train, data.y_train)
    once_seconds = time.perf_counter() - start
    return {
        "seed": seed,
        "fresh_accuracy": after_first,
        "warm_accuracy": warm,
        "single_fit_accuracy": once.score(data.X_test, data.y_test),
        "warm_seconds": first_seconds + second_seconds,
        "single_fit_seconds": once_seconds,
        "optimizer_steps": int(clf.model_.optimizer.iterations.numpy()),
    }


def _partial_fit(
    config: RunConfig, data, seed: int, passes: int, n_chunks: int, folder: Path
) -> dict:
    # The out-of-core loop of the docs: chunks of memory-mapped arrays.
    np.save(folder / "X.npy", data.X_train)
    np.save(folder / "y.npy", data.y_train)
    X = np.load(folder / "X.npy", mmap_mode="r")
    y = np.load(folder / "y.npy", mmap_mode="r")
    classes = np.unique(y)
    bounds = np.linspace(0, len(y), n_chunks + 1).astype(int)
    stream = _classifier(config, seed)
    start = time.perf_counter()
    for _ in range(passes):
        for lo, hi in itertools.pairwise(bounds):
            stream.partial_fit(np.asarray(X[lo:hi]), np.asarray(y[lo:hi]), classes)
    stream_seconds = time.perf_counter() - start
    # The same at the same constant rate, but the chunks in a new order every
    # pass, as fit reshuffles its samples every epoch: the like-for-like loop.
    rng = np.random.default_rng(seed)
    shuffled = _classifier(config, seed)
    start = time.perf_counter()
    for _ in range(passes):
        for i in rng.permutation(n_chunks):
            lo, hi = bounds[i], bounds[i + 1]
            shuffled.partial_fit(np.asarray(X[lo:hi]), np.asarray(y[lo:hi]), classes)
    shuffled_seconds = time.perf_counter() - start
    # The loop the docs recommend: a new chunk order every pass, and the rate
    # annealed between passes along the cosine that fit would follow.
    rng = np.random.default_rng(seed)
    annealed = _classifier(config, seed)
    peak = annealed.learning_rate
    start = time.perf_counter()
    for p in range(passes):
        annealed.set_params(
            learning_rate=peak * 0.5 * (1 + math.cos(math.pi * p / passes))
        )
        for i in rng.permutation(n_chunks):
            lo, hi = bounds[i], bounds[i + 1]
            annealed.partial_fit(np.asarray(X[lo:hi]), np.asarray(y[lo:hi]), classes)
    annealed_seconds = time.perf_counter() - start
    constant = _classifier(config, seed, epochs=passes, lr_schedule="constant")
    start = time.perf_counter()
    constant.fit(data.X_train, data.y_train)
    constant_seconds = time.perf_counter() - start
    return {
        "seed": seed,
        "partial_fit_accuracy": stream.score(data.X_test, data.y_test),
        "partial_fit_shuffled_accuracy": shuffled.score(data.X_test, data.y_test),
        "partial_fit_shuffled_seconds": shuffled_seconds,
        "fit_constant_accuracy": constant.score(data.X_test, data.y_test),
        "partial_fit_annealed_accuracy": annealed.score(data.X_test, data.y_test),
        "partial_fit_annealed_seconds": annealed_seconds,
        "partial_fit_seconds": stream_seconds,
        "fit_constant_seconds": constant_seconds,
        "calls": passes * n_chunks,
    }


def _searches(config: RunConfig, data) -> dict:
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import GridSearchCV, HalvingGridSearchCV

    n_train = 600 if config.quick else 10_000
    X, y = data.X_train[:n_train], data.y_train[:n_train]
    epochs = 3 if config.quick else 9
    # The quick run (the test suite's smoke test) only checks that the
    # searches run and are stored: 2 folds do that at two thirds of the fits.
    cv = 2 if config.quick else 3
    grid = {
        "hidden_layer_sizes": [(128,), (256,), (784, 196)],
        "dropout": [0.0, 0.2],
    }
    if config.quick:
        grid = {"hidden_layer_sizes": [(16,), (32,)], "dropout": [0.0, 0.2]}
    base = _classifier(config, 0, epochs=epochs)
    searches = {
        "GridSearchCV": GridSearchCV(base, grid, cv=cv),
        "Halving, resource=epochs": HalvingGridSearchCV(
            base,
            grid,
            cv=cv,
            factor=3,
            resource="epochs",
            max_resources=epochs,
            min_resources="exhaust",
            random_state=0,
        ),
        "Halving, resource=n_samples": HalvingGridSearchCV(
            base, grid, cv=cv, factor=3, min_resources="exhaust", random_state=0
        ),
    }
    out = {
        "n_train": n_train,
        "epochs": epochs,
        "n_candidates": 6 if not config.quick else 4,
    }
    rows = {}
    for name, search in searches.items():
        start = time.perf_counter()
        search.fit(X, y)
        seconds = time.perf_counter() - start
        row = {
            "seconds": seconds,
            "best_params": {k: str(v) for k, v in search.best_params_.items()},
            "test_accuracy": search.score(data.X_test, data.y_test),
            "loadavg": loadavg(),
        }
        if hasattr(search, "n_resources_"):
            row["n_resources"] = [int(r) for r in search.n_resources_]
            row["n_candidates"] = [int(c) for c in search.n_candidates_]
        rows[name] = row
    grid_seconds = rows["GridSearchCV"]["seconds"]
    for row in rows.values():
        row["time_ratio_to_grid"] = row["seconds"] / grid_seconds
    out["searches"] = rows
    return out


def measure(config: RunConfig) -> dict:
    """Run the three questions; JSON-able numbers only."""
    if config.quick:
        data = load_data(config, n_train=2000, n_test=500)
        epochs, passes, seeds = 2, 2, config.seeds[:1]
        # Fewer, larger chunks: the quick run checks the loop, not its cost.
        n_chunks = 3
    else:
        data = load_data(config)
        epochs, passes, seeds = 8, 8, config.seeds
        n_chunks = 10
    result: dict = {
        "data": data.source,
        "n_train": len(data.y_train),
        "n_test": len(data.y_test),
        "epochs_per_warm_fit": epochs,
        "partial_fit_passes": passes,
        "chunks_per_pass": n_chunks,
        "loadavg_start": loadavg(),
    }
    result["warm_start"] = [_warm_start(config, data, s, epochs) for s in seeds]
    with tempfile.TemporaryDirectory() as folder:
        result["partial_fit"] = [
            _partial_fit(config, data, s, passes, n_chunks, Path(folder)) for s in seeds
        ]
    result["halving"] = _searches(config, data)
    result["loadavg_end"] = loadavg()
    result["summary"] = summarize_gaps(result)
    return result


def summarize_gaps(result: dict) -> dict:
    """Mean gaps in percentage points between the compared fits (the targets').

    Derived from the per-seed rows only, so it can be recomputed from a stored
    result at any time.
    """

    def gap(rows: list[dict], a: str, b: str) -> float | None:
        pairs = [(r[a], r[b]) for r in rows if a in r and b in r]
        if not pairs:
            return None
        return 100 * float(np.mean([x - y for x, y in pairs]))

    warm, stream = result["warm_start"], result["partial_fit"]
    cosine = {w["seed"]: w["fresh_accuracy"] for w in warm}
    annealed = [
        {**s, "fit_cosine_accuracy": cosine[s["seed"]]}
        for s in stream
        if s["seed"] in cosine
        and result["epochs_per_warm_fit"] == result["partial_fit_passes"]
    ]
    return {
        "warm_minus_single_fit_pp": gap(warm, "warm_accuracy", "single_fit_accuracy"),
        "warm_minus_fresh_pp": gap(warm, "warm_accuracy", "fresh_accuracy"),
        "partial_fit_minus_fit_pp": gap(
            stream, "partial_fit_accuracy", "fit_constant_accuracy"
        ),
        "partial_fit_shuffled_minus_fit_pp": gap(
            stream, "partial_fit_shuffled_accuracy", "fit_constant_accuracy"
        ),
        "partial_fit_annealed_minus_fit_pp": gap(
            annealed, "partial_fit_annealed_accuracy", "fit_cosine_accuracy"
        ),
    }
