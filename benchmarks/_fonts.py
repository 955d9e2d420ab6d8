"""Pictures of text for the robustness question: fonts, letters, scribbles, blanks.

The fonts are those fontconfig knows (``fc-list``): handwriting fonts (the
Debian packages of :data:`HANDWRITING_PACKAGES`, which ``.ci/run`` installs)
and printed fonts, reported apart. Letters, scribbles and blank canvases are
the "not a digit" pictures an honest "not sure" should flag. Seeded.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

import numpy as np

from benchmarks._conditions import INK, PAPER, uneven_light

#: The Debian packages of handwriting-style fonts the benchmark installs
#: (``.ci/run`` and ``benchmarks/README.md`` install the same list).
HANDWRITING_PACKAGES = (
    "fonts-breip",
    "fonts-bwht",
    "fonts-comic-neue",
    "fonts-dancingscript",
    "fonts-dkg-handwriting",
    "fonts-ecolier-court",
    "fonts-femkeklaver",
    "fonts-humor-sans",
    "fonts-kaushanscript",
    "fonts-kristi",
    "fonts-rufscript",
    "fonts-sjfonts",
    "fonts-tomsontalks",
)
#: Font families of those packages: a font is "handwriting" if its family is
#: one of these, "printed" otherwise.
HANDWRITING_FAMILIES = frozenset(
    {
        "Because We Build",
        "Because We Connect",
        "Because We Create",
        "Because We Learn",
        "Because We Mentor",
        "Because We Organize",
        "Breip",
        "Comic Neue",
        "Dancing Script",
        "Delphine",
        "DkgHandwriting",
        "Ecolier_court",
        "femkeklaver",
        "Humor Sans",
        "Kaushan Script",
        "Kristi",
        "Rufscript",
        "Steve",
        "Tomson Talks",
    }
)
#: Letters for the "not a digit" conditions: those that do not look like a
#: digit in common fonts (no O, o, D, Q, I, l, i, J, j, Z, z, S, s, b, G, B,
#: g, q, T).
LETTERS = "ACEFHKLMNPRUVWXYacdefhkmnprtuvwxy"


@dataclass(frozen=True)
class Font:
    family: str
    style: str
    file: str
    index: int = 0

    @property
    def name(self) -> str:
        return f"{self.family} {self.style}".strip()

    @property
    def handwriting(self) -> bool:
        return self.family in HANDWRITING_FAMILIES


def installed_fonts() -> tuple[list[Font], str | None]:
    """Every scalable font fontconfig knows (one per family and style), or
    why there are none."""
    if shutil.which("fc-list") is None:
        return [], "fc-list (fontconfig) is not installed"
    out = subprocess.run(
        ["fc-list", "--format", "%{family[0]}\t%{style[0]}\t%{index}\t%{file}\n"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    fonts: dict[tuple[str, str], Font] = {}
    for line in sorted(out.splitlines()):
        parts = line.split("\t")
        if len(parts) != 4 or not parts[3].lower().endswith((".ttf", ".otf", ".ttc")):
            continue
        family, style, index, file = parts
        font = Font(family, style, file, int(index or 0))
        fonts.setdefault((family, style), font)
    found = [f for f in fonts.values() if _has_digits(f)]
    return sorted(found, key=lambda f: f.name), None if found else "no fonts found"


def _glyph(font, text: str) -> np.ndarray:
    from PIL import Image, ImageDraw

    image = Image.new("L", (96, 96), 0)
    ImageDraw.Draw(image).text((48, 48), text, fill=255, font=font, anchor="mm")
    return np.asarray(image)


def _pil_font(font: Font, size: int):
    from PIL import ImageFont

    return ImageFont.truetype(font.file, size=size, index=font.index)


def _has_digits(font: Font) -> bool:
    """The font draws ten different digits, none the missing-glyph box."""
    try:
        pil = _pil_font(font, 64)
    except OSError:
        return False
    glyphs = [_glyph(pil, str(d)) for d in range(10)]
    missing = _glyph(pil, "\ue000")  # a private-use code point: no glyph
    distinct = {g.tobytes() for g in glyphs}
    return (
        len(distinct) == 10
        and all(g.any() for g in glyphs)
        and not any(np.array_equal(g, missing) for g in glyphs)
    )


def font_picture(font: Font, text: str, rng) -> np.ndarray:
    """``text`` in ``font``, dark on light, its size, position and stroke
    varied a little (seeded)."""
    from PIL import Image, ImageDraw

    size = int(rng.integers(60, 110))
    stroke = int(rng.choice([0, 0, 1, 2]))
    image = Image.new("L", (160, 160), int(PAPER))
    centre = (80 + rng.integers(-15, 16), 80 + rng.integers(-15, 16))
    ImageDraw.Draw(image).text(
        centre,
        text,
        fill=int(INK),
        font=_pil_font(font, size),
        anchor="mm",
        stroke_width=stroke,
        stroke_fill=int(INK),
    )
    return np.asarray(image)


def font_digits(fonts: list[Font], variants: int, seed: int):
    """Pictures and labels of every digit in every font, ``variants`` each."""
    pictures, labels, names = [], [], []
    for i, font in enumerate(fonts):
        rng = np.random.default_rng([seed, 1000 + i])
        for digit in range(10):
            for _ in range(variants):
                pictures.append(font_picture(font, str(digit), rng))
                labels.append(digit)
                names.append(font.name)
    return pictures, np.array(labels), names


def letter_pictures(fonts: list[Font], n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng([seed, 2])
    return [
        font_picture(fonts[rng.integers(len(fonts))], rng.choice(list(LETTERS)), rng)
        for _ in range(n)
    ]


def scribble(rng, side: int = 200) -> np.ndarray:
    """One to three random smooth strokes, as a restless hand would make."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (side, side), int(PAPER))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.integers(1, 4)):
        point = rng.uniform(0.2, 0.8, 2) * side
        angle = rng.uniform(0, 2 * np.pi)
        turn = rng.normal(0, 0.5)
        points = [tuple(point)]
        for _ in range(rng.integers(4, 25)):
            turn += rng.normal(0, 0.4)
            angle += turn * 0.5
            point = np.clip(
                point + side * 0.06 * np.array([np.cos(angle), np.sin(angle)]),
                5,
                side - 5,
            )
            points.append(tuple(point))
        width = int(rng.integers(4, 16))
        draw.line(points, fill=int(INK), width=width, joint="curve")
    return np.asarray(image)


def blank_picture(rng, side: int = 200) -> np.ndarray:
    """An empty or nearly empty canvas: white, paper with noise, a dot, a
    faint smudge, or unevenly lit paper."""
    kind = rng.integers(5)
    paper = np.full((side, side), PAPER, dtype=np.float32)
    if kind == 1:
        paper = paper + rng.normal(0, 4, paper.shape)
    elif kind == 2:
        r, c = rng.integers(20, side - 20, 2)
        paper[r : r + rng.integers(2, 6), c : c + rng.integers(2, 6)] = INK
    elif kind == 3:
        rows, cols = np.mgrid[0:side, 0:side]
        r, c = rng.uniform(0.3, 0.7, 2) * side
        blob = np.exp(-((rows - r) ** 2 + (cols - c) ** 2) / (2 * (side / 8) ** 2))
        paper = paper - rng.uniform(15, 40) * blob
    elif kind == 4:
        paper = uneven_light(paper.shape, rng, low=150, high=250)
    return np.clip(np.rint(paper), 0, 255).astype(np.uint8)


def not_digit_pictures(kind: str, fonts: list[Font], n: int, seed: int):
    if kind == "letters":
        return letter_pictures(fonts, n, seed)
    rng = np.random.default_rng([seed, 3 if kind == "scribbles" else 4])
    make = scribble if kind == "scribbles" else blank_picture
    return [make(rng) for _ in range(n)]
