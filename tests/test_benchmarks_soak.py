"""The soak question's arithmetic and rendering (``benchmarks/soak.py``).

Running the loops themselves takes fresh TensorFlow processes and minutes;
here the fitted growth and the Markdown are checked on synthetic traces.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.render.soak import render
from benchmarks.soak import _growth
from benchmarks.targets import check, load_targets


def trace(slope: float, n: int = 500, every: int = 10, dips: bool = True) -> dict:
    i = np.arange(every, n + every, every)
    rss = 800.0 + slope * i
    if dips:  # glibc hands memory back now and then, last sample included
        rss[3::7] -= 10.0
        rss[-1] -= 10.0
    m = len(i)
    return {
        "i": i.tolist(),
        "rss_mb": rss.tolist(),
        "tf_functions": [32] * m,
        "gradient_registry": [609] * m,
        "seconds": list(range(m)),
    }


def test_growth_is_a_fitted_slope_that_single_dips_do_not_swing():
    growth = _growth(trace(0.01), start=50)
    assert growth["mb_per_iteration"] == pytest.approx(0.01, abs=0.005)
    # Last minus first would report a loss of about 5.5 MB here.
    assert growth["growth_mb"] == pytest.approx(growth["mb_per_iteration"] * (500 - 50))
    assert growth["growth_mb"] > 0


def test_growth_ignores_the_iterations_before_start():
    t = trace(0.0, dips=False)
    t["rss_mb"][:4] = [700.0, 720.0, 760.0, 790.0]  # warm-up, before fit 50
    assert _growth(t, start=50)["mb_per_iteration"] == pytest.approx(0.0, abs=1e-9)


def record(fit_slope: float) -> dict:
    loops = {
        "skdigits_fit": (trace(fit_slope, dips=False), 50),
        "keras_fit": (trace(5.0, n=100, dips=False), 10),
        "skdigits_predict": (trace(0.0, 100_000, 5_000, dips=False), 10_000),
        "keras_predict": (trace(0.0, 100_000, 5_000, dips=False), 10_000),
    }
    result = {"n_train": 2000, "hidden_layer_sizes": [64]}
    for kind, (t, start) in loops.items():
        result[kind] = {"n": t["i"][-1], **t, **_growth(t, start)}
    result["partial_fit_available"] = False
    return {"result": result}


def test_render_reports_each_loop():
    text = render(record(0.0))
    assert "| DenseDigitClassifier.fit | 500 | 50\u2013500 |" in text
    assert "plain Keras fit (reference)" in text
    assert "`partial_fit` does not exist" in text
    assert "soak_rss.png" in text


@pytest.mark.parametrize("fit_slope, met", [(0.0, True), (0.2, False)])
def test_the_targets_read_the_fitted_growth(fit_slope, met):
    rows = check("soak", record(fit_slope)["result"], load_targets()["soak"])
    by_name = {row["name"]: row for row in rows}
    assert by_name["fit_growth"]["measured"] == pytest.approx(fit_slope, abs=1e-6)
    assert by_name["fit_growth"]["met"] is met
    assert by_name["predict_growth"]["met"] is True
