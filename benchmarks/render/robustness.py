"""RESULTS.md section of ``benchmarks/robustness.py``."""

from __future__ import annotations

from benchmarks.render._error_reject import error_reject_section
from benchmarks.render._markdown import markdown_table, pct

GALLERY = "docs/_static/robustness/conditions.png"
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


#: Issue 32's terms (benchmarks/_summaries.py's model_summary), in order.
SUMMARY_ROWS = {
    "mnist": "MNIST test set",
    "digit_conditions_worst": "worst digit condition but the two below",
    "hard_conditions_min": "thicker +4 px and rotated 30°, the lower",
    "handwriting_fonts_without_outline": "handwriting fonts (without the outline font)",
    "drawn": "drawn on the serve page",
    "one_or_seven": "1-or-7 drawings: not sure of 1 or 7 / sure 1 / sure 7",
    "mnist_error_kept": "MNIST: error among the answers kept",
    "fonts_and_drawings_error_kept": "fonts and drawings: error among the answers kept",
    "mnist_flagged": "MNIST digits flagged not sure",
    "font_digits_flagged": "font digits flagged not sure",
    "letters_flagged": "letters flagged not sure",
    "scribbles_flagged": "scribbles flagged not sure",
}


def _summary_cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict) and "accuracy" in value:  # a worst condition
        return f"{pct(value['accuracy'])} ({value['condition']})"
    if isinstance(value, dict):  # the 1-or-7 drawings' counts
        return (
            f"{value.get('not_sure_either', 0)} / {value.get('sure_1', 0)} / "
            f"{value.get('sure_7', 0)} of {value.get('n', 0)}"
        )
    return pct(value)


def _shipped_section(models: dict) -> list[str]:
    """The models with a "not sure" rule (the shipped models, previous and
    new) side by side in issue 32's terms."""
    names = [
        m
        for m, note in models.items()
        if note.get("has_unsure_rule") and "summary" in note
    ]
    if not names:
        return []
    rows = [
        [label, *(_summary_cell(models[m]["summary"].get(key)) for m in names)]
        for key, label in SUMMARY_ROWS.items()
    ]
    return [
        "### The shipped models in issue 32's terms",
        "",
        'Each at its own calibrated "not sure" threshold '
        + ", ".join(f"`{m}` {models[m]['params'].get('unsure_below')}" for m in names)
        + ":",
        "",
        markdown_table(["", *(f"`{m}`" for m in names)], rows),
        "",
    ]


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
            *_shipped_section(models),
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
            *error_reject_section(r),
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
