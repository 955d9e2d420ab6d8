"""Distorted training batches: skdigits.augmentation and the augment parameter."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError

from skdigits._estimators.augmentation import added_digit_rows, resolve_distortion
from skdigits._keras.elastic import elastic_field_bank
from skdigits.augmentation import (
    DESKEWED_RECIPES,
    RECIPES,
    RandomDistortion,
    distort_images,
    get_recipe,
)
from skdigits.classifier import DenseDigitClassifier
from skdigits.datasets import make_printed_digits


def small(**params) -> DenseDigitClassifier:
    defaults = dict(
        hidden_layer_sizes=(32,),
        batch_size=50,
        epochs=3,
        random_state=0,
        augment="affine+elastic",
    )
    return DenseDigitClassifier(**{**defaults, **params})


def bar_images(n: int = 4, size: int = 28) -> np.ndarray:
    X = np.zeros((n, size, size), dtype=np.float32)
    X[:, size // 4 : 3 * size // 4, size // 2 - 2 : size // 2 + 2] = 1.0
    return X


# -- the distortions themselves ------------------------------------------------


def test_each_distortion_moves_pixels_and_none_is_the_identity():
    X = bar_images()
    identity = RandomDistortion(rotation=0, scale=0, shift=0, elastic_alpha=0)
    np.testing.assert_allclose(
        distort_images(X, identity, random_state=0), X, atol=1e-6
    )
    for preset in ("affine", "elastic", "affine+elastic"):
        out = distort_images(X, preset, random_state=0)
        changed = np.abs(out - X).mean(axis=(1, 2))
        assert (changed > 0.01).all(), preset  # every image, not just some
        # A bar in the middle stays inside the frame: ink is moved (and
        # stretched or squeezed by the elastic field), not lost.
        ratio = out.sum(axis=(1, 2)) / X.sum(axis=(1, 2))
        assert ((ratio > 0.5) & (ratio < 2)).all(), (preset, ratio)
        assert out.min() >= 0 and out.max() <= 1 + 1e-6


def test_elastic_fields_move_pixels_along_both_axes():
    # A vertical bar only gets ink in other columns if pixels move along x,
    # a horizontal one only in other rows if they move along y.
    vertical = bar_images(8)
    horizontal = vertical.transpose(0, 2, 1).copy()
    elastic = RandomDistortion(rotation=0, scale=0, shift=0)
    out_v = distort_images(vertical, elastic, random_state=0)
    out_h = distort_images(horizontal, elastic, random_state=0)
    assert out_v[:, :, vertical[0].sum(axis=0) == 0].sum() > 1.0
    assert out_h[:, horizontal[0].sum(axis=1) == 0, :].sum() > 1.0


def test_pure_shift_moves_the_image_by_that_many_pixels():
    # Only a shift, of up to 3 px: the result is the image moved by a whole
    # or fractional amount, never rotated or scaled; its centre of mass moves
    # by at most 3 px along each axis.
    X = bar_images(16)
    out = distort_images(
        X,
        RandomDistortion(rotation=0, scale=0, shift=3, elastic_alpha=0),
        random_state=1,
    )
    rows, cols = np.mgrid[0:28, 0:28]

    def centre(images):
        mass = images.sum(axis=(1, 2))
        return np.stack(
            [
                (images * rows).sum(axis=(1, 2)) / mass,
                (images * cols).sum(axis=(1, 2)) / mass,
            ],
            axis=1,
        )

    moved = centre(out) - centre(X)
    assert np.abs(moved).max() <= 3.0 + 1e-4
    assert np.abs(moved).max() > 1.0  # it does move
    # the bar keeps its 14 x 4 footprint: total ink unchanged
    np.testing.assert_allclose(out.sum(axis=(1, 2)), 56.0, rtol=1e-4)


def test_elastic_fields_are_smooth_and_their_axes_independent():
    bank = elastic_field_bank(RandomDistortion(), (28, 28), size=200, random_state=0)
    fields = bank.reshape(200, 28, 28)
    # Smooth: neighbouring pixels move almost together.
    neighbour_corr = np.corrcoef(
        fields[:, 14, 10:18].ravel(), fields[:, 14, 11:19].ravel()
    )
    assert neighbour_corr[0, 1] > 0.9
    # Independent fields for x and y (keras's RandomElasticTransform draws
    # both from one seed, which moves every pixel along the diagonal).
    cross = np.corrcoef(fields[0::2].ravel(), fields[1::2].ravel())[0, 1]
    assert abs(cross) < 0.1
    # Simard's alpha=34, sigma=4: displacements of about a pixel or two.
    assert 0.5 < fields[:, 8:20, 8:20].std() < 3.0


def test_distort_images_is_reproducible_and_flat_rows_work():
    X = bar_images(3)
    a = distort_images(X, random_state=0)
    np.testing.assert_array_equal(a, distort_images(X, random_state=0))
    assert not np.allclose(a, distort_images(X, random_state=1))
    flat = distort_images(X.reshape(3, -1), random_state=0)
    np.testing.assert_array_equal(flat.reshape(3, 28, 28), a)


def test_stroke_width_and_blur_reach_distort_images_and_follow_their_strength():
    X = bar_images(16)
    still = dict(rotation=0, scale=0, shift=0, elastic_alpha=0)
    np.testing.assert_allclose(
        distort_images(X, RandomDistortion(**still, stroke_width=0, blur=0)),
        X,
        atol=1e-6,
    )
    # Thicker and thinner: ink per image changes both ways, more for a
    # larger strength (the same seed draws the same uniform numbers).
    ink = X.sum(axis=(1, 2))
    changes = {}
    for strength in (1.0, 2.0):
        out = distort_images(
            X, RandomDistortion(**still, stroke_width=strength), random_state=0
        )
        changes[strength] = out.sum(axis=(1, 2)) / ink - 1
    assert (changes[2.0] > 0.1).any() and (changes[2.0] < -0.1).any()
    np.testing.assert_allclose(changes[2.0], 2 * changes[1.0], rtol=1e-4, atol=1e-6)
    # Blur: sharp edges soften, the more so the larger the strength.
    edge = {}
    for strength in (0.5, 2.0):
        out = distort_images(
            X, RandomDistortion(**still, blur=strength), random_state=0
        )
        edge[strength] = np.abs(np.diff(out, axis=2)).max(axis=(1, 2))
        assert out.max() <= 1 + 1e-6
    # The same draws, scaled: sigma 4 times wider for every image, so no edge
    # is sharper and most are much softer (a sigma near 0 leaves one sharp).
    assert (edge[2.0] <= edge[0.5] + 1e-6).all()
    assert (edge[2.0] < 0.6).mean() > 0.5 and (edge[0.5] < 0.6).mean() < 0.2


@pytest.mark.parametrize("name", ["stroke_width", "blur"])
def test_new_strengths_are_validated(name):
    with pytest.raises(InvalidParameterError, match=name):
        resolve_distortion(RandomDistortion(**{name: -1}), 784)


@pytest.mark.parametrize("pair", [(1.0,), (1.0, -2.0), ("a", 1.0)])
def test_a_bad_stroke_width_pair_names_the_problem(pair):
    with pytest.raises(
        ValueError, match=r"stroke_width must be .* \(thinner, thicker\)"
    ):
        resolve_distortion(RandomDistortion(stroke_width=pair), 784)


def test_stroke_width_and_blur_are_searchable(digits300):
    X, y = digits300
    search = GridSearchCV(
        small(augment=RandomDistortion(elastic_alpha=0), epochs=1),
        {"augment__stroke_width": [0.0, 2.0], "augment__blur": [0.0, 1.0]},
        cv=2,
    ).fit(X, y)
    grid = [
        (p["augment__stroke_width"], p["augment__blur"])
        for p in search.cv_results_["params"]
    ]
    assert sorted(grid) == [(0.0, 0.0), (0.0, 1.0), (2.0, 0.0), (2.0, 1.0)]
    assert search.best_estimator_.augment.stroke_width in (0.0, 2.0)


# -- the parameter ---------------------------------------------------------------


def test_nested_strengths_are_searchable_parameters(digits300):
    clf = DenseDigitClassifier(augment=RandomDistortion())
    params = clf.get_params(deep=True)
    assert params["augment__rotation"] == 10.0
    clf.set_params(augment__rotation=5, augment__elastic_alpha=20)
    assert clf.augment.rotation == 5 and clf.augment.elastic_alpha == 20
    copy = clone(clf)
    assert copy.augment is not clf.augment and copy.augment.rotation == 5
    X, y = digits300
    search = GridSearchCV(
        small(augment=RandomDistortion(scale=0, shift=0, elastic_alpha=0), epochs=1),
        {"augment__rotation": [0.0, 15.0]},
        cv=2,
    ).fit(X, y)
    assert [p["augment__rotation"] for p in search.cv_results_["params"]] == [0.0, 15.0]


def test_predict_proba_is_the_keras_network_on_undistorted_input(
    digits300, assert_within_float32_rounding
):
    keras = pytest.importorskip("keras")
    X, y = digits300
    clf = small().fit(X, y)
    # The kept network has no distortion layer (a saved model needs no custom code).
    assert [layer.name for layer in clf.model_.layers] == [
        "input_dropout",
        "hidden_1",
        "probabilities",
    ]
    expected = keras.ops.convert_to_numpy(clf.model_(X, training=False))
    assert_within_float32_rounding(clf.predict_proba(X), expected, X, model=clf)


def test_saved_augmented_model_loads_and_predicts(digits300, tmp_path):
    from skdigits.persistence import load_model, save_model

    X, y = digits300
    clf = small(augment=RandomDistortion(rotation=5), epochs=1).fit(X, y)
    loaded = load_model(save_model(clf, tmp_path / "m.skdigits"))
    assert isinstance(loaded.augment, RandomDistortion)
    assert loaded.augment.get_params() == RandomDistortion(rotation=5).get_params()
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), atol=1e-6)


def test_continued_training_keeps_distorting_and_the_optimizer_state(digits300):
    X, y = digits300
    identity = RandomDistortion(rotation=0, scale=0, shift=0, elastic_alpha=0)
    # Through a distortion that moves nothing, a warm fit continues exactly as
    # the plain network would (same optimizer state, same steps) ...
    plain = small(augment=None, warm_start=True).fit(X, y).fit(X, y)
    wired = small(augment=identity, warm_start=True).fit(X, y).fit(X, y)
    np.testing.assert_allclose(
        wired.history_["loss"], plain.history_["loss"], rtol=1e-5
    )
    assert wired.n_iter_ == 2 * wired.epochs
    # ... so a different second-fit loss can only come from distorted batches,
    # and the kept network is still the plain one.
    distorted = small(augment="affine", warm_start=True).fit(X, y)
    first = list(distorted.history_["loss"])
    distorted.fit(X, y)
    assert distorted.history_["loss"][: len(first)] == first
    second = np.array(distorted.history_["loss"][len(first) :])
    assert np.abs(second - np.array(plain.history_["loss"][len(first) :])).max() > 0.05
    assert "augmented_training" not in [layer.name for layer in distorted.model_.layers]
    assert distorted.model_.optimizer.iterations.numpy() > 0


def test_distortions_change_the_training_batches(digits300):
    X, y = digits300
    plain = small(augment=None).fit(X, y).history_["loss"]
    identity = RandomDistortion(rotation=0, scale=0, shift=0, elastic_alpha=0)
    # The wiring alone (a distortion that moves nothing) trains exactly as without:
    np.testing.assert_allclose(
        small(augment=identity).fit(X, y).history_["loss"], plain, rtol=1e-5
    )
    # so a different training loss can only come from distorted batches.
    for preset in ("affine", "elastic"):
        distorted = small(augment=preset).fit(X, y).history_["loss"]
        assert np.abs(np.array(distorted) - plain).max() > 0.05, preset


def test_augmented_fits_are_reproducible_under_random_state(digits300):
    X, y = digits300
    a, b, c = small(), small(), small(random_state=1)
    for clf in (a, b, c):
        clf.fit(X, y)
    assert a.history_["loss"] == b.history_["loss"]
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert a.history_["loss"] != c.history_["loss"]


@pytest.mark.parametrize(
    "augment, X_shape, message",
    [
        ("affine", (300, 10), "not a square image"),
        (RandomDistortion(image_shape=(4, 4)), (300, 64), "needs 16 pixels"),
        (RandomDistortion(image_shape=(8, 0)), (300, 64), "two positive integers"),
        (RandomDistortion(rotation=-1), (300, 64), "rotation"),
        (RandomDistortion(printed_digits=-0.1), (300, 64), "printed_digits"),
        (RandomDistortion(printed_digits=0.1), (300, 64), "renders 28x28 digits"),
    ],
)
def test_bad_augment_raises_before_training_and_keeps_fitted_state(
    digits300, monkeypatch, augment, X_shape, message
):
    import skdigits._keras.trainer as compat

    X, y = digits300
    clf = small(augment=None, epochs=1).fit(X, y)
    before_proba = clf.predict_proba(X)
    before = dict(vars(clf))
    model_before = clf.model_

    def no_training(*args, **kwargs):  # pragma: no cover - must not run
        raise AssertionError("training started")

    monkeypatch.setattr(compat, "fit_keras_network", no_training)
    clf.set_params(augment=augment)
    X_bad = np.resize(X, X_shape)
    with pytest.raises((ValueError, InvalidParameterError), match=message):
        clf.fit(X_bad, y)
    assert vars(clf).keys() == before.keys()
    assert clf.model_ is model_before and clf.n_features_in_ == 64
    np.testing.assert_array_equal(clf.predict_proba(X), before_proba)


def test_non_square_features_error_says_how_to_fix_it():
    with pytest.raises(ValueError) as info:
        resolve_distortion("affine", 10)
    text = str(info.value)
    assert "10 features" in text and "image_shape=" in text and "augment=None" in text


def test_explicit_image_shape_and_image_stacks_are_accepted(digits300):
    X, y = digits300
    assert resolve_distortion("affine", 64, (4, 16))[1] == (4, 16)  # 3-D input
    assert resolve_distortion(RandomDistortion(image_shape=(4, 16)), 64)[1] == (4, 16)
    clf = small(augment=RandomDistortion(image_shape=(4, 16)), epochs=1)
    clf.fit(X, y)  # 64 features as 4 x 16 images
    stacked = small(epochs=1).fit(X.reshape(-1, 8, 8), y)
    assert stacked.image_shape_ == (8, 8)


# -- printed digits added to the training data ---------------------------------


def test_printed_digit_rows_follow_the_share_the_classes_and_the_scale():
    def rows_of(**scale):
        return added_digit_rows(
            RandomDistortion(printed_digits=0.25),
            ["2", "5", "9"],
            50,
            (28, 28),
            random_state=0,
            **scale,
        )

    rows, index = rows_of(scale=255.0)
    # round(0.25 * 50) = 12 images, the three classes in turn.
    assert rows.shape == (12, 784) and rows.dtype == np.float32
    np.testing.assert_array_equal(index, np.arange(12) % 3)
    assert rows.max() == 255.0 and rows.min() == 0.0
    # The default scale is 1: the same images, divided by 255 (one float32
    # rounding of the product each way).
    np.testing.assert_allclose(rows_of()[0] * 255, rows, rtol=1e-6)
    # Labels that name digits in other types.
    for classes in ([np.int64(4), np.int64(9)], [4.0, 9.0]):
        _, index = added_digit_rows(
            RandomDistortion(printed_digits=1), classes, 4, (28, 28), random_state=0
        )
        np.testing.assert_array_equal(index, [0, 1, 0, 1])


@pytest.mark.parametrize("classes", [["a", "b"], [3, 10], ["12"], [True, False]])
def test_printed_digits_need_digit_classes(classes):
    with pytest.raises(ValueError, match="every class must be a digit 0-9"):
        added_digit_rows(RandomDistortion(printed_digits=0.1), classes, 10, (28, 28))


def test_printed_digits_teach_what_the_images_do_not(monkeypatch):
    # Images with no information (noise) and balanced labels: alone, they
    # teach nothing (chance on printed digits); with as many printed digits
    # added, the same fit reads printed digits it never saw (another seed).
    rng = np.random.default_rng(0)
    X = rng.integers(0, 40, size=(500, 28, 28)).astype(np.uint8)
    y = np.arange(500) % 10
    X_printed, y_printed = make_printed_digits(200, random_state=123)

    def fit(share):
        augment = RandomDistortion(
            rotation=0, scale=0, shift=0, elastic_alpha=0, printed_digits=share
        )
        return small(
            hidden_layer_sizes=(64,), augment=augment, epochs=15, batch_size=100
        ).fit(X, y)

    assert fit(0.0).score(X_printed, y_printed) < 0.4
    with_printed = fit(1.0)  # 99.5 % when written: the margin is wide
    assert with_printed.score(X_printed, y_printed) > 0.8
    # Fitted on the 500 images given: the added ones are training data only.
    assert with_printed.n_features_in_ == 784
    np.testing.assert_array_equal(with_printed.classes_, np.arange(10))


def test_printed_digits_join_the_training_data_weighted_as_their_class(
    monkeypatch,
):
    # What reaches the trainer: 10 % more rows, at the images' ink scale,
    # one-hot for their digit, each weighing its class's mean weight; the
    # early-stopping hold-out is the user's images only.
    import skdigits._keras.trainer as trainer

    seen = {}

    class Stop(Exception):
        pass

    def capture(network, data, params, distortion, incremental):
        seen.update(data._asdict())
        raise Stop

    monkeypatch.setattr(trainer, "train_network", capture)
    rng = np.random.default_rng(0)
    X = rng.integers(0, 100, size=(200, 28, 28)).astype(np.uint8)  # ink 0-99
    y = np.arange(200) % 10
    weights = (y + 1).astype(float)  # class k weighs k + 1
    clf = small(
        augment=RandomDistortion(printed_digits=0.1),
        early_stopping=True,
        validation_fraction=0.2,
    )
    with pytest.raises(Stop):
        clf.fit(X, y, sample_weight=weights)
    X_val, _ = seen["validation_data"]
    assert len(X_val) == 40 and len(seen["X"]) == 160 + 16  # 10 % of the 160
    added_X, added_Y = seen["X"][160:], seen["Y"][160:]
    assert added_X.max() == seen["X"][:160].max() and added_X.min() == 0
    digits = added_Y.argmax(axis=1)
    np.testing.assert_array_equal(np.bincount(digits, minlength=10), [2] * 6 + [1] * 4)
    np.testing.assert_allclose(seen["sample_weight"][160:], digits + 1.0)
    assert not hasattr(clf, "classes_")  # the failed fit left nothing behind


def test_printed_digits_with_other_labels_raise_before_training(monkeypatch):
    import skdigits._keras.trainer as compat

    def no_training(*args, **kwargs):  # pragma: no cover - must not run
        raise AssertionError("training started")

    monkeypatch.setattr(compat, "fit_keras_network", no_training)
    X = np.zeros((20, 28, 28), dtype=np.uint8)
    clf = small(augment=RandomDistortion(printed_digits=0.1))
    with pytest.raises(ValueError, match=r"got classes \['even', 'odd'\]"):
        clf.fit(X, np.where(np.arange(20) % 2, "odd", "even"))
    assert not hasattr(clf, "classes_")


def test_unknown_preset_is_a_parameter_error(digits300):
    X, y = digits300
    with pytest.raises(InvalidParameterError, match="augment"):
        small(augment="rotate").fit(X, y)


def test_recipes_are_valid_classifier_parameters():
    for name, params in RECIPES.items():
        clf = DenseDigitClassifier(**params)
        clf._validate_params()
        assert clf.augment is not None, name


def test_deskewed_recipes_are_recipes():
    # A name here that is not a recipe would silently deskew nothing.
    assert DESKEWED_RECIPES <= set(RECIPES)
    assert isinstance(DESKEWED_RECIPES, frozenset)  # not changed at run time


def test_get_recipe_returns_a_copy_and_names_the_recipes():
    params = get_recipe("mnist-5min")
    assert params == RECIPES["mnist-5min"]
    params["epochs"] = 1
    assert RECIPES["mnist-5min"]["epochs"] == 60  # the table is not changed
    robust = get_recipe("robust")["augment"]
    robust.set_params(blur=0.0)  # a copy of the recipe's distortion
    assert RECIPES["robust"]["augment"].blur == 1.5
    with pytest.raises(ValueError, match=r"'mnist-1min'.*mnist-5min, mnist-15min"):
        get_recipe("mnist-1min")


# -- full MNIST ----------------------------------------------------------------


@pytest.mark.mnist
def test_full_mnist_augmented_fit_beats_plain_fit_of_same_length(mnist_path):
    from skdigits.datasets import fetch_mnist

    X_train, y_train, X_test, y_test = fetch_mnist(
        mnist_path, download_if_missing=False, return_X_y=True
    )
    # 10,000 training images, 20 epochs each: the plain network overfits
    # them, the distorted one keeps learning.
    X_train = X_train[:10_000].astype(np.float32) / 255
    X_test = X_test.astype(np.float32) / 255
    scores = {}
    for augment in (None, "affine+elastic"):
        clf = DenseDigitClassifier(epochs=20, augment=augment, random_state=0)
        clf.fit(X_train, y_train[:10_000])
        scores[augment] = clf.score(X_test, y_test)
    assert scores["affine+elastic"] > scores[None] + 0.005, scores


# -- the benchmark question -------------------------------------------------------


def test_benchmark_section_renders_the_stored_result_and_targets_resolve(tmp_path):
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

    from benchmarks.common import REPO, load_result
    from benchmarks.render.augmentation import plot, render

    record = load_result("augmentation")
    if record is None:  # pragma: no cover - the result is committed
        pytest.skip("benchmarks/results/augmentation.json not stored")
    text = render(record)
    for row in ("mnist-5min", "mnist-15min", "affine+elastic, no XLA", "keras"):
        assert row in text
    assert plot(record, tmp_path / "figure.png").stat().st_size > 10_000
    # Every target of the question points at a number in the stored result.
    targets = tomllib.loads((REPO / "benchmarks" / "targets.toml").read_text())
    for name, target in targets["augmentation"].items():
        keys = target["measured"]
        value = record["result"]
        for key in keys.split(".") if isinstance(keys, str) else keys:
            value = value[key]
        # a number (a count, such as the seeds that reached a level, is an int)
        assert isinstance(value, (int, float)) and not isinstance(value, bool), name
