"""Handwriting styles MNIST lacks: skdigits._estimators.datasets._styles, the
``style_digits`` share of RandomDistortion, and the handwriting fonts the
shipped model's build script fetches (scripts/fetch_style_fonts.py)."""

from __future__ import annotations

import ast
import builtins
import hashlib
import importlib.util
import io
import itertools
import json
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage
from scipy.spatial import cKDTree
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError

from skdigits._estimators.augmentation import added_digit_rows, with_added_digits
from skdigits._estimators.datasets import _styles
from skdigits.augmentation import RandomDistortion
from skdigits.classifier import DenseDigitClassifier
from skdigits.datasets import STYLE_DIGITS, make_printed_digits, make_style_digits

REPO = Path(__file__).resolve().parents[1]
STYLES = list(STYLE_DIGITS)
ONE_OR_SEVEN = "1 or 7, long flag, no foot, no bar"


def small(**params) -> DenseDigitClassifier:
    defaults = dict(hidden_layer_sizes=(16,), batch_size=50, epochs=1, random_state=0)
    return DenseDigitClassifier(**{**defaults, **params})


# -- make_style_digits ------------------------------------------------------------


def test_images_are_mnist_style_and_the_styles_take_turns():
    X, y = make_style_digits(4 * len(STYLES), random_state=0)
    assert X.shape == (4 * len(STYLES), 28, 28) and X.dtype == np.uint8
    assert y.dtype == np.int64
    for i, (image, label) in enumerate(zip(X, y, strict=True)):
        digits = STYLE_DIGITS[STYLES[i % len(STYLES)]]
        # The style's digits in turn (the second time round, its second).
        assert label == digits[(i // len(STYLES)) % len(digits)]
        # prepare_digit's contract: the ink fills a 20x20 box (its longer
        # side), full ink, centred by its centre of mass.
        rows, cols = np.nonzero(image)
        assert max(np.ptp(rows), np.ptp(cols)) + 1 in (19, 20, 21)
        assert image.max() == 255
        centre = np.asarray(ndimage.center_of_mass(image.astype(float)))
        assert np.abs(centre - 13.5).max() <= 1.0
    assert len({image.tobytes() for image in X}) == len(X)  # each one new


def test_every_style_is_drawn_with_its_digits():
    assert set(STYLE_DIGITS) == set(_styles._DRAW)
    assert all(set(d) <= set(range(10)) for d in STYLE_DIGITS.values())
    # The styles the issue names, and one that is two digits.
    for digit, word in [(1, "base"), (7, "barred"), (4, "closed"), (2, "looped")]:
        assert any(d == (digit,) and word in s for s, d in STYLE_DIGITS.items())
    assert {s for s in STYLES if s.startswith("9")} == {"9, open", "9, closed"}
    assert STYLE_DIGITS[ONE_OR_SEVEN] == (1, 7)
    _, y = make_style_digits(2 * len(STYLES), random_state=1)
    assert set(y) == {d for ds in STYLE_DIGITS.values() for d in ds}


def test_a_shape_that_is_two_digits_is_labelled_with_each_equally_often():
    X, y = make_style_digits(10, styles=[ONE_OR_SEVEN], random_state=2)
    np.testing.assert_array_equal(y, [1, 7] * 5)
    # The label does not choose the shape: the same draws labelled otherwise.
    X_again, _ = make_style_digits(10, styles=[ONE_OR_SEVEN], random_state=2)
    np.testing.assert_array_equal(X, X_again)


def test_styles_chooses_and_orders_the_styles():
    _, y = make_style_digits(5, styles=["4, closed", "7, barred"], random_state=0)
    np.testing.assert_array_equal(y, [4, 7, 4, 7, 4])
    X, y = make_style_digits(0, random_state=0)
    assert X.shape == (0, 28, 28) and y.shape == (0,)


def test_random_state_makes_the_same_images():
    X1, y1 = make_style_digits(20, random_state=3)
    X2, y2 = make_style_digits(20, random_state=3)
    X3, _ = make_style_digits(20, random_state=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("styles", [[], ["8, with a loop"], [3], ["4, Closed"]])
def test_bad_styles_are_named(styles):
    with pytest.raises(ValueError, match=r"styles must be .* keys of STYLE_DIGITS"):
        make_style_digits(3, styles=styles)


def test_a_bad_count_is_a_parameter_error():
    with pytest.raises(InvalidParameterError, match="n_samples"):
        make_style_digits(-1)


def test_drawing_reads_no_file(monkeypatch):
    # Made from code alone: nothing opened while drawing (no font, no data).
    opened = []

    def record(*args, **kwargs):  # pragma: no cover - must not run
        opened.append(args)
        raise AssertionError(f"opened {args}")

    make_style_digits(1, random_state=0)  # imports done before the watch
    monkeypatch.setattr(builtins, "open", record)
    monkeypatch.setattr(io, "open", record)
    make_style_digits(2 * len(STYLES), random_state=0)
    assert opened == []


# -- the benchmark's drawings are the test: none of them is trained on ---------


def _dense(strokes, step=0.005) -> np.ndarray:
    """Points every ``step`` along the strokes."""
    out = []
    for stroke in strokes:
        stroke = np.asarray(stroke, dtype=float)
        for p, q in itertools.pairwise(stroke):
            n = max(2, int(np.ceil(np.linalg.norm(q - p) / step)))
            out.append(p + np.linspace(0, 1, n)[:, None] * (q - p))
    return np.vstack(out)


def _normalised(points: np.ndarray) -> np.ndarray:
    """Centred on the box of the ink, 1 tall (the aspect kept)."""
    low, high = points.min(axis=0), points.max(axis=0)
    return (points - (low + high) / 2) / (high - low)[1]


def _hausdorff(a: np.ndarray, b: np.ndarray) -> float:
    """How far apart the two shapes are at their worst point."""
    return max(cKDTree(b).query(a)[0].max(), cKDTree(a).query(b)[0].max())


class _AtQuantile:
    """A stand-in for the generator's random draws: every number at the
    same quantile of its range, so a style draws its template at that
    point of its proportions."""

    def __init__(self, q: float):
        self.q = q

    def uniform(self, low=0.0, high=1.0, size=None):
        value = low + self.q * (np.asarray(high) - low)
        return np.full(size, value) if size is not None else float(value)


# How far apart (at the worst point, in shares of the digit's height) a
# training template must be from every benchmark template of its digits:
# further than the benchmark's own tremor moves its templates (0.005 to
# 0.027 on average, measured in the test).
MIN_DISTANCE = 0.04


def test_no_training_template_is_one_the_benchmark_draws():
    from benchmarks import _strokes as drawing

    rng = np.random.default_rng(0)
    for styles in drawing.TEMPLATES.values():
        for strokes in styles.values():
            template = _normalised(_dense(strokes))
            shaken = [
                _normalised(
                    _dense(
                        [
                            np.asarray(s) + rng.normal(0, 0.008, np.shape(s))
                            for s in strokes
                        ]
                    )
                )
                for _ in range(10)
            ]
            assert np.mean([_hausdorff(t, template) for t in shaken]) < MIN_DISTANCE
    closest = {}
    for style, digits in STYLE_DIGITS.items():
        for q in (0.1, 0.3, 0.5, 0.7, 0.9):
            ours = _normalised(_dense(_styles._DRAW[style](_AtQuantile(q))))
            for digit in digits:
                for name, strokes in drawing.TEMPLATES[digit].items():
                    theirs = _normalised(_dense(strokes))
                    key = (style, f"{digit}: {name}")
                    closest[key] = min(closest.get(key, 1.0), _hausdorff(ours, theirs))
    too_close = {k: round(v, 3) for k, v in closest.items() if v < MIN_DISTANCE}
    assert not too_close, too_close
    # The check can fail: the benchmark's own template is at distance 0.
    strokes = drawing.TEMPLATES[7]["with a bar"]
    assert _hausdorff(_normalised(_dense(strokes)), _normalised(_dense(strokes))) == 0


def test_the_generator_reads_nothing_of_the_benchmark():
    source = Path(_styles.__file__).read_text(encoding="utf-8")
    tree = ast.parse(source)
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    assert not any(name.split(".")[0] == "benchmarks" for name in imported)
    strings = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    # Only the module's docstring may name the benchmark's file (to say it is
    # not read); no string in the code does.
    assert not any("drawing" in s or "benchmarks" in s for s in strings[1:])
    # And drawing does not bring it in.
    code = (
        "import sys; from skdigits.datasets import make_style_digits; "
        "make_style_digits(9, random_state=0); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'benchmarks'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "[]"


# -- RandomDistortion(style_digits=...) -------------------------------------------


def test_style_digits_is_a_parameter_grid_search_can_search():
    assert RandomDistortion().get_params()["style_digits"] == 0.0  # off
    clf = DenseDigitClassifier(augment=RandomDistortion())
    search = GridSearchCV(clf, {"augment__style_digits": [0, 0.05]})
    assert search.estimator.get_params()["augment__style_digits"] == 0.0
    clf.set_params(augment__style_digits=0.05)
    assert clf.augment.style_digits == 0.05
    with pytest.raises(InvalidParameterError, match="style_digits"):
        RandomDistortion(style_digits=-0.1)._validate_params()


def test_style_digit_rows_follow_the_share_and_the_classes():
    rows, index = added_digit_rows(
        RandomDistortion(style_digits=0.5), np.arange(10), 36, (28, 28), random_state=0
    )
    assert rows.shape == (18, 784) and rows.dtype == np.float32
    assert rows.max() == 1.0 and rows.min() == 0.0  # scale 1 by default
    X, y = make_style_digits(18, random_state=np.random.RandomState([0, 2]))
    np.testing.assert_array_equal(index, y)  # the classes are 0-9 in order
    np.testing.assert_allclose(rows * 255, X.reshape(18, -1), rtol=1e-6)
    # Only the styles whose digits are all classes: no "1 or 7" without a 7.
    _, index = added_digit_rows(
        RandomDistortion(style_digits=1), ["1", "4"], 6, (28, 28), random_state=0
    )
    np.testing.assert_array_equal(index, [0, 1, 0, 1, 0, 1])  # 1 base, 4 closed
    _, index = added_digit_rows(
        RandomDistortion(style_digits=1), [1, 7], 6, (28, 28), random_state=0
    )
    np.testing.assert_array_equal(index, [0, 0, 1, 0, 1, 1])  # "1 or 7" both ways
    # No style of these digits: none added.
    rows, index = added_digit_rows(
        RandomDistortion(style_digits=1), [5, 6], 10, (28, 28), random_state=0
    )
    assert rows.shape == (0, 784) and index.shape == (0,)


def test_printed_and_style_digits_draw_from_streams_of_their_own():
    def rows(**shares):
        return added_digit_rows(
            RandomDistortion(**shares), np.arange(10), 40, (28, 28), random_state=7
        )

    printed, printed_index = rows(printed_digits=0.25)
    style, style_index = rows(style_digits=0.5)
    both, both_index = rows(printed_digits=0.25, style_digits=0.5)
    # Printed first, then styles, each as it is alone.
    np.testing.assert_array_equal(both, np.concatenate([printed, style]))
    np.testing.assert_array_equal(
        both_index, np.concatenate([printed_index, style_index])
    )
    # The printed digits are the ones printed_digits added before styles came.
    X, _ = make_printed_digits(10, random_state=np.random.RandomState([7, 1]))
    np.testing.assert_allclose(printed * 255, X.reshape(10, -1), rtol=1e-6)


def test_without_shares_the_training_data_are_untouched():
    X = np.zeros((10, 784), np.float32)
    Y = np.eye(10, dtype=np.float32)
    out = with_added_digits(X, Y, None, np.arange(10), RandomDistortion(), (28, 28), 0)
    assert out[0] is X and out[1] is Y and out[2] is None


def _capture_training(monkeypatch):
    import skdigits._keras.trainer as trainer

    seen = {}

    class Stop(Exception):
        pass

    def capture(network, data, params, distortion, incremental):
        seen.update(data._asdict())
        raise Stop

    monkeypatch.setattr(trainer, "train_network", capture)
    return seen, Stop


def test_style_digits_join_the_training_data_weighted_as_their_class(monkeypatch):
    # What reaches the trainer: 10 % more rows, at the images' ink scale,
    # one-hot for their digit, each weighing its class's mean weight; the
    # early-stopping hold-out is the user's images only.
    seen, Stop = _capture_training(monkeypatch)
    rng = np.random.default_rng(0)
    X = rng.integers(0, 100, size=(200, 28, 28)).astype(np.uint8)  # ink 0-99
    y = np.arange(200) % 10
    weights = (y + 1).astype(float)  # class k weighs k + 1
    clf = small(
        augment=RandomDistortion(style_digits=0.1),
        early_stopping=True,
        validation_fraction=0.2,
    )
    with pytest.raises(Stop):
        clf.fit(X, y, sample_weight=weights)
    X_val, _ = seen["validation_data"]
    assert len(X_val) == 40 and len(seen["X"]) == 160 + 16  # 10 % of the 160
    added_X, added_Y = seen["X"][160:], seen["Y"][160:]
    assert added_X.max() == seen["X"][:160].max() and added_X.min() == 0
    assert set(np.unique(added_Y)) == {0.0, 1.0} and (added_Y.sum(axis=1) == 1).all()
    digits = added_Y.argmax(axis=1)
    # The styles in turn, the "1 or 7" shape as 1 the first time, 7 the next.
    order = [STYLE_DIGITS[s] for s in STYLES]
    expected = [
        order[i % len(order)][(i // len(order)) % len(order[i % len(order)])]
        for i in range(16)
    ]
    np.testing.assert_array_equal(digits, expected)
    np.testing.assert_allclose(seen["sample_weight"][160:], digits + 1.0)
    assert not hasattr(clf, "classes_")  # the failed fit left nothing behind


def test_both_shares_add_both_kinds(monkeypatch):
    seen, Stop = _capture_training(monkeypatch)
    X = np.random.default_rng(1).integers(0, 256, size=(100, 28, 28)).astype(np.uint8)
    clf = small(augment=RandomDistortion(printed_digits=0.1, style_digits=0.2))
    with pytest.raises(Stop):
        clf.fit(X, np.arange(100) % 10)
    assert len(seen["X"]) == 100 + 10 + 20


@pytest.mark.parametrize(
    "X_shape, labels, message",
    [
        (
            (20, 28, 28),
            np.where(np.arange(20) % 2, "odd", "even"),
            r"style_digits=\.\.\.\) adds digits .* got classes \['even', 'odd'\]",
        ),
        ((20, 8, 8), np.arange(20) % 10, "renders 28x28 digits, .* are 8x8"),
    ],
)
def test_style_digits_refused_before_training_leave_the_estimator_as_it_was(
    monkeypatch, X_shape, labels, message
):
    import skdigits._keras.trainer as compat

    X_fit = np.random.default_rng(2).integers(0, 256, size=X_shape).astype(np.uint8)
    clf = small(augment=None).fit(X_fit, labels)  # a fitted estimator
    before = dict(vars(clf))
    proba = clf.predict_proba(X_fit)

    def no_training(*args, **kwargs):  # pragma: no cover - must not run
        raise AssertionError("training started")

    monkeypatch.setattr(compat, "fit_keras_network", no_training)
    clf.set_params(augment=RandomDistortion(style_digits=0.1))
    with pytest.raises(ValueError, match=message):
        clf.fit(X_fit, labels)
    assert vars(clf).keys() == before.keys()
    assert all(vars(clf)[k] is before[k] for k in before if k != "augment")
    np.testing.assert_array_equal(clf.predict_proba(X_fit), proba)


def test_a_share_of_too_few_images_adds_none():
    # round(0.05 * 5) = 0 images of each kind: empty rows, not an error.
    rows, index = added_digit_rows(
        RandomDistortion(printed_digits=0.05, style_digits=0.05),
        np.arange(10),
        5,
        (28, 28),
        random_state=0,
    )
    assert rows.shape == (0, 784) and index.shape == (0,)


# -- handwriting fonts for the shipped model's build (scripts/) -------------------


def _script(name: str):
    spec = importlib.util.spec_from_file_location(
        f"_test_{name}", REPO / "scripts" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fonts():
    return _script("fetch_style_fonts")


def test_no_training_font_is_one_the_benchmark_reads(fonts):
    # The fonts condition reads the handwriting fonts of the benchmark's
    # Debian packages and every font fontconfig knows. No family, package
    # or file may be in both, or the handwriting-font score would leak.
    from benchmarks import _fonts as bench_fonts

    installed, _ = bench_fonts.installed_fonts()
    theirs = set(bench_fonts.HANDWRITING_FAMILIES) | {f.family for f in installed}
    ours = [font.family for font in fonts.STYLE_FONTS]
    assert len(set(ours)) == len(ours)
    shared = [a for a in ours for b in theirs if fonts.same_family(a, b)]
    assert not shared, shared

    def key(name):
        return re.sub(r"[^0-9a-z]", "", name.casefold())

    debian = {key(p.removeprefix("fonts-")) for p in bench_fonts.HANDWRITING_PACKAGES}
    assert not debian & {key(font.slug) for font in fonts.STYLE_FONTS}
    # The families looked at and left out for the benchmark are its own.
    for family, why in fonts.REJECTED.items():
        if "benchmark" in why:
            assert any(fonts.same_family(family, t) for t in theirs), family
    # The cache is no folder fontconfig reads, and no file is in both.
    cache = fonts.CACHE.resolve()
    assert not any(Path(f.file).resolve().is_relative_to(cache) for f in installed)
    listing = fonts.CACHE / "fonts.json"
    if listing.is_file():  # fetched on this machine: compare the files too
        ours_sha = {
            f["sha256"] for r in json.loads(listing.read_text()) for f in r["files"]
        }
        theirs_sha = {
            hashlib.sha256(Path(f.file).read_bytes()).hexdigest() for f in installed
        }
        assert not ours_sha & theirs_sha


def test_family_names_compare_as_people_mean_them(fonts):
    assert fonts.same_family("Ecolier_court", "ecolier court")
    assert fonts.same_family("Comic Neue", "comic-neue")
    assert not fonts.same_family("Caveat", "Caveat Brush")


def _package(family="Test Hand", licence="OFL-1.1", category="handwriting") -> bytes:
    """A Fontsource-like npm tarball whose font is matplotlib's STIX."""
    import matplotlib

    slug = family.lower().replace(" ", "-")
    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "STIXGeneral.ttf"
    members = {
        "package.json": json.dumps(
            {"name": f"@fontsource/{slug}", "version": "1.0.0", "license": licence}
        ),
        "metadata.json": json.dumps(
            {
                "family": family,
                "category": category,
                "version": "v1",
                "license": {"type": licence, "attribution": "Copyright 2026 Someone"},
            }
        ),
        "LICENSE": "The licence's own text.",
        f"files/{slug}-latin-400-normal.woff": ttf.read_bytes(),
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in members.items():
            data = content.encode() if isinstance(content, str) else content
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _packer(data: bytes, calls: list):
    def pack(spec, destination):
        calls.append(spec)
        path = destination / "package.tgz"
        path.write_bytes(data)
        return path

    return pack


def _pinned(fonts, data: bytes, **kwargs):
    return fonts.StyleFont(
        "Test Hand",
        "@fontsource/test-hand",
        "1.0.0",
        "OFL-1.1",
        hashlib.sha256(data).hexdigest(),
        **kwargs,
    )


def test_fetch_checks_the_pinned_tarball_and_records_the_licence(fonts, tmp_path):
    data, calls = _package(), []
    font = _pinned(fonts, data)
    folder = tmp_path / "cache"
    records = fonts.fetch_fonts(
        folder, [font], pack=_packer(data, calls), installed=set
    )
    assert calls == ["@fontsource/test-hand@1.0.0"]
    (record,) = records
    assert record["licence"] == "OFL-1.1"
    assert record["attribution"] == "Copyright 2026 Someone"
    assert record["tarball_sha256"] == font.sha256
    (file,) = record["files"]
    assert Path(file["file"]).read_bytes()[:4] == b"\x00\x01\x00\x00"  # the TTF
    assert json.loads((folder / "fonts.json").read_text()) == records
    assert "The licence's own text." in (folder / "LICENCES.md").read_text()
    # Cached: a second fetch packs nothing.
    again = fonts.fetch_fonts(folder, [font], pack=_packer(b"", calls), installed=set)
    assert again == records and len(calls) == 1
    # What the shipped model records: no machine's paths.
    (about,) = fonts.provenance(records)
    assert about["files"] == ["test-hand-latin-400-normal.woff"]
    assert about["licence"] == "OFL-1.1" and about["version"] == "1.0.0"


def test_a_tarball_that_is_not_the_pinned_one_is_refused(fonts, tmp_path):
    data = _package()
    font = _pinned(fonts, data)
    other = _package(family="Test Hand", licence="Apache-2.0")
    with pytest.raises(fonts.FontFetchError, match=r"sha256 .* not the pinned"):
        fonts.fetch_fonts(tmp_path, [font], pack=_packer(other, []), installed=set)
    assert not list(tmp_path.rglob("*.tgz")) and not list(tmp_path.rglob("*.woff"))
    # The right checksum, but not what the pin says of the package.
    display = _package(category="display")
    with pytest.raises(fonts.FontFetchError, match="category"):
        fonts.fetch_fonts(
            tmp_path,
            [_pinned(fonts, display)],
            pack=_packer(display, []),
            installed=set,
        )
    # A family fontconfig knows here is one the benchmark would read.
    with pytest.raises(fonts.FontFetchError, match="fontconfig knows"):
        fonts.fetch_fonts(
            tmp_path, [font], pack=_packer(data, []), installed=lambda: {"test hand"}
        )


def test_font_digits_label_a_flagged_1_as_1_and_7(fonts, tmp_path):
    data = _package()
    font = _pinned(fonts, data, one_or_seven=True)
    records = fonts.fetch_fonts(tmp_path, [font], pack=_packer(data, []), installed=set)
    X, y = fonts.font_training_digits(records, 40, random_state=0)
    assert X.shape == (40, 28, 28) and X.dtype == np.uint8
    # 36 of 0 and 2-9 in turn (four 7s), then the four 1s as 1, 7, 1, 7.
    np.testing.assert_array_equal(y[36:], [1, 7, 1, 7])
    assert np.bincount(y, minlength=10).tolist() == [4, 2, 4, 4, 4, 4, 4, 6, 4, 4]
    plain = fonts.fetch_fonts(
        tmp_path, [_pinned(fonts, data)], pack=_packer(data, []), installed=set
    )
    _, y = fonts.font_training_digits(plain, 40, random_state=0)
    assert np.bincount(y).tolist() == [4] * 10


def test_the_build_adds_font_digits_only_when_asked(tmp_path, monkeypatch):
    build = _script("build_pretrained")
    X, y = np.zeros((10, 28, 28), np.uint8), np.arange(10)
    assert build.parse_args([]).font_digits == build.FONT_DIGITS == 0.05
    args = build.parse_args(["--font-digits", "0"])
    X_out, y_out, record = build.add_font_digits(args, X, y)
    assert X_out is X and y_out is y and record is None  # nothing fetched
    fonts = build.style_fonts_module()
    data = _package()
    monkeypatch.setattr(fonts, "STYLE_FONTS", (_pinned(fonts, data),))
    monkeypatch.setattr(fonts, "npm_pack", _packer(data, []))
    monkeypatch.setattr(fonts, "installed_families", set)
    monkeypatch.setattr(build, "style_fonts_module", lambda: fonts)
    args = build.parse_args(["--font-digits", "2", "--fonts", str(tmp_path)])
    X_out, y_out, record = build.add_font_digits(args, X, y)
    assert X_out.shape == (30, 28, 28) and (y_out[:10] == y).all()
    assert record["images"] == 20 and record["fonts"][0]["family"] == "Test Hand"
