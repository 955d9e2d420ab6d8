"""RESULTS.md section of ``benchmarks/predict_cli.py``: the wall time of
``skdigits predict`` as a whole process, and the saved model's size."""

from __future__ import annotations

LABELS = {
    "keras_load": "before: CLI with the Keras network loaded (TensorFlow)",
    "cli": "`python -m skdigits predict` at this commit",
    "numpy_only": "`skdigits.inference.predict_digits` (NumPy + Pillow)",
    "numpy_only_inference_file": "the same, inference-only file",
    "python": "`python -c pass` (interpreter start-up)",
}


def _table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _load(values: list | None) -> str:
    return ", ".join(f"{v:.1f}" for v in values) if values else "not recorded"


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
            f"Wall-clock seconds of the whole process that classifies "
            f"{r['n_images']} PNG digits with the saved default network "
            f"(fresh processes, runs interleaved):",
            _table(["path", "median s", "min–max", "IQR", "runs"], rows),
            f"The NumPy-only path takes {h['numpy_only_median_seconds']:.2f} s, "
            f"{h['speedup_vs_before']:.1f}× faster than loading the Keras network "
            f"({h['before_median_seconds']:.2f} s) and "
            f"{h['speedup_vs_cli']:.1f}× faster than the CLI at this commit "
            f"({h['cli_median_seconds']:.2f} s, which still imports scikit-learn). "
            f"Fastest runs: {h['numpy_only_min_seconds']:.2f} s against "
            f"{h['before_min_seconds']:.2f} s. Load average (1, 5, 15 min) "
            f"{_load(r.get('loadavg_before'))} before the runs, "
            f"{_load(r.get('loadavg_after'))} after, on "
            f"{record['machine']['cores_usable']} cores.",
            _table(
                ["process", "heavy modules imported"],
                [
                    ["`skdigits predict` (CLI)", _modules(m["cli"])],
                    ["`predict_digits`", _modules(m["numpy_only"])],
                    ["`skdigits --help`", _modules(m["help"])],
                    ["`skdigits predict --help`", _modules(m["predict_help"])],
                ],
            ),
            _table(
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
