"""Tests for skdigits._commands.training.train_and_report (what `skdigits train` runs).

What the report folder holds is tested once, in test_report.py (its files)
and test_cli.py (the same folder as before the refactor); here, what the
function itself decides.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from skdigits._commands.report import ReportFolderError
from skdigits._commands.training import describe_classifier, train_and_report
from skdigits.classifier import DenseDigitClassifier
from skdigits.datasets import load_mnist_sample


@pytest.fixture(scope="module")
def small():
    X_train, y_train, X_test, y_test = load_mnist_sample(return_X_y=True)
    return X_train[:300], y_train[:300], X_test[:100], y_test[:100]


def test_the_classifier_is_cloned_and_the_monitor_not_kept(small, tmp_path):
    classifier = DenseDigitClassifier((8,), epochs=1, batch_size=100, random_state=0)
    run = train_and_report(tmp_path / "run", *small, classifier=classifier)
    assert not hasattr(classifier, "model_")  # the given one stays unfitted
    fitted = run.model[-1]
    assert fitted.callbacks is None  # the test-set monitor is not saved
    assert {"test_loss", "test_accuracy"} <= set(fitted.history_)
    assert fitted.history_["test_accuracy"][-1] == pytest.approx(
        run.evaluation.accuracy
    )
    assert 0 < run.train_time and set(run.paths) >= {"report", "model"}


def test_bad_settings_and_folders_fail_before_training(small, tmp_path, monkeypatch):
    made = []
    mkdir = Path.mkdir
    monkeypatch.setattr(
        Path, "mkdir", lambda self, *a, **k: made.append(self) or mkdir(self, *a, **k)
    )
    bad = DenseDigitClassifier(epochs=0)
    with pytest.raises(InvalidParameterError, match="epochs"):
        train_and_report(tmp_path / "a", *small, classifier=bad)
    assert made == []  # refused before the folder was even made
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "mine.txt").write_text("kept")
    with pytest.raises(ReportFolderError, match="already holds files"):
        train_and_report(tmp_path / "b", *small, classifier=bad)


def test_a_failed_run_leaves_no_empty_folder(small, tmp_path):
    X_train, y_train, X_test, y_test = small
    one_class = y_train * 0  # the classifier refuses a single class
    with pytest.raises(ValueError, match="at least 2 classes"):
        train_and_report(tmp_path / "run", X_train, one_class, X_test, y_test)
    assert not (tmp_path / "run").exists()


def test_a_run_without_a_folder_writes_a_new_dated_one(small, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    classifier = DenseDigitClassifier((8,), epochs=1, batch_size=100, random_state=0)
    run = train_and_report(None, *small, classifier=classifier)
    (folder,) = tmp_path.glob("skdigits-report-*")
    assert run.paths["report"] == folder / "report.md"


def test_describe_classifier_names_every_setting_that_shapes_the_run():
    text = describe_classifier(
        DenseDigitClassifier(
            (64, 32),
            dropout=0.2,
            learning_rate=1e-3,
            batch_size=128,
            epochs=7,
            random_state=3,
            augment="elastic",
        )
    )
    for part in (
        "hidden layers 64-32 (relu)",
        "dropout 0.2",
        "learning rate 0.001",
        "batch size 128",
        "7 epochs",
        "seed 3",
        "every training batch distorted (elastic)",
    ):
        assert part in text, (part, text)
    assert "distorted" not in describe_classifier(DenseDigitClassifier())


def test_continuing_a_bare_classifier_watches_and_reports_it(small, tmp_path):
    # save_model accepts a classifier without a pipeline; continuing it must
    # feed the test set as it is (there is no scaling step to apply).
    from skdigits.persistence import save_model

    X_train, y_train, X_test, y_test = small
    scale = np.float32(255)
    clf = DenseDigitClassifier((8,), epochs=1, batch_size=100, random_state=0)
    clf.fit(X_train / scale, y_train)
    path = save_model(clf, tmp_path / "bare.skdigits")
    run = train_and_report(
        tmp_path / "run",
        X_train / scale,
        y_train,
        X_test / scale,
        y_test,
        continue_from=path,
        epochs=2,
    )
    assert isinstance(run.model, DenseDigitClassifier)  # not wrapped
    assert run.model.n_iter_ == 3
    assert len(run.model.history_["test_accuracy"]) == 3
    assert run.model.history_["test_accuracy"][-1] == pytest.approx(
        run.evaluation.accuracy
    )
