"""RESULTS.md section of ``benchmarks/serve_startup.py``: how long
``skdigits serve MODEL`` takes to answer its first request."""

from __future__ import annotations

from benchmarks.render._markdown import loadavg_text, markdown_table

LABELS = {
    "serve": "`skdigits serve MODEL` to its first answer",
    "serve_inference_file": "the same, inference-only file",
    "import_persistence": "`import skdigits.persistence` (scikit-learn estimators)",
    "python": "`python -c pass` (interpreter start-up)",
}


def render(record: dict) -> str:
    r = record["result"]
    rows = [
        [
            label,
            f"{r['timings'][key]['median']:.2f}",
            f"{r['timings'][key]['min']:.2f}–{r['timings'][key]['max']:.2f}",
            r["timings"][key]["n"],
        ]
        for key, label in LABELS.items()
    ]
    h = r["headline"]
    return "\n\n".join(
        [
            "## `skdigits serve` start-up",
            "Wall-clock seconds from starting a fresh server process with the "
            "saved default network to its first `GET /api/model` answer, runs "
            "interleaved with the references:",
            markdown_table(["process", "median s", "min–max", "runs"], rows, "lrrr"),
            f"Median {h['serve_median_seconds']:.2f} s (fastest run "
            f"{h['serve_min_seconds']:.2f} s). The server reads the file with "
            "NumPy alone; a process that only imports `skdigits.persistence`, "
            "which loading the file as scikit-learn estimators needs, takes "
            f"{h['import_persistence_median_seconds']:.2f} s. "
            "Load average (1, 5, 15 min) "
            f"{loadavg_text(r.get('loadavg_before'))} before the runs, "
            f"{loadavg_text(r.get('loadavg_after'))} after.",
        ]
    )
