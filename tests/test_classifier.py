"""DenseDigitClassifier: the scikit-learn contract, inputs and outputs."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.datasets import load_digits
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    check_cv,
    cross_val_score,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

from skdigits.classifier import DenseDigitClassifier
from skdigits.network import build_dense_network


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
    model = build_dense_network(784, 10)
    assert model.count_params() == 771_270
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Dropout", "Dense", "Dense", "Dense"]


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
    keep = np.r_[np.flatnonzero(y == 0), np.flatnonzero(y == 1)[:15]]
    clf = small().fit(X[keep], y[keep])
    assert clf.predict_proba(X[keep]).shape == (len(keep), 2)


def test_fast_path_matches_keras_predict(digits):
    X, y = digits
    clf = small().fit(X, y)
    fast = clf.predict_proba(X[:500])
    keras_proba = clf.model_.predict(X[:500], verbose=0)
    np.testing.assert_allclose(fast, keras_proba, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fast.sum(axis=1), 1.0, rtol=1e-5)
    # More samples than one chunk: the chunks join up in order, as Keras has it
    big = np.concatenate([X, X])[: 2 * clf._predict_chunk_size + 7]
    chunked = clf.predict_proba(big)
    assert chunked.shape == (len(big), clf.n_classes_)
    np.testing.assert_allclose(
        chunked, clf.model_.predict(big, verbose=0), rtol=1e-5, atol=1e-6
    )


def test_early_stopping_holds_out_validation_and_restores(digits):
    X, y = digits
    clf = small(epochs=60, early_stopping=True, n_iter_no_change=3).fit(X, y)
    assert {"val_loss", "val_accuracy"} <= set(clf.history_)
    assert clf.n_iter_ < 60
    assert 1 <= clf.best_epoch_ <= clf.n_iter_
    best = int(np.argmax(clf.history_["val_accuracy"])) + 1
    assert clf.best_epoch_ == best


def test_same_seed_same_model_other_seed_other_model(digits):
    X, y = digits
    a = small(random_state=1).fit(X, y).predict_proba(X[:50])
    b = small(random_state=1).fit(X, y).predict_proba(X[:50])
    c = small(random_state=2).fit(X, y).predict_proba(X[:50])
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_randomstate_instance_is_a_real_seed(digits):
    X, y = digits
    a = small(random_state=np.random.RandomState(5)).fit(X, y).predict_proba(X[:20])
    b = small(random_state=np.random.RandomState(6)).fit(X, y).predict_proba(X[:20])
    assert not np.allclose(a, b)


def test_pipeline_and_stratified_cross_validation(digits):
    X, y = digits
    pipe = Pipeline([("scale", MinMaxScaler()), ("clf", small(epochs=2))])
    assert is_classifier(pipe)
    pipe.fit(X, y)
    assert pipe.score(X, y) > 0.5
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.5


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_grid_search_over_dropout_and_widths(digits, n_jobs):
    X, y = digits
    grid = GridSearchCV(
        small(epochs=3),
        {"dropout": [0.0, 0.2], "hidden_layer_sizes": [(16,), (32, 16)]},
        cv=2,
        n_jobs=n_jobs,
    ).fit(X[:600], y[:600])
    assert len(grid.cv_results_["params"]) == 4
    assert grid.best_estimator_.n_iter_ == 3
    assert grid.best_params_["hidden_layer_sizes"] in [(16,), (32, 16)]


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
def test_full_mnist_short_fit_beats_97_percent(mnist_path):
    from skdigits.datasets import fetch_mnist

    data = fetch_mnist(mnist_path, download_if_missing=False)
    X_train = data.X_train.reshape(-1, 784).astype(np.float32) / 255.0
    X_test = data.X_test.reshape(-1, 784).astype(np.float32) / 255.0
    clf = DenseDigitClassifier(epochs=4, random_state=0).fit(X_train, data.y_train)
    accuracy = clf.score(X_test, data.y_test)
    print(f"full MNIST test accuracy after 4 epochs: {accuracy:.4f}")
    assert accuracy > 0.97


def test_importing_the_classifier_does_not_start_tensorflow():
    # Prediction, load_model and `skdigits --help` rely on this: TensorFlow
    # starts when a network is built or trained, not at import.
    import subprocess
    import sys

    probe = (
        "import sys, skdigits.classifier, skdigits.callbacks\n"
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

    from skdigits import callbacks
    from skdigits._tf_env import import_keras

    logger = callbacks.LearningRateLogger()
    assert isinstance(logger, import_keras().callbacks.Callback)
    assert type(pickle.loads(pickle.dumps(logger))) is callbacks.LearningRateLogger
