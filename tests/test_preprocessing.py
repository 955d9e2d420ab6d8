"""Tests for skdigits.preprocessing.PixelScaler."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.neighbors import NearestCentroid
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from skdigits.datasets import load_mnist_sample
from skdigits.preprocessing import PixelScaler

FITTED_ATTRIBUTES = (
    "data_max_",
    "max_value_",
    "scale_",
    "image_shape_",
    "n_features_in_",
)


@pytest.fixture
def images() -> np.ndarray:
    """Five 28x28 uint8 images whose brightest pixel is 200."""
    rng = np.random.default_rng(0)
    X = rng.integers(0, 180, size=(5, 28, 28), dtype=np.uint8)
    X[2, 14, 9] = 200
    return X


# -- numbers ---------------------------------------------------------------------


def test_matches_global_max_scaling(images):
    X = images.reshape(len(images), -1)
    Xt = PixelScaler().fit_transform(X)
    expected = X.astype(float) / np.max(X)  # the notebook's scaling
    assert Xt.dtype == np.float32
    assert Xt.shape == (5, 784)
    assert_allclose(Xt, expected, rtol=1e-6, atol=0)
    assert Xt.max() == 1.0  # exactly: the division is done in float32
    assert Xt.min() == 0.0


def test_one_factor_for_all_pixels_unlike_minmaxscaler(images):
    # A faint border pixel must stay faint: per-pixel scaling would make it 1.
    X = images.reshape(len(images), -1).copy()
    X[:, 0] = [0, 0, 1, 0, 0]
    Xt = PixelScaler().fit_transform(X)
    assert_allclose(Xt[2, 0], 1 / 200)


def test_fitted_attributes(images):
    scaler = PixelScaler().fit(images)
    assert scaler.data_max_ == 200.0
    assert scaler.max_value_ == 200.0
    assert scaler.scale_ == pytest.approx(1 / 200)
    assert scaler.image_shape_ == (28, 28)
    assert scaler.n_features_in_ == 784
    assert isinstance(scaler.data_max_, float)


def test_fixed_max_value(images):
    scaler = PixelScaler(max_value=255).fit(images)
    assert scaler.data_max_ == 200.0
    assert scaler.max_value_ == 255.0
    assert scaler.scale_ == pytest.approx(1 / 255)
    assert_allclose(
        scaler.transform(images), images.reshape(5, -1) / 255, rtol=1e-6, atol=0
    )
    # With a fixed maximum, even all-black images can be fitted.
    black = np.zeros((2, 28, 28), dtype=np.uint8)
    assert_array_equal(PixelScaler(max_value=255).fit_transform(black), 0)


def test_values_above_the_fitted_max_are_clipped_by_default(images):
    scaler = PixelScaler().fit(images)  # max 200
    bright = np.full((1, 28, 28), 250, dtype=np.uint8)
    assert_array_equal(scaler.transform(bright), 1.0)
    scaler.set_params(clip=False)
    assert_allclose(scaler.transform(bright), 1.25)


def test_float_and_bool_input():
    X = np.array([[0.0, 0.5], [2.0, 1.0]])
    assert_allclose(PixelScaler().fit_transform(X), X / 2)
    B = np.array([[True, False, False, True]])
    assert_array_equal(PixelScaler().fit_transform(B), [[1, 0, 0, 1]])


# -- layouts -----------------------------------------------------------------------


def test_images_and_flat_input_give_the_same_result(images):
    flat = images.reshape(5, -1)
    from_images = PixelScaler().fit(images)
    from_flat = PixelScaler().fit(flat)
    assert from_flat.image_shape_ == (28, 28)  # 784 is 28**2
    for scaler in (from_images, from_flat):
        assert_array_equal(scaler.transform(images), scaler.transform(flat))
    assert_array_equal(from_images.transform(flat), from_flat.transform(flat))


def test_images_output(images):
    scaler = PixelScaler(output="images").fit(images)
    Xt = scaler.transform(images.reshape(5, -1))
    assert Xt.shape == (5, 28, 28)
    assert_allclose(Xt, images / 200, rtol=1e-6, atol=0)
    # output is not learned: it can be switched after fit.
    assert scaler.set_params(output="flat").transform(images).shape == (5, 784)


@pytest.mark.parametrize(
    ("n_features", "image_shape", "first_name", "last_name"),
    [
        (784, (28, 28), "pixel_r00_c00", "pixel_r27_c27"),
        (64, (8, 8), "pixel_r00_c00", "pixel_r07_c07"),
        (1, (1, 1), "pixel_r00_c00", "pixel_r00_c00"),
        (10, (10,), "pixel_00", "pixel_09"),
        (150, (150,), "pixel_000", "pixel_149"),
    ],
)
def test_image_shape_of_flat_input(n_features, image_shape, first_name, last_name):
    X = np.arange(2 * n_features).reshape(2, n_features) + 1
    scaler = PixelScaler(output="images").fit(X)
    assert scaler.image_shape_ == image_shape
    assert scaler.transform(X).shape == (2, *image_shape)
    names = scaler.get_feature_names_out()
    assert (names[0], names[-1]) == (first_name, last_name)
    assert len(names) == n_features


def test_rectangular_images():
    X = np.ones((3, 4, 6))
    scaler = PixelScaler().fit(X)
    assert scaler.image_shape_ == (4, 6)
    assert scaler.n_features_in_ == 24
    assert scaler.get_feature_names_out()[6 + 5] == "pixel_r01_c05"


# -- inverse_transform -------------------------------------------------------------


@pytest.mark.parametrize("max_value", [None, 255])
def test_inverse_transform_round_trip(images, max_value):
    scaler = PixelScaler(max_value=max_value).fit(images)
    flat = scaler.transform(images)
    back = scaler.inverse_transform(flat)
    assert back.shape == (5, 784)
    assert back.dtype == np.float32
    assert_allclose(back, images.reshape(5, -1), atol=1e-4)
    assert_array_equal(np.rint(back).astype(np.uint8), images.reshape(5, -1))
    # Image layout in, image layout out.
    back_images = scaler.inverse_transform(flat.reshape(5, 28, 28))
    assert back_images.shape == (5, 28, 28)
    assert_array_equal(np.rint(back_images).astype(np.uint8), images)


# -- feature names and pandas ------------------------------------------------------


def test_feature_names_say_row_and_column(images):
    names = PixelScaler().fit(images).get_feature_names_out()
    assert names.dtype == object
    assert names.shape == (784,)
    assert names[3 * 28 + 17] == "pixel_r03_c17"
    assert len(set(names)) == 784


def test_feature_names_before_fit_raise():
    with pytest.raises(NotFittedError):
        PixelScaler().get_feature_names_out()


def test_pandas_output(images):
    pd = pytest.importorskip("pandas")
    scaler = PixelScaler().set_output(transform="pandas")
    out = scaler.fit_transform(images)
    assert isinstance(out, pd.DataFrame)
    assert out.shape == (5, 784)
    assert out.columns[3 * 28 + 17] == "pixel_r03_c17"
    assert_allclose(out.to_numpy(), images.reshape(5, -1) / 200, rtol=1e-6, atol=0)


def test_dataframe_input_keeps_its_column_names(images):
    pd = pytest.importorskip("pandas")
    columns = [f"px{i}" for i in range(784)]
    df = pd.DataFrame(images.reshape(5, -1), columns=columns, index=list("abcde"))
    scaler = PixelScaler().set_output(transform="pandas").fit(df)
    assert_array_equal(scaler.feature_names_in_, columns)
    assert_array_equal(scaler.get_feature_names_out(), columns)
    out = scaler.transform(df)
    assert list(out.index) == list("abcde")
    assert list(out.columns) == columns
    with pytest.raises(ValueError, match="input_features is not equal"):
        scaler.get_feature_names_out([f"other{i}" for i in range(784)])


def test_images_output_cannot_be_a_dataframe(images):
    pytest.importorskip("pandas")
    scaler = PixelScaler(output="images").set_output(transform="pandas").fit(images)
    with pytest.raises(ValueError, match=r'output="images" gives 3-D arrays'):
        scaler.transform(images)


# -- in a pipeline -----------------------------------------------------------------


# Border pixels are 0 in every image of a class; harmless here.
@pytest.mark.filterwarnings("ignore:self.within_class_std_dev_:UserWarning")
def test_first_step_of_a_pipeline_on_real_digits():
    X_train, y_train, X_test, y_test = load_mnist_sample(return_X_y=True)
    pipe = Pipeline([("scale", PixelScaler()), ("clf", NearestCentroid())])
    # Images go in as they are: the scaler flattens them for the classifier.
    pipe.fit(X_train[:2000], y_train[:2000])
    assert pipe.score(X_test, y_test) > 0.75  # nearest centroid gets ~0.8
    assert pipe.named_steps["scale"].image_shape_ == (28, 28)


def test_pickle_round_trip(images):
    scaler = PixelScaler().fit(images)
    again = pickle.loads(pickle.dumps(scaler))
    assert_array_equal(again.transform(images), scaler.transform(images))


# -- bad input -------------------------------------------------------------------

# (case, X builder, expected exception, message regex, methods that must reject)
FIT = ("fit",)
ALL = ("fit", "transform", "inverse_transform")
USE = ("transform", "inverse_transform")
BAD_INPUT = [
    (
        "negative pixel",
        lambda: np.full((2, 28, 28), -1.0),
        ValueError,
        "Negative values.*must be >= 0",
        ("fit", "transform"),
    ),
    ("NaN", lambda: np.full((2, 784), np.nan), ValueError, "contains NaN", ALL),
    ("inf", lambda: np.full((2, 784), np.inf), ValueError, "contains infinity", ALL),
    (
        "maximum of 0",
        lambda: np.zeros((2, 28, 28), dtype=np.uint8),
        ValueError,
        "maximum pixel value of X is 0.*max_value=255",
        FIT,
    ),
    (
        "sparse matrix",
        lambda: sp.csr_matrix(np.ones((2, 784))),
        TypeError,
        "Sparse data was passed",
        ALL,
    ),
    ("1-D", lambda: np.ones(784), ValueError, "Expected 2D array, got 1D", ALL),
    ("0-D", lambda: np.float64(3), ValueError, "got scalar array", ALL),
    ("4-D", lambda: np.ones((2, 28, 28, 1)), ValueError, "got 4 dimensions", ALL),
    ("no samples", lambda: np.ones((0, 784)), ValueError, "0 sample", ALL),
    (
        "no samples, images",
        lambda: np.ones((0, 28, 28)),
        ValueError,
        "0 sample",
        ALL,
    ),
    ("no pixels", lambda: np.ones((2, 0)), ValueError, "0 feature", ALL),
    (
        "no pixels, images",
        lambda: np.ones((2, 0, 28)),
        ValueError,
        "empty images",
        ALL,
    ),
    (
        "object strings",
        lambda: np.array([["a"] * 784] * 2, dtype=object),
        ValueError,
        "X must contain only numbers.*'a'",
        ALL,
    ),
    (
        "object dict",
        lambda: np.array([[{"a": 1}] * 784] * 2, dtype=object),
        TypeError,
        "X must contain only numbers",
        ALL,
    ),
    (
        "unicode strings",
        lambda: np.full((2, 784), "7"),
        ValueError,
        "not compatible with arrays of bytes/strings",
        ALL,
    ),
    (
        "complex",
        lambda: np.ones((2, 784), dtype=complex),
        ValueError,
        "Complex data not supported",
        ALL,
    ),
    (
        "other image size",
        lambda: np.ones((2, 20, 20)),
        ValueError,
        r"images of shape \(20, 20\).*fitted on images of shape \(28, 28\)",
        USE,
    ),
    (
        "same pixel count, other shape",
        lambda: np.ones((2, 16, 49)),
        ValueError,
        r"images of shape \(16, 49\)",
        USE,
    ),
    (
        "other number of features",
        lambda: np.ones((2, 400)),
        ValueError,
        "X has 400 features, but PixelScaler is expecting 784",
        USE,
    ),
]


def _state(scaler: PixelScaler) -> dict:
    return copy.deepcopy(vars(scaler))


@pytest.mark.parametrize(
    ("make_X", "error", "match", "methods"),
    [case[1:] for case in BAD_INPUT],
    ids=[case[0] for case in BAD_INPUT],
)
def test_bad_input_is_rejected_and_changes_nothing(
    images, make_X, error, match, methods
):
    fitted = PixelScaler().fit(images)
    state = _state(fitted)
    expected = fitted.transform(images)
    for method in methods:
        with pytest.raises(error, match=match):
            getattr(fitted, method)(make_X())
        assert _state(fitted) == state, f"{method} changed the fitted scaler"
        assert_array_equal(fitted.transform(images), expected)

    if "fit" in methods:
        fresh = PixelScaler()
        with pytest.raises(error, match=match):
            fresh.fit(make_X())
        with pytest.raises(NotFittedError):
            check_is_fitted(fresh)
        assert not any(hasattr(fresh, name) for name in FITTED_ATTRIBUTES)


def test_the_bad_input_table_covers_every_method():
    # Guard against a case silently checking nothing.
    assert all(case[4] for case in BAD_INPUT)
    assert {m for case in BAD_INPUT for m in case[4]} == set(ALL)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"max_value": 0}, "'max_value' parameter"),
        ({"max_value": -255}, "'max_value' parameter"),
        ({"output": "rgb"}, "'output' parameter"),
        ({"clip": "yes"}, "'clip' parameter"),
    ],
)
def test_invalid_parameters(images, params, match):
    fitted = PixelScaler().fit(images)
    state = _state(fitted)
    with pytest.raises(ValueError, match=match):
        clone(fitted).set_params(**params).fit(images)
    with pytest.raises(ValueError, match=match):
        fitted.set_params(**params).fit(images)
    fitted.set_params(**{key: state[key] for key in params})
    assert _state(fitted) == state


def test_transform_before_fit_raises(images):
    with pytest.raises(NotFittedError):
        PixelScaler().transform(images)
