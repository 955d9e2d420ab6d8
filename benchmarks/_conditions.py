"""A user's picture of an MNIST digit, under one controlled shift at a time.

MNIST test digits are drawn as dark ink on light paper, 4x larger (as a
scan would hold them), then thickened or thinned, blurred, lowered in
resolution, rotated, slanted, placed on a bigger page, lit unevenly,
compressed or made noisy, at a few severities (:data:`MNIST_SHIFTS`).
Seeded: the same digits and seed give the same pictures.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np

#: MNIST digits are drawn 4x larger before a shift, as a scan or photo would
#: hold them; the strokes are then 8-12 pixels wide.
UPSCALE = 4
PAPER, INK = 245.0, 25.0


def _resize(a: np.ndarray, shape: tuple[int, int], resample: str = "BICUBIC"):
    """Float image resized with Pillow (``shape`` is (rows, columns))."""
    from PIL import Image

    image = Image.fromarray(a.astype(np.float32), mode="F")
    method = getattr(Image.Resampling, resample)
    return np.asarray(image.resize((shape[1], shape[0]), method), dtype=np.float32)


def ink_of(digit: np.ndarray) -> np.ndarray:
    """A 28x28 MNIST digit as an ink map in [0, 1], ``UPSCALE`` times larger."""
    side = 28 * UPSCALE
    return np.clip(_resize(digit.astype(np.float32) / 255, (side, side)), 0, 1)


def on_paper(ink: np.ndarray, paper: float | np.ndarray = PAPER, ink_level=INK):
    """Dark ink on light paper, uint8: what a scan of the digit looks like."""
    grey = paper - ink * (paper - ink_level)
    return np.clip(np.rint(grey), 0, 255).astype(np.uint8)


def _disk(radius: float) -> np.ndarray:
    r = int(np.ceil(radius))
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
    return xx**2 + yy**2 <= radius**2 + 1e-9


def thicker(ink, radius):
    from scipy.ndimage import grey_dilation

    return grey_dilation(ink, footprint=_disk(radius))


def thinner(ink, radius):
    from scipy.ndimage import grey_erosion

    return grey_erosion(ink, footprint=_disk(radius))


def blurred(ink, sigma):
    from scipy.ndimage import gaussian_filter

    return gaussian_filter(ink, sigma)


def low_resolution(ink, digit_pixels):
    """The digit scanned so that its height is ``digit_pixels``, then enlarged
    back (bilinear), as a small scan or a thumbnail shown large."""
    rows = np.flatnonzero(ink.max(axis=1) > 0.25)
    height = rows[-1] - rows[0] + 1 if rows.size else ink.shape[0]
    factor = digit_pixels / height
    small = max(2, round(ink.shape[0] * factor))
    tiny = _resize(ink, (small, small), "BOX")
    return np.clip(_resize(tiny, ink.shape, "BILINEAR"), 0, 1)


def _affine(ink, matrix, pad=0.25):
    """Apply a 2x2 matrix about the centre, on a canvas with room around."""
    from scipy.ndimage import affine_transform

    margin = round(ink.shape[0] * pad)
    canvas = np.pad(ink, margin)
    centre = (np.array(canvas.shape) - 1) / 2
    inverse = np.linalg.inv(matrix)
    offset = centre - inverse @ centre
    return np.clip(affine_transform(canvas, inverse, offset=offset, order=1), 0, 1)


def rotated(ink, degrees):
    t = np.deg2rad(degrees)
    # (row, column) coordinates: positive degrees turn the digit anticlockwise.
    return _affine(ink, np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]]))


def slanted(ink, shear):
    """Italic slant: the top moves right by ``shear`` times the height."""
    return _affine(ink, np.array([[1.0, 0.0], [-shear, 1.0]]))


def on_page(ink, rng, height_range, page=(300, 400)):
    """The digit scaled to a height in ``height_range`` (pixels), anywhere on
    a ``page`` (rows, columns) of paper."""
    height = rng.uniform(*height_range)
    side = max(4, round(ink.shape[0] * height / (20 * UPSCALE)))
    digit = np.clip(_resize(ink, (side, side)), 0, 1)
    canvas = np.zeros(page, dtype=np.float32)
    side = min(side, *page)
    r = rng.integers(0, page[0] - side + 1)
    c = rng.integers(0, page[1] - side + 1)
    canvas[r : r + side, c : c + side] = digit[:side, :side]
    return canvas


def uneven_light(shape, rng, low=110.0, high=250.0):
    """Paper lit from one side: brightness falls linearly across the page in a
    random direction, from ``high`` to ``low``."""
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    along = np.cos(angle) * rows / shape[0] + np.sin(angle) * cols / shape[1]
    along = (along - along.min()) / (np.ptp(along) or 1)
    return high - (high - low) * along


def jpeg(grey: np.ndarray, quality: int) -> np.ndarray:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(grey).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("L"))


def noisy(grey: np.ndarray, rng, sigma: float) -> np.ndarray:
    out = grey + rng.normal(0, sigma, grey.shape)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def speckled(grey: np.ndarray, rng, share: float) -> np.ndarray:
    """Salt and pepper: ``share`` of the pixels set to black or white."""
    out = grey.copy()
    hit = rng.random(grey.shape) < share
    out[hit] = rng.choice(np.array([0, 255], dtype=np.uint8), size=int(hit.sum()))
    return out


def _signed(rng, magnitude):
    return magnitude * rng.choice([-1.0, 1.0])


#: name -> (what, severity, function(ink, rng) -> uint8 picture). The MNIST
#: stroke is 2-3 pixels wide at 28x28; radii and sigmas below are in pixels
#: of the 4x picture (4 = one MNIST pixel).
MNIST_SHIFTS: dict[str, tuple[str, str, Callable]] = {
    "clean picture": ("no shift: the digit as a 4x scan", "", lambda i, r: on_paper(i)),
    "thicker +2 px": (
        "strokes 2 MNIST pixels wider (grey dilation)",
        "radius 4",
        lambda i, r: on_paper(thicker(i, 4)),
    ),
    "thicker +4 px": (
        "strokes 4 MNIST pixels wider (grey dilation)",
        "radius 8",
        lambda i, r: on_paper(thicker(i, 8)),
    ),
    "thinner -1 px": (
        "strokes 1 MNIST pixel thinner (grey erosion)",
        "radius 2",
        lambda i, r: on_paper(thinner(i, 2)),
    ),
    "thinner -1.5 px": (
        "strokes 1.5 MNIST pixels thinner (grey erosion)",
        "radius 3",
        lambda i, r: on_paper(thinner(i, 3)),
    ),
    "blur 1 px": (
        "Gaussian blur, sigma 1 MNIST pixel",
        "sigma 4",
        lambda i, r: on_paper(blurred(i, 4)),
    ),
    "blur 2 px": (
        "Gaussian blur, sigma 2 MNIST pixels",
        "sigma 8",
        lambda i, r: on_paper(blurred(i, 8)),
    ),
    "low resolution 14 px": (
        "digit 14 pixels tall, enlarged back (bilinear)",
        "14 px",
        lambda i, r: on_paper(low_resolution(i, 14)),
    ),
    "low resolution 10 px": (
        "digit 10 pixels tall, enlarged back",
        "10 px",
        lambda i, r: on_paper(low_resolution(i, 10)),
    ),
    "low resolution 8 px": (
        "digit 8 pixels tall (8x8, as scikit-learn's digits), enlarged back",
        "8 px",
        lambda i, r: on_paper(low_resolution(i, 8)),
    ),
    "rotated 15°": (
        "rotated 15 degrees, either way",
        "15°",
        lambda i, r: on_paper(rotated(i, _signed(r, 15))),
    ),
    "rotated 30°": (
        "rotated 30 degrees, either way",
        "30°",
        lambda i, r: on_paper(rotated(i, _signed(r, 30))),
    ),
    "slant 0.3": (
        "sheared: top moved sideways by 0.3 x height (17°), either way",
        "0.3",
        lambda i, r: on_paper(slanted(i, _signed(r, 0.3))),
    ),
    "slant 0.6": (
        "sheared: top moved sideways by 0.6 x height (31°), either way",
        "0.6",
        lambda i, r: on_paper(slanted(i, _signed(r, 0.6))),
    ),
    "small, anywhere on a page": (
        "digit 16-40 px tall anywhere on a 400x300 page",
        "16-40 px",
        lambda i, r: on_paper(on_page(i, r, (16, 40))),
    ),
    "large, anywhere on a page": (
        "digit 120-280 px tall anywhere on a 400x300 page",
        "120-280 px",
        lambda i, r: on_paper(on_page(i, r, (120, 280))),
    ),
    "light ink on grey paper": (
        "paper 170-200, ink 40-60 lighter (contrast 40-60 of 255)",
        "contrast 40-60",
        lambda i, r: on_paper(
            i, paper := r.uniform(170, 200), paper - r.uniform(40, 60)
        ),
    ),
    "faint pencil": (
        "paper 215-235, ink 20-30 lighter",
        "contrast 20-30",
        lambda i, r: on_paper(
            i, paper := r.uniform(215, 235), paper - r.uniform(20, 30)
        ),
    ),
    "uneven lighting, mild": (
        "paper from 250 down to 200 across the picture, ink 60 % darker",
        "250 to 200",
        lambda i, r: on_paper(
            i, light := uneven_light(i.shape, r, low=200), 0.4 * light
        ),
    ),
    "uneven lighting, strong": (
        "paper from 250 down to 110 across the picture (a shadow), ink 60 % darker",
        "250 to 110",
        lambda i, r: on_paper(i, light := uneven_light(i.shape, r), 0.4 * light),
    ),
    "JPEG quality 20": (
        "saved as JPEG, quality 20",
        "q 20",
        lambda i, r: jpeg(on_paper(i), 20),
    ),
    "JPEG quality 5": (
        "saved as JPEG, quality 5",
        "q 5",
        lambda i, r: jpeg(on_paper(i), 5),
    ),
    "noise sigma 25": (
        "Gaussian noise, sigma 25 of 255",
        "25",
        lambda i, r: noisy(on_paper(i), r, 25),
    ),
    "noise sigma 50": (
        "Gaussian noise, sigma 50 of 255",
        "50",
        lambda i, r: noisy(on_paper(i), r, 50),
    ),
    "salt and pepper 2 %": (
        "2 % of the pixels black or white",
        "2 %",
        lambda i, r: speckled(on_paper(i), r, 0.02),
    ),
}


def mnist_pictures(name: str, digits: np.ndarray, seed: int) -> list[np.ndarray]:
    """The user's pictures of ``digits`` under the shift ``name``, seeded."""
    transform = MNIST_SHIFTS[name][2]
    rng = np.random.default_rng([seed, list(MNIST_SHIFTS).index(name)])
    return [transform(ink_of(d), rng) for d in digits]
