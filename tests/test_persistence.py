"""Saving and loading: pickle, joblib, clone, and the pickle-free format."""

from __future__ import annotations

import contextlib
import io
import json
import os
import pickle
import tempfile
import textwrap
import warnings
import zipfile
from pathlib import Path

import joblib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from skdigits.classifier import DenseDigitClassifier
from skdigits.persistence import ModelFormatError, load_model, save_model
from skdigits.preprocessing import PixelScaler

REPO = Path(__file__).resolve().parents[1]


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
    from skdigits._keras import keras  # TensorFlow's quiet start

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


def _bad_unsure(manifest):
    manifest["unsure"] = {"below": 1.5}


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
        pytest.param(
            lambda src, p: _rewrite_manifest(src, p, _bad_unsure),
            "unsure holds no threshold",
            id="bad-unsure-threshold",
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


# ---- prediction without TensorFlow, lazy network ----------------------------


def test_load_and_predict_never_import_tensorflow(
    saved_pipeline, fitted_pipeline, data, tmp_path, fresh_python
):
    X, _ = data
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "proba.npy", fitted_pipeline.predict_proba(X))
    np.save(tmp_path / "labels.npy", fitted_pipeline.predict(X))
    code = textwrap.dedent(
        f"""
        import sys
        import numpy as np
        from skdigits import load_model
        model = load_model({str(saved_pipeline)!r})
        X = np.load({str(tmp_path / "X.npy")!r})
        proba, labels = model.predict_proba(X), model.predict(X)
        # bit-identical to the model before saving
        assert np.array_equal(proba, np.load({str(tmp_path / "proba.npy")!r}))
        assert np.array_equal(labels, np.load({str(tmp_path / "labels.npy")!r}))
        print(sorted(m for m in ("tensorflow", "keras") if m in sys.modules))
        """
    )
    assert fresh_python(code) == "[]"


def test_keras_network_is_rebuilt_on_first_access(
    saved_pipeline, fitted_pipeline, data, assert_within_float32_rounding
):
    X, _ = data
    clf = load_model(saved_pipeline).named_steps["clf"]
    # dir() (which skl2onnx and IDEs walk) does not build it either
    assert "model_" not in dir(clf) and "classes_" in dir(clf)
    assert not clf._network.built
    model = clf.model_
    assert "model_" in dir(clf)
    assert clf.model_ is model  # built once
    original = fitted_pipeline.named_steps["clf"].model_
    assert model.optimizer.iterations.numpy() == original.optimizer.iterations.numpy()
    X_scaled = fitted_pipeline.named_steps["scale"].transform(X)
    assert_within_float32_rounding(
        model.predict(X_scaled, verbose=0),
        clf.predict_proba(X_scaled),
        X_scaled,
        model=clf,
    )


def test_inference_only_file(
    fitted_pipeline, saved_pipeline, data, tmp_path, assert_within_float32_rounding
):
    X, y = data
    path = save_model(
        fitted_pipeline, tmp_path / "small.skdigits", include_optimizer=False
    )
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["manifest.json", "weights.npz"]
    assert path.stat().st_size < 0.5 * saved_pipeline.stat().st_size
    loaded = load_model(path)
    np.testing.assert_array_equal(
        loaded.predict_proba(X), fitted_pipeline.predict_proba(X)
    )
    clf = loaded.named_steps["clf"]
    X_scaled = loaded.named_steps["scale"].transform(X)
    # Continuing is refused through the public methods, with the reason, and
    # before the network is even rebuilt (no TensorFlow needed to say no).
    for continue_training in (
        lambda: clf.partial_fit(X_scaled, y),
        lambda: clf.set_params(warm_start=True).fit(X_scaled, y),
    ):
        with pytest.raises(ValueError, match=r"inference-only.*no optimizer state"):
            continue_training()
        assert not clf._network.built  # the network was not rebuilt
    clf.set_params(warm_start=False)
    with pytest.raises(ValueError, match="include_optimizer=False"):
        save_model(loaded, tmp_path / "again.skdigits")
    # its network is rebuilt from the weights, without an optimizer
    assert getattr(clf.model_, "optimizer", None) is None
    assert_within_float32_rounding(
        clf.model_.predict(X_scaled, verbose=0),
        clf.predict_proba(X_scaled),
        X_scaled,
        model=clf,
    )
    # fitting again trains a new network, with an optimizer: training is allowed
    clf.fit(X_scaled, y)
    clf._check_can_continue_training()
    assert clf.model_.optimizer is not None


def test_float16_copy_with_provenance_reads_back_as_float32(
    fitted_pipeline, data, tmp_path
):
    # How the shipped model is written: an inference-only file copied with
    # float16 weights, an "about" and a calibrated "unsure" entry.
    from skdigits._prediction.model_file import (
        read_model_archive,
        rewrite_model_archive,
    )
    from skdigits.inference import load_inference_model

    X, _ = data
    plain = save_model(
        fitted_pipeline, tmp_path / "p.skdigits", include_optimizer=False
    )
    with pytest.raises(ValueError, match="save it inference-only"):
        rewrite_model_archive(save_model(fitted_pipeline, tmp_path / "f.skdigits"), "x")
    about = {"recipe": "test", "seed": 0, "params": {"widths": [16]}}
    half = rewrite_model_archive(
        plain,
        tmp_path / "half.skdigits",
        weights_dtype="float16",
        about=about,
        unsure={"below": 0.9, "target_error": 0.01},
    )
    sizes = [
        zipfile.ZipFile(path).getinfo("weights.npz").file_size for path in (half, plain)
    ]
    assert sizes[0] < 0.6 * sizes[1]  # half the bytes, plus the arrays' headers
    archive = read_model_archive(half)
    assert archive.manifest["about"] == about
    assert archive.manifest["unsure"]["below"] == 0.9
    weights = [w for layer in archive.weights for w in layer]
    original = [w for layer in read_model_archive(plain).weights for w in layer]
    for stored, full in zip(weights, original, strict=True):
        assert stored.dtype == np.float32
        # float16 keeps 11 significant bits: a relative error of at most 2**-11
        # (for values above float16's smallest normal number, 6.1e-5).
        normal = np.abs(full) >= 2.0**-14
        np.testing.assert_allclose(stored[normal], full[normal], rtol=2.0**-11)
        np.testing.assert_allclose(stored[~normal], full[~normal], atol=2.0**-24)
    model = load_inference_model(half)
    assert model.unsure_below == 0.9 and model.about == about
    # Both read as estimators too, predicting (almost) alike.
    np.testing.assert_allclose(
        load_model(half).predict_proba(X), model.predict_proba(X), rtol=1e-5
    )
    assert load_inference_model(plain).unsure_below is None


def test_full_file_keeps_what_continuing_needs(fitted_pipeline, saved_pipeline):
    clf = load_model(saved_pipeline).named_steps["clf"]
    clf._check_can_continue_training()
    original = fitted_pipeline.named_steps["clf"]
    for key in vars(original):
        if key.endswith("_") and not key.startswith("_"):
            assert key in vars(clf), key


def test_weights_are_stored_once_and_coefs_come_back_from_them(
    fitted_pipeline, saved_pipeline
):
    # coefs_ and intercepts_ copy the dense layers: written into the JSON
    # manifest as well, they would be most of the file (megabytes of text for
    # the default network).
    with zipfile.ZipFile(saved_pipeline) as archive:
        manifest = archive.read("manifest.json").decode()
    assert '"coefs_"' not in manifest and '"intercepts_"' not in manifest
    original = fitted_pipeline.named_steps["clf"]
    loaded = load_model(saved_pipeline).named_steps["clf"]
    for name in ("coefs_", "intercepts_"):
        assert len(getattr(loaded, name)) == len(getattr(original, name))
        for got, expected in zip(
            getattr(loaded, name), getattr(original, name), strict=True
        ):
            np.testing.assert_array_equal(got, expected)


def _replace_member(src, dst, member, payload):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.namelist():
            zout.writestr(item, payload if item == member else zin.read(item))
    return dst


def test_network_with_a_lambda_layer_is_refused(saved_pipeline, tmp_path):
    from skdigits._keras import keras  # TensorFlow's quiet start

    model = keras.Sequential(
        [
            keras.Input(shape=(64,)),
            keras.layers.Lambda(lambda x: x * 2),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.save(tmp_path / "evil.keras")
    bad = _replace_member(
        saved_pipeline,
        tmp_path / "bad.skdigits",
        "network.keras",
        (tmp_path / "evil.keras").read_bytes(),
    )
    with pytest.raises(ModelFormatError, match="'Lambda' layer"):
        load_model(bad)


def test_network_with_a_custom_object_is_refused(saved_pipeline, tmp_path):
    with zipfile.ZipFile(saved_pipeline) as zf:
        network = zf.read("network.keras")
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(network)) as zin,
        zipfile.ZipFile(buffer, "w") as zout,
    ):
        for item in zin.namelist():
            payload = zin.read(item)
            if item == "config.json":
                config = json.loads(payload)
                config["config"]["layers"][-1]["config"]["activation"] = {
                    "module": "builtins",
                    "class_name": "eval",
                    "config": {},
                    "registered_name": None,
                }
                payload = json.dumps(config).encode()
            zout.writestr(item, payload)
    bad = _replace_member(
        saved_pipeline, tmp_path / "bad.skdigits", "network.keras", buffer.getvalue()
    )
    with pytest.raises(ModelFormatError, match="'eval' from 'builtins'"):
        load_model(bad)


@pytest.mark.parametrize(
    "name", ["../evil.py", "/etc/evil", "model.pkl", "weights.npz/x"]
)
def test_unexpected_archive_members_are_refused(saved_pipeline, tmp_path, name):
    bad = tmp_path / "bad.skdigits"
    bad.write_bytes(saved_pipeline.read_bytes())
    with zipfile.ZipFile(bad, "a") as zf:
        zf.writestr(name, b"import os")
    with pytest.raises(ModelFormatError, match="unexpected members"):
        load_model(bad)


def test_oversized_members_are_refused(saved_pipeline, tmp_path, monkeypatch):
    import skdigits._prediction.model_file as model_file

    bomb = tmp_path / "bomb.skdigits"
    with (
        zipfile.ZipFile(saved_pipeline) as zin,
        zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zout,
    ):
        zout.writestr("manifest.json", zin.read("manifest.json"))
        zout.writestr("weights.npz", zin.read("weights.npz") + bytes(2**21))
        zout.writestr("network.keras", zin.read("network.keras"))
    assert bomb.stat().st_size < 2**20  # 2 MB of zeros deflate to a few kB
    monkeypatch.setattr(model_file, "MAX_MEMBER_BYTES", 2**20)
    with pytest.raises(ModelFormatError, match="decompress"):
        load_model(bomb)
    monkeypatch.setattr(model_file, "MAX_MANIFEST_BYTES", 100)
    with pytest.raises(ModelFormatError, match=r"manifest\.json would decompress"):
        load_model(saved_pipeline)


def test_load_never_unpickles(saved_pipeline, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("load_model unpickled something")

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    loaded = load_model(saved_pipeline)
    assert loaded.named_steps["clf"].model_ is not None


# ---- untrusted files: only ModelFormatError escapes -------------------------

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _members(original: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(original)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _archive(members) -> bytes:
    buffer = io.BytesIO()
    with (
        warnings.catch_warnings(),  # duplicate names are part of the test
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf,
    ):
        warnings.simplefilter("ignore")
        for name, payload in members:
            with contextlib.suppress(IndexError, ValueError):  # e.g. "/"
                zf.writestr(name, payload)
    return buffer.getvalue()


def _truncated(original: bytes):
    return st.integers(0, len(original) - 1).map(lambda n: original[:n])


def _flipped(original: bytes):
    def apply(changes):
        payload = bytearray(original)
        for position, mask in changes:
            payload[position] ^= mask
        return bytes(payload)

    change = st.tuples(st.integers(0, len(original) - 1), st.integers(1, 255))
    return st.lists(change, min_size=1, max_size=8).map(apply)


def _random_archives(original: bytes):
    real = _members(original)
    names = st.sampled_from(
        [*real, "../escape.txt", "/abs/path", "dir/../../x", "model.pkl"]
    ) | st.text(min_size=1, max_size=12)
    payloads = st.sampled_from(sorted(real)).map(real.get) | st.binary(max_size=64)
    return st.lists(st.tuples(names, payloads), max_size=5).map(_archive)


def _json_paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        items = ()
    for key, child in items:
        yield from _json_paths(child, (*prefix, key))


def _forged_manifests(original: bytes):
    """The real archive with one node of its manifest replaced by any JSON."""
    real = _members(original)
    text = real["manifest.json"]

    def forge(args):
        path, value = args
        manifest = json.loads(text)
        if path:
            parent = manifest
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = value
        else:
            manifest = value
        return _archive({**real, "manifest.json": json.dumps(manifest)}.items())

    all_paths = st.sampled_from(list(_json_paths(json.loads(text))))
    return st.tuples(all_paths, _json_values).map(forge)


@pytest.fixture(scope="module")
def tiny_model(data, tmp_path_factory):
    X, y = data
    clf = DenseDigitClassifier(
        hidden_layer_sizes=(4,), batch_size=100, epochs=1, random_state=0
    )
    model = Pipeline([("scale", PixelScaler()), ("clf", clf)]).fit(X, y)
    path = save_model(model, tmp_path_factory.mktemp("tiny") / "t.skdigits")
    return path.read_bytes(), X[:5]


def _folder_contents(folder: Path) -> list:
    return sorted(p.relative_to(folder) for p in folder.rglob("*"))


@pytest.mark.parametrize(
    "damage", [_truncated, _flipped, _random_archives, _forged_manifests]
)
def test_untrusted_files_raise_only_model_format_error(tiny_model, damage):
    original, X = tiny_model

    @settings(max_examples=150, deadline=None, derandomize=True)
    @given(payload=damage(original))
    def check(payload):
        # Run in a folder of its own, with temporary files in another, and
        # check afterwards that nothing was left in either.
        with (
            tempfile.TemporaryDirectory() as work,
            tempfile.TemporaryDirectory() as tmp,
        ):
            work, tmp = Path(work), Path(tmp)
            path = work / "model.skdigits"
            path.write_bytes(payload)
            old_cwd, old_tempdir = os.getcwd(), tempfile.tempdir
            os.chdir(work)
            tempfile.tempdir = str(tmp)
            try:
                model = load_model(path)
            except ModelFormatError:
                model = None
            finally:
                os.chdir(old_cwd)
                tempfile.tempdir = old_tempdir
            assert _folder_contents(work) == [Path("model.skdigits")]
            assert _folder_contents(tmp) == []
        if model is not None:  # a harmless change: the model still predicts
            assert model.predict_proba(X).shape == (5, 10)

    check()


# ---- a Deskew step ------------------------------------------------------------


def test_a_deskew_step_is_saved_and_applied_by_both_loaders(data, tmp_path):
    from skdigits._estimators.deskew import Deskew
    from skdigits.inference import load_inference_model
    from skdigits.persistence import export_onnx

    X, y = data
    model = Pipeline(
        [("deskew", Deskew()), ("scale", PixelScaler()), ("clf", _classifier())]
    ).fit(X, y)
    path = save_model(model, tmp_path / "deskew.skdigits")
    loaded = load_model(path)
    assert [type(step).__name__ for _, step in loaded.steps] == [
        "Deskew",
        "PixelScaler",
        "DenseDigitClassifier",
    ]
    assert loaded["deskew"].image_shape_ == (8, 8)
    expected = model.predict_proba(X)
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)
    # The NumPy-only loader deskews too, with the same float32 arithmetic;
    # without the step its answers would differ.
    fast = load_inference_model(path)
    np.testing.assert_array_equal(fast.predict_proba(X), expected)
    fast.deskew_by = []
    assert not np.array_equal(fast.predict_proba(X), expected)
    with pytest.raises(ValueError, match="Deskew"):
        export_onnx(model, tmp_path / "deskew.onnx")

    def after_the_scaler(manifest):
        manifest["steps"][:2] = manifest["steps"][1::-1]

    def bad_shear(manifest):
        manifest["steps"][0]["params"]["max_shear"] = -1

    for edit, message in [
        (after_the_scaler, "Deskew steps, then"),
        (bad_shear, "max_shear"),
    ]:
        bad = _rewrite_manifest(path, tmp_path / f"{edit.__name__}.skdigits", edit)
        with pytest.raises(ModelFormatError, match=message):
            load_model(bad)


# ---- faults while saving -------------------------------------------------------
# What is lost: the new file. What is not: the old one, whole, and no file
# beside it that passes for a model (see also test_writing.py).


def _old_model(saved_pipeline, folder: Path) -> Path:
    path = folder / "model.skdigits"
    path.write_bytes(saved_pipeline.read_bytes())
    return path


def test_a_full_disk_while_saving_is_a_clear_error_and_keeps_the_old_model(
    fitted_pipeline, saved_pipeline, data, tmp_path, monkeypatch
):
    import errno

    path = _old_model(saved_pipeline, tmp_path)
    writestr = zipfile.ZipFile.writestr

    def full_at_the_network(self, name, payload, *args, **kwargs):
        if name == "network.keras":  # the last and largest member
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return writestr(self, name, payload, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", full_at_the_network)
    with pytest.raises(OSError, match=f"cannot write {path}: No space left") as error:
        save_model(fitted_pipeline, path)
    assert error.value.errno == errno.ENOSPC
    assert str(error.value).endswith("; the file there is unchanged.")
    assert path.read_bytes() == saved_pipeline.read_bytes()
    assert os.listdir(tmp_path) == ["model.skdigits"]
    X, _ = data
    np.testing.assert_array_equal(
        load_model(path).predict(X), fitted_pipeline.predict(X)
    )


_KILLED_WHILE_SAVING = """
import sys, time, zipfile
from skdigits.persistence import load_model, save_model

model = load_model(sys.argv[1])
writestr = zipfile.ZipFile.writestr

def weights_then_stop(self, name, payload, *args, **kwargs):
    writestr(self, name, payload, *args, **kwargs)
    if name == "weights.npz":
        self.fp.flush()
        print("writing", flush=True)
        time.sleep(120)

zipfile.ZipFile.writestr = weights_then_stop
# Inference-only: saving it needs no TensorFlow, so the child starts fast.
save_model(model, sys.argv[2], include_optimizer=False)
"""


def test_save_model_killed_mid_write_leaves_the_old_model_whole(
    fitted_pipeline, saved_pipeline, data, tmp_path, child_env
):
    import signal
    import subprocess
    import sys

    path = _old_model(saved_pipeline, tmp_path)
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WHILE_SAVING, str(saved_pipeline), str(path)],
        stdout=subprocess.PIPE,
        text=True,
        env=child_env,
    )
    assert child.stdout.readline() == "writing\n"
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=30)
    assert path.read_bytes() == saved_pipeline.read_bytes()
    (left,) = (name for name in os.listdir(tmp_path) if name != "model.skdigits")
    assert left.startswith(f".model.skdigits.{child.pid}-")
    assert left.endswith(".partial")  # hidden, and not a *.skdigits file
    X, _ = data
    np.testing.assert_array_equal(
        load_model(path).predict(X), fitted_pipeline.predict(X)
    )
    save_model(fitted_pipeline, path)  # the next save clears it away
    assert os.listdir(tmp_path) == ["model.skdigits"]
