"""Grid search on a real Dask cluster, through joblib's Dask backend.

Needs the ``distributed`` extra (``pip install "skdigits[distributed]"``).
Worker processes start TensorFlow from scratch, so the grid is tiny.
"""

from __future__ import annotations

import joblib
import pytest
from numpy.testing import assert_array_equal

distributed = pytest.importorskip("distributed")

import dask  # noqa: E402  (dask is there whenever distributed is)
from test_reliability import (  # noqa: E402
    THREAD_VARIABLES,
    check_scores_are_sensible,
    check_tf_follows_thread_budget,
    grid_search,
    make_tf_thread_probe,
)


@pytest.fixture(scope="module")
def client():
    """Two single-threaded worker processes, as on a small real cluster."""
    with pytest.MonkeyPatch.context() as env:
        # Workers inherit these; unset, the thread budget comes from Dask alone.
        for var in THREAD_VARIABLES:
            env.delenv(var, raising=False)
        with (
            distributed.LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            yield client


def test_tensorflow_in_dask_workers_follows_the_nannys_thread_budget(client):
    # The nanny exports OMP_NUM_THREADS (1 by default) to each worker process;
    # skdigits passes it on to TensorFlow when TF starts there.
    budget = int(
        dask.config.get("distributed.nanny.pre-spawn-environ")["OMP_NUM_THREADS"]
    )
    probe = make_tf_thread_probe()

    def run_on_each_worker() -> list[dict]:
        # As a task, so it runs where the search's fits run: a worker thread.
        workers = list(client.scheduler_info()["workers"])
        futures = [client.submit(probe, pure=False, workers=[w]) for w in workers]
        return client.gather(futures)

    results = run_on_each_worker()
    if not any(seen["fresh"] for seen in results):
        # TensorFlow already ran in the workers (another test did a search):
        # start them anew so that its thread pools can be watched starting.
        client.restart()
        results = run_on_each_worker()
    assert len({seen["pid"] for seen in results}) == 2
    check_tf_follows_thread_budget(results, budget)


def test_grid_search_on_dask_gives_the_sequential_results(client, digits300):
    X, y = digits300
    sequential = grid_search(X, y, n_jobs=1)
    with (
        distributed.get_task_stream(client) as stream,
        joblib.parallel_config(backend="dask"),
    ):
        on_dask = grid_search(X, y, n_jobs=-1)
    # The fits really ran on the cluster's workers, not here.
    workers = {task["worker"] for task in stream.data}
    assert workers and workers <= set(client.scheduler_info()["workers"])
    check_scores_are_sensible(sequential)
    check_scores_are_sensible(on_dask)
    assert on_dask.best_params_ == sequential.best_params_
    assert_array_equal(
        on_dask.cv_results_["mean_test_score"],
        sequential.cv_results_["mean_test_score"],
    )
