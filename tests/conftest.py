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
    from skdigits.serve import start

    with start(model_file, echo=lambda line: None) as running:
        yield running


@pytest.fixture(scope="module")
def model(server):
    """The model the server loaded, to compare its answers with."""
    return server.app.state.model
