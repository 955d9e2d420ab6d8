"""skops.io round trips of fitted skdigits estimators (issue 23, item 2).

The classifier holds its Keras network behind a handle that saves it as
Keras's own file format, as bytes, so skops never walks into Keras and a
loaded estimator trusts only skdigits's own types.
"""

from __future__ import annotations

import pickle

import joblib
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from skdigits.classifier import DenseDigitClassifier
from skdigits.preprocessing import PixelScaler

sio = pytest.importorskip("skops.io")


@pytest.fixture(scope="module")
def fitted(sample):
    X, y = sample.X_train[:600], sample.y_train[:600]
    clf = DenseDigitClassifier((16,), epochs=2, batch_size=100, random_state=0)
    pipe = Pipeline(
        [
            ("scale", PixelScaler()),
            (
                "clf",
                DenseDigitClassifier((16,), epochs=2, batch_size=100, random_state=0),
            ),
        ]
    )
    return {
        "classifier": (clf.fit(X / 255.0, y), X[:50] / 255.0),
        "pipeline": (pipe.fit(X, y), X[:50]),
    }


@pytest.mark.parametrize("kind", ["classifier", "pipeline"])
def test_skops_round_trip_trusts_only_skdigits_types(fitted, kind):
    model, X = fitted[kind]
    payload = sio.dumps(model)
    untrusted = sio.get_untrusted_types(data=payload)
    assert untrusted, "skdigits's own types must be reviewed, not trusted blindly"
    assert all(name.startswith("skdigits.") for name in untrusted), untrusted
    loaded = sio.loads(payload, trusted=untrusted)
    assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert_array_equal(loaded.predict(X), model.predict(X))


def test_skops_loaded_classifier_trains_on(fitted, sample):
    # The network travels with its optimizer state: a warm fit continues it.
    model, _ = fitted["classifier"]
    payload = sio.dumps(model)
    loaded = sio.loads(payload, trusted=sio.get_untrusted_types(data=payload))
    loaded.set_params(warm_start=True, epochs=1)
    loaded.fit(sample.X_train[:600] / 255.0, sample.y_train[:600])
    assert loaded.n_iter_ == model.n_iter_ + 1


@pytest.mark.parametrize("kind", ["classifier", "pipeline"])
def test_pickle_joblib_and_clone_still_work(fitted, kind, tmp_path):
    model, X = fitted[kind]
    expected = model.predict_proba(X)
    assert_array_equal(pickle.loads(pickle.dumps(model)).predict_proba(X), expected)
    joblib.dump(model, tmp_path / "m.joblib")
    assert_array_equal(joblib.load(tmp_path / "m.joblib").predict_proba(X), expected)
    assert clone(model).get_params().keys() == model.get_params().keys()


def test_unpickling_does_not_build_the_network(fitted):
    # The network is restored from its bytes only when something asks for it.
    model, X = fitted["classifier"]
    loaded = pickle.loads(pickle.dumps(model))
    assert not loaded._network.built
    loaded.predict(X)
    assert not loaded._network.built
    assert np.array_equal(loaded.model_.get_weights()[0], model.coefs_[0])
