"""RESULTS.md section of ``benchmarks/accuracy.py``."""

from __future__ import annotations

from benchmarks.render._markdown import markdown_table, pct, sec

NAMES = {
    "classifier": "DenseDigitClassifier() (defaults)",
    "keras": "notebook Keras loop (Adam 1e-3, 100 epochs)",
    "mlp": "MLPClassifier (784, 196), Adam 1e-3",
}
CHECKPOINTS = (1, 5, 10, 15, 20, 30, 36, 50, 75, 100)


def render(record: dict) -> str:
    a = record["result"]
    target = a["target_accuracy"]
    rows = []
    for key, label in NAMES.items():
        r = a[key]
        s = r["seconds_per_epoch"]
        hit = r["first_at_target"]
        rows.append(
            [
                label,
                r["epochs"],
                f"{s['median']:.2f} ({s['min']:.2f}–{s['max']:.2f})",
                sec(r["training_seconds"], 1),
                sec(r["wall_seconds"], 1),
                pct(r["final_accuracy"]),
                f"{pct(r['best_accuracy'])} (ep {r['best_epoch']})",
                hit["epoch"] or "never",
                sec(hit["training_seconds"], 1),
            ]
        )
    epochs = [e for e in CHECKPOINTS if any(e <= a[k]["epochs"] for k in NAMES)]
    by_epoch = [
        [label]
        + [
            pct(a[k]["test_accuracy"][e - 1]) if e <= a[k]["epochs"] else ""
            for e in epochs
        ]
        for k, label in NAMES.items()
    ]
    clf = a["classifier"]
    overridden = clf.get("epochs_overridden")
    # JSON turns tuples into lists; show them as get_params() gave them.
    params = ", ".join(
        f"{k}={tuple(v) if isinstance(v, list) else v!r}"
        for k, v in clf["params"].items()
    )
    return "\n".join(
        [
            "## Accuracy and time to accuracy",
            "",
            "Test accuracy is evaluated after every epoch by a callback whose "
            "clock stops before evaluating, so *training s* excludes evaluation. "
            "s/epoch is the median over epochs 2.. (the first also traces), range "
            "in brackets. Unseeded single runs: accuracy varies by about ±0.1 % "
            "between runs.",
            "",
            markdown_table(
                [
                    "model",
                    "epochs",
                    "s/epoch",
                    "training s",
                    "wall s",
                    "final acc",
                    "best acc",
                    f"first ≥ {target:.1%} (epoch)",
                    f"training s to {target:.1%}",
                ],
                rows,
                align="lrrrrrrrr",
            ),
            "",
            "Test accuracy at selected epochs:",
            "",
            markdown_table(
                ["model"] + [f"ep {e}" for e in epochs],
                by_epoch,
                align="l" + "r" * len(epochs),
            ),
            "",
            "DenseDigitClassifier defaults read with `get_params()` at run time"
            + (f" (epochs overridden to {overridden} by --quick)" if overridden else "")
            + ":",
            "",
            f"`{params}`",
            "",
            f"Optimizer steps: Keras {a['keras']['optimizer_updates']}, "
            f"MLPClassifier {a['mlp']['optimizer_updates']} (equal = same number "
            "of Adam updates). MLPClassifier: alpha=0, epsilon=1e-7 (Keras's), "
            "shuffle=True, one `partial_fit` per epoch (keeps Adam's state), no "
            "dropout.",
        ]
    )
