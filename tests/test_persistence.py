"""Saving and loading: pickle, joblib, clone, and the pickle-free format."""

from __future__ import annotations

import json
import pickle
import zipfile

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from skdigits.classifier import DenseDigitClassifier
from skdigits.persistence import ModelFormatError, load_model, save_model
from skdigits.preprocessing import PixelScaler


@pytest.fixture(scope="module")
def data():
    X, y = load_digits(return_X_y=True)
    return X[:400], y[:400]


def _classifier(**params) -> DenseDigitClassifier:
    return DenseDigitClassifier(
        hidden_layer_sizes=(16,), batch_size=64, epochs=3, random_state=0, **params
    )


@pytest.fixture(scope="module")
def fitted_pipeline(data):
    X, y = data
    return Pipeline([("scale", PixelScaler()), ("clf", _classifier())]).fit(X, y)


@pytest.fixture(scope="module")
def fitted_classifier(data):
    X, y = data
    return _classifier().fit(X / 16.0, y)


@pytest.fixture(scope="module")
def saved_pipeline(fitted_pipeline, tmp_path_factory):
    return save_model(fitted_pipeline, tmp_path_factory.mktemp("m") / "p.skdigits")


# ---- pickle, joblib, clone --------------------------------------------------


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
@pytest.mark.parametrize("kind", ["classifier", "pipeline"])
def test_pickle_and_joblib_round_trip_fitted(
    dump, kind, fitted_classifier, fitted_pipeline, data, tmp_path
):
    X, _ = data
    est, X_in = (
        (fitted_classifier, X / 16.0) if kind == "classifier" else (fitted_pipeline, X)
    )
    if dump == "pickle":
        again = pickle.loads(pickle.dumps(est))
    else:
        joblib.dump(est, tmp_path / "m.joblib")
        again = joblib.load(tmp_path / "m.joblib")
    np.testing.assert_array_equal(again.predict_proba(X_in), est.predict_proba(X_in))
    np.testing.assert_array_equal(again.predict(X_in), est.predict(X_in))


def test_pickle_and_clone_unfitted(data):
    X, y = data
    est = Pipeline([("scale", PixelScaler()), ("clf", _classifier())])
    for copy in (pickle.loads(pickle.dumps(est)), clone(est)):
        assert copy.get_params()["clf__hidden_layer_sizes"] == (16,)
        a = copy.fit(X, y).predict_proba(X[:20])
        b = clone(est).fit(X, y).predict_proba(X[:20])
        np.testing.assert_array_equal(a, b)


def test_clone_of_fitted_is_unfitted(fitted_pipeline):
    copy = clone(fitted_pipeline)
    assert not hasattr(copy.named_steps["clf"], "model_")
    assert (
        copy.get_params(deep=False).keys()
        == fitted_pipeline.get_params(deep=False).keys()
    )


# ---- the pickle-free format -------------------------------------------------


def test_safe_round_trip_pipeline(fitted_pipeline, saved_pipeline, data):
    X, _ = data
    loaded = load_model(saved_pipeline)
    assert isinstance(loaded, Pipeline)
    assert [name for name, _ in loaded.steps] == ["scale", "clf"]
    np.testing.assert_array_equal(
        loaded.predict_proba(X), fitted_pipeline.predict_proba(X)
    )
    clf, original = loaded.named_steps["clf"], fitted_pipeline.named_steps["clf"]
    assert clf.get_params() == original.get_params()
    assert clf.history_ == original.history_
    np.testing.assert_array_equal(clf.classes_, original.classes_)
    # the archive holds JSON, plain arrays and a Keras file, nothing pickled
    with zipfile.ZipFile(saved_pipeline) as zf:
        assert sorted(zf.namelist()) == [
            "manifest.json",
            "network.keras",
            "weights.npz",
        ]


def test_safe_round_trip_string_labels_and_images(data, tmp_path):
    X, y = data
    names = np.array(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    )
    images = (X / 16.0).reshape(-1, 8, 8)
    clf = _classifier().fit(images, names[y])
    loaded = load_model(save_model(clf, tmp_path / "s.skdigits"))
    assert loaded.image_shape_ == (8, 8)
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    np.testing.assert_array_equal(loaded.predict(images), clf.predict(images))
    # the Keras path (large batch) agrees too
    big = np.concatenate([images] * 6)
    np.testing.assert_array_equal(loaded.predict(big), clf.predict(big))


def test_save_refuses_unfitted_and_foreign_estimators(data, tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        save_model(_classifier(), tmp_path / "x.skdigits")
    X, y = data
    with pytest.raises(TypeError, match="DenseDigitClassifier"):
        save_model(LogisticRegression().fit(X, y), tmp_path / "x.skdigits")
    assert not (tmp_path / "x.skdigits").exists()


def test_callbacks_are_not_saved_and_say_so(data, tmp_path):
    import keras

    X, y = data
    clf = _classifier(callbacks=[keras.callbacks.TerminateOnNaN()]).fit(X / 16.0, y)
    with pytest.warns(UserWarning, match="callbacks"):
        path = save_model(clf, tmp_path / "c.skdigits")
    assert load_model(path).callbacks is None


def _rewrite_manifest(src, dst, edit):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.namelist():
            payload = zin.read(item)
            if item == "manifest.json":
                manifest = json.loads(payload)
                edit(manifest)
                payload = json.dumps(manifest).encode()
            zout.writestr(item, payload)
    return dst


def _flip_middle(payload: bytes) -> bytes:
    middle = len(payload) // 2
    return (
        payload[:middle]
        + bytes(b ^ 0xFF for b in payload[middle : middle + 64])
        + payload[middle + 64 :]
    )


def _write(path, payload):
    path.write_bytes(payload)
    return path


def _drop_a_class(manifest):
    fitted = manifest["steps"][-1]["fitted"]
    fitted["classes_"]["__ndarray__"].pop()
    fitted["classes_"]["shape"] = [len(fitted["classes_"]["__ndarray__"])]


def _wrong_width(manifest):
    manifest["steps"][-1]["fitted"]["n_features_in_"] = 100


def _bad_version(manifest):
    manifest["format_version"] = 99


def _foreign_class(manifest):
    manifest["steps"][0]["class"] = "os.system"


def _bad_param(manifest):
    manifest["steps"][-1]["params"]["dropout"] = 7.0


@pytest.mark.parametrize(
    ("make_file", "match"),
    [
        pytest.param(
            lambda src, p: _write(p, src.read_bytes()[:500]),
            "not a readable",
            id="truncated",
        ),
        pytest.param(
            lambda src, p: _write(p, _flip_middle(src.read_bytes())),
            "not a readable|cannot be loaded|not valid JSON",
            id="corrupted",
        ),
        pytest.param(
            lambda src, p: _write(p, b"\x89PNG\r\n\x1a\n" + b"0" * 100),
            "not a readable",
            id="png-file",
        ),
        pytest.param(
            lambda src, p: zipfile.ZipFile(p, "w").close() or p,
            "lacks manifest.json",
            id="other-zip",
        ),
        pytest.param(
            lambda src, p: _rewrite_manifest(src, p, _drop_a_class),
            "9 classes|10 outputs",
            id="classes-mismatch",
        ),
        pytest.param(
            lambda src, p: _rewrite_manifest(src, p, _wrong_width),
            "100 features",
            id="shape-mismatch",
        ),
        pytest.param(
            lambda src, p: _rewrite_manifest(src, p, _bad_version),
            "format version 99",
            id="version",
        ),
        pytest.param(
            lambda src, p: _rewrite_manifest(src, p, _foreign_class),
            "malformed step",
            id="foreign-class",
        ),
        pytest.param(
            lambda src, p: _rewrite_manifest(src, p, _bad_param),
            "invalid DenseDigitClassifier",
            id="bad-param",
        ),
    ],
)
def test_bad_model_files_give_clear_errors(saved_pipeline, tmp_path, make_file, match):
    bad = make_file(saved_pipeline, tmp_path / "bad.skdigits")
    with pytest.raises(ModelFormatError, match=match):
        load_model(bad)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="No model file"):
        load_model(tmp_path / "nope.skdigits")
    with pytest.raises(ModelFormatError, match="is a folder"):
        load_model(tmp_path)
