"""End-to-end tests of the ``skdigits`` command line (train and predict).

Every run is offline: ``SKDIGITS_MNIST`` is removed and the data home points
to an empty folder, so ``train`` falls back to the bundled sample (CI sets
``SKDIGITS_MNIST`` to full MNIST, which would make these runs slow), and
``--no-download`` is always given. One small model is trained per module and
shared by the predict tests.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from skdigits._commands.cli import main
from skdigits._commands.options import ESTIMATOR_OPTIONS
from skdigits._commands.report import REPORT_FILES
from skdigits._prediction.answer import ANSWER_SCHEMA
from skdigits.datasets import load_mnist_sample
from skdigits.persistence import load_model

TINY = ["--no-download", "--epochs", "1", "--hidden", "16", "--batch-size", "256"]
FIGURES = ("learning_curves", "confusion_matrix", "samples", "misclassified")


def _offline(mp: pytest.MonkeyPatch, root: Path) -> None:
    mp.delenv("SKDIGITS_MNIST", raising=False)
    mp.setenv("SKDIGITS_DATA", str(root / "empty-data-home"))
    mp.chdir(root)


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    _offline(monkeypatch, tmp_path)


def _run(argv: list[str]) -> SimpleNamespace:
    """``main(argv)`` with its output captured (usable in module fixtures)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return SimpleNamespace(code=code, out=out.getvalue(), err=err.getvalue())


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One real `skdigits train` run on the bundled sample, progress shown."""
    root = tmp_path_factory.mktemp("cli")
    folder = root / "report"
    with pytest.MonkeyPatch.context() as mp:
        _offline(mp, root)
        run = _run(
            [
                "train",
                "--no-download",
                "--epochs",
                "3",
                "--hidden",
                "64",
                "--batch-size",
                "128",
                "--output",
                str(folder),
            ]
        )
    assert run.code == 0, run.err
    run.folder = folder
    run.metrics = json.loads((folder / "metrics.json").read_text())
    return run


@pytest.fixture(scope="module")
def model(trained):
    return load_model(trained.folder / "model.skdigits")


def _assert_one_line_error(code: int, captured, *fragments: str) -> None:
    """Exit code 2 and one ``skdigits: error:`` line on stderr, no traceback."""
    assert code == 2, (captured.out, captured.err)
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("skdigits: error: "), captured.err
    assert "Traceback" not in captured.err + captured.out
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


# -- train: the report ---------------------------------------------------------------


def test_train_prints_the_run(trained):
    out = trained.out
    assert "Full MNIST was not found and --no-download was given" in out
    assert "bundled MNIST sample" in out and "--data PATH" in out
    # The data summary: shapes, pixel range and class counts.
    assert "train   10000  28x28        uint8          0        255" in out
    assert "class  train  test" in out and "total  10000  1000" in out
    # Progress: one line per epoch when stdout is not a terminal.
    assert out.count("Epoch ") == 3 and "Epoch 3/3" in out
    accuracy = trained.metrics["accuracy"]
    assert f"Test accuracy: {accuracy:.2%}" in out
    assert f"Test loss:     {trained.metrics['loss']:.4f} (log loss)" in out
    pairs = re.findall(r"^  (\d)↔(\d): (\d+) \((\d+) \+ (\d+)\)$", out, re.MULTILINE)
    assert 1 <= len(pairs) <= 5
    for _, _, total, a_to_b, b_to_a in pairs:
        assert int(total) == int(a_to_b) + int(b_to_a)
    assert f"Report: {trained.folder / 'report.md'}" in out
    assert trained.err.strip() == ""


def test_train_metrics_json(trained):
    metrics = trained.metrics
    assert 0.8 < metrics["accuracy"] <= 1
    assert 0 < metrics["loss"] < 1
    assert metrics["epochs_run"] == 3
    assert metrics["n_train"] == 10000 and metrics["n_test"] == 1000
    assert metrics["n_errors"] == round((1 - metrics["accuracy"]) * 1000)
    assert metrics["train_time_seconds"] > 0
    assert metrics["seed"] == 0
    assert "bundled MNIST sample" in metrics["data_source"]
    params = metrics["hyperparameters"]
    assert params["hidden_layer_sizes"] == [64]
    assert params["batch_size"] == 128 and params["epochs"] == 3
    assert params["random_state"] == 0
    for library in (
        "skdigits",
        "scikit-learn",
        "scikeras",
        "tensorflow",
        "keras",
        "numpy",
    ):
        assert metrics["versions"][library]
    assert 1 <= len(metrics["most_confused"]) <= 5
    assert metrics["command"].startswith("skdigits train --data sample --epochs 3")


def test_train_history_csv(trained):
    with (trained.folder / "history.csv").open() as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == trained.metrics["epochs_run"] == 3
    assert {"epoch", "loss", "accuracy", "learning_rate"} <= set(rows[0])
    assert [row["epoch"] for row in rows] == ["1", "2", "3"]
    losses = [float(row["loss"]) for row in rows]
    assert losses[-1] < losses[0]
    # the notebook's per-epoch test curves, recorded for monitoring only
    test_accuracy = [float(row["test_accuracy"]) for row in rows]
    assert all(0.0 <= a <= 1.0 for a in test_accuracy)
    assert test_accuracy[-1] == pytest.approx(trained.metrics["accuracy"], abs=1e-6)


def test_train_report_md(trained):
    text = (trained.folder / "report.md").read_text()
    for key in FIGURES:
        assert f"]({REPORT_FILES[key]})" in text
    assert f"{trained.metrics['accuracy']:.2%}" in text
    assert trained.metrics["command"] in text
    assert "skdigits predict model.skdigits" in text


# What legitimately differs between two runs of the same command: the clock,
# the timings, the installed versions, and where the package and the report
# folder live. Each mask keeps its line's shape, so anything else that
# changes still shows.
_MASKS = [
    (r'"created": "[^"]+"', '"created": "<date>"'),
    (r'"train_time_seconds": [0-9.e+-]+', '"train_time_seconds": <seconds>'),
    (r'"versions": \{[^}]*\}', '"versions": <versions>'),
    (r"Trained on \d{4}-\d\d-\d\d \d\d:\d\d with skdigits \S+\.", "Trained on <date>."),
    (r"(in|Training time \|) [0-9.]+ s\b", r"\1 <seconds> s"),
    (r"(?m)^## Versions\n(.|\n)*", "## Versions <versions>"),
    (r"(?m)^\d+/\d+ - .*?ms/step - ", "<steps> - "),
    (r"(?m)^source: bundled sample .*$", "source: bundled sample <path>"),
    (r"(?m)^(Report|Model|  try): .*$", r"\1: <path>"),
]


def _masked(text: str) -> str:
    for pattern, replacement in _MASKS:
        text = re.sub(pattern, replacement, text)
    return text


# Classifier parameters added after tests/data/report_before was written, with
# their defaults: the report lists every parameter, so these rows are new and
# must say exactly this; everything else must be as before.
NEW_PARAMETERS = {
    "class_weight": None,
    "warm_start": False,
    "augment": None,
    "ema_momentum": None,
}


def _without_new_parameters(name: str, text: str) -> str:
    if name == "metrics.json":
        metrics = json.loads(text)
        for param, default in NEW_PARAMETERS.items():
            assert metrics["hyperparameters"].pop(param) == default, param
        metrics["command"] = metrics["command"].replace(" --augment none", "")
        return json.dumps(metrics, indent=2, ensure_ascii=False) + "\n"
    # The recorded command lists every classifier option, new ones included.
    text = text.replace(" --augment none", "")
    if name == "report.md":
        for param, default in NEW_PARAMETERS.items():
            row = f"| `{param}` | `{default}` |\n"
            assert text.count(row) == 1, row
            text = text.replace(row, "")
    return text


def test_train_outputs_are_unchanged_by_the_refactor(trained):
    # tests/data/report_before was written by the code before issue 17's
    # refactor (commit 90e0404), with the same command as the `trained`
    # fixture: `skdigits train --no-download --epochs 3 --hidden 64
    # --batch-size 128 --output FOLDER`. Training is deterministic (seed 0),
    # so the text files must be the same once timings and dates are masked,
    # and the figures the same size.
    before = Path(__file__).parent / "data" / "report_before"
    # The per-epoch numbers are compared to float32 rounding, not as text:
    # since the fixture was written, the learning-rate schedule is set per step
    # by a callback (for warm starts), which moves the last bits of the losses.
    with (before / "history.csv").open() as expected_file:
        expected_rows = list(csv.reader(expected_file))
    with (trained.folder / "history.csv").open() as actual_file:
        actual_rows = list(csv.reader(actual_file))
    assert actual_rows[0] == expected_rows[0]
    np.testing.assert_allclose(
        np.array(actual_rows[1:], dtype=float),
        np.array(expected_rows[1:], dtype=float),
        rtol=1e-5,
    )
    for name in ("report.md", "metrics.json"):
        expected = _masked((before / name).read_text(encoding="utf-8"))
        actual = _without_new_parameters(
            name, (trained.folder / name).read_text(encoding="utf-8")
        )
        assert _masked(actual) == expected, name
    expected_out = _masked((before / "stdout.txt").read_text(encoding="utf-8"))
    assert _masked(trained.out) == expected_out
    assert sorted(p.name for p in trained.folder.iterdir()) == sorted(
        REPORT_FILES.values()
    )
    figures = json.loads((before / "figures.json").read_text())
    for name, size in figures.items():
        path = trained.folder / name
        with Image.open(path) as image:
            assert (image.width, image.height) == (size["width"], size["height"]), name
        # Same drawing, same compressed size give or take antialiasing; a
        # missing panel, title or colour bar changes it by far more.
        assert path.stat().st_size == pytest.approx(size["bytes"], rel=0.03), name


def test_train_reproduce_command_repeats_the_run_exactly(tmp_path, trained):
    # The seed is 0 by default, so the recorded command gives the same model;
    # without --output it writes a new dated folder in the current folder.
    argv = shlex.split(trained.metrics["command"])
    assert argv[:2] == ["skdigits", "train"]
    run = _run([*argv[1:], "--no-download", "--quiet"])
    assert run.code == 0, run.err
    assert "Epoch" not in run.out  # --quiet
    (folder,) = tmp_path.glob("skdigits-report-*")
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["accuracy"] == trained.metrics["accuracy"]
    assert metrics["loss"] == pytest.approx(trained.metrics["loss"], rel=1e-6)
    assert "Full MNIST was not found" not in run.out  # --data sample asked for it


def test_train_with_data_npz(tmp_path, sample, capsys):
    path = tmp_path / "tiny-mnist.npz"
    np.savez(
        path,
        x_train=sample.X_train[:600],
        y_train=sample.y_train[:600],
        x_test=sample.X_test[:100],
        y_test=sample.y_test[:100],
    )
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("kept")
    code = main(["train", *TINY, "--data", str(path), "--output", str(out)])
    captured = capsys.readouterr()
    # A folder with files is refused without --force, before any training.
    _assert_one_line_error(code, captured, "already holds files", "--force")
    assert "Training" not in captured.out
    code = main(["train", *TINY, "--data", str(path), "--output", str(out), "--force"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Full MNIST was not found" not in captured.out
    assert "Training on 600 images" in captured.out
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n_train"] == 600 and metrics["n_test"] == 100
    assert str(path) in metrics["data_source"]
    assert (out / "mine.txt").read_text() == "kept"


def test_help_shows_the_classifiers_defaults(capsys):
    from skdigits.classifier import DenseDigitClassifier

    params = DenseDigitClassifier().get_params()
    assert main(["train", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert (
        f"--epochs N passes over the training data (classifier default: "
        f"{params['epochs']})" in help_text
    )
    hidden = ",".join(map(str, params["hidden_layer_sizes"]))
    assert f"(classifier default: {hidden})" in help_text
    assert f"(classifier default: {params['learning_rate']:g})" in help_text
    assert "'none' for a different run each time (default: 0)" in help_text


@pytest.mark.parametrize("option", ESTIMATOR_OPTIONS, ids=lambda o: o.flag)
def test_option_errors_are_the_classifiers(capsys, option):
    # One source of truth: the option's error is the classifier's own
    # InvalidParameterError message for the same value.
    from sklearn.utils._param_validation import InvalidParameterError

    from skdigits.classifier import DenseDigitClassifier

    assert option.param in DenseDigitClassifier._parameter_constraints
    with pytest.raises(InvalidParameterError) as expected:
        DenseDigitClassifier(**{option.param: "x"})._validate_params()
    code = main(["train", option.flag, "x"])
    _assert_one_line_error(code, capsys.readouterr(), option.flag, str(expected.value))


def test_options_parse_to_the_classifier_values():
    from skdigits._commands.cli import build_parser

    args = build_parser().parse_args(
        ["train", "--hidden", "32,16", "--dropout", "0.25", "--seed", "none"]
    )
    assert args.hidden_layer_sizes == (32, 16) and args.dropout == 0.25
    assert args.random_state is None
    assert "epochs" not in args  # not given: the classifier's default applies
    # Nor is --seed's own default (0) filled in by parsing: _train applies it
    # to a new run, and --continue can tell it was not typed.
    assert "random_state" not in build_parser().parse_args(["train"])


# -- train: bad input --------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        (["--epochs", "0"], "--epochs"),
        (["--epochs", "two"], "--epochs"),
        (["--dropout", "1.5"], "--dropout"),
        (["--dropout", "-0.1"], "--dropout"),
        (["--hidden", "0,5"], "--hidden"),
        (["--hidden", "abc"], "--hidden"),
        (["--hidden", ""], "--hidden"),
        (["--batch-size", "-1"], "--batch-size"),
        (["--learning-rate", "0"], "--learning-rate"),
        (["--learning-rate", "nan"], "--learning-rate"),
        (["--seed", "-3"], "--seed"),
        (["--bogus"], "--bogus"),
    ],
)
def test_train_rejects_bad_options(capsys, options, fragment):
    code = main(["train", *options])
    _assert_one_line_error(code, capsys.readouterr(), fragment)


def test_missing_command_and_unknown_command(capsys):
    for argv in ([], ["fly"]):
        code = main(argv)
        _assert_one_line_error(code, capsys.readouterr())


@pytest.mark.parametrize("kind", ["missing", "folder", "text", "bad-shape"])
def test_train_with_invalid_data_is_an_error_not_a_fallback(
    tmp_path, capsys, kind, sample
):
    path = tmp_path / "data.npz"
    if kind == "folder":
        path = tmp_path / "empty-folder"
        path.mkdir()
    elif kind == "text":
        path.write_text("not an npz")
    elif kind == "bad-shape":
        np.savez(
            path,
            x_train=np.zeros((5, 8, 8), np.uint8),
            y_train=np.zeros(5, np.uint8),
            x_test=np.zeros((5, 8, 8), np.uint8),
            y_test=np.zeros(5, np.uint8),
        )
    code = main(["train", *TINY, "--data", str(path), "--output", str(tmp_path / "o")])
    captured = capsys.readouterr()
    _assert_one_line_error(code, captured, "--data")
    assert "bundled" not in captured.out and "Training" not in captured.out
    assert not (tmp_path / "o").exists()  # no empty report folder left behind


def test_data_errors_name_the_option_not_fetch_mnists_parameter(tmp_path, capsys):
    # The message is built from the error's location and reason, so it says
    # "--data" where fetch_mnist's own message says "path=" or "path".
    missing = tmp_path / "nowhere.npz"
    code = main(["train", *TINY, "--data", str(missing)])
    line = capsys.readouterr().err.strip()
    assert code == 2
    assert line.startswith(f"skdigits: error: --data: {missing} does not exist: ")
    partial = tmp_path / "idx"
    partial.mkdir()
    (partial / "train-images-idx3-ubyte").write_bytes(b"")
    code = main(["train", *TINY, "--data", str(partial)])
    line = capsys.readouterr().err.strip()
    assert line.startswith(f"skdigits: error: --data: {partial} has some MNIST IDX")
    assert "path" not in line.split(str(partial))[0]


def test_train_with_invalid_skdigits_mnist_is_an_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SKDIGITS_MNIST", str(tmp_path / "nowhere"))
    code = main(["train", *TINY, "--output", str(tmp_path / "o")])
    _assert_one_line_error(code, capsys.readouterr(), "SKDIGITS_MNIST")


def test_train_output_that_is_a_file(tmp_path, capsys):
    (tmp_path / "taken").write_text("x")
    code = main(["train", *TINY, "--output", str(tmp_path / "taken")])
    _assert_one_line_error(code, capsys.readouterr(), "not a folder")


def test_unexpected_failure_is_one_line_exit_1(tmp_path, capsys, monkeypatch):
    import skdigits._commands.training

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr(skdigits._commands.training, "write_report", broken)
    code = main(["train", *TINY, "--quiet", "--output", str(tmp_path / "o")])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.err.strip() == (
        "skdigits: error: RuntimeError: disk on fire second line "
        "(set SKDIGITS_DEBUG=1 to see the traceback)"
    )
    monkeypatch.setenv("SKDIGITS_DEBUG", "1")
    with pytest.raises(RuntimeError, match="disk on fire"):
        main(["train", *TINY, "--quiet", "--output", str(tmp_path / "o2")])


# -- train under faults -------------------------------------------------------------


@pytest.mark.parametrize("fault", ["full disk", "Ctrl-C"])
def test_a_report_stopped_part_way_says_so_in_one_line_and_in_its_folder(
    fault, tmp_path, capsys, monkeypatch
):
    # The model is saved, then the figures cannot be written: the disk is
    # full, or Ctrl-C comes. The run's one line says the report is
    # incomplete, and so does the folder; the model in it is whole.
    import errno
    import os

    import skdigits._commands.report

    def stopped(*args, **kwargs):
        if fault == "Ctrl-C":
            raise KeyboardInterrupt
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(skdigits._commands.report, "_write_figures", stopped)
    out = tmp_path / "run"
    code = main(["train", *TINY, "--quiet", "--output", str(out)])
    captured = capsys.readouterr()
    incomplete = f"the report there is incomplete, as {out / 'INCOMPLETE.txt'} says"
    if fault == "Ctrl-C":
        assert code == 130
        assert captured.err == f"skdigits: error: interrupted; {incomplete}.\n"
    else:
        _assert_one_line_error(
            code,
            captured,
            f"--output {out}: [Errno 28] No space left on device ({incomplete}).",
        )
    assert (out / "INCOMPLETE.txt").read_text().startswith("This report is not")
    assert not (out / "report.md").exists()
    assert load_model(out / "model.skdigits").predict(np.zeros((1, 784))).shape == (1,)


_TAKES_CTRL_C = """
import signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
from skdigits._commands.cli import main
sys.exit(main())
"""


def test_ctrl_c_during_training_stops_it_and_leaves_no_report(tmp_path, child_env):
    # A real Ctrl-C: SIGINT to the process group of `skdigits train`, started
    # in a session of its own as a terminal's command is, once its second
    # epoch has begun. It stops there (long before its 300 epochs), with
    # exit code 130 and one line; the folder it had made is gone, as no
    # report was written.
    import os
    import signal

    env = {**child_env, "SKDIGITS_DATA": str(tmp_path / "empty-data-home")}
    env.pop("SKDIGITS_MNIST", None)
    env["PYTHONUNBUFFERED"] = "1"
    out = tmp_path / "run"
    # Python leaves Ctrl-C ignored in a child of a process that ignores it
    # (a test runner in the background): the child takes it back first.
    command = [*TINY, "--epochs", "300", "--data", "sample", "--output", str(out)]
    process = subprocess.Popen(
        [sys.executable, "-c", _TAKES_CTRL_C, "train", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        printed = []
        for line in process.stdout:
            printed.append(line)
            if line.startswith("Epoch 2/300"):
                break
        assert out.is_dir()  # made when training started
        os.killpg(process.pid, signal.SIGINT)
        rest, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, err
    assert err.splitlines()[-1] == "skdigits: error: interrupted."
    assert "Traceback" not in err
    epochs = [line for line in [*printed, *rest.splitlines()] if "Epoch " in line]
    assert len(epochs) < 300 and "Trained" not in rest
    assert not out.exists()


# -- predict ------------------------------------------------------------------------


def _on_paper(digit: np.ndarray) -> Image.Image:
    """An MNIST digit as a person would draw it: dark on white, 100x80, off centre."""
    big = Image.fromarray(255 - digit).resize((84, 84), Image.Resampling.BICUBIC)
    paper = Image.new("L", (80, 100), 255)
    paper.paste(big, (-6, 12))  # the MNIST margin is blank: the digit stays whole
    return paper


@pytest.fixture(scope="module")
def clear_digits(model, sample):
    """For each class, the test digit the model is surest of (and right)."""
    proba = model.predict_proba(sample.X_test)
    chosen = []
    for digit in range(10):
        candidates = np.flatnonzero(sample.y_test == digit)
        chosen.append(candidates[np.argmax(proba[candidates, digit])])
    return np.array(chosen)


_ROW = re.compile(
    r"^(?P<name>\S.*?)\s+(?:(?P<digit>\d)|not sure \(maybe (?P<guess>\d) or "
    r"(?P<runner_up>\d)\))\s+(?P<percent>>?[\d.]+)%$"
)


def _table(out: str) -> dict[str, tuple[int, float]]:
    """file -> (digit, percent); the likeliest digit of a "not sure" row."""
    rows = {}
    for line in out.strip().splitlines()[1:]:
        row = _ROW.match(line)
        assert row, line
        digit = row["digit"] or row["guess"]
        rows[Path(row["name"]).name] = (int(digit), float(row["percent"].strip(">")))
    return rows


def test_predict_png_and_jpeg_drawings(tmp_path, trained, sample, clear_digits, capsys):
    folder = tmp_path / "drawings"
    folder.mkdir()
    for digit, index in enumerate(clear_digits):
        paper = _on_paper(sample.X_test[index])
        if digit % 2:
            paper.convert("RGB").save(folder / f"digit{digit}.jpg", quality=90)
        else:
            paper.save(folder / f"digit{digit}.png")
    code = main(["predict", str(trained.folder / "model.skdigits"), str(folder)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.splitlines()[0].split() == ["file", "digit", "probability"]
    rows = _table(captured.out)
    assert len(rows) == 10
    for digit in range(10):
        name = f"digit{digit}.{'jpg' if digit % 2 else 'png'}"
        predicted, percent = rows[name]
        assert predicted == digit, (name, rows)
        assert 50 < percent <= 100


def test_predict_npy_matches_the_model(tmp_path, trained, model, sample, capsys):
    np.save(tmp_path / "digits.npy", sample.X_test[:12])
    np.save(tmp_path / "one.npy", sample.X_test[12].reshape(784))
    code = main(
        [
            "predict",
            str(trained.folder / "model.skdigits"),
            str(tmp_path / "digits.npy"),
            str(tmp_path / "one.npy"),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    rows = _table(captured.out)
    assert list(rows) == [*(f"digits.npy[{i}]" for i in range(12)), "one.npy"]
    expected = model.predict(sample.X_test[:13])
    assert [digit for digit, _ in rows.values()] == expected.tolist()


@pytest.mark.parametrize("target", ["file", "stdout"])
def test_predict_json(tmp_path, trained, model, sample, capsys, target):
    np.save(tmp_path / "digits.npy", sample.X_test[:5])
    Image.fromarray(255 - sample.X_test[5]).resize((56, 56)).save(tmp_path / "six.png")
    json_path = tmp_path / "predictions.json" if target == "file" else "-"
    code = main(
        [
            "predict",
            str(trained.folder / "model.skdigits"),
            str(tmp_path / "digits.npy"),
            str(tmp_path / "six.png"),
            "--json",
            str(json_path),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    if target == "file":
        records = json.loads(json_path.read_text())
        assert "digit" in captured.out  # the table is printed too
    else:
        records = json.loads(captured.out)  # nothing but the JSON on stdout
    assert len(records) == 6
    assert [r["index"] for r in records] == [0, 1, 2, 3, 4, None]
    assert records[0]["file"] == str(tmp_path / "digits.npy")
    assert records[5]["file"] == str(tmp_path / "six.png")
    proba = model.predict_proba(sample.X_test[:5])
    for record, p in zip(records, proba, strict=False):
        # The answer format the server's API uses too, with file and index.
        assert list(record) == ["file", "index", *ANSWER_SCHEMA["properties"]]
        assert record["classes"] == list(range(10))
        assert sum(record["probabilities"]) == pytest.approx(1, abs=1e-5)
        assert record["label"] == int(np.argmax(p))
        assert record["probability"] == pytest.approx(p.max(), abs=1e-6)


def test_predict_reads_a_picture_of_a_number(tmp_path, sample, capsys):
    # Four clear MNIST digits side by side on light paper, read by the
    # shipped model as a number: the table shows the number, the JSON the
    # text and each digit with its box, left to right.
    from skdigits import load_pretrained

    shipped = load_pretrained()
    proba = shipped.predict_proba(sample.X_test)
    picks = [
        int(np.flatnonzero(sample.y_test == d)[np.argmax(proba[sample.y_test == d, d])])
        for d in (2, 0, 2, 6)
    ]
    strip = np.hstack([np.pad(sample.X_test[i], ((6, 6), (4, 4))) for i in picks])
    Image.fromarray(255 - strip).resize((strip.shape[1] * 3, strip.shape[0] * 3)).save(
        tmp_path / "year.png"
    )
    json_path = tmp_path / "answers.json"
    code = main(["predict", str(tmp_path / "year.png"), "--json", str(json_path)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    row = captured.out.strip().splitlines()[1]
    assert row.split()[1] == "2026", row
    (record,) = json.loads(json_path.read_text())
    assert record["text"] == "2026" and "label" not in record
    assert [d["label"] for d in record["digits"]] == [2, 0, 2, 6]
    xs = [d["box"]["x"] for d in record["digits"]]
    assert xs == sorted(xs) and all(d["box"]["width"] > 0 for d in record["digits"])
    assert record["probability"] == pytest.approx(
        np.prod([d["probability"] for d in record["digits"]])
    )


def test_predict_refuses_what_was_asked_wrongly(tmp_path, trained, sample, capsys):
    # A mistake in what was asked stops before any picture is read: exit 2.
    model_file = str(trained.folder / "model.skdigits")
    good = tmp_path / "good.png"
    Image.fromarray(255 - sample.X_test[0]).save(good)
    not_model = tmp_path / "model.skdigits"
    not_model.write_text("not a model")
    cases = [
        (
            ["predict", str(tmp_path / "missing.skdigits"), str(good)],
            "missing.skdigits",
        ),
        (["predict", str(good), "--unsure-below", "2"], "not sure", "(0, 1]"),
        (["predict", str(not_model), str(good)], "model.skdigits"),
        (["predict", model_file], "FILE_OR_FOLDER"),
        (
            [
                "predict",
                model_file,
                str(good),
                "--json",
                str(tmp_path / "no" / "x.json"),
            ],
            "--json",
        ),
    ]
    for argv, *fragments in cases:
        code = main(argv)
        _assert_one_line_error(code, capsys.readouterr(), *fragments)


def test_predict_reads_a_folder_with_bad_files_to_the_end(
    tmp_path, trained, sample, capsys
):
    # One bad file in a folder of scans costs its own answer, not the others':
    # each gets a row (and a JSON record) saying why, then one summary line on
    # stderr, and exit status 1.
    folder = tmp_path / "scans"
    folder.mkdir()
    for i in range(3):
        Image.fromarray(255 - sample.X_test[i]).save(folder / f"good{i}.png")
    (folder / "photo.png").write_text("this is text")  # not an image
    good = (folder / "good0.png").read_bytes()
    (folder / "cut.png").write_bytes(good[: len(good) // 2])  # truncated
    Image.new("L", (30, 30), 255).save(folder / "blank.png")  # no digit
    empty = tmp_path / "empty"
    empty.mkdir()
    json_path = tmp_path / "answers.json"
    argv = [str(folder), str(empty), str(tmp_path / "nope.png")]
    code = main(["predict", *argv, "--json", str(json_path)])
    captured = capsys.readouterr()
    assert code == 1, captured.err
    assert "Traceback" not in captured.out + captured.err
    assert captured.err.strip() == (
        "skdigits: error: 5 of 8 pictures could not be read."
    )
    records = json.loads(json_path.read_text())
    by_name = {Path(r["file"]).name: r for r in records}
    assert len(records) == 8
    expected = {
        "photo.png": "not an image that can be read",
        "cut.png": "damaged image file",
        "blank.png": "no digit found",
        "empty": "holds no PNG, JPEG or .npy",
        "nope.png": "no such file or folder",
    }
    for name, reason in expected.items():
        assert reason in by_name[name]["error"], by_name[name]
        assert "label" not in by_name[name]
    for i in range(3):
        answer = by_name[f"good{i}.png"]
        assert "error" not in answer
        assert answer["label"] == int(sample.y_test[i])
    rows = captured.out.strip().splitlines()[1:]
    assert len(rows) == 8
    assert sum("not read:" in row for row in rows) == 5


def test_predict_a_bad_file_alone_says_why(tmp_path, trained, capsys):
    not_image = tmp_path / "photo.png"
    not_image.write_text("this is text")
    code = main(["predict", str(trained.folder / "model.skdigits"), str(not_image)])
    captured = capsys.readouterr()
    assert code == 1
    assert "photo.png" in captured.out and "not an image" in captured.out
    assert captured.err.strip() == "skdigits: error: 1 of 1 picture could not be read."


def test_predict_without_a_model_uses_the_shipped_one(tmp_path, sample, capsys):
    from skdigits import load_pretrained

    np.save(tmp_path / "digits.npy", sample.X_test[:20])
    Image.fromarray(255 - sample.X_test[20]).resize((56, 56)).save(tmp_path / "d.png")
    code = main(["predict", str(tmp_path / "digits.npy"), str(tmp_path / "d.png")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    rows = _table(captured.out)
    shipped = load_pretrained()
    expected = shipped.predict(sample.X_test[:20]).tolist()
    assert [digit for digit, _ in rows.values()][:20] == expected


def test_predict_says_not_sure_with_the_runner_up(tmp_path, trained, sample, capsys):
    np.save(tmp_path / "digits.npy", sample.X_test[:30])
    below = 0.99
    code = main(
        [
            "predict",
            str(trained.folder / "model.skdigits"),
            str(tmp_path / "digits.npy"),
            "--unsure-below",
            str(below),
            "--json",
            str(tmp_path / "answers.json"),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    records = json.loads((tmp_path / "answers.json").read_text())
    lines = captured.out.strip().splitlines()[1:]
    assert any(r["unsure"] for r in records) and not all(r["unsure"] for r in records)
    for record, line in zip(records, lines, strict=True):
        p = np.array(record["probabilities"])
        first, second = np.argsort(-p, kind="stable")[:2]
        assert record["unsure"] == (record["probability"] < below)
        assert (record["label"], record["runner_up"]) == (first, second)
        assert record["runner_up_probability"] == p[second]
        guess = f"not sure (maybe {record['label']} or {record['runner_up']})"
        assert (guess in line) == record["unsure"], line


# -- the entry points ---------------------------------------------------------------


def _imports_after(fresh_python, argv: list[str]) -> set[str]:
    """Which of tensorflow, keras and sklearn `main(argv)` imported, in a
    fresh process (nothing imported earlier in the test session counts)."""
    probe = (
        "import sys\n"
        "from skdigits._commands.cli import main\n"
        f"main({argv!r})\n"
        "heavy = {'tensorflow', 'keras', 'sklearn'} & set(sys.modules)\n"
        "print('IMPORTED:', *sorted(heavy))\n"
    )
    out = fresh_python(probe)
    (line,) = [x for x in out.splitlines() if x.startswith("IMPORTED:")]
    return set(line.split()[1:])


def test_help_starts_neither_tensorflow_nor_scikit_learn(fresh_python):
    help_run = subprocess.run(
        [sys.executable, "-m", "skdigits", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert help_run.returncode == 0, help_run.stderr
    assert "train" in help_run.stdout and "predict" in help_run.stdout
    # Help must answer at once: TensorFlow takes seconds, scikit-learn about
    # one; `train --help` needs scikit-learn only to show the defaults.
    assert _imports_after(fresh_python, ["--help"]) == set()
    assert _imports_after(fresh_python, ["predict", "--help"]) == set()
    assert _imports_after(fresh_python, ["train", "--help"]) == {"sklearn"}


def test_version(capsys):
    from skdigits import __version__

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"skdigits {__version__}"


# -- where train finds its data (through main() and its printed output only) -----


class _RefusedNetwork:
    """Every outgoing connection is refused, as on a machine with no network;
    the attempts are counted."""

    def __init__(self, mp: pytest.MonkeyPatch):
        import socket

        self.attempts: list = []

        def refuse(*args, **kwargs):
            self.attempts.append(args)
            raise ConnectionRefusedError(111, "Connection refused")

        mp.setattr(socket, "create_connection", refuse)
        mp.setattr(socket.socket, "connect", lambda sock, *a: refuse(*a))
        mp.setattr(socket.socket, "connect_ex", lambda sock, *a: refuse(*a))


def _where_train_looks(mp: pytest.MonkeyPatch, root: Path) -> Path:
    """No SKDIGITS_MNIST, an empty data home, and no network; return the home."""
    home = root / "data-home"
    home.mkdir()
    mp.delenv("SKDIGITS_MNIST", raising=False)
    mp.setenv("SKDIGITS_DATA", str(home))
    mp.chdir(root)
    return home


SMALLEST = ["--epochs", "1", "--hidden", "8", "--batch-size", "1024", "--quiet"]


def test_train_offline_without_no_download_falls_back_to_the_sample(
    tmp_path, monkeypatch
):
    _where_train_looks(monkeypatch, tmp_path)
    network = _RefusedNetwork(monkeypatch)
    run = _run(["train", *SMALLEST, "--output", str(tmp_path / "out")])
    assert run.code == 0, run.err
    assert network.attempts, "train did not try to download full MNIST"
    out = " ".join(run.out.split())  # the notice may be wrapped
    assert "Full MNIST was not found" in out
    # The library's reason: the data home looked in, and the download's error.
    assert re.search(r"could not be downloaded \(\S+ holds no MNIST and downloading "
                     r"it failed \(", out)  # fmt: skip
    assert "--no-download was given" not in out
    assert "bundled MNIST sample" in out
    n_sample = len(load_mnist_sample().y_train)
    assert f"Training on {n_sample:,} images" in out


def _tiny_mnist(path: Path, n_train: int = 600, n_test: int = 100) -> Path:
    """A small keras-layout mnist.npz: the sample's first images."""
    data = load_mnist_sample()
    np.savez(
        path,
        x_train=data.X_train[:n_train],
        y_train=data.y_train[:n_train],
        x_test=data.X_test[:n_test],
        y_test=data.y_test[:n_test],
    )
    return path


def test_train_finds_full_mnist_through_skdigits_mnist(tmp_path, monkeypatch):
    _where_train_looks(monkeypatch, tmp_path)
    network = _RefusedNetwork(monkeypatch)
    path = _tiny_mnist(tmp_path / "my-mnist.npz")
    monkeypatch.setenv("SKDIGITS_MNIST", str(path))
    run = _run(["train", *SMALLEST, "--output", str(tmp_path / "out")])
    assert run.code == 0, run.err
    assert not network.attempts
    assert "Full MNIST was not found" not in run.out
    assert "bundled MNIST sample" not in run.out
    assert "Training on 600 images" in run.out


@pytest.mark.mnist
def test_train_finds_full_mnist_in_the_data_home(tmp_path, monkeypatch, mnist_path):
    # The data home holds files under their original names, which are checked
    # against MNIST's checksums: so this takes the real files, linked.
    home = _where_train_looks(monkeypatch, tmp_path)
    network = _RefusedNetwork(monkeypatch)
    if mnist_path.is_dir():
        (home / "mnist").symlink_to(mnist_path.resolve(), target_is_directory=True)
    else:
        (home / "mnist").mkdir()
        (home / "mnist" / "mnist.npz").symlink_to(mnist_path.resolve())
    run = _run(["train", *SMALLEST, "--output", str(tmp_path / "out")])
    assert run.code == 0, run.err
    assert not network.attempts
    assert "Full MNIST was not found" not in run.out
    assert "Training on 60,000 images" in run.out


def test_train_continue_trains_a_saved_run_on_with_the_whole_history(tmp_path, trained):
    data = _tiny_mnist(tmp_path / "tiny-mnist.npz")
    before = load_model(trained.folder / "model.skdigits")[-1]
    out = tmp_path / "continued"
    run = _run(
        [
            "train",
            "--data",
            str(data),
            "--continue",
            str(trained.folder / "model.skdigits"),
            "--epochs",
            "2",
            "--output",
            str(out),
        ]
    )
    assert run.code == 0, run.err
    assert "Continuing" in run.out and "(3 epochs so far)" in run.out
    assert "Trained 2 epochs in" in run.out  # this run's, not the total
    # The recorded command repeats this run: the same data, the same model.
    command = json.loads((out / "metrics.json").read_text())["command"]
    assert shlex.split(command) == [
        "skdigits",
        "train",
        "--data",
        str(data),
        "--continue",
        str(trained.folder / "model.skdigits"),
        "--epochs",
        "2",
    ]
    after = load_model(out / "model.skdigits")[-1]
    # The saved network trained on: 3 + 2 epochs in one history, and the
    # report's curves cover all of them (history.csv has one row per epoch).
    assert after.n_iter_ == 5
    assert after.history_["loss"][:3] == before.history_["loss"]
    assert len((out / "history.csv").read_text().splitlines()) == 1 + 5
    assert after.hidden_layer_sizes == before.hidden_layer_sizes
    assert not np.array_equal(after.coefs_[0], before.coefs_[0])
    # The saved run itself is untouched.
    assert load_model(trained.folder / "model.skdigits")[-1].n_iter_ == 3


def test_train_continue_refuses_network_options(tmp_path, trained, capsys):
    code = main(
        [
            "train",
            "--continue",
            str(trained.folder / "model.skdigits"),
            "--hidden",
            "32",
            "--output",
            str(tmp_path / "out"),
        ]
    )
    _assert_one_line_error(code, capsys.readouterr(), "--continue", "--hidden")
    assert not (tmp_path / "out").exists()
    # --seed too: the saved run's random state carries on, so a seed given
    # here would be ignored silently.
    model = str(trained.folder / "model.skdigits")
    code = main(["train", "--continue", model, "--seed", "7", "--output", "x"])
    _assert_one_line_error(code, capsys.readouterr(), "not --seed")


def test_train_continue_quiet_prints_no_progress(tmp_path, trained):
    # The saved run trained with one line per epoch; --quiet wins for this run.
    data = _tiny_mnist(tmp_path / "tiny-mnist.npz")
    model = str(trained.folder / "model.skdigits")
    out = tmp_path / "quiet"
    run = _run(["train", "--data", str(data), "--continue", model, "--epochs", "1",
                "--quiet", "--output", str(out)])  # fmt: skip
    assert run.code == 0, run.err
    assert "Epoch " not in run.out and "Trained 1 epoch in" in run.out
    assert load_model(out / "model.skdigits")[-1].verbose == 2  # restored


def test_export_writes_an_onnx_model_that_predicts_as_the_saved_one(
    tmp_path, trained, model, sample, capsys, assert_within_float32_rounding
):
    ort = pytest.importorskip("onnxruntime", reason="needs the onnx extra")
    out = tmp_path / "digits.onnx"
    code = main(["export", str(trained.folder / "model.skdigits"), str(out)])
    assert code == 0, capsys.readouterr().err
    assert str(out) in capsys.readouterr().out
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    X = sample.X_test[:50].reshape(50, -1).astype(np.float32)
    labels, proba = session.run(None, {"pixels": X})
    _, clear = assert_within_float32_rounding(
        proba, model.predict_proba(X), X, model=model, input_rounding=2
    )
    np.testing.assert_array_equal(labels[clear], model.predict(X)[clear])


def test_export_errors_are_one_line(tmp_path, capsys):
    code = main(["export", str(tmp_path / "missing.skdigits"), str(tmp_path / "x")])
    _assert_one_line_error(code, capsys.readouterr(), "missing.skdigits")
    assert not (tmp_path / "x").exists()


def _full_disk_after(nbytes: int):
    """A ``Path.write_bytes`` that writes ``nbytes`` and finds the disk full."""
    import errno
    import os

    def write_bytes(self, data):
        with self.open("wb") as file:
            file.write(bytes(data)[:nbytes])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    return write_bytes


def test_export_onto_a_full_disk_is_one_line_and_keeps_the_old_file(
    tmp_path, trained, capsys, monkeypatch
):
    pytest.importorskip("skl2onnx", reason="needs the onnx extra")
    model, out = str(trained.folder / "model.skdigits"), tmp_path / "digits.onnx"
    assert main(["export", model, str(out)]) == 0
    old = out.read_bytes()
    capsys.readouterr()
    monkeypatch.setattr(Path, "write_bytes", _full_disk_after(1000))
    code = main(["export", model, str(out)])
    _assert_one_line_error(
        code,
        capsys.readouterr(),
        f"cannot write {out}: No space left on device; the file there is unchanged.",
    )
    assert out.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["digits.onnx"]


_KILLED_WHILE_EXPORTING = """
import sys, time
from pathlib import Path
from skdigits._commands.cli import main

def half_then_stop(self, data):
    with self.open("wb") as file:
        file.write(bytes(data)[: len(data) // 2])
    print("writing", flush=True)
    time.sleep(120)

Path.write_bytes = half_then_stop
main(["export", *sys.argv[1:]])
"""


def test_export_killed_mid_write_keeps_the_old_file(tmp_path, trained, child_env):
    import signal

    pytest.importorskip("skl2onnx", reason="needs the onnx extra")

    model, out = str(trained.folder / "model.skdigits"), tmp_path / "digits.onnx"
    assert main(["export", model, str(out)]) == 0
    old = out.read_bytes()
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WHILE_EXPORTING, model, str(out)],
        stdout=subprocess.PIPE,
        text=True,
        env=child_env,
    )
    assert child.stdout.readline() == "writing\n"
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=30)
    assert out.read_bytes() == old
    assert list(tmp_path.glob("*.onnx")) == [out]  # the half is hidden
    (left,) = (p.name for p in tmp_path.iterdir() if p != out)
    assert left.startswith(f".digits.onnx.{child.pid}-") and left.endswith(".partial")


def test_serve_errors_are_one_line(tmp_path, trained, capsys):
    pytest.importorskip("starlette", reason="needs the serve extra")
    import socket

    code = main(["serve", str(tmp_path / "missing.skdigits"), "--port", "0"])
    _assert_one_line_error(code, capsys.readouterr(), "missing.skdigits")
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        code = main(
            ["serve", str(trained.folder / "model.skdigits"), "--port", str(port)]
        )
        _assert_one_line_error(code, capsys.readouterr(), str(port))
    code = main(["serve", "--port", "70000"])
    _assert_one_line_error(code, capsys.readouterr(), "port must be 0-65535", "70000")


def test_train_augment_and_recipe_reach_the_classifier_and_the_report(
    tmp_path, monkeypatch
):
    # A recipe sets the documented options; one given explicitly wins, and
    # the report shows what the distortions did to the training images.
    from skdigits.augmentation import RECIPES

    data = _tiny_mnist(tmp_path / "tiny-mnist.npz", n_train=300, n_test=50)
    out = tmp_path / "aug"
    run = _run(
        [
            "train",
            "--data",
            str(data),
            "--recipe",
            "mnist-5min",
            "--epochs",
            "1",
            "--hidden",
            "16",
            "--output",
            str(out),
            "--quiet",
        ]
    )
    assert run.code == 0, run.err
    assert "every training batch distorted (affine+elastic)" in run.out
    clf = load_model(out / "model.skdigits")[-1]
    assert clf.augment == RECIPES["mnist-5min"]["augment"]
    assert clf.learning_rate == RECIPES["mnist-5min"]["learning_rate"]
    assert (clf.epochs, clf.hidden_layer_sizes) == (1, (16,))
    assert (out / "augmented.png").stat().st_size > 10_000
    report = (out / "report.md").read_text()
    assert "](augmented.png)" in report and "`augment=affine+elastic`" in report
    assert (
        "--augment affine+elastic"
        in json.loads((out / "metrics.json").read_text())["command"]
    )


def test_train_robust_recipe_and_deskew_put_a_deskew_step_in_the_saved_model(
    tmp_path, trained, capsys
):
    # The robust recipe was chosen for a deskewing pipeline: --recipe robust
    # turns --deskew on, and the saved model carries the step, so that
    # 'skdigits predict' deskews the digits it reads as training did.
    from skdigits import Deskew

    data = _tiny_mnist(tmp_path / "tiny-mnist.npz", n_train=300, n_test=50)
    for name, options in {
        "robust": ["--recipe", "robust"],
        "deskew": ["--deskew"],
    }.items():
        out = tmp_path / name
        run = _run(["train", "--data", str(data), *options, "--epochs", "1",
                    "--hidden", "16", "--output", str(out), "--quiet"])  # fmt: skip
        assert run.code == 0, run.err
        steps = [type(step) for _, step in load_model(out / "model.skdigits").steps]
        command = json.loads((out / "metrics.json").read_text())["command"]
        assert steps[0] is Deskew and command.endswith("--deskew")
        assert "Training on 300 images: deskewed, " in run.out
    # Without either, no Deskew step (the module's run on the sample).
    steps = [
        type(step) for _, step in load_model(trained.folder / "model.skdigits").steps
    ]
    assert Deskew not in steps and "deskewed" not in trained.out
    command = json.loads((trained.folder / "metrics.json").read_text())["command"]
    assert "--deskew" not in command
    # A continued run keeps its saved steps: --deskew is refused before loading.
    model = str(trained.folder / "model.skdigits")
    code = main(["train", "--continue", model, "--deskew", "--output", "x"])
    _assert_one_line_error(code, capsys.readouterr(), "not --deskew")


def test_train_augment_and_recipe_errors(tmp_path, capsys):
    code = main(["train", "--augment", "sideways", "--output", str(tmp_path / "a")])
    _assert_one_line_error(code, capsys.readouterr(), "--augment", "augment")
    code = main(["train", "--recipe", "mnist-1min", "--output", str(tmp_path / "b")])
    _assert_one_line_error(
        code, capsys.readouterr(), "--recipe", "'mnist-1min'", "mnist-5min"
    )
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
