"""RESULTS.md section of ``benchmarks/augmentation.py``, and its figure.

``render(record)`` returns the Markdown; ``plot(record, path)`` draws test
accuracy against training seconds (the figure of the docs' augmentation and
performance pages) and ``plot_plain_epochs(record, path)`` against plain
epochs (training seconds over one un-augmented epoch of the same run). Run
``python -m benchmarks.render.augmentation`` to redraw the figures from the
stored result.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.render._markdown import markdown_table, pct

FIGURE = Path("docs/_static/augmentation/accuracy_vs_seconds.png")
PLAIN_FIGURE = Path("docs/_static/augmentation/accuracy_vs_plain_epochs.png")

LABELS = {
    "default": "DenseDigitClassifier() (no augmentation)",
    "notebook": "notebook Keras loop (100 epochs, batch 1000, Adam 1e-3)",
    "mnist-fast": 'RECIPES["mnist-fast"]: fast to 99 %',
    "mnist-5min": 'RECIPES["mnist-5min"]: (784, 196), affine + elastic',
    "mnist-15min": 'RECIPES["mnist-15min"]: stretch, affine + elastic',
}
COLORS = {
    "default": "black",
    "notebook": "tab:brown",
    "mnist-fast": "tab:green",
    "mnist-5min": "tab:blue",
    "mnist-15min": "tab:red",
}
RECORD_COLOR = "tab:purple"


def reached_text(level: dict, n_runs: int) -> str:
    """Mean seconds and plain epochs to one level, and how many runs got there."""
    if not level["n_reached"]:
        return "not reached"
    text = (
        f"{level['mean_seconds']:.0f} s, {level['mean_plain_epochs']:.1f} "
        f"(max {level['max_plain_epochs']:.1f})"
    )
    if level["n_reached"] < n_runs:
        text += f", {level['n_reached']} of {n_runs} runs"
    return text


def time_to_accuracy_section(r: dict) -> list[str]:
    """The time-to-accuracy table and figure, when the result has them."""
    runs = r["runs"]
    keys = [k for k in LABELS if k in runs and "to_accuracy" in runs[k]["summary"]]
    if not keys:
        return []
    levels = list(runs[keys[0]]["summary"]["to_accuracy"])
    rows = []
    for key in keys:
        s = runs[key]["summary"]
        rows.append(
            [
                LABELS[key],
                pct(s["mean_accuracy"]),
                f"{s['mean_total_plain_epochs']:.1f}",
                *(reached_text(s["to_accuracy"][lv], s["n_seeds"]) for lv in levels),
            ]
        )
    plain = r["plain_epoch"]
    chosen = [
        f"- `{key}`: {runs[key]['chosen']}." for key in keys if "chosen" in runs[key]
    ]
    return [
        "",
        "### Time to accuracy",
        "",
        "Training seconds and *plain epochs* until the test accuracy first "
        "reaches each level (mean over the seeds; in brackets the slowest "
        "seed). A plain epoch is one un-augmented epoch of the notebook's "
        "network (784, 196) at batch 500 on the same training set, timed right "
        "before and after each run: this run's median "
        f"{plain['median']:.2f} s ({plain['min']:.2f}–{plain['max']:.2f} s, "
        f"{plain['n']} epochs). A recipe's whole fit is in the third column.",
        "",
        markdown_table(
            [
                "run",
                "test accuracy (mean)",
                "whole fit, plain epochs",
                *(f"to {100 * float(lv):.1f} %" for lv in levels),
            ],
            rows,
        ),
        "",
        f"![Test accuracy against plain epochs](../{PLAIN_FIGURE.as_posix()})",
        "",
        "How each recipe was chosen (never on the test set; the test "
        "accuracy above comes after the choice):",
        "",
        *chosen,
    ]


def render(record: dict) -> str:
    r = record["result"]
    runs = r["runs"]
    result_rows = []
    for key, label in LABELS.items():
        if key not in runs:
            continue
        s = runs[key]["summary"]
        seeds = ", ".join(str(run["seed"]) for run in runs[key]["runs"])
        spread = (
            f"± {100 * s['std_accuracy']:.2f} ({pct(s['min_accuracy'])}–"
            f"{pct(s['max_accuracy'])})"
            if s["n_seeds"] > 1
            else "one seed"
        )
        result_rows.append(
            [
                label,
                seeds,
                pct(s["mean_accuracy"]),
                spread,
                f"{s['mean_train_seconds']:.0f} (max {s['max_train_seconds']:.0f})",
                f"{runs[key]['runs'][0]['median_epoch_seconds']:.2f}",
            ]
        )
    added = [
        f"seeds {', '.join(map(str, runs[key]['added']['seeds']))} of {key} ran "
        f"later, at {runs[key]['added']['commit']} ({runs[key]['added']['date']}), "
        "on a quieter machine"
        for key in LABELS
        if key in runs and "added" in runs[key]
    ]
    if "epoch_cost_rerun" in r:
        rerun = r["epoch_cost_rerun"]
        added.append(
            f"the epoch-cost table was measured again at {rerun['commit']} "
            f"({rerun['date']}, load average {rerun['loadavg_before']} before, "
            f"{rerun['loadavg_after']} after)"
        )
    cost = r["epoch_cost"]
    cost_rows = []
    for name, c in cost.items():
        if "median" in c:
            cost_rows.append(
                [
                    name,
                    c["description"],
                    f"{c['median']:.2f} ({c['min']:.2f}–{c['max']:.2f})",
                    f"{c['ratio_median']:.2f}",
                    f"{c['ratio_min']:.2f}",
                ]
            )
        else:
            cost_rows.append(
                [
                    name,
                    c["description"],
                    f"+{c['added_seconds']:.2f} (NumPy, serial)",
                    f"{c['ratio_median']:.2f}",
                    "—",
                ]
            )
    return "\n".join(
        [
            "## Augmentation: accuracy against training seconds",
            "",
            f"Full runs on {r['n_train']:,} training and {r['n_test']:,} test "
            f"images ({r['source']}). Training seconds exclude the per-epoch test "
            "scoring. The machine is shared: load average "
            f"{r['loadavg_start']} at the start, {r['loadavg_end']} at the end, so "
            "compare times within this run (the un-augmented reference epoch is "
            "in the second table).",
            "",
            markdown_table(
                [
                    "run",
                    "seeds",
                    "test accuracy (mean)",
                    "spread (std, min–max)",
                    "training s (mean)",
                    "s/epoch",
                ],
                result_rows,
            ),
            *(["", f"Added runs: {'; '.join(added)}."] if added else []),
            "",
            f"![Test accuracy against training seconds](../{FIGURE.as_posix()})",
            *time_to_accuracy_section(r),
            "",
            "### Cost of an augmented epoch",
            "",
            "Seconds per epoch of the default network (784, 196; batch 500) on the "
            "whole training set, median over interleaved epochs (range in "
            "brackets; the first epoch, which traces and compiles, is not timed), "
            "and the ratio to the un-augmented epoch of the same run (median/median "
            "and min/min). On a loaded machine the medians carry other jobs' "
            "bursts (a ratio below 1 is such noise); the min/min ratio compares "
            "the least disturbed epochs and is the one the target checks.",
            "",
            markdown_table(
                ["option", "what", "s/epoch", "ratio (median)", "ratio (min)"],
                cost_rows,
            ),
        ]
    )


def plot(record: dict, path: Path | str = FIGURE) -> Path:
    """Test accuracy after each epoch against training seconds, every run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = record["result"]["runs"]
    fig, ax = plt.subplots(figsize=(8, 4.8), layout="constrained")
    for key, label in LABELS.items():
        if key not in runs:
            continue
        for i, run in enumerate(runs[key]["runs"]):
            ax.plot(
                run["training_seconds"],
                [100 * a for a in run["test_accuracy"]],
                color=COLORS[key],
                lw=1.8 if key == "default" else 1.2,
                alpha=0.85,
                zorder=3 if key == "default" else 2,  # short: draw it on top
                label=label if i == 0 else None,
            )
    right = 950
    for level in (99.3, 99.4):
        ax.axhline(level, color="black", lw=0.6, ls=":")
        ax.text(right, level, f"{level} % ", fontsize=8, ha="right", va="bottom")
    for seconds, text in ((300, "5 min"), (900, "15 min")):
        ax.axvline(seconds, color="black", lw=0.6, ls="--")
        ax.text(seconds, 97.05, f"{text} ", fontsize=8, ha="right", va="bottom")
    ax.set_ylim(97.0, 99.7)
    ax.set_xlim(0, right)
    ax.set_xlabel("training seconds (test scoring excluded)")
    ax.set_ylabel("test accuracy after each epoch (%)")
    ax.set_title("Full MNIST: distorted training batches against none")
    ax.grid(alpha=0.3)
    ax.legend(loc="center right", fontsize=8)
    return _save(fig, path)


def _save(fig, path: Path | str) -> Path:
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_plain_epochs(
    record: dict, path: Path | str = PLAIN_FIGURE, record_committee: dict | None = None
) -> Path:
    """Test accuracy after each epoch against plain epochs, every run; with
    ``record_committee`` (the record question's stored result), its runs too:
    the first member epoch by epoch, then a marker as each member joins."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = record["result"]["runs"]
    fig, ax = plt.subplots(figsize=(8, 5.6), layout="constrained")
    right = 0.0
    for key, label in LABELS.items():
        if key not in runs or "plain_epochs" not in runs[key]["runs"][0]:
            continue
        for i, run in enumerate(runs[key]["runs"]):
            right = max(right, run["plain_epochs"][-1])
            ax.plot(
                run["plain_epochs"],
                [100 * a for a in run["test_accuracy"]],
                color=COLORS[key],
                lw=1.2,
                alpha=0.85,
                label=label if i == 0 else None,
            )
    if record_committee is not None:
        r = record_committee["result"]
        n_members = r["recipe"]["n_members"]
        label = (
            f"record: {n_members} × {r['recipe']['recipe']}, a committee "
            "(a dot as each member joins)"
        )
        for i, run in enumerate(r["runs"]):
            right = max(right, run["plain_epochs"][-1])
            joined = len(run["plain_epochs"]) - (n_members - 1)
            ax.plot(
                run["plain_epochs"],
                [100 * a for a in run["test_accuracy"]],
                color=RECORD_COLOR,
                lw=1.2,
                alpha=0.85,
                marker="o",
                markevery=list(range(joined, len(run["plain_epochs"]))),
                label=label if i == 0 else None,
            )
    for level in (98.5, 99.0, 99.3, 99.5):
        ax.axhline(level, color="black", lw=0.6, ls=":")
        ax.text(1.03, level, f"{level} %", fontsize=8, ha="left", va="bottom")
    # The budgets of the fast and record recipes (issue 24), where the runs
    # come near them.
    right = max(right * 1.05, 660.0 if record_committee is not None else 0.0)
    for budget in (30, 600):
        if budget < right:
            ax.axvline(budget, color="black", lw=0.6, ls="--")
            ax.text(
                budget,
                97.05,
                f"{budget} plain epochs ",
                fontsize=8,
                ha="right",
                va="bottom",
            )
    ax.set_xscale("log")
    ax.set_ylim(97.0, 99.7)
    ax.set_xlim(1, right)
    ax.set_xlabel(
        "training time in plain epochs (one un-augmented (784, 196) epoch at "
        "batch 500), log scale"
    )
    ax.set_ylabel("test accuracy after each epoch (%)")
    ax.set_title("Full MNIST: time to accuracy, every recipe")
    ax.grid(alpha=0.3, which="both")
    # Below the axes: inside, it would hide the curves' late epochs.
    fig.legend(loc="outside lower center", ncols=2, fontsize=8)
    return _save(fig, path)


if __name__ == "__main__":  # pragma: no cover - redraws the committed figures
    from benchmarks.common import REPO, load_result

    stored = load_result("augmentation")
    if stored is None:
        raise SystemExit("no stored result: run benchmarks/augmentation.py first")
    print(plot(stored, REPO / FIGURE))
    if "plain_epoch" in stored["result"]:
        # The record question's committees share the time-to-accuracy axis.
        committee = load_result("record")
        print(plot_plain_epochs(stored, REPO / PLAIN_FIGURE, committee))
