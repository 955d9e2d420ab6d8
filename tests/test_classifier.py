"""DenseDigitClassifier: the scikit-learn contract, inputs and outputs."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.datasets import load_digits
from sklearn.metrics import recall_score
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    check_cv,
    cross_val_score,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

from skdigits._prediction.forward import PREDICT_CHUNK_SIZE, dense_forward
from skdigits.classifier import DenseDigitClassifier


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(np.float32), y


def small(**params) -> DenseDigitClassifier:
    defaults = dict(hidden_layer_sizes=(32,), batch_size=32, epochs=8, random_state=0)
    return DenseDigitClassifier(**{**defaults, **params})


def test_is_a_real_classifier():
    clf = DenseDigitClassifier()
    assert is_classifier(clf)
    assert clf.__sklearn_tags__().estimator_type == "classifier"
    # scikit-learn picks stratified folds for classifiers
    cv = check_cv(3, y=np.array([0, 1] * 10), classifier=is_classifier(clf))
    assert isinstance(cv, StratifiedKFold)


def test_defaults_are_the_notebooks_network():
    clf = DenseDigitClassifier()
    assert clf.hidden_layer_sizes == (784, 196)
    assert clf.dropout == 0.1
    assert clf.activation == "relu"
    assert clf.optimizer == "adam"
    # the schedule (not the network) departs from the notebook, on purpose:
    # see the performance page
    assert (clf.batch_size, clf.epochs, clf.lr_schedule) == (500, 15, "cosine")


def test_a_default_fit_builds_and_compiles_the_notebooks_network():
    # What a default classifier really trains, not what the builder makes
    # when called by hand: one short fit on 784-pixel images of 10 digits.
    from skdigits.datasets import load_mnist_sample

    data = load_mnist_sample()
    X = data.X_train[:300].reshape(-1, 784).astype(np.float32) / 255.0
    y = data.y_train[:300]
    assert set(y) == set(range(10))
    from skdigits._keras import keras  # TensorFlow's quiet start

    rates = []

    class StepRates(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            rate = self.model.optimizer.learning_rate
            rates.append(float(keras.ops.convert_to_numpy(rate)))

    clf = DenseDigitClassifier(epochs=1, random_state=0, callbacks=[StepRates()])
    clf.fit(X, y)
    model = clf.model_
    assert model.count_params() == 771_270
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Dropout", "Dense", "Dense", "Dense"]
    assert model.layers[0].rate == pytest.approx(0.1)
    dense = model.layers[1:]
    assert [layer.units for layer in dense] == [784, 196, 10]
    activations = [layer.activation.__name__ for layer in dense]
    assert activations == ["relu", "relu", "softmax"]
    assert type(model.optimizer).__name__ == "Adam"
    # 300 samples in batches of 500, one epoch: a single step, so the cosine
    # schedule has no warm-up and that step runs at the peak rate.
    assert rates == [pytest.approx(3e-3)]
    assert model.loss == "categorical_crossentropy"


def test_fit_sets_documented_attributes(digits):
    X, y = digits
    clf = small().fit(X, y)
    np.testing.assert_array_equal(clf.classes_, np.arange(10))
    assert clf.n_features_in_ == 64
    assert clf.n_iter_ == 8
    assert set(clf.history_) >= {"loss", "accuracy", "learning_rate"}
    assert all(len(v) == 8 for v in clf.history_.values())
    assert clf.best_epoch_ is None
    assert clf.image_shape_ is None
    assert clf.model_.output_shape == (None, 10)
    assert clf.score(X, y) > 0.9


def test_cosine_schedule_warms_up_then_decays(digits):
    X, y = digits
    # 1797 samples / 100 per batch -> 18 steps per epoch, 180 steps, 18 warm-up
    clf = small(learning_rate=0.004, epochs=10, batch_size=100).fit(X, y)
    lr = np.array(clf.history_["learning_rate"])
    assert lr[0] == pytest.approx(0.004, rel=1e-5)  # end of the warm-up epoch
    assert np.all(np.diff(lr) < 0)  # then it only decays
    assert lr[-1] == pytest.approx(0.0, abs=1e-9)
    halfway = 0.004 * 0.5 * (1 + np.cos(np.pi * (90 - 18) / (180 - 18)))
    assert lr[4] == pytest.approx(halfway, rel=1e-4)
    const = small(lr_schedule="constant", learning_rate=0.003, epochs=3).fit(X, y)
    np.testing.assert_allclose(const.history_["learning_rate"], 0.003, rtol=1e-6)


def test_image_stacks_and_flat_rows_are_both_accepted(digits):
    X, y = digits
    images = X.reshape(-1, 8, 8)
    clf = small().fit(images, y)
    assert clf.image_shape_ == (8, 8)
    assert clf.n_features_in_ == 64
    np.testing.assert_array_equal(clf.predict(images[:20]), clf.predict(X[:20]))
    with pytest.raises(ValueError, match=r"images of shape \(4, 16\).*\(8, 8\)"):
        clf.predict(X.reshape(-1, 4, 16))


@pytest.mark.parametrize("labels", [["cat", "dog"], [3, 7], ["zero", "one", "two"]])
def test_labels_of_any_type_come_back(digits, labels):
    X, y = digits
    mask = y < len(labels)
    y_named = np.asarray(labels)[y[mask]]
    clf = small().fit(X[mask], y_named)
    assert list(clf.classes_) == sorted(labels)
    pred = clf.predict(X[mask][:30])
    assert set(pred) <= set(labels)
    assert clf.predict_proba(X[mask][:5]).shape == (5, len(labels))
    assert clf.score(X[mask], y_named) > 0.9


def test_unbalanced_classes_work(digits):
    X, y = digits
    zeros, ones = np.flatnonzero(y == 0), np.flatnonzero(y == 1)
    keep = np.r_[zeros, ones[:15]]  # 178 zeros, 15 ones
    # 193 samples are few steps per epoch: 20 epochs to learn the minority.
    clf = small(epochs=20).fit(X[keep], y[keep])
    np.testing.assert_array_equal(clf.classes_, [0, 1])
    assert clf.predict_proba(X[keep]).shape == (len(keep), 2)
    # The minority class is learnt, not drowned by the majority: its training
    # samples, and most of the ones never seen, are recognised.
    assert recall_score(y[keep], clf.predict(X[keep]), pos_label=1) == 1.0
    unseen_ones = X[ones[15:]]
    assert np.mean(clf.predict(unseen_ones) == 1) > 0.8
    assert np.mean(clf.predict(X[zeros]) == 0) > 0.95


def test_zero_sample_weight_drops_the_sample(digits):
    X, y = digits
    X, y = X[:400], y[:400]
    weights = np.ones(len(y))
    weights[::3] = 0
    kept = weights > 0
    weighted = small(epochs=3).fit(X, y, sample_weight=weights)
    dropped = small(epochs=3).fit(X[kept], y[kept])
    np.testing.assert_allclose(
        weighted.predict_proba(X), dropped.predict_proba(X), rtol=1e-5, atol=1e-6
    )


def test_sample_weight_counts_as_repeats(digits):
    # The same pixels labelled 0 with weight 3 and 1 with weight 1: the
    # network cannot tell the copies apart, so it should learn P(0) = 3/4,
    # as when the 0-labelled copy is repeated three times instead.
    X, _ = digits
    X = X[:200]
    X_both = np.r_[X, X]
    y_both = np.r_[np.zeros(200, int), np.ones(200, int)]
    weights = np.r_[np.full(200, 3.0), np.ones(200)]
    weighted = small(epochs=10).fit(X_both, y_both, sample_weight=weights)
    repeated = small(epochs=10).fit(
        np.r_[X, X, X, X], np.r_[y_both, np.zeros(400, int)]
    )
    p_weighted = weighted.predict_proba(X)[:, 0].mean()
    p_repeated = repeated.predict_proba(X)[:, 0].mean()
    assert p_weighted == pytest.approx(0.75, abs=0.05)
    assert p_repeated == pytest.approx(0.75, abs=0.05)
    assert p_weighted == pytest.approx(p_repeated, abs=0.05)


def test_fast_path_matches_keras_predict(digits, assert_within_float32_rounding):
    X, y = digits
    clf = small().fit(X, y)
    fast = clf.predict_proba(X[:500])
    keras_proba = clf.model_.predict(X[:500], verbose=0)
    # To float32 rounding (NumPy and TensorFlow sum in other orders): the
    # bound derived in conftest.float32_forward_bound.
    assert_within_float32_rounding(fast, keras_proba, X[:500], model=clf)
    # 10 terms of at most 1 each: the row sum is 1 to gamma_10 plus the
    # softmax's own rounding (a few u per term).
    np.testing.assert_allclose(fast.sum(axis=1), 1.0, rtol=0, atol=64 * 2.0**-24)
    # More samples than one chunk: the chunks join up in order, as Keras has it
    big = np.concatenate([X, X])[: 2 * PREDICT_CHUNK_SIZE + 7]
    chunked = clf.predict_proba(big)
    assert chunked.shape == (len(big), clf.n_classes_)
    assert_within_float32_rounding(
        chunked, clf.model_.predict(big, verbose=0), big, model=clf
    )


def test_one_sample_matches_the_batch_and_bad_input_still_raises(
    digits, assert_within_float32_rounding
):
    # One sample takes the fast input check and the one-thread product
    # (column blocks); a batch neither. Same probabilities to float32 rounding.
    X, y = digits
    # 64 x 5000 is above ONE_THREAD_PRODUCT: one sample goes in blocks.
    clf = small(hidden_layer_sizes=(5000,), epochs=1).fit(X, y)
    batch = clf.predict_proba(X[:20])
    one_by_one = np.concatenate([clf.predict_proba(X[i : i + 1]) for i in range(20)])
    assert_within_float32_rounding(one_by_one, batch, X[:20], model=clf)
    np.testing.assert_array_equal(one_by_one.argmax(1), batch.argmax(1))
    # What the fast check lets by, scikit-learn's validation still refuses.
    bad = X[:1].copy()
    bad[0, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clf.predict_proba(bad)
    with pytest.raises(ValueError, match="features"):
        clf.predict_proba(X[:1, :10])
    # float64 and lists take the slow path and give the same answer.
    np.testing.assert_array_equal(
        clf.predict_proba(X[:1].astype(np.float64)), clf.predict_proba(X[:1])
    )
    np.testing.assert_array_equal(
        clf.predict_proba(X[:1].tolist()), clf.predict_proba(X[:1])
    )


@pytest.mark.parametrize("n_classes", [2, 10])
def test_predict_log_proba_is_the_log_of_predict_proba(digits, n_classes):
    # As MLPClassifier's (binary and multiclass), but finite where a float32
    # probability underflows: the log-softmax of the logits.
    X, y = digits
    clf = small(epochs=2).fit(X[:400], y[:400] % n_classes)
    proba = clf.predict_proba(X[:300]).astype(np.float64)
    log_proba = clf.predict_log_proba(X[:300])
    assert log_proba.dtype == np.float32 and log_proba.shape == (300, n_classes)
    assert np.all(log_proba <= 0)
    np.testing.assert_array_equal(log_proba.argmax(axis=1), proba.argmax(axis=1))
    # Both come from the same float32 logits s (shifted by the row maximum):
    # log p is s - log(sum exp s), rounded to u |log p| + u log(k) plus a
    # few ulps for log and exp, so exp(log p) is p to that relative error.
    u = 2.0**-24
    bound = proba * u * (2 * np.abs(log_proba) + 2 * np.log(n_classes) + 16)
    assert np.all(np.abs(np.exp(log_proba.astype(np.float64)) - proba) <= bound)
    # Far from the training data the probabilities underflow; the logs do not.
    far = 1e4 * X[:5]
    assert np.any(clf.predict_proba(far) == 0)
    assert np.all(np.isfinite(clf.predict_log_proba(far)))


class _Spy:
    """Wraps ``fit_keras_network`` to see the data it trains and validates on."""

    def __init__(self, fit):
        self.fit = fit
        self.calls = []

    def __call__(self, build_fn, X, Y, **kwargs):
        self.calls.append((X, Y, kwargs))
        return self.fit(build_fn, X, Y, **kwargs)


def _weights_recorder():
    from skdigits._keras import keras  # TensorFlow's quiet start

    class WeightsRecorder(keras.callbacks.Callback):
        """The network's weights at the end of every epoch."""

        def __init__(self):
            super().__init__()
            self.weights = []

        def on_epoch_end(self, epoch, logs=None):
            self.weights.append([w.copy() for w in self.model.get_weights()])

    return WeightsRecorder()


def test_early_stopping_holds_out_validation_and_restores(digits, monkeypatch):
    import skdigits._keras.trainer as compat

    X, y = digits
    spy = _Spy(compat.fit_keras_network)
    monkeypatch.setattr(compat, "fit_keras_network", spy)
    recorder = _weights_recorder()
    clf = small(
        epochs=60, early_stopping=True, n_iter_no_change=3, callbacks=[recorder]
    ).fit(X, y)

    # The hold-out: 10 % of the samples (rounded up), each digit in its share,
    # and none of them trained on.
    ((X_train, Y_train, kwargs),) = spy.calls
    X_val, Y_val = kwargs["validation_data"]
    assert len(X_val) == 180 and len(X_train) == len(X) - 180
    expected = 0.1 * np.bincount(y)
    assert np.all(np.abs(Y_val.sum(axis=0) - expected) <= 1)
    np.testing.assert_array_equal(
        Y_train.sum(axis=0) + Y_val.sum(axis=0), np.bincount(y)
    )
    # Together the two parts are X, row for row (as multisets).
    for a, b in zip(
        np.unique(np.r_[X_train, X_val], axis=0, return_counts=True),
        np.unique(X, axis=0, return_counts=True),
        strict=True,
    ):
        np.testing.assert_array_equal(a, b)

    # The stopping rule: the run ends n_iter_no_change epochs after the best
    # validation accuracy, which is the first epoch reaching its maximum.
    val_accuracy = clf.history_["val_accuracy"]
    assert {"val_loss", "val_accuracy"} <= set(clf.history_)
    assert clf.best_epoch_ == int(np.argmax(val_accuracy)) + 1
    assert clf.n_iter_ == clf.best_epoch_ + 3 < 60
    assert len(recorder.weights) == clf.n_iter_
    assert max(val_accuracy[clf.best_epoch_ :]) <= val_accuracy[clf.best_epoch_ - 1]

    # The restore: the final network is the best epoch's, in Keras and in the
    # NumPy forward pass behind predict_proba.
    best = recorder.weights[clf.best_epoch_ - 1]
    last = recorder.weights[-1]
    assert not all(np.array_equal(b, w) for b, w in zip(best, last, strict=True))
    for final, kept in zip(clf.model_.get_weights(), best, strict=True):
        np.testing.assert_array_equal(final, kept)
    pairs = list(zip(best[::2], best[1::2], strict=True))
    np.testing.assert_array_equal(clf.predict_proba(X), dense_forward(pairs, X))


def test_same_seed_same_model_other_seed_other_model(digits):
    X, y = digits
    a = small(random_state=1).fit(X, y).predict_proba(X[:50])
    b = small(random_state=1).fit(X, y).predict_proba(X[:50])
    c = small(random_state=2).fit(X, y).predict_proba(X[:50])
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_randomstate_instance_is_a_real_seed(digits):
    X, y = digits

    def fit_predict(random_state):
        clf = small(epochs=2, random_state=random_state).fit(X, y)
        return clf.predict_proba(X[:20])

    a = fit_predict(np.random.RandomState(5))
    # A fresh RandomState(5) is the same seed, so the same model...
    np.testing.assert_array_equal(fit_predict(np.random.RandomState(5)), a)
    # ...and another seed another one.
    assert not np.allclose(fit_predict(np.random.RandomState(6)), a)


def test_pipeline_and_stratified_cross_validation(digits):
    X, y = digits
    pipe = Pipeline([("scale", MinMaxScaler()), ("clf", small(epochs=2))])
    assert is_classifier(pipe)
    pipe.fit(X, y)
    assert pipe.score(X, y) > 0.5
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.5


def test_grid_search_over_dropout_and_widths(digits):
    # n_jobs=2 is test_reliability's: it must give these very scores.
    X, y = digits
    param_grid = {"dropout": [0.0, 0.2], "hidden_layer_sizes": [(16,), (32, 16)]}
    grid = GridSearchCV(
        small(epochs=5, learning_rate=0.01), param_grid, cv=2, error_score="raise"
    ).fit(X[:600], y[:600])
    scores = grid.cv_results_["mean_test_score"]
    assert len(scores) == 4
    # Every candidate learnt something (chance is 10 %; they score 57-63 %),
    # and they differ.
    assert np.all(np.isfinite(scores)) and scores.min() > 0.5
    assert len(set(scores)) == 4
    # The refit network is the one the best parameters describe.
    best = grid.best_estimator_
    assert best.n_iter_ == 5
    widths = [layer.units for layer in best.model_.layers if hasattr(layer, "units")]
    assert widths == [*grid.best_params_["hidden_layer_sizes"], 10]
    kinds = [type(layer).__name__ for layer in best.model_.layers]
    assert ("Dropout" in kinds) == (grid.best_params_["dropout"] > 0)


def test_clone_keeps_params_not_state(digits):
    X, y = digits
    clf = small().fit(X, y)
    twin = clone(clf)
    assert twin.get_params() == clf.get_params()
    assert not hasattr(twin, "model_")


def test_verbose_zero_prints_nothing(digits, capfd):
    X, y = digits
    small(epochs=2).fit(X, y).predict(X[:5])
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_verbose_one_shows_keras_progress(digits, capfd):
    X, y = digits
    small(epochs=2, verbose=1).fit(X, y)
    out, _ = capfd.readouterr()
    assert "Epoch 2/2" in out


@pytest.mark.mnist
def test_the_default_reaches_98_5_percent_on_full_mnist(mnist_path):
    # The README's "A real run": the default network and schedule (15
    # epochs, about 35 s on 2 cores) on the 60,000 training images. The only
    # full default fit of the suite.
    from skdigits.datasets import fetch_mnist

    data = fetch_mnist(mnist_path, download_if_missing=False)
    X_train = data.X_train.reshape(-1, 784).astype(np.float32) / 255.0
    X_test = data.X_test.reshape(-1, 784).astype(np.float32) / 255.0
    clf = DenseDigitClassifier(random_state=0).fit(X_train, data.y_train)
    accuracy = clf.score(X_test, data.y_test)
    print(f"full MNIST test accuracy of the default: {accuracy:.4f}")
    assert accuracy >= 0.985


def test_importing_the_classifier_does_not_start_tensorflow():
    # Prediction, load_model and `skdigits --help` rely on this: TensorFlow
    # starts when a network is built or trained, not at import.
    import subprocess
    import sys

    probe = (
        "import sys, skdigits.classifier, skdigits.augmentation\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'scikeras') "
        "if m in sys.modules))"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert run.stdout.strip() == "[]"


def test_learning_rate_logger_is_a_picklable_keras_callback():
    import pickle

    from skdigits._keras import (
        callbacks,
        keras,  # TensorFlow's quiet start
    )

    logger = callbacks.LearningRateLogger()
    assert isinstance(logger, keras.callbacks.Callback)
    assert type(pickle.loads(pickle.dumps(logger))) is callbacks.LearningRateLogger


def test_schedule_assigns_the_setters_float32_rate(digits):
    # The schedule writes the optimizer's backing variable directly: the
    # same float32 value the optimizer's setter would store.
    from skdigits._keras.callbacks import LearningRateSchedule, _backing_variable

    X, y = digits
    clf = small(epochs=1).fit(X, y)
    optimizer = clf.model_.optimizer
    variable = _backing_variable(optimizer)
    assert variable is not None
    schedule = LearningRateSchedule(0.004, total_steps=7, warmup_steps=2)
    for step in range(8):
        optimizer.learning_rate = schedule.rate(step)
        by_setter = variable.numpy()
        variable.assign(np.float32(schedule.rate(step)), read_value=False)
        assert variable.numpy() == by_setter


def test_matmul_blocks_agree_with_the_product():
    from skdigits._prediction.forward import ONE_THREAD_PRODUCT, blocked_matmul

    rng = np.random.default_rng(0)
    kernel = rng.standard_normal((784, 784)).astype(np.float32)
    for rows in (1, 2, 5, 400):
        h = rng.random((rows, 784), dtype=np.float32)
        out = blocked_matmul(h, kernel)
        assert out.dtype == np.float32 and out.shape == (rows, 784)
        exact = h.astype(np.float64) @ kernel.astype(np.float64)
        # float32 products of 784 terms: within 784 u of the sum of |terms|.
        bound = 784 * 2.0**-24 * (np.abs(h) @ np.abs(kernel)).astype(np.float64)
        assert np.all(np.abs(out - exact) <= bound)
    assert 784 * 784 > ONE_THREAD_PRODUCT  # so one sample did go in blocks
