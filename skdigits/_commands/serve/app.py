"""The web application: the drawing page and the JSON prediction API.

:func:`create_app` wraps a fitted model in a Starlette application. The page
and its script and style sheet are files in ``skdigits/serve/static``, served
from the package (no CDN), so the page works offline. The API has three
routes:

* ``POST /api/predict``: a PNG or JPEG (``Content-Type: image/png`` or
  ``image/jpeg``, the raw bytes as the body), or a JSON array of grey pixels
  (``application/json``: ``{"pixels": [[...], ...]}`` or the bare array).
  The image is prepared the way MNIST was made (:mod:`skdigits.image_io`)
  and the answer holds the label, the probability of every class, whether
  the model is unsure (and its runner-up) and the 28x28 image the model was
  given.
* ``GET /api/model``: the model's classes, where it came from, its "not
  sure" threshold and the limits on requests.
* ``GET /api/openapi.json``: the OpenAPI description of the API.

Every error is a JSON object ``{"error": "..."}`` that says what was wrong,
with a 4xx status for a bad request and never a traceback.
"""

from __future__ import annotations

import json
import logging
import os
import struct
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import numpy as np
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from skdigits import __version__
from skdigits._commands.serve.openapi import openapi_schema
from skdigits._prediction.predict import check_digit_model, predict_digit
from skdigits._prediction.preparation import ImageReadError
from skdigits._prediction.reading import decode_image
from skdigits._prediction.unsure import check_unsure_below, model_unsure_below

__all__ = [
    "DEFAULT_BODY_TIMEOUT",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_IMAGE_PIXELS",
    "create_app",
]

logger = logging.getLogger("skdigits.serve")

#: Largest request body accepted, in bytes (a phone photo fits).
DEFAULT_MAX_BODY_BYTES = 10 * 2**20
#: Largest image accepted, in pixels (width x height, before decoding).
DEFAULT_MAX_IMAGE_PIXELS = 40_000_000
#: Seconds a request body may take to arrive (a 10 MB photo at 2 Mbit/s fits).
DEFAULT_BODY_TIMEOUT = 60.0
# Uploaded images are reduced to this many pixels on their longer side before
# preparation, which shrinks them to 20 pixels anyway.
_WORKING_SIZE = 1024
# Inputs up to these sizes are answered on the event loop (see predict below):
# the page's 280x280 drawing, a thumbnail, 28x28 pixels as JSON.
_INLINE_MAX_PIXELS = 512 * 512
_INLINE_MAX_JSON_BYTES = 64 * 2**10
_STATIC = Path(__file__).with_name("static")
_IMAGE_TYPES = ("image/png", "image/jpeg", "image/jpg")
_JSON_TYPES = ("application/json",)
_MNIST_SIDE = 28
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# The page loads nothing from elsewhere; say so to the browser as well.
_SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' blob: data:; object-src 'none'; "
        b"base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


class _ApiError(Exception):
    """A request the API cannot answer; becomes ``{"error": message}``."""

    def __init__(self, status_code: int, message: str, *, close: bool = False) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        # The body was not read to its end: the connection cannot carry
        # another request, so the answer says it closes.
        self.close = close


def _size_text(n_bytes: int) -> str:
    if n_bytes >= 2**20:
        return f"{n_bytes / 2**20:.3g} MB"
    return f"{n_bytes:,} bytes"


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _pixels_from_json(body: bytes) -> np.ndarray:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _ApiError(400, f"the body is not valid JSON ({exc}).") from None
    if isinstance(payload, dict):
        if "pixels" not in payload:
            raise _ApiError(
                422,
                'expected a JSON object with a "pixels" key (or a bare array); '
                f"got the keys {sorted(payload)[:5]}.",
            )
        payload = payload["pixels"]
    if not isinstance(payload, list):
        raise _ApiError(
            422,
            "pixels must be an array of rows of numbers (28x28 for an MNIST "
            f"digit); got a JSON {type(payload).__name__}.",
        )
    try:
        pixels = np.asarray(payload, dtype=np.float64)
    except (ValueError, TypeError):
        raise _ApiError(
            422,
            "pixels must be a rectangular array of numbers (every row as long "
            "as the first, no strings or nulls).",
        ) from None
    if pixels.ndim == 1 and pixels.size == _MNIST_SIDE**2:  # one flat digit
        pixels = pixels.reshape(_MNIST_SIDE, _MNIST_SIDE)
    if pixels.ndim not in (2, 3) or pixels.size == 0:
        raise _ApiError(
            422,
            "pixels must be a 2-D array (height, width) of grey values, "
            "(height, width, 3 or 4) for RGB(A), or 784 values of one flat "
            f"28x28 digit; got an array of shape {pixels.shape}.",
        )
    return pixels


def _header(scope: Scope, name: bytes) -> str | None:
    """The first value of header ``name`` (lower case) of an HTTP ``scope``."""
    for key, value in scope["headers"]:
        if key == name:  # ASGI servers give header names in lower case
            return value.decode("latin-1")
    return None


class _ClientGone(Exception):
    """The client closed its connection before its request body arrived."""


def _too_large(limit: int) -> _ApiError:
    return _ApiError(
        413,
        f"the request body is larger than the limit of {_size_text(limit)}.",
        close=True,
    )


async def _read_body(
    receive: Receive, declared: str | None, limit: int, timeout: float
) -> bytes:
    """The request body, refusing as soon as it exceeds ``limit`` bytes (413)
    or has taken ``timeout`` seconds to arrive (408). ``declared`` is the
    request's Content-Length."""
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks, size = [], 0
    try:
        # A client trickling its body holds only its own connection, never a
        # worker thread, and not for longer than this.
        with anyio.fail_after(timeout):
            while True:
                message = await receive()
                if message["type"] != "http.request":  # http.disconnect
                    raise _ClientGone
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:  # chunked uploads declare no length
                    raise _too_large(limit)
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
    except TimeoutError:
        raise _ApiError(
            408,
            f"the request body did not arrive within {timeout:g} s "
            f"({_size_text(size)} received).",
            close=True,
        ) from None
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _image_size(body: bytes) -> tuple[int, int] | None:
    """Width and height from the image's header, without decoding it."""
    # A PNG says its size at a fixed place (its first chunk, IHDR): reading
    # it there costs a microsecond, Pillow's parser some twenty. Large
    # sizes take Pillow's way, which refuses decompression bombs.
    if body[:8] == _PNG_SIGNATURE and body[12:16] == b"IHDR" and len(body) >= 24:
        width, height = struct.unpack(">II", body[16:24])
        if width * height <= _INLINE_MAX_PIXELS:
            return width, height
    import io

    from PIL import Image

    try:
        with Image.open(io.BytesIO(body)) as image:
            return image.size
    except Image.DecompressionBombError as exc:
        # Pillow refuses to open more than twice its own limit at all: a
        # small file declaring, say, 20000x20000 pixels (a decompression
        # bomb) is too large by any limit of ours, and no server error.
        raise _ApiError(413, f"the image is too large to open: {exc}") from None
    except Exception:  # decode_image says what is wrong with it
        return None


def _is_small(kind: str, body: bytes, size: tuple[int, int] | None) -> bool:
    """Whether a request's work is small enough (well under 2 ms) to do on
    the event loop; ``size`` is an image's, read from its header."""
    if kind != "image":
        return len(body) <= _INLINE_MAX_JSON_BYTES
    return size is not None and size[0] * size[1] <= _INLINE_MAX_PIXELS


def _answer(
    model: Any,
    kind: str,
    body: bytes,
    size: tuple[int, int] | None,
    max_image_pixels: int,
    unsure_below: float,
) -> dict[str, Any]:
    """Decode, prepare and classify one request body (``size``: an image's,
    from :func:`_image_size`)."""
    if kind == "image":
        if size is not None and size[0] * size[1] > max_image_pixels:
            raise _ApiError(
                413,
                f"the image is {size[0]}x{size[1]} pixels; the limit is "
                f"{max_image_pixels:,} pixels.",
            )
        try:
            gray = decode_image(body, max_size=_WORKING_SIZE)
        except ImageReadError as exc:
            detail = str(exc).removeprefix("image: ")
            raise _ApiError(400, f"image body: {detail}") from None
    else:
        gray = _pixels_from_json(body)
    try:
        return predict_digit(gray, model, unsure_below=unsure_below)
    except ImageReadError as exc:
        # A readable picture without a digit (blank), or bad pixel values.
        message = str(exc).removeprefix("image: ")
        raise _ApiError(422, message) from None


class _SecurityHeaders:
    """Adds the headers of ``_SECURITY_HEADERS`` to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *_SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


# Starlette's JSONResponse's encoding (compact, UTF-8, no NaN), made once:
# json.dumps builds an encoder on every call given options.
_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
_INTERNAL_ERROR = "internal error while answering; see the server's log."


def _json_answer(
    status: int, payload: Any, headers: list[tuple[bytes, bytes]]
) -> tuple[Message, Message]:
    """The two ASGI messages of a JSON answer, with the headers Starlette's
    JSONResponse would send (``headers`` first) and the security headers."""
    body = _JSON.encode(payload).encode("utf-8")
    start = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            *headers,
            (b"content-length", str(len(body)).encode("latin-1")),
            (b"content-type", b"application/json"),
            *_SECURITY_HEADERS,
        ],
    }
    return start, {"type": "http.response.body", "body": body}


def _route_path(scope: Scope) -> str:
    """The path routes match: without the ``root_path`` the application is
    mounted at, as Starlette's router reads it."""
    path, root = scope["path"], scope.get("root_path", "")
    if not root or not path.startswith(root):
        return path
    if path == root:
        return ""
    return path[len(root) :] if path[len(root)] == "/" else path


class _Predict:
    """``POST /api/predict``, as a plain ASGI application.

    The API's busy route: Starlette's middleware, routing, Request and
    Response objects were about a third of the server's own CPU time per
    answer (measured under load with the request's work itself stubbed
    out), so :class:`_App` hands the route here directly. It answers as
    they did: the same errors, headers in the same order, and JSON.
    """

    def __init__(
        self,
        model: Any,
        *,
        max_body_bytes: int,
        max_image_pixels: int,
        body_timeout: float,
        workers: int,
        unsure_below: float,
    ) -> None:
        self.model = model
        self.max_body_bytes = max_body_bytes
        self.max_image_pixels = max_image_pixels
        self.body_timeout = body_timeout
        self.workers = workers
        self.unsure_below = unsure_below
        self._limiter: anyio.CapacityLimiter | None = None
        self._turns: anyio.Lock | None = None

    async def _answer(self, scope: Scope, receive: Receive) -> dict[str, Any]:
        content_type = _header(scope, b"content-type") or ""
        media_type = content_type.split(";")[0].strip().lower()
        if media_type in _IMAGE_TYPES:
            kind = "image"
        elif media_type in _JSON_TYPES:
            kind = "json"
        else:
            raise _ApiError(
                415,
                f"cannot read a body of type {media_type or 'unknown'!r}: send "
                "a PNG or JPEG with Content-Type image/png or image/jpeg, or "
                "pixels as JSON with Content-Type application/json.",
            )
        body = await _read_body(
            receive,
            _header(scope, b"content-length"),
            self.max_body_bytes,
            self.body_timeout,
        )
        if not body:
            raise _ApiError(400, "the request body is empty: send an image or pixels.")
        size = _image_size(body) if kind == "image" else None
        args = (self.model, kind, body, size, self.max_image_pixels, self.unsure_below)
        if _is_small(kind, body, size):
            # A drawn digit's work (under a millisecond) costs less than
            # handing it to a thread and back, which also makes the two
            # threads contend for the GIL: measured, it about doubled the
            # server's CPU time per request. Other clients wait that long.
            if self._turns is None:  # made in the server's event loop
                self._turns = anyio.Lock()
            # One such answer per turn of the event loop, in the order the
            # requests came: between two, the loop reads new requests and
            # accepts a new connection (libuv, under uvloop, accepts one per
            # turn). Answering every waiting request in one turn instead let
            # a new client wait behind all of them, turn after turn: with 64
            # clients, the first answer on a new connection took up to 2 s.
            async with self._turns:
                return _answer(*args)
        # A large image is CPU work for many milliseconds: off the event
        # loop, which keeps serving others, in at most `workers` threads.
        # More threads than cores only take turns at the GIL and the cores
        # (and hold a decoded image each); requests beyond them wait in
        # order, costing nothing.
        if self._limiter is None:  # made in the server's event loop
            self._limiter = anyio.CapacityLimiter(self.workers)
        return await anyio.to_thread.run_sync(_answer, *args, limiter=self._limiter)

    def warm_up(self) -> None:
        """Answer one drawn digit as a PNG, so that the first client does not
        wait for the imports and first calls that the first answer costs
        (50-90 ms against 9-20 ms for the next ones, measured here); worker
        processes forked after it share them."""
        import io

        from PIL import Image

        digit = np.zeros((_MNIST_SIDE, _MNIST_SIDE), dtype=np.uint8)
        digit[4:24, 12:16] = 255  # a "1"
        buffer = io.BytesIO()
        Image.fromarray(digit).save(buffer, "PNG")
        body = buffer.getvalue()
        try:
            _answer(
                self.model,
                "image",
                body,
                _image_size(body),
                self.max_image_pixels,
                self.unsure_below,
            )
        except Exception:  # a failing model answers 500s, with its traceback
            logger.debug("warming up the model failed", exc_info=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            answer = await self._answer(scope, receive)
            start, body = _json_answer(200, answer, [(b"cache-control", b"no-store")])
        except _ApiError as exc:
            close = [(b"connection", b"close")] if exc.close else []
            start, body = _json_answer(exc.status_code, {"error": exc.message}, close)
        except _ClientGone:
            return  # nobody to answer
        except Exception as exc:
            # The traceback goes to the server's log, never to the client.
            logger.error(
                "error answering %s %s", scope["method"], scope["path"], exc_info=exc
            )
            start, body = _json_answer(500, {"error": _INTERNAL_ERROR}, [])
        await send(start)
        await send(body)


class _App(Starlette):
    """Starlette, with ``POST /api/predict`` handed straight to :class:`_Predict`
    (the other routes and methods take Starlette's way)."""

    def __init__(self, predict: _Predict, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.predict = predict

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and _route_path(scope) == "/api/predict"
        ):
            await self.predict(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(
    model: Any,
    *,
    source: str = "a fitted model",
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS,
    body_timeout: float = DEFAULT_BODY_TIMEOUT,
    workers: int | None = None,
    unsure_below: float | None = None,
) -> Starlette:
    """Build the web application (the drawing page and the JSON API).

    Parameters
    ----------
    model : fitted classifier
        What :func:`skdigits.persistence.load_model` returns: a Pipeline of
        :class:`~skdigits.PixelScaler` and
        :class:`~skdigits.DenseDigitClassifier` trained on 28x28 digits, or
        any fitted classifier with ``predict_proba`` and ``classes_`` that
        takes (n, 28, 28) uint8 images.
    source : str, default="a fitted model"
        Where the model came from, shown on the page and in ``/api/model``.
    max_body_bytes : int, default=10 MiB
        Larger request bodies get a 413 answer.
    max_image_pixels : int, default=40,000,000
        Images with more pixels get a 413 answer, before they are decoded.
    body_timeout : float, default=60.0
        Seconds a request body may take to arrive; a slower one gets a 408
        answer and its connection is closed.
    workers : int or None, default=None
        How many large images (over 512x512 pixels, or JSON bodies over 64
        KiB) are decoded and classified at once, in threads; the others wait
        their turn. Smaller ones, such as the page's drawings, are answered
        at once on the server's event loop: their work takes less time than
        a hand-over to a thread. None: the number of cores this process may
        use.
    unsure_below : float or None, default=None
        Answers whose top probability is below this are marked unsure (the
        page says "not sure" and shows the runner-up). None: the model's
        calibrated threshold (a model file's ``unsure_below``, as the shipped
        model has), else 0.5.

    Returns
    -------
    app : starlette.applications.Starlette
        An ASGI application; serve it with uvicorn (or any ASGI server), or
        run it in a thread with :class:`~skdigits.serve.BackgroundServer`.

    Raises
    ------
    ValueError
        If the model is not a fitted classifier of 28x28 images.

    See Also
    --------
    skdigits.serve.run_server : Serve a model until Ctrl-C.
    skdigits.serve.start_server : Serve a model in the background.

    Notes
    -----
    Serve it with NumPy's BLAS on one thread, as :func:`skdigits._commands.serve.run`
    and :class:`~skdigits.serve.BackgroundServer` do: the forward pass of
    one digit is too small to share between cores, and the ``workers``
    threads already use them.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.dummy import DummyClassifier
    >>> import json, urllib.request
    >>> from skdigits.serve import BackgroundServer, create_app
    >>> model = DummyClassifier().fit(np.zeros((2, 784)), [3, 7])
    >>> digit = np.zeros((28, 28), dtype=int)
    >>> digit[4:24, 12:16] = 255  # a "1"
    >>> def post(url, body, content_type):
    ...     request = urllib.request.Request(
    ...         url, data=body, headers={"Content-Type": content_type})
    ...     try:
    ...         with urllib.request.urlopen(request) as response:
    ...             return response.status, json.load(response)
    ...     except urllib.error.HTTPError as error:
    ...         return error.code, json.load(error)
    >>> with BackgroundServer(create_app(model)).start() as server:
    ...     url = server.url + "api/predict"
    ...     status, answer = post(url, json.dumps(digit.tolist()).encode(),
    ...                           "application/json")
    ...     print(status, answer["label"], answer["classes"])
    ...     print(*post(url, b"hello", "image/png"))
    200 3 [3, 7]
    400 {'error': 'image body: not an image that can be read (expected PNG or JPEG).'}
    """
    classes = check_digit_model(model)
    if unsure_below is not None:
        check_unsure_below(unsure_below)
    unsure_below = model_unsure_below(model, unsure_below)
    if max_body_bytes < 1 or max_image_pixels < 1:
        raise ValueError("max_body_bytes and max_image_pixels must be >= 1.")
    if not body_timeout > 0:
        raise ValueError(f"body_timeout must be > 0 seconds, got {body_timeout!r}.")
    if workers is None:
        workers = _usable_cores()
    elif workers < 1:
        raise ValueError(f"workers must be >= 1 (or None), got {workers!r}.")
    info = {
        "classes": classes,
        "source": source,
        "unsure_below": unsure_below,
        "about": getattr(model, "about", None),
        "input_shape": [_MNIST_SIDE, _MNIST_SIDE],
        "max_body_bytes": max_body_bytes,
        "max_image_pixels": max_image_pixels,
        "skdigits_version": __version__,
    }

    async def page(request: Request) -> Response:
        return FileResponse(
            _STATIC / "index.html", headers={"cache-control": "no-cache"}
        )

    async def model_info(request: Request) -> Response:
        return JSONResponse(info)

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_schema(__version__))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return JSONResponse(
            {"error": f"{exc.detail}: {request.method} {request.url.path}"},
            status_code=exc.status_code,
            headers=exc.headers,
        )

    async def server_error(request: Request, exc: Exception) -> Response:
        # The traceback goes to the server's log, never to the client.
        logger.error(
            "error answering %s %s", request.method, request.url.path, exc_info=exc
        )
        return JSONResponse({"error": _INTERNAL_ERROR}, status_code=500)

    predict = _Predict(
        model,
        max_body_bytes=max_body_bytes,
        max_image_pixels=max_image_pixels,
        body_timeout=body_timeout,
        workers=workers,
        unsure_below=unsure_below,
    )
    app = _App(
        predict,
        routes=[
            Route("/", page, methods=["GET", "HEAD"]),
            # Only other methods reach it here (a 405): _App answers POSTs.
            Route("/api/predict", predict, methods=["POST"]),
            Route("/api/model", model_info, methods=["GET", "HEAD"]),
            Route("/api/openapi.json", openapi, methods=["GET", "HEAD"]),
            Mount("/static", StaticFiles(directory=_STATIC), name="static"),
        ],
        exception_handlers={
            HTTPException: http_error,
            Exception: server_error,
        },
    )
    app.add_middleware(_SecurityHeaders)
    app.state.model = model
    return app
