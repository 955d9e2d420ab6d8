"""RESULTS.md section of ``benchmarks/overhead.py``."""

from __future__ import annotations

from benchmarks.render._markdown import markdown_table, sec

LABELS = {
    "keras_fit": "plain `model.fit` (reference)",
    "classifier": "DenseDigitClassifier (defaults: LR schedule, unseeded)",
    "classifier_seeded": "DenseDigitClassifier(random_state=0): op determinism",
    "classifier_constant_lr": "DenseDigitClassifier(lr_schedule='constant'): "
    "no schedule",
    "keras_fit_seeded": "plain `model.fit` inside SciKeras's seeding context",
}


WHOLE_FIT_LABELS = {
    "keras_fit": "plain `model.fit` (reference)",
    "classifier": "DenseDigitClassifier, unseeded",
    "classifier_seeded": "DenseDigitClassifier(random_state=0)",
    "keras_fit_seeded": "plain `model.fit` in SciKeras's seeding context",
}


def render_whole_fit(o: dict) -> list[str]:
    """The whole fit (build, trace, epochs) against plain model.fit."""
    if "whole_fit" not in o:
        return []
    rows = []
    for key, block in o["whole_fit"].items():
        epochs = key.removeprefix("epochs_")
        for name, label in WHOLE_FIT_LABELS.items():
            r = block[name]
            s = r["fit_seconds"]
            extra = r.get("ratio_to_seeded_keras_fit")
            rows.append(
                [
                    epochs,
                    label,
                    sec(s["median"]),
                    f"{s['min']:.2f}–{s['max']:.2f}",
                    f"{r['ratio_of_medians']:.3f}"
                    + (f" ({extra:.3f})" if extra is not None else ""),
                    f"{r['ratio_of_minima']:.3f}",
                    f"{r['spread']:.2f}",
                    f"{r['fits_with_full_gc']}/{s['n']}",
                ]
            )
    return [
        "",
        "Whole fits (build, trace and every epoch, from scratch), the variants "
        "interleaved with their order rotated, each fit from a collected heap: "
        "s per fit, the ratio of medians to plain `model.fit` (for the seeded "
        "classifier, in brackets, to plain `model.fit` in SciKeras's seeding "
        "context, where op determinism is on too), and the spread max/min. "
        "*full GC*: fits inside which a full garbage collection ran (each "
        "takes some 0.3–1 s with TensorFlow's ~400,000 objects).",
        "",
        markdown_table(
            [
                "epochs",
                "variant",
                "s/fit median",
                "min–max",
                "ratio of medians",
                "ratio of minima",
                "spread",
                "full GC",
            ],
            rows,
            align="rlrrrrrr",
        ),
    ]


def render_peak(o: dict) -> list[str]:
    """A plain epoch against the cores' matrix-product peak."""
    if "peak" not in o:
        return []
    pk = o["peak"]
    f, tf, npy, th = (
        pk["epoch_flops"],
        pk["tf_gemm"],
        pk["numpy_gemm"],
        pk["theoretical"],
    )
    rows = [
        [
            name,
            sec(v["steady_epoch_seconds"], 3),
            f"{v['gflops']:.1f}",
            f"{v['gflops'] / tf['gflops_best']:.0%}",
        ]
        for name, v in pk.get("variants", {}).items()
    ]
    theory = (
        f"{th['gflops']:.0f} GFLOP/s ({th['cores']} cores x "
        f"{th['flops_per_cycle_per_core']} FLOP/cycle x {th['mhz']:.0f} MHz; "
        f"{th['assumption']})"
        if th.get("gflops")
        else "unknown"
    )
    return [
        "",
        "### An epoch against the cores' peak",
        "",
        f"float32 GEMM {tf['n']}³ through TensorFlow (skdigits's threads: "
        f"intra-op {tf['intra_op_threads']}, inter-op {tf['inter_op_threads']}, "
        f"0 = one per core): best {tf['gflops_best']:.1f} GFLOP/s (median "
        f"{tf['gflops_median']:.1f}); NumPy/OpenBLAS sgemm best "
        f"{npy['gflops_best']:.1f} (median {npy['gflops_median']:.1f}); "
        f"theoretical {theory}. One epoch of {f['n_samples']:,} images at batch "
        f"{f['batch_size']}: {f['total'] / 1e9:.1f} GFLOP ({f['formula']}; "
        f"elementwise {f['elementwise'] / f['total']:.1%} of it). Plain "
        f"`model.fit`'s best steady epoch {pk['epoch_seconds_best']:.2f} s = "
        f"{pk['epoch_gflops_best']:.1f} GFLOP/s: **{pk['ratio_to_tf_gemm']:.0%} of "
        f"the TensorFlow GEMM**, {pk['ratio_to_numpy_gemm']:.0%} of OpenBLAS's, "
        + (
            f"{pk['ratio_to_theoretical']:.0%} of the theoretical peak."
            if pk.get("ratio_to_theoretical")
            else "theoretical peak unknown."
        ),
        "",
        "What could raise it, each in a fresh process (best steady epoch of "
        "plain `model.fit`; share of the TensorFlow GEMM above):",
        "",
        markdown_table(
            ["variant", "s/epoch", "GFLOP/s", "of TF GEMM"], rows, align="lrrr"
        ),
    ]


def render(record: dict) -> str:
    o = record["result"]
    ref_min = o["keras_fit"]["seconds_per_epoch"]["min"]
    rows = []
    for key, label in LABELS.items():
        r = o[key]
        s = r["seconds_per_epoch"]
        rows.append(
            [
                label,
                sec(s["median"], 3),
                sec(s["iqr"], 3),
                f"{s['min']:.2f}–{s['max']:.2f}",
                f"{r['ratio_vs_keras_fit']:.3f}",
                f"{s['min'] / ref_min:.3f}",
                " / ".join(f"{x:.3f}" for x in r["ratio_per_round"]),
                sec(r["first_epoch_seconds"]["median"]),
                sec(r["outside_epochs_seconds"]["median"]),
            ]
        )
    p = o["profile"]
    profile_rows = [
        [f"`{f['function']}`", f["calls"], sec(f["cumtime"], 3), sec(f["tottime"], 3)]
        for f in p["top_wrapper_functions"][:10]
    ]
    return "\n".join(
        [
            "## Wrapper overhead",
            "",
            f"Full training set, batch {o['batch_size']} (the classifier's "
            f"default), {o['epochs_per_fit']} epochs per fit, {o['rounds']} rounds "
            "with the variants interleaved (order rotated each round). s/epoch "
            "pools epochs 2.. of every fit; the ratio divides medians taken in the "
            "same run. *outside epochs* = fit wall time minus the epochs (build, "
            "validation, conversion to tensors). On a shared machine whose epoch "
            "times jump between levels, the ratio of the fastest epochs (*ratio "
            "of minima*) is the steadier reading of the wrapper's own cost.",
            "",
            markdown_table(
                [
                    "variant",
                    "s/epoch median",
                    "IQR",
                    "min–max",
                    "ratio vs model.fit",
                    "ratio of minima",
                    "ratio per round",
                    "1st epoch s",
                    "outside epochs s",
                ],
                rows,
                align="lrrrrrrrr",
            ),
            "",
            f"cProfile of one default fit ({p['epochs']} epochs): total "
            f"{p['total_seconds']:.2f} s, of which Keras `Model.fit` "
            f"{p['keras_model_fit_seconds']:.2f} s and everything else "
            "(validation, one-hot, SciKeras, model build) "
            f"{p['outside_model_fit_seconds']:.2f} s. Largest "
            "skdigits/SciKeras/scikit-learn functions beside `Model.fit`:",
            "",
            markdown_table(
                ["function", "calls", "cumtime s", "tottime s"],
                profile_rows,
                align="lrrr",
            ),
            *render_whole_fit(o),
            *render_peak(o),
        ]
    )
