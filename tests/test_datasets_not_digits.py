"""Pictures of no digit (skdigits.datasets.make_not_digits), the ``not_digits``
share of RandomDistortion (uniform targets), and their separation from what
the robustness benchmark reads."""

from __future__ import annotations

import ast
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from skdigits._estimators.augmentation import (
    NOT_A_DIGIT,
    added_digit_rows,
    with_added_digits,
)
from skdigits.augmentation import RandomDistortion
from skdigits.classifier import DenseDigitClassifier
from skdigits.datasets import NOT_DIGIT_FONTS, NOT_DIGIT_LETTERS, make_not_digits

REPO = Path(__file__).resolve().parents[1]
MODULE = REPO / "skdigits" / "_estimators" / "datasets" / "_not_digits.py"


def test_images_are_mnist_style_and_the_kinds_take_turns():
    X, kind = make_not_digits(12, random_state=0)
    assert X.shape == (12, 28, 28) and X.dtype == np.uint8
    assert kind.tolist() == ["letter", "scribble"] * 6
    assert all(image.max() == 255 for image in X)
    assert len({image.tobytes() for image in X}) == 12
    _, kind = make_not_digits(3, kinds=["scribble"], random_state=0)
    assert kind.tolist() == ["scribble"] * 3


def test_random_state_makes_the_same_images():
    X1, _ = make_not_digits(10, random_state=3)
    X2, _ = make_not_digits(10, random_state=3)
    X3, _ = make_not_digits(10, random_state=4)
    np.testing.assert_array_equal(X1, X2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("kinds", [[], ["digit"], ["letter", 3]])
def test_bad_kinds_are_named(kinds):
    with pytest.raises(ValueError, match="kinds must be"):
        make_not_digits(3, kinds=kinds)


def test_a_bad_count_or_kind_is_a_parameter_error():
    with pytest.raises(InvalidParameterError, match="n_samples"):
        make_not_digits(-1)
    with pytest.raises(InvalidParameterError, match="kinds"):
        make_not_digits(2, kinds="digit")


def test_no_letter_looks_like_a_digit():
    assert not set(NOT_DIGIT_LETTERS) & set("OoDQUIlijJTtLYZzSsbGeBgqady")
    assert len(set(NOT_DIGIT_LETTERS)) == len(NOT_DIGIT_LETTERS)


def test_letters_come_from_no_font_the_benchmark_reads():
    # The benchmark's letters and fonts conditions read every font
    # fontconfig knows; the training letters come from matplotlib's own
    # STIX and Computer Modern files. No file and no family may be in both.
    from benchmarks import _fonts as bench_fonts

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    assert all((folder / name).is_file() for name in NOT_DIGIT_FONTS)
    assert all(name.startswith(("STIX", "cm")) for name in NOT_DIGIT_FONTS)
    fonts, why = bench_fonts.installed_fonts()
    if not fonts:
        pytest.skip(f"no fonts to compare with: {why}")
    trained = {(folder / name).resolve() for name in NOT_DIGIT_FONTS}
    assert trained.isdisjoint(Path(f.file).resolve() for f in fonts)
    families = {f.family.casefold() for f in fonts}
    assert not any(family.startswith(("stix", "cm")) for family in families)


def test_scribbles_are_a_generator_of_their_own():
    # Nothing of the benchmark is read: no import of it, and its scribbles,
    # prepared, are none of ours.
    from benchmarks import _fonts as bench_fonts
    from skdigits.image_io import prepare_digit

    tree = ast.parse(MODULE.read_text())
    imported = {
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert not any(name.startswith("benchmarks") for name in imported)
    ours, _ = make_not_digits(40, kinds="scribble", random_state=0)
    rng = np.random.default_rng([0, 3])
    theirs = [prepare_digit(bench_fonts.scribble(rng)) for _ in range(40)]
    assert not {a.tobytes() for a in ours} & {b.tobytes() for b in theirs}


def test_not_digit_rows_have_the_uniform_class_index():
    rows, index = added_digit_rows(
        RandomDistortion(not_digits=0.2), np.arange(10), 30, (28, 28), random_state=0
    )
    assert rows.shape == (6, 784) and (index == NOT_A_DIGIT).all()
    X, _ = make_not_digits(6, random_state=np.random.RandomState([0, 4]))
    np.testing.assert_allclose(rows * 255, X.reshape(6, -1), rtol=1e-6)
    # After the printed and style digits, each from its own stream.
    both, index = added_digit_rows(
        RandomDistortion(style_digits=0.2, not_digits=0.2),
        np.arange(10),
        30,
        (28, 28),
        random_state=0,
    )
    np.testing.assert_array_equal(both[6:], rows)
    assert (index[:6] >= 0).all() and (index[6:] == NOT_A_DIGIT).all()


def test_they_join_the_training_data_with_a_uniform_target(monkeypatch):
    import skdigits._keras.trainer as trainer

    seen = {}

    class Stop(Exception):
        pass

    def capture(network, data, params, distortion, incremental):
        seen.update(data._asdict())
        raise Stop

    monkeypatch.setattr(trainer, "train_network", capture)
    rng = np.random.default_rng(0)
    X = rng.integers(0, 100, size=(200, 28, 28)).astype(np.uint8)
    y = np.arange(200) % 10
    clf = DenseDigitClassifier(
        (16,),
        epochs=1,
        augment=RandomDistortion(not_digits=0.1),
        early_stopping=True,
        validation_fraction=0.2,
        random_state=0,
    )
    with pytest.raises(Stop):
        clf.fit(X, y, sample_weight=(y + 1).astype(float))
    X_val, Y_val = seen["validation_data"]
    assert len(X_val) == 40 and (Y_val.max(axis=1) == 1).all()  # no picture of no digit
    assert len(seen["X"]) == 160 + 16
    added_X, added_Y = seen["X"][160:], seen["Y"][160:]
    assert added_X.max() == seen["X"][:160].max()  # the images' ink scale
    np.testing.assert_allclose(added_Y, 0.1)
    kept_weights = seen["sample_weight"][:160]
    np.testing.assert_allclose(
        seen["sample_weight"][160:], kept_weights.mean(), rtol=1e-6
    )


def test_without_weights_the_uniform_rows_weigh_nothing_extra():
    X = np.zeros((40, 784), np.float32)
    Y = np.eye(10, dtype=np.float32)[np.arange(40) % 10]
    X2, Y2, weights = with_added_digits(
        X, Y, None, np.arange(10), RandomDistortion(not_digits=0.25), (28, 28), 0
    )
    assert weights is None and X2.shape == (50, 784)
    np.testing.assert_allclose(Y2[40:], 0.1)


def test_a_fit_learns_to_spread_its_probability_over_them():
    # Two digits and pictures of neither: the pictures get about even odds.
    from skdigits.datasets import make_printed_digits

    X, y = make_printed_digits(300, digits=[3, 8], random_state=0)
    clf = DenseDigitClassifier(
        (32,),
        epochs=30,
        batch_size=50,
        learning_rate=1e-2,
        augment=RandomDistortion(
            not_digits=0.5, rotation=0, scale=0, shift=0, elastic_alpha=0
        ),
        random_state=0,
    ).fit(X / 255, y)
    others, _ = make_not_digits(100, random_state=1)
    top = clf.predict_proba(others / 255).max(axis=1)
    assert np.median(top) < 0.75
    assert clf.score(X / 255, y) > 0.95
