"""RESULTS.md section of ``benchmarks/memory.py``."""

from __future__ import annotations

from benchmarks.render._markdown import markdown_table, sec

REPEAT_LABELS = {
    "repeat_classifier": "DenseDigitClassifier as shipped (releases after each fit)",
    "repeat_classifier_gc": "as shipped + gc.collect()",
    "repeat_classifier_norelease": "without the release",
    "repeat_classifier_norelease_clear_session": (
        "without the release + clear_session()"
    ),
    "repeat_keras": "plain Keras fit (control)",
    "repeat_keras_release": "plain Keras fit + the release",
}


def render(record: dict) -> str:
    mem = record["result"]
    out = [
        "## Memory",
        "",
        "Each row group ran in a fresh subprocess. RSS from /proc/self/status "
        "(VmRSS; peak = VmHWM, reset just before the fit via /proc/self/clear_refs).",
    ]
    peaks = [(k, v) for k, v in mem.items() if k.startswith("peak_")]
    if peaks:
        rows = [
            [
                k.removeprefix("peak_"),
                v["epochs"],
                v["n_train"],
                sec(v["rss_before_mb"], 0),
                sec(v["peak_rss_mb"], 0),
                sec(v["peak_increase_mb"], 0),
                sec(v["rss_after_mb"], 0),
                sec(v["fit_seconds"], 1),
            ]
            for k, v in peaks
        ]
        headers = ["fit", "epochs", "train samples", "RSS before fit MB"]
        headers += ["peak RSS MB", "peak − before MB", "RSS after MB", "fit s"]
        out += ["", markdown_table(headers, rows, align="lrrrrrrr")]
    repeats = [(k, v) for k, v in mem.items() if k.startswith("repeat_")]
    if repeats:
        a, b = repeats[0][1]["checkpoints"]
        rows = [
            [
                REPEAT_LABELS.get(k, k),
                sec(v["rss_mb"][0], 0),
                sec(v["rss_at_first_checkpoint_mb"], 0),
                sec(v["rss_at_last_checkpoint_mb"], 0),
                f"{v['growth_ratio']:.3f}",
                f"{v['mb_per_fit']:.2f}",
                " → ".join(str(x) for x in v["python_objects"].values()),
                v.get("gradient_registry_size"),
                sec(v["fit_seconds"]["median"]),
            ]
            for k, v in repeats
        ]
        headers = ["loop", "RSS after 1 MB", f"after {a} MB", f"after {b} MB"]
        headers += [f"{b}/{a}", f"MB per fit ({a}..{b})"]
        headers += [f"Python objects 1 → {a} → {b}", "gradient registry entries"]
        headers += ["s/fit median"]
        out += [
            "",
            "Successive small fits (hidden (64,), 1 epoch, "
            f"{repeats[0][1]['n_samples']} samples), each replacing the previous "
            "estimator:",
            "",
            markdown_table(headers, rows, align="lrrrrrrrr"),
            "",
            "The growth is TensorFlow's: every traced train step registers its "
            "optimizer's all-reduce `tf.custom_gradient` in the process-global "
            "gradient registry, which pins the whole step graph "
            "(tensorflow/tensorflow issue 97697); `clear_session` does not clear "
            "it. DenseDigitClassifier drops those entries after each fit "
            "(`_release_train_step_graphs` in `skdigits/_keras/scikeras_glue.py`).",
        ]
    return "\n".join(out)
