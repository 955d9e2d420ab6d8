"""Tests for skdigits.image_io: reading digit files and preparing them MNIST-style."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

from skdigits._prediction.paper import (
    flatten_background,
    has_light_background,
    remove_noise,
    to_grayscale,
)
from skdigits._prediction.preparation import (
    center_by_mass,
    crop_to_ink,
    fit_into_box,
    stroke_sharpness,
)
from skdigits._prediction.reading import load_image
from skdigits.datasets import load_mnist_sample
from skdigits.image_io import (
    DigitSource,
    ImageReadError,
    prepare_digit,
    read_digits,
)


@pytest.fixture(scope="module")
def mnist_test():
    _, _, X_test, y_test = load_mnist_sample(return_X_y=True)
    return X_test, y_test


def _center_of_mass(image: np.ndarray) -> tuple[float, float]:
    image = image.astype(float)
    rows, cols = np.indices(image.shape)
    return (rows * image).sum() / image.sum(), (cols * image).sum() / image.sum()


def _ink_box(image: np.ndarray) -> tuple[int, int]:
    rows = np.flatnonzero(image.any(axis=1))
    cols = np.flatnonzero(image.any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def _on_paper(digit: np.ndarray, scale: int = 3, canvas=(120, 100), at=(10, 6)):
    """An MNIST digit as dark ink on white paper: upscaled, off centre."""
    big = Image.fromarray(255 - digit).resize(
        (28 * scale, 28 * scale), Image.Resampling.BICUBIC
    )
    paper = Image.new("L", (canvas[1], canvas[0]), 255)
    paper.paste(big, (at[1], at[0]))
    return np.asarray(paper)


def _same_digit_up_to_a_pixel(prepared: np.ndarray, original: np.ndarray) -> bool:
    """True if ``prepared`` is ``original`` up to resampling and a shift of at
    most one pixel: at the best such shift, the pixels correlate above 0.95
    and differ by under 30 % of the original's ink (L1). Resampling a digit up
    and down again stays under both (0.956 and 25 % at worst on the sample's
    first ten); a 2-pixel shift or a Gaussian blur of 0.7 pixel does not."""
    a = prepared.astype(float) / 255
    b = original.astype(float) / 255
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            moved = np.roll(a, (dy, dx), axis=(0, 1))
            corr = np.corrcoef(moved.ravel(), b.ravel())[0, 1]
            if corr > 0.95 and np.abs(moved - b).sum() < 0.3 * b.sum():
                return True
    return False


def _blurred(image: np.ndarray, sigma: float) -> np.ndarray:
    from scipy import ndimage

    out = ndimage.gaussian_filter(image.astype(float), sigma)
    return (out * 255 / out.max()).astype(np.uint8)


def test_same_digit_check_rejects_shifted_and_blurred_digits(mnist_test):
    X, _ = mnist_test
    assert all(_same_digit_up_to_a_pixel(np.roll(x, 1, axis=0), x) for x in X[:10])
    assert not any(_same_digit_up_to_a_pixel(np.roll(x, 2, axis=1), x) for x in X[:10])
    assert not any(_same_digit_up_to_a_pixel(np.roll(x, -2, axis=0), x) for x in X[:10])
    assert not all(_same_digit_up_to_a_pixel(_blurred(x, 0.7), x) for x in X[:10])
    assert not any(_same_digit_up_to_a_pixel(_blurred(x, 1.5), x) for x in X[:10])
    assert not _same_digit_up_to_a_pixel(X[1], X[0])  # another digit


# -- grayscale ---------------------------------------------------------------


def test_to_grayscale_of_rgb_matches_pillow():
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, size=(9, 7, 3), dtype=np.uint8)
    expected = np.asarray(Image.fromarray(rgb).convert("L"), dtype=float)
    np.testing.assert_allclose(to_grayscale(rgb), expected, atol=1)


def test_to_grayscale_lays_transparency_over_a_background_that_shows_the_ink():
    dark_ink = np.zeros((4, 4, 4), dtype=np.uint8)  # black everywhere
    dark_ink[1:3, 1:3, 3] = 255  # only the middle is opaque
    gray = to_grayscale(dark_ink)
    assert gray[0, 0] == 255 and gray[1, 1] == 0  # dark ink on white

    light_ink = dark_ink.copy()
    light_ink[..., :3] = 255  # white ink, transparent elsewhere
    gray = to_grayscale(light_ink)
    assert gray[0, 0] == 0 and gray[1, 1] == 255  # white ink on black

    gray_alpha = np.stack([np.zeros((4, 4)), dark_ink[..., 3]], axis=-1)
    np.testing.assert_array_equal(
        to_grayscale(gray_alpha.astype(np.uint8)), 255 - dark_ink[..., 3]
    )


def test_to_grayscale_scales_unit_floats_and_rejects_bad_input():
    np.testing.assert_array_equal(to_grayscale(np.array([[0.0, 1.0]])), [[0, 255]])
    np.testing.assert_array_equal(to_grayscale(np.array([[0, 200]])), [[0, 200]])
    with pytest.raises(ImageReadError, match="shape"):
        to_grayscale(np.zeros((2, 2, 5)))
    with pytest.raises(ImageReadError, match="0-255"):
        to_grayscale(np.array([[-1.0, 3.0]]))
    with pytest.raises(ImageReadError, match="NaN"):
        to_grayscale(np.array([[np.nan, 3.0]]))
    with pytest.raises(ImageReadError, match="numeric"):
        to_grayscale(np.array([["a", "b"]]))


# -- the steps ---------------------------------------------------------------


def test_has_light_background_decides_from_the_border(mnist_test):
    X, _ = mnist_test
    assert not has_light_background(X[0])
    assert has_light_background(255 - X[0])
    # A big digit that touches the border on one side still reads right.
    paper = np.full((30, 30), 230.0)
    paper[:, 0:3] = 10  # ink along the left edge
    paper[5:25, 10:14] = 10
    assert has_light_background(paper)
    assert not has_light_background(255 - paper)


def test_crop_to_ink_subtracts_background_and_ignores_faint_noise():
    image = np.full((40, 30), 20.0)  # dark grey "paper"
    image[10:30, 8:18] = 220.0  # the ink
    image[2, 2] = 40.0  # a faint speck: 10% of the ink, below the box cut
    cropped = crop_to_ink(image)
    assert cropped.shape == (20, 10)
    np.testing.assert_array_equal(cropped, 200.0)


def test_crop_to_ink_of_a_blank_image_raises():
    with pytest.raises(ImageReadError, match="blank"):
        crop_to_ink(np.full((10, 10), 128.0))


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        ((100, 50), (20, 10)),
        ((30, 90), (7, 20)),
        ((20, 20), (20, 20)),
        ((4, 2), (20, 10)),
    ],
)
def test_fit_into_box_keeps_aspect_ratio(shape, expected):
    fitted = fit_into_box(np.full(shape, 100.0))
    assert fitted.shape == expected
    assert fitted.max() == pytest.approx(255)  # stretched to full ink
    assert fitted.min() >= 0  # Lanczos ringing clipped


def test_fit_into_box_antialiases():
    stripes = np.zeros((60, 60))
    stripes[:, ::3] = 255  # thin lines: downscaled they become grey
    fitted = fit_into_box(stripes)
    assert 0 < np.median(fitted) < 255


def test_center_by_mass_puts_the_centroid_on_mnist_centre():
    rng = np.random.default_rng(1)
    for _ in range(20):
        h, w = rng.integers(5, 21, size=2)
        blob = rng.random((h, w)) ** 4 * 255  # lopsided random ink
        field = center_by_mass(blob)
        assert field.shape == (28, 28) and field.dtype == np.uint8
        row, col = _center_of_mass(field)
        assert abs(row - 14) <= 0.5 + 0.05 and abs(col - 14) <= 0.5 + 0.05


def test_center_by_mass_keeps_all_ink_of_a_lopsided_image():
    image = np.zeros((20, 20))
    image[0, 0] = 255  # all the mass in a corner
    image[19, 19] = 1
    field = center_by_mass(image)
    assert field.sum() == 256  # nothing was cut off
    with pytest.raises(ValueError, match="does not fit"):
        center_by_mass(np.ones((29, 3)))


# -- prepare_digit -------------------------------------------------------------


def test_prepare_digit_leaves_mnist_digits_unchanged(mnist_test):
    X, _ = mnist_test
    for image in X[:20]:
        prepared = prepare_digit(image)
        assert prepared.dtype == np.uint8
        np.testing.assert_array_equal(prepared, image)
    # Floats in [0, 1] (as after PixelScaler) come back as the same uint8.
    np.testing.assert_array_equal(prepare_digit(X[0] / 255.0), X[0])


def test_prepare_digit_of_a_photo_like_image_matches_mnist(mnist_test):
    X, _ = mnist_test
    for image in X[:10]:
        paper = _on_paper(image)
        prepared = prepare_digit(paper)
        assert prepared.shape == (28, 28) and prepared.dtype == np.uint8
        assert max(_ink_box(prepared)) == 20  # fitted into 20x20
        row, col = _center_of_mass(prepared)
        assert abs(row - 14) <= 0.55 and abs(col - 14) <= 0.55
        assert prepared.max() == 255
        # The same digit as the original, up to a pixel of resampling.
        assert _same_digit_up_to_a_pixel(prepared, image)


def test_prepare_digit_grayscales_rgb_and_rgba(mnist_test):
    X, _ = mnist_test
    paper = _on_paper(X[1])
    expected = prepare_digit(paper)
    rgb = np.repeat(paper[..., np.newaxis], 3, axis=-1)
    np.testing.assert_array_equal(prepare_digit(rgb), expected)
    rgba = np.concatenate([rgb, np.full((*paper.shape, 1), 255, np.uint8)], axis=-1)
    np.testing.assert_array_equal(prepare_digit(rgba), expected)
    # Black ink on a transparent background, as drawing apps save it.
    ink = np.zeros((*paper.shape, 4), dtype=np.uint8)
    ink[..., 3] = 255 - paper
    np.testing.assert_array_equal(prepare_digit(ink), expected)


def test_prepare_digit_prepares_28x28_images_on_light_background(mnist_test):
    X, _ = mnist_test
    prepared = prepare_digit(255 - X[2])
    assert prepared.shape == (28, 28)
    assert not has_light_background(prepared)
    assert _same_digit_up_to_a_pixel(prepared, X[2])


def test_prepare_digit_of_blank_image_raises():
    with pytest.raises(ImageReadError, match="no digit"):
        prepare_digit(np.full((50, 40), 255, dtype=np.uint8))


# -- files -------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "P", "I;16", "1"])
def test_load_image_reads_png_modes(tmp_path, mode, mnist_test):
    X, _ = mnist_test
    paper = Image.fromarray(_on_paper(X[3]))
    if mode == "I;16":
        image = Image.fromarray(np.asarray(paper).astype(np.uint16) * 257)
    else:
        image = paper.convert(mode)
    path = tmp_path / "digit.png"
    image.save(path)
    gray = load_image(path)
    assert gray.shape == (120, 100) and gray.dtype == np.float32
    assert 0 <= gray.min() and gray.max() <= 255
    tolerance = 255 if mode == "1" else 2  # "1" is dithered to black/white
    if mode != "1":
        np.testing.assert_allclose(gray, np.asarray(paper), atol=tolerance)
    assert prepare_digit(gray).shape == (28, 28)


def test_load_image_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=re.escape("missing.png")):
        load_image(tmp_path / "missing.png")
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    with pytest.raises(ImageReadError, match=re.escape("notes.png")):
        load_image(text)
    good = tmp_path / "good.png"
    Image.fromarray(np.zeros((50, 50), dtype=np.uint8)).save(good)
    broken = tmp_path / "broken.png"
    broken.write_bytes(good.read_bytes()[:60])  # truncated
    with pytest.raises(ImageReadError, match=re.escape("broken.png")):
        load_image(broken)
    with pytest.raises(ImageReadError, match="folder"):
        load_image(tmp_path)


def test_read_digits_from_a_folder_of_images_and_arrays(tmp_path, mnist_test):
    X, _ = mnist_test
    Image.fromarray(_on_paper(X[0])).save(tmp_path / "b.png")
    Image.fromarray(_on_paper(X[1])).convert("RGB").save(tmp_path / "a.JPG", quality=90)
    np.save(tmp_path / "c.npy", X[2:5])
    (tmp_path / "readme.txt").write_text("ignored: not a digit file")
    images, sources = read_digits(tmp_path)  # a single path works too
    assert images.shape == (5, 28, 28) and images.dtype == np.uint8
    assert [s.file.rsplit("/", 1)[-1] for s in sources] == [
        "a.JPG",
        "b.png",
        "c.npy",
        "c.npy",
        "c.npy",
    ]
    assert [s.index for s in sources] == [None, None, 0, 1, 2]
    assert str(sources[2]).endswith("c.npy[0]") and str(sources[0]).endswith("a.JPG")
    np.testing.assert_array_equal(images[2:], X[2:5])  # MNIST passes unchanged


@pytest.mark.parametrize(
    ("make", "n", "indexed"),
    [
        (lambda X: X[0], 1, False),  # (28, 28)
        (lambda X: X[:4], 4, True),  # (n, 28, 28)
        (lambda X: X[:3].reshape(3, 784), 3, True),  # (n, 784)
        (lambda X: X[:2] / 255.0, 2, True),  # floats in [0, 1]
        (lambda X: X[:2, :, :, np.newaxis], 2, True),  # (n, 28, 28, 1)
    ],
)
def test_read_digits_npy_layouts(tmp_path, mnist_test, make, n, indexed):
    X, _ = mnist_test
    path = tmp_path / "digits.npy"
    np.save(path, make(X))
    images, sources = read_digits([path])
    assert images.shape == (n, 28, 28)
    np.testing.assert_array_equal(images, X[:n])
    assert [s.index for s in sources] == (list(range(n)) if indexed else [None])
    assert sources[0] == DigitSource(str(path), 0 if indexed else None)


def test_read_digits_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope"):
        read_digits([tmp_path / "nope.png"])
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("x")
    with pytest.raises(ImageReadError, match=re.escape("holds no PNG, JPEG or .npy")):
        read_digits([empty])
    cases = {
        "objects.npy": np.array([{"a": 1}], dtype=object),
        "cube.npy": np.zeros((2, 3, 4, 5, 6)),
        "none.npy": np.zeros((0, 28, 28)),
        "negative.npy": -np.ones((28, 28)),
        "blank.npy": np.zeros((2, 40, 40)),
    }
    for name, array in cases.items():
        np.save(tmp_path / name, array, allow_pickle=True)
        with pytest.raises(ImageReadError, match=re.escape(name)):
            read_digits([tmp_path / name])
    (tmp_path / "fake.npy").write_text("no array here")
    with pytest.raises(ImageReadError, match=re.escape("fake.npy")):
        read_digits([tmp_path / "fake.npy"])
    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((40, 40), 255, dtype=np.uint8)).save(blank)
    with pytest.raises(ImageReadError, match=r"blank.png: no digit found"):
        read_digits([blank])
    with pytest.raises(ImageReadError, match="no files"):
        read_digits([])


# -- lighting, noise and pictures without a digit ---------------------------------


def _shadow(shape, low=110.0, high=250.0) -> np.ndarray:
    """Paper lit from the top left: bright there, dim at the bottom right."""
    rows, cols = np.indices(shape, dtype=float)
    along = rows / shape[0] + cols / shape[1]
    return high - (high - low) * along / along.max()


def test_flatten_background_evens_out_a_shadow_and_keeps_the_ink(mnist_test):
    X, _ = mnist_test
    ink = 1 - _on_paper(X[0]).astype(float) / 255  # 1 on the strokes
    light = _shadow(ink.shape)
    photo = light * (1 - 0.6 * ink)  # the ink reflects 40 % of the light
    flat = flatten_background(photo)
    paper = ink < 0.01
    assert np.ptp(photo[paper]) > 130
    # The paper is one level within a few grey levels, and the ink reflects
    # the same 40 % of it everywhere.
    assert np.ptp(flat[paper]) < 6
    strokes = ink > 0.99
    ratio = flat[strokes] / np.median(flat[paper])
    assert np.ptp(ratio) < 0.05 and abs(np.median(ratio) - 0.4) < 0.02


def test_flatten_background_leaves_evenly_lit_pictures_alone(mnist_test):
    X, _ = mnist_test
    for image in X[:5]:
        paper = _on_paper(image).astype(np.float32)
        np.testing.assert_array_equal(flatten_background(paper), paper)
        dark = 255 - paper  # light ink on a dark background
        np.testing.assert_array_equal(flatten_background(dark), dark)
        mild = (paper * _shadow(paper.shape, low=243, high=250) / 250).astype(
            np.float32
        )
        np.testing.assert_array_equal(flatten_background(mild), mild)
    tiny = np.arange(12, dtype=np.float32).reshape(3, 4)
    np.testing.assert_array_equal(flatten_background(tiny), tiny)


def test_prepare_digit_reads_a_digit_under_a_shadow(mnist_test):
    X, _ = mnist_test
    for image in X[:10]:
        ink = 1 - _on_paper(image).astype(float) / 255
        light = _shadow(ink.shape)
        photo = np.rint(light * (1 - 0.6 * ink)).astype(np.uint8)
        assert _same_digit_up_to_a_pixel(prepare_digit(photo), image)


def test_remove_noise_filters_grainy_pictures_only(mnist_test):
    X, _ = mnist_test
    clean = _on_paper(X[0]).astype(np.float32)
    np.testing.assert_array_equal(remove_noise(clean), clean)
    rng = np.random.default_rng(0)
    grainy = np.clip(clean + rng.normal(0, 40, clean.shape), 0, 255)
    filtered = remove_noise(grainy)
    assert np.abs(filtered - clean).mean() < 0.6 * np.abs(grainy - clean).mean()
    salted = clean.copy()
    hit = rng.random(clean.shape) < 0.02
    salted[hit] = rng.choice([0.0, 255.0], size=hit.sum())
    # A 3x3 median removes isolated grains from the paper (away from the
    # strokes and from the outermost pixels, which the filter leaves).
    from scipy.ndimage import minimum_filter

    paper = minimum_filter(clean, size=5) == 255
    paper[[0, -1], :] = paper[:, [0, -1]] = False
    assert (np.abs(salted - clean)[paper] > 100).mean() > 0.005
    assert (np.abs(remove_noise(salted) - clean)[paper] > 100).mean() < 0.0005


@pytest.mark.parametrize("noise", ["gaussian", "salt and pepper"])
def test_prepare_digit_reads_a_noisy_picture(mnist_test, noise):
    X, _ = mnist_test
    rng = np.random.default_rng(1)
    for image in X[:10]:
        paper = _on_paper(image).astype(float)
        if noise == "gaussian":
            paper = paper + rng.normal(0, 40, paper.shape)
        else:
            hit = rng.random(paper.shape) < 0.02
            paper[hit] = rng.choice([0.0, 255.0], size=hit.sum())
        picture = np.clip(np.rint(paper), 0, 255).astype(np.uint8)
        prepared = prepare_digit(picture)
        assert max(_ink_box(prepared)) == 20  # no grain widened the crop
        # What is left of the noise around the digit is faint.
        assert prepared[(image == 0) & (prepared > 0)].mean() < 60
        # Grains left in the digit blur it; unprepared it correlates 0.1-0.6.
        assert _ink_correlation(prepared, image) > 0.6


def _ink_correlation(prepared: np.ndarray, original: np.ndarray) -> float:
    """Best correlation of the pixels over shifts of up to one pixel."""
    return max(
        np.corrcoef(np.roll(prepared, (dy, dx), axis=(0, 1)).ravel(), original.ravel())[
            0, 1
        ]
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
    )


def test_crop_to_ink_ignores_the_paper_grain():
    rng = np.random.default_rng(0)
    image = rng.normal(40, 15, (80, 80)).clip(0, 255)
    image[30:50, 38:42] = 230.0
    cropped = crop_to_ink(image)
    # Grains reach 40 + 4 x 15 = 100 (over a quarter of the ink): without
    # the noise floor they would widen the box to the whole picture.
    assert cropped.shape == (20, 4)


def test_pictures_without_a_digit_are_refused():
    rng = np.random.default_rng(0)
    white = np.full((200, 200), 245, dtype=np.uint8)
    grainy = np.clip(245 + rng.normal(0, 4, white.shape), 0, 255).astype(np.uint8)
    shadowed = np.rint(_shadow(white.shape, low=150)).astype(np.uint8)
    speck = white.copy()
    speck[90:94, 120:123] = 25
    rows, cols = np.indices(white.shape)
    blob = np.exp(-((rows - 90) ** 2 + (cols - 110) ** 2) / (2 * 25**2))
    smudge = np.rint(245 - 30 * blob).astype(np.uint8)
    for picture, why in [
        (white, "blank"),
        (grainy, "blank"),
        (shadowed, "blank"),
        (speck, "speck"),
        (smudge, "smudge"),
    ]:
        with pytest.raises(ImageReadError, match=f"no digit found: .*{why}"):
            prepare_digit(picture)


def test_faint_and_small_digits_are_not_refused(mnist_test):
    X, _ = mnist_test
    for image in X[:10]:
        ink = 1 - _on_paper(image).astype(float) / 255
        faint = np.rint(225 - 20 * ink).astype(np.uint8)  # pencil, contrast 20
        assert _same_digit_up_to_a_pixel(prepare_digit(faint), image)
        small = Image.fromarray(_on_paper(image)).resize((20, 24))
        page = np.full((300, 400), 255, dtype=np.uint8)
        page[100:124, 300:320] = np.asarray(small)
        assert prepare_digit(page).max() == 255
    # A tiny picture that is all digit (8x8, as scikit-learn's digits).
    tiny = np.zeros((8, 8), dtype=np.uint8)
    tiny[1:7, 3:5] = 255
    assert max(_ink_box(prepare_digit(tiny))) == 20


def test_stroke_sharpness_tells_strokes_from_smudges(mnist_test):
    X, _ = mnist_test
    for image in X[:20]:
        assert stroke_sharpness(fit_into_box(crop_to_ink(image))) > 0.3
    rows, cols = np.indices((20, 20))
    smudge = 255 * np.exp(-((rows - 9.5) ** 2 + (cols - 9.5) ** 2) / 72)
    assert stroke_sharpness(smudge) < 0.15
    assert stroke_sharpness(np.zeros((5, 5))) == 0.0
    assert stroke_sharpness(np.full((20, 4), 255.0)) == 1.0  # a bold "1"


def test_tiny_pictures_are_not_refused_for_their_border():
    # A 2x2 picture's border is all of it: no paper to measure noise on.
    prepared = prepare_digit(np.array([[0, 255], [255, 0]], dtype=np.uint8))
    assert prepared.max() == 255
