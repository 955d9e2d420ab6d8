"""NumPy-only prediction from a saved model (skdigits.inference)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sklearn.pipeline import Pipeline

from skdigits._prediction.model import ModelFormatError
from skdigits._prediction.predict import predict_digits
from skdigits._prediction.reading import load_image
from skdigits.classifier import DenseDigitClassifier
from skdigits.image_io import read_digits
from skdigits.inference import InferenceModel, load_inference_model, predict_digit
from skdigits.persistence import load_model, save_model
from skdigits.preprocessing import PixelScaler


@pytest.fixture(scope="module")
def pipeline(sample):
    X_train, y_train = sample.X_train, sample.y_train
    clf = DenseDigitClassifier(hidden_layer_sizes=(32, 16), epochs=2, random_state=0)
    return Pipeline([("scale", PixelScaler()), ("clf", clf)]).fit(
        X_train[:3000], y_train[:3000]
    )


@pytest.fixture(scope="module", params=[True, False], ids=["full", "inference-only"])
def saved(pipeline, tmp_path_factory, request):
    folder = tmp_path_factory.mktemp("inference")
    return save_model(pipeline, folder / "m.skdigits", include_optimizer=request.param)


def test_predictions_are_bit_identical_to_the_pipeline(pipeline, saved, sample):
    X_test = sample.X_test
    model = load_inference_model(saved)
    assert isinstance(model, InferenceModel)
    # images and flat rows; more rows than one chunk of the forward pass
    big = np.concatenate([X_test] * 3)
    for X in (X_test[:7], X_test.reshape(len(X_test), -1), big):
        np.testing.assert_array_equal(model.predict_proba(X), pipeline.predict_proba(X))
        np.testing.assert_array_equal(model.predict(X), pipeline.predict(X))
    np.testing.assert_array_equal(model.classes_, pipeline.classes_)


def test_classifier_without_scaler_and_string_labels(digits300, tmp_path):
    X, y = digits300
    labels = np.array(list("abcdefghij"))[y]
    clf = DenseDigitClassifier(
        hidden_layer_sizes=(8,), activation="tanh", epochs=2, random_state=0
    ).fit(X, labels)
    model = load_inference_model(save_model(clf, tmp_path / "c.skdigits"))
    np.testing.assert_array_equal(model.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(model.predict(X), clf.predict(X))


def test_wrong_number_of_pixels_is_a_clear_error(saved):
    model = load_inference_model(saved)
    with pytest.raises(ValueError, match=r"64 features per sample.*takes 784"):
        model.predict(np.zeros((2, 8, 8)))


def test_bad_files_raise_model_format_error(tmp_path):
    bad = tmp_path / "bad.skdigits"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ModelFormatError, match="not a readable"):
        load_inference_model(bad)
    with pytest.raises(FileNotFoundError):
        load_inference_model(tmp_path / "missing.skdigits")


def _write_pngs(folder: Path, images) -> list[Path]:
    paths = []
    for i, image in enumerate(images):
        # dark ink on white paper, bigger than 28x28, as a photo would be
        paper = Image.fromarray(255 - image).resize((84, 84))
        paths.append(folder / f"digit_{i}.png")
        paper.save(paths[-1])
    return paths


def test_predict_digits_matches_load_model(
    pipeline, saved, sample, tmp_path, assert_within_float32_rounding
):
    X_test = sample.X_test
    pngs = _write_pngs(tmp_path, X_test[:3])
    np.save(tmp_path / "stack.npy", X_test[3:6])
    records = predict_digits([*pngs, tmp_path / "stack.npy"], saved)
    assert [r["file"] for r in records] == [str(p) for p in pngs] + [
        str(tmp_path / "stack.npy")
    ] * 3
    assert [r["index"] for r in records] == [None, None, None, 0, 1, 2]
    # A picture is read alone, exactly as predict_digit reads it ...
    for record, png in zip(records[:3], pngs, strict=True):
        alone = predict_digit(load_image(png), saved)
        assert record["label"] == alone["label"]
        assert record["probability"] == alone["probability"]
        assert record["text"] == str(alone["label"]) and len(record["digits"]) == 1
    # ... and a .npy stack in one batch, as the estimators read it.
    images, _ = read_digits([*pngs, tmp_path / "stack.npy"])
    proba = load_model(saved).predict_proba(images)
    assert [r["probability"] for r in records[3:]] == proba[3:].max(axis=1).tolist()
    assert [r["label"] for r in records[3:]] == pipeline.classes_[
        proba[3:].argmax(axis=1)
    ].tolist()
    # One picture alone and the same in a batch agree to float32 rounding.
    alone = np.array([r["probabilities"] for r in records[:3]])
    assert_within_float32_rounding(alone, proba[:3], images[:3], model=pipeline)
    assert records[0]["classes"] == list(range(10))
    json.dumps(records)  # plain Python values only


def test_predict_digits_imports_neither_tensorflow_nor_sklearn(
    saved, sample, tmp_path, fresh_python
):
    X_test = sample.X_test
    pngs = _write_pngs(tmp_path, X_test[:3])
    code = textwrap.dedent(
        f"""
        import json, sys
        from skdigits.inference import predict_digits
        records = predict_digits({[str(p) for p in pngs]!r}, {str(saved)!r})
        # SciPy (ndimage) reads numbers; the rest would slow the command.
        heavy = ("tensorflow", "keras", "sklearn", "matplotlib")
        print(json.dumps([[r["label"] for r in records],
                          sorted(m for m in heavy if m in sys.modules)]))
        """
    )
    predictions, heavy = json.loads(fresh_python(code).splitlines()[-1])
    assert heavy == []
    assert predictions == [r["label"] for r in predict_digits(pngs, saved)]
