"""Shared test fixtures.

Full MNIST is never downloaded in tests. Tests that need it take its location
from ``--mnist PATH`` or the ``SKDIGITS_MNIST`` environment variable (a
keras-layout ``mnist.npz`` or a folder holding it or the four IDX files) and
are skipped, with the reason, when neither is given.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")  # tests never open windows


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--mnist",
        default=None,
        help="path to full MNIST (mnist.npz or a folder of IDX files); "
        "defaults to $SKDIGITS_MNIST",
    )


@pytest.fixture(scope="session")
def mnist_path(request: pytest.FixtureRequest) -> Path:
    """Location of full MNIST, or skip the test with a clear reason."""
    value = request.config.getoption("--mnist") or os.environ.get("SKDIGITS_MNIST")
    if not value:
        pytest.skip(
            "full MNIST not given: pass --mnist PATH or set SKDIGITS_MNIST "
            "(e.g. ../shared/data/mnist)"
        )
    path = Path(value)
    if not path.exists():
        pytest.skip(f"full MNIST not found at {path} (from --mnist/SKDIGITS_MNIST)")
    return path


@pytest.fixture(scope="session")
def digits300() -> tuple[np.ndarray, np.ndarray]:
    """300 of scikit-learn's 8x8 digits, scaled to [0, 1]: enough for tiny
    networks that must train in a second (reliability, Dask, SciKeras glue)."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return (X[:300] / 16.0).astype(np.float32), y[:300]


@pytest.fixture(scope="session")
def sample_split():
    """2,000 training and 400 test images of the bundled sample."""
    from skdigits.datasets import load_mnist_sample

    X_train, y_train, X_test, y_test = load_mnist_sample(return_X_y=True)
    return X_train[:2000], y_train[:2000], X_test[:400], y_test[:400]


@pytest.fixture(scope="session")
def small_pipeline(sample_split):
    """A small PixelScaler + DenseDigitClassifier pipeline fitted on
    ``sample_split``, shared by the tests that only read a fitted model."""
    from sklearn.pipeline import Pipeline

    from skdigits import DenseDigitClassifier, PixelScaler

    X_train, y_train, _, _ = sample_split
    clf = DenseDigitClassifier(
        hidden_layer_sizes=(16,), epochs=2, batch_size=200, random_state=0
    )
    return Pipeline([("scale", PixelScaler()), ("clf", clf)]).fit(X_train, y_train)


@pytest.fixture(scope="session")
def sample():
    """The bundled MNIST sample, a Bunch (``X_train``, ``y_train``,
    ``X_test``, ``y_test``): real digits, offline."""
    from skdigits.datasets import load_mnist_sample

    return load_mnist_sample()


REPO = Path(__file__).resolve().parents[1]


def fresh_env() -> dict[str, str]:
    """The environment for a child Python: this checkout first on sys.path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(REPO), env.get("PYTHONPATH")])
    )
    return env


@pytest.fixture(scope="session")
def child_env() -> dict[str, str]:
    """The environment for a child Python process (see :func:`fresh_env`)."""
    return fresh_env()


@pytest.fixture(scope="session")
def fresh_python():
    """Run code in a new interpreter, where nothing the test session imported
    counts (which modules a path imports); return its stdout, stripped."""

    def run(code: str, *, timeout: float = 120) -> str:
        result = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env=fresh_env(),
            timeout=timeout,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    return run


# -- skdigits serve (tests/test_serve*.py) -------------------------------------
# Each of those modules defines its own `model_file` (the browser test trains
# a wider network so that a traced digit reads reliably); the server and the
# model it loaded are the same for both.


@pytest.fixture(scope="module")
def server(model_file):
    """``skdigits serve`` of the module's ``model_file``, in a thread."""
    from skdigits.serve import start_server

    with start_server(model_file, echo=lambda line: None) as running:
        yield running


@pytest.fixture(scope="module")
def model(server):
    """The model the server loaded, to compare its answers with."""
    return server.app.state.model


# -- float32 rounding of the dense network's forward pass ----------------------
# NumPy (OpenBLAS), Keras (TensorFlow's Eigen/oneDNN) and ONNX Runtime add the
# same float32 products in orders that depend on the library, the CPU's vector
# width and the thread count, so their probabilities agree only to float32
# rounding. The bound below is what that rounding can do in the worst case,
# whatever the order; it replaces tolerances tuned on one machine.

#: Unit roundoff of float32.
U32 = 2.0**-24

#: Largest slope of each hidden activation (its Lipschitz constant), by which
#: an error in a pre-activation can grow through it: selu's is scale * alpha
#: (its slope at 0-), swish's is max of s(z) (1 + z (1 - s(z))) at z ~ 2.40.
LIPSCHITZ = {
    "relu": 1.0,
    "linear": 1.0,
    "tanh": 1.0,
    "sigmoid": 0.25,
    "elu": 1.0,
    "selu": 1.0507009873554805 * 1.6732632423543772,
    "swish": 1.0999,
}


def _gamma(n: int) -> float:
    """Higham's gamma_n: the relative error bound of n float32 roundings."""
    return n * U32 / (1 - n * U32)


def float32_forward_bound(weights, X, activation, *, input_rounding: int = 0):
    """Exact probabilities of the dense network and a per-entry bound on how
    far any float32 evaluation of it may lie from them.

    Derivation (Higham, *Accuracy and Stability of Numerical Algorithms*,
    section 3.1): a float32 dot product of length n plus a bias, summed in any
    order (blocked, vectorised, fused multiply-adds or not), has forward
    error at most gamma_{n+1} (sum_k |h_k| |w_k| + |b|), gamma_n = n u /
    (1 - n u), u = 2**-24. An error E already in the layer's input adds
    E @ |W|. The activation multiplies the error by at most its slope
    (``LIPSCHITZ``) and adds its own rounding, taken as 4 ulps relative plus
    4 u absolute (libraries' exp, expm1 and tanh are within a few ulps; Keras
    computes elu as exp(z) - 1, exact only to u absolute near 0). The
    softmax: logits off by at most e change log p_i by at most 2 max_j e_j
    (d log p_i = d z_i - sum_j p_j d z_j); then z_i - max rounds once (u |z_i -
    max| in the exponent), exp within 4 ulps, the row sum of k positive terms
    within gamma_{k-1}, and the division (or reciprocal and multiply) within
    2 u. So p_i is within p_i * expm1(sum of those) of the exact value, plus
    k * 2**-126 where exp underflows. The reference is computed in float64,
    whose own error is 2**29 times smaller than these terms.

    ``input_rounding`` counts roundings of the input itself (a scaler run in
    float32 by the other implementation): each adds u |X| to its error.
    """
    from skdigits._prediction.forward import ACTIVATIONS

    act = ACTIVATIONS[activation]
    slope = LIPSCHITZ[activation]
    h = np.asarray(X, dtype=np.float64)
    err = input_rounding * U32 * np.abs(h)
    for i, (kernel, bias) in enumerate(weights):
        W = np.asarray(kernel, dtype=np.float64)
        b = np.asarray(bias, dtype=np.float64)
        z = h @ W + b
        z_err = err @ np.abs(W) + _gamma(W.shape[0] + 1) * (
            (np.abs(h) + err) @ np.abs(W) + np.abs(b)
        )
        if i < len(weights) - 1:
            h = act(z)
            err = slope * z_err + 8 * U32 * np.abs(h) + 4 * U32
    n_classes = z.shape[1]
    shifted = z - z.max(axis=1, keepdims=True)
    proba = np.exp(shifted)
    proba /= proba.sum(axis=1, keepdims=True)
    relative = (
        2 * z_err.max(axis=1, keepdims=True)
        + U32 * np.abs(shifted)
        + 8 * U32
        + _gamma(n_classes - 1)
        + 2 * U32
    )
    return proba, proba * np.expm1(relative) + n_classes * 2.0**-126


def _network_of(model, X):
    """The dense layers, hidden activation and network input of a fitted
    DenseDigitClassifier, a Pipeline ending in one, or an InferenceModel
    (the NumPy-only loader), for ``X``."""
    if hasattr(model, "scale_by"):  # InferenceModel: PixelScaler's division
        X = np.asarray(X, dtype=np.float32).reshape(len(X), -1)
        for max_value, clip in model.scale_by:
            X = X / np.float32(max_value)
            X = np.minimum(X, 1.0) if clip else X
        return list(model.weights), model.activation, X
    if hasattr(model, "steps"):
        X = model[:-1].transform(X)
        model = model[-1]
    X = np.asarray(X, dtype=np.float32).reshape(len(X), -1)
    weights = list(zip(model.coefs_, model.intercepts_, strict=True))
    return weights, model.activation, X


def _assert_within_float32_rounding(
    ours,
    theirs,
    X,
    *,
    model=None,
    weights=None,
    activation=None,
    input_rounding=0,
):
    """Assert that two float32 evaluations of a dense network (NumPy's and
    Keras's, or ONNX Runtime's), on ``X``, both lie within
    :func:`float32_forward_bound` of the exact probabilities, and so within
    twice it of each other; and that they pick the same class wherever the
    exact top two are further apart than that.

    The network is ``model`` (a fitted classifier, or a Pipeline ending in
    one, whose earlier steps ``X`` goes through), or ``weights`` and
    ``activation``. Returns the largest |ours - theirs| / (2 bound) and the
    mask of the samples whose class float32 rounding cannot change."""
    if model is not None:
        weights, activation, X = _network_of(model, X)
    exact, bound = float32_forward_bound(
        weights, X, activation, input_rounding=input_rounding
    )
    ours = np.asarray(ours, dtype=np.float64)
    theirs = np.asarray(theirs, dtype=np.float64)
    assert ours.shape == theirs.shape == exact.shape
    for name, got in (("ours", ours), ("theirs", theirs)):
        excess = np.abs(got - exact) - bound
        assert excess.max() <= 0, (
            f"{name} is off the exact probabilities by more than float32 "
            f"rounding can explain: worst excess {excess.max():.3g} at "
            f"{np.unravel_index(excess.argmax(), excess.shape)}"
        )
    top2 = np.sort(exact, axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > 4 * bound.max(axis=1)
    np.testing.assert_array_equal(ours[clear].argmax(1), theirs[clear].argmax(1))
    return float((np.abs(ours - theirs) / (2 * bound)).max()), clear


@pytest.fixture(scope="session")
def assert_within_float32_rounding():
    """:func:`_assert_within_float32_rounding`, for tests that compare two
    libraries' forward passes."""
    return _assert_within_float32_rounding
