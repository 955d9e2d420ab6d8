"""TensorFlow's start: the thread budget, and what it must never override.

joblib's and Dask's workers export ``OMP_NUM_THREADS``; skdigits passes it on
to ``TF_NUM_INTRAOP_THREADS`` and ``TF_NUM_INTEROP_THREADS`` when it starts
TensorFlow, but values the user set for those two always win (documented in
``docs/parallel.rst``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from skdigits import _keras

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
)


def _env_after_bridge(monkeypatch, **given) -> dict[str, str | None]:
    for var in THREAD_VARIABLES:
        monkeypatch.delenv(var, raising=False)
    for var, value in given.items():
        monkeypatch.setenv(var, value)
    _keras.bridge_thread_budget()
    return {var: os.environ.get(var) for var in THREAD_VARIABLES}


def test_the_workers_budget_goes_to_tensorflow(monkeypatch):
    env = _env_after_bridge(monkeypatch, OMP_NUM_THREADS="2")
    assert env == {
        "OMP_NUM_THREADS": "2",
        "TF_NUM_INTRAOP_THREADS": "2",
        "TF_NUM_INTEROP_THREADS": "2",
    }


@pytest.mark.parametrize(
    "given",
    [
        {"TF_NUM_INTRAOP_THREADS": "3", "TF_NUM_INTEROP_THREADS": "4"},
        {"TF_NUM_INTRAOP_THREADS": "3"},
        {"TF_NUM_INTEROP_THREADS": "4"},
    ],
    ids=["both", "intra-op only", "inter-op only"],
)
def test_the_budget_never_overrides_what_the_user_set(monkeypatch, given):
    env = _env_after_bridge(monkeypatch, OMP_NUM_THREADS="1", **given)
    for var, value in given.items():
        assert env[var] == value
    for var in {"TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"} - set(given):
        assert env[var] == "1"  # the one not set still follows the budget


@pytest.mark.parametrize("omp", [None, "", "0", "auto", "-1"])
def test_no_usable_budget_leaves_tensorflow_its_default(monkeypatch, omp):
    given = {} if omp is None else {"OMP_NUM_THREADS": omp}
    env = _env_after_bridge(monkeypatch, **given)
    assert env["TF_NUM_INTRAOP_THREADS"] is None
    assert env["TF_NUM_INTEROP_THREADS"] is None


# What TensorFlow really starts, in a fresh interpreter: its thread pools are
# sized once, when its first op runs.
PROBE = r"""
import json, os, sys
from collections import Counter


def threads():
    names = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/comm") as f:
                names[tid] = f.read().strip()
        except OSError:
            pass
    return names


import skdigits._keras  # TensorFlow's start, with skdigits's settings

tf = sys.modules["tensorflow"]
before = threads()
tf.linalg.matmul(tf.ones((8, 8)), tf.ones((8, 8))).numpy()
after = threads()
new = Counter(name for tid, name in after.items() if tid not in before)
print(json.dumps({
    "env": {v: os.environ.get(v) for v in
            ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")},
    # TF names its inter-op threads tf_Compute; its intra-op (Eigen) threads
    # are unnamed, so they carry the process's name.
    "inter_op": Counter(after.values())["tf_Compute"],
    "intra_op": new[after[str(os.getpid())]],
}))
"""


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs Linux /proc")
def test_tensorflow_starts_the_threads_the_user_asked_for():
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    # A worker's budget of 1, and the user's own, different, choices.
    env.update(OMP_NUM_THREADS="1", TF_NUM_INTRAOP_THREADS="2")
    env["TF_NUM_INTEROP_THREADS"] = "3"
    run = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["env"] == {
        "OMP_NUM_THREADS": "1",
        "TF_NUM_INTRAOP_THREADS": "2",
        "TF_NUM_INTEROP_THREADS": "3",
    }
    assert seen["inter_op"] == 3, seen
    assert seen["intra_op"] == 2, seen
