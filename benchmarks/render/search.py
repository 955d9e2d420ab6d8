"""RESULTS.md section of ``benchmarks/search.py``: the README's grid search."""

from __future__ import annotations

from benchmarks.render._markdown import loadavg_text, markdown_table


def render(record: dict) -> str:
    r = record["result"]
    h = r["headline"]
    rows = [
        [
            f"`n_jobs={n}`",
            f"{info['seconds']['median']:.1f}",
            f"{info['seconds']['min']:.1f}–{info['seconds']['max']:.1f}",
            info["seconds"]["n"],
        ]
        for n, info in r["n_jobs"].items()
    ]
    grid = ", ".join(f"`{k}` {v}" for k, v in r["grid"].items())
    ratio = h["ratio_2_over_1"]
    if ratio is None:
        advice = "`n_jobs=2` was not measured (a quick run)"
    elif ratio < 0.95:
        advice = (
            f"`n_jobs=2` / `n_jobs=1`: {ratio:.2f}: two workers are faster; "
            "use `n_jobs=2` (or -1) on this machine"
        )
    else:
        advice = (
            f"`n_jobs=2` / `n_jobs=1`: {ratio:.2f}: two workers are no "
            "faster than one process using both cores"
        )
    return "\n\n".join(
        [
            "## The README's grid search: `n_jobs`",
            f"`GridSearchCV(make_digit_pipeline(), ...)` over {grid}, "
            f"{r['cv']}-fold, on the {r['data']}, each search a fresh Python "
            f"process (as a script), runs interleaved; {r['cores']} cores.",
            markdown_table(["search", "median s", "min–max", "runs"], rows, "lrrr"),
            f"{advice}. "
            f"Every search chose the same candidate: {h['same_best_params']}; "
            f"its refit reads {100 * h['test_score']:.2f} % of the sample's "
            "test images. Load average (1, 5, 15 min) at the start "
            f"{loadavg_text(r['loadavg'][0])}, at the end "
            f"{loadavg_text(r['loadavg'][1])}.",
        ]
    )
