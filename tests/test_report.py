"""Tests for skdigits._commands.report: evaluation figures and the report folder.

The report folder's files are checked here, once, on one shared fitted
model; that a saved model reloads and predicts the same is
test_persistence.py's, and that `skdigits train` writes the same folder as
before the refactor is test_cli.py's.
"""

from __future__ import annotations

import csv
import json
import re

import matplotlib.image as mpimg
import numpy as np
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.metrics import (
    log_loss,
)

from skdigits._commands import report as report_module
from skdigits._commands.report import (
    REPORT_FILES,
    ReportFolderError,
    check_report_folder,
    library_versions,
    write_report,
)


@pytest.fixture(scope="module")
def report(small_pipeline, sample_split, tmp_path_factory):
    folder = tmp_path_factory.mktemp("reports") / "run"
    paths = write_report(
        folder,
        small_pipeline,
        *sample_split,
        data_source="MNIST sample, first 2000",
        train_time=75.5,
        command="skdigits train --epochs 2 --hidden 16",
    )
    return folder, paths


def test_library_versions():
    versions = library_versions()
    assert set(versions) == {
        "python",
        "skdigits",
        "scikit-learn",
        "scikeras",
        "tensorflow",
        "keras",
        "numpy",
    }
    assert all(isinstance(v, str) and v[0].isdigit() for v in versions.values())


# -- write_report ------------------------------------------------------------------


def test_write_report_writes_every_file(report):
    folder, paths = report
    assert set(paths) == set(REPORT_FILES)
    assert sorted(p.name for p in folder.iterdir()) == sorted(REPORT_FILES.values())
    for key, path in paths.items():
        assert path == folder / REPORT_FILES[key] and path.stat().st_size > 0


def test_metrics_json(report, small_pipeline, sample_split):
    folder, _ = report
    metrics = json.loads((folder / "metrics.json").read_text())
    _, _, X_test, y_test = sample_split
    assert metrics["accuracy"] == pytest.approx(small_pipeline.score(X_test, y_test))
    expected_loss = log_loss(
        y_test, small_pipeline.predict_proba(X_test), labels=range(10)
    )
    assert metrics["loss"] == pytest.approx(expected_loss, rel=1e-6)
    assert metrics["n_train"] == 2000 and metrics["n_test"] == 400
    assert metrics["epochs_run"] == 2 and metrics["best_epoch"] is None
    assert metrics["train_time_seconds"] == 75.5
    assert metrics["seed"] == 0
    assert metrics["data_source"] == "MNIST sample, first 2000"
    assert metrics["hyperparameters"]["hidden_layer_sizes"] == [16]
    assert "verbose" not in metrics["hyperparameters"]
    assert metrics["command"] == "skdigits train --epochs 2 --hidden 16"
    assert metrics["versions"] == library_versions()
    assert len(metrics["per_class"]) == 10
    for pair in metrics["most_confused"]:
        assert pair["count"] == pair["a_to_b"] + pair["b_to_a"] > 0


def test_history_csv(report, small_pipeline):
    folder, _ = report
    with (folder / "history.csv").open() as file:
        rows = list(csv.reader(file))
    history = small_pipeline[-1].history_
    assert rows[0] == ["epoch", *history]
    assert [int(row[0]) for row in rows[1:]] == [1, 2]
    for i, key in enumerate(history, start=1):
        np.testing.assert_allclose([float(r[i]) for r in rows[1:]], history[key])


def test_figures_are_real_images(report):
    folder, _ = report
    for key in ("learning_curves", "confusion_matrix", "samples", "misclassified"):
        image = mpimg.imread(folder / REPORT_FILES[key])
        assert image.shape[0] > 250 and image.shape[1] > 250, key
        assert image[..., :3].std() > 0.05, key  # not a blank canvas


def test_report_markdown(report):
    folder, _ = report
    text = (folder / "report.md").read_text()
    assert text.startswith("# skdigits training report")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert sorted(links) == sorted(
        REPORT_FILES[k]
        for k in ("learning_curves", "confusion_matrix", "samples", "misclassified")
    )
    metrics = json.loads((folder / "metrics.json").read_text())
    assert f"{metrics['accuracy']:.2%}" in text
    assert f"{metrics['loss']:.4f}" in text
    assert "1 min 16 s" in text  # the training time, readable
    assert "skdigits train --epochs 2 --hidden 16" in text
    assert "skdigits predict model.skdigits" in text
    assert "| `hidden_layer_sizes` | `[16]` |" in text
    assert "train    2000  28x28" in text and "class  train  test" in text  # data


def test_write_report_refuses_a_folder_with_files(
    small_pipeline, sample_split, tmp_path
):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(ReportFolderError, match="already holds files") as error:
        write_report(tmp_path, small_pipeline, *sample_split)
    assert error.value.reason == "not empty" and error.value.folder == tmp_path
    assert isinstance(error.value, FileExistsError)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]
    file = tmp_path / "keep.txt"
    with pytest.raises(ReportFolderError, match="not a folder") as error:
        write_report(file, small_pipeline, *sample_split)
    assert error.value.reason == "not a folder"


def test_check_report_folder_without_a_name_picks_a_new_dated_one(
    tmp_path, monkeypatch
):
    import datetime as dt

    class Frozen(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(2026, 11, 27, 6, 15, 0)

    monkeypatch.setattr(report_module, "datetime", Frozen)
    monkeypatch.chdir(tmp_path)
    first = check_report_folder()
    assert first == tmp_path / "skdigits-report-20261127-061500"
    assert not first.exists()  # checked, not created
    first.mkdir()
    assert check_report_folder() == first  # an empty folder is fine
    (first / "report.md").write_text("taken")
    # Two runs in the same second: a suffix keeps them apart.
    assert check_report_folder() == tmp_path / "skdigits-report-20261127-061500-2"
    (tmp_path / "skdigits-report-20261127-061500-2").write_text("a file")
    assert check_report_folder() == tmp_path / "skdigits-report-20261127-061500-3"


def test_write_report_overwrite_keeps_other_files(
    small_pipeline, sample_split, tmp_path
):
    (tmp_path / "keep.txt").write_text("mine")
    (tmp_path / "report.md").write_text("old")
    write_report(tmp_path, small_pipeline, *sample_split, overwrite=True)
    assert (tmp_path / "keep.txt").read_text() == "mine"
    text = (tmp_path / "report.md").read_text()
    assert text != "old"
    assert "## Reproduce" not in text  # no command given
    assert "not measured" in text and "not recorded" in text


def test_write_report_needs_a_dense_digit_classifier(sample_split, tmp_path):
    X_train, y_train, X_test, y_test = sample_split
    other = DummyClassifier().fit(X_train.reshape(-1, 784), y_train)
    with pytest.raises(TypeError, match="DenseDigitClassifier"):
        write_report(tmp_path / "r", other, X_train, y_train, X_test, y_test)
    assert not (tmp_path / "r").exists()


# -- faults while writing -------------------------------------------------------


def test_a_report_whose_writing_fails_says_that_it_is_incomplete(
    small_pipeline, sample_split, tmp_path, monkeypatch
):
    # A full disk once the model is saved: what is lost is the rest of the
    # report; the model is whole, and the folder says it is not a report.
    import errno
    import os

    from skdigits.persistence import load_model

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(report_module, "_write_figures", full_disk)
    folder = tmp_path / "run"
    with pytest.raises(OSError, match="No space left on device"):
        write_report(folder, small_pipeline, *sample_split)
    assert sorted(p.name for p in folder.iterdir()) == [
        "INCOMPLETE.txt",
        "history.csv",
        "metrics.json",
        "model.skdigits",
    ]
    text = (folder / report_module.INCOMPLETE_FILE).read_text()
    assert text.startswith("This report is not complete.")
    assert "model.skdigits is written first and atomically" in text
    X_test = sample_split[2]
    np.testing.assert_array_equal(
        load_model(folder / "model.skdigits").predict(X_test),
        small_pipeline.predict(X_test),
    )
    # Written again in full, it no longer says so.
    monkeypatch.undo()
    write_report(folder, small_pipeline, *sample_split, overwrite=True)
    assert not (folder / report_module.INCOMPLETE_FILE).exists()
    assert sorted(p.name for p in folder.iterdir()) == sorted(REPORT_FILES.values())
