"""The ``skdigits`` command line: ``train``, ``predict``, ``export``, ``serve``.

Each subcommand is ``_add_NAME`` (its options, listed in :func:`build_parser`)
and ``_NAME(args)``, which calls the library: the work itself (loading data,
training, reporting, predicting) is done by library functions.

The ``train`` options that set a :class:`~skdigits.DenseDigitClassifier`
parameter are rows of :data:`ESTIMATOR_OPTIONS`, checked by the classifier's
own ``_parameter_constraints`` while the arguments are parsed. Nothing heavy
is imported to build the parser, so ``skdigits --help`` answers at once.

A user's mistake is one line on stderr, ``skdigits: error: ...``, with exit
code 2; an unexpected failure also gets one line, and exit code 1
(``SKDIGITS_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from skdigits._commands.options import (
    ESTIMATOR_OPTIONS,
    TrainHelpFormatter,
    add_estimator_options,
    probability,
    value_text,
)
from skdigits._prediction.formatting import can_print, probability_text, text_table

__all__ = ["CommandError", "build_parser", "main"]

PROG = "skdigits"
# fetch_mnist's places a user names, as the command line names them.
_DATA_SETTINGS = {"path": "--data", "SKDIGITS_MNIST": "SKDIGITS_MNIST"}


class CommandError(Exception):
    """Something the user asked for cannot be done; one line, exit code 2."""

    exit_code = 2


class _Parser(argparse.ArgumentParser):
    """argparse, with errors raised (not printed with the usage, then exit)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise CommandError(f"{message} (see '{self.prog} --help')")


# -- the parser --------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The ``skdigits`` argument parser, with its ``train`` and ``predict``.

    Returns
    -------
    parser : argparse.ArgumentParser
        Parsing sets ``command``, ``handler`` and the command's options (the
        classifier's under their parameter names); a mistake raises
        ``CommandError`` (rather than exiting), which :func:`main` turns into
        one line on stderr.

    Examples
    --------
    >>> from skdigits._commands.cli import build_parser
    >>> args = build_parser().parse_args(["train", "--epochs", "3", "--hidden", "64"])
    >>> args.command, args.epochs, args.hidden_layer_sizes
    ('train', 3, (64,))
    """
    from skdigits import __version__

    parser = _Parser(
        prog=PROG,
        description="Train and use the classic Keras MNIST dense network as a "
        "scikit-learn pipeline.",
        epilog="Run 'skdigits COMMAND --help' for the options of a command.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=_Parser
    )

    for add_command in (_add_train, _add_predict, _add_export, _add_serve):
        add_command(commands)
    return parser


def _add_train(commands: Any) -> None:
    train = commands.add_parser(
        "train",
        help="train on MNIST and write a report folder",
        description="Load MNIST (full MNIST if found, else the bundled sample),\n"
        "summarise it, train a PixelScaler + DenseDigitClassifier pipeline,\n"
        "evaluate it on the test set and write a report folder: report.md,\n"
        "metrics.json, history.csv, figures and the model (model.skdigits).",
        epilog="Full MNIST is looked for in --data, then $SKDIGITS_MNIST, then the\n"
        "data home ($SKDIGITS_DATA or ~/skdigits_data), then downloaded (unless\n"
        "--no-download); if none of that works, the bundled sample is used\n"
        "and a line says so.\n\n"
        "Examples:\n"
        "  skdigits train                      # full MNIST if found\n"
        "  skdigits train --data ~/data/mnist.npz --epochs 30\n"
        "  skdigits train --data sample --hidden 256 --output run1",
        formatter_class=TrainHelpFormatter,
    )
    data = train.add_argument_group("data")
    data.add_argument(
        "--data",
        metavar="PATH",
        help="full MNIST: a keras-layout mnist.npz, or a folder holding it or "
        "the four IDX files; 'sample' for the bundled sample (10,000 training "
        "and 1,000 test images). An invalid PATH is an error, not a fallback.",
    )
    data.add_argument(
        "--no-download",
        action="store_true",
        help="never download MNIST; fall back to the bundled sample instead",
    )
    add_estimator_options(train.add_argument_group("network and training"))
    train.add_argument(
        "--recipe",
        metavar="NAME",
        # Every name of skdigits.augmentation.RECIPES (tests/test_docs_facts.py
        # checks it): importing RECIPES here would import scikit-learn for
        # every command's --help.
        help="start from a documented set of the options above "
        "(skdigits.augmentation.RECIPES): mnist-fast (the notebook's widths, "
        "milder distortions, to 99 %% on full MNIST in the least time), "
        "mnist-5min (the notebook's widths, augmented, 99.3 %% in under 5 "
        "minutes on 2 cores), mnist-15min (wider, longer, 99.4 %%) or robust "
        "(for users' digits; also turns on --deskew); options given explicitly "
        "override it",
    )
    train.add_argument(
        "--deskew",
        action="store_true",
        help="straighten slanted digits first (a Deskew step in the saved "
        "model's pipeline, so it also deskews the digits it reads)",
    )
    train.add_argument(
        "--continue",
        dest="continue_from",
        metavar="MODEL",
        help="train a saved run's model (RUN/model.skdigits) --epochs more "
        "epochs, from where it stopped: its scaling, network and optimizer "
        "state carry on, and the new report's curves show the whole history. "
        "The network's other options cannot be changed then",
    )
    output = train.add_argument_group("output")
    output.add_argument(
        "--output",
        metavar="FOLDER",
        help="report folder (default: a new skdigits-report-YYYYmmdd-HHMMSS "
        "in the current folder)",
    )
    output.add_argument(
        "--force",
        action="store_true",
        help="write into an --output folder that already holds files",
    )
    output.add_argument(
        "--quiet",
        action="store_true",
        help="no training progress (by default a progress bar on a terminal, "
        "one line per epoch otherwise)",
    )
    train.set_defaults(handler=_train)


def _add_predict(commands: Any) -> None:
    predict = commands.add_parser(
        "predict",
        usage=f"{PROG} predict [-h] [--json PATH] [--unsure-below P] [MODEL] "
        "FILE_OR_FOLDER [FILE_OR_FOLDER ...]",
        help="classify digit images (with the shipped model, or a saved one)",
        description="Classify digits with the model skdigits ships, or with a\n"
        "model saved by 'skdigits train' (give its .skdigits file first).\n"
        "Images of any size are prepared the way MNIST was made: grayscale,\n"
        "inverted if the background is light, cropped to the digit, scaled\n"
        "into 20x20 and centred by its centre of mass in 28x28. An answer\n"
        "whose probability is below the model's calibrated threshold (0.5\n"
        "for a model without one) reads 'not sure (maybe 4 or 9)'.",
        epilog="Examples:\n"
        "  skdigits predict my_digit.png\n"
        "  skdigits predict run1/model.skdigits my_digit.png\n"
        "  skdigits predict photos/ --json predictions.json\n"
        "  skdigits predict digits.npy --json - --unsure-below 0.9\n\n"
        "A picture that cannot be read gets a row saying why, and the others\n"
        "are read all the same; then the exit status is 1.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    predict.add_argument(
        "inputs",
        metavar="FILE_OR_FOLDER",
        nargs="+",
        help="PNG or JPEG images, folders of them, or .npy arrays of digits "
        "shaped (n, 28, 28), (28, 28) or (n, 784); first, optionally, MODEL: "
        "a saved model (a .skdigits file) to use instead of the shipped one",
    )
    predict.add_argument(
        "--json",
        metavar="PATH",
        help="also write the predictions as JSON to PATH; '-' writes them to "
        "stdout instead of the table",
    )
    predict.add_argument(
        "--unsure-below",
        metavar="P",
        type=probability,
        help="answer 'not sure' when the top probability is below P (default: "
        "the model's calibrated threshold, or 0.5 for a model without one)",
    )
    predict.set_defaults(handler=_predict)


def _add_export(commands: Any) -> None:
    export = commands.add_parser(
        "export",
        help="write a saved model as ONNX, to run with onnxruntime",
        description="Write a model saved by 'skdigits train' (the scaling and\n"
        "the network) as one ONNX graph: input 'pixels' (float32, n x 784:\n"
        "raw 0-255 values for a train run's model), outputs 'label' and\n"
        "'probabilities'. Needs the\n"
        "onnx extra: pip install 'skdigits[onnx]'.",
        epilog="Example:\n  skdigits export run1/model.skdigits digits.onnx",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument("model", metavar="MODEL", help="a saved model (model.skdigits)")
    export.add_argument("output", metavar="OUTPUT", help="the ONNX file to write")
    export.set_defaults(handler=_export)


def _add_serve(commands: Any) -> None:
    serve = commands.add_parser(
        "serve",
        help="draw digits in the browser and watch the model read them",
        description="Serve a page to draw digits on (mouse, touch or stylus) and\n"
        "a JSON API (POST a PNG/JPEG or 28x28 pixels to /api/predict) for a\n"
        "saved model, on this machine only unless --host says otherwise.\n"
        "Needs the serve extra: pip install 'skdigits[serve]'.",
        epilog="Examples:\n"
        "  skdigits serve                       # the shipped model\n"
        "  skdigits serve run1/model.skdigits --port 8080",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument(
        "model",
        metavar="MODEL",
        nargs="?",
        help="a saved model (model.skdigits); default: the model skdigits "
        "ships (nothing is trained or downloaded)",
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: %(default)s, this machine only; "
        "0.0.0.0 exposes it to the network)",
    )
    serve.add_argument(
        "--port",
        type=int,
        default=8000,
        help="port to listen on; 0 picks a free one (default: %(default)s)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="processes answering requests (default: one per usable core on "
        "Linux, so that every core answers; 1 elsewhere)",
    )
    serve.add_argument(
        "--unsure-below",
        metavar="P",
        type=probability,
        help="the page says 'not sure' when the top probability is below P "
        "(default: the model's calibrated threshold, or 0.5 for a model "
        "without one)",
    )
    serve.set_defaults(handler=_serve)


# -- helpers -----------------------------------------------------------------------


def _one_line(exc: BaseException | str) -> str:
    """An exception's message on one line (some messages list places)."""
    text = str(exc).strip() or type(exc).__name__
    # Bullet points ("  - data home: ...") become parts of one sentence.
    lines = (line.strip().removeprefix("- ") for line in text.splitlines())
    return " ".join(line for line in lines if line)


def _load_data(data: str | None, no_download: bool) -> Any:
    """The data (``fetch_mnist_or_sample``), its errors worded for options."""
    from skdigits._estimators.datasets import (
        DatasetFormatError,
        DatasetNotFoundError,
        fetch_mnist_or_sample,
        load_mnist_sample,
    )

    if data is not None and data.lower() == "sample" and not Path(data).exists():
        bunch = load_mnist_sample()
        bunch.is_sample, bunch.not_found = True, None
        return bunch
    try:
        bunch = fetch_mnist_or_sample(data, download_if_missing=not no_download)
    except (DatasetNotFoundError, DatasetFormatError) as exc:
        where = _DATA_SETTINGS.get(exc.setting or "")
        if isinstance(exc, DatasetNotFoundError) and where:
            raise CommandError(f"{where}: {exc.location} {exc.reason}") from None
        message = _one_line(exc)
        raise CommandError(f"{where}: {message}" if where else message) from None
    if bunch.is_sample:
        why = (
            "--no-download was given"
            if no_download
            else f"it could not be downloaded ({bunch.not_found})"
        )
        print(
            f"Full MNIST was not found and {why}: training on the "
            f"{_data_source(bunch)}. For full MNIST, pass --data PATH (a "
            "mnist.npz, or a folder of the IDX files) or set SKDIGITS_MNIST.\n",
            flush=True,
        )
    return bunch


def _data_source(bunch: Any) -> str:
    if not bunch.is_sample:
        return f"full MNIST from {bunch.source}"
    return (
        f"bundled MNIST sample ({len(bunch.y_train):,} training and "
        f"{len(bunch.y_test):,} test images drawn from full MNIST)"
    )


def _output_folder(output: str | None, force: bool) -> Path:
    """The report folder, checked (not created) before anything is loaded."""
    from skdigits._commands.report import ReportFolderError, check_report_folder

    try:
        return check_report_folder(output, overwrite=force)
    except ReportFolderError as exc:
        if exc.reason == "not empty":
            raise CommandError(
                f"--output {exc.folder} already holds files; pass --force to "
                "write into it, or choose another folder."
            ) from None
        raise CommandError(
            f"--output {exc.folder} exists and is not a folder."
        ) from None


@contextlib.contextmanager
def _output_errors(folder: Path) -> Iterator[None]:
    """An OSError creating the report folder, or one that leaves the report
    incomplete (a full disk), becomes a one-line --output error; Ctrl-C that
    leaves it incomplete says so too (exit code 130)."""
    from skdigits._commands.report import INCOMPLETE_FILE

    incomplete = folder / INCOMPLETE_FILE
    said = f"the report there is incomplete, as {incomplete} says"
    try:
        yield
    except KeyboardInterrupt:
        if not incomplete.exists():
            raise
        error = CommandError(f"interrupted; {said}.")
        error.exit_code = 130
        raise error from None
    except OSError as exc:
        if incomplete.exists():
            raise CommandError(
                f"--output {folder}: {_one_line(exc)} ({said})."
            ) from None
        if exc.filename is None or Path(exc.filename) not in (folder, *folder.parents):
            raise
        raise CommandError(
            f"--output {folder}: cannot create it ({exc.strerror})."
        ) from None


# -- train -----------------------------------------------------------------------


def _train(args: argparse.Namespace) -> int:
    from skdigits._estimators.datasets import describe_dataset

    given = vars(args)
    chosen = {o.param: given[o.param] for o in ESTIMATOR_OPTIONS if o.param in given}
    if args.continue_from is not None:
        # The network and its settings are the saved run's (a warm fit refuses
        # other widths anyway): say so before loading anything.
        refused = [o.flag for o in ESTIMATOR_OPTIONS if o.param in chosen]
        refused = [flag for flag in refused if flag != "--epochs"]
        refused += [] if args.recipe is None else ["--recipe"]
        refused += ["--deskew"] if args.deskew else []
        if refused:
            raise CommandError(
                "--continue trains the saved network with its own settings; "
                f"only --epochs can be given with it, not {', '.join(refused)}."
            )
    from skdigits._commands.training import plan_training, recipe_settings

    try:
        chosen, deskew = recipe_settings(chosen, args.recipe, deskew=args.deskew)
    except ValueError as exc:
        raise CommandError(f"--recipe: {exc}") from None
    folder = _output_folder(args.output, args.force)
    data = _load_data(args.data, args.no_download)
    title = "Bundled MNIST sample" if data.is_sample else "Full MNIST"
    print(describe_dataset(data, title=title), end="\n\n", flush=True)

    if "matplotlib.pyplot" not in sys.modules:
        import matplotlib

        matplotlib.use("Agg")  # the figures go to files; never open windows
    from skdigits._commands.training import train_and_report
    from skdigits._estimators.pipeline import final_estimator

    if args.continue_from is None:
        # The command line's own defaults (--seed 0), then what was given;
        # the classifier's defaults apply to the rest.
        for option in ESTIMATOR_OPTIONS:
            if option.default is not argparse.SUPPRESS:
                chosen.setdefault(option.param, option.default)
    plan = plan_training(chosen, deskew=deskew, continue_from=args.continue_from)
    argv = [PROG, "train", "--data", "sample" if data.is_sample else data.source]
    if args.continue_from is None:
        params = plan.classifier.get_params()
        for option in ESTIMATOR_OPTIONS:
            argv += [option.flag, value_text(params[option.param])]
        argv += ["--deskew"] if deskew else []
    else:
        argv += ["--continue", str(args.continue_from), "--epochs", str(plan.epochs)]
    print(f"{plan.summary} on {len(data.y_train):,} images{plan.details}.", flush=True)
    with _output_errors(folder):
        run = train_and_report(
            folder,
            data.X_train,
            data.y_train,
            data.X_test,
            data.y_test,
            data_source=_data_source(data),
            command=shlex.join(argv),
            overwrite=True,  # _output_folder has applied --force already
            verbose=0 if args.quiet else (1 if sys.stdout.isatty() else 2),
            **plan.how,
        )

    n_epochs = final_estimator(run.model).n_iter_ - plan.epochs_before
    print(
        f"Trained {n_epochs} epoch{'s' if n_epochs != 1 else ''} in "
        f"{run.train_time:.1f} s.\n",
        flush=True,
    )
    print(run.evaluation.to_text(ascii=not can_print("↔→", sys.stdout)))
    print(f"\nReport: {run.paths['report']}")
    model = shlex.quote(str(run.paths["model"]))
    print(f"Model:  {run.paths['model']}\n  try:  skdigits predict {model} IMAGE.png")
    return 0


# -- predict -----------------------------------------------------------------------


def _is_model_file(path: str) -> bool:
    """Whether a ``predict`` argument names a model rather than a digit: a
    ``.skdigits`` file (or any zip: images and .npy files are not zips)."""
    import zipfile

    if Path(path).suffix.lower() == ".skdigits":
        return True
    try:
        return Path(path).is_file() and zipfile.is_zipfile(path)
    except OSError:
        return False


def _answer_text(record: dict[str, Any]) -> str:
    """``7`` or ``not sure (maybe 4 or 9)``; a number: ``2026``, or ``not sure
    (maybe 2026; 20?6: 2 or 5)``, each unsure digit with its runner-up."""
    if "label" in record:  # a digit, or a picture of one
        if record["unsure"]:
            return f"not sure (maybe {record['label']} or {record['runner_up']})"
        return str(record["label"])
    if not record["unsure"]:
        return record["text"]
    doubts = [d for d in record["digits"] if d["unsure"]]
    if not doubts:
        return f"not sure (maybe {record['text']}: the ink may hold other digits)"
    marked = "".join("?" if d["unsure"] else str(d["label"]) for d in record["digits"])
    options = ", ".join(f"{d['label']} or {d['runner_up']}" for d in doubts)
    return f"not sure (maybe {record['text']}; {marked}: {options})"


def _predict(args: argparse.Namespace) -> int:
    # NumPy only: neither TensorFlow nor scikit-learn is imported, so a
    # prediction costs well under a second (benchmarks: predict_cli).
    from skdigits._prediction.predict import predict_digits
    from skdigits._prediction.reading import DigitSource

    model, inputs = None, list(args.inputs)
    if _is_model_file(inputs[0]):
        model = inputs.pop(0)
    if not inputs:
        raise CommandError(
            "the following arguments are required: FILE_OR_FOLDER (the images "
            f"to read after the model) (see '{PROG} predict --help')"
        )
    try:
        records = predict_digits(inputs, model, unsure_below=args.unsure_below)
    # ModelFormatError and ImageReadError are ValueErrors.
    except (ValueError, OSError) as exc:
        raise CommandError(_one_line(exc)) from None

    if args.json != "-":
        rows = [("file", "digit", "probability")]
        for r in records:
            source = str(DigitSource(r["file"], r["index"]))
            if "error" in r:
                reason = r["error"].removeprefix(f"{source}: ")
                rows.append((source, f"not read: {reason}", "-"))
            else:
                rows.append(
                    (source, _answer_text(r), probability_text(r["probability"]))
                )
        print(text_table(rows))
    if args.json is not None:
        text = json.dumps(records, indent=2) + "\n"
        if args.json == "-":
            sys.stdout.write(text)
        else:
            try:
                Path(args.json).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(
                    f"--json {args.json}: cannot write it ({exc.strerror})."
                ) from None
    failed = sum("error" in r for r in records)
    if failed:
        # After every answer, on stderr (stdout may be JSON); the exit status
        # says that some pictures were not read.
        n = len(records)
        _print_error(f"{failed} of {n} picture{'s' * (n != 1)} could not be read.")
        return 1
    return 0


# -- export ------------------------------------------------------------------------


def _export(args: argparse.Namespace) -> int:
    from skdigits._estimators.persistence import export_onnx

    try:
        path = export_onnx(args.model, args.output)
    except (ImportError, ValueError, OSError) as exc:  # incl. ModelFormatError
        raise CommandError(_one_line(exc)) from None
    print(f"ONNX model: {path}")
    return 0


# -- serve -------------------------------------------------------------------------


def _serve(args: argparse.Namespace) -> int:
    try:
        from skdigits._commands.serve.server import run_server
    except ImportError as exc:  # its message says how to install the extra
        raise CommandError(_one_line(exc)) from None
    try:
        run_server(
            args.model,
            host=args.host,
            port=args.port,
            unsure_below=args.unsure_below,
            workers=args.workers,
        )
    except (OSError, ValueError) as exc:  # ModelFormatError is a ValueError
        raise CommandError(_one_line(exc)) from None
    return 0


# -- entry point -------------------------------------------------------------------


def _print_error(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``skdigits`` command line.

    Parameters
    ----------
    argv : sequence of str, default=None
        The arguments after the program name; ``sys.argv[1:]`` if None.

    Returns
    -------
    exit_code : int
        0 on success, 2 for a mistake in what was asked (reported in one
        line on stderr), 1 for an unexpected failure or when ``predict``
        could not read some of its pictures (every other one answered),
        130 when interrupted.

    Examples
    --------
    >>> from skdigits._commands.cli import main
    >>> main(["--version"])  # doctest: +ELLIPSIS
    skdigits ...
    0
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except CommandError as exc:
        _print_error(_one_line(exc))
        return CommandError.exit_code
    except SystemExit as exc:  # --help and --version exit through argparse
        return exc.code if isinstance(exc.code, int) else 0
    try:
        return args.handler(args)
    except CommandError as exc:
        _print_error(_one_line(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        _print_error("interrupted.")
        return 130
    except Exception as exc:
        if os.environ.get("SKDIGITS_DEBUG"):
            raise
        _print_error(
            f"{type(exc).__name__}: {_one_line(exc)} "
            "(set SKDIGITS_DEBUG=1 to see the traceback)"
        )
        return 1
