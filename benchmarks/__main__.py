"""``python -m benchmarks``: measure some questions, then rebuild RESULTS.md.

Usage::

    python -m benchmarks --data mnist.npz                 # every question
    python -m benchmarks latency memory --data mnist.npz  # some questions
    python -m benchmarks --data sample --quick --output /tmp/bench  # smoke test
    python -m benchmarks --render-only                    # RESULTS.md from results/

A question is a module ``benchmarks/<question>.py`` with ``measure(config)``;
each one's result is stored in ``<output>/results/<question>.json``, and
``<output>/RESULTS.md`` is rendered from every stored result, so running one
question keeps the others.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import shlex
import sys
import time
from pathlib import Path

import benchmarks
from benchmarks.common import HERE, RunConfig, load_result, loadavg, save_result
from benchmarks.render import in_report_order, measured_text, render_results
from benchmarks.targets import check, load_targets

# The harness, the drawing helper and the docs' figures, not questions.
NOT_QUESTIONS = {"common", "drawing", "figures", "hard_cases", "targets"}


def measurable() -> list[str]:
    """The questions: this package's public modules, less the harness's."""
    return in_report_order(
        m.name
        for m in pkgutil.iter_modules(benchmarks.__path__)
        if m.name[0] != "_" and not m.ispkg and m.name not in NOT_QUESTIONS
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure benchmark questions and rebuild RESULTS.md.",
    )
    parser.add_argument(
        "questions",
        nargs="*",
        metavar="QUESTION",
        help="questions to measure (default: all of them)",
    )
    parser.add_argument(
        "--data",
        metavar="PATH",
        help="keras-layout mnist.npz (any sizes), a folder fetch_mnist accepts, "
        "or 'sample' for the bundled sample",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny sizes for a smoke test (the numbers mean nothing; needs --output)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        metavar="FOLDER",
        help="folder for results/ and RESULTS.md (default: benchmarks/)",
    )
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="measure nothing; rebuild RESULTS.md from the stored results",
    )
    return parser


def parse_args(argv=None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    known = measurable()
    unknown = [q for q in args.questions if q not in known]
    if unknown:
        parser.error(f"unknown question(s) {', '.join(unknown)}; choose from {known}")
    if args.render_only:
        if args.questions or args.data or args.quick:
            parser.error("--render-only measures nothing: give no questions or --data")
    elif not args.data:
        parser.error("--data is required to measure (or use --render-only)")
    if args.quick and args.output is None:
        parser.error("--quick needs --output, so as not to replace the stored results")
    args.questions = args.questions or known
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    output = args.output or HERE
    results_dir = output / "results"
    if not args.render_only:
        config = RunConfig(data=args.data, quick=args.quick)
        # The command as run, with the data named by its file name only.
        shown = ["--data", Path(args.data).name] + (["--quick"] if args.quick else [])
        for question in args.questions:
            module = importlib.import_module(f"benchmarks.{question}")
            print(f"== {question}", flush=True)
            load_start, t0 = loadavg(), time.perf_counter()
            result = module.measure(config)
            run = {
                "seconds": time.perf_counter() - t0,
                "load_start": load_start,
                "load_end": loadavg(),
                "command": shlex.join(["python", "-m", "benchmarks", question, *shown]),
            }
            path = save_result(
                question, result, config, run=run, results_dir=results_dir
            )
            print(f"   {run['seconds']:.0f} s, wrote {path.name}", flush=True)
    output.mkdir(parents=True, exist_ok=True)
    (output / "RESULTS.md").write_text(render_results(results_dir), encoding="utf-8")
    targets = load_targets()
    for question in args.questions if not args.render_only else []:
        record = load_result(question, results_dir)
        for row in check(question, record["result"], targets.get(question, {})):
            mark = {True: "ok", False: "MISS", None: "--"}[row["met"]]
            print(
                f"   [{mark}] {question}: {row['what']}: {measured_text(row)} "
                f"(target {row['target']})"
            )
    print(f"wrote {output / 'RESULTS.md'}", flush=True)
    if output == HERE:  # the repository's own results: its README's block too
        from benchmarks.render._readme import write_readme_figures

        if write_readme_figures(HERE.parent / "README.md"):
            print("wrote the figures block of README.md", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
