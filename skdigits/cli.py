"""The ``skdigits`` command line: ``train`` and ``predict``.

Each subcommand is two small functions: ``_add_NAME`` declares its options
(and is listed in :func:`build_parser`), and ``_NAME(args)`` calls the
library: ``train`` calls :func:`skdigits.training.train_and_report`,
``predict`` calls :func:`skdigits.persistence.load_model` and
:func:`skdigits.image_io.read_digits`.

The options of ``train`` that set a :class:`~skdigits.DenseDigitClassifier`
parameter are rows of :data:`ESTIMATOR_OPTIONS`: the value is checked by the
classifier's own ``_parameter_constraints`` while the arguments are parsed,
so the error message is the estimator's and nothing is trained. To add such
an option, add a row.

Nothing heavy is imported to build the parser: ``skdigits --help`` answers
at once, and ``train --help`` imports the classifier (scikit-learn, not
TensorFlow) only to show its defaults.

A user's mistake (a bad option value, a missing or unreadable file, a file
that is not a model) is reported as one line on stderr, ``skdigits: error:
...``, with exit code 2; an unexpected failure also gets one line and exit
code 1 (``SKDIGITS_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from skdigits._formatting import number_text, probability_text

__all__ = ["ESTIMATOR_OPTIONS", "EstimatorOption", "build_parser", "main"]

PROG = "skdigits"
# A download that gets no answer for this long fails (and training falls back
# to the bundled sample) instead of hanging on a network that drops packets.
_DOWNLOAD_TIMEOUT = 30.0
# fetch_mnist's places a user names, as the command line names them.
_DATA_SETTINGS = {"path": "--data", "SKDIGITS_MNIST": "SKDIGITS_MNIST"}


class CommandError(Exception):
    """Something the user asked for cannot be done; one line, exit code 2."""

    exit_code = 2


class _Parser(argparse.ArgumentParser):
    """argparse, with errors raised (not printed with the usage, then exit)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise CommandError(f"{message} (see '{self.prog} --help')")


# -- options that set an estimator parameter -------------------------------------


def _scalar(text: str) -> Any:
    """An int, a float, None (``none``) or the text itself; never an error.

    Whether the value is acceptable is the estimator's to say.
    """
    if text.strip().lower() == "none":
        return None
    for kind in (int, float):
        with contextlib.suppress(ValueError):
            return kind(text)
    return text


def _int_tuple(text: str) -> Any:
    """``"784,196"`` -> ``(784, 196)``; the text itself if it is not that."""
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        return text


def _value_text(value: Any) -> str:
    """A parameter's value as it is typed on the command line."""
    if value is None:
        return "none"
    if isinstance(value, (tuple, list)):
        return ",".join(str(v) for v in value)
    return number_text(value)


@dataclass(frozen=True)
class EstimatorOption:
    """A ``train`` option that sets one ``DenseDigitClassifier`` parameter.

    Parameters
    ----------
    flag : str
        The option, e.g. ``"--epochs"``.
    param : str
        The classifier parameter it sets.
    metavar : str
        The value's name in the help.
    help : str
        What it does; ``train --help`` appends the default.
    parse : callable, default=_scalar
        Turns the typed text into a value; it does not judge the value (the
        classifier's ``_parameter_constraints`` do).
    default : object, default=argparse.SUPPRESS
        The command line's own default. By default there is none: the
        classifier's default applies.

    Examples
    --------
    A row of :data:`ESTIMATOR_OPTIONS`; its value is checked by the
    classifier's ``_parameter_constraints``:

    >>> from skdigits.cli import EstimatorOption
    >>> epochs = EstimatorOption("--epochs", "epochs", "N", "passes over the data")
    >>> epochs.validated("3")
    3
    >>> epochs.validated("0")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: The 'epochs' parameter of DenseDigitClassifier \
must be an int in the range [1, inf). Got 0 instead.
    """

    flag: str
    param: str
    metavar: str
    help: str
    parse: Callable[[str], Any] = _scalar
    default: Any = argparse.SUPPRESS

    def validated(self, text: str) -> Any:
        """The value of ``text``, checked by the classifier (argparse ``type``)."""
        from sklearn.utils._param_validation import InvalidParameterError

        from skdigits.classifier import DenseDigitClassifier

        value = self.parse(text)
        try:
            DenseDigitClassifier(**{self.param: value})._validate_params()
        except InvalidParameterError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return value


#: The ``train`` options that set classifier parameters, in the order of
#: ``--help`` and of the command line recorded in the report.
ESTIMATOR_OPTIONS: tuple[EstimatorOption, ...] = (
    EstimatorOption("--epochs", "epochs", "N", "passes over the training data"),
    EstimatorOption(
        "--hidden",
        "hidden_layer_sizes",
        "W1,W2,...",
        "widths of the hidden layers",
        parse=_int_tuple,
    ),
    EstimatorOption(
        "--dropout", "dropout", "RATE", "dropout rate on the input pixels, in [0, 1)"
    ),
    EstimatorOption("--batch-size", "batch_size", "N", "images per gradient step"),
    EstimatorOption(
        "--learning-rate",
        "learning_rate",
        "LR",
        "(initial) learning rate of the optimizer",
    ),
    EstimatorOption(
        "--augment",
        "augment",
        "KIND",
        "distort every training batch on the fly: affine (rotation, scale, "
        "shift), elastic, or affine+elastic; 'none' trains on the images as "
        "they are. Needs more epochs (see --recipe)",
    ),
    EstimatorOption(
        "--seed",
        "random_state",
        "N",
        "random seed, so that a run can be repeated exactly; 'none' for a "
        "different run each time",
        default=0,
    ),
)


def _add_estimator_options(group: Any) -> None:
    for option in ESTIMATOR_OPTIONS:
        group.add_argument(
            option.flag,
            dest=option.param,
            type=option.validated,
            default=option.default,
            metavar=option.metavar,
            help=option.help,
        )


class _TrainHelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Adds each classifier option's default to its help, as argparse's
    ``ArgumentDefaultsHelpFormatter`` does, reading it from the classifier.

    The classifier (and so scikit-learn, about a second) is imported only
    when ``train --help`` is shown, not for ``skdigits --help`` or
    ``predict --help``.
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = super()._get_help_string(action)
        option = next((o for o in ESTIMATOR_OPTIONS if o.param == action.dest), None)
        if option is None or text is None:
            return text
        if option.default is not argparse.SUPPRESS:
            return f"{text} (default: {_value_text(option.default)})"
        from skdigits.classifier import DenseDigitClassifier

        default = DenseDigitClassifier().get_params()[option.param]
        return f"{text} (classifier default: {_value_text(default)})"


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
    >>> from skdigits.cli import build_parser
    >>> args = build_parser().parse_args(["train", "--epochs", "3", "--hidden", "64"])
    >>> args.command, args.epochs, args.hidden_layer_sizes, args.random_state
    ('train', 3, (64,), 0)
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
        formatter_class=_TrainHelpFormatter,
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
    _add_estimator_options(train.add_argument_group("network and training"))
    train.add_argument(
        "--recipe",
        metavar="NAME",
        help="start from a documented set of the options above "
        "(skdigits.augmentation.RECIPES): mnist-5min (the notebook's widths, "
        "augmented, about 99.3 %% on full MNIST in under 5 minutes on 2 cores) "
        "or mnist-15min (wider, about 99.4 %%); options given explicitly "
        "override it",
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
        help="classify digit images with a saved model",
        description="Classify digits with a model saved by 'skdigits train'.\n"
        "Images of any size are prepared the way MNIST was made: grayscale,\n"
        "inverted if the background is light, cropped to the digit, scaled\n"
        "into 20x20 and centred by its centre of mass in 28x28.",
        epilog="Examples:\n"
        "  skdigits predict run1/model.skdigits my_digit.png\n"
        "  skdigits predict run1/model.skdigits photos/ --json predictions.json\n"
        "  skdigits predict run1/model.skdigits digits.npy --json -",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    predict.add_argument(
        "model", metavar="MODEL", help="a saved model (model.skdigits)"
    )
    predict.add_argument(
        "inputs",
        metavar="FILE_OR_FOLDER",
        nargs="+",
        help="PNG or JPEG images, folders of them, or .npy arrays of digits "
        "shaped (n, 28, 28), (28, 28) or (n, 784)",
    )
    predict.add_argument(
        "--json",
        metavar="PATH",
        help="also write the predictions as JSON to PATH; '-' writes them to "
        "stdout instead of the table",
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
        "  skdigits serve                       # a small model, trained once\n"
        "  skdigits serve run1/model.skdigits --port 8080",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument(
        "model",
        metavar="MODEL",
        nargs="?",
        help="a saved model (model.skdigits); default: a model trained on the "
        "bundled sample the first time, then cached",
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
        "--retrain-default",
        action="store_true",
        help="train the default model again instead of using the cached one",
    )
    serve.set_defaults(handler=_serve)


# -- helpers -----------------------------------------------------------------------


def _one_line(exc: BaseException | str) -> str:
    """An exception's message on one line (some messages list places)."""
    text = str(exc).strip() or type(exc).__name__
    # Bullet points ("  - data home: ...") become parts of one sentence.
    lines = (line.strip().removeprefix("- ") for line in text.splitlines())
    return " ".join(line for line in lines if line)


def _can_print(text: str, stream: Any) -> bool:
    encoding = getattr(stream, "encoding", None)
    if encoding is None:  # an in-memory text stream holds any character
        return True
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


@contextlib.contextmanager
def _socket_timeout(seconds: float) -> Iterator[None]:
    """Make sockets (keras's download) give up when the network is silent."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def _load_data(data: str | None, no_download: bool) -> tuple[Any, str, str]:
    """The data, a description of where it came from, and its --data value.

    ``fetch_mnist`` decides where to look; its errors say whether a place
    the user named (``--data``, ``SKDIGITS_MNIST``) is wrong, which is an
    error rather than a reason to fall back to the bundled sample.
    """
    from skdigits.datasets import (
        DatasetFormatError,
        DatasetNotFoundError,
        fetch_mnist,
        load_mnist_sample,
    )

    def sample() -> tuple[Any, str, str]:
        bunch = load_mnist_sample()
        what = (
            f"bundled MNIST sample ({len(bunch.y_train):,} training and "
            f"{len(bunch.y_test):,} test images drawn from full MNIST)"
        )
        return bunch, what, "sample"

    if data is not None and data.lower() == "sample" and not Path(data).exists():
        return sample()
    try:
        with _socket_timeout(_DOWNLOAD_TIMEOUT):
            bunch = fetch_mnist(data, download_if_missing=not no_download)
    except DatasetNotFoundError as exc:
        if exc.setting in _DATA_SETTINGS:
            raise CommandError(
                f"{_DATA_SETTINGS[exc.setting]}: {exc.location} {exc.reason}"
            ) from None
        why = "--no-download was given" if no_download else "it could not be downloaded"
        bunch, what, value = sample()
        print(
            f"Full MNIST was not found and {why}: training on the {what}. For "
            "full MNIST, pass --data PATH (a mnist.npz, or a folder of the IDX "
            "files) or set SKDIGITS_MNIST.\n",
            flush=True,
        )
        return bunch, what, value
    except DatasetFormatError as exc:
        where = _DATA_SETTINGS.get(exc.setting or "")
        raise CommandError(
            f"{where}: {_one_line(exc)}" if where else _one_line(exc)
        ) from None
    return bunch, f"full MNIST from {bunch.source}", bunch.source


def _output_folder(output: str | None, force: bool) -> Path:
    """The report folder, checked (not created) before anything is loaded."""
    from skdigits.report import ReportFolderError, check_report_folder

    if output is None:
        stem = f"skdigits-report-{datetime.now():%Y%m%d-%H%M%S}"
        folder, n = Path.cwd() / stem, 2
        while folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            folder, n = Path.cwd() / f"{stem}-{n}", n + 1
    else:
        folder = Path(output).expanduser()
    try:
        return check_report_folder(folder, overwrite=force)
    except ReportFolderError as exc:
        if exc.reason == "not empty":
            raise CommandError(
                f"--output {folder} already holds files; pass --force to write "
                "into it, or choose another folder."
            ) from None
        raise CommandError(f"--output {folder} exists and is not a folder.") from None


def _network_text(params: dict[str, Any]) -> str:
    widths = "-".join(str(w) for w in params["hidden_layer_sizes"])
    return (
        f"hidden layers {widths} ({params['activation']}), dropout "
        f"{number_text(params['dropout'])}, {params['optimizer']} at learning rate "
        f"{number_text(params['learning_rate'])} ({params['lr_schedule']}), batch "
        f"size {params['batch_size']}, {params['epochs']} epochs, seed "
        f"{params['random_state']}"
        + (
            ""
            if params.get("augment") is None
            else f", every training batch distorted ({params['augment']})"
        )
    )


def _reproduce_command(params: dict[str, Any], data_value: str) -> str:
    argv = [PROG, "train", "--data", data_value]
    for option in ESTIMATOR_OPTIONS:
        argv += [option.flag, _value_text(params[option.param])]
    return shlex.join(argv)


# -- train -----------------------------------------------------------------------


def _train(args: argparse.Namespace) -> int:
    from skdigits.classifier import DenseDigitClassifier
    from skdigits.datasets import describe_dataset

    given = vars(args)
    chosen = {o.param: given[o.param] for o in ESTIMATOR_OPTIONS if o.param in given}
    if args.continue_from is not None:
        # The network and its settings are the saved run's (a warm fit refuses
        # other widths anyway): say so before loading anything.
        refused = [
            o.flag
            for o in ESTIMATOR_OPTIONS
            if o.param in chosen and o.param not in ("epochs", "random_state")
        ] + (["--recipe"] if args.recipe is not None else [])
        if refused:
            raise CommandError(
                "--continue trains the saved network with its own settings; "
                f"only --epochs can be given with it, not {', '.join(refused)}."
            )
    folder = _output_folder(args.output, args.force)
    data, data_source, data_value = _load_data(args.data, args.no_download)
    title = "Full MNIST" if data_value != "sample" else "Bundled MNIST sample"
    print(describe_dataset(data, title=title), end="\n\n", flush=True)

    if "matplotlib.pyplot" not in sys.modules:
        import matplotlib

        matplotlib.use("Agg")  # the figures go to files; never open windows
    from skdigits.training import train_and_report

    if args.recipe is not None:
        from skdigits.augmentation import RECIPES

        if args.recipe not in RECIPES:
            raise CommandError(
                f"--recipe {args.recipe}: no such recipe; choose one of "
                f"{', '.join(RECIPES)}."
            )
        chosen = {**RECIPES[args.recipe], **chosen}
    # Options not given are absent from args: the classifier's defaults apply.
    verbose = 0 if args.quiet else (1 if sys.stdout.isatty() else 2)
    if args.continue_from is not None:
        run = _continue(args, folder, data, data_source, chosen)
    else:
        classifier = DenseDigitClassifier(verbose=verbose, **chosen)
        params = classifier.get_params()
        print(
            f"Training on {len(data.y_train):,} images: {_network_text(params)}.",
            flush=True,
        )
        with _output_errors(folder):
            run = train_and_report(
                folder,
                data.X_train,
                data.y_train,
                data.X_test,
                data.y_test,
                classifier=classifier,
                data_source=data_source,
                command=_reproduce_command(params, data_value),
                overwrite=True,  # _output_folder has applied --force already
            )

    n_epochs = run.model[-1].n_iter_
    print(
        f"Trained {n_epochs} epoch{'s' if n_epochs != 1 else ''} in "
        f"{run.train_time:.1f} s.\n",
        flush=True,
    )
    print(run.evaluation.to_text(ascii=not _can_print("↔→", sys.stdout)))
    print(f"\nReport: {run.paths['report']}")
    model = shlex.quote(str(run.paths["model"]))
    print(f"Model:  {run.paths['model']}\n  try:  skdigits predict {model} IMAGE.png")
    return 0


def _continue(
    args: argparse.Namespace,
    folder: Path,
    data: Any,
    data_source: str,
    chosen: dict[str, Any],
) -> Any:
    """``train --continue MODEL``: the saved run trained on, with a new report."""
    from skdigits.persistence import load_model
    from skdigits.training import train_and_report

    pipeline = load_model(args.continue_from)
    classifier = pipeline[-1] if hasattr(pipeline, "steps") else pipeline
    epochs = chosen.get("epochs", classifier.epochs)
    print(
        f"Continuing {args.continue_from} ({classifier.n_iter_} epochs so far) "
        f"on {len(data.y_train):,} images: {epochs} more epochs.",
        flush=True,
    )
    with _output_errors(folder):
        return train_and_report(
            folder,
            data.X_train,
            data.y_train,
            data.X_test,
            data.y_test,
            continue_from=pipeline,
            epochs=epochs,
            data_source=data_source,
            command=shlex.join(
                [
                    PROG,
                    "train",
                    "--continue",
                    str(args.continue_from),
                    "--epochs",
                    str(epochs),
                ]
            ),
            overwrite=True,
        )


@contextlib.contextmanager
def _output_errors(folder: Path) -> Iterator[None]:
    """An OSError creating the report folder becomes a one-line --output error."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None or Path(exc.filename) not in (folder, *folder.parents):
            raise
        raise CommandError(
            f"--output {folder}: cannot create it ({exc.strerror})."
        ) from None


# -- predict -----------------------------------------------------------------------


def _predict(args: argparse.Namespace) -> int:
    # NumPy only: neither TensorFlow nor scikit-learn is imported, so a
    # prediction costs well under a second (benchmarks: predict_cli).
    from skdigits.image_io import DigitSource, ImageReadError
    from skdigits.inference import ModelFormatError, predict_digits

    try:
        records = predict_digits(args.model, args.inputs)
    except (ModelFormatError, ImageReadError, ValueError, OSError) as exc:
        raise CommandError(_one_line(exc)) from None

    if args.json != "-":
        names = [str(DigitSource(r["file"], r["index"])) for r in records]
        width = max(len("file"), *(len(name) for name in names))
        print(f"{'file':<{width}}  digit  probability")
        for name, record in zip(names, records, strict=True):
            print(
                f"{name:<{width}}  {record['prediction']!s:>5}  "
                f"{probability_text(record['probability']):>11}"
            )
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
    return 0


# -- export ------------------------------------------------------------------------


def _export(args: argparse.Namespace) -> int:
    from skdigits.persistence import ModelFormatError, export_onnx

    try:
        path = export_onnx(args.model, args.output)
    except (ImportError, ModelFormatError, OSError) as exc:
        raise CommandError(_one_line(exc)) from None
    print(f"ONNX model: {path}")
    return 0


# -- serve -------------------------------------------------------------------------


def _serve(args: argparse.Namespace) -> int:
    from skdigits.inference import ModelFormatError

    try:
        from skdigits.serve import run
    except ImportError as exc:  # its message says how to install the extra
        raise CommandError(_one_line(exc)) from None
    if not 0 <= args.port <= 65535:
        raise CommandError(f"--port {args.port}: not a port number (0 to 65535).")
    try:
        run(
            args.model,
            host=args.host,
            port=args.port,
            refresh_default=args.retrain_default,
        )
    except (OSError, ValueError, ModelFormatError) as exc:
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
        line on stderr), 1 for an unexpected failure, 130 when interrupted.

    Examples
    --------
    >>> from skdigits.cli import main
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
