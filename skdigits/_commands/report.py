"""Write a report folder about a training run.

:func:`write_report` puts the evaluation on test data
(:func:`skdigits._estimators.metrics.evaluate`), the training history, the figures and
the saved model into one folder with a ``report.md`` that reads the run at a
glance. ``skdigits train`` is these two functions behind a command line.

The folder holds:

==========================  ====================================================
``report.md``               the numbers and the figures, side by side
``metrics.json``            accuracy, loss, timing, data, settings, versions
``history.csv``             one row per epoch: every value Keras recorded
``learning_curves.png``     loss (log scale) and accuracy per epoch
``confusion_matrix.png``    test confusion matrix, log colour scale
``samples.png``             one training image per class
``misclassified.png``       the most confident mistakes on the test set
``model.skdigits``          the fitted model (:func:`~skdigits.persistence.save_model`)
==========================  ====================================================

While the folder is written it also holds ``INCOMPLETE.txt``, which says so;
it is written first and removed last. So a folder whose writing failed (a
full disk) or was stopped (Ctrl-C, the process killed) says that it is not
a complete report, even over an earlier report's files. The model is
written first, atomically: when it is there, it is whole.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import string
from collections.abc import Mapping
from datetime import datetime
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from skdigits._estimators.datasets import describe_dataset
from skdigits._estimators.metrics import Evaluation, evaluate
from skdigits._estimators.pipeline import final_estimator
from skdigits._prediction.formatting import (
    duration_text,
    jsonable,
    markdown_table,
    percent,
)

__all__ = [
    "AUGMENTED_FILE",
    "INCOMPLETE_FILE",
    "REPORT_FILES",
    "ReportFolderError",
    "check_report_folder",
    "library_versions",
    "write_report",
]

#: What :func:`write_report` writes: key -> file name inside the folder.
REPORT_FILES = {
    "report": "report.md",
    "metrics": "metrics.json",
    "history": "history.csv",
    "learning_curves": "learning_curves.png",
    "confusion_matrix": "confusion_matrix.png",
    "samples": "samples.png",
    "misclassified": "misclassified.png",
    "model": "model.skdigits",
}

#: Written as well when the classifier distorts its training batches
#: (``augment``): training images as the network saw them.
AUGMENTED_FILE = "augmented.png"

#: In the folder while the report is written: removed once it is complete.
INCOMPLETE_FILE = "INCOMPLETE.txt"
_INCOMPLETE_TEXT = """\
This report is not complete. skdigits started writing it at {started} and
had not finished: it was still writing, or it stopped before the end (an
error such as a full disk, Ctrl-C, the process killed). Files of the report
may be missing here, or be left from an earlier report in this folder.
{model} is written first and atomically: when it is here, it is a whole
model. This file is removed once the report is complete.
"""

# The libraries a run depends on, as named on PyPI.
_LIBRARIES = ("skdigits", "scikit-learn", "scikeras", "tensorflow", "keras", "numpy")

_DPI = 110  # sharp enough on a laptop screen, small enough to share
_N_MISCLASSIFIED = 15  # three rows of five


def library_versions() -> dict[str, str | None]:
    """Installed versions of Python and the libraries a run depends on.

    Returns
    -------
    versions : dict of str to str or None
        ``python`` and skdigits, scikit-learn, scikeras, tensorflow, keras
        and numpy (None when one is not installed). Read from the installed
        package metadata, so nothing is imported.

    Examples
    --------
    >>> from skdigits._commands.report import library_versions
    >>> versions = library_versions()
    >>> list(versions)
    ['python', 'skdigits', 'scikit-learn', 'scikeras', 'tensorflow', 'keras', 'numpy']
    >>> versions["numpy"] == __import__("numpy").__version__
    True
    """
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


# -- the report folder ---------------------------------------------------------


def _hyperparameters(classifier: Any) -> dict[str, Any]:
    # verbose and callbacks change what is printed, not what is learned.
    params = classifier.get_params(deep=False)
    return {
        name: jsonable(value)
        for name, value in params.items()
        if name not in ("verbose", "callbacks")
    }


def _metrics(
    classifier: Any,
    evaluation: Evaluation,
    *,
    n_train: int,
    data_source: str | None,
    train_time: float | None,
    command: str | None,
    created: datetime,
) -> dict[str, Any]:
    seed = classifier.get_params().get("random_state")
    return {
        "accuracy": evaluation.accuracy,
        "loss": evaluation.loss,
        "n_errors": evaluation.n_errors,
        "n_train": n_train,
        "n_test": evaluation.n_samples,
        "epochs_run": int(classifier.n_iter_),
        "best_epoch": classifier.best_epoch_,
        "train_time_seconds": train_time,
        "data_source": data_source,
        "seed": seed if isinstance(seed, int) else None,
        "hyperparameters": _hyperparameters(classifier),
        "most_confused": [
            {
                "labels": [pair.label_a, pair.label_b],  # plain already
                "count": pair.count,
                "a_to_b": pair.a_to_b,
                "b_to_a": pair.b_to_a,
            }
            for pair in evaluation.most_confused
        ],
        "per_class": jsonable(evaluation.per_class()),  # NaN becomes null
        "versions": library_versions(),
        "command": command,
        "created": created.isoformat(timespec="seconds"),
    }


def _write_history(path: Path, history: Mapping[str, list[float]]) -> None:
    keys = list(history)
    n_epochs = len(history["loss"]) if "loss" in history else 0
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["epoch", *keys])
        for epoch in range(n_epochs):
            # A value a callback logged for only some epochs is left blank.
            writer.writerow(
                [
                    epoch + 1,
                    *(
                        repr(float(history[key][epoch]))
                        if epoch < len(history[key])
                        else ""
                        for key in keys
                    ),
                ]
            )


def _save_figure(display: Any, path: Path) -> None:
    import matplotlib.pyplot as plt

    display.figure_.savefig(path, dpi=_DPI, facecolor="white")
    plt.close(display.figure_)


def _write_figures(
    folder: Path,
    estimator: Any,
    evaluation: Evaluation,
    X_train: ArrayLike,
    y_train: ArrayLike,
    X_test: ArrayLike,
    seed: int | None,
) -> None:
    from skdigits._estimators.plotting import (
        ConfusionMatrixDisplay,
        DigitGalleryDisplay,
        MisclassifiedDisplay,
        TrainingHistoryDisplay,
    )

    _save_figure(
        TrainingHistoryDisplay.from_estimator(estimator),
        folder / REPORT_FILES["learning_curves"],
    )
    confusion = ConfusionMatrixDisplay(
        evaluation.confusion_matrix, display_labels=evaluation.classes
    ).plot(log_scale=True, title="Test confusion matrix (log colour scale)")
    _save_figure(confusion, folder / REPORT_FILES["confusion_matrix"])
    _save_figure(
        DigitGalleryDisplay.from_data(
            X_train, y_train, random_state=seed, title="One training image per class"
        ),
        folder / REPORT_FILES["samples"],
    )
    _save_figure(
        MisclassifiedDisplay.from_predictions(
            evaluation.y_true,
            evaluation.y_pred,
            X_test,
            y_proba=evaluation.y_proba,
            labels=evaluation.classes,
            n_images=_N_MISCLASSIFIED,
        ),
        folder / REPORT_FILES["misclassified"],
    )


def _template(name: str) -> string.Template:
    """A layout file of the report, from the package's ``templates`` folder."""
    text = resources.files("skdigits._commands").joinpath("templates", name)
    return string.Template(text.read_text(encoding="utf-8").rstrip("\n"))


def _markdown(
    metrics: dict[str, Any],
    evaluation: Evaluation,
    data_summary: str,
    *,
    augmented: bool = False,
) -> str:
    """``report.md``: the layout is ``templates/report.md``; this fills it in."""
    files = REPORT_FILES
    n_test, n_errors = metrics["n_test"], metrics["n_errors"]
    epochs = metrics["epochs_run"]
    epochs_text = f"{epochs} epoch{'s' if epochs != 1 else ''}"
    if metrics["best_epoch"] is not None:
        epochs_text += f" (weights of epoch {metrics['best_epoch']} restored)"
    train_time = duration_text(metrics["train_time_seconds"])
    results = [
        ("Test accuracy", percent(metrics["accuracy"])),
        ("Test log loss", f"{metrics['loss']:.4f}"),
        ("Misclassified", f"{n_errors:,} of {n_test:,}"),
        ("Epochs run", epochs_text),
        ("Training time", train_time),
        ("Training images", f"{metrics['n_train']:,}"),
        ("Test images", f"{n_test:,}"),
        ("Data", metrics["data_source"] or "not recorded"),
        ("Seed", metrics["seed"] if metrics["seed"] is not None else "none"),
    ]
    settings = [
        (f"`{name}`", f"`{value}`")
        for name, value in metrics["hyperparameters"].items()
    ]
    pairs = [
        (
            f"{pair.label_a} ↔ {pair.label_b}",
            pair.count,
            f"{pair.a_to_b} ({pair.label_a} → {pair.label_b})",
            f"{pair.b_to_a} ({pair.label_b} → {pair.label_a})",
        )
        for pair in evaluation.most_confused
    ]
    per_class = [
        (
            row["label"],
            f"{row['support']:,}",
            percent(row["recall"], 1),
            percent(row["precision"], 1),
        )
        for row in evaluation.per_class()
    ]
    figures = ", ".join(
        f"`{files[key]}`"
        for key in ("learning_curves", "confusion_matrix", "samples", "misclassified")
    )
    file_rows = [
        (
            f"[`{files['metrics']}`]({files['metrics']})",
            "all numbers of this report, settings and versions",
        ),
        (
            f"[`{files['history']}`]({files['history']})",
            "loss, accuracy and learning rate per epoch",
        ),
        (
            f"`{files['model']}`",
            "the fitted pipeline (PixelScaler + DenseDigitClassifier), "
            "pickle-free; `skdigits.load_model` reads it",
        ),
        (figures, "the figures above"),
    ]
    versions = [
        (name, version or "not installed")
        for name, version in metrics["versions"].items()
    ]
    if pairs:
        table = markdown_table(
            ("pair", "mistakes", "a read as b", "b read as a"), pairs, "lrrr"
        )
        most_confused_text = _template("report_most_confused.md").substitute(
            table=table
        )
    else:
        most_confused_text = "No test image was misclassified."
    reproduce = ""
    if metrics["command"]:
        reproduce = _template("report_reproduce.md").substitute(
            command=metrics["command"]
        )
        reproduce += "\n\n"
    augmented_text = ""
    if augmented:
        augmented_text = (
            _template("report_augmented.md")
            .substitute(
                augmented=AUGMENTED_FILE,
                augment=metrics["hyperparameters"].get("augment"),
            )
            .rstrip("\n")
            + "\n\n"
        )
    created = datetime.fromisoformat(metrics["created"])
    return (
        _template("report.md").substitute(
            files,
            accuracy=percent(metrics["accuracy"]),
            n_errors=f"{n_errors:,}",
            n_test=f"{n_test:,}",
            loss=f"{metrics['loss']:.4f}",
            epochs=epochs_text,
            train_time=train_time,
            created=f"{created:%Y-%m-%d %H:%M}",
            version=metrics["versions"]["skdigits"],
            results_table=markdown_table(("result", "value"), results, "ll"),
            data_summary=data_summary,
            settings_table=markdown_table(("setting", "value"), settings, "ll"),
            most_confused=most_confused_text,
            per_class_table=markdown_table(
                ("digit", "test images", "recall", "precision"), per_class, "lrrr"
            ),
            reproduce=reproduce,
            augmented=augmented_text,
            files_table=markdown_table(("file", "content"), file_rows, "ll"),
            versions_table=markdown_table(("library", "version"), versions, "ll"),
        )
        + "\n"
    )


class ReportFolderError(FileExistsError):
    """The report folder is a file, or already holds files.

    Parameters
    ----------
    folder : path-like
        The folder asked for.
    reason : {"not a folder", "not empty"}
        What is in the way.

    Attributes
    ----------
    folder : pathlib.Path
        The folder asked for.
    reason : str
        ``"not a folder"`` or ``"not empty"``, for callers that word the
        error their own way (the command line names ``--force``).

    Examples
    --------
    >>> from skdigits._commands.report import ReportFolderError
    >>> error = ReportFolderError("run1", "not empty")
    >>> print(error)
    run1 already holds files; choose another folder or allow overwriting.
    >>> error.reason, isinstance(error, FileExistsError)
    ('not empty', True)
    """

    _MESSAGES = {
        "not a folder": "{folder} exists and is not a folder.",
        "not empty": "{folder} already holds files; choose another folder or "
        "allow overwriting.",
    }

    def __init__(self, folder: str | os.PathLike[str], reason: str) -> None:
        self.folder = Path(folder)
        self.reason = reason
        super().__init__(self._MESSAGES[reason].format(folder=self.folder))


def check_report_folder(
    folder: str | os.PathLike[str] | None = None, *, overwrite: bool = False
) -> Path:
    """Check, before any work, that a report can be written into ``folder``.

    Parameters
    ----------
    folder : str or path-like or None, default=None
        The report folder; it may not exist yet. If None, a new
        ``skdigits-report-YYYYmmdd-HHMMSS`` in the current folder (with
        ``-2``, ``-3``... added if that name is taken).
    overwrite : bool, default=False
        Accept a folder that already holds files.

    Returns
    -------
    folder : pathlib.Path
        ``folder`` as a path.

    Raises
    ------
    ReportFolderError
        ``folder`` is a file, or holds files and ``overwrite`` is False.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skdigits._commands.report import ReportFolderError, check_report_folder
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = (Path(tmp) / "notes.txt").write_text("mine")
    ...     try:
    ...         check_report_folder(tmp)
    ...     except ReportFolderError as exc:
    ...         print(exc.reason)
    not empty
    """
    if folder is None:
        stem = f"skdigits-report-{datetime.now():%Y%m%d-%H%M%S}"
        folder, n = Path.cwd() / stem, 2
        while folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            folder, n = Path.cwd() / f"{stem}-{n}", n + 1
    folder = Path(folder).expanduser()
    if folder.exists() and not folder.is_dir():
        raise ReportFolderError(folder, "not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not overwrite:
        raise ReportFolderError(folder, "not empty")
    return folder


def write_report(
    folder: str | os.PathLike[str],
    estimator: Any,
    X_train: ArrayLike,
    y_train: ArrayLike,
    X_test: ArrayLike,
    y_test: ArrayLike,
    *,
    evaluation: Evaluation | None = None,
    data_source: str | None = None,
    train_time: float | None = None,
    command: str | None = None,
    overwrite: bool = False,
) -> dict[str, Path]:
    """Write a report folder about a trained model (see the module docs).

    Parameters
    ----------
    folder : str or path-like
        Where to write; created if missing (with its parents).
    estimator : Pipeline or DenseDigitClassifier
        The fitted model: a :class:`~skdigits.DenseDigitClassifier`, or a
        Pipeline of :class:`~skdigits.PixelScaler` steps ending in one. Its
        ``history_`` gives the learning curves, and it is saved with
        :func:`~skdigits.persistence.save_model`.
    X_train, y_train : array-like
        The training data; one image per class is shown from it, and its
        size is recorded.
    X_test, y_test : array-like
        The test data the model is evaluated on (raw images, as the
        estimator takes them; they are shown as given).
    evaluation : Evaluation, default=None
        The result of ``evaluate(estimator, X_test, y_test)``, if already
        computed; computed here otherwise.
    data_source : str, default=None
        Where the data came from, for the record.
    train_time : float, default=None
        Training time in seconds, for the record.
    command : str, default=None
        A command line that reproduces the run, shown in ``report.md``.
    overwrite : bool, default=False
        Write into a folder that already holds files (replacing the report's
        files; other files are left alone). By default that raises.

    Returns
    -------
    paths : dict of str to pathlib.Path
        Each written file by its key in :data:`REPORT_FILES`.

    Raises
    ------
    ReportFolderError
        ``folder`` is a file, or is not empty and ``overwrite`` is False (a
        subclass of :class:`FileExistsError`).
    TypeError
        The model is not one that :func:`~skdigits.persistence.save_model` can save.
    OSError
        A file cannot be written (a full disk): the folder keeps
        :data:`INCOMPLETE_FILE`, which says the report is not complete.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from sklearn.pipeline import Pipeline
    >>> from skdigits import DenseDigitClassifier, PixelScaler
    >>> from skdigits.datasets import load_mnist_sample
    >>> from skdigits._commands.report import write_report
    >>> X_train, y_train, X_test, y_test = load_mnist_sample(return_X_y=True)
    >>> model = Pipeline([
    ...     ("scale", PixelScaler()),
    ...     ("clf", DenseDigitClassifier(hidden_layer_sizes=(32,), epochs=2,
    ...                                  batch_size=200, random_state=0)),
    ... ]).fit(X_train[:2000], y_train[:2000])
    >>> folder = Path(tempfile.mkdtemp()) / "report"
    >>> paths = write_report(folder, model, X_train[:2000], y_train[:2000],
    ...                      X_test, y_test, data_source="MNIST sample")
    >>> sorted(path.name for path in folder.iterdir())  # doctest: +NORMALIZE_WHITESPACE
    ['confusion_matrix.png', 'history.csv', 'learning_curves.png',
     'metrics.json', 'misclassified.png', 'model.skdigits', 'report.md',
     'samples.png']
    """
    from skdigits._estimators.persistence import save_model

    folder = Path(folder)
    classifier = final_estimator(estimator)
    if getattr(classifier, "history_", None) is None:
        raise TypeError(
            "write_report needs a fitted DenseDigitClassifier (or a Pipeline "
            f"ending in one); got {type(classifier).__name__} without history_."
        )
    check_report_folder(folder, overwrite=overwrite)
    folder.mkdir(parents=True, exist_ok=True)
    created = datetime.now().astimezone()
    if evaluation is None:
        evaluation = evaluate(estimator, X_test, y_test)
    paths = {key: folder / name for key, name in REPORT_FILES.items()}

    # Until the last file is written, the folder says it is not a report.
    incomplete = folder / INCOMPLETE_FILE
    incomplete.write_text(
        _INCOMPLETE_TEXT.format(
            started=f"{created:%Y-%m-%d %H:%M:%S}", model=REPORT_FILES["model"]
        ),
        encoding="utf-8",
    )
    # The model first: if it cannot be saved, nothing else is written.
    save_model(estimator, paths["model"])
    metrics = _metrics(
        classifier,
        evaluation,
        n_train=len(y_train),
        data_source=data_source,
        train_time=train_time,
        command=command,
        created=created,
    )
    paths["metrics"].write_text(
        json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    _write_history(paths["history"], classifier.history_)
    seed = metrics["seed"]
    _write_figures(folder, estimator, evaluation, X_train, y_train, X_test, seed)
    if getattr(classifier, "augment", None) is not None:
        paths["augmented"] = folder / AUGMENTED_FILE
        _save_figure(
            _augmented_gallery(estimator, classifier, X_train, y_train, seed),
            paths["augmented"],
        )
    summary = describe_dataset((X_train, y_train, X_test, y_test), title="Data")
    # The title line is the section's heading already.
    summary_text = summary.to_text().split("\n", 1)[1].strip("\n")
    paths["report"].write_text(
        _markdown(metrics, evaluation, summary_text, augmented="augmented" in paths),
        encoding="utf-8",
    )
    incomplete.unlink()
    return paths


def _augmented_gallery(
    estimator: Any, classifier: Any, X_train: ArrayLike, y_train: ArrayLike, seed
) -> Any:
    """One training image per class as given, and as two epochs distorted it."""
    import matplotlib.pyplot as plt

    from skdigits._estimators.augmentation import distort_images
    from skdigits._estimators.pipeline import transform_before_classifier
    from skdigits._estimators.plotting import DigitGalleryDisplay

    picked = DigitGalleryDisplay.from_data(X_train, y_train, random_state=seed)
    plt.close(picked.figure_)  # only its choice of images is needed
    rows = np.asarray(X_train)[picked.indices_]
    labels = np.asarray(y_train)[picked.indices_]
    # The network sees the images after the steps before it (the scaling).
    rows = transform_before_classifier(estimator, rows)
    rows = np.asarray(rows, dtype=np.float32).reshape(len(rows), -1)
    image_shape = getattr(classifier, "image_shape_", None)
    epochs = [
        distort_images(
            rows,
            classifier.augment,
            image_shape=image_shape,
            random_state=None if seed is None else seed + epoch,
        )
        for epoch in (1, 2)
    ]
    return DigitGalleryDisplay(
        np.concatenate([rows, *epochs]),
        np.concatenate([labels] * 3),
        image_shape=image_shape,
    ).plot(
        ncols=len(rows),
        title="What the network saw: training images as given (top row) and "
        "as two epochs distorted them",
    )
