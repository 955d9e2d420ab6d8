"""RESULTS.md section of ``benchmarks/latency.py``."""

from __future__ import annotations

from benchmarks.render._markdown import markdown_table, ms


def render(record: dict) -> str:
    lat = record["result"]
    batches = list(lat["batches"])
    names: list[str] = []
    for b in batches:
        names += [n for n in lat["batches"][b] if n not in names]
    rows = []
    for n in names:
        row = [n]
        for b in batches:
            r = lat["batches"][b].get(n)
            row.append(
                ""
                if r is None
                else f"{ms(r['median'])} ({ms(r['p90'])}) "
                f"×{r['ratio_vs_keras_predict']:.3g}"
            )
        rows.append(row)
    ag = lat["agreement"]
    sweep = [
        [
            s["n_samples"],
            ms(s["numpy_median"]),
            ms(s["numpy_chunked_median"]),
            ms(s["numpy_1_thread_median"]),
            ms(s["keras_predict_median"]),
            ms(s["keras_predict_on_batch_median"]),
            f"{s['numpy_over_keras']:.2f}",
        ]
        for s in lat["threshold_sweep"]
    ]
    prof = lat["batch1_profile"]
    profile_rows = [
        [f"`{f['function']}`", f"{f['cumtime_per_call_us']:.1f}"]
        for f in prof["top_functions"][:8]
    ]
    counts = ", ".join(
        f"{r['DenseDigitClassifier.predict_proba']['n']} at batch {b}"
        for b, r in lat["batches"].items()
    )
    chunk = lat["predict_chunk_size"]
    return "\n".join(
        [
            "## Prediction latency",
            "",
            "Median (p90) in ms per call after warm-up, and ×ratio to Keras "
            "`Model.predict` (default batch_size=32) at the same batch; calls per "
            f"candidate: {counts}, candidates alternated in blocks. Models fitted "
            "briefly on the first training samples (latency does not depend on "
            "training).",
            "",
            markdown_table(
                ["candidate"] + [f"batch {b}" for b in batches],
                rows,
                align="l" + "r" * len(batches),
            ),
            "",
            f"Agreement on {ag['n_samples']} test images, `predict_proba` (NumPy, "
            f"chunks of {chunk}) vs `model_.predict`: max |diff| "
            f"{ag['max_abs_diff']:.2e}, mean {ag['mean_abs_diff']:.2e}, "
            f"{ag['argmax_disagreements']} argmax disagreements (float32 eps "
            f"{ag['float32_eps']:.1e}).",
            "",
            "NumPy forward by batch size (whole batch; in chunks of "
            f"`PREDICT_CHUNK_SIZE` = {chunk}, as `predict_proba` runs it; with one "
            "BLAS thread) vs Keras `predict` (batch_size=1000) and Keras "
            "`predict_on_batch` (medians, ms):",
            "",
            markdown_table(
                [
                    "samples",
                    "NumPy",
                    "NumPy chunked",
                    "NumPy 1 thread",
                    "Keras predict",
                    "Keras predict_on_batch",
                    "NumPy / Keras predict",
                ],
                sweep,
                align="rrrrrrr",
            ),
            "",
            f"cProfile of {prof['calls']} one-sample `predict_proba` calls, "
            "cumulative µs per call (profiling inflates them):",
            "",
            markdown_table(["function", "µs/call"], profile_rows, align="lr"),
        ]
    )
