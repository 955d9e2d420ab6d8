"""Continued training: warm_start, partial_fit, class_weight, MLPClassifier's
fitted attributes, round trips in the middle of training, and cheaper searches."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal
from numpydoc.docscrape import ClassDoc
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import HalvingGridSearchCV
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.utils.class_weight import compute_sample_weight

from skdigits import PixelScaler, load_model, save_model
from skdigits._estimators.pipeline import continue_training
from skdigits._keras import keras  # TensorFlow's quiet start
from skdigits.classifier import DenseDigitClassifier


def tiny(**params) -> DenseDigitClassifier:
    defaults = dict(hidden_layer_sizes=(16,), batch_size=32, epochs=2, random_state=0)
    return DenseDigitClassifier(**{**defaults, **params})


def weights(clf) -> list[np.ndarray]:
    return [w.numpy().copy() for w in clf.model_.weights]


def optimizer_state(clf) -> list[np.ndarray]:
    return [v.numpy().copy() for v in clf.model_.optimizer.variables]


def assert_same_arrays(a, b):
    assert len(a) == len(b)
    for x, z in zip(a, b, strict=True):
        assert_array_equal(x, z)


def steps(clf) -> int:
    return int(clf.model_.optimizer.iterations.numpy())


# -- warm_start ------------------------------------------------------------------


def test_two_warm_fits_equal_one_fit_of_both_lengths(digits300):
    # With a constant rate and no shuffling, continuing must be exactly the
    # same training as one longer fit: same weights, same Adam moments and
    # step count, same dropout masks. Rebuilding the optimizer (losing the
    # moments) or the network would show.
    X, y = digits300
    params = dict(lr_schedule="constant", shuffle=False, dropout=0.2)
    warm = tiny(warm_start=True, **params).fit(X, y)
    model = warm.model_
    warm.fit(X, y)
    once = tiny(epochs=4, **params).fit(X, y)
    assert warm.model_ is model  # trained on, not rebuilt
    assert steps(warm) == steps(once) == 4 * 10  # 300 samples, batch 32
    assert_same_arrays(weights(warm), weights(once))
    assert_same_arrays(optimizer_state(warm), optimizer_state(once))
    assert warm.n_iter_ == 4 and warm.t_ == 4 * 300
    np.testing.assert_allclose(warm.history_["loss"], once.history_["loss"])


def test_without_warm_start_fit_starts_anew(digits300):
    X, y = digits300
    clf = tiny().fit(X, y)
    first = weights(clf)
    clf.fit(X, y)
    assert steps(clf) == 2 * 10 and clf.n_iter_ == 2 and clf.t_ == 2 * 300
    assert_same_arrays(weights(clf), first)  # same seed, same fresh fit


def test_a_warm_fit_runs_a_new_learning_rate_cycle(digits300):
    X, y = digits300
    clf = tiny(warm_start=True, epochs=3, learning_rate=0.004).fit(X, y)
    clf.fit(X, y)
    lr = np.array(clf.history_["learning_rate"])
    assert len(lr) == 6
    # Each fit warms up and decays to 0 over its own epochs...
    np.testing.assert_allclose(lr[3:], lr[:3], rtol=1e-6)
    assert lr[2] == pytest.approx(0.0, abs=1e-9) and lr[3] > 1e-3
    # ...while Adam's step count goes on (its bias correction is not redone).
    assert steps(clf) == 6 * 10


def test_a_warm_fit_on_an_unfitted_estimator_is_a_fit(digits300):
    X, y = digits300
    warm = tiny(warm_start=True).fit(X, y)
    cold = tiny().fit(X, y)
    assert_same_arrays(weights(warm), weights(cold))


@pytest.mark.parametrize(
    "change, match",
    [
        (dict(hidden_layer_sizes=(8,)), "hidden_layer_sizes=\\(8,\\).*built with"),
        (dict(activation="tanh"), "activation='tanh'.*built with activation='relu'"),
        (dict(dropout=0.3), "dropout=0.3.*built with dropout=0.1"),
        (dict(optimizer="sgd"), "optimizer='sgd'.*built with optimizer='adam'"),
    ],
)
def test_changing_the_network_between_warm_fits_is_refused(digits300, change, match):
    X, y = digits300
    clf = tiny(warm_start=True).fit(X, y)
    before = dict(vars(clf)), weights(clf), optimizer_state(clf)
    clf.set_params(**change)
    for call in (lambda: clf.fit(X, y), lambda: clf.partial_fit(X, y)):
        with pytest.raises(ValueError, match=match):
            call()
        assert_unchanged(clf, *before)
    clf.set_params(warm_start=False).fit(X, y)  # a cold fit takes the change


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "swish"])
def test_every_activation_can_continue(digits300, activation):
    # Keras names some activations its own way (swish is "silu"): the check
    # compares with what the network was fitted with, not Keras's name.
    X, y = digits300
    clf = tiny(activation=activation, warm_start=True).fit(X, y)
    clf.fit(X, y)
    clf.partial_fit(X, y)
    assert clf.n_iter_ == 2 * clf.epochs + 1


def assert_unchanged(clf, state, kernels, optimizer):
    assert set(vars(clf)) == set(state)
    fitted = {k: v for k, v in state.items() if k not in clf.get_params()}
    assert all(getattr(clf, k) is v for k, v in fitted.items())
    assert_same_arrays(weights(clf), kernels)
    assert_same_arrays(optimizer_state(clf), optimizer)


@pytest.mark.parametrize(
    "data, match",
    [
        (lambda X, y: (X, y % 5), "warm_start=True continues a network trained on"),
        (lambda X, y: (X, np.where(y == 9, 10, y)), "classes"),
        (lambda X, y: (X[:, :-1], y), "features"),
    ],
    ids=["fewer-classes", "other-classes", "fewer-features"],
)
def test_other_classes_or_features_in_a_warm_fit_are_refused(digits300, data, match):
    X, y = digits300
    clf = tiny(warm_start=True).fit(X, y)
    before = dict(vars(clf)), weights(clf), optimizer_state(clf)
    with pytest.raises(ValueError, match=match):
        clf.fit(*data(X, y))
    assert_unchanged(clf, *before)


class InterruptSecondEpoch(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.epoch == 1 and batch == 2:
            raise KeyboardInterrupt


def test_an_interrupted_warm_fit_restores_network_and_optimizer(digits300):
    X, y = digits300
    clf = tiny(warm_start=True).fit(X, y)
    before = dict(vars(clf)), weights(clf), optimizer_state(clf)
    expected = clf.predict_proba(X)
    clf.set_params(callbacks=[InterruptSecondEpoch()])
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert_unchanged(clf, *before)
    assert_array_equal(clf.predict_proba(X), expected)
    # and it continues afterwards exactly as if nothing had happened
    clf.set_params(callbacks=None).fit(X, y)
    twin = tiny(warm_start=True).fit(X, y).fit(X, y)
    assert_same_arrays(weights(clf), weights(twin))


def test_history_keeps_one_entry_per_epoch_when_metrics_change(digits300):
    X, y = digits300
    clf = tiny(warm_start=True).fit(X, y)
    clf.set_params(early_stopping=True, epochs=3).fit(X, y)
    assert all(len(values) == 5 for values in clf.history_.values())
    # NaN for the epochs without a validation split, measured for the others
    assert np.isnan(clf.history_["val_accuracy"][:2]).all()
    assert np.isfinite(clf.history_["val_accuracy"][2:]).all()


# -- partial_fit -----------------------------------------------------------------


def test_partial_fit_passes_equal_fit_epochs(digits300):
    # One partial_fit call is one epoch at the constant learning rate, with
    # the optimizer's state kept between calls.
    X, y = digits300
    params = dict(lr_schedule="constant", shuffle=False)
    stream = tiny(**params)
    for _ in range(3):
        stream.partial_fit(X, y, classes=np.arange(10))
    fitted = tiny(epochs=3, **params).fit(X, y)
    assert_same_arrays(weights(stream), weights(fitted))
    assert_same_arrays(optimizer_state(stream), optimizer_state(fitted))
    assert stream.n_iter_ == 3 and stream.t_ == 900
    assert len(stream.history_["loss"]) == 3


def test_partial_fit_uses_the_constant_rate_whatever_the_schedule(digits300):
    X, y = digits300
    clf = tiny(lr_schedule="cosine", learning_rate=0.002)
    clf.partial_fit(X, y, classes=np.arange(10)).partial_fit(X, y)
    np.testing.assert_allclose(clf.history_["learning_rate"], 0.002, rtol=1e-6)


def test_partial_fit_over_chunks_learns(digits300):
    X, y = digits300
    clf = tiny(learning_rate=1e-2)
    for _ in range(8):
        for chunk in np.array_split(np.arange(len(y)), 3):
            clf.partial_fit(X[chunk], y[chunk], classes=np.arange(10))
    assert clf.n_iter_ == 24 and clf.t_ == 8 * 300
    assert clf.score(X, y) > 0.9


def test_partial_fit_chunks_may_hold_one_class_of_many(digits300):
    X, y = digits300
    clf = tiny()
    clf.partial_fit(X[y == 3], y[y == 3], classes=np.arange(10))
    assert_array_equal(clf.classes_, np.arange(10))
    assert clf.predict_proba(X).shape == (300, 10)


def test_the_first_partial_fit_needs_classes(digits300):
    X, y = digits300
    clf = tiny()
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X, y)
    with pytest.raises(ValueError, match="at least 2 classes"):
        clf.partial_fit(X, y * 0, classes=[0])
    assert set(vars(clf)) == set(clf.get_params())  # still unfitted


@pytest.mark.parametrize("fitted", [False, True], ids=["first-call", "later-call"])
def test_a_label_outside_classes_is_refused(digits300, fitted):
    X, y = digits300
    clf = tiny()
    if fitted:
        clf.partial_fit(X, y, classes=np.arange(10))
    before = dict(vars(clf))
    y_bad = np.where(np.arange(300) == 7, 12, y)
    with pytest.raises(ValueError, match=r"labels \[12\] that are not in classes"):
        clf.partial_fit(X, y_bad, classes=np.arange(10))
    assert set(vars(clf)) == set(before)
    assert all(getattr(clf, k) is v for k, v in before.items())


def test_later_partial_fits_check_classes_and_features(digits300):
    X, y = digits300
    clf = tiny().partial_fit(X, y, classes=np.arange(10))
    before = dict(vars(clf)), weights(clf), optimizer_state(clf)
    with pytest.raises(ValueError, match="differs from the classes of the earlier"):
        clf.partial_fit(X, y, classes=np.arange(11))
    with pytest.raises(ValueError, match="features"):
        clf.partial_fit(X[:, :10], y)
    assert_unchanged(clf, *before)


def test_partial_fit_continues_a_fit(digits300):
    X, y = digits300
    clf = tiny().fit(X, y)
    clf.partial_fit(X, y)  # no classes needed: the fit set them
    assert clf.n_iter_ == 3 and steps(clf) == 30


def test_partial_fit_honours_sample_weight(digits300):
    # Zero weight on every 3 drops those samples: the weighted pass equals a
    # pass over the other samples, and differs from the unweighted pass. If
    # partial_fit dropped its weights, it would equal the unweighted pass.
    X, y = digits300
    params = dict(lr_schedule="constant", shuffle=False)
    keep = y != 3
    weighted = tiny(**params).partial_fit(
        X, y, classes=np.arange(10), sample_weight=np.where(keep, 1.0, 0.0)
    )
    without_threes = tiny(**params).partial_fit(X[keep], y[keep], classes=np.arange(10))
    unweighted = tiny(**params).partial_fit(X, y, classes=np.arange(10))
    assert_same_arrays(weights(weighted), weights(without_threes))
    assert not np.allclose(weights(weighted)[0], weights(unweighted)[0])
    # Non-zero weights too: the same step as fit's one epoch with them.
    sw = np.random.default_rng(0).uniform(0.2, 3.0, size=len(y))
    streamed = tiny(**params).partial_fit(X, y, classes=np.arange(10), sample_weight=sw)
    fitted = tiny(epochs=1, **params).fit(X, y, sample_weight=sw)
    assert_same_arrays(weights(streamed), weights(fitted))


@pytest.mark.parametrize("fitted", [False, True], ids=["first-call", "later-call"])
def test_partial_fit_refuses_early_stopping(digits300, fitted):
    # As MLPClassifier's partial_fit: refused, not silently ignored, and
    # before the estimator (network, optimizer) is touched.
    X, y = digits300
    clf = tiny()
    if fitted:
        clf.partial_fit(X, y, classes=np.arange(10))
    clf.set_params(early_stopping=True)
    before = dict(vars(clf))
    state = (weights(clf), optimizer_state(clf)) if fitted else None
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        clf.partial_fit(X, y, classes=np.arange(10))
    assert set(vars(clf)) == set(before)
    assert all(getattr(clf, k) is v for k, v in before.items())
    if fitted:
        assert_same_arrays(weights(clf), state[0])
        assert_same_arrays(optimizer_state(clf), state[1])
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit(X, y, classes=np.arange(10))


# -- class_weight ----------------------------------------------------------------


def test_balanced_class_weight_equals_balanced_sample_weight(digits300):
    X, y = digits300
    y = np.where(y < 3, y, 3)  # unbalanced: 3 gets most samples
    by_class = tiny(class_weight="balanced").fit(X, y)
    by_sample = tiny().fit(X, y, sample_weight=compute_sample_weight("balanced", y))
    assert_same_arrays(weights(by_class), weights(by_sample))
    assert not np.allclose(weights(by_class)[0], weights(tiny().fit(X, y))[0])


def test_class_weight_multiplies_sample_weight(digits300):
    X, y = digits300
    rng = np.random.default_rng(0)
    sw = rng.uniform(0.5, 2, size=len(y)).astype(np.float32)
    class_weight = {c: 1.0 + c for c in range(10)}
    both = tiny(class_weight=class_weight).fit(X, y, sample_weight=sw)
    product = tiny().fit(X, y, sample_weight=sw * (1.0 + y).astype(np.float32))
    assert_same_arrays(weights(both), weights(product))


def test_a_heavy_class_takes_over_predictions(digits300):
    X, y = digits300
    plain = tiny(epochs=5).fit(X, y)
    heavy = tiny(epochs=5, class_weight={0: 1000.0}).fit(X, y)
    assert np.mean(heavy.predict(X) == 0) > np.mean(plain.predict(X) == 0) + 0.2


def test_class_weight_works_with_partial_fit_dicts_not_balanced(digits300):
    X, y = digits300
    dict_weighted = tiny(lr_schedule="constant", shuffle=False, class_weight={1: 3.0})
    dict_weighted.partial_fit(X, y, classes=np.arange(10))
    expected = tiny(lr_schedule="constant", shuffle=False, epochs=1)
    expected.fit(X, y, sample_weight=np.where(y == 1, 3.0, 1.0))
    assert_same_arrays(weights(dict_weighted), weights(expected))
    clf = tiny(class_weight="balanced")
    with pytest.raises(ValueError, match="'balanced' is not supported by partial_fit"):
        clf.partial_fit(X, y, classes=np.arange(10))


def test_class_weight_for_an_unknown_class_is_refused(digits300):
    X, y = digits300
    with pytest.raises(ValueError, match=r"not in class_weight|not.*classes"):
        tiny(class_weight={"seven": 2.0}).fit(X, y)
    with pytest.raises(ValueError, match="class_weight"):
        tiny(class_weight="heavy").fit(X, y)


# -- MLPClassifier's fitted attributes -------------------------------------------

MLP_ATTRIBUTES = [p.name for p in ClassDoc(MLPClassifier)["Attributes"]]


def _same_type_and_shape(ours, theirs):
    if theirs is None:
        assert ours is None
    elif isinstance(theirs, (list, tuple)):
        assert isinstance(ours, list) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            _same_type_and_shape(a, b)
    elif isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray) and ours.shape == theirs.shape
    elif isinstance(theirs, str):
        assert isinstance(ours, str)
    else:
        assert isinstance(ours, (int, float, np.number)) and not isinstance(ours, bool)
        assert isinstance(ours, int) == isinstance(theirs, int), "int stays int"


def _loss_curve(clf, mlp):
    assert clf.loss_curve_ == clf.history_["loss"]
    assert len(clf.loss_curve_) == clf.n_iter_


def _loss(clf, mlp):
    assert clf.loss_ == clf.loss_curve_[-1]


def _best_loss(clf, mlp):
    expected = None if clf.early_stopping else min(clf.loss_curve_)
    assert clf.best_loss_ == expected


def _validation_scores(clf, mlp):
    if clf.early_stopping:
        assert clf.validation_scores_ == clf.history_["val_accuracy"]
    else:
        assert clf.validation_scores_ is None


def _best_validation_score(clf, mlp):
    expected = max(clf.validation_scores_) if clf.early_stopping else None
    assert clf.best_validation_score_ == expected


def _t(clf, mlp):
    n_train = 270 if clf.early_stopping else 300
    assert clf.t_ == n_train * clf.n_iter_ == mlp.t_ // mlp.n_iter_ * clf.n_iter_


def _dense_layers(clf):
    return [
        layer for layer in clf.model_.layers if isinstance(layer, keras.layers.Dense)
    ]


def _coefs(clf, mlp):
    for kernel, layer in zip(clf.coefs_, _dense_layers(clf), strict=True):
        assert_array_equal(kernel, layer.kernel.numpy())


def _intercepts(clf, mlp):
    for bias, layer in zip(clf.intercepts_, _dense_layers(clf), strict=True):
        assert_array_equal(bias, layer.bias.numpy())


def _equal(name):
    def check(clf, mlp):
        ours, theirs = getattr(clf, name), getattr(mlp, name)
        if isinstance(theirs, np.ndarray):
            assert_array_equal(ours, theirs)
        else:
            assert ours == theirs

    return check


def _n_iter(clf, mlp):
    assert clf.n_iter_ == len(clf.history_["loss"]) <= clf.epochs


# Every fitted attribute MLPClassifier documents, and what it must hold here.
# Beyond the checks below, each must have MLPClassifier's type and shape.
ATTRIBUTE_CHECKS = {
    "classes_": _equal("classes_"),
    "loss_": _loss,
    "best_loss_": _best_loss,
    "loss_curve_": _loss_curve,
    "validation_scores_": _validation_scores,
    "best_validation_score_": _best_validation_score,
    "t_": _t,
    "coefs_": _coefs,
    "intercepts_": _intercepts,
    "n_features_in_": _equal("n_features_in_"),
    "feature_names_in_": _equal("feature_names_in_"),
    "n_iter_": _n_iter,
    "n_layers_": _equal("n_layers_"),
    "n_outputs_": _equal("n_outputs_"),
    "out_activation_": _equal("out_activation_"),
}


def test_the_attribute_table_covers_what_mlpclassifier_documents():
    assert set(ATTRIBUTE_CHECKS) == set(MLP_ATTRIBUTES)


@pytest.fixture(scope="module", params=[False, True], ids=["plain", "early-stopping"])
def twins(request, digits300):
    X, y = digits300
    X = pd.DataFrame(X, columns=[f"pixel{i}" for i in range(X.shape[1])])
    es = request.param
    params = dict(hidden_layer_sizes=(16, 8), early_stopping=es, random_state=0)
    mlp = MLPClassifier(max_iter=3, batch_size=32, **params)
    with pytest.warns(Warning):  # MLPClassifier: not converged
        mlp.fit(X, y)
    ours = DenseDigitClassifier(epochs=3, batch_size=32, **params).fit(X, y)
    return ours, mlp


@pytest.mark.parametrize("name", MLP_ATTRIBUTES)
def test_mlpclassifiers_fitted_attributes(twins, name):
    ours, mlp = twins
    _same_type_and_shape(getattr(ours, name), getattr(mlp, name))
    ATTRIBUTE_CHECKS[name](ours, mlp)


def test_binary_output_differs_from_mlpclassifier_as_documented(digits300):
    X, y = digits300
    clf = tiny().fit(X, y % 2)
    # a softmax over 2 units (MLPClassifier: 1 logistic unit)
    assert clf.n_outputs_ == 2 and clf.out_activation_ == "softmax"
    assert clf.coefs_[-1].shape == (16, 2)


# -- round trips in the middle of training ---------------------------------------


def _continue(clf, X, y, how):
    if how == "warm fit":
        return clf.set_params(warm_start=True).fit(X, y)
    return clf.partial_fit(X, y)


@pytest.mark.parametrize("how", ["warm fit", "partial_fit"])
def test_continuing_after_pickle_equals_continuing_without(digits300, how):
    X, y = digits300
    original = tiny(dropout=0.2).fit(X, y)
    copy = pickle.loads(pickle.dumps(original))
    _continue(original, X, y, how)
    _continue(copy, X, y, how)
    assert_same_arrays(weights(copy), weights(original))
    assert_same_arrays(optimizer_state(copy), optimizer_state(original))
    assert copy.history_ == original.history_ and copy.t_ == original.t_


@pytest.mark.parametrize("how", ["warm fit", "partial_fit"])
def test_continuing_after_save_model_equals_continuing_without(
    digits300, tmp_path, how
):
    X, y = digits300
    original = Pipeline([("scale", PixelScaler()), ("clf", tiny(dropout=0.2))]).fit(
        X, y
    )
    loaded = load_model(save_model(original, tmp_path / "model.skdigits"))
    Xt = original[0].transform(X)
    _continue(original[-1], Xt, y, how)
    _continue(loaded[-1], Xt, y, how)
    assert_same_arrays(weights(loaded[-1]), weights(original[-1]))
    assert_same_arrays(optimizer_state(loaded[-1]), optimizer_state(original[-1]))
    assert loaded[-1].t_ == original[-1].t_


def test_continue_training_a_saved_run_keeps_the_whole_history(digits300, tmp_path):
    X, y = digits300
    images = (X.reshape(-1, 8, 8) * 255).astype(np.uint8)
    run = Pipeline([("scale", PixelScaler()), ("clf", tiny(epochs=3))])
    run.fit(images, y)
    path = save_model(run, tmp_path / "model.skdigits")
    history = {k: list(v) for k, v in run[-1].history_.items()}

    darker = images // 2  # new data whose maximum differs from the first run's
    continued = continue_training(path, darker, y, epochs=2)
    clf = continued[-1]
    assert clf.n_iter_ == 5 and steps(clf) == 50
    for key, values in history.items():
        assert clf.history_[key][:3] == values
        assert len(clf.history_[key]) == 5
    # the fitted scaling is kept, not refitted; the params are restored
    assert continued[0].data_max_ == run[0].data_max_ == 255
    assert clf.epochs == 3 and clf.warm_start is False
    twin = tiny(epochs=3, warm_start=True).fit(run[0].transform(images), y)
    twin.set_params(epochs=2).fit(run[0].transform(darker), y)
    assert_same_arrays(weights(clf), weights(twin))


def test_continue_training_refuses_other_classes_and_keeps_the_model(digits300):
    X, y = digits300
    clf = tiny().fit(X, y)
    before = dict(vars(clf)), weights(clf), optimizer_state(clf)
    with pytest.raises(ValueError, match="classes"):
        continue_training(clf, X, y % 3, epochs=2)
    assert clf.epochs == 2 and clf.warm_start is False
    assert_unchanged(clf, *before)


# -- cheaper searches ------------------------------------------------------------


@pytest.mark.parametrize("resource", ["epochs", "n_samples"])
def test_halving_grid_search_over_the_classifier(digits300, resource):
    X, y = digits300
    kwargs = (
        dict(resource="epochs", min_resources=2, max_resources=4)
        if resource == "epochs"
        else dict(resource="n_samples", min_resources=150)
    )
    search = HalvingGridSearchCV(
        tiny(epochs=6, learning_rate=1e-2),
        {"hidden_layer_sizes": [(4,), (32,)]},
        factor=2,
        cv=2,
        random_state=0,
        **kwargs,
    ).fit(X, y)
    assert search.n_iterations_ == 2
    assert search.n_candidates_ == [2, 1]
    assert search.n_resources_[0] < search.n_resources_[-1]
    assert search.best_estimator_.score(X, y) > 0.6
    if resource == "epochs":
        # the search set epochs (4), not the estimator's own 6
        assert search.best_estimator_.n_iter_ == search.n_resources_[-1] == 4


# -- the benchmark's renderer ----------------------------------------------------


def test_the_benchmark_renderer_shows_every_measured_figure():
    from benchmarks.render.continued_training import render

    warm = [
        dict(
            seed=s,
            warm_accuracy=0.9865,
            single_fit_accuracy=0.9861,
            fresh_accuracy=0.9851,
            warm_seconds=90.0,
            single_fit_seconds=80.0,
        )
        for s in (0, 1)
    ]
    stream = [
        dict(
            seed=s,
            partial_fit_accuracy=0.9775,
            fit_constant_accuracy=0.9807,
            partial_fit_seconds=120.0,
            fit_seconds=40.0,
            fit_constant_seconds=40.0,
        )
        for s in (0, 1)
    ]
    search = dict(
        seconds=100.0,
        time_ratio_to_grid=0.5,
        best_params={"dropout": "0.2"},
        test_accuracy=0.9592,
        n_resources=[3, 9],
        n_candidates=[6, 2],
    )
    record = {
        "result": {
            "data": "mnist.npz",
            "n_train": 60000,
            "n_test": 10000,
            "epochs_per_warm_fit": 8,
            "partial_fit_passes": 8,
            "chunks_per_pass": 10,
            "warm_start": warm,
            "partial_fit": stream,
            "halving": {
                "n_candidates": 6,
                "n_train": 10000,
                "epochs": 9,
                "searches": {"Halving, resource=epochs": search},
            },
        }
    }
    text = render(record)
    for figure in (
        "98.65%",
        "98.61%",
        "98.51%",
        "97.75%",
        "98.07%",
        "+0.04 pp",
        "+0.14 pp",
        "-0.32 pp",
        "6\u00d73 → 2\u00d79",
        "0.50",
        "95.92%",
    ):
        assert figure in text, figure
