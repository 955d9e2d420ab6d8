"""ONNX export: skl2onnx converters for PixelScaler and DenseDigitClassifier."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.pipeline import Pipeline

pytest.importorskip("skl2onnx", reason="ONNX export needs the [onnx] extra")
ort = pytest.importorskip("onnxruntime", reason="ONNX export needs the [onnx] extra")

from skl2onnx import to_onnx  # noqa: E402

from skdigits._estimators.persistence import register_onnx_converters  # noqa: E402
from skdigits.classifier import DenseDigitClassifier  # noqa: E402
from skdigits.datasets import fetch_mnist  # noqa: E402
from skdigits.persistence import (  # noqa: E402
    export_onnx,
    save_model,
)
from skdigits.preprocessing import PixelScaler  # noqa: E402

register_onnx_converters()
NO_ZIPMAP = {DenseDigitClassifier: {"zipmap": False}}


def _run(onx, X):
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {session.get_inputs()[0].name: X})


def _assert_matches(check, model, onx, X, X_onnx=None):
    """ONNX Runtime's labels and probabilities are the model's, to float32
    rounding: ONNX Runtime sums the products in another order, and scales the
    pixels with its own float32 ops (up to 2 roundings of the input apart)."""
    labels, proba = _run(onx, X if X_onnx is None else X_onnx)
    _, clear = check(proba, model.predict_proba(X), X, model=model, input_rounding=2)
    # Labels agree wherever rounding cannot swap the top two.
    np.testing.assert_array_equal(labels[clear], model.predict(X)[clear])


@pytest.fixture(scope="module")
def mnist_pipeline(sample):
    X_train, y_train = sample.X_train, sample.y_train
    clf = DenseDigitClassifier(hidden_layer_sizes=(64, 32), epochs=2, random_state=0)
    return Pipeline([("scale", PixelScaler()), ("clf", clf)]).fit(X_train, y_train)


def test_pipeline_converts_and_matches_on_the_sample_test_set(
    mnist_pipeline, sample, assert_within_float32_rounding
):
    X_test = sample.X_test
    X_flat = X_test.reshape(len(X_test), -1)
    onx = to_onnx(mnist_pipeline, X_flat[:1], options=NO_ZIPMAP)
    _assert_matches(assert_within_float32_rounding, mnist_pipeline, onx, X_flat)
    # images (n, 28, 28) as input too
    onx_images = to_onnx(mnist_pipeline, X_test[:1], options=NO_ZIPMAP)
    _assert_matches(assert_within_float32_rounding, mnist_pipeline, onx_images, X_test)


@pytest.mark.mnist
def test_pipeline_matches_on_the_full_mnist_test_set(
    mnist_pipeline, mnist_path, assert_within_float32_rounding
):
    _, _, X_test, _ = fetch_mnist(
        mnist_path, download_if_missing=False, return_X_y=True
    )
    onx = to_onnx(mnist_pipeline, X_test[:1], options=NO_ZIPMAP)
    _assert_matches(assert_within_float32_rounding, mnist_pipeline, onx, X_test)


def test_default_zipmap_output_gives_probabilities_by_label(
    mnist_pipeline, sample, assert_within_float32_rounding
):
    X_test = sample.X_test
    onx = to_onnx(mnist_pipeline, X_test[:1])
    labels, proba = _run(onx, X_test[:3])
    assert sorted(proba[0]) == list(range(10))
    by_label = [[row[k] for k in range(10)] for row in proba]
    _, clear = assert_within_float32_rounding(
        by_label,
        mnist_pipeline.predict_proba(X_test[:3]),
        X_test[:3],
        model=mnist_pipeline,
        input_rounding=2,
    )
    np.testing.assert_array_equal(
        labels[clear], mnist_pipeline.predict(X_test[:3])[clear]
    )


@pytest.mark.parametrize(
    "activation", ["relu", "tanh", "sigmoid", "elu", "selu", "swish", "linear"]
)
def test_classifier_alone_every_activation_and_string_labels(
    digits300, activation, assert_within_float32_rounding
):
    X, y = digits300
    names = np.array(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    )
    clf = DenseDigitClassifier(
        hidden_layer_sizes=(8, 8), activation=activation, epochs=2, random_state=0
    ).fit(X, names[y])
    onx = to_onnx(clf, X[:1], options=NO_ZIPMAP)
    _assert_matches(assert_within_float32_rounding, clf, onx, X)


def test_scaler_options_max_value_clip_and_images_output(
    sample, assert_within_float32_rounding
):
    X_train, y_train, X_test = sample.X_train, sample.y_train, sample.X_test
    X_train, y_train, X_test = X_train[:500], y_train[:500], X_test[:200]
    for scaler in (
        PixelScaler(max_value=200, output="images"),  # clips pixels over 200
        PixelScaler(max_value=200, clip=False),
    ):
        clf = DenseDigitClassifier(hidden_layer_sizes=(8,), epochs=1, random_state=0)
        model = Pipeline([("scale", scaler), ("clf", clf)]).fit(X_train, y_train)
        onx = to_onnx(model, X_test[:1], options=NO_ZIPMAP)
        _assert_matches(assert_within_float32_rounding, model, onx, X_test)


def test_export_onnx_from_a_file_never_starts_tensorflow(
    mnist_pipeline, sample, tmp_path, fresh_python, assert_within_float32_rounding
):
    X_test = sample.X_test
    path = save_model(mnist_pipeline, tmp_path / "m.skdigits", include_optimizer=False)
    code = (
        "import sys; from skdigits.persistence import export_onnx; "
        f"export_onnx({str(path)!r}, {str(tmp_path / 'm.onnx')!r}); "
        "print('tensorflow' in sys.modules)"
    )
    assert fresh_python(code) == "False"
    session = ort.InferenceSession(
        tmp_path / "m.onnx", providers=["CPUExecutionProvider"]
    )
    assert [i.name for i in session.get_inputs()] == ["pixels"]
    labels, proba = session.run(
        None, {"pixels": X_test.reshape(len(X_test), -1).astype(np.float32)}
    )
    _, clear = assert_within_float32_rounding(
        proba,
        mnist_pipeline.predict_proba(X_test),
        X_test,
        model=mnist_pipeline,
        input_rounding=2,
    )
    np.testing.assert_array_equal(labels[clear], mnist_pipeline.predict(X_test)[clear])
    # and from the estimator itself
    again = export_onnx(mnist_pipeline, tmp_path / "again.onnx")
    assert again.read_bytes() == (tmp_path / "m.onnx").read_bytes()
