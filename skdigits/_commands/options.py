"""The ``skdigits train`` options that set a classifier parameter.

Each is a row of :data:`ESTIMATOR_OPTIONS`: its flag, the
:class:`~skdigits.DenseDigitClassifier` parameter it sets, how its text is
parsed, and its help. The value is checked by the classifier's own
``_parameter_constraints`` while the arguments are parsed, so a mistake is
reported before anything is loaded. Nothing heavy is imported to build the
parser: the classifier (and scikit-learn) only when a value is checked or
``train --help`` shows the defaults.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from skdigits._prediction.formatting import number_text

__all__ = [
    "ESTIMATOR_OPTIONS",
    "EstimatorOption",
    "TrainHelpFormatter",
    "add_estimator_options",
    "probability",
    "value_text",
]


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


def probability(text: str) -> float:
    """An ``--unsure-below`` value: a probability in (0, 1]."""
    from skdigits._prediction.unsure import check_unsure_below

    try:
        return check_unsure_below(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _int_tuple(text: str) -> Any:
    """``"784,196"`` -> ``(784, 196)``; the text itself if it is not that."""
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        return text


def value_text(value: Any) -> str:
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
    metavar, help : str
        For ``--help``, which appends the classifier's default.
    parse : callable, default=_scalar
        Turns the typed text into a value without judging it (the
        classifier's ``_parameter_constraints`` do).
    default : object, default=argparse.SUPPRESS
        The command line's own default for a new run; none by default, so
        that the classifier's applies.

    Examples
    --------
    A row of :data:`ESTIMATOR_OPTIONS`; its value is checked by the
    classifier's ``_parameter_constraints``:

    >>> from skdigits._commands.options import EstimatorOption
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

        from skdigits._estimators.classifier import DenseDigitClassifier

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


def add_estimator_options(group: Any) -> None:
    # An option not given is absent from the parsed arguments, so that
    # --continue can tell what was typed; the train command applies the defaults.
    for option in ESTIMATOR_OPTIONS:
        group.add_argument(
            option.flag,
            dest=option.param,
            type=option.validated,
            default=argparse.SUPPRESS,
            metavar=option.metavar,
            help=option.help,
        )


class TrainHelpFormatter(argparse.RawDescriptionHelpFormatter):
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
            return f"{text} (default: {value_text(option.default)})"
        from skdigits._estimators.classifier import DenseDigitClassifier

        default = DenseDigitClassifier().get_params()[option.param]
        return f"{text} (classifier default: {value_text(default)})"
