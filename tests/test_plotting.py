"""Tests for skdigits.plotting: what each display computes and what it draws."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import LogNorm, Normalize, to_rgba
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression, Perceptron
from sklearn.metrics import ConfusionMatrixDisplay as SklearnCMD
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler

from skdigits.plotting import (
    ConfusedPair,
    ConfusionMatrixDisplay,
    DigitGalleryDisplay,
    MisclassifiedDisplay,
    TrainingHistoryDisplay,
)

# The off-diagonal counts of the notebook's MNIST confusion matrix that
# matter for the ranking: (true, predicted) -> count.
NOTEBOOK_ERRORS = {
    (2, 7): 7,
    (7, 2): 7,
    (4, 9): 3,
    (9, 4): 9,
    (3, 5): 6,
    (5, 3): 6,
    (3, 8): 9,
    (8, 3): 2,
    (7, 9): 2,
    (9, 7): 7,
}
NOTEBOOK_TOP5 = [
    (2, 7, 14, 7, 7),
    (3, 5, 12, 6, 6),  # ties with 4<->9 at 12; 3 comes before 4
    (4, 9, 12, 3, 9),
    (3, 8, 11, 9, 2),
    (7, 9, 9, 2, 7),
]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def notebook_matrix() -> np.ndarray:
    cm = np.diag(np.full(10, 950))
    # Background noise below the top 5 (every other pair sums to <= 2).
    cm[0, 6] = cm[6, 0] = 1
    cm[1, 8] = 2
    for (i, j), count in NOTEBOOK_ERRORS.items():
        cm[i, j] = count
    return cm


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:700], y[:700], X[700:1100], y[700:1100]


@pytest.fixture(scope="module")
def fitted_lr(digits):
    X_train, y_train, _, _ = digits
    return LogisticRegression(max_iter=500).fit(X_train / 16, y_train)


@pytest.fixture(scope="module")
def fitted_pipe(digits):
    X_train, y_train, _, _ = digits
    pipe = make_pipeline(MinMaxScaler(), LogisticRegression(max_iter=500))
    return pipe.fit(X_train, y_train)


def _labels_from_matrix(cm, labels=None):
    """y_true, y_pred reproducing the confusion matrix ``cm``."""
    labels = np.arange(len(cm)) if labels is None else np.asarray(labels)
    rows, cols = np.nonzero(cm)
    counts = cm[rows, cols]
    return labels[np.repeat(rows, counts)], labels[np.repeat(cols, counts)]


def assert_png_ok(fig, path, min_colours=8):
    """Save ``fig`` and check the PNG has the figure's size and real content."""
    fig.savefig(path)
    assert path.exists() and path.stat().st_size > 2000
    image = mpimg.imread(path)
    width, height = fig.get_size_inches() * fig.dpi
    assert image.shape[:2] == (round(height), round(width))
    pixels = image.reshape(-1, image.shape[-1])
    assert len(np.unique(pixels, axis=0)) >= min_colours
    assert pixels.std() > 0.01
    return image


def _text_grid(disp):
    return np.vectorize(lambda t: t.get_text())(disp.text_)


# --------------------------------------------------------------------------
# Import hygiene


def test_import_does_not_load_tensorflow_or_pyplot():
    code = (
        "import sys, skdigits.plotting; "
        "assert 'tensorflow' not in sys.modules; "
        "assert 'keras' not in sys.modules; "
        "assert 'skdigits.classifier' not in sys.modules; "
        "assert 'seaborn' not in sys.modules; "
        "assert 'matplotlib.pyplot' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_top_level_lazy_exports():
    import skdigits

    assert skdigits.ConfusionMatrixDisplay is ConfusionMatrixDisplay
    assert skdigits.TrainingHistoryDisplay is TrainingHistoryDisplay
    assert skdigits.DigitGalleryDisplay is DigitGalleryDisplay
    assert skdigits.MisclassifiedDisplay is MisclassifiedDisplay


# --------------------------------------------------------------------------
# ConfusionMatrixDisplay: most_confused


def test_most_confused_notebook_counts(notebook_matrix):
    disp = ConfusionMatrixDisplay(notebook_matrix)
    pairs = disp.most_confused()
    assert [tuple(p) for p in pairs] == NOTEBOOK_TOP5
    assert all(isinstance(p, ConfusedPair) for p in pairs)
    assert pairs[0].label_a == 2 and pairs[0].count == 14
    assert type(pairs[0].count) is int and type(pairs[0].label_a) is int


def test_most_confused_n(notebook_matrix):
    disp = ConfusionMatrixDisplay(notebook_matrix)
    assert [tuple(p) for p in disp.most_confused(2)] == NOTEBOOK_TOP5[:2]
    assert disp.most_confused(0) == []
    # 5 notebook pairs + 0<->6 + 1<->8; zero pairs are never returned.
    every = disp.most_confused(None)
    assert len(every) == 7 == len(disp.most_confused(100))
    assert [(p.label_a, p.label_b, p.count) for p in every[5:]] == [
        (0, 6, 2),
        (1, 8, 2),
    ]
    with pytest.raises(ValueError, match="non-negative"):
        disp.most_confused(-1)


def test_most_confused_tie_break_follows_matrix_order(notebook_matrix):
    # Reversing the label order reverses which tied pair comes first.
    order = np.arange(10)[::-1]
    disp = ConfusionMatrixDisplay(
        notebook_matrix[np.ix_(order, order)], display_labels=order
    )
    pairs = [tuple(p) for p in disp.most_confused()]
    assert pairs == [
        (7, 2, 14, 7, 7),
        (9, 4, 12, 9, 3),
        (5, 3, 12, 6, 6),
        (8, 3, 11, 2, 9),
        (9, 7, 9, 7, 2),
    ]


def test_most_confused_from_predictions_string_labels(notebook_matrix):
    names = np.array("zero one two three four five six seven eight nine".split())
    y_true, y_pred = _labels_from_matrix(notebook_matrix, names)
    disp = ConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, labels=names, log_scale=True
    )
    np.testing.assert_array_equal(disp.confusion_matrix, notebook_matrix)
    top = disp.most_confused(3)
    assert [(p.label_a, p.label_b, p.count) for p in top] == [
        ("two", "seven", 14),
        ("three", "five", 12),
        ("four", "nine", 12),
    ]
    assert [t.get_text() for t in disp.ax_.get_xticklabels()] == list(names)


def test_most_confused_normalized_uses_counts(notebook_matrix):
    y_true, y_pred = _labels_from_matrix(notebook_matrix)
    disp = ConfusionMatrixDisplay.from_predictions(y_true, y_pred, normalize="true")
    np.testing.assert_allclose(disp.confusion_matrix.sum(axis=1), 1.0)
    np.testing.assert_allclose(
        disp.confusion_matrix,
        notebook_matrix / notebook_matrix.sum(axis=1, keepdims=True),
    )
    np.testing.assert_array_equal(disp.counts, notebook_matrix)
    assert disp.normalize == "true"
    assert [tuple(p) for p in disp.most_confused()] == NOTEBOOK_TOP5
    assert "normalized over true labels" in disp.ax_.get_title()


def test_most_confused_normalized_without_counts_sums_values():
    cm = np.array([[0.8, 0.2, 0.0], [0.1, 0.6, 0.3], [0.0, 0.05, 0.95]])
    (first, second) = ConfusionMatrixDisplay(cm, normalize="true").most_confused()
    assert (first.label_a, first.label_b) == (1, 2)
    assert first.count == pytest.approx(0.35) and isinstance(first.count, float)
    assert (second.label_a, second.label_b) == (0, 1)


# --------------------------------------------------------------------------
# ConfusionMatrixDisplay: log scale and drawing


def test_log_scale_with_zeros(tmp_path, notebook_matrix):
    disp = ConfusionMatrixDisplay(notebook_matrix).plot(log_scale=True)
    assert isinstance(disp.im_.norm, LogNorm)
    assert disp.im_.norm.vmin == 1 and disp.im_.norm.vmax == 950
    texts = _text_grid(disp)
    assert texts[0, 1] == "0" and texts[2, 7] == "7" and texts[0, 0] == "950"
    assert not any("nan" in t.lower() for t in texts.ravel())
    assert "log colour scale" in disp.ax_.get_title()
    assert "log" in disp.colorbar_.ax.get_ylabel()
    assert_png_ok(disp.figure_, tmp_path / "cm_log.png")


def test_log_scale_text_contrasts_with_cell(notebook_matrix):
    disp = ConfusionMatrixDisplay(notebook_matrix).plot(log_scale=True)
    dark, bright = to_rgba(disp.im_.cmap(0.0)), to_rgba(disp.im_.cmap(1.0))
    # Yellow diagonal gets the dark end colour, count-1 cells the bright one.
    assert to_rgba(disp.text_[0, 0].get_color()) == dark
    assert to_rgba(disp.text_[0, 6].get_color()) == bright
    # With a linear scale a 7 out of 950 would also be bright text on dark.
    assert to_rgba(disp.text_[2, 7].get_color()) == bright


def test_log_scale_normalized_with_zeros(tmp_path, notebook_matrix):
    y_true, y_pred = _labels_from_matrix(notebook_matrix)
    disp = ConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, normalize="pred", log_scale=True
    )
    texts = _text_grid(disp)
    assert texts[0, 1] == "0"
    assert not any("nan" in t.lower() for t in texts.ravel())
    assert disp.im_.norm.vmin > 0
    assert_png_ok(disp.figure_, tmp_path / "cm_norm_log.png")


@pytest.mark.parametrize(
    "cm, norm_limits",
    [
        # Nothing LogNorm could place: the plain linear scale, as without log.
        (np.zeros((3, 3), dtype=int), None),
        # One value: a decade below it, so the cells get the top colour.
        (np.diag([5, 5, 5]), (0.5, 5.0)),
        (np.array([[0.0, 0.0], [0, 1]]), (0.1, 1.0)),
    ],
    ids=["all-zero", "one-value", "single-positive"],
)
def test_log_scale_degenerate_matrices(tmp_path, cm, norm_limits):
    disp = ConfusionMatrixDisplay(cm).plot(log_scale=True)
    disp.figure_.savefig(tmp_path / "cm.png")
    norm = disp.im_.norm
    if norm_limits is None:
        assert type(norm) is Normalize
    else:
        assert isinstance(norm, LogNorm)
        assert (norm.vmin, norm.vmax) == pytest.approx(norm_limits)
        top = to_rgba(disp.im_.cmap(1.0))
        assert to_rgba(disp.im_.to_rgba(cm.max())) == top
    texts = _text_grid(disp)
    assert texts[0, 1] in ("0", "")
    assert not any("nan" in t.lower() for t in texts.ravel())


def _cell_colour(disp, row: int, col: int) -> np.ndarray:
    """RGB of the drawn figure inside cell (row, col), clear of its text."""
    fig = disp.figure_
    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba())
    # A point in the cell's corner region: the count is written at its centre.
    x, y = disp.ax_.transData.transform((col - 0.35, row - 0.35))
    return pixels[round(pixels.shape[0] - y), round(x), :3] / 255


def test_log_scale_leaves_empty_cells_blank(notebook_matrix):
    disp = ConfusionMatrixDisplay(notebook_matrix).plot(log_scale=True)
    background = np.array(to_rgba(disp.ax_.get_facecolor())[:3])
    lowest = np.array(to_rgba(disp.im_.cmap(0.0))[:3])
    # A zero cell shows the axes' background, not the colour of a count of 1.
    np.testing.assert_allclose(_cell_colour(disp, 0, 1), background, atol=0.02)
    np.testing.assert_allclose(_cell_colour(disp, 0, 6), lowest, atol=0.02)
    assert not np.allclose(_cell_colour(disp, 0, 0), background, atol=0.1)
    # The same cells through the image's own mapping: zeros are transparent.
    assert disp.im_.to_rgba(np.array([[0.0]]))[0, 0, 3] == 0


def test_log_scale_respects_im_kw_limits():
    cm = np.array([[50, 0], [3, 40]])
    disp = ConfusionMatrixDisplay(cm).plot(
        log_scale=True, im_kw={"vmin": 0.5, "vmax": 100}
    )
    assert (disp.im_.norm.vmin, disp.im_.norm.vmax) == (0.5, 100)


def test_sklearn_plot_parameters_still_work():
    cm = np.array([[9, 1], [2, 8]])
    fig, ax = plt.subplots()
    disp = ConfusionMatrixDisplay(cm, display_labels=["a", "b"]).plot(
        include_values=False,
        cmap="Blues",
        xticks_rotation=45,
        ax=ax,
        colorbar=False,
        im_kw={"interpolation": "none"},
        title="",
    )
    assert disp.ax_ is ax and disp.figure_ is fig
    assert disp.text_ is None and disp.colorbar_ is None
    assert disp.im_.cmap.name == "Blues"
    assert disp.ax_.get_xticklabels()[0].get_rotation() == 45
    assert disp.ax_.get_title() == ""

    disp = ConfusionMatrixDisplay(cm).plot(values_format=".1f", text_kw={"c": "red"})
    assert disp.text_[0, 0].get_text() == "9.0"
    assert to_rgba(disp.text_[0, 0].get_color()) == to_rgba("red")


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"normalize": "true"},
        {"normalize": "pred"},
        {"normalize": "all"},
        {"labels": [3, 1, 2]},
        {"sample_weight": "random"},
        {"sample_weight": "random", "normalize": "true", "labels": [0, 2, 3]},
        {"display_labels": ["w", "x", "y", "z"]},
    ],
)
def test_parity_with_sklearn(kwargs):
    rng = np.random.RandomState(0)
    y_true = rng.randint(4, size=60)
    y_pred = np.where(rng.rand(60) < 0.7, y_true, rng.randint(4, size=60))
    if kwargs.get("sample_weight") == "random":
        kwargs = {**kwargs, "sample_weight": rng.rand(60)}
    ours = ConfusionMatrixDisplay.from_predictions(y_true, y_pred, **kwargs)
    theirs = SklearnCMD.from_predictions(y_true, y_pred, **kwargs)
    assert isinstance(ours, SklearnCMD)
    np.testing.assert_allclose(ours.confusion_matrix, theirs.confusion_matrix)
    np.testing.assert_array_equal(ours.display_labels, theirs.display_labels)
    np.testing.assert_array_equal(_text_grid(ours), _text_grid(theirs))
    assert [t.get_text() for t in ours.ax_.get_xticklabels()] == [
        t.get_text() for t in theirs.ax_.get_xticklabels()
    ]
    assert ours.ax_.get_xlabel() == theirs.ax_.get_xlabel() == "Predicted label"


def test_from_estimator_classifier_and_pipeline(
    tmp_path, digits, fitted_lr, fitted_pipe
):
    _, _, X_test, y_test = digits
    for estimator, X in ((fitted_lr, X_test / 16), (fitted_pipe, X_test)):
        disp = ConfusionMatrixDisplay.from_estimator(
            estimator, X, y_test, log_scale=True
        )
        theirs = SklearnCMD.from_estimator(estimator, X, y_test)
        np.testing.assert_array_equal(disp.confusion_matrix, theirs.confusion_matrix)
        assert disp.confusion_matrix.sum() == len(y_test)
        pairs = disp.most_confused()
        counts = [p.count for p in pairs]
        assert counts == sorted(counts, reverse=True) and counts[0] > 0
        for p in pairs:
            assert p.a_to_b == disp.confusion_matrix[p.label_a, p.label_b]
    assert_png_ok(disp.figure_, tmp_path / "cm_pipe.png")


def test_from_estimator_rejects_regressors(digits):
    X, y, _, _ = digits
    regressor = FunctionTransformer().fit(X)
    with pytest.raises(ValueError, match="only supports classifiers"):
        ConfusionMatrixDisplay.from_estimator(regressor, X, y)


# --------------------------------------------------------------------------
# TrainingHistoryDisplay


def _history(n_epochs=30, validation=True, extra=True):
    epochs = np.arange(1, n_epochs + 1)
    history = {
        "loss": list(0.5 * epochs**-0.8),
        "accuracy": list(1 - 0.1 * epochs**-0.7),
    }
    if validation:
        history["val_loss"] = list(0.4 * epochs**-0.5 + 0.002 * (epochs - 20).clip(0))
        history["val_accuracy"] = list(0.97 - 0.08 * epochs**-0.8)
    if extra:
        history["learning_rate"] = [1e-3] * n_epochs
    return history


def _legend_texts(disp):
    legends = list(disp.figure_.legends) + [
        ax.get_legend() for ax in disp.axes_ if ax.get_legend() is not None
    ]
    return {t.get_text() for legend in legends for t in legend.get_texts()}


def test_history_from_history(tmp_path):
    history = _history()
    disp = TrainingHistoryDisplay.from_history(history, best_epoch=20)
    np.testing.assert_array_equal(disp.epochs_, np.arange(1, 31))
    assert set(disp.lines_) == {"loss", "val_loss", "accuracy", "val_accuracy"}
    for key, line in disp.lines_.items():
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 31))
        np.testing.assert_allclose(line.get_ydata(), history[key])
    loss_ax, acc_ax = disp.axes_
    assert disp.axes_.shape == (2,)
    assert disp.lines_["val_loss"].axes is loss_ax
    assert disp.lines_["accuracy"].axes is acc_ax
    assert loss_ax.get_yscale() == "log" and acc_ax.get_yscale() == "linear"
    assert [line.get_xdata()[0] for line in disp.best_epoch_lines_] == [20, 20]
    assert "restored weights (epoch 20)" in _legend_texts(disp)
    assert {"train", "validation"} <= _legend_texts(disp)
    assert loss_ax.get_xlabel() == "Epoch" and "Loss" in loss_ax.get_ylabel()
    ticks = [t for t in loss_ax.get_xticks() if 1 <= t <= 30]
    assert ticks and all(float(t).is_integer() for t in ticks)
    assert disp.figure_.get_suptitle() == "Training history"
    assert_png_ok(disp.figure_, tmp_path / "history.png")


def test_history_without_validation_or_accuracy(tmp_path):
    disp = TrainingHistoryDisplay.from_history(_history(8, validation=False))
    assert set(disp.lines_) == {"loss", "accuracy"}
    assert disp.best_epoch_lines_ is None
    assert "validation" not in _legend_texts(disp)

    disp = TrainingHistoryDisplay.from_history({"loss": [1.0, 0.5]})
    assert set(disp.lines_) == {"loss"}
    assert "no accuracy recorded" in [t.get_text() for t in disp.axes_[1].texts]
    assert_png_ok(disp.figure_, tmp_path / "history_loss_only.png")


def test_history_on_given_axes_and_rcparams_untouched():
    before = dict(plt.rcParams)
    fig, axes = plt.subplots(1, 2)
    disp = TrainingHistoryDisplay(_history(5), best_epoch=3).plot(ax=axes, title="")
    assert disp.figure_ is fig and list(disp.axes_) == list(axes)
    assert all(ax.get_legend() is not None for ax in axes)
    assert dict(plt.rcParams) == before


class _FakeNet(ClassifierMixin, BaseEstimator):
    """Stands in for DenseDigitClassifier: records a history when fitted."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.history_ = _history(6)
        self.best_epoch_ = 4
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


def test_history_from_estimator_and_pipeline(digits):
    X, y, _, _ = digits
    pipe = Pipeline([("scale", MinMaxScaler()), ("net", _FakeNet())]).fit(X, y)
    for estimator in (pipe["net"], pipe):
        disp = TrainingHistoryDisplay.from_estimator(estimator)
        assert disp.best_epoch == 4
        assert disp.history is pipe["net"].history_
        assert disp.figure_.get_suptitle() == "Training history of _FakeNet"

    no_best = SimpleNamespace(history_={"loss": [1.0, 0.2]})
    assert TrainingHistoryDisplay.from_estimator(no_best).best_epoch_lines_ is None


def test_history_from_a_real_early_stopped_classifier(tmp_path):
    from skdigits.classifier import DenseDigitClassifier

    X, y = load_digits(return_X_y=True)
    clf = DenseDigitClassifier(
        hidden_layer_sizes=(16,),
        batch_size=64,
        epochs=40,
        learning_rate=0.01,
        early_stopping=True,
        n_iter_no_change=2,
        random_state=0,
    ).fit(X[:800] / 16, y[:800])
    assert clf.best_epoch_ is not None and clf.n_iter_ < 40  # it did stop
    disp = TrainingHistoryDisplay.from_estimator(clf)
    assert disp.best_epoch == clf.best_epoch_
    np.testing.assert_array_equal(disp.epochs_, np.arange(1, clf.n_iter_ + 1))
    assert set(disp.lines_) == {"loss", "val_loss", "accuracy", "val_accuracy"}
    for key, line in disp.lines_.items():
        np.testing.assert_array_equal(line.get_xdata(), disp.epochs_)
        np.testing.assert_allclose(line.get_ydata(), clf.history_[key])
    assert [line.get_xdata()[0] for line in disp.best_epoch_lines_] == [
        clf.best_epoch_
    ] * 2
    assert f"restored weights (epoch {clf.best_epoch_})" in _legend_texts(disp)
    assert disp.figure_.get_suptitle() == "Training history of DenseDigitClassifier"
    assert_png_ok(disp.figure_, tmp_path / "history_real.png")


def test_history_errors(fitted_lr):
    with pytest.raises(ValueError, match="no history_"):
        TrainingHistoryDisplay.from_estimator(fitted_lr)
    with pytest.raises(ValueError, match="best_epoch=31"):
        TrainingHistoryDisplay.from_history(_history(), best_epoch=31)
    with pytest.raises(ValueError, match="'val_loss'"):
        TrainingHistoryDisplay.from_history({"loss": [1, 2], "val_loss": [1]})
    with pytest.raises(ValueError, match="no 'loss' key"):
        TrainingHistoryDisplay.from_history({"accuracy": [0.5]})
    with pytest.raises(ValueError, match="exactly 2 axes"):
        TrainingHistoryDisplay.from_history(_history(), ax=plt.subplots()[1])


# --------------------------------------------------------------------------
# DigitGalleryDisplay


def test_gallery_from_flat_digits(tmp_path, digits):
    X, y, _, _ = digits
    disp = DigitGalleryDisplay.from_data(X, y, random_state=0)
    np.testing.assert_array_equal(y[disp.indices_], np.arange(10))
    again = DigitGalleryDisplay.from_data(X, y, random_state=0)
    np.testing.assert_array_equal(disp.indices_, again.indices_)
    other = DigitGalleryDisplay.from_data(X, y, random_state=1)
    assert not np.array_equal(disp.indices_, other.indices_)
    for k, (im, index) in enumerate(zip(disp.im_, disp.indices_, strict=True)):
        np.testing.assert_array_equal(im.get_array(), X[index].reshape(8, 8))
        assert disp.axes_[k].get_title() == f"label {k}"
        assert len(disp.axes_[k].get_xticks()) == len(disp.axes_[k].get_yticks()) == 0
        assert im.cmap.name == "gray"
    assert assert_png_ok(disp.figure_, tmp_path / "gallery.png").shape[0] > 200


def test_gallery_mnist_shapes_and_image_shape():
    rng = np.random.RandomState(0)
    images = rng.randint(0, 256, size=(30, 28, 28)).astype(np.uint8)
    y = np.arange(30) % 3
    for X in (images, images.reshape(30, 784), images[..., None]):
        disp = DigitGalleryDisplay.from_data(X, y, random_state=2)
        assert disp.im_[0].get_array().shape == (28, 28)
        assert disp.im_[0].get_clim() == (0, 255)
    # A non-square image needs image_shape.
    flat = rng.rand(6, 4 * 16)
    disp = DigitGalleryDisplay.from_data(flat, [0, 1] * 3, image_shape=(4, 16))
    assert disp.im_[0].get_array().shape == (4, 16)
    assert disp.im_[0].get_clim() == (0, 1)
    with pytest.raises(ValueError, match="image_shape"):
        DigitGalleryDisplay.from_data(rng.rand(4, 50), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="axes"):
        DigitGalleryDisplay.from_data(images, y, ax=plt.subplots(1, 2)[1])


# --------------------------------------------------------------------------
# MisclassifiedDisplay


def test_misclassified_from_predictions_order():
    X = np.arange(6 * 64).reshape(6, 64)
    y_true = np.array([0, 1, 2, 3, 4, 5])
    y_pred = np.array([0, 2, 2, 1, 5, 4])
    y_proba = np.array([0.9, 0.6, 0.8, 0.9, 0.6, 0.7])
    disp = MisclassifiedDisplay.from_predictions(y_true, y_pred, X, y_proba=y_proba)
    # Most confident first; 1 and 4 tie at 0.6 and stay in sample order.
    np.testing.assert_array_equal(disp.indices_, [3, 5, 1, 4])
    assert disp.axes_[0].get_title() == "true 3\npred 1 (90%)"
    np.testing.assert_array_equal(disp.im_[0].get_array(), X[3].reshape(8, 8))
    assert "4 misclassified samples among 6" in disp.figure_.get_suptitle()

    by_index = MisclassifiedDisplay.from_predictions(
        y_true, y_pred, X, y_proba=y_proba, order="index", n_images=2
    )
    np.testing.assert_array_equal(by_index.indices_, [1, 3])
    assert by_index.figure_.get_suptitle().startswith("2 of 4")

    no_proba = MisclassifiedDisplay.from_predictions(y_true, y_pred, X)
    np.testing.assert_array_equal(no_proba.indices_, [1, 3, 4, 5])
    assert no_proba.axes_[0].get_title() == "true 1\npred 2"


def test_misclassified_2d_proba_and_string_labels():
    X = np.zeros((4, 28, 28))
    labels = np.array(["cat", "dog", "eel"])
    y_true = np.array(["cat", "dog", "eel", "eel"])
    y_pred = np.array(["dog", "dog", "cat", "dog"])
    y_proba = np.array(
        [[0.3, 0.7, 0.0], [0.1, 0.8, 0.1], [0.5, 0.2, 0.3], [0.05, 0.9, 0.05]]
    )
    disp = MisclassifiedDisplay.from_predictions(
        y_true, y_pred, X, y_proba=y_proba, labels=labels
    )
    np.testing.assert_array_equal(disp.indices_, [3, 0, 2])
    np.testing.assert_allclose(disp.y_proba, [0.9, 0.7, 0.5])
    assert disp.axes_[0].get_title() == "true eel\npred dog (90%)"
    with pytest.raises(ValueError, match="columns"):
        MisclassifiedDisplay.from_predictions(
            y_true, y_pred, X, y_proba=y_proba[:, :2], labels=labels
        )
    with pytest.raises(ValueError, match="not in labels"):
        MisclassifiedDisplay.from_predictions(
            y_true, y_pred, X, y_proba=y_proba, labels=["ant", "cat", "eel"]
        )


def test_misclassified_from_estimator(tmp_path, digits, fitted_lr, fitted_pipe):
    _, _, X_test, y_test = digits
    disp = MisclassifiedDisplay.from_estimator(fitted_lr, X_test / 16, y_test)
    y_pred = fitted_lr.predict(X_test / 16)
    wrong = np.flatnonzero(y_pred != y_test)
    assert len(disp.indices_) == min(10, len(wrong)) > 0
    assert set(disp.indices_) <= set(wrong)
    proba = fitted_lr.predict_proba(X_test / 16).max(axis=1)
    shown = proba[disp.indices_]
    assert np.all(np.diff(shown) <= 0)
    assert shown[0] == proba[wrong].max()
    assert_png_ok(disp.figure_, tmp_path / "misclassified.png")

    # A pipeline shows the raw images it was given, all of them with None.
    disp = MisclassifiedDisplay.from_estimator(
        fitted_pipe, X_test, y_test, n_images=None
    )
    wrong = np.flatnonzero(fitted_pipe.predict(X_test) != y_test)
    np.testing.assert_array_equal(np.sort(disp.indices_), wrong)
    first = disp.indices_[0]
    np.testing.assert_array_equal(disp.im_[0].get_array(), X_test[first].reshape(8, 8))
    assert disp.im_[0].get_clim() == (0, 16)


def test_misclassified_without_predict_proba(digits):
    X_train, y_train, X_test, y_test = digits
    clf = Perceptron(random_state=0).fit(X_train, y_train)
    assert not hasattr(clf, "predict_proba")
    disp = MisclassifiedDisplay.from_estimator(clf, X_test, y_test, n_images=3)
    wrong = np.flatnonzero(clf.predict(X_test) != y_test)
    np.testing.assert_array_equal(disp.indices_, wrong[:3])
    assert "%" not in disp.axes_[0].get_title()


def test_misclassified_no_mistakes(tmp_path):
    X = np.zeros((3, 784), dtype=np.uint8)
    disp = MisclassifiedDisplay.from_predictions([1, 2, 3], [1, 2, 3], X)
    assert disp.indices_.shape == (0,)
    assert disp.figure_.get_suptitle() == "No misclassified samples"
    assert any("every sample right" in t.get_text() for t in disp.axes_[0].texts)
    assert_png_ok(disp.figure_, tmp_path / "none.png", min_colours=2)


def test_an_array_of_axes_is_axes_as_in_scikit_learn():
    disp = TrainingHistoryDisplay.from_history(_history(30)).plot()
    assert isinstance(disp.axes_, np.ndarray) and disp.axes_.shape == (2,)
    assert not hasattr(disp, "ax_")  # one Axes is ax_; several are axes_
