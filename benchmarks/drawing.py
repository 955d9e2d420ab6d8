"""Drawing digits on the ``skdigits serve`` page with a pointer, as a person would.

Shared by the robustness question (``benchmarks/robustness.py``), the numbers
written on the page (``benchmarks/_page_numbers.py``) and the browser tests
(``tests/test_serve_browser.py``). A digit is a hand-made template of strokes
placed on the pad (:mod:`benchmarks._strokes`), drawn with Selenium pointer
actions (:func:`draw`). The pad is wider than tall (a number fits on it):
points are given in shares of its height, and the unit square is the square
at its middle, so that one digit's template lands there as it did on the
square pad the page had before, and a number's digits reach left and right
of it. :func:`read_answer` waits for the page's answer and returns it with
the probabilities the page shows, :func:`read_number` the number it shows
with each digit's box; :func:`pad_picture` reads back the pad as the server
receives it.

Nothing here is imported by the library; Selenium, Chromium and chromedriver
are needed only by :func:`open_browser` and the functions that take a driver.
"""

from __future__ import annotations

import base64
import shutil
import tempfile

import numpy as np

from benchmarks._strokes import (
    AMBIGUOUS,
    TEMPLATES,
    Stroke,
    place,
    random_placement,
)

_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
WAIT_SECONDS = 30  # generous: the machine is shared


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


def pad_width(driver) -> float:
    """The pad's width in shares of its height (2.5 for its 700x280 pixels):
    :func:`draw` reaches x from ``0.5 - pad_width / 2`` to ``0.5 + pad_width / 2``."""
    from selenium.webdriver.common.by import By

    rect = driver.find_element(By.ID, "pad").rect
    return rect["width"] / rect["height"]


def draw(driver, strokes: list[Stroke], kind: str = "mouse") -> None:
    """Draw strokes with pointer events; a point ``(x, y)`` is in shares of
    the pad's height, from the top left of the square at the pad's middle
    (see the module's docstring)."""
    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    from selenium.webdriver.common.actions.pointer_input import PointerInput
    from selenium.webdriver.common.by import By

    pad = driver.find_element(By.ID, "pad")
    size = pad.rect["height"]

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


def _wait_for_answer(driver) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    results = driver.find_element(By.ID, "results")
    WebDriverWait(driver, WAIT_SECONDS).until(
        lambda d: (
            results.get_attribute("aria-busy") == "false"
            and d.find_element(By.ID, "prediction").get_attribute("data-label")
        )
    )


def read_answer(driver) -> tuple[str, dict[str, float]]:
    """What the page reads once no answer is on its way: the likeliest
    digits (one label for one digit; also when the page says "not sure"
    instead), and, when it read one digit, the probability of each label as
    its bar shows it (an empty dict for a number)."""
    from selenium.webdriver.common.by import By

    _wait_for_answer(driver)
    shown = driver.find_element(By.ID, "prediction")
    label = shown.get_attribute("data-label")
    if shown.get_attribute("data-count") != "1":
        return label, {}
    bars = driver.execute_script(
        "return Array.from(document.querySelectorAll('#bars li'), li => "
        "[li.dataset.label, parseFloat(li.querySelector('.fill').style.width)]);"
    )
    return label, {str(k): float(v) / 100 for k, v in bars}


def read_number(driver) -> dict:
    """The number the page shows once no answer is on its way: ``text``,
    ``unsure`` and ``reason`` as the verdict says them (for one digit, the
    digit's "not sure", as ``/api/predict``'s), what the verdict and its
    explanation say (``shown``, ``confidence``, ``why``), and ``digits``:
    each box drawn over the pad, left to right, with its ``label``,
    ``probability``, ``unsure`` and ``box`` (in the pad's pixels, as
    ``/api/number`` gave it) and ``rect`` (where it is on the screen)."""
    from selenium.webdriver.common.by import By

    _wait_for_answer(driver)
    shown = driver.find_element(By.ID, "prediction")
    boxes = driver.execute_script(
        "return Array.from(document.querySelectorAll('#boxes .box'), b => {"
        "  const r = b.getBoundingClientRect();"
        "  return [b.dataset, [r.left, r.top, r.width, r.height],"
        "          b.querySelector('.tag').textContent]; });"
    )
    digits = [
        {
            "label": data["label"],
            "probability": float(data["probability"]),
            "unsure": data["unsure"] == "true",
            "box": {k: int(data[k]) for k in ("x", "y", "width", "height")},
            "rect": dict(zip(("x", "y", "width", "height"), rect, strict=True)),
            "tag": tag,
        }
        for data, rect, tag in boxes
    ]
    return {
        "text": shown.get_attribute("data-label"),
        "unsure": shown.get_attribute("data-unsure") == "true",
        "reason": shown.get_attribute("data-reason") or None,
        "shown": shown.text,
        "confidence": driver.find_element(By.ID, "confidence").text,
        "why": driver.find_element(By.ID, "why").text,
        "digits": digits,
    }


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
    out: dict = {
        "pictures": [],
        "labels": [],
        "either": [],
        "styles": [],
        "page_answers": [],
    }
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
                        out["either"].append(AMBIGUOUS.get((digit, style), (-1, -1)))
                        out["styles"].append(f"{digit}: {style}")
                        out["page_answers"].append(int(label))
                        clear(driver)
        finally:
            driver.quit()
    n_styles = sum(len(TEMPLATES[d]) for d in digits)
    out["what"] = (
        f"{n_styles} stroke templates x {repeats}, drawn with the mouse on the "
        "page: 35-85 % of the pad tall, off centre in the square at its middle, "
        "slant -0.15 to 0.35, a third gone over twice"
    )
    return out
