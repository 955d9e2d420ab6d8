"""``benchmarks/bench.py --quick`` runs end to end, so the benchmark cannot rot.

The quick configuration trains for a couple of epochs on a tiny synthetic
MNIST-shaped ``.npz``; its numbers mean nothing, so the checks are only that
every section is there and its figures are sane (finite, positive, in range).
"""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "benchmarks" / "bench.py"
SECTIONS = ("accuracy", "overhead", "latency", "memory")


def write_tiny_digits(path: Path, n_train: int = 600, n_test: int = 200) -> Path:
    """A keras-layout npz of 28x28 uint8 "digits": noise plus a class stripe."""
    rng = np.random.default_rng(0)

    def split(n):
        y = (np.arange(n) % 10).astype(np.uint8)
        x = rng.integers(0, 60, size=(n, 28, 28), dtype=np.uint8)
        for digit in range(10):  # a bright row per class makes it learnable
            x[y == digit, 2 + 2 * digit, 4:24] = 255
        return x, y

    x_train, y_train = split(n_train)
    x_test, y_test = split(n_test)
    # Not named mnist.npz: fetch_mnist would check it against MNIST's sha256.
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return path


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bench")
    data = write_tiny_digits(tmp / "tiny_digits.npz")
    out = tmp / "out"
    proc = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--data",
            str(data),
            "--quick",
            "--output",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = json.loads((out / "results.json").read_text())
    return results, (out / "RESULTS.md").read_text()


def positive(x) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x) and x > 0


@pytest.mark.slow
def test_quick_run_writes_all_four_sections(quick_run):
    results, markdown = quick_run
    assert results["quick"] is True
    assert results["sections"] == list(SECTIONS)
    for name in SECTIONS:
        assert name in results
    for heading in (
        "## Machine and run",
        "## Targets",
        "## 1.",
        "## 2.",
        "## 3.",
        "## 4.",
    ):
        assert heading in markdown
    assert "Quick run" in markdown
    machine = results["machine"]
    assert machine["cores"] >= 1 and machine["python"] and machine["versions"]["keras"]
    assert "bench.py" in results["command"] and "--quick" in results["command"]
    assert {t["section"] for t in results["targets"]} == set(SECTIONS)


@pytest.mark.slow
def test_quick_run_accuracy_section_is_sane(quick_run):
    acc = quick_run[0]["accuracy"]
    for key in ("classifier", "keras", "mlp"):
        run = acc[key]
        assert run["epochs"] == len(run["test_accuracy"]) == len(run["epoch_seconds"])
        assert all(0.0 <= a <= 1.0 for a in run["test_accuracy"])
        assert all(positive(s) for s in run["epoch_seconds"])
        # Evaluation is excluded from training time but included in wall time.
        assert run["training_seconds"] <= run["wall_seconds"]
        assert run["final_accuracy"] == run["test_accuracy"][-1]
    # Same number of Adam steps in the Keras loop and MLPClassifier.
    assert acc["keras"]["optimizer_updates"] == acc["mlp"]["optimizer_updates"] > 0
    # The callback's last accuracy is the classifier's own score.
    clf = acc["classifier"]
    assert clf["score_check"] == pytest.approx(clf["final_accuracy"], abs=1e-6)
    assert clf["params"]["hidden_layer_sizes"] == [784, 196]


@pytest.mark.slow
def test_quick_run_overhead_section_is_sane(quick_run):
    ov = quick_run[0]["overhead"]
    assert positive(ov["ratio"])
    for variant in ("keras_fit", "classifier", "classifier_seeded"):
        assert positive(ov[variant]["seconds_per_epoch"]["median"])
        assert len(ov[variant]["runs"]) == ov["rounds"]
    assert ov["keras_fit"]["ratio_vs_keras_fit"] == pytest.approx(1.0)
    prof = ov["profile"]
    assert 0 < prof["keras_model_fit_seconds"] <= prof["total_seconds"]


@pytest.mark.slow
def test_quick_run_latency_section_is_sane(quick_run):
    lat = quick_run[0]["latency"]
    assert set(lat["batches"]) >= {"1", "32"}
    for batch in lat["batches"].values():
        for name, r in batch.items():
            assert positive(r["median"]), name
            assert r["p90"] >= r["median"] >= r["min"] > 0, name
    # The NumPy fast path gives Keras's probabilities to float32 rounding.
    assert lat["agreement"]["max_abs_diff"] < 1e-5
    assert lat["agreement"]["argmax_disagreements"] == 0
    assert all(positive(row["numpy_median"]) for row in lat["threshold_sweep"])


@pytest.mark.slow
def test_quick_run_memory_section_is_sane(quick_run):
    mem = quick_run[0]["memory"]
    peak = mem["peak_classifier"]
    assert positive(peak["peak_rss_mb"])
    assert peak["peak_rss_mb"] >= peak["rss_before_mb"] > 0
    rep = mem["repeat_classifier"]
    assert len(rep["rss_mb"]) == rep["fits"]
    assert all(positive(x) for x in rep["rss_mb"])
    assert positive(rep["growth_ratio"])


def load_bench_module():
    spec = importlib.util.spec_from_file_location("skdigits_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    # dataclasses look the defining module up in sys.modules.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)  # top level imports NumPy only
    return module


def test_bench_rejects_unknown_sections():
    bench = load_bench_module()
    with pytest.raises(SystemExit):
        bench.parse_args(["--data", "sample", "--sections", "accuracy,speed"])
    args = bench.parse_args(["--data", "sample", "--sections", "latency, memory"])
    assert args.sections == ["latency", "memory"]


def test_summarize_and_time_to_accuracy():
    bench = load_bench_module()
    s = bench.summarize([3.0, 1.0, 2.0])
    assert s["median"] == 2.0 and s["min"] == 1.0 and s["max"] == 3.0 and s["n"] == 3
    hit = bench.time_to_accuracy([0.97, 0.986, 0.99], [2.0, 1.5, 1.0])
    assert hit == {"epoch": 2, "training_seconds": 3.5}
    assert bench.time_to_accuracy([0.9], [1.0]) == {
        "epoch": None,
        "training_seconds": None,
    }
