"""``POST /api/number``: the server reads a number (digits in one line).

The same bodies, limits and errors as ``POST /api/predict``; the answer is
:func:`skdigits.inference.predict_number`'s, each digit with its box (in
the request's pixels) and, for a picture read as one digit, the image the
model was given, exactly as ``/api/predict`` answers it. Every bad request
gets a 4xx JSON error, and the server goes on serving. The server runs in
this process and serves the shipped model (NumPy only, nothing trained).
"""

from __future__ import annotations

import io
import itertools
import json
import urllib.error
import urllib.request

import numpy as np
import pytest

pytest.importorskip("starlette", reason="the [serve] extra is not installed")

from skdigits._prediction.reading import decode_image
from skdigits.inference import predict_number
from skdigits.serve import BackgroundServer, create_app

_TIMEOUT = 60


@pytest.fixture(scope="module")
def model_file():
    """None: the module's server (tests/conftest.py) serves the shipped model."""
    return None


def _post(url: str, body: bytes, content_type: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": content_type}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def _number(server, body: bytes, content_type: str = "image/png"):
    return _post(server.url + "api/number", body, content_type)


def _png(pixels: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(pixels, dtype=np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def _written(sample, digits: list[int], gap: int = 8, scale: int = 3) -> np.ndarray:
    """Test-set digits side by side, dark ink on white paper, ``scale`` times
    larger: a number as a scan of it would be."""
    from PIL import Image

    pictures = []
    for digit in digits:
        image = sample.X_test[np.flatnonzero(sample.y_test == digit)[0]]
        cols = np.flatnonzero(image.max(axis=0) > 0)
        pictures.append(image[:, cols[0] : cols[-1] + 1])
        pictures.append(np.zeros((28, gap), dtype=np.uint8))
    ink = np.pad(np.hstack(pictures[:-1]), 8)
    paper = Image.fromarray(255 - ink).resize(
        (ink.shape[1] * scale, ink.shape[0] * scale), Image.Resampling.BICUBIC
    )
    return np.asarray(paper)


def _one_digit(sample) -> np.ndarray:
    return 255 - sample.X_test[0]


def _still_serving(server, sample) -> None:
    status, answer = _number(server, _png(_one_digit(sample)))
    assert status == 200 and len(answer["digits"]) == 1


# -- answers -----------------------------------------------------------------


def test_a_number_is_read_with_each_digits_box(server, model, sample):
    picture = _written(sample, [2, 0, 2, 6])
    status, answer = _number(server, _png(picture))

    assert status == 200
    assert answer["text"] == "2026"
    expected = predict_number(decode_image(_png(picture)), model)
    assert {**answer, "digits": None} == {**expected, "digits": None}
    for got, want in zip(answer["digits"], expected["digits"], strict=True):
        assert got["image"] is None  # not known for the digits of a number
        assert {k: v for k, v in got.items() if k != "image"} == want
    # The boxes, in the picture's pixels, left to right, apart.
    boxes = [d["box"] for d in answer["digits"]]
    for left, right in itertools.pairwise(boxes):
        assert left["x"] + left["width"] <= right["x"]
    assert all(b["x"] >= 0 and b["x"] + b["width"] <= picture.shape[1] for b in boxes)
    assert answer["probability"] == pytest.approx(
        np.prod([d["probability"] for d in answer["digits"]])
    )


def test_a_large_picture_is_reduced_and_its_boxes_are_in_its_own_pixels(
    server, model, sample
):
    large = _written(sample, [4, 7], scale=30)
    body = _png(large)
    status, answer = _number(server, body)

    assert status == 200 and answer["text"] == "47"
    # Read at 1024 pixels wide, as /api/predict reads it; its boxes are
    # given in the picture's own pixels.
    reduced = decode_image(body, max_size=1024)
    assert reduced.shape[1] == 1024 < large.shape[1]
    scale = large.shape[1] / 1024
    expected = predict_number(reduced, model)
    for got, read in zip(answer["digits"], expected["digits"], strict=True):
        box, small = got["box"], read["box"]
        for start, size in (("x", "width"), ("y", "height")):
            assert abs(box[start] - small[start] * scale) < 1
            end = (small[start] + small[size]) * scale
            assert abs(box[start] + box[size] - end) < 1
        assert box["x"] + box["width"] <= large.shape[1]
        assert box["y"] + box["height"] <= large.shape[0]


def test_json_pixels_are_read_as_a_number(server, model, sample):
    picture = _written(sample, [3, 5, 8], scale=1)
    body = json.dumps({"pixels": picture.tolist()}).encode()
    status, answer = _number(server, body, "application/json")

    assert status == 200
    assert answer["text"] == predict_number(picture, model)["text"] == "358"


@pytest.mark.parametrize("kind", ["png", "json", "mnist json"])
def test_one_digit_answers_as_api_predict_does(server, sample, kind):
    if kind == "png":
        body, content_type = _png(_written(sample, [9])), "image/png"
    elif kind == "json":
        body = json.dumps({"pixels": _one_digit(sample).tolist()}).encode()
        content_type = "application/json"
    else:  # 28x28 light ink on black: to the model as it is
        body, content_type = (
            json.dumps(sample.X_test[1].tolist()).encode(),
            ("application/json"),
        )
    status, number = _number(server, body, content_type)
    status_digit, digit = _post(server.url + "api/predict", body, content_type)

    assert status == status_digit == 200
    assert len(number["digits"]) == 1
    only = number["digits"][0]
    assert {k: v for k, v in only.items() if k != "box"} == digit  # image too
    assert number["text"] == str(digit["label"])
    assert number["probability"] == digit["probability"]


def test_the_model_route_names_both_reading_routes(server):
    with urllib.request.urlopen(server.url + "api/model", timeout=_TIMEOUT) as got:
        info = json.load(got)
    assert info["routes"] == {"digit": "api/predict", "number": "api/number"}
    assert info["max_digits"] >= 8


# -- bad requests: a 4xx JSON error, and the server goes on serving ----------


def _two_lines(sample) -> np.ndarray:
    top, bottom = _written(sample, [1, 2, 3]), _written(sample, [4, 5, 6])
    width = max(top.shape[1], bottom.shape[1])
    rows = [
        np.pad(p, ((0, 0), (0, width - p.shape[1])), constant_values=255)
        for p in (top, bottom)
    ]
    return np.vstack(rows)


def _dots() -> np.ndarray:
    """A page of 200 dots: far too many marks for a number."""
    paper = np.full((200, 500), 255, dtype=np.uint8)
    for row in range(10, 200, 20):
        for col in range(10, 500, 25):
            paper[row : row + 8, col : col + 8] = 0
    return paper


def _over_the_pixel_limit() -> bytes:
    """A blank 8000x6000 1-bit PNG: 48 megapixels in a few kB."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (8000, 6000), 1).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


_BAD = {
    "blank": (lambda s: _png(np.full((80, 200), 255)), "image/png", 422, "no digit"),
    "two lines": (lambda s: _png(_two_lines(s)), "image/png", 422, "2 lines of digits"),
    "too many marks": (lambda s: _png(_dots()), "image/png", 422, "separate marks"),
    "long and thin": (
        lambda s: _png(
            np.pad(np.zeros((1, 300)), ((0, 0), (100, 100)), constant_values=255)
        ),
        "image/png",
        422,
        "too long and thin",
    ),
    "tiny noise": (
        lambda s: json.dumps([[0, 255], [255, 0]]).encode(),
        "application/json",
        422,
        "no digit",
    ),
    "bad pixels": (
        lambda s: json.dumps([[0, 1000], [3, "x"]]).encode(),
        "application/json",
        422,
        "rectangular array of numbers",
    ),
    "huge image": (
        lambda s: _over_the_pixel_limit(),
        "image/png",
        413,
        "8000x6000 pixels",
    ),
    "not an image": (lambda s: b"hello", "image/png", 400, "not an image"),
    "empty": (lambda s: b"", "image/png", 400, "empty"),
    "wrong type": (lambda s: b"2026", "text/plain", 415, "cannot read a body of type"),
}


@pytest.mark.parametrize("case", list(_BAD))
def test_a_bad_request_gets_a_4xx_json_error_and_the_server_goes_on(
    server, sample, case
):
    make, content_type, status, says = _BAD[case]
    got, answer = _number(server, make(sample), content_type)

    assert got == status
    assert set(answer) == {"error"}
    assert says in answer["error"]
    _still_serving(server, sample)


def test_a_body_over_the_limit_gets_413_and_the_server_goes_on(model, sample):
    body = _png(_written(sample, [1, 2, 3, 4]))
    app = create_app(model, max_body_bytes=len(body) - 1)
    with BackgroundServer(app).start() as small:
        got, answer = _number(small, body)
        assert got == 413
        assert "larger than the limit" in answer["error"]
        _still_serving(small, sample)


# -- where the work is done ----------------------------------------------------


def test_a_number_is_read_off_the_event_loop():
    """Reading a number costs several digits' work even for a small picture:
    it goes to a worker thread, and the event loop keeps turning (serving
    others) while it is read."""
    import asyncio

    from sklearn.dummy import DummyClassifier

    app = create_app(DummyClassifier().fit(np.zeros((2, 784)), [3, 7]))
    picture = np.zeros((28, 28 * 3), dtype=int)
    for left in (4, 32, 60):
        picture[4:24, left : left + 4] = 255  # three 1s
    body = json.dumps(picture.tolist()).encode()

    async def main() -> tuple[int, list[int]]:
        loop = asyncio.get_running_loop()
        turns = 0

        def count_turns() -> None:
            nonlocal turns
            turns += 1
            loop.call_soon(count_turns)

        loop.call_soon(count_turns)
        statuses = []
        scope = {
            "type": "http",
            "method": "POST",
            "path": "/api/number",
            "root_path": "",
            "headers": [(b"content-type", b"application/json")],
        }

        async def receive() -> dict:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        before = turns
        await app(scope, receive, send)
        return turns - before, statuses

    turns, statuses = asyncio.run(main())
    assert statuses == [200]
    assert turns > 3, f"the event loop turned {turns} times while the number was read"
