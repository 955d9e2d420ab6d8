"""Drawing digits on the ``skdigits serve`` page with a pointer, as a person would.

Shared by the robustness question (``benchmarks/robustness.py``) and the
browser tests (``tests/test_serve_browser.py``). A digit is a hand-made
template of strokes (:data:`TEMPLATES`, a few styles per digit, among them a
European "1" with a long flag and no foot and a "7" with a bar), placed on
the pad at a chosen size, position and slant with a little tremor
(:func:`place`), and drawn with Selenium pointer actions (:func:`draw`).
:func:`read_answer` waits for the page's answer and returns it with the
probabilities the page shows; :func:`pad_picture` reads back the pad as the
server receives it.

Nothing here is imported by the library; Selenium, Chromium and chromedriver
are needed only by :func:`open_browser` and the functions that take a driver.
"""

from __future__ import annotations

import base64
import shutil
import tempfile
from dataclasses import dataclass

import numpy as np

_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
WAIT_SECONDS = 30  # generous: the machine is shared

Stroke = list[tuple[float, float]]


def _ellipse(cx, cy, rx, ry, start=-np.pi / 2, turns=1.0, n=28) -> Stroke:
    """Points of an ellipse drawn anticlockwise on screen from angle ``start``."""
    t = start - np.linspace(0, 2 * np.pi * turns, n)
    return [(cx + rx * np.cos(a), cy + ry * np.sin(a)) for a in t]


def _smooth(points: Stroke, rounds: int = 3) -> Stroke:
    """Chaikin corner cutting: a hand's round curve through the control points."""
    p = np.asarray(points, dtype=float)
    for _ in range(rounds):
        q = 0.75 * p[:-1] + 0.25 * p[1:]
        r = 0.25 * p[:-1] + 0.75 * p[1:]
        p = np.vstack([p[:1], np.column_stack([q, r]).reshape(-1, 2), p[-1:]])
    return [tuple(x) for x in p]


# The round lower part of a 5, drawn the same whichever way the bar goes.
_FIVE_BELLY = _smooth(
    [(0.06, 0.45), (0.4, 0.36), (0.6, 0.62), (0.48, 0.95), (0.2, 1.0), (0.0, 0.88)]
)

#: digit -> style -> strokes, in a box 1 tall (y down) and about 0.6 wide.
TEMPLATES: dict[int, dict[str, list[Stroke]]] = {
    0: {
        "oval": [_ellipse(0.3, 0.5, 0.28, 0.5)],
        "tilted oval": [_ellipse(0.32, 0.5, 0.24, 0.5, start=-2.0, turns=1.05)],
    },
    1: {
        "stick": [[(0.3, 0.0), (0.3, 1.0)]],
        "European, long flag, no foot": [[(-0.04, 0.5), (0.32, 0.0), (0.32, 1.0)]],
        "flag and base": [
            [(0.1, 0.2), (0.32, 0.0), (0.32, 1.0)],
            [(0.08, 1.0), (0.56, 1.0)],
        ],
    },
    2: {
        "curved": [
            [
                *_smooth(
                    [
                        (0.03, 0.22),
                        (0.25, -0.02),
                        (0.58, 0.12),
                        (0.5, 0.45),
                        (0.02, 1.0),
                    ]
                ),
                (0.62, 1.0),
            ]
        ],
        "looped base": [
            _smooth(
                [
                    (0.03, 0.22),
                    (0.28, -0.02),
                    (0.58, 0.15),
                    (0.45, 0.5),
                    (0.1, 0.92),
                    (0.05, 1.0),
                    (0.2, 0.85),
                    (0.4, 0.95),
                    (0.62, 1.0),
                ]
            )
        ],
    },
    3: {
        "round": [
            _smooth(
                [
                    (0.03, 0.12),
                    (0.3, -0.02),
                    (0.56, 0.15),
                    (0.5, 0.38),
                    (0.22, 0.48),
                    (0.5, 0.56),
                    (0.6, 0.82),
                    (0.3, 1.02),
                    (0.0, 0.88),
                ]
            )
        ],
        "flat top": [
            [
                (0.03, 0.0),
                (0.56, 0.0),
                (0.22, 0.4),
                *_smooth(
                    [(0.22, 0.4), (0.55, 0.55), (0.58, 0.85), (0.3, 1.02), (0.0, 0.88)]
                ),
            ]
        ],
    },
    4: {
        "open": [[(0.38, 0.0), (0.0, 0.66), (0.62, 0.66)], [(0.46, 0.3), (0.46, 1.0)]],
        "closed": [[(0.46, 1.0), (0.46, 0.0), (0.0, 0.66), (0.62, 0.66)]],
    },
    5: {
        "one stroke": [
            [
                (0.56, 0.0),
                (0.1, 0.0),
                (0.06, 0.45),
                *_FIVE_BELLY,
            ]
        ],
        "bar last": [
            [
                (0.1, 0.0),
                (0.06, 0.45),
                *_FIVE_BELLY,
            ],
            [(0.1, 0.0), (0.58, 0.0)],
        ],
    },
    6: {
        "round": [
            _smooth(
                [
                    (0.52, 0.02),
                    (0.2, 0.25),
                    (0.04, 0.62),
                    (0.12, 0.95),
                    (0.36, 1.02),
                    (0.56, 0.82),
                    (0.48, 0.58),
                    (0.26, 0.52),
                    (0.06, 0.66),
                ]
            )
        ],
        "straight back": [
            [
                (0.45, 0.0),
                (0.08, 0.62),
                *_ellipse(0.3, 0.77, 0.24, 0.23, start=np.pi * 0.85, turns=1.0),
            ]
        ],
    },
    7: {
        "plain": [[(0.0, 0.0), (0.6, 0.0), (0.2, 1.0)]],
        "with a bar": [
            [(0.0, 0.0), (0.6, 0.0), (0.2, 1.0)],
            [(0.16, 0.52), (0.54, 0.52)],
        ],
    },
    8: {
        "one stroke": [
            _smooth(
                [
                    (0.52, 0.1),
                    (0.3, -0.01),
                    (0.06, 0.12),
                    (0.1, 0.33),
                    (0.3, 0.46),
                    (0.54, 0.64),
                    (0.56, 0.88),
                    (0.3, 1.01),
                    (0.04, 0.88),
                    (0.07, 0.64),
                    (0.3, 0.46),
                    (0.52, 0.3),
                    (0.52, 0.1),
                ]
            )
        ],
        "two circles": [
            _ellipse(0.3, 0.23, 0.2, 0.23, start=np.pi / 2),
            _ellipse(0.3, 0.73, 0.26, 0.27, start=-np.pi / 2),
        ],
    },
    9: {
        "loop and stick": [
            [*_ellipse(0.3, 0.24, 0.26, 0.24, start=0.0), (0.56, 0.24), (0.54, 1.0)]
        ],
        "curved tail": [
            _ellipse(0.3, 0.24, 0.26, 0.24, start=0.0)
            + _smooth([(0.56, 0.24), (0.52, 0.75), (0.32, 1.0), (0.08, 0.94)])
        ],
    },
}


@dataclass(frozen=True)
class Placement:
    """Where and how a template is drawn on the pad: the digit's height and
    its centre as shares of the pad, the slant (the top moves right by
    ``slant`` x height), the tremor (in shares of the height) and how many
    times each stroke is gone over, a little apart (a thicker pen)."""

    height: float = 0.7
    centre: tuple[float, float] = (0.5, 0.5)
    slant: float = 0.0
    tremor: float = 0.0
    passes: int = 1


def random_placement(rng: np.random.Generator) -> Placement:
    """A seeded placement as people draw: 35-85 % of the pad tall, off centre,
    slanted up to 0.35 either way, sometimes gone over twice."""
    height = rng.uniform(0.35, 0.85)
    room = (1 - height) / 2
    return Placement(
        height=height,
        centre=tuple(0.5 + rng.uniform(-room, room, 2) * 0.8),
        slant=rng.uniform(-0.15, 0.35),
        tremor=0.008,
        passes=int(rng.choice([1, 1, 2])),
    )


def place(
    strokes: list[Stroke], placement: Placement, rng: np.random.Generator | None = None
) -> list[Stroke]:
    """The template's strokes in shares of the pad (0-1 both ways)."""
    rng = rng or np.random.default_rng(0)
    h = placement.height
    out = []
    for stroke in strokes:
        p = np.asarray(stroke, dtype=float)
        p = p + rng.normal(0, placement.tremor, p.shape)
        x = (p[:, 0] - 0.3 + placement.slant * (0.5 - p[:, 1])) * h
        y = (p[:, 1] - 0.5) * h
        points = np.column_stack([x + placement.centre[0], y + placement.centre[1]])
        for k in range(placement.passes):
            out.append([tuple(q) for q in np.clip(points + 0.018 * k, 0.02, 0.98)])
    return out


def browser_missing() -> str | None:
    """Why the browser cannot be driven here, or None if it can."""
    try:
        import selenium  # noqa: F401
        import starlette  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -e '.[test]')"
    if not any(map(shutil.which, _BROWSERS)):
        return "Chromium is not installed (apt-get install chromium chromium-driver)"
    if shutil.which("chromedriver") is None:
        return "chromedriver is not installed (apt-get install chromium-driver)"
    return None


def open_browser(width: int = 1280, height: int = 820):
    """Headless Chromium through Selenium, with a fresh profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = next(p for p in map(shutil.which, _BROWSERS) if p)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tempfile.mkdtemp(prefix='skdigits-chromium-')}",
        f"--window-size={width},{height}",
        "--hide-scrollbars",
    ):
        options.add_argument(argument)
    return webdriver.Chrome(
        options=options, service=Service(shutil.which("chromedriver"))
    )


def open_page(driver, url: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    WebDriverWait(driver, WAIT_SECONDS).until(
        lambda d: d.execute_script("return document.body.dataset.ready === 'true'")
    )


def draw(driver, strokes: list[Stroke], kind: str = "mouse") -> None:
    """Draw strokes given in shares of the pad with pointer events."""
    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    from selenium.webdriver.common.actions.pointer_input import PointerInput
    from selenium.webdriver.common.by import By

    pad = driver.find_element(By.ID, "pad")
    size = pad.rect["width"]

    def offset(point):  # Selenium's offsets count from the element's centre
        return round((point[0] - 0.5) * size), round((point[1] - 0.5) * size)

    actions = ActionBuilder(driver, mouse=PointerInput(kind, "pointer"), duration=0)
    for first, *rest in strokes:
        actions.pointer_action.move_to(pad, *offset(first))
        actions.pointer_action.pointer_down()
        for point in rest:
            actions.pointer_action.move_to(pad, *offset(point))
        actions.pointer_action.pointer_up()
    actions.perform()


def read_answer(driver) -> tuple[str, dict[str, float]]:
    """The label the page shows once no answer is on its way, and the
    probability of each label as its bar shows it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    results = driver.find_element(By.ID, "results")
    WebDriverWait(driver, WAIT_SECONDS).until(
        lambda d: (
            results.get_attribute("aria-busy") == "false"
            and d.find_element(By.ID, "prediction").get_attribute("data-label")
        )
    )
    bars = driver.execute_script(
        "return Array.from(document.querySelectorAll('#bars li'), li => "
        "[li.dataset.label, parseFloat(li.querySelector('.fill').style.width)]);"
    )
    # The likeliest digit, also when the page says "not sure" instead.
    label = driver.find_element(By.ID, "prediction").get_attribute("data-label")
    return label, {str(k): float(v) / 100 for k, v in bars}


def pad_picture(driver) -> np.ndarray:
    """The pad's pixels, grey 0-255, as the page sends them to the server."""
    from skdigits._prediction.reading import decode_image

    url = driver.execute_script(
        "return document.getElementById('pad').toDataURL('image/png');"
    )
    return decode_image(base64.b64decode(url.split(",", 1)[1]))


def clear(driver) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.find_element(By.ID, "clear").click()
    WebDriverWait(driver, WAIT_SECONDS).until(
        lambda d: d.find_element(By.ID, "prediction").get_attribute("data-label") == ""
    )


def browser_pictures(
    model, repeats: int, seed: int, digits: tuple[int, ...] = tuple(range(10))
) -> dict:
    """Every style of ``digits`` drawn ``repeats`` times on the page served
    with ``model``, at seeded random placements: the pad's pictures, their
    labels and styles, and the page's answers (or why nothing was drawn)."""
    why = browser_missing()
    out: dict = {"pictures": [], "labels": [], "styles": [], "page_answers": []}
    if why is not None:
        return {**out, "skipped": why}
    from skdigits.serve import start_server

    rng = np.random.default_rng([seed, 5])
    with start_server(model, echo=lambda line: None) as server:
        driver = open_browser()
        try:
            open_page(driver, server.url)
            for _ in range(repeats):
                for digit in digits:
                    for style, strokes in TEMPLATES[digit].items():
                        draw(driver, place(strokes, random_placement(rng), rng))
                        label, _ = read_answer(driver)
                        out["pictures"].append(pad_picture(driver))
                        out["labels"].append(digit)
                        out["styles"].append(f"{digit}: {style}")
                        out["page_answers"].append(int(label))
                        clear(driver)
        finally:
            driver.quit()
    n_styles = sum(len(TEMPLATES[d]) for d in digits)
    out["what"] = (
        f"{n_styles} stroke templates x {repeats}, drawn with the mouse on the "
        "page: 35-85 % of the pad tall, off centre, slant -0.15 to 0.35, a third "
        "gone over twice"
    )
    return out
