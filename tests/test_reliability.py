"""Reliability: bad input, interrupted training, reproducibility, parallel search.

Every way ``fit`` can fail must leave the estimator exactly as it was, and must
fail before any training starts; a fixed ``random_state`` must give the same
model in any process and under any thread budget, which is what lets a
parallel grid search agree with a sequential one.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from collections.abc import Callable
from typing import Any, NamedTuple

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import check_is_fitted

from skdigits._keras import keras  # TensorFlow's quiet start
from skdigits.classifier import DenseDigitClassifier
from skdigits.preprocessing import PixelScaler


def tiny(**params) -> DenseDigitClassifier:
    defaults = dict(hidden_layer_sizes=(8,), epochs=1, batch_size=32, random_state=0)
    return DenseDigitClassifier(**{**defaults, **params})


class TrainingRecorder(keras.callbacks.Callback):
    """Counts training starts: bad input must be refused before the first."""

    def __init__(self):
        super().__init__()
        self.starts = 0

    def on_train_begin(self, logs=None):
        self.starts += 1


class Interrupt(keras.callbacks.Callback):
    """Ctrl-C in the second epoch: at its end, or after its third batch."""

    def __init__(self, hook: str):
        super().__init__()
        self.hook = hook
        self.epoch = 0
        self.epochs_ended: list[int] = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        self.epochs_ended.append(epoch)
        if self.hook == "epoch" and epoch == 1:
            raise KeyboardInterrupt

    def on_train_batch_end(self, batch, logs=None):
        if self.hook == "batch" and self.epoch == 1 and batch == 2:
            raise KeyboardInterrupt


def fitted_attributes(estimator) -> list[str]:
    return [k for k in vars(estimator) if k.endswith("_") and not k.startswith("__")]


# -- bad input -------------------------------------------------------------------


def _same(a):
    return a


def _with(value) -> Callable[[np.ndarray], np.ndarray]:
    def make(X):
        X = X.copy()
        X[0, 0] = value
        return X

    return make


class Case(NamedTuple):
    """One bad call. "predict" means predict_proba or transform."""

    id: str
    estimators: tuple[str, ...]  # "classifier" and/or "scaler"
    methods: tuple[str, ...]  # "fit" and/or "predict"
    error: type[Exception] | tuple[type[Exception], ...]
    match: str
    make_X: Callable[[np.ndarray], Any] = _same
    make_y: Callable[[np.ndarray], Any] = _same
    params: dict | None = None


BOTH = ("classifier", "scaler")
CLF = ("classifier",)
FIT, PREDICT, ALL = ("fit",), ("predict",), ("fit", "predict")

BAD_INPUT = [
    Case("NaN in X", BOTH, ALL, ValueError, "Input X contains NaN", _with(np.nan)),
    Case("inf in X", BOTH, ALL, ValueError, "Input X contains inf", _with(np.inf)),
    Case(
        "1-D X",
        BOTH,
        ALL,
        ValueError,
        "Expected 2D array, got 1D array",
        lambda X: X[:, 0],
    ),
    Case(
        "4-D X",
        BOTH,
        ALL,
        ValueError,
        r"got 4 dimensions.*\(300, 8, 8, 1\)",
        lambda X: X.reshape(-1, 8, 8, 1),
    ),
    Case(
        "X and y of different lengths",
        CLF,
        FIT,
        ValueError,
        r"inconsistent numbers of samples: \[300, 299\]",
        make_y=lambda y: y[:-1],
    ),
    Case(
        "empty X",
        BOTH,
        ALL,
        ValueError,
        r"Found array with 0 sample\(s\)",
        lambda X: X[:0],
        lambda y: y[:0],
    ),
    Case(
        "single class in y",
        CLF,
        FIT,
        ValueError,
        "at least 2 classes in y; got 1 class",
        make_y=np.zeros_like,
    ),
    Case(
        "NaN in y",
        CLF,
        FIT,
        ValueError,
        "Input y contains NaN",
        make_y=lambda y: np.where(np.arange(len(y)) == 0, np.nan, y),
    ),
    Case(
        "continuous y",
        CLF,
        FIT,
        ValueError,
        "Unknown label type: continuous",
        make_y=lambda y: np.linspace(0.0, 1.0, len(y)),
    ),
    Case(
        "object X holding strings",
        BOTH,
        ALL,
        ValueError,
        "could not convert string to float: 'a'",
        lambda X: np.full(X.shape, "a", dtype=object),
    ),
    Case(
        "sparse X",
        BOTH,
        ALL,
        TypeError,
        "Sparse data was passed for X, but dense data is required",
        sp.csr_matrix,
    ),
    Case(
        "other number of features",
        BOTH,
        PREDICT,
        ValueError,
        "X has 32 features, but (DenseDigitClassifier|PixelScaler) is expecting 64",
        lambda X: X[:, :32],
    ),
    Case(
        "other image size",
        BOTH,
        PREDICT,
        ValueError,
        r"images of shape \(4, 16\), but \w+ was fitted on images of shape \(8, 8\)",
        lambda X: X.reshape(-1, 4, 16),
    ),
] + [
    Case(
        f"{name}={value!r}",
        CLF,
        FIT,
        InvalidParameterError,  # both a ValueError and a TypeError
        rf"'{name}' parameter of DenseDigitClassifier must be {must}.*"
        rf"Got {re.escape(repr(value))} instead",
        params={name: value},
    )
    for name, value, must in [
        ("dropout", -0.1, r"a float in the range \[0.0, 1.0\)"),
        ("dropout", 1.0, r"a float in the range \[0.0, 1.0\)"),
        ("hidden_layer_sizes", (0,), "a non-empty sequence of positive integers"),
        ("hidden_layer_sizes", (-5,), "a non-empty sequence of positive integers"),
        ("hidden_layer_sizes", (), "a non-empty sequence of positive integers"),
        ("hidden_layer_sizes", "abc", "an array-like"),
        ("activation", "nope", "a str among"),
        ("optimizer", "nope", "a str among"),
        ("batch_size", 0, r"an int in the range \[1, inf\)"),
        ("batch_size", -1, r"an int in the range \[1, inf\)"),
        ("epochs", 0, r"an int in the range \[1, inf\)"),
    ]
]


def _new(kind: str):
    if kind == "classifier":
        return tiny(callbacks=[TrainingRecorder()])
    return PixelScaler()


def _output(estimator, X):
    if isinstance(estimator, PixelScaler):
        return estimator.transform(X)
    return estimator.predict_proba(X)


def _bad_call(estimator, case: Case, method: str, X, y):
    if case.params:
        estimator.set_params(**case.params)
    if method == "fit":
        return estimator.fit(case.make_X(X), case.make_y(y))
    return _output(estimator, case.make_X(X))


@pytest.fixture(scope="module")
def fitted(digits300):
    # Fitted on images, so that both image and flat input can be probed.
    X, y = digits300
    images = X.reshape(-1, 8, 8)
    fitted = {kind: _new(kind).fit(images, y) for kind in BOTH}
    # The recorder does see real training, so a zero count below means something.
    assert fitted["classifier"].callbacks[0].starts == 1
    return fitted


@pytest.mark.parametrize(
    ("kind", "case"),
    [(kind, case) for case in BAD_INPUT for kind in case.estimators],
    ids=[f"{kind}-{case.id}" for case in BAD_INPUT for kind in case.estimators],
)
def test_bad_input_is_refused_before_training_and_changes_nothing(
    fitted, digits300, kind, case
):
    X, y = digits300
    estimator = fitted[kind]
    recorder = estimator.callbacks[0] if kind == "classifier" else None
    starts = recorder.starts if recorder else 0
    params = estimator.get_params(deep=False)
    state = dict(vars(estimator))
    expected = _output(estimator, X[:20])

    for method in case.methods:
        try:
            with pytest.raises(case.error, match=case.match):
                _bad_call(estimator, case, method, X, y)
        finally:
            estimator.set_params(**params)  # the fixture is shared
        # Same attributes, each the very same object (model_ included).
        assert vars(estimator).keys() == state.keys()
        changed = [k for k, v in vars(estimator).items() if v is not state[k]]
        assert changed == [], f"{method} replaced {changed}"
        assert_array_equal(_output(estimator, X[:20]), expected)
        if recorder:
            assert recorder.starts == starts, "training started on bad input"

    if "fit" in case.methods:
        fresh = _new(kind)
        with pytest.raises(case.error, match=case.match):
            _bad_call(fresh, case, "fit", X, y)
        assert fitted_attributes(fresh) == []
        with pytest.raises(NotFittedError):
            check_is_fitted(fresh)
        if kind == "classifier":
            assert fresh.callbacks[0].starts == 0


def test_the_bad_input_table_is_complete():
    # Guard against a row that silently checks nothing.
    assert all(case.estimators and case.methods for case in BAD_INPUT)
    assert len({case.id for case in BAD_INPUT}) == len(BAD_INPUT)
    assert {m for case in BAD_INPUT for m in case.methods} == {"fit", "predict"}


def test_object_arrays_of_numbers_are_converted(fitted, digits300):
    # scikit-learn's check_dtype_object: object arrays of numbers are data.
    X, y = digits300
    as_object = X.astype(object)
    for kind in BOTH:
        assert_array_equal(
            _output(fitted[kind], as_object[:20]), _output(fitted[kind], X[:20])
        )
    # The same numbers as object dtype train the very same network.
    clf = tiny().fit(as_object, y)
    assert_array_equal(
        clf.predict_proba(X[:20]), fitted["classifier"].predict_proba(X[:20])
    )
    scaler = PixelScaler().fit(as_object)
    assert scaler.data_max_ == fitted["scaler"].data_max_


@pytest.mark.parametrize("labels", [(3, 7), ("cat", "dog")])
def test_a_class_of_one_sample_trains_even_with_early_stopping(digits300, labels):
    # One sample cannot be on both sides of the validation split, so the
    # hold-out falls back to an unstratified split instead of failing.
    X, y = digits300
    y_named = np.where(np.arange(len(y)) == 0, labels[1], labels[0])
    clf = tiny(epochs=2, early_stopping=True, validation_fraction=0.2).fit(X, y_named)
    assert list(clf.classes_) == list(labels)
    assert clf.predict_proba(X[:5]).shape == (5, 2)
    assert set(clf.predict(X)) <= set(labels)
    assert {"val_loss", "val_accuracy"} <= set(clf.history_)


# -- interrupted training --------------------------------------------------------


def _global_random_state():
    # SciKeras seeds the legacy global RNGs for a fit and must put them back.
    return random.getstate(), np.random.get_state()[1].copy()  # noqa: NPY002


@pytest.mark.parametrize("hook", ["epoch", "batch"])
def test_interrupted_first_fit_leaves_the_estimator_unfitted(digits300, hook):
    X, y = digits300
    env_before = os.environ.get("TF_DETERMINISTIC_OPS")
    py_state, np_state = _global_random_state()
    interrupt = Interrupt(hook)
    clf = tiny(epochs=4, callbacks=[interrupt])
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    # Training really ran and was stopped in its second epoch.
    assert interrupt.epoch == 1
    assert interrupt.epochs_ended == ([0, 1] if hook == "epoch" else [0])
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)
    assert fitted_attributes(clf) == []
    assert set(vars(clf)) == set(clf.get_params())
    # The seeding done for the fit is undone too (op determinism: see
    # test_a_seeded_fit_does_not_leave_op_determinism_on).
    assert os.environ.get("TF_DETERMINISTIC_OPS") == env_before
    assert _global_random_state()[0] == py_state
    assert_array_equal(_global_random_state()[1], np_state)


@pytest.mark.parametrize("hook", ["epoch", "batch"])
def test_interrupted_refit_keeps_the_previous_model(digits300, hook):
    X, y = digits300
    clf = tiny(epochs=2).fit(X, y)
    state = dict(vars(clf))
    history = {k: list(v) for k, v in clf.history_.items()}
    expected = clf.predict_proba(X[:20])
    interrupt = Interrupt(hook)
    clf.set_params(callbacks=[interrupt], epochs=4)
    # Other data (images, 2 classes), so a half-done refit would show.
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X.reshape(-1, 8, 8), y % 2)
    assert interrupt.epoch == 1
    assert clf.callbacks == [interrupt] and clf.epochs == 4  # params stay set
    fitted = {k: v for k, v in state.items() if k not in clf.get_params()}
    assert all(getattr(clf, k) is v for k, v in fitted.items())
    assert set(vars(clf)) == set(state)
    assert clf.model_ is state["_network"].model()  # model_ reads it (a property)
    assert clf.history_ == history
    assert clf.image_shape_ is None
    assert_array_equal(clf.classes_, np.arange(10))
    assert_array_equal(clf.predict_proba(X[:20]), expected)


# -- reproducibility -------------------------------------------------------------

# Run as a script in fresh interpreters, and exec'd here: the same fit in both.
FIT_SCRIPT = """
import sys

import numpy as np
from sklearn.datasets import load_digits

from skdigits.classifier import DenseDigitClassifier


def fit_predict(random_state):
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    clf = DenseDigitClassifier(
        hidden_layer_sizes=(16,), batch_size=64, epochs=3, random_state=random_state
    )
    return clf.fit(X[:600], y[:600]).predict_proba(X[600:700])


if __name__ == "__main__":
    np.save(sys.argv[1], fit_predict(int(sys.argv[2])))
    # After the seeded fit: is TensorFlow's global state as it was? Asked only
    # now, as the user's later code would.
    from tensorflow.python.framework.config import is_op_determinism_enabled

    print("op determinism after fit:", is_op_determinism_enabled())
    try:
        fit_predict(None)
        print("unseeded fit after it: ok")
    except Exception as exc:
        print("unseeded fit after it:", repr(exc))
"""


def _fit_predict(random_state):
    namespace: dict = {"__name__": "fit_script"}
    exec(compile(FIT_SCRIPT, "fit_script", "exec"), namespace)
    return namespace["fit_predict"](random_state)


THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
)


def _clean_env(**extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    return {**env, **extra}


@pytest.fixture(scope="module")
def fresh_process_fits(tmp_path_factory):
    """FIT_SCRIPT with seed 0 in two new interpreters, run side by side: with
    TensorFlow's default threads, and with the single thread joblib's and
    Dask's workers get (OMP_NUM_THREADS=1). Gives (proba, stdout) for each."""
    folder = tmp_path_factory.mktemp("fresh_process_fits")
    outputs = [folder / "default.npy", folder / "one_thread.npy"]
    envs = [_clean_env(), _clean_env(OMP_NUM_THREADS="1")]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", FIT_SCRIPT, str(out), "0"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for out, env in zip(outputs, envs, strict=True)
    ]
    try:
        results = []
        for proc, out in zip(procs, outputs, strict=True):
            stdout, stderr = proc.communicate(timeout=300)
            assert proc.returncode == 0, stderr
            results.append((np.load(out), stdout))
    finally:
        for proc in procs:
            proc.kill()
    return results


def test_same_seed_same_model_in_other_processes_and_thread_budgets(
    fresh_process_fits,
):
    here = _fit_predict(0)
    for proba, _ in fresh_process_fits:
        assert_array_equal(proba, here)
    assert not np.allclose(_fit_predict(1), here)


def test_a_seeded_fit_does_not_leave_op_determinism_on(fresh_process_fits):
    # SciKeras turns TensorFlow's op determinism on for a seeded fit only.
    # Left on, every later TF op in the process is forced to deterministic
    # kernels, and a fit with random_state=None (the default) fails with
    # "Random ops require a seed to be set when determinism is enabled".
    for _, stdout in fresh_process_fits:
        assert "op determinism after fit: False" in stdout
        assert "unseeded fit after it: ok" in stdout


def test_a_seeded_fit_ignores_other_users_of_python_random(monkeypatch):
    # A Dask worker's event loop (or any other thread) may draw from Python's
    # global `random` between SciKeras seeding it and the network being
    # built; the initial weights and dropout masks must not depend on that.
    import skdigits._keras.trainer as trainer_module

    expected = _fit_predict(0)
    build = trainer_module.build_dense_network

    def build_after_another_thread_drew(*args, **kwargs):
        random.random()
        return build(*args, **kwargs)

    monkeypatch.setattr(
        trainer_module, "build_dense_network", build_after_another_thread_drew
    )
    assert_array_equal(_fit_predict(0), expected)


def test_random_state_none_is_not_reproducible():
    # Documented: random_state=None means every fit differs. (Run after the
    # seeded fits above, this also fails while op determinism leaks.)
    assert not np.allclose(_fit_predict(None), _fit_predict(None))


# -- parallel search -------------------------------------------------------------


def grid_search(X, y, n_jobs):
    # error_score="raise": a candidate that crashes (in a worker, say) must
    # fail the test, not become a NaN score that equals the other run's NaN.
    return GridSearchCV(
        tiny(epochs=3, learning_rate=0.01),
        {"dropout": [0.0, 0.3], "hidden_layer_sizes": [(8,), (32,)]},
        cv=2,
        n_jobs=n_jobs,
        error_score="raise",
    ).fit(X, y)


def check_scores_are_sensible(search) -> None:
    """Finite, and every candidate well above chance (10 %): 25-66 % here."""
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores)), scores
    assert scores.min() > 0.2, scores


def test_parallel_grid_search_gives_the_sequential_results(digits300):
    X, y = digits300
    sequential = grid_search(X, y, n_jobs=1)
    parallel = grid_search(X, y, n_jobs=2)  # joblib's default backend, loky
    check_scores_are_sensible(sequential)
    check_scores_are_sensible(parallel)
    scores = sequential.cv_results_["mean_test_score"]
    assert len(set(scores)) > 1  # the candidates differ, so the ranking means something
    assert parallel.best_params_ == sequential.best_params_
    assert_array_equal(parallel.cv_results_["mean_test_score"], scores)
    for split in ("split0_test_score", "split1_test_score"):
        assert_array_equal(parallel.cv_results_[split], sequential.cv_results_[split])


def make_tf_thread_probe() -> Callable[[], dict]:
    """A function that reports, in a worker, TF's threads after its first op.

    It is built here, not defined at module level, so that cloudpickle ships
    it by value: workers need not import this test module.
    """

    def probe() -> dict:
        import os
        import sys
        from collections import Counter

        def threads() -> dict[str, str]:
            names = {}
            for tid in os.listdir("/proc/self/task"):
                try:
                    with open(f"/proc/self/task/{tid}/comm") as f:
                        names[tid] = f.read().strip()
                except OSError:  # the thread ended meanwhile
                    pass
            return names

        # How skdigits starts TensorFlow when a network is built or trained
        # (importing the classifier does not).
        import skdigits._keras  # noqa: F401

        tf = sys.modules["tensorflow"]
        threading = tf.config.threading
        # After the imports (numpy's BLAS threads start there), before the op.
        before = threads()
        tf.linalg.matmul(tf.ones((8, 8)), tf.ones((8, 8))).numpy()
        after = threads()
        new = Counter(name for tid, name in after.items() if tid not in before)
        environ = os.environ
        return {
            "pid": os.getpid(),
            # TF's pools start at its first op; if that was before the probe,
            # only their sizes, not their creation, can be seen.
            "fresh": "tf_Compute" not in before.values(),
            "OMP_NUM_THREADS": environ.get("OMP_NUM_THREADS"),
            "TF_NUM_INTRAOP_THREADS": environ.get("TF_NUM_INTRAOP_THREADS"),
            "TF_NUM_INTEROP_THREADS": environ.get("TF_NUM_INTEROP_THREADS"),
            # 0 means "TF's default": tf.config does not show the env variables.
            "tf_config_intra_op": threading.get_intra_op_parallelism_threads(),
            # TF names its inter-op threads "tf_Compute"; its intra-op (Eigen)
            # threads are unnamed, so they carry the process's name.
            "inter_op_threads": Counter(after.values())["tf_Compute"],
            "intra_op_threads": new[after[str(os.getpid())]],
        }

    return probe


def check_tf_follows_thread_budget(results: list[dict], budget: int) -> None:
    """Shared with test_distributed: assert what the probe saw in each worker."""
    for seen in results:
        assert seen["OMP_NUM_THREADS"] == str(budget), seen
        assert seen["TF_NUM_INTRAOP_THREADS"] == str(budget), seen
        assert seen["TF_NUM_INTEROP_THREADS"] == str(budget), seen
        assert seen["inter_op_threads"] == budget, seen
        if seen["fresh"]:  # TF's pools started inside the probe: count them
            assert seen["intra_op_threads"] == budget, seen
    assert any(seen["fresh"] for seen in results), results


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs Linux /proc")
@pytest.mark.parametrize("inner_max_num_threads", [None, 2])
def test_tensorflow_in_loky_workers_follows_joblibs_thread_budget(
    monkeypatch, inner_max_num_threads
):
    for var in THREAD_VARIABLES:
        monkeypatch.delenv(var, raising=False)
    # joblib gives each of n_jobs workers cpu_count // n_jobs threads unless told.
    budget = inner_max_num_threads or max(joblib.cpu_count() // 2, 1)
    probe = make_tf_thread_probe()
    # A worker timeout of its own (the default is 300 s) makes loky start
    # fresh workers, in which TensorFlow has not started yet.
    with joblib.parallel_config(
        backend="loky",
        inner_max_num_threads=inner_max_num_threads,
        idle_worker_timeout=301 + (inner_max_num_threads or 0),
    ):
        results = joblib.Parallel(n_jobs=2, batch_size=1)(
            joblib.delayed(probe)() for _ in range(2)
        )
    check_tf_follows_thread_budget(results, budget)
