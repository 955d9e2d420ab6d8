"""RESULTS.md section of ``benchmarks/robustness.py``."""

from __future__ import annotations

from pathlib import Path

from benchmarks.render._markdown import markdown_table, pct

GALLERY = "docs/_static/robustness/conditions.png"
#: The error-reject curves (``plot_error_reject``), relative to the repository.
ERROR_REJECT_FIGURE = Path("docs/_static/robustness/error_reject.png")
#: Groups of digit conditions pooled in the error-reject curves.
REJECT_GROUPS = {
    "reference": "MNIST as is",
    "mnist": "MNIST shifts",
    "fonts": "fonts",
    "browser": "drawn on the page",
}
#: Thresholds shown in the error-reject table (the figure has them all).
TABLE_THRESHOLDS = (0.5, 0.9, 0.99, 0.999)
#: Fonts (or drawing styles) listed per model: the worst read ones.
WORST_ITEMS = 5


def _how(note: dict) -> str:
    if note["how"] == "loaded":
        return f"loaded from `{note['params'].get('file', 'a file')}`"
    fitted = (
        f"{note['n_train']:,} images of {note['data']}, fitted in "
        f"{note['fit_seconds']:.0f} s"
    )
    if note["how"] == "cached":
        fitted += (
            f", reused from the model cache (fitted at {note['fitted_at_commit']}, "
            f"{note['fitted_on']})"
        )
    return fitted


def _accuracy_cell(row: dict) -> str:
    mean_top = row["mean_top_probability"]  # None: every picture refused
    return f"{pct(row['accuracy'])} ({'—' if mean_top is None else f'{mean_top:.2f}'})"


def pooled_curve(scores: dict, conditions: dict, group: str) -> dict | None:
    """One model's error-reject counts over a group of conditions: for each
    threshold, the share rejected (refused or below it) and the error rate
    among the answers kept."""
    names = [c for c in conditions if conditions[c]["group"] == group]
    curves = [scores[c]["error_reject"] for c in names if "error_reject" in scores[c]]
    if not curves:
        return None
    n = sum(scores[c]["n"] for c in names)
    kept = [sum(c["kept"][i] for c in curves) for i in range(len(curves[0]["kept"]))]
    out = {"thresholds": curves[0]["thresholds"], "n": n}
    out["rejected"] = [1 - k / n for k in kept]
    if curves[0]["errors"][0] is not None:
        errors = [sum(c["errors"][i] for c in curves) for i in range(len(kept))]
        out["error"] = [e / k if k else None for e, k in zip(errors, kept, strict=True)]
    return out


def _own_threshold(scores: dict, conditions: dict, group: str) -> tuple | None:
    """(share rejected, error among kept) of a model's own "not sure" rule."""
    names = [c for c in conditions if conditions[c]["group"] == group]
    rows = [scores[c] for c in names if "share_unsure" in scores[c]]
    if not rows:
        return None
    n = sum(r["n"] for r in rows)
    flagged = sum(r["share_unsure"] * r["n"] for r in rows)
    kept = n - flagged
    if "accuracy_when_sure" not in rows[0]:
        return flagged / n, None
    wrong = sum(
        (1 - r["accuracy_when_sure"]) * r["n"] * (1 - r["share_unsure"])
        for r in rows
        if r["accuracy_when_sure"] is not None
    )
    return flagged / n, (wrong / kept if kept else None)


def _reject_cell(rejected: float, error: float | None) -> str:
    return f"{pct(rejected)} / {pct(error)}"


def error_reject_rows(r: dict) -> list[list[str]]:
    """Rows of the error-reject table: per model, per threshold, per group."""
    models, scores, conditions = r["models"], r["scores"], r["conditions"]
    others = [c for c in conditions if conditions[c]["group"] == "not digits"]
    rows = []
    for m, note in models.items():
        curves = {g: pooled_curve(scores[m], conditions, g) for g in REJECT_GROUPS}
        curves = {g: c for g, c in curves.items() if c is not None}
        if not curves:
            continue
        thresholds = next(iter(curves.values()))["thresholds"]
        for i, t in enumerate(thresholds):
            if t not in TABLE_THRESHOLDS:
                continue
            cells = [
                _reject_cell(c["rejected"][i], c["error"][i]) for c in curves.values()
            ]
            flagged = [
                pct(1 - scores[m][c]["error_reject"]["kept"][i] / scores[m][c]["n"])
                for c in others
            ]
            rows.append([f"`{m}`", f"{t:g}", *cells, *flagged])
        own = note["params"].get("unsure_below")
        if own is not None:
            cells = []
            for g in curves:
                rejected, error = _own_threshold(scores[m], conditions, g)
                cells.append(_reject_cell(rejected, error))
            flagged = [pct(scores[m][c].get("share_unsure")) for c in others]
            rows.append([f"`{m}`", f"**{own:g}** (its own)", *cells, *flagged])
    return rows


def _error_reject_section(r: dict) -> list[str]:
    conditions = r["conditions"]
    groups = [
        label
        for g, label in REJECT_GROUPS.items()
        if any(info["group"] == g for info in conditions.values())
    ]
    others = [c for c in conditions if conditions[c]["group"] == "not digits"]
    rows = error_reject_rows(r)
    if not rows:
        return []
    return [
        "",
        '### Error-reject: what "not sure" buys',
        "",
        'An answer is rejected ("not sure") when its top probability is below '
        "the threshold; a picture that preparation refuses is always rejected. "
        "Cells: share rejected / error rate among the answers kept, pooled over "
        "each group's conditions; the last columns are the share of the "
        "pictures that are not digits that are rejected. The shipped model's "
        "own threshold was calibrated on held-out MNIST training images "
        "(see the pretrained page of the docs).",
        "",
        markdown_table(
            ["model", "threshold", *groups, *(f"{c} flagged" for c in others)], rows
        ),
        "",
        f"![Error-reject curves](../{ERROR_REJECT_FIGURE.as_posix()})",
    ]


def plot_error_reject(record: dict, path: Path | str = ERROR_REJECT_FIGURE) -> Path:
    """Error among accepted answers against share rejected, as the threshold
    varies: one panel per group of conditions, one line per model, and each
    model's own threshold as a dot."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = record["result"]
    models, scores, conditions = r["models"], r["scores"], r["conditions"]
    groups = [
        g
        for g in REJECT_GROUPS
        if any(info["group"] == g for info in conditions.values())
    ]
    fig, axes = plt.subplots(
        1, len(groups), figsize=(3.4 * len(groups), 3.6), layout="constrained"
    )
    for ax, group in zip(list(getattr(axes, "flat", [axes])), groups, strict=True):
        for m in models:
            curve = pooled_curve(scores[m], conditions, group)
            if curve is None:
                continue
            points = [
                (100 * x, 100 * y)
                for x, y in zip(curve["rejected"], curve["error"], strict=True)
                if y is not None
            ]
            (line,) = ax.plot(*zip(*points, strict=True), marker=".", lw=1.2, label=m)
            own = _own_threshold(scores[m], conditions, group)
            if own is not None and own[1] is not None:
                ax.plot(
                    100 * own[0],
                    100 * own[1],
                    "o",
                    color=line.get_color(),
                    ms=8,
                    mfc="none",
                    mew=1.5,
                )
        ax.set_title(f"{REJECT_GROUPS[group]}", fontsize=10)
        ax.set_xlabel("rejected (%)")
        ax.set_ylabel("error among kept answers (%)")
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    axes_list = list(getattr(axes, "flat", [axes]))
    axes_list[0].legend(
        fontsize=8, title="model (ring: its own threshold)", title_fontsize=7
    )
    thresholds = next(iter(scores.values()))
    thresholds = next(iter(thresholds.values()))["error_reject"]["thresholds"]
    fig.suptitle(
        f"Error-reject curves: thresholds {min(thresholds):g} (left end) to "
        f"{max(thresholds):g} ({r.get('split', 'test')} split)",
        fontsize=10,
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _recipe_seed_section(r: dict) -> list[str]:
    """A recipe over its seeds: the figures its targets are stated in."""
    lines = []
    for recipe, summary in r.get("recipe_seeds", {}).items():
        rows = [
            [
                str(seed),
                f"`{v['model']}`",
                pct(v["mnist"]),
                f"{pct(v['worst']['accuracy'])} ({v['worst']['condition']})",
                pct(v["printed_fonts"]),
                "—" if v["fit_seconds"] is None else f"{v['fit_seconds']:.0f} s",
            ]
            for seed, v in summary["seeds"].items()
        ]
        rows.append(
            [
                "**all**",
                "",
                f"**{pct(summary['mnist_mean'])}** (mean)",
                f"**{pct(summary['worst_min'])}** (lowest)",
                f"**{pct(summary['printed_fonts_min'])}** (lowest)",
                "—"
                if summary["max_fit_seconds"] is None
                else f"**{summary['max_fit_seconds']:.0f} s** (slowest)",
            ]
        )
        lines += [
            f'`RECIPES["{recipe}"]` over its seeds ({summary["reference_condition"]}'
            "; training time as fitted, on the run's machine):",
            "",
            markdown_table(
                [
                    "seed",
                    "model",
                    "MNIST",
                    "worst condition",
                    "printed fonts",
                    "training",
                ],
                rows,
            ),
            "",
        ]
    return lines


def render(record: dict) -> str:
    r = record["result"]
    models, scores, conditions = r["models"], r["scores"], r["conditions"]
    names = list(models)
    digit_conditions = [c for c in conditions if conditions[c]["group"] != "not digits"]
    other = [c for c in conditions if conditions[c]["group"] == "not digits"]

    model_rows = [
        [f"`{name}`", note["label"], _how(note)] for name, note in models.items()
    ]
    rows = []
    for c in digit_conditions:
        info = conditions[c]
        rows.append(
            [
                c,
                info["group"],
                f"{info['n']:,}",
                *(_accuracy_cell(scores[m][c]) for m in names),
            ]
        )
    rows.append(
        [
            "**worst condition**",
            "",
            "",
            *(
                f"**{pct(models[m]['worst']['accuracy'])}** "
                f"({models[m]['worst']['condition']})"
                for m in names
            ),
        ]
    )
    sure_rows = []
    for c in other:
        for m in names:
            s = scores[m][c]
            sure_rows.append(
                [
                    c,
                    f"`{m}`",
                    f"{s['n']:,}",
                    pct(s["refused"] / s["n"]),
                    pct(s["share_top_at_least_0.9"]),
                    pct(s["share_top_at_least_0.5"]),
                    "—"
                    if s["mean_top_probability"] is None
                    else f"{s['mean_top_probability']:.2f}",
                    pct(s.get("share_unsure")),
                ]
            )
    worst_items = []
    for m in names:
        for c, items in models[m]["per_item"].items():
            ranked = sorted(items.items(), key=lambda kv: (kv[1], kv[0]))[:WORST_ITEMS]
            worst_items.append(
                [f"`{m}`", c, "; ".join(f"{k} {pct(v)}" for k, v in ranked)]
            )
    confusions = []
    for m in names:
        worst_c = models[m]["worst"]["condition"]
        top = scores[m][worst_c].get("top_confusions", [])
        confusions.append(
            [
                f"`{m}`",
                worst_c,
                ", ".join(f"{t['true']}→{t['read']} ×{t['count']}" for t in top),
            ]
        )
    conditions_rows = [
        [c, info["group"], info.get("severity", ""), info["what"]]
        for c, info in conditions.items()
    ]
    fonts = {c: info["fonts"] for c, info in conditions.items() if "fonts" in info}
    drawn = conditions.get("drawn on the serve page", {}).get("page_agreement")
    skipped = r.get("skipped", {})
    return "\n".join(
        [
            "## Robustness: digits that do not come from MNIST",
            "",
            "Each picture goes through the user's path (`prepare_digit`, as "
            "`skdigits predict` and `serve` do) before the model reads it. "
            f"MNIST shifts apply to the same {conditions['clean picture']['n']:,} "
            f"test digits (seeded, seed {r['seed']}; data: {r['source']}). A "
            "picture that preparation refuses (no digit found) counts as wrong. "
            "Cells: accuracy (mean top probability).",
            "",
            markdown_table(["model", "what", "training"], model_rows),
            "",
            markdown_table(
                ["condition", "group", "n", *(f"`{m}`" for m in names)], rows
            ),
            "",
            *_recipe_seed_section(r),
            "The most frequent misreadings in each model's worst condition "
            "(true→read):",
            "",
            markdown_table(["model", "worst condition", "misreadings"], confusions),
            "",
            "### Not digits: letters, scribbles, blank canvases",
            "",
            'What a "not sure" rule has to catch: the share that preparation '
            "refuses (no ink found), and of all pictures the share the model "
            "answers with a top probability of at least 0.9 and 0.5. The last "
            "column is the share a model's `unsure` rule flags ("
            + (
                "the shipped model's calibrated threshold; — for a model without one)."
                if any(note.get("has_unsure_rule") for note in models.values())
                else "none has one yet)."
            ),
            "",
            markdown_table(
                [
                    "pictures",
                    "model",
                    "n",
                    "refused",
                    "top p ≥ 0.9",
                    "top p ≥ 0.5",
                    "mean top p (accepted)",
                    "flagged unsure",
                ],
                sure_rows,
            ),
            *_error_reject_section(r),
            "",
            f"### Worst read fonts and drawing styles ({WORST_ITEMS} per model)",
            "",
            markdown_table(["model", "condition", "worst items"], worst_items),
            *(
                [
                    "",
                    f"The page served `{drawn['served_model']}`; its answer on the "
                    "page equals the same model's answer on the pad's picture read "
                    f"back for {pct(drawn['share_page_equals_offline'])} of the "
                    "drawings.",
                ]
                if drawn
                else []
            ),
            "",
            "### Conditions",
            "",
            markdown_table(["condition", "group", "severity", "what"], conditions_rows),
            "",
            *(
                f'Fonts of "{c}" ({len(f)}): {", ".join(f)}.\n'
                for c, f in fonts.items()
            ),
            *(
                [
                    "Skipped: "
                    + "; ".join(f"{k}: {v}" for k, v in skipped.items())
                    + ".",
                    "",
                ]
                if skipped
                else []
            ),
            f"![A few pictures of each condition, before and after preparation]"
            f"(../{GALLERY})",
        ]
    )


if __name__ == "__main__":  # pragma: no cover - redraws the committed figure
    from benchmarks.common import REPO, load_result

    stored = load_result("robustness")
    if stored is None:
        raise SystemExit("no stored result: run benchmarks/robustness.py first")
    print(plot_error_reject(stored, REPO / ERROR_REJECT_FIGURE))
