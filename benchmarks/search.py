"""Question: how long does the README's grid search take, and does ``n_jobs`` pay?

The README's quick start fits ``make_digit_pipeline()`` on the bundled
sample and searches ``clf__dropout`` x ``clf__hidden_layer_sizes`` (six
candidates) with ``GridSearchCV``'s default 5-fold cross-validation. A user
runs that in a script: each measured search is a fresh Python process that
loads the sample, runs ``GridSearchCV(..., n_jobs=N).fit`` and reports the
seconds of the fit, for ``n_jobs`` 1 and 2 (this machine's cores), the runs
interleaved (1, 2, 1, 2, ...) so that load from other jobs spreads over both.
The ratio of the two says whether two joblib workers (each with its share of
the cores for TensorFlow) beat one process using both cores.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from benchmarks.common import RunConfig, child_env, loadavg, summarize

#: The README's search.
GRID = {
    "clf__dropout": [0.0, 0.1, 0.2],
    "clf__hidden_layer_sizes": [(256,), (784, 196)],
}
#: A quick run's: two candidates, two folds, one epoch.
QUICK_GRID = {"clf__dropout": [0.0, 0.2], "clf__hidden_layer_sizes": [(16,)]}
N_JOBS = (1, 2)

_SCRIPT = """
import json, sys, time
from sklearn.model_selection import GridSearchCV
from skdigits import make_digit_pipeline
from skdigits.datasets import load_mnist_sample

grid, n_jobs, cv, epochs = json.loads(sys.argv[1])
grid = {k: [tuple(v) if isinstance(v, list) else v for v in vs]
        for k, vs in grid.items()}
data = load_mnist_sample()
model = make_digit_pipeline()
if epochs:
    model.set_params(clf__epochs=epochs)
search = GridSearchCV(model, grid, n_jobs=n_jobs, cv=cv)
start = time.perf_counter()
search.fit(data.X_train, data.y_train)
seconds = time.perf_counter() - start
print(json.dumps({
    "seconds": seconds,
    "best_params": {k: list(v) if isinstance(v, tuple) else v
                    for k, v in search.best_params_.items()},
    "best_cv_score": float(search.best_score_),
    "test_score": float(search.score(data.X_test, data.y_test)),
    "n_fits": int(len(search.cv_results_["params"]) * cv + 1),
}))
"""


def _search(grid: dict, n_jobs: int, cv: int, epochs: int | None) -> dict:
    """One search in a fresh process: its result line."""
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT, json.dumps([grid, n_jobs, cv, epochs])],
        capture_output=True,
        text=True,
        env=child_env(),
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def measure(config: RunConfig) -> dict:
    # A quick run checks the machinery in one process: joblib's workers
    # alone would import TensorFlow for a minute on a loaded machine.
    grid, cv, epochs, rounds, jobs = (
        (QUICK_GRID, 2, 1, 1, (1,)) if config.quick else (GRID, 5, None, 2, N_JOBS)
    )
    started_load = loadavg()
    runs: dict[int, list[dict]] = {n: [] for n in jobs}
    t0 = time.perf_counter()
    for _ in range(rounds):
        for n_jobs in jobs:
            runs[n_jobs].append(_search(grid, n_jobs, cv, epochs))
    by_jobs = {
        str(n): {
            "seconds": summarize([r["seconds"] for r in results]),
            "runs": results,
        }
        for n, results in runs.items()
    }
    medians = {n: by_jobs[str(n)]["seconds"]["median"] for n in jobs}
    return {
        "data": "bundled sample (10,000 training images)",
        "grid": {
            k: [list(v) if isinstance(v, tuple) else v for v in vs]
            for k, vs in grid.items()
        },
        "cv": cv,
        "cores": len(os.sched_getaffinity(0)),
        "n_jobs": by_jobs,
        "headline": {
            "seconds_n_jobs_1": medians[1],
            "seconds_n_jobs_2": medians.get(2),
            "ratio_2_over_1": medians[2] / medians[1] if 2 in medians else None,
            "same_best_params": all(
                r["best_params"] == runs[1][0]["best_params"]
                for results in runs.values()
                for r in results
            ),
            "test_score": runs[jobs[-1]][0]["test_score"],
        },
        "wall_seconds": time.perf_counter() - t0,
        "loadavg": [started_load, loadavg()],
    }
