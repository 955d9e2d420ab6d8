"""The prediction server over real loopback HTTP: answers, bad requests, limits,
concurrency, the shipped model, "not sure" answers, and Ctrl-C.

Every request goes to 127.0.0.1, to a server started by ``skdigits.serve``
(in a thread, or in a subprocess for Ctrl-C), with a timeout.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("starlette", reason="the [serve] extra is not installed")
pytest.importorskip("uvicorn", reason="the [serve] extra is not installed")

from PIL import Image

import skdigits
from skdigits._commands.serve.server import resolve_model
from skdigits.image_io import prepare_digit, read_digits
from skdigits.serve import BackgroundServer, create_app, run_server

_TIMEOUT = 60  # seconds per request; the machine is shared


# -- fixtures and helpers ------------------------------------------------------


@pytest.fixture(scope="module")
def model_file(sample, tmp_path_factory) -> Path:
    """A small network trained on part of the bundled sample, saved pickle-free."""
    from sklearn.pipeline import Pipeline

    from skdigits import DenseDigitClassifier, PixelScaler, save_model

    model = Pipeline(
        [
            ("scale", PixelScaler()),
            ("clf", DenseDigitClassifier((64,), epochs=3, random_state=0)),
        ]
    ).fit(sample.X_train[:3000], sample.y_train[:3000])
    return save_model(model, tmp_path_factory.mktemp("model") / "digits.skdigits")


def _post(url: str, body: bytes, content_type: str | None, **headers):
    """POST; the status and the parsed JSON answer (errors included)."""
    if content_type is not None:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def _predict(server, body: bytes, content_type: str | None, **headers):
    status, response_headers, raw = _post(
        server.url + "api/predict", body, content_type, **headers
    )
    assert response_headers["Content-Type"] == "application/json", raw[:200]
    return status, json.loads(raw)


def _png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return buffer.getvalue()


def _get(url: str):
    with urllib.request.urlopen(url, timeout=_TIMEOUT) as response:
        return response.status, response.headers, response.read()


# -- answers -----------------------------------------------------------------


def test_png_answer_is_predict_on_the_prepared_digit(server, model, sample):
    # Dark ink on light paper, larger than 28x28: it must be prepared.
    paper = Image.fromarray(255 - sample.X_test[0]).resize((90, 120))
    pixels = np.asarray(paper)
    status, answer = _predict(server, _png(pixels), "image/png")

    assert status == 200
    prepared = prepare_digit(pixels)
    np.testing.assert_array_equal(np.array(answer["image"]), prepared)
    proba = model.predict_proba(prepared[np.newaxis])[0]
    np.testing.assert_allclose(answer["probabilities"], proba, rtol=1e-5, atol=1e-7)
    assert answer["label"] == model.predict(prepared[np.newaxis])[0]
    assert answer["classes"] == list(range(10))
    assert answer["probability"] == pytest.approx(proba.max())


def test_json_mnist_digit_goes_to_the_model_unchanged(server, model, sample):
    digit = sample.X_test[1]
    for body in (digit.tolist(), {"pixels": digit.tolist()}, digit.ravel().tolist()):
        status, answer = _predict(server, json.dumps(body).encode(), "application/json")
        assert status == 200
        np.testing.assert_array_equal(np.array(answer["image"]), digit)
        np.testing.assert_allclose(
            answer["probabilities"],
            model.predict_proba(digit[np.newaxis])[0],
            rtol=1e-5,
            atol=1e-7,
        )


def test_jpeg_photo_reads_as_skdigits_predict_reads_the_file(
    server, model, sample, tmp_path
):
    # A photo of a digit on grey paper, with a charset suffix on the type.
    photo = Image.fromarray((220 - sample.X_test[2] * 0.75).astype(np.uint8))
    path = tmp_path / "photo.jpg"
    photo.resize((500, 400)).convert("RGB").save(path, quality=80)
    status, answer = _predict(server, path.read_bytes(), "image/jpeg; charset=binary")

    assert status == 200
    images, _ = read_digits([path])  # what `skdigits predict photo.jpg` reads
    np.testing.assert_array_equal(np.array(answer["image"]), images[0])
    assert answer["label"] == model.predict(images)[0]


def test_big_phone_photo_is_read(server, sample):
    digit = sample.X_test[3]
    paper = Image.fromarray(255 - digit).resize((3000, 3000), Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    paper.convert("RGB").save(buffer, "JPEG", quality=90)
    status, answer = _predict(server, buffer.getvalue(), "image/jpeg")

    assert status == 200
    image = np.array(answer["image"], dtype=float)
    # The same digit as the 28x28 original, up to resampling.
    assert np.corrcoef(image.ravel(), digit.ravel().astype(float))[0, 1] > 0.9


def test_fifty_concurrent_requests_each_get_their_own_answer(
    server, model, sample, assert_within_float32_rounding
):
    digits = sample.X_test[:50]
    bodies = [
        (_png(255 - d), "image/png")
        if i % 2
        else (json.dumps(d.tolist()).encode(), "application/json")
        for i, d in enumerate(digits)
    ]
    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(lambda b: _predict(server, *b), bodies))

    prepared = np.stack(
        [prepare_digit(255 - d) if i % 2 else d for i, d in enumerate(digits)]
    )
    expected_labels = model.predict(prepared)
    expected_proba = model.predict_proba(prepared)
    assert [status for status, _ in answers] == [200] * 50
    for i, (_, answer) in enumerate(answers):
        np.testing.assert_array_equal(np.array(answer["image"]), prepared[i])
    # Each answer is the model's on its digit, to float32 rounding (one digit
    # at a time and fifty at once take different BLAS kernels); its label too,
    # wherever rounding cannot swap the top two.
    _, clear = assert_within_float32_rounding(
        [answer["probabilities"] for _, answer in answers],
        expected_proba,
        prepared,
        model=model,
        input_rounding=1,
    )
    labels = np.array([answer["label"] for _, answer in answers])
    np.testing.assert_array_equal(labels[clear], expected_labels[clear])


def test_small_answers_take_turns_of_the_event_loop_in_arrival_order():
    """Between two answers worked on the event loop, the loop turns (reads
    new requests, accepts a waiting connection: libuv accepts one per
    turn), so that a new client waits behind the requests already there,
    not behind every answer given until its connection is accepted."""
    import asyncio

    from sklearn.dummy import DummyClassifier

    app = create_app(DummyClassifier().fit(np.zeros((2, 784)), [3, 7]))
    digit = np.zeros((28, 28), dtype=int)
    digit[4:24, 12:16] = 255
    body = json.dumps(digit.tolist()).encode()
    finished: list[tuple[int, int]] = []  # (request, turn of the loop)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        turns = 0

        def count_turns() -> None:
            nonlocal turns
            turns += 1
            loop.call_soon(count_turns)  # runs again on the next turn

        loop.call_soon(count_turns)

        async def post(request: int) -> None:
            scope = {
                "type": "http",
                "method": "POST",
                "path": "/api/predict",
                "root_path": "",
                "headers": [(b"content-type", b"application/json")],
            }
            statuses = []

            async def receive() -> dict:  # the body is there at once
                return {"type": "http.request", "body": body, "more_body": False}

            async def send(message: dict) -> None:
                if message["type"] == "http.response.start":
                    statuses.append(message["status"])

            await app(scope, receive, send)
            assert statuses == [200]
            finished.append((request, turns))

        await asyncio.gather(*(post(i) for i in range(4)))

    asyncio.run(main())
    assert [request for request, _ in finished] == [0, 1, 2, 3]
    turns = [turn for _, turn in finished]
    assert len(set(turns)) == 4, f"answers given on turns {turns}"


def test_model_route_describes_model_and_limits(server):
    status, _, raw = _get(server.url + "api/model")
    info = json.loads(raw)
    assert status == 200
    assert info["classes"] == list(range(10))
    assert info["source"] == "digits.skdigits"
    assert info["input_shape"] == [28, 28]
    assert info["max_body_bytes"] == 10 * 2**20


def test_openapi_lists_exactly_the_api_routes(server):
    _, _, raw = _get(server.url + "api/openapi.json")
    schema = json.loads(raw)
    routes = {
        route.path
        for route in server.app.routes
        if getattr(route, "path", "").startswith("/api/")
    }
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == routes
    assert set(schema["paths"]["/api/predict"]["post"]["requestBody"]["content"]) == {
        "image/png",
        "image/jpeg",
        "application/json",
    }


def test_page_loads_only_files_served_by_the_package(server):
    status, headers, raw = _get(server.url)
    page = raw.decode()
    assert status == 200
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    links = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert links, "the page links its script and style sheet"
    static = [link for link in links if link.startswith("static/")]
    assert {"static/app.js", "static/style.css"} <= set(static)
    for link in links:
        # Relative links only: no CDN, and the page works under a path prefix.
        assert not re.match(r"^(https?:)?//|^/", link), link
    for link in static:
        assert _get(server.url + link)[0] == 200
    script = _get(server.url + "static/app.js")[2].decode()
    assert not re.search(r"https?://", script)


# -- bad requests ------------------------------------------------------------

_BLANK_PNG = _png(np.full((40, 40), 255, dtype=np.uint8))


@pytest.mark.parametrize(
    ("content_type", "body", "status", "says"),
    [
        ("image/png", b"hello, not a picture", 400, "not an image"),
        ("image/jpeg", b"GIF89a\x01\x00\x01\x00 a GIF", 400, "not an image"),
        ("image/png", _BLANK_PNG[:60], 400, "damaged"),
        ("image/png", b"", 400, "empty"),
        ("image/png", _BLANK_PNG, 422, "no digit"),
        ("application/json", b"{pixels: 1", 400, "not valid JSON"),
        ("application/json", b'{"image": [[1]]}', 422, '"pixels"'),
        ("application/json", b'"a digit"', 422, "array of rows"),
        ("application/json", b"[[1, 2], [3]]", 422, "rectangular"),
        ("application/json", b'[["a", "b"]]', 422, "rectangular"),
        ("application/json", b"[1, 2, 3]", 422, "shape (3,)"),
        ("application/json", b"[[1, 2], [3, NaN]]", 422, "NaN"),
        ("application/json", b"[[0, 300], [3, 4]]", 422, "0-255"),
        ("text/plain", b"7", 415, "'text/plain'"),
        (None, b"\x89PNG", 415, "image/png"),
    ],
)
def test_bad_body_gets_a_4xx_json_error_that_says_what_is_wrong(
    server, content_type, body, status, says
):
    got, answer = _predict(server, body, content_type)
    assert got == status
    assert set(answer) == {"error"}
    assert says in answer["error"]
    assert "Traceback" not in answer["error"]


def test_wrong_route_or_method_gets_json(server):
    status, _, raw = _post(server.url + "api/nothing", b"{}", "application/json")
    assert (status, json.loads(raw)) == (404, {"error": "Not Found: POST /api/nothing"})
    request = urllib.request.Request(server.url + "api/predict", method="GET")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=_TIMEOUT)
    assert caught.value.code == 405
    assert "Method Not Allowed" in json.load(caught.value)["error"]


@pytest.fixture(scope="module")
def small_server(model):
    """The same model with tight limits: 50 kB bodies, 1 megapixel images."""
    app = create_app(model, max_body_bytes=50_000, max_image_pixels=1_000_000)
    with BackgroundServer(app).start() as running:
        yield running


def test_oversized_body_gets_413(small_server):
    status, answer = _predict(small_server, b"\0" * 60_000, "image/png")
    assert status == 413
    assert "limit of 50,000 bytes" in answer["error"]


def _connect(server) -> socket.socket:
    host, port = server.url.removeprefix("http://").strip("/").split(":")
    return socket.create_connection((host, int(port)), timeout=15)


def _is_complete(answer: bytes) -> bool:
    head, found, content = answer.partition(b"\r\n\r\n")
    length = re.search(rb"content-length: (\d+)", head, re.I)
    return bool(found and length and len(content) >= int(length.group(1)))


def _parse(answer: bytes) -> tuple[int, dict, bytes]:
    """Status, JSON and head of a raw HTTP answer."""
    head, _, content = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(content), head


def _raw_post(server, headers: bytes, body: bytes) -> tuple[int, dict]:
    """Send a request as raw bytes, stop (whether or not the body is complete),
    and read the answer: its status and JSON."""
    with _connect(server) as conn:
        conn.sendall(b"POST /api/predict HTTP/1.1\r\nHost: digits\r\n" + headers)
        conn.sendall(b"\r\n" + body)
        answer = b""
        while not _is_complete(answer):
            chunk = conn.recv(65536)  # times out (fails) if the server waits
            if not chunk:
                break
            answer += chunk
    return _parse(answer)[:2]


def test_declared_oversized_body_is_refused_before_it_is_sent(small_server):
    # The client announces 60 MB and sends 10 bytes: the answer comes at once,
    # without waiting for (and reading) the rest.
    status, answer = _raw_post(
        small_server,
        b"Content-Type: image/png\r\nContent-Length: 60000000\r\n",
        b"0123456789",
    )
    assert status == 413
    assert "larger than the limit of 50,000 bytes" in answer["error"]


def test_oversized_chunked_body_without_length_gets_413(small_server):
    # No Content-Length: the server counts while it reads. Five chunks reach
    # the limit, the sixth passes it (the client stops there and listens).
    chunks = b"2710\r\n" + b"\0" * 10_000 + b"\r\n"  # 0x2710 = 10,000 bytes
    status, answer = _raw_post(
        small_server,
        b"Content-Type: image/png\r\nTransfer-Encoding: chunked\r\n",
        chunks * 5 + b"1\r\n\0\r\n",
    )
    assert status == 413
    assert "larger than the limit" in answer["error"]


def test_image_with_too_many_pixels_gets_413_before_decoding(small_server):
    # 2000x1000 blank pixels compress to a few kB: under the byte limit.
    body = _png(np.zeros((1000, 2000), dtype=np.uint8))
    assert len(body) < 50_000
    status, answer = _predict(small_server, body, "image/png")
    assert status == 413
    assert "2000x1000 pixels" in answer["error"]


# -- slow and hostile clients ------------------------------------------------


def _png_1bit(width: int, height: int) -> bytes:
    """A blank 1-bit PNG of any size, compressed row by row: 20000x20000
    pixels (400 megapixels, 50 MB once decoded) fit in 50 kB."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    row = b"\0" + b"\0" * ((width + 7) // 8)  # filter byte, then the bits
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", data)
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("make_body", "status", "says"),
    [
        # A decompression bomb: Pillow will not even open it.
        (lambda: _png_1bit(20_000, 20_000), 413, "too large to open"),
        # Above the server's pixel limit (40 megapixels), below Pillow's.
        (lambda: _png_1bit(8_000, 6_000), 413, "8000x6000 pixels"),
        # Under the limit: decoded (shrunk as it is read) and found blank.
        (lambda: _png_1bit(6_000, 6_000), 422, "no digit"),
        # One row of 100,000 pixels.
        (lambda: _png(np.full((1, 100_000), 255, dtype=np.uint8)), 422, "no digit"),
    ],
    ids=["bomb-400MP", "over-limit-48MP", "under-limit-36MP", "1x100000"],
)
def test_hostile_image_gets_a_4xx_json_answer_in_bounded_time(
    server, make_body, status, says
):
    import time

    body = make_body()
    assert len(body) < 100_000  # small files, every one
    started = time.monotonic()
    got, answer = _predict(server, body, "image/png")
    # Bounded: seconds at most on a busy machine, never the request timeout.
    assert time.monotonic() - started < _TIMEOUT / 2
    assert got == status
    assert set(answer) == {"error"}
    assert says in answer["error"]


@pytest.fixture(scope="module")
def one_worker_server(model):
    """One worker thread, and bodies that must arrive within 5 s."""
    app = create_app(model, workers=1, body_timeout=5.0)
    with BackgroundServer(app).start() as running:
        yield running


def test_clients_trickling_their_bodies_get_408_and_block_no_one(
    one_worker_server, sample
):
    import threading
    import time

    n_slow = 3  # more than the server's one worker thread
    connected = threading.Barrier(n_slow + 1, timeout=30)
    results = [None] * n_slow

    def trickle(i):
        # Announces 1,000 bytes and sends one a second: it would take 17 min.
        with _connect(one_worker_server) as conn:
            conn.settimeout(1.0)
            conn.sendall(
                b"POST /api/predict HTTP/1.1\r\nHost: digits\r\n"
                b"Content-Type: image/png\r\nContent-Length: 1000\r\n\r\n"
            )
            connected.wait()
            answer = b""
            for _ in range(60):  # bounded: one minute at most
                try:
                    conn.sendall(b"\x89")
                    chunk = conn.recv(65536)
                except TimeoutError:
                    continue  # nothing yet: the next byte, a second later
                except OSError:  # the server closed the connection
                    break
                answer += chunk
                if not chunk or _is_complete(answer):
                    break
            finished = time.monotonic()
            conn.settimeout(15)
            try:
                closed = conn.recv(1) == b""
            except ConnectionResetError:  # closed, with bytes still arriving
                closed = True
            results[i] = (finished, answer, closed)

    threads = [threading.Thread(target=trickle, args=(i,)) for i in range(n_slow)]
    for thread in threads:
        thread.start()
    connected.wait()
    started = time.monotonic()
    status, answer = _predict(
        one_worker_server,
        json.dumps(sample.X_test[0].tolist()).encode(),
        "application/json",
    )
    answered = time.monotonic()
    for thread in threads:
        thread.join(timeout=90)
    # The others were answered while the slow clients were still sending.
    assert status == 200 and "label" in answer
    for finished, raw, closed in results:
        assert answered < finished
        got, error, head = _parse(raw)
        assert got == 408
        assert "did not arrive within 5 s" in error["error"]
        assert b"connection: close" in head.lower()
        assert closed  # and the server closed the connection
        # Bounded: the 5 s timeout, not the 17 minutes the body would take.
        assert finished - started < 60


def test_model_failure_gets_500_json_without_traceback(caplog):
    class Broken:
        classes_ = np.arange(10)
        n_features_in_ = 784

        def predict_proba(self, X):
            raise RuntimeError("secret internals")

    digit = np.zeros((28, 28), dtype=np.uint8)
    digit[5:23, 13:15] = 255
    with BackgroundServer(create_app(Broken())).start() as running:
        status, answer = _predict(
            running, json.dumps(digit.tolist()).encode(), "application/json"
        )
    assert status == 500
    assert "secret internals" not in answer["error"]
    assert "server's log" in answer["error"]
    # The traceback is in the server's log instead.
    assert "secret internals" in caplog.text


# -- the app's model, and where it comes from -------------------------------


@pytest.mark.parametrize(
    ("model", "says"),
    [
        (object(), "no predict_proba"),
        (
            type(
                "Wide",
                (),
                {"predict_proba": 1, "classes_": [0, 1], "n_features_in_": 64},
            )(),
            "64 pixels",
        ),
    ],
)
def test_create_app_refuses_a_model_the_page_cannot_use(model, says):
    with pytest.raises(ValueError, match=says):
        create_app(model)


@pytest.mark.parametrize(
    ("limits", "says"),
    [
        ({"workers": 0}, "workers must be >= 1"),
        ({"body_timeout": 0}, "body_timeout must be > 0"),
        ({"body_timeout": float("nan")}, "body_timeout must be > 0"),
    ],
)
def test_create_app_refuses_limits_that_would_serve_no_one(limits, says):
    from sklearn.dummy import DummyClassifier

    model = DummyClassifier().fit(np.zeros((2, 784)), [3, 7])
    with pytest.raises(ValueError, match=says):
        create_app(model, **limits)


def test_folder_or_missing_model_file_is_refused_with_its_name(tmp_path):
    with pytest.raises(FileNotFoundError, match="is a folder"):
        resolve_model(tmp_path, echo=lambda line: None)
    with pytest.raises(FileNotFoundError, match=r"no-model\.skdigits"):
        resolve_model(tmp_path / "no-model.skdigits", echo=lambda line: None)


def test_no_model_serves_the_shipped_one_without_training(fresh_python):
    # Nothing is trained or downloaded: the shipped file is read with NumPy
    # alone, and the page says which model it is and its "not sure" threshold.
    code = """
import json, sys, urllib.request
from skdigits.serve import start_server
lines = []
with start_server(None, echo=lines.append) as server:
    info = json.load(urllib.request.urlopen(server.url + "api/model", timeout=60))
print(json.dumps(info))
print(sorted(m for m in ("tensorflow", "keras", "sklearn") if m in sys.modules))
"""
    info_line, imported = fresh_python(code).splitlines()[-2:]
    info = json.loads(info_line)
    about = skdigits.load_pretrained().about
    assert imported == "[]"
    assert info["source"].startswith("the shipped model")
    assert about["recipe"] in info["source"]
    assert info["about"] == about
    assert info["unsure_below"] == skdigits.load_pretrained().unsure_below


def test_answers_say_unsure_below_the_threshold_with_the_runner_up(sample):
    from sklearn.dummy import DummyClassifier

    model = DummyClassifier(strategy="prior").fit(
        np.zeros((4, 784)), [3, 3, 3, 7]
    )  # always 0.75 for 3, 0.25 for 7
    digit = sample.X_test[0]
    for below, unsure in ((None, False), (0.75, False), (0.8, True)):
        app = create_app(model, unsure_below=below)
        with BackgroundServer(app).start() as server:
            status, answer = _predict(
                server, json.dumps(digit.tolist()).encode(), "application/json"
            )
            info = json.loads(_get(server.url + "api/model")[2])
        assert status == 200
        assert answer["unsure"] is unsure, below
        assert (answer["runner_up"], answer["runner_up_probability"]) == (7, 0.25)
        assert info["unsure_below"] == (0.5 if below is None else below)
    with pytest.raises(ValueError, match="not sure"):
        create_app(model, unsure_below=1.5)


# -- the process -------------------------------------------------------------


@contextlib.contextmanager
def _serving_process(model_file, child_env, *options, module=("skdigits", "serve")):
    """``python -m skdigits serve MODEL --port 0 OPTIONS`` in a child process:
    it, the address it printed, its port and the lines printed until then.
    Killed on the way out if still running."""
    process = subprocess.Popen(
        [sys.executable, "-m", *module, str(model_file), "--port", "0", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env,
    )
    try:
        lines = []
        for line in process.stdout:  # "Serving ... at http://127.0.0.1:PORT/ ..."
            lines.append(line)
            if "http://" in line:
                break
        url = re.search(r"http://127\.0\.0\.1:(\d+)/", "".join(lines))
        assert url, lines
        yield process, url.group(0), int(url.group(1)), "".join(lines)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def _stop_with_ctrl_c(process) -> str:
    """SIGINT; check that the server stopped cleanly; what it printed."""
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "Stopped." in out
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    return out


def _assert_port_is_free(port: int) -> None:
    with socket.create_server(("127.0.0.1", port)):
        pass


def test_ctrl_c_stops_the_server_cleanly_and_frees_the_port(model_file, child_env):
    serving = _serving_process(model_file, child_env, module=["skdigits.serve"])
    with serving as (process, url, port, _):
        assert _get(url + "api/model")[0] == 200
        _stop_with_ctrl_c(process)
    _assert_port_is_free(port)


def _workers_of(pid: int, n: int, timeout: float = 30) -> set[int]:
    """The pids of the ``n`` child processes of ``pid`` (Linux /proc), once
    there are that many."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        found = {
            int(child)
            for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        }
        if len(found) == n or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def _gone(pid: int, timeout: float = 30) -> bool:
    """Whether process ``pid`` ends (or is a zombie) within ``timeout`` s."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            return True
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            return True
        time.sleep(0.05)
    return False


def _digit_json(sample) -> bytes:
    return json.dumps(sample.X_test[0].tolist()).encode()


_linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="worker processes need Linux"
)


@_linux_only
def test_workers_answer_from_their_processes_and_all_stop_on_ctrl_c(
    model_file, child_env, sample
):
    serving = _serving_process(model_file, child_env, "--workers", "3")
    with serving as (process, url, port, said):
        assert "in 3 processes" in said
        workers = _workers_of(process.pid, 3)
        assert len(workers) == 3
        with ThreadPoolExecutor(max_workers=12) as pool:
            statuses = list(
                pool.map(
                    lambda _: _post(
                        url + "api/predict", _digit_json(sample), "application/json"
                    )[0],
                    range(24),
                )
            )
        assert statuses == [200] * 24
        # The workers share the port with each other (SO_REUSEPORT), not
        # with another server.
        with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{port}"):
            run_server(model_file, port=port, workers=1, echo=lambda line: None)
        _stop_with_ctrl_c(process)
    assert all(_gone(pid) for pid in workers)
    _assert_port_is_free(port)


@_linux_only
def test_workers_stop_when_their_supervisor_is_killed(model_file, child_env):
    serving = _serving_process(model_file, child_env, "--workers", "2")
    with serving as (process, url, port, _):
        workers = _workers_of(process.pid, 2)
        assert len(workers) == 2
        assert _get(url + "api/model")[0] == 200
        process.kill()  # SIGKILL: it cannot tell its workers
        process.communicate(timeout=30)
        assert all(_gone(pid) for pid in workers)  # no process left behind
    _assert_port_is_free(port)


def _replaced(pid: int, victim: int, timeout: float = 30) -> set[int]:
    """The server ``pid``'s two workers once ``victim`` is no longer one."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        now = _workers_of(pid, 2, timeout=1)
        if victim not in now and len(now) == 2:
            return now
        assert time.monotonic() < deadline, now
        time.sleep(0.001)


@_linux_only
def test_a_worker_that_dies_is_replaced_at_any_age(model_file, child_env, sample):
    # Killed right after the start, then its replacement killed at once too:
    # a worker's age does not matter, only whether it had started.
    serving = _serving_process(model_file, child_env, "--workers", "2")
    with serving as (process, url, _, _):
        workers = _workers_of(process.pid, 2)
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        assert _gone(victim)
        now = _replaced(process.pid, victim)
        (newcomer,) = now - workers
        status = _post(url + "api/predict", _digit_json(sample), "application/json")[0]
        assert status == 200
        os.kill(newcomer, signal.SIGKILL)
        assert _gone(newcomer)
        now = _replaced(process.pid, newcomer)
        status = _post(url + "api/predict", _digit_json(sample), "application/json")[0]
        assert status == 200
        out = _stop_with_ctrl_c(process)
    # Each one either had started (the usual case: forked workers start in
    # milliseconds) or had not; both are replaced.
    said = re.findall(r"A worker process stopped( before it was ready)? \(signal 9\)"
                      r"; starting another\.", out)  # fmt: skip
    assert len(said) == 2, out
    assert all(_gone(pid) for pid in now)


class _Clients:
    """``n`` clients posting ``body`` to ``/api/predict`` in a loop, each in
    a thread with its keep-alive connection (opened anew after a failure):
    the suite's stand-in for wrk. ``log`` holds one ``(sent, done, ok)`` per
    request, times from ``time.monotonic()``, and ``by_client`` the same for
    each client apart."""

    def __init__(self, port: int, body: bytes, n: int = 4) -> None:
        import threading

        self.port, self.body = port, body
        self.log: list[tuple[float, float, bool]] = []
        self._stop = threading.Event()
        self.by_client: list[list[tuple[float, float, bool]]] = [[] for _ in range(n)]
        self._threads = [
            threading.Thread(target=self._client, args=(i,)) for i in range(n)
        ]

    def _client(self, index: int) -> None:
        import http.client
        import time

        conn = None
        while not self._stop.is_set():
            sent = time.monotonic()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(
                        "127.0.0.1", self.port, timeout=_TIMEOUT
                    )
                conn.request(
                    "POST",
                    "/api/predict",
                    self.body,
                    {"Content-Type": "application/json"},
                )
                answer = conn.getresponse()
                ok = answer.status == 200 and b'"label"' in answer.read()
            except (OSError, http.client.HTTPException):
                ok = False
                if conn is not None:
                    conn.close()
                conn = None
            self.log.append((sent, time.monotonic(), ok))
            self.by_client[index].append(self.log[-1])
        if conn is not None:
            conn.close()

    def answered_since(self, since: float) -> int:
        return sum(ok for sent, _, ok in list(self.log) if sent >= since)

    def wait_for_answers(self, n: int, since: float = 0.0) -> None:
        import time

        deadline = time.monotonic() + 60
        while self.answered_since(since) < n:
            assert time.monotonic() < deadline, self.log[-5:]
            time.sleep(0.01)

    def __enter__(self) -> _Clients:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()


@_linux_only
@pytest.mark.parametrize("serving_for", [0.0, 6.0], ids=["early", "late"])
def test_a_worker_killed_under_load_loses_only_its_requests_in_flight(
    serving_for, model_file, child_env, sample
):
    # The case: under load, a worker killed right after the start
    # (the old rule stopped the whole server then) or after 6 s of serving.
    import time

    serving = _serving_process(model_file, child_env, "--workers", "2")
    with serving as (process, url, port, _):
        workers = _workers_of(process.pid, 2)
        with _Clients(port, _digit_json(sample)) as clients:
            clients.wait_for_answers(20)
            time.sleep(serving_for)
            victim = min(workers)
            os.kill(victim, signal.SIGKILL)
            while not _gone(victim, timeout=0.001):  # as soon as it is gone
                pass
            gone_at = time.monotonic()
            now = _replaced(process.pid, victim)
            clients.wait_for_answers(50, since=time.monotonic())
        status = _post(url + "api/predict", _digit_json(sample), "application/json")[0]
        assert status == 200
        out = _stop_with_ctrl_c(process)
    failed = [sent for sent, _, ok in clients.log if not ok]
    # Only the requests in flight on the dead worker's connections failed:
    # one per client at most (a client whose keep-alive connection was idle
    # at the kill learns that it is closed when it sends its next request,
    # so that one may have been sent just after the worker was gone); each
    # client's requests after its failure were all answered, and so was
    # every request sent once the clients had seen the worker gone.
    for log in clients.by_client:
        lost = [i for i, (_, _, ok) in enumerate(log) if not ok]
        assert len(lost) <= 1, log
        if lost:
            assert all(ok for _, _, ok in log[lost[0] + 1 :]), log
    last_failure = max((done for _, done, ok in clients.log if not ok), default=0)
    after = [ok for sent, _, ok in clients.log if sent >= max(gone_at, last_failure)]
    assert after and all(after)
    assert len(clients.log) - len(failed) >= 70
    assert process.returncode == 0  # the server never stopped on its own
    assert "starting another." in out and "Traceback" not in out
    assert all(_gone(pid) for pid in now)


_FAKE_WORKERS = """
import asyncio, os, signal, socket, sys
from pathlib import Path
from skdigits._commands.serve import supervisor

failures = int(sys.argv[1])  # how many workers fail their start, in all
count = Path(sys.argv[2])  # one file per start

class Server:
    \"\"\"uvicorn.Server's part that the supervisor uses.\"\"\"
    started = should_exit = False

    async def startup(self, sockets=None):
        self.started = True

    def run(self, sockets):
        with count.open("a") as file:
            file.write("start\\n")
        if len(count.read_text().splitlines()) <= failures:
            raise RuntimeError("this worker cannot start")
        asyncio.run(self.serve())

    async def serve(self):
        await self.startup()
        while not self.should_exit:
            await asyncio.sleep(0.01)

sock = socket.create_server(("127.0.0.1", 0))
reserved = supervisor.reserve_port(sock)
listeners = [supervisor.worker_socket(reserved) for _ in range(2)]
try:
    supervisor.serve_in_processes(Server, reserved, listeners, print)
except RuntimeError as error:
    print("stopped:", error)
else:
    print("stopped cleanly")
"""


@_linux_only
@pytest.mark.parametrize("failures", [2, 1000], ids=["two", "every"])
def test_workers_that_fail_their_start_three_times_in_a_row_stop_the_server(
    failures, tmp_path, child_env
):
    import time

    from skdigits._commands.serve.supervisor import START_FAILURES_IN_A_ROW

    assert START_FAILURES_IN_A_ROW == 3
    starts = tmp_path / "starts"
    process = subprocess.Popen(
        [sys.executable, "-c", _FAKE_WORKERS, str(failures), str(starts)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env,
    )
    try:
        if failures < START_FAILURES_IN_A_ROW:
            # Both workers fail their start, the two that replace them
            # serve: not a crash loop.
            deadline = time.monotonic() + 30
            while not starts.exists() or len(starts.read_text().split()) < 4:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.01)
            process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    said = (
        "A worker process stopped before it was ready (exit code 1); starting another."
    )
    # The two first fail; each is replaced. With failures=2, the newcomers
    # serve until Ctrl-C; otherwise the first of them to fail too is the
    # third in a row, and the server stops (the other newcomer fails as well
    # or is stopped).
    assert out.count(said) == 2, out
    assert len(starts.read_text().split()) == 4
    assert err.count("RuntimeError: this worker cannot start") == min(failures, 4)
    if failures < START_FAILURES_IN_A_ROW:
        assert out.endswith("\nstopped cleanly\n"), out
    else:
        assert out.endswith(
            "\nstopped: 3 worker processes in a row stopped before they were "
            "ready to serve (the last: exit code 1); the server stops.\n"
        ), out
    assert process.returncode == 0


@pytest.mark.parametrize("workers", ["0", "-2"])
def test_serve_refuses_a_worker_count_below_one(workers, capsys):
    from skdigits._commands.cli import main

    assert main(["serve", "no-such.skdigits", "--workers", workers]) == 2
    assert f"workers must be an integer >= 1, got {workers}" in capsys.readouterr().err


def test_several_workers_are_refused_where_processes_cannot_fork(monkeypatch):
    from skdigits._commands.serve import supervisor

    monkeypatch.setattr(supervisor, "CAN_FORK_WORKERS", False)
    assert supervisor.default_workers() == 1
    with pytest.raises(ValueError, match="several worker processes need Linux"):
        run_server("no-such.skdigits", workers=2, echo=lambda line: None)


def test_connections_send_without_nagles_delay(server):
    # uvicorn writes an answer's head and body separately; with Nagle's
    # algorithm on, the body waits for the client's delayed ACK of the head
    # (40 ms on Linux). asyncio turns it off only on sockets that say
    # IPPROTO_TCP, which socket.create_server's do not.
    with _connect(server) as conn:
        conn.sendall(b"GET /api/model HTTP/1.1\r\nHost: digits\r\n\r\n")
        answer = b""
        while not _is_complete(answer):
            answer += conn.recv(65536)
        connections = server._server.server_state.connections
        options = [
            protocol.transport.get_extra_info("socket").getsockopt(
                socket.IPPROTO_TCP, socket.TCP_NODELAY
            )
            for protocol in connections
        ]
    assert options and all(options), options


def test_port_in_use_is_refused_with_a_clear_error(server):
    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    with pytest.raises(
        OSError, match=f"cannot listen on 127.0.0.1:{port}.*another --port"
    ):
        BackgroundServer(server.app, port=port)


def test_run_reports_a_taken_port_before_loading_the_model(server, monkeypatch):
    import skdigits._commands.serve.server as server_module

    def no_loading(*args, **kwargs):
        raise AssertionError("the model was loaded before the port")

    monkeypatch.setattr(server_module, "resolve_model", no_loading)
    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{port}"):
        server_module.run_server(None, port=port, echo=lambda line: None)


def test_serving_a_model_file_needs_neither_tensorflow_nor_scikit_learn(
    model_file, fresh_python
):
    # The page only predicts: a model file is read by the NumPy-only loader.
    code = f"""
import json, sys, urllib.request
from skdigits.serve import start_server
with start_server({str(model_file)!r}, echo=lambda line: None) as server:
    pixels = [[0] * 28 for _ in range(28)]
    for row in range(6, 22):
        pixels[row][13] = pixels[row][14] = 255
    request = urllib.request.Request(
        server.url + "api/predict", data=json.dumps(pixels).encode(),
        headers={{"Content-Type": "application/json"}})
    answer = json.load(urllib.request.urlopen(request, timeout=60))
print(answer["label"] in range(10))
print(sorted(m for m in ("tensorflow", "keras", "sklearn") if m in sys.modules))
"""
    assert fresh_python(code).splitlines()[:2] == ["True", "[]"]


def test_serving_never_imports_tensorflow_itself(fresh_python):
    # With a model that needs no TensorFlow, importing the server, building
    # the app and answering a request leave TensorFlow unloaded; start-up is
    # then as fast as the model's own loading.
    code = """
import json, sys, urllib.request
import numpy as np
from sklearn.dummy import DummyClassifier
from skdigits.serve import start_server
model = DummyClassifier().fit(np.zeros((2, 784)), [0, 1])
with start_server(model, echo=lambda line: None) as server:
    request = urllib.request.Request(
        server.url + "api/predict", data=json.dumps([[0, 255], [255, 0]]).encode(),
        headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=60).read()
print(sorted(m for m in ("tensorflow", "keras") if m in sys.modules))
"""
    assert fresh_python(code) == "[]"
