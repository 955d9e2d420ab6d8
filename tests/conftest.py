"""Shared test fixtures.

Full MNIST is never downloaded in tests. Tests that need it take its location
from ``--mnist PATH`` or the ``SKDIGITS_MNIST`` environment variable (a
keras-layout ``mnist.npz`` or a folder holding it or the four IDX files) and
are skipped, with the reason, when neither is given.
"""

from __future__ import annotations

import os
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


# -- skdigits serve (tests/test_serve*.py) -------------------------------------
# Each of those modules defines its own `model_file` (the browser test trains
# a wider network so that a traced digit reads reliably); the server and the
# model it loaded are the same for both.


@pytest.fixture(scope="module")
def server(model_file):
    """``skdigits serve`` of the module's ``model_file``, in a thread."""
    from skdigits.serve import start

    with start(model_file, echo=lambda line: None) as running:
        yield running


@pytest.fixture(scope="module")
def model(server):
    """The model the server loaded, to compare its answers with."""
    return server.app.state.model
