"""RESULTS.md section of ``benchmarks/predict_cli.py``: the wall time of
``skdigits predict`` as a whole process, and the saved model's size."""

from __future__ import annotations

from benchmarks.render._markdown import loadavg_text, markdown_table

LABELS = {
    "keras_load": "before: CLI with the Keras network loaded (TensorFlow)",
    "cli": "`python -m skdigits predict` at this commit",
    "numpy_only": "`skdigits.inference.predict_digits` (NumPy + Pillow)",
    "numpy_only_inference_file": "the same, inference-only file",
    "python": "`python -c pass` (interpreter start-up)",
}


def _modules(names: list[str]) -> str:
    return ", ".join(names) if names else "none"


def render(record: dict) -> str:
    r = record["result"]
    rows = []
    for key, label in LABELS.items():
        t = r["timings"][key]
        rows.append(
            [
                label,
                f"{t['median']:.2f}",
                f"{t['min']:.2f}–{t['max']:.2f}",
                f"{t['iqr']:.2f}",
                t["n"],
            ]
        )
    h = r["headline"]
    m = r["heavy_modules"]
    sizes = r["file_sizes"]
    return "\n\n".join(
        [
            "## `skdigits predict` start-up and model size",
            f"Wall-clock seconds of the whole process that classifies "
            f"{r['n_images']} PNG digits with the saved default network "
            f"(fresh processes, runs interleaved):",
            markdown_table(
                ["path", "median s", "min–max", "IQR", "runs"], rows, "lrrrr"
            ),
            f"`skdigits predict` at this commit takes "
            f"{h['cli_median_seconds']:.2f} s "
            f"({h['before_median_seconds'] / h['cli_median_seconds']:.1f}× faster "
            f"than with the Keras network loaded, {h['before_median_seconds']:.2f} s); "
            f"the NumPy-only function alone takes "
            f"{h['numpy_only_median_seconds']:.2f} s. "
            f"Fastest runs: {h['numpy_only_min_seconds']:.2f} s against "
            f"{h['before_min_seconds']:.2f} s. Load average (1, 5, 15 min) "
            f"{loadavg_text(r.get('loadavg_before'))} before the runs, "
            f"{loadavg_text(r.get('loadavg_after'))} after, on "
            f"{record['machine']['cores_usable']} cores.",
            markdown_table(
                ["process", "heavy modules imported"],
                [
                    ["`skdigits predict` (CLI)", _modules(m["cli"])],
                    ["`predict_digits`", _modules(m["numpy_only"])],
                    ["`skdigits --help`", _modules(m["help"])],
                    ["`skdigits predict --help`", _modules(m["predict_help"])],
                ],
            ),
            markdown_table(
                ["saved default network", "MB"],
                [
                    ["full file (with optimizer state)", f"{sizes['full_mb']:.2f}"],
                    [
                        "`save_model(..., include_optimizer=False)`",
                        f"{sizes['inference_only_mb']:.2f}",
                    ],
                ],
            ),
        ]
    )
