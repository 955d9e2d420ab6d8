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
        ]
    )
