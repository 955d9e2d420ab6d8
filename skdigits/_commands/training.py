"""Train the notebook's pipeline and write its report: what ``skdigits train`` runs.

:func:`train_and_report` fits ``Pipeline([("scale", PixelScaler()),
("clf", DenseDigitClassifier(...))])``, watching the test set per epoch as the
notebook's learning curves did, evaluates it and writes the report folder
(:func:`skdigits._commands.report.write_report`). The command line only parses options
and loads the data; everything a run does is here, usable from Python.

``skdigits train --continue RUN/model.skdigits`` trains on with
:func:`skdigits.pipeline.continue_training`, so the history, and the
learning curves of a report written from it, cover every epoch from the
first run on.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from skdigits._commands.report import check_report_folder, write_report
from skdigits._estimators.metrics import Evaluation, evaluate
from skdigits._estimators.pipeline import (
    continue_training,
    final_estimator,
    make_digit_pipeline,
    transform_before_classifier,
)
from skdigits._prediction.formatting import number_text

__all__ = [
    "TrainingPlan",
    "TrainingRun",
    "describe_classifier",
    "plan_training",
    "recipe_settings",
    "train_and_report",
]


@dataclass(frozen=True)
class TrainingRun:
    """What :func:`train_and_report` made.

    Attributes
    ----------
    model : sklearn.pipeline.Pipeline
        The fitted ``PixelScaler`` + ``DenseDigitClassifier`` pipeline.
    evaluation : Evaluation
        Its results on the test set.
    train_time : float
        Seconds spent fitting, without the time spent watching the test set.
    paths : dict of str to pathlib.Path
        The report's files, by their key in
        :data:`skdigits._commands.report.REPORT_FILES`.

    Examples
    --------
    See :func:`train_and_report`, which returns it:

    >>> from skdigits._commands.training import TrainingRun
    >>> [name for name in TrainingRun.__dataclass_fields__]
    ['model', 'evaluation', 'train_time', 'paths']
    """

    model: Any
    evaluation: Evaluation
    train_time: float
    paths: dict[str, Path]


def train_and_report(
    folder: str | os.PathLike[str] | None,
    X_train: ArrayLike,
    y_train: ArrayLike,
    X_test: ArrayLike,
    y_test: ArrayLike,
    *,
    classifier: Any = None,
    deskew: bool = False,
    continue_from: Any = None,
    epochs: int | None = None,
    data_source: str | None = None,
    command: str | None = None,
    overwrite: bool = False,
    verbose: int | None = None,
) -> TrainingRun:
    """Train a ``PixelScaler`` + ``DenseDigitClassifier`` pipeline and report it.

    The folder is checked before training starts, and created then; if the
    run fails, a folder it created is removed again when still empty.

    Parameters
    ----------
    folder : str or path-like or None
        The report folder (see :func:`skdigits._commands.report.write_report`); None
        for a new dated one in the current folder (see
        :func:`skdigits._commands.report.check_report_folder`).
    X_train, y_train : array-like
        Raw training images (``uint8`` pixels, flat or 28x28) and labels.
    X_test, y_test : array-like
        Raw test images and labels: watched per epoch (``test_loss`` and
        ``test_accuracy`` in the history, never used to choose anything),
        then evaluated.
    classifier : DenseDigitClassifier, default=None
        The classifier's settings; it is cloned, not fitted in place.
        ``DenseDigitClassifier()`` if None. Not used with ``continue_from``.
    deskew : bool, default=False
        Put a :class:`~skdigits.Deskew` step first (see
        :func:`~skdigits.make_digit_pipeline`). Not used with
        ``continue_from``, whose pipeline keeps its own steps.
    continue_from : Pipeline, str or path-like, default=None
        A fitted pipeline, or a file written by
        :func:`~skdigits.persistence.save_model` (a report's
        ``model.skdigits``), to train on from where it stopped instead of
        training a new one (see :func:`continue_training`): its scaling is
        kept, its network and optimizer state carry on, and its history, so
        the report's curves, cover every epoch.
    epochs : int, default=None
        With ``continue_from``: the epochs to add (the classifier's own
        ``epochs`` if None).
    data_source : str, default=None
        Where the data came from, for the report.
    command : str, default=None
        A command line that repeats the run, for the report.
    overwrite : bool, default=False
        Write into a folder that already holds files.
    verbose : {0, 1, 2}, default=None
        Keras's progress output for this training (0 silent, 1 progress
        bar, 2 one line per epoch); None keeps the classifier's. A new
        classifier keeps it; a continued one has its own restored after.

    Returns
    -------
    run : TrainingRun
        The fitted pipeline, its evaluation, the training time and the
        report's files.

    Raises
    ------
    skdigits._commands.report.ReportFolderError
        ``folder`` is a file, or holds files and ``overwrite`` is False.
    sklearn.utils._param_validation.InvalidParameterError
        A parameter of ``classifier`` is invalid; raised before training.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skdigits import DenseDigitClassifier
    >>> from skdigits.datasets import load_mnist_sample
    >>> from skdigits._commands.training import train_and_report
    >>> X_train, y_train, X_test, y_test = load_mnist_sample(return_X_y=True)
    >>> run = train_and_report(
    ...     Path(tempfile.mkdtemp()) / "run", X_train[:1000], y_train[:1000],
    ...     X_test[:200], y_test[:200],
    ...     classifier=DenseDigitClassifier((32,), epochs=3, batch_size=100,
    ...                                     random_state=0),
    ... )
    >>> run.evaluation.accuracy > 0.5, sorted(run.paths)[:2]
    (True, ['confusion_matrix', 'history'])
    >>> [key for key in run.model[-1].history_ if key.startswith("test_")]
    ['test_loss', 'test_accuracy']
    """
    from sklearn.base import clone

    from skdigits._estimators.classifier import DenseDigitClassifier

    folder = check_report_folder(folder, overwrite=overwrite)
    if continue_from is None:
        classifier = clone(DenseDigitClassifier() if classifier is None else classifier)
        if verbose is not None:
            classifier.set_params(verbose=verbose)
        classifier._validate_params()  # a bad setting fails before any work
        pipeline = make_digit_pipeline(classifier, deskew=deskew)
        classes = np.unique(np.asarray(y_train))  # the classifier's classes_
    else:
        pipeline = continue_from
        if isinstance(pipeline, (str, os.PathLike)):
            from skdigits._estimators.persistence import load_model

            pipeline = load_model(pipeline)
        classifier = final_estimator(pipeline)  # a Pipeline or the classifier
        classes = classifier.classes_
    from skdigits._keras.callbacks import TestSetMonitor  # starts TensorFlow

    monitor = TestSetMonitor(
        X_test,
        y_test,
        classes=classes,
        # The scaler is fitted when training begins: the pipeline fits it first.
        preprocess=lambda X: transform_before_classifier(pipeline, X),
    )
    own_callbacks = classifier.callbacks
    if continue_from is None:
        classifier.set_params(callbacks=[*(own_callbacks or []), monitor])

    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        start = time.perf_counter()
        if continue_from is None:
            pipeline.fit(X_train, y_train)
        else:
            continue_training(
                pipeline,
                X_train,
                y_train,
                epochs=classifier.epochs if epochs is None else epochs,
                callbacks=[*(own_callbacks or []), monitor],
                verbose=verbose,
            )
        train_time = time.perf_counter() - start - monitor.seconds
        classifier.set_params(callbacks=own_callbacks)  # the monitor is not saved
        evaluation = evaluate(pipeline, X_test, y_test)
        paths = write_report(
            folder,
            pipeline,
            X_train,
            y_train,
            X_test,
            y_test,
            evaluation=evaluation,
            data_source=data_source,
            train_time=train_time,
            command=command,
            overwrite=True,  # checked above, before training
        )
    except BaseException:
        # Leave no empty folder behind a run that never wrote its report.
        if created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return TrainingRun(pipeline, evaluation, train_time, paths)


def describe_classifier(classifier: Any) -> str:
    """A classifier's network and training settings, as one sentence.

    Parameters
    ----------
    classifier : DenseDigitClassifier
        Fitted or not; its parameters are described.

    Returns
    -------
    text : str
        Widths, activation, dropout, optimizer, learning rate and schedule,
        batch size, epochs, seed, and the augmentation if any.

    Examples
    --------
    >>> from skdigits import DenseDigitClassifier
    >>> from skdigits._commands.training import describe_classifier
    >>> print(describe_classifier(DenseDigitClassifier((64, 32), epochs=5)))
    ... # doctest: +NORMALIZE_WHITESPACE
    hidden layers 64-32 (relu), dropout 0.1, adam at learning rate 0.003
    (cosine), batch size 500, 5 epochs, seed None
    """
    params = classifier.get_params()
    widths = "-".join(str(w) for w in params["hidden_layer_sizes"])
    augment = params.get("augment")
    return (
        f"hidden layers {widths} ({params['activation']}), dropout "
        f"{number_text(params['dropout'])}, {params['optimizer']} at learning rate "
        f"{number_text(params['learning_rate'])} ({params['lr_schedule']}), batch "
        f"size {params['batch_size']}, {params['epochs']} epochs, seed "
        f"{params['random_state']}"
        + ("" if augment is None else f", every training batch distorted ({augment})")
    )


def recipe_settings(
    params: dict[str, Any], recipe: str | None, *, deskew: bool = False
) -> tuple[dict[str, Any], bool]:
    """A run's classifier parameters and Deskew choice, with a recipe under them.

    Parameters
    ----------
    params : dict
        The parameters given; they override the recipe's.
    recipe : str or None
        A name of :data:`skdigits.augmentation.RECIPES`, or None.
    deskew : bool, default=False
        Whether a Deskew step was asked for; a recipe of
        :data:`skdigits.augmentation.DESKEWED_RECIPES` turns it on.

    Returns
    -------
    params : dict
        The recipe's parameters, then ``params``.
    deskew : bool
        Whether the pipeline deskews.

    Raises
    ------
    ValueError
        The recipe does not exist (the message lists those that do).

    Examples
    --------
    >>> from skdigits._commands.training import recipe_settings
    >>> params, deskew = recipe_settings({"epochs": 3}, "robust")
    >>> params["epochs"], deskew
    (3, True)
    """
    if recipe is None:
        return dict(params), deskew
    from skdigits._estimators.augmentation import DESKEWED_RECIPES, get_recipe

    return {**get_recipe(recipe), **params}, deskew or recipe in DESKEWED_RECIPES


@dataclass(frozen=True)
class TrainingPlan:
    """What one ``skdigits train`` run trains: a new classifier, or a saved
    model on from where it stopped (:func:`plan_training` makes it).

    Attributes
    ----------
    how : dict
        The keyword arguments of :func:`train_and_report` that say what to
        train (``classifier`` and ``deskew``, or ``continue_from`` and
        ``epochs``).
    classifier : DenseDigitClassifier
        The classifier trained: the new one, or the saved model's.
    epochs : int
        The epochs this run adds.
    epochs_before : int
        Those the model had already been trained (0 for a new one).
    summary, details : str
        What the run does, as "Training" or "Continuing ..." and the rest of
        the sentence after the number of images.
    """

    how: dict[str, Any]
    classifier: Any
    epochs: int
    epochs_before: int
    summary: str
    details: str


def plan_training(
    params: dict[str, Any],
    *,
    deskew: bool = False,
    continue_from: str | os.PathLike[str] | None = None,
) -> TrainingPlan:
    """Build the classifier a run trains, or load the model it continues.

    Parameters
    ----------
    params : dict
        :class:`~skdigits.DenseDigitClassifier` parameters for a new run;
        with ``continue_from``, only ``epochs`` is read.
    deskew : bool, default=False
        Put a :class:`~skdigits.Deskew` step first (a new run only).
    continue_from : str, path-like or None, default=None
        A file written by :func:`skdigits.persistence.save_model` to train
        on instead of a new classifier.

    Returns
    -------
    plan : TrainingPlan

    Examples
    --------
    >>> from skdigits._commands.training import plan_training
    >>> plan = plan_training({"epochs": 2, "hidden_layer_sizes": (32,)})
    >>> plan.how["classifier"].epochs, plan.epochs_before, plan.summary
    (2, 0, 'Training')
    """
    if continue_from is None:
        from skdigits._estimators.classifier import DenseDigitClassifier

        classifier = DenseDigitClassifier(**params)
        return TrainingPlan(
            how={"classifier": classifier, "deskew": deskew},
            classifier=classifier,
            epochs=classifier.epochs,
            epochs_before=0,
            summary="Training",
            details=(
                f": {'deskewed, ' if deskew else ''}{describe_classifier(classifier)}"
            ),
        )
    from skdigits._estimators.persistence import load_model

    pipeline = load_model(continue_from)
    classifier = final_estimator(pipeline)
    epochs = params.get("epochs", classifier.epochs)
    return TrainingPlan(
        how={"continue_from": pipeline, "epochs": epochs},
        classifier=classifier,
        epochs=epochs,
        epochs_before=classifier.n_iter_,
        summary=f"Continuing {continue_from} ({classifier.n_iter_} epochs so far)",
        details=f": {epochs} more epochs",
    )
