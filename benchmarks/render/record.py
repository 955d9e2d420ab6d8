"""RESULTS.md section of ``benchmarks/record.py``.

Its curves are drawn on the augmentation question's time-to-accuracy figure
(``benchmarks.render.augmentation.plot_plain_epochs``), beside every other
recipe; this section points to it.
"""

from __future__ import annotations

from benchmarks.render._markdown import markdown_table, pct
from benchmarks.render.augmentation import PLAIN_FIGURE, reached_text


def render(record: dict) -> str:
    r = record["result"]
    recipe = r["recipe"]
    s = r["summary"]
    n = recipe["n_members"]
    # The same seconds over the run's median plain epoch: a steadier unit
    # when a burst of load hits the few plain epochs timed around one run.
    run_median = r["plain_epoch"]["median"]
    rows = []
    for run in r["runs"]:
        rows.append(
            [
                str(run["seed"]),
                ", ".join(pct(a) for a in run["member_accuracy"]),
                *(pct(a) for a in run["committee_of_first_k"][1:]),
                f"{run['train_seconds']:.0f}",
                f"{run['total_plain_epochs']:.0f} ({run['plain_epoch_seconds']:.2f} s)",
                f"{run['train_seconds'] / run_median:.0f}",
            ]
        )
    levels = list(s["to_accuracy"])
    mean_k = s["mean_committee_of_first_k"]
    rows.append(
        [
            "**mean**",
            pct(s["mean_member_accuracy"]),
            *(f"**{pct(a)}**" for a in mean_k[1:]),
            f"{s['mean_train_seconds']:.0f}",
            f"{s['mean_total_plain_epochs']:.0f}",
            f"{s['mean_train_seconds'] / run_median:.0f}",
        ]
    )
    committee_heads = [
        f"committee of {k}" + (" (the recipe)" if k == n else "")
        for k in range(2, len(mean_k) + 1)
    ]
    reach_rows = [
        [
            "record committee",
            pct(s["mean_accuracy"]),
            f"{s['mean_total_plain_epochs']:.0f}",
            *(reached_text(s["to_accuracy"][lv], s["n_seeds"]) for lv in levels),
        ]
    ]
    plain = r["plain_epoch"]
    return "\n".join(
        [
            "## Record: the best dense network within 600 plain epochs",
            "",
            f"`make_record_committee(random_state=seed)`: a soft-voting committee "
            f"of {n} networks of `RECIPES[{recipe['recipe']!r}]`, fitted on "
            f"{r['n_train']:,} training images ({r['source']}) and scored on "
            f"{r['n_test']:,} test images. Training seconds exclude the "
            "per-epoch test scoring; plain epochs divide them by one "
            "un-augmented (784, 196) epoch at batch 500, timed before and after "
            f"each committee (this run's median {plain['median']:.2f} s, "
            f"{plain['min']:.2f}–{plain['max']:.2f} s over {plain['n']} epochs; "
            f"load average {r['loadavg_start']} at the start, "
            f"{r['loadavg_end']} at the end). The budget is "
            f"{r['budget_plain_epochs']} plain epochs; the targets use the unit "
            "timed around each committee, the last column the run's median "
            "plain epoch, which a burst of load during a few timed epochs "
            "moves less.",
            "",
            markdown_table(
                [
                    "seed",
                    "each member alone",
                    *committee_heads,
                    "training s",
                    "plain epochs (unit timed around it)",
                    "plain epochs (the run's median unit)",
                ],
                rows,
            ),
            "",
            markdown_table(
                [
                    "run",
                    "test accuracy (mean)",
                    "whole fit, plain epochs",
                    *(f"to {100 * float(lv):.1f} %" for lv in levels),
                ],
                reach_rows,
            ),
            "",
            "The curves are on the augmentation section's figure of test "
            f"accuracy against plain epochs (`{PLAIN_FIGURE.as_posix()}`): the "
            "first member epoch by epoch, then a point as each further member "
            "joins.",
            "",
            f"How it was chosen: {r['chosen']}",
            "",
            "The published dense networks beside it are in the docs' "
            "augmentation page (`docs/augmentation.rst`, the record section).",
        ]
    )
