"""The ``skdigits`` command line.

``skdigits train`` runs the whole classic Keras MNIST notebook: it loads MNIST
(or the bundled sample), prints a summary of the data, trains
``Pipeline([("scale", PixelScaler()), ("clf", DenseDigitClassifier())])``,
prints the test accuracy, loss and most confused digits, and writes a report
folder (see :mod:`skdigits.report`). ``skdigits predict`` classifies PNG or
JPEG digits, folders of them or ``.npy`` arrays with a saved model (see
:mod:`skdigits.image_io`).

Parsing lives here; the work is done by :mod:`skdigits.report`,
:mod:`skdigits.image_io` and the estimators, which are imported only when a
command runs, so ``skdigits --help`` answers at once without starting
TensorFlow. A user's mistake (a bad option value, a missing or unreadable
file, a file that is not a model) is reported as one line on stderr,
``skdigits: error: ...``, with exit code 2; an unexpected failure also gets
one line and exit code 1 (``SKDIGITS_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import importlib.util
import json
import math
import os
import shlex
import socket
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

__all__ = ["build_parser", "main", "parse_hidden_layer_sizes"]

PROG = "skdigits"
# A download that gets no answer for this long fails (and training falls back
# to the bundled sample) instead of hanging on a network that drops packets.
_DOWNLOAD_TIMEOUT = 30.0
# Options of `train` that set a DenseDigitClassifier parameter.
_CLASSIFIER_OPTIONS = {
    "epochs": "epochs",
    "hidden": "hidden_layer_sizes",
    "dropout": "dropout",
    "batch_size": "batch_size",
    "learning_rate": "learning_rate",
}


class CommandError(Exception):
    """Something the user asked for cannot be done; one line, exit code 2."""

    exit_code = 2


class _Parser(argparse.ArgumentParser):
    """argparse, with errors raised (not printed with the usage, then exit)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise CommandError(f"{message} (see '{self.prog} --help')")


# -- option types ------------------------------------------------------------


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an integer >= 1, got {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return value


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _dropout(text: str) -> float:
    value = _float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(
            f"expected a rate in [0, 1), e.g. 0.1, got {text!r}"
        )
    return value


def _positive_float(text: str) -> float:
    value = _float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def _seed(text: str) -> int | None:
    if text.strip().lower() == "none":
        return None
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(
            f"expected an integer from 0 to 4294967295, or 'none', got {text!r}"
        )
    return value


def parse_hidden_layer_sizes(text: str) -> tuple[int, ...]:
    """Parse ``--hidden``: comma-separated widths of the hidden layers.

    Parameters
    ----------
    text : str
        Positive integers separated by commas, e.g. ``"784,196"``; spaces
        are allowed.

    Returns
    -------
    sizes : tuple of int
        The widths, for ``DenseDigitClassifier(hidden_layer_sizes=...)``.

    Raises
    ------
    argparse.ArgumentTypeError
        Not a list of positive integers.

    Examples
    --------
    >>> from skdigits.cli import parse_hidden_layer_sizes
    >>> parse_hidden_layer_sizes("784,196")
    (784, 196)
    >>> parse_hidden_layer_sizes(" 64 ")
    (64,)
    >>> parse_hidden_layer_sizes("0,5")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected comma-separated widths >= 1 ...
    """
    parts = [part.strip() for part in text.split(",")]
    try:
        sizes = tuple(int(part) for part in parts)
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated widths >= 1 such as 784,196, got {text!r}"
        )
    return sizes


# -- the classifier's defaults, without importing it ---------------------------


def _classifier_defaults() -> dict[str, Any]:
    """``DenseDigitClassifier``'s constructor defaults, for the help text.

    Importing the classifier starts TensorFlow (seconds), too slow for
    ``--help``; its source is read instead. Training itself takes the
    defaults from ``DenseDigitClassifier().get_params()``. Returns {} if the
    source cannot be read, and the help then says "the classifier's default".
    """
    try:
        spec = importlib.util.find_spec("skdigits.classifier")
        source = Path(spec.origin).read_text(encoding="utf-8")  # type: ignore[union-attr,arg-type]
        tree = ast.parse(source)
        init = next(
            item
            for node in tree.body
            if isinstance(node, ast.ClassDef) and node.name == "DenseDigitClassifier"
            for item in node.body
            if isinstance(item, ast.FunctionDef) and item.name == "__init__"
        )
        args = init.args
        positional = args.args[len(args.args) - len(args.defaults) :]
        pairs = list(zip(positional, args.defaults, strict=True))
        pairs += [
            (arg, default)
            for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True)
            if default is not None
        ]
        defaults = {}
        for arg, node in pairs:
            with contextlib.suppress(ValueError, TypeError, SyntaxError):
                defaults[arg.arg] = ast.literal_eval(node)
        return defaults
    except Exception:  # the help text must never fail
        return {}


def _default_text(defaults: dict[str, Any], name: str) -> str:
    if name not in defaults:
        return "default: the classifier's"
    value = defaults[name]
    if isinstance(value, tuple):
        value = ",".join(map(str, value))
    return f"classifier default: {value}"


# -- the parser --------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The ``skdigits`` argument parser, with its ``train`` and ``predict``.

    Returns
    -------
    parser : argparse.ArgumentParser
        Parsing sets ``command`` and the command's options; a mistake raises
        ``CommandError`` (rather than exiting), which :func:`main` turns
        into one line on stderr.

    Examples
    --------
    >>> from skdigits.cli import build_parser
    >>> args = build_parser().parse_args(["train", "--epochs", "3", "--hidden", "64"])
    >>> args.command, args.epochs, args.hidden, args.seed
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

    defaults = _classifier_defaults()
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
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
    model = train.add_argument_group("network and training")
    model.add_argument(
        "--epochs",
        type=_positive_int,
        metavar="N",
        help=f"passes over the training data ({_default_text(defaults, 'epochs')})",
    )
    model.add_argument(
        "--hidden",
        type=parse_hidden_layer_sizes,
        metavar="W1,W2,...",
        help="widths of the hidden layers "
        f"({_default_text(defaults, 'hidden_layer_sizes')})",
    )
    model.add_argument(
        "--dropout",
        type=_dropout,
        metavar="RATE",
        help="dropout rate on the input pixels, in [0, 1) "
        f"({_default_text(defaults, 'dropout')})",
    )
    model.add_argument(
        "--batch-size",
        type=_positive_int,
        metavar="N",
        help=f"images per gradient step ({_default_text(defaults, 'batch_size')})",
    )
    model.add_argument(
        "--learning-rate",
        type=_positive_float,
        metavar="LR",
        help="(initial) learning rate of the optimizer "
        f"({_default_text(defaults, 'learning_rate')})",
    )
    model.add_argument(
        "--seed",
        type=_seed,
        default=0,
        metavar="N",
        help="random seed, so that a run can be repeated exactly; 'none' for "
        "a different run each time (default: 0)",
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
    return parser


# -- helpers -------------------------------------------------------------------


def _one_line(exc: BaseException | str) -> str:
    """An exception's message on one line (some messages list places)."""
    text = str(exc).strip() or type(exc).__name__
    # Bullet points ("  - data home: ...") become parts of one sentence.
    lines = (line.strip().removeprefix("- ") for line in text.splitlines())
    return " ".join(line for line in lines if line)


def _can_print(text: str, stream: TextIO) -> bool:
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


def _probability_text(probability: float) -> str:
    """``"97.3%"``; never "100.0%" for a probability below 1."""
    text = f"{probability:.1%}"
    return ">99.9%" if text == "100.0%" and probability < 1 else text


def _sample_requested(value: str | None) -> bool:
    return value is not None and value.lower() == "sample" and not Path(value).exists()


def _load_data(args: argparse.Namespace) -> tuple[Any, str, str]:
    """The data, a description of where it came from, and its --data value."""
    from skdigits.datasets import (
        DatasetFormatError,
        DatasetNotFoundError,
        fetch_mnist,
        load_mnist_sample,
    )

    def sample() -> tuple[Any, str, str]:
        data = load_mnist_sample()
        what = (
            f"bundled MNIST sample ({len(data.y_train):,} training and "
            f"{len(data.y_test):,} test images drawn from full MNIST)"
        )
        return data, what, "sample"

    if _sample_requested(args.data):
        return sample()
    if args.data is not None or os.environ.get("SKDIGITS_MNIST"):
        # A location the user gave must hold MNIST: falling back would hide
        # a typo behind a worse model.
        option = "--data" if args.data is not None else "SKDIGITS_MNIST"
        try:
            data = fetch_mnist(args.data)
        except (DatasetNotFoundError, DatasetFormatError) as exc:
            message = _one_line(exc)
            for prefix in ("path=", "SKDIGITS_MNIST="):
                if message.startswith(prefix):
                    message = message.removeprefix(prefix)
            raise CommandError(f"{option}: {message}") from None
        return data, f"full MNIST from {data.source}", data.source
    try:
        with _socket_timeout(_DOWNLOAD_TIMEOUT):
            data = fetch_mnist(download_if_missing=not args.no_download)
    except DatasetNotFoundError:
        why = (
            "--no-download was given"
            if args.no_download
            else "it could not be downloaded"
        )
        data, what, value = sample()
        print(
            f"Full MNIST was not found and {why}: training on the {what}. For "
            "full MNIST, pass --data PATH (a mnist.npz, or a folder of the IDX "
            "files) or set SKDIGITS_MNIST.\n",
            flush=True,
        )
        return data, what, value
    except DatasetFormatError as exc:
        raise CommandError(_one_line(exc)) from None
    return data, f"full MNIST from {data.source}", data.source


def _default_output() -> Path:
    stem = f"skdigits-report-{datetime.now():%Y%m%d-%H%M%S}"
    path = Path.cwd() / stem
    n = 2
    while path.exists() and (not path.is_dir() or any(path.iterdir())):
        path = Path.cwd() / f"{stem}-{n}"
        n += 1
    return path


def _prepare_output(args: argparse.Namespace) -> tuple[Path, bool]:
    """The report folder, checked and created before training; was it new?"""
    folder = Path(args.output).expanduser() if args.output else _default_output()
    if folder.exists() and not folder.is_dir():
        raise CommandError(f"--output {folder} exists and is not a folder.")
    if folder.is_dir() and any(folder.iterdir()) and not args.force:
        raise CommandError(
            f"--output {folder} already holds files; pass --force to write "
            "into it, or choose another folder."
        )
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(
            f"--output {folder}: cannot create it ({exc.strerror})."
        ) from None
    return folder, created


def _number(value: Any) -> str:
    """``0.002`` rather than ``0.0020000000949949026``; non-numbers as they are."""
    if isinstance(value, float):
        return f"{value:g}" if float(f"{value:g}") == value else repr(value)
    return str(value)


def _network_text(params: dict[str, Any]) -> str:
    widths = "-".join(str(w) for w in params["hidden_layer_sizes"])
    return (
        f"hidden layers {widths} ({params['activation']}), dropout "
        f"{_number(params['dropout'])}, {params['optimizer']} at learning rate "
        f"{_number(params['learning_rate'])} ({params['lr_schedule']}), batch size "
        f"{params['batch_size']}, {params['epochs']} epochs, seed "
        f"{params['random_state']}"
    )


def _reproduce_command(params: dict[str, Any], data_value: str) -> str:
    argv = [
        PROG,
        "train",
        "--data",
        data_value,
        "--epochs",
        str(params["epochs"]),
        "--hidden",
        ",".join(str(w) for w in params["hidden_layer_sizes"]),
        "--dropout",
        _number(params["dropout"]),
        "--batch-size",
        str(params["batch_size"]),
        "--learning-rate",
        _number(params["learning_rate"]),
        "--seed",
        "none" if params["random_state"] is None else str(params["random_state"]),
    ]
    return shlex.join(argv)


# -- train ---------------------------------------------------------------------


def _test_set_monitor(pipeline: Any, X_test: Any, y_test: Any, y_train: Any) -> Any:
    """A Keras callback adding ``test_loss`` and ``test_accuracy`` per epoch."""
    import numpy as np

    from skdigits._tf_env import import_keras

    keras = import_keras()
    classes = np.unique(y_train)  # the classifier's classes_, in its order
    known = np.isin(y_test, classes)
    y_index = np.searchsorted(classes, np.asarray(y_test)[known])

    class TestSetMonitor(keras.callbacks.Callback):
        seconds = 0.0

        def on_train_begin(self, logs=None):
            # The scaler is fitted by now: the pipeline fits it first.
            start = time.perf_counter()
            self.X = pipeline.named_steps["scale"].transform(np.asarray(X_test)[known])
            self.seconds += time.perf_counter() - start

        def on_epoch_end(self, epoch, logs=None):
            start = time.perf_counter()
            proba = self.model.predict(self.X, batch_size=2000, verbose=0)
            picked = np.clip(proba[np.arange(len(y_index)), y_index], 1e-7, 1.0)
            if logs is not None:
                logs["test_loss"] = float(-np.log(picked).mean())
                logs["test_accuracy"] = float((proba.argmax(axis=1) == y_index).mean())
            self.seconds += time.perf_counter() - start

    return TestSetMonitor()


def _train(args: argparse.Namespace) -> int:
    folder, created = _prepare_output(args)
    try:
        return _train_into(args, folder)
    except BaseException:
        # Leave no empty folder behind a run that never wrote its report.
        if created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def _train_into(args: argparse.Namespace, folder: Path) -> int:
    from skdigits.datasets import describe_dataset

    data, data_source, data_value = _load_data(args)
    title = "Full MNIST" if data_value != "sample" else "Bundled MNIST sample"
    print(describe_dataset(data, title=title), end="\n\n", flush=True)

    if "matplotlib.pyplot" not in sys.modules:
        import matplotlib

        matplotlib.use("Agg")  # the figures go to files; never open windows
    from sklearn.pipeline import Pipeline
    from sklearn.utils._param_validation import InvalidParameterError

    from skdigits.classifier import DenseDigitClassifier
    from skdigits.preprocessing import PixelScaler
    from skdigits.report import evaluate, format_confused_pair, write_report

    # Options not given keep the classifier's defaults (None = not given).
    chosen = {
        param: getattr(args, option)
        for option, param in _CLASSIFIER_OPTIONS.items()
        if getattr(args, option) is not None
    }
    verbose = 0 if args.quiet else (1 if sys.stdout.isatty() else 2)
    classifier = DenseDigitClassifier(random_state=args.seed, verbose=verbose, **chosen)
    params = classifier.get_params()
    pipeline = Pipeline([("scale", PixelScaler()), ("clf", classifier)])
    # As in the notebook, the learning curves show the test set per epoch. It
    # is only watched, never used to choose anything, and its evaluation time
    # is not counted as training time.
    monitor = _test_set_monitor(pipeline, data.X_test, data.y_test, data.y_train)
    classifier.set_params(callbacks=[monitor])

    print(
        f"Training on {len(data.y_train):,} images: {_network_text(params)}.",
        flush=True,
    )
    start = time.perf_counter()
    try:
        pipeline.fit(data.X_train, data.y_train)
    except InvalidParameterError as exc:
        raise CommandError(_one_line(exc)) from None
    train_time = time.perf_counter() - start - monitor.seconds
    classifier.set_params(callbacks=None)  # a monitor is not part of the model
    n_epochs = classifier.n_iter_
    print(
        f"Trained {n_epochs} epoch{'s' if n_epochs != 1 else ''} in "
        f"{train_time:.1f} s.\n",
        flush=True,
    )

    evaluation = evaluate(pipeline, data.X_test, data.y_test)
    print(
        f"Test accuracy: {evaluation.accuracy:.2%} ({evaluation.n_errors:,} of "
        f"{evaluation.n_samples:,} test images wrong)"
    )
    print(f"Test loss:     {evaluation.loss:.4f} (log loss)")
    if evaluation.most_confused:
        plain = not _can_print("↔→", sys.stdout)
        to = "->" if plain else "→"
        print(f"Most confused pairs (mistakes a{to}b + b{to}a, true{to}predicted):")
        for pair in evaluation.most_confused:
            print(f"  {format_confused_pair(pair, ascii=plain)}")

    paths = write_report(
        folder,
        pipeline,
        data.X_train,
        data.y_train,
        data.X_test,
        data.y_test,
        evaluation=evaluation,
        data_source=data_source,
        train_time=train_time,
        command=_reproduce_command(params, data_value),
        overwrite=True,  # _prepare_output has applied --force already
    )
    print(f"\nReport: {paths['report']}")
    model = shlex.quote(str(paths["model"]))
    print(f"Model:  {paths['model']}\n  try:  skdigits predict {model} IMAGE.png")
    return 0


# -- predict ---------------------------------------------------------------------


def _predict(args: argparse.Namespace) -> int:
    from skdigits.image_io import ImageReadError, read_digits

    model_path = Path(args.model)
    if not model_path.exists():
        raise CommandError(f"{model_path}: no such model file.")
    if model_path.is_dir():
        raise CommandError(
            f"{model_path}: is a folder; give the model file in it "
            "(e.g. model.skdigits)."
        )
    from skdigits.persistence import ModelFormatError, load_model

    try:
        model = load_model(model_path)
    except (ModelFormatError, OSError) as exc:
        raise CommandError(_one_line(exc)) from None
    try:
        images, sources = read_digits(args.inputs)
    except (FileNotFoundError, ImageReadError) as exc:
        raise CommandError(_one_line(exc)) from None
    n_pixels = getattr(model, "n_features_in_", images[0].size)
    if n_pixels != images[0].size:
        raise CommandError(
            f"{model_path}: the model takes {n_pixels} pixels per image, but "
            f"digits are prepared as 28x28 = {images[0].size} pixels."
        )
    proba = model.predict_proba(images)
    classes = [c.item() if hasattr(c, "item") else c for c in model.classes_]
    best = proba.argmax(axis=1)
    records = [
        {
            "file": source.file,
            "index": source.index,
            "prediction": classes[k],
            "probability": float(p[k]),
            "probabilities": {
                str(label): float(value)
                for label, value in zip(classes, p, strict=True)
            },
        }
        for source, p, k in zip(sources, proba, best, strict=True)
    ]

    if args.json != "-":
        names = [str(source) for source in sources]
        width = max(len("file"), *(len(name) for name in names))
        print(f"{'file':<{width}}  digit  probability")
        for name, record in zip(names, records, strict=True):
            print(
                f"{name:<{width}}  {record['prediction']!s:>5}  "
                f"{_probability_text(record['probability']):>11}"
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
